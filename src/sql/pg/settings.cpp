// Settings, whichever statement makes them: SET, SET LOCAL, RESET, set_config(), UPDATE
// pg_settings, a routine's SET clause, ALTER ROLE / DATABASE / SYSTEM ... SET.
//
// Some settings turn a safeguard off: triggers and foreign keys (session_replication_role),
// row-level security, crash safety (fsync, full_page_writes), corruption checks, the protection
// of system catalogs and large objects. Such a setting is `disable_safeguard` however it is
// made. A setting this session makes (not a routine's, not a role's) is also a unit fact: the
// unit follows search_path (how bare names resolve, and whether a temp table shadows a table)
// and client_encoding (how the server reads the bytes of later statements).
// https://www.postgresql.org/docs/15/runtime-config-client.html
#include <optional>
#include <string>
#include <vector>

#include "sql/pg/names.hpp"
#include "sql/pg/transform.hpp"

namespace pgwarden::sql::pg {
namespace {

bool is_off(std::string_view v) { return v == "off" || v == "false" || v == "0" || v == "no" || v == "of"; }
bool is_on(std::string_view v) { return v == "on" || v == "true" || v == "1" || v == "yes"; }

}  // namespace

bool disables_safeguard(std::string_view name, const std::optional<std::vector<std::string>>& values) {
  // No items: the default, which is safe for every setting below. Unknown: assume the worst.
  if (values && values->empty()) return false;
  const std::string value = values ? lower(values->front()) : std::string("?");
  if (name == "session_replication_role") return value != "origin";
  if (name == "row_security" || name == "fsync" || name == "full_page_writes") return !values || is_off(value);
  if (name == "zero_damaged_pages" || name == "ignore_checksum_failure" || name == "ignore_system_indexes" ||
      name == "allow_system_table_mods" || name == "lo_compat_privileges") {
    return !values || is_on(value);
  }
  return false;
}

void setting_effect(Context& ctx, std::string name, std::optional<std::vector<std::string>> values,
                    SettingScope scope, std::string verb, Action otherwise, ObjectKind kind, ObjectName object) {
  Effect* e = nullptr;
  if (disables_safeguard(name, values)) {
    e = &ctx.add(Action::disable_safeguard, ObjectKind::other, ObjectName{"", name}, verb + " " + name);
  } else {
    e = &ctx.add(otherwise, kind, std::move(object), std::move(verb));
  }
  if (scope == SettingScope::elsewhere) {
    // Not this session's: no fact, but what it sets (a routine's search path is its body's).
    e->values.push_back(std::move(name));
    if (values) e->values.insert(e->values.end(), values->begin(), values->end());
    return;
  }
  const bool reset = values && values->empty();
  e->fact = reset ? UnitFact::reset : scope == SettingScope::local ? UnitFact::set_local : UnitFact::set;
  e->values.push_back(std::move(name));
  if (values) {
    for (auto& v : *values) e->values.push_back(std::move(v));
  } else {
    e->fact = scope == SettingScope::local ? UnitFact::set_local : UnitFact::set;  // no items: unknown
  }
}


}  // namespace pgwarden::sql::pg

namespace pgwarden::sql {

std::optional<std::vector<std::string>> split_identifier_list(std::string_view text) {
  // PostgreSQL's SplitIdentifierString: items separated by commas; an unquoted item is folded to
  // lower case and trimmed, a double-quoted one is exact ("" is a quote).
  std::vector<std::string> out;
  std::size_t i = 0;
  const auto space = [&] {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r')) ++i;
  };
  space();
  if (i == text.size()) return out;
  for (;;) {
    std::string item;
    if (i < text.size() && text[i] == '"') {
      ++i;
      for (;;) {
        if (i >= text.size()) return std::nullopt;  // unterminated: PostgreSQL rejects the value
        if (text[i] == '"') {
          if (i + 1 < text.size() && text[i + 1] == '"') {
            item.push_back('"');
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        item.push_back(text[i++]);
      }
    } else {
      while (i < text.size() && text[i] != ',' && text[i] != ' ' && text[i] != '\t' && text[i] != '\n' &&
             text[i] != '\r') {
        item.push_back(text[i++]);
      }
      if (item.empty()) return std::nullopt;
      item = pg::lower(item);
    }
    out.push_back(std::move(item));
    space();
    if (i == text.size()) return out;
    if (text[i] != ',') return std::nullopt;
    ++i;
    space();
  }
}

}  // namespace pgwarden::sql
