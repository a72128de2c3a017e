// Runs the built pgwarden the way a user does, from a shell in the source directory, for the
// command-line tests.
#pragma once

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <sys/wait.h>
#include <unistd.h>

namespace pgwarden::test {

struct Run {
  int exit_code = -1;
  std::string out;  // stdout and stderr together
};

// Runs a shell command line in the source directory; `build/pgwarden` means the built binary.
inline Run shell(std::string command, const std::string& input = "", bool with_stdin = false) {
  const std::string binary = PGWARDEN_BINARY;
  for (std::size_t at = command.find("build/pgwarden"); at != std::string::npos;
       at = command.find("build/pgwarden", at + binary.size())) {
    command.replace(at, std::string("build/pgwarden").size(), binary);
  }
  std::string full = "cd '" + std::string(PGWARDEN_SOURCE_DIR) + "' && ";
  if (with_stdin) {
    const std::filesystem::path in = std::filesystem::temp_directory_path() / ("pgwarden-cli-in-" + std::to_string(::getpid()));
    std::ofstream(in, std::ios::binary) << input;
    full += "(" + command + ") < '" + in.string() + "' 2>&1";
  } else {
    full += "(" + command + ") < /dev/null 2>&1";
  }
  Run r;
  FILE* pipe = ::popen(full.c_str(), "r");
  if (pipe == nullptr) return r;
  std::array<char, 4096> buf{};
  std::size_t n = 0;
  while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0) r.out.append(buf.data(), n);
  const int status = ::pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

}  // namespace pgwarden::test
