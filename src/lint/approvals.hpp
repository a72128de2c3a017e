// lint: `-- pgwarden:approve <action> reason: <text>` comments, and the file directives
// (`-- pgwarden:no-transaction`, and the peers' spellings of it) that precede statements.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace pgwarden::lint {

struct Approval {
  std::string name;      // as written: a policy action ("delete") or a rule ("lint.index-concurrently")
  std::string reason;    // empty: none given (the approval approves nothing)
  std::size_t offset = 0;  // of the comment, in the text it was read from
  bool used = false;
};

// The approval comments in `gap` (the text between two statements); offsets are `base` + the
// position in `gap`.
std::vector<Approval> approvals_in(std::string_view gap, std::size_t base);

// True when the migration text says it runs without a transaction: `-- pgwarden:no-transaction`,
// `-- atlas:txmode none`, or dbmate's `-- migrate:up transaction:false`.
bool says_no_transaction(std::string_view text);

}  // namespace pgwarden::lint
