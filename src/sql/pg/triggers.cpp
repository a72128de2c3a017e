// CREATE TRIGGER: what the trigger will do on every firing, as far as its text says.
//
// A trigger in PL/pgSQL or SQL has a body the analyzer reads when the function is created; which
// of its assignments to NEW rewrite a table's columns is known only once a trigger binds it to a
// table and its events (the `trigger` fact; policy/unit_state.hpp and the engine bind them). A
// trigger function written in C has no body to read. The ones PostgreSQL 15 and its contrib
// modules ship are known by what they do with their arguments
// (https://www.postgresql.org/docs/15/contrib-spi.html, lo, tsearch): moddatetime, autoinc and
// insert_username set a column, refint's check_foreign_key deletes or rewrites rows of other
// tables, lo_manage unlinks large objects, tsvector_update_trigger sets a tsvector column. Any
// other function the engine judges from what the unit knows of it, and fails closed on C.
#include <array>
#include <cctype>
#include <cstdlib>
#include <string>
#include <vector>

#include "sql/known_functions.hpp"
#include "sql/pg/names.hpp"
#include "sql/pg/transform.hpp"

namespace pgwarden::sql::pg {
namespace {

// TRIGGER_TYPE_* of PostgreSQL's catalog/pg_trigger.h.
constexpr int k_before = 1 << 1;
constexpr int k_insert = 1 << 2;
constexpr int k_delete = 1 << 3;
constexpr int k_update = 1 << 4;
constexpr int k_truncate = 1 << 5;
constexpr int k_instead = 1 << 6;

std::string events_of(int events) {
  std::string out;
  const auto add = [&](int bit, const char* name) {
    if ((events & bit) == 0) return;
    if (!out.empty()) out += ",";
    out += name;
  };
  add(k_insert, "insert");
  add(k_update, "update");
  add(k_delete, "delete");
  add(k_truncate, "truncate");
  return out;
}

class Known {
 public:
  Known(Context& ctx, const CreateTrigStmt& s, const ObjectName& table, std::vector<std::string> args)
      : m_ctx(ctx), m_s(s), m_table(table), m_args(std::move(args)),
        m_verb(function_name(s.funcname) + "()") {}

  bool on(int event) const { return (m_s.events & event) != 0; }
  const std::vector<std::string>& args() const { return m_args; }

  // The trigger sets `column` of the rows an UPDATE changes.
  void sets(const std::string& column) {
    if (column.empty() || !on(k_update)) return;
    auto& e = add(Action::write, ObjectKind::table, m_table);
    e.mutation = Mutation::update;
    e.has_where = true;
    e.columns = {column};
  }
  Effect& add(Action action, ObjectKind kind, ObjectName object) {
    return m_ctx.add(action, kind, std::move(object), m_verb);
  }

