// lint: the few git questions the history lock asks (what a file held at a commit, where a
// branch left its base, which commit last wrote pgwarden.sum, which files a branch changed).
//
// git runs as a child process with its arguments passed as a vector (posix_spawnp; no shell,
// so no file or ref name is ever interpreted by one) and its output captured. A non-zero exit
// is an error carrying git's stderr. Refs that start with '-' are refused, so that a ref is
// never read as an option.
#pragma once

#include <string>
#include <vector>

#include "common/error.hpp"

namespace pgwarden::lint {

// `git -C dir <args...>`: its standard output, or an error with its standard error.
Expected<std::string> run_git(const std::string& dir, const std::vector<std::string>& args);

// The exact bytes of `path` (relative to `dir`) at revision `rev`.
Expected<std::string> git_show(const std::string& dir, const std::string& rev,
                               const std::string& path);

// The full hash of the best common ancestor of HEAD and `ref`.
Expected<std::string> git_merge_base(const std::string& dir, const std::string& ref);

// The full hash of the last commit that changed `path` (relative to `dir`); an error when no
// commit did.
Expected<std::string> git_last_commit_touching(const std::string& dir, const std::string& path);

struct ChangedFiles {
  std::string root;                // the repository's top folder (`git rev-parse --show-toplevel`)
  std::vector<std::string> files;  // relative to root, sorted
};

// Files added or modified since the merge-base of HEAD and `base_rev`: committed, staged or in
// the working tree, plus new untracked files (not ignored ones). A rename counts as an addition.
Expected<ChangedFiles> git_changed_files(const std::string& dir, const std::string& base_rev);

}  // namespace pgwarden::lint
