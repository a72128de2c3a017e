// What a refusal says: the message (what the statement would do) and the hint (the
// non-destructive alternative for this very statement, built from its own tree where the
// rewrite needs the statement's SQL; see sql/rewrite.hpp).
#pragma once

#include <string>
#include <vector>

#include "policy/profile.hpp"
#include "policy/table_match.hpp"
#include "sql/effect.hpp"

namespace pgwarden::policy {

struct Judged {
  sql::Action action;                 // the action decided (may be derived: update_immutable, ...)
  const sql::Effect& effect;
  const TableView& table;
  std::vector<std::string> columns;   // the columns the finding is about
};

std::string message_for(const Judged& judged);
std::string hint_for(const Judged& judged, const Policy& policy);

// A refusal by the active profile's writable list (policy.active_profile): `refused_columns` is
// empty when the effect changes rows of a table the list does not name, else the columns an
// UPDATE sets that the list does not allow for the table (`view`).
std::string writable_message(const sql::Effect& effect, const Profile& profile,
                             const std::vector<std::string>& refused_columns, const WritableView& view);
std::string writable_hint(const sql::Effect& effect, const Profile& profile,
                          const std::vector<std::string>& refused_columns, const WritableView& view);

}  // namespace pgwarden::policy