 private:
  Context& m_ctx;
  const CreateTrigStmt& m_s;
  ObjectName m_table;
  std::vector<std::string> m_args;
  std::string m_verb;
};

// refint's check_foreign_key(nrefs, action, key..., table, key..., table, key..., ...): on a
// DELETE or UPDATE of the referenced row, `cascade` deletes or updates the referencing rows and
// `setnull` sets their keys to NULL.
void check_foreign_key(Known& k) {
  const auto& a = k.args();
  if (a.size() < 4) return;
  const int refs = std::atoi(a[0].c_str());
  // refint reads the first letter only: 'c'ascade, 's'etnull, 'r'estrict.
  const char letter = a[1].empty() ? 'r' : static_cast<char>(std::tolower(static_cast<unsigned char>(a[1][0])));
  const std::string action = letter == 'c' ? "cascade" : letter == 's' ? "setnull" : "restrict";
  if (refs <= 0 || action == "restrict") return;
  const std::size_t rest = a.size() - 2;
  const std::size_t keys = (rest - static_cast<std::size_t>(refs)) / static_cast<std::size_t>(refs + 1);
  for (int i = 0; i < refs && keys > 0; ++i) {
    const std::size_t at = 2 + keys + static_cast<std::size_t>(i) * (keys + 1);
    if (at + keys >= a.size()) break;
    ObjectName table;
    if (const auto dot = a[at].find('.'); dot != std::string::npos) {
      table = ObjectName{a[at].substr(0, dot), a[at].substr(dot + 1)};
    } else {
      table = ObjectName{"", a[at]};
    }
    std::vector<std::string> columns(a.begin() + static_cast<std::ptrdiff_t>(at + 1),
                                     a.begin() + static_cast<std::ptrdiff_t>(std::min(a.size(), at + 1 + keys)));
    if (k.on(k_delete)) {
      auto& e = k.add(action == "cascade" ? Action::delete_rows : Action::write, ObjectKind::table, table);
      e.mutation = action == "cascade" ? Mutation::delete_rows : Mutation::update;
      e.has_where = true;
      if (action != "cascade") e.columns = columns;
    }
    if (k.on(k_update)) {
      auto& e = k.add(Action::write, ObjectKind::table, table);
      e.mutation = Mutation::update;
      e.has_where = true;
      e.columns = columns;
    }
  }
}

void sets_first_argument(Known& k) {
  if (!k.args().empty()) k.sets(k.args()[0]);
}

void unlinks_large_objects(Known& k) {
  if (k.on(k_update) || k.on(k_delete)) k.add(Action::destructive_function, ObjectKind::large_object, {});
}

void nothing(Known& /*k*/) {}

struct KnownTrigger {
  std::string_view name;
  void (*effects)(Known&);
};

// The C trigger functions of PostgreSQL 15 and its contrib modules, sorted by name.
constexpr std::array<KnownTrigger, 10> k_known_triggers = {{
    {"autoinc", sets_first_argument},          // spi/autoinc: the column from a sequence
    {"check_foreign_key", check_foreign_key},  // spi/refint
    {"check_primary_key", nothing},            // spi/refint: checks only
    {"insert_username", sets_first_argument},  // spi/insert_username: the column to current_user
    {"lo_manage", unlinks_large_objects},      // lo
    {"moddatetime", sets_first_argument},      // spi/moddatetime: the column to now()
    {"suppress_redundant_updates_trigger", nothing},
    {"triggered_change_notification", nothing},  // tcn: NOTIFY
    {"tsvector_update_trigger", sets_first_argument},
    {"tsvector_update_trigger_column", sets_first_argument},
}};

}  // namespace

const KnownTrigger* find_known_trigger(std::string_view function) {
  for (const auto& k : k_known_triggers) {
    if (k.name == function) return &k;
  }
  return nullptr;
}

void create_trigger(Context& ctx, const CreateTrigStmt& s) {
  const ObjectName table = name_of(s.relation);
  auto& e = ctx.add(Action::ddl_create, ObjectKind::trigger, table, "CREATE TRIGGER");
  e.member = text(s.trigname);
  e.fact = UnitFact::trigger;
  const ObjectName function = name_of_list(s.funcname);
  std::vector<std::string> args;
  for (const Node* n : nodes(s.args)) args.emplace_back(string_of(n));
  e.values = {function_name(s.funcname),
              (s.timing & k_before) != 0 ? "before" : (s.timing & k_instead) != 0 ? "instead" : "after",
              events_of(s.events)};
  for (const auto& a : args) e.values.push_back(a);
  walk(ctx, s.whenClause);

  if (const KnownTrigger* k = find_known_trigger(function.name)) {
    const ViaScope scope(ctx, Via::trigger, std::string(text(s.trigname)));
    Known known(ctx, s, table, std::move(args));
    k->effects(known);
  }
}

}  // namespace pgwarden::sql::pg

namespace pgwarden::sql {

bool is_known_c_trigger(std::string_view function) { return pg::find_known_trigger(function) != nullptr; }

}  // namespace pgwarden::sql
