// common: the vocabulary every component shares and nothing more.
//
// In: nothing of SQL, policies, files or sockets. Out: the error value that every path fed by
// input returns (`Expected<T>`), source positions, glob matching and a large-stack runner.
// It must never depend on another pgwarden component.
#pragma once

#include <string>

#include <tl/expected.hpp>

namespace pgwarden {

// An error that a user must be able to act on. Policy-file errors carry file, line, column and
// the key; SQL and wire errors carry what they can. `line`/`column` are 1-based, 0 = unknown.
struct Error {
  std::string message;
  std::string file;
  int line = 0;
  int column = 0;
  std::string key;

  // "file:line:column: key: message", leaving out the parts that are unknown.
  [[nodiscard]] std::string to_string() const;
};

template <class T>
using Expected = tl::expected<T, Error>;

inline tl::unexpected<Error> make_error(std::string message) {
  return tl::unexpected<Error>(Error{std::move(message)});
}

}  // namespace pgwarden
