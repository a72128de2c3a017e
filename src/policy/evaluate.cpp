#include "policy/evaluate.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "common/encoding.hpp"
#include "policy/decide.hpp"
#include "policy/hints.hpp"
#include "policy/profile.hpp"
#include "policy/table_match.hpp"
#include "sql/analyzer.hpp"
#include "sql/known_functions.hpp"

namespace pgwarden::policy {
namespace {

using sql::Action;

// How far a write is followed through views, children and foreign tables to the tables it
// reaches; a chain longer than this is judged where it stops.
constexpr int k_max_reach = 8;

bool drops(Action a) { return a == Action::drop_table || a == Action::drop_cascade; }

// ALTER TABLE subcommands that reach a parent's children and partitions too (without ONLY):
// a column dropped or retyped, a trigger switched off, a column renamed there.
bool alters(const sql::Effect& e) {
  return e.action == Action::drop_column || e.action == Action::alter_column_type ||
         e.action == Action::disable_safeguard || (e.action == Action::rename && e.kind == sql::ObjectKind::column);
}

// Where an effect runs as part of the statement itself (and fires triggers there and then).
bool runs_now(sql::Via via) {
  return via == sql::Via::direct || via == sql::Via::cte || via == sql::Via::explain_analyze ||
         via == sql::Via::copy_query || via == sql::Via::do_block;
}

bool is_relation(sql::ObjectKind k) {
  return k == sql::ObjectKind::table || k == sql::ObjectKind::view || k == sql::ObjectKind::materialized_view ||
         k == sql::ObjectKind::foreign_table;
}

class Judge {
 public:
  Judge(const sql::Statement& statement, const Policy& policy, const UnitState& unit, const RelationCatalog* catalog,
        Verdict& out)
      : m_statement(statement), m_policy(policy), m_unit(unit), m_catalog(catalog), m_out(out) {}

  void effect(const sql::Effect& e) {
    note_action(e.action);
    if (e.action == Action::parse_error) {
      parse_error(e);
      return;
    }
    if (e.fact == sql::UnitFact::new_row) return;  // a CREATE TRIGGER binds it to a table
    if (e.fact == sql::UnitFact::trigger) trigger(e);
    if (e.fact == sql::UnitFact::execute && !e.values.empty()) execute(e.values.front());
    routine_search_path(e);
    if (e.kind == sql::ObjectKind::trigger && e.action == Action::drop_object) dropped_trigger(e);
    if (e.action == Action::create_extension && allowed_extension(e.object.name)) return;
    if (e.kind == sql::ObjectKind::schema && (e.action == Action::drop_schema || e.action == Action::drop_cascade)) {
      moved_into_dropped_schema(e);
    }
    if (e.object.empty()) {
      judge_on(e, Candidate{}, "");
      return;
    }
    for (const Candidate& c : resolve(e.object, e.kind, &e)) reach(e, c, "", 0);
  }

  // Statements whose bytes the server reads otherwise than pgwarden does are refused whole.
  void encoding(const std::string& client_encoding) {
    if (encoding::is_ascii(m_statement.text)) return;  // ASCII reads the same in every encoding
    const encoding::Kind kind = encoding::classify(client_encoding);
    if (kind == encoding::Kind::utf8) return;
    note_action(Action::parse_error);
    const std::string name = client_encoding.empty() ? "an encoding pgwarden could not follow" : client_encoding;
    Finding f;
    f.action = Action::parse_error;
    f.decision = Decision::deny;
    f.rule = fmt::format("the session's client_encoding ({}): pgwarden reads non-ASCII text only in UTF8", name);
    f.message = kind == encoding::Kind::client_only
                    ? fmt::format("under client_encoding {} a non-ASCII byte can take the quote or backslash after "
                                  "it, so the server may split this text into other statements than pgwarden reads",
                                  name)
                    : fmt::format("under client_encoding {} the server reads this statement's non-ASCII bytes as "
                                  "other characters than pgwarden does",
                                  name);
    f.detail = detail_for(m_policy, f.decision, f.rule);
    f.hint = "Send SQL as UTF8 (SET client_encoding = 'UTF8', or the driver's setting), or keep this statement to "
             "ASCII.";
    m_out.decision = std::max(m_out.decision, f.decision);
    m_out.findings.push_back(std::move(f));
  }

 private:
  // The relations a name may stand for: the unit's candidates, and with a catalog only up to the
  // first that exists (the server takes that one).
  [[nodiscard]] std::vector<Candidate> resolve(const sql::ObjectName& name, sql::ObjectKind kind,
                                               const sql::Effect* in = nullptr) const {
    // A routine's SET search_path is the path its body's names resolve in.
    const bool body = in != nullptr && in->via == sql::Via::function_body && m_body_unit &&
                      in->via_name == m_body_routine;
    const UnitState& unit = body ? *m_body_unit : m_unit;
    std::vector<Candidate> found = unit.candidates(name, kind, m_policy);
    if (m_catalog != nullptr && is_relation(kind) && name.schema.empty() && !unit.search_path(m_policy)) {
      // A path that cannot be known: the name may be any relation of that name.
      for (const CatalogRelation* r : m_catalog->named(name.name)) found.push_back(Candidate{r->name, false});
      return found;
    }
    if (m_catalog == nullptr || !is_relation(kind) || found.size() <= 1) return found;
    for (std::size_t i = 0; i < found.size(); ++i) {
      if (found[i].name.schema != "pg_temp" && m_catalog->find(found[i].name) != nullptr) {
        found.resize(i + 1);
        break;
      }
    }
    return found;
  }

  // The effect on one relation its name may stand for, then on what a change of that relation
  // reaches: the tables a view writes to, the children of a parent, a foreign table's target.
  void reach(const sql::Effect& e, const Candidate& given, const std::string& through, int depth) {
    Candidate c = given;
    const CatalogRelation* live = nullptr;
    if (m_catalog != nullptr && c.name.schema != "pg_temp" && is_relation(e.kind)) {
      live = m_catalog->find(c.name);
      // A relation protected under another name before is not the unit's, wherever it now is.
      if (live != nullptr && c.own && !live->protected_as.empty()) c.own = false;
      if (c.own) live = nullptr;
    }
    if (!c.own || e.creates) judge_on(e, c, through);
    // A column keeps its protection under a new name, renamed in whichever connection.
    if (live != nullptr && e.mutation == sql::Mutation::update) {
      for (const auto& [now, before] : live->protected_columns) {
        if (std::find(e.columns.begin(), e.columns.end(), now) == e.columns.end()) continue;
        sql::Effect formerly = e;
        std::replace(formerly.columns.begin(), formerly.columns.end(), now, before);
        judge_on(formerly, c, fmt::format("{} (column {} was {})", through, sql::quote_identifier(now),
                                          sql::quote_identifier(before)));
      }
    }
    // Protection follows the relation, not its name: the names it was protected under before.
    if (live != nullptr) {
      for (const auto& former : live->protected_as) {
        judge_on(e, Candidate{former, false}, fmt::format("{} (protected as {})", through, former.display()));
      }
    }
    if (depth >= k_max_reach || (e.mutation == sql::Mutation::none && !drops(e.action) && !alters(e))) return;
    const sql::ObjectName& here = c.name;  // displayed only when something is reached through it
    if (live != nullptr) reach_live(e, *live, here, depth);
    if (e.mutation != sql::Mutation::none) {
      if (const UnitView* v = m_unit.view(c)) {
        sql::Effect through_view = retarget(e, v->filtered);
        for (auto& col : through_view.columns) {
          if (const auto it = v->columns.find(col); it != v->columns.end()) col = it->second;
        }
        for (const auto& r : v->relations) {
          for (const Candidate& rc : m_unit.candidates(r, sql::ObjectKind::table, m_policy)) {
            reach(named(through_view, rc), rc, fmt::format(" (through view {})", here.display()), depth + 1);
          }
        }
      }
      if (const auto f = m_unit.foreign_table(c)) {
        judge_on(foreign_write(e, c, *f), c, through);
        for (const Candidate& rc : m_unit.candidates(f->remote, sql::ObjectKind::table, m_policy)) {
          reach(named(retarget(e, false), rc), rc, fmt::format(" (through foreign table {})", here.display()), depth + 1);
        }
      }
    }
    if (!e.only) {
      for (const auto& child : m_unit.children(c)) {
        for (const Candidate& cc : m_unit.candidates(child, sql::ObjectKind::table, m_policy)) {
          reach(named(retarget(e, false), cc), cc, fmt::format(" (a child of {})", here.display()), depth + 1);
        }
      }
    }
  }

  // What the database says a change of `live` reaches.
  void reach_live(const sql::Effect& e, const CatalogRelation& live, const sql::ObjectName& here, int depth) {
    if (e.mutation != sql::Mutation::none) {
      if (live.kind == 'v') {
        sql::Effect through_view = retarget(e, live.filtered);
        for (auto& col : through_view.columns) {
          for (const auto& [view_column, table_column] : live.view_columns) {
            if (col == view_column) {
              col = table_column;
              break;
            }
          }
        }
        for (const auto& r : live.writes_to) {
          for (const Candidate& rc : resolve(r, sql::ObjectKind::table)) {
            reach(named(through_view, rc), rc, fmt::format(" (through view {})", here.display()), depth + 1);
          }
        }
      }
      if (live.kind == 'f' && live.remote) {
        if (!live.remote_here) judge_on(foreign_write(e, Candidate{live.name, false}, UnitForeign{live.server, *live.remote}), Candidate{live.name, false}, "");
        for (const Candidate& rc : resolve(*live.remote, sql::ObjectKind::table)) {
          reach(named(retarget(e, false), rc), rc, fmt::format(" (through foreign table {})", here.display()), depth + 1);
        }
      } else if (live.kind == 'f') {
        judge_on(foreign_write(e, Candidate{live.name, false}, UnitForeign{live.server, {}}), Candidate{live.name, false}, "");
      }
    }
    if (!e.only) {
      for (const auto& child : live.children) {
        const Candidate cc{child, false};
        reach(named(retarget(e, false), cc), cc, fmt::format(" (a child of {})", here.display()), depth + 1);
      }
    }
    for (const auto& ref : live.referenced_by) reach_reference(e, ref, here, depth);
  }

  // What a foreign key that references the changed relation does to its own table's rows.
  void reach_reference(const sql::Effect& e, const Reference& ref, const sql::ObjectName& here, int depth) {
    sql::Effect onto = retarget(e, false);
    onto.has_where = true;  // the rows that reference what changed
    onto.every_column = false;
    const auto sets = [](char action) { return action == 'n' || action == 'd'; };
    std::string how;
    if (e.mutation == sql::Mutation::delete_rows && ref.on_delete == 'c') {
      onto.action = Action::delete_rows;
      onto.columns.clear();
      how = "ON DELETE CASCADE";
    } else if (e.mutation == sql::Mutation::delete_rows && sets(ref.on_delete)) {
      onto.action = Action::write;
      onto.mutation = sql::Mutation::update;
      onto.columns = ref.set_columns.empty() ? ref.columns : ref.set_columns;
      how = ref.on_delete == 'n' ? "ON DELETE SET NULL" : "ON DELETE SET DEFAULT";
    } else if (e.mutation == sql::Mutation::update && (ref.on_update == 'c' || sets(ref.on_update))) {
      // Only an UPDATE that sets a referenced column changes the key.
      const bool key_changes = e.every_column || std::any_of(e.columns.begin(), e.columns.end(), [&](const std::string& c) {
        return std::find(ref.referenced.begin(), ref.referenced.end(), c) != ref.referenced.end();
      });
      if (!key_changes) return;
      onto.action = Action::write;
      onto.mutation = sql::Mutation::update;
      onto.columns = ref.columns;
      how = ref.on_update == 'c' ? "ON UPDATE CASCADE" : ref.on_update == 'n' ? "ON UPDATE SET NULL" : "ON UPDATE SET DEFAULT";
    } else if (e.mutation == sql::Mutation::truncate && e.cascade) {
      onto.action = Action::truncate;
      how = "TRUNCATE ... CASCADE";
    } else {
      return;
    }
    const Candidate rc{ref.table, false};
    reach(named(onto, rc), rc, fmt::format(" (through a foreign key to {}, {})", here.display(), how), depth + 1);
  }

  // The effect as it lands elsewhere: a write through a filtering view filters.
  static sql::Effect retarget(const sql::Effect& e, bool filtered) {
    sql::Effect out = e;
    out.syntax = nullptr;  // a rewrite of the statement would name the view, not this table
    if (filtered && !out.has_where) {
      out.has_where = true;
      if (out.action == Action::delete_all) out.action = Action::delete_rows;
      if (out.action == Action::update_all) out.action = Action::write;
    }
    return out;
  }
  static sql::Effect named(sql::Effect e, const Candidate& c) {
    e.object = c.name;
    e.kind = sql::ObjectKind::table;
    return e;
  }
  sql::Effect foreign_write(const sql::Effect& e, const Candidate& c, const UnitForeign& f) const {
    sql::Effect out = e;
    out.action = Action::write_foreign_table;
    out.kind = sql::ObjectKind::foreign_table;
    out.object = c.name;
    out.mutation = sql::Mutation::none;
    out.syntax = nullptr;
    out.relations = {f.remote};
    out.values = {f.server};
    return out;
  }

  void judge_on(const sql::Effect& e, const Candidate& c, const std::string& through) {
    if (e.mutation != sql::Mutation::none && !c.name.empty() && e.fact != sql::UnitFact::new_row && runs_now(e.via)) {
      const Write w{c.name, e.mutation};
      if (std::find(m_out.writes.begin(), m_out.writes.end(), w) == m_out.writes.end()) m_out.writes.push_back(w);
    }
    const sql::ObjectName protected_name = c.name.empty() ? sql::ObjectName{} : m_unit.protected_name(c);
    const TableView table = match_tables(m_policy, protected_name);

    judge(e, table, e.action, e.columns, through);
    if (e.mutation == sql::Mutation::update) {
      std::vector<std::string> immutable;
      std::vector<std::string> not_mutable;
      if (e.every_column) {
        immutable = table.immutable;
        if (table.mutable_columns != nullptr) not_mutable.emplace_back("every column");
      }
      for (const auto& written : e.columns) {
        const std::string col = m_unit.original_column(c, written);
        if (std::find(table.immutable.begin(), table.immutable.end(), col) != table.immutable.end()) {
          immutable.push_back(written);
        }
        if (table.mutable_columns != nullptr &&
            std::find(table.mutable_columns->begin(), table.mutable_columns->end(), col) ==
                table.mutable_columns->end()) {
          not_mutable.push_back(written);
        }
      }
      if (!immutable.empty()) judge(e, table, Action::update_immutable, immutable, through);
      if (!not_mutable.empty()) judge(e, table, Action::update_not_mutable, not_mutable, through);
    }
    if (table.append_only && (e.mutation == sql::Mutation::update || e.mutation == sql::Mutation::delete_rows ||
                              e.mutation == sql::Mutation::truncate)) {
      judge(e, table, Action::mutate_append_only, e.columns, through);
    }
    if (m_policy.active_profile && m_policy.active_profile->writable && e.mutation != sql::Mutation::none &&
        e.fact != sql::UnitFact::new_row) {
      writable(e, c, protected_name, through);
    }
  }

  // CREATE TRIGGER with a function the unit created: what its assignments to NEW do to the
  // table on every UPDATE, or, for a function in C that pgwarden does not know, a refusal.
  void trigger(const sql::Effect& e) {
    if (e.values.size() < 3) return;
    const std::string& function = e.values[0];
    const std::string bare = function.substr(function.rfind('.') == std::string::npos ? 0 : function.rfind('.') + 1);
    const UnitTriggerFunction* f = m_unit.trigger_function(sql::ObjectName{"", bare});
    if (f == nullptr) return;
    sql::Effect fired = e;
    fired.fact = sql::UnitFact::none;
    fired.kind = sql::ObjectKind::table;
    fired.via = sql::Via::trigger;
    fired.via_name = e.member;
    fired.member.clear();
    fired.verb = fmt::format("{}()", function);
    fired.values.clear();
    if (f->language == "c" || f->language == "internal") {
      // Known by what its link symbol is: a C function renamed to a known name is not that one.
      if (sql::is_known_c_trigger(bare) && (f->symbol.empty() || f->symbol == bare)) return;
      fired.action = Action::dynamic_sql;
      fired.verb = fmt::format("{}(), a trigger function in {} that pgwarden cannot read,", function,
                               f->language == "c" ? "C" : "an internal language");
      for (const Candidate& c : m_unit.candidates(e.object, sql::ObjectKind::table, m_policy)) judge_on(fired, c, "");
      return;
    }
    const bool before = e.values[1] == "before";
    const bool on_update = e.values[2].find("update") != std::string::npos;
    if (!before || !on_update || (f->columns.empty() && !f->every_column)) return;
    fired.action = Action::write;
    fired.mutation = sql::Mutation::update;
    fired.has_where = true;
    fired.columns = f->columns;
    fired.every_column = f->every_column;
    for (const Candidate& c : m_unit.candidates(e.object, sql::ObjectKind::table, m_policy)) {
      if (!c.own) judge_on(fired, c, "");
    }
  }

  // EXECUTE name runs what PREPARE name prepared, judged again in the unit as it is now:
  // PostgreSQL resolves the statement's names again when the search path or a relation changed.
  void execute(const std::string& name) {
    const std::vector<sql::Effect>* prepared = m_unit.prepared(name);
    if (prepared == nullptr || m_executing) return;
    m_executing = true;
    for (const sql::Effect& inner : *prepared) effect(inner);
    m_executing = false;
  }

  // A SET search_path clause of CREATE / ALTER FUNCTION: the routine's body resolves its names in
  // that path, not the caller's.
  void routine_search_path(const sql::Effect& e) {
    if (e.via != sql::Via::function_body || e.values.size() < 2 || e.values.front() != "search_path") return;
    if (e.fact != sql::UnitFact::none) return;  // the session's own SET, not a routine's clause
    if (e.verb != "SET clause of the routine") return;
    m_body_unit = m_unit;
    std::vector<std::string> path(e.values.begin() + 1, e.values.end());
    m_body_unit->set_session_search_path(std::move(path));
    m_body_routine = e.via_name;
  }

  // DROP TRIGGER on a table the policy names: a trigger there is presumed to guard it.
  void dropped_trigger(const sql::Effect& e) {
    for (const Candidate& c : resolve(e.object, sql::ObjectKind::table)) {
      if (c.own) continue;
      const TableView table = match_tables(m_policy, m_unit.protected_name(c));
      if (!table.matched) continue;
      sql::Effect off = e;
      off.action = Action::disable_safeguard;
      off.verb = "DROP TRIGGER";
      judge(off, table, Action::disable_safeguard, {}, "");
    }
  }

  // DROP SCHEMA of a schema the unit created drops the protected tables moved into it too.
  void moved_into_dropped_schema(const sql::Effect& e) {
    for (const auto& original : m_unit.moved_into(e.object.name)) {
      sql::Effect dropped = e;
      dropped.action = Action::drop_table;
      dropped.kind = sql::ObjectKind::table;
      dropped.object = sql::ObjectName{e.object.name, original.name};
      dropped.verb = e.verb;
      const Candidate c{dropped.object, false};
      judge_on(dropped, c, fmt::format(" (moved there from {})", original.display()));
    }
  }

  bool allowed_extension(const std::string& name) const {
    return std::find(m_policy.extensions.begin(), m_policy.extensions.end(), name) != m_policy.extensions.end();
  }

  void note_action(Action a) {
    if (std::find(m_out.actions.begin(), m_out.actions.end(), a) == m_out.actions.end()) m_out.actions.push_back(a);
  }

  void judge(const sql::Effect& e, const TableView& table, Action action, const std::vector<std::string>& columns,
             const std::string& through) {
    note_action(action);
    if (decision(m_policy, table, action) == Decision::allow) return;  // no rule text to format
    Decided d = decide(m_policy, table, action);
    if (action == Action::mutate_append_only && table.append_only_rule != nullptr &&
        table.action_rule[static_cast<std::size_t>(action)] == nullptr) {
      d.rule = fmt::format("{} append_only = true ({})", cite(m_policy, *table.append_only_rule), d.rule);
    }
    if (action == Action::update_not_mutable && table.mutable_rule != nullptr &&
        table.action_rule[static_cast<std::size_t>(action)] == nullptr) {
      d.rule = fmt::format("{} mutable list ({})", cite(m_policy, *table.mutable_rule), d.rule);
    }
    if (d.decision == Decision::allow) return;
    const Judged judged{action, e, table, columns};
    add(e, action, columns, d, message_for(judged) + through, hint_for(judged, m_policy));
  }

  // The active profile's writable list: rows of tables it does not name are never changed, and
  // an UPDATE sets only the columns it lists for the table. Nothing in [actions] or [[tables]]
  // unlocks it; it is the point of the profile.
  void writable(const sql::Effect& e, const Candidate& c, const sql::ObjectName& protected_name,
                const std::string& through) {
    const Profile& profile = *m_policy.active_profile;
    const WritableView view = match_writable(*profile.writable, protected_name);
    std::vector<std::string> refused;
    if (view.writable) {
      if (e.mutation != sql::Mutation::update || view.every_column) return;
      for (const auto& written : e.columns) {
        const std::string col = m_unit.original_column(c, written);
        if (std::find(view.columns.begin(), view.columns.end(), col) == view.columns.end()) refused.push_back(written);
      }
      if (e.every_column) refused.emplace_back("every column");
      if (refused.empty()) return;
    }
    const Decided d{Decision::deny, cite(m_policy, profile, "writable")};
    add(e, e.action, refused, d, writable_message(e, profile, refused, view) + through,
        writable_hint(e, profile, refused, view));
  }

  void parse_error(const sql::Effect& e) {
    Decided d = decide(m_policy, TableView{}, Action::parse_error);
    const auto& analysis = *m_statement.analysis;
    if (analysis.limit_exceeded) {
      d = {Decision::deny, "pgwarden's input limits (they hold whatever on_parse_error says)"};
    }
    if (d.decision == Decision::allow) return;
    const TableView none;
    const Judged judged{Action::parse_error, e, none, {}};
    std::string message = message_for(judged);
    const std::string& reason = analysis.error.empty() ? e.verb : analysis.error;
    if (!reason.empty()) message += ": " + reason;
    add(e, Action::parse_error, {}, d, std::move(message), hint_for(judged, m_policy));
  }

  void add(const sql::Effect& e, Action action, const std::vector<std::string>& columns, const Decided& d,
           std::string message, std::string hint) {
    // One finding per action, object, message and hint: a name that may be several relations,
    // or a write that reaches one table twice, is said once.
    for (const Finding& f : m_out.findings) {
      if (f.action == action && f.object == e.object && f.message == message && f.hint == hint) return;
    }
    Finding f;
    f.action = action;
    f.kind = e.kind;
    f.object = e.object;
    f.columns = columns;
    f.decision = d.decision;
    f.rule = d.rule;
    f.message = std::move(message);
    f.detail = detail_for(m_policy, d.decision, d.rule);
    f.hint = std::move(hint);
    f.via = e.via;
    f.via_name = e.via_name;
    m_out.decision = std::max(m_out.decision, f.decision);
    m_out.findings.push_back(std::move(f));
  }

  const sql::Statement& m_statement;
  const Policy& m_policy;
  const UnitState& m_unit;
  const RelationCatalog* m_catalog;
  Verdict& m_out;
  bool m_executing = false;                // in an EXECUTE's prepared statement
  std::optional<UnitState> m_body_unit;    // the unit with a routine's own search path
  std::string m_body_routine;              // ... of this routine
};

// mode = "monitor" of the active profile, after everything else: every refusal becomes a warning
// (the statement runs and the door records it), and the finding keeps what it would have been.
void monitor(const Policy& policy, Verdict& verdict) {
  const std::string by = "the monitor mode of " + cite(policy, *policy.active_profile, "");
  verdict.decision = Decision::allow;
  for (Finding& f : verdict.findings) {
    if (refuses(f.decision)) {
      f.detail = fmt::format("Would be refused{} by {}: {}. It runs because of {}, and is recorded.",
                             f.decision == Decision::approve ? " without a human approval" : "", who(policy), f.rule,
                             by);
      f.rule = fmt::format("{}, downgraded from \"{}\" to \"warn\" by {}", f.rule, to_string(f.decision), by);
      f.monitored_from = f.decision;
      f.decision = Decision::warn;
    }
    verdict.decision = std::max(verdict.decision, f.decision);
  }
}

}  // namespace

namespace {

Verdict judge(const sql::Statement& statement, const Policy& policy, const UnitState& unit,
              const RelationCatalog* catalog) {
  Verdict verdict;
  Judge judge(statement, policy, unit, catalog, verdict);
  judge.encoding(unit.client_encoding());
  for (const sql::Effect& e : statement.effects()) judge.effect(e);
  if (policy.active_profile && policy.active_profile->monitor) monitor(policy, verdict);
  return verdict;
}

}  // namespace

Verdict evaluate(const sql::Statement& statement, const Policy& policy, UnitState& unit,
                 const RelationCatalog* catalog, UnitState::Outcome recorded_as) {
  Verdict verdict = judge(statement, policy, unit, catalog);
  if (statement.analysis->shaped && !plainly_allowed(verdict)) {
    // The analysis is shared with texts of other constants, and what a refusal or a warning
    // says (a hint's rewrite) must quote this one's: judged again on its own analysis.
    auto own = sql::analyze(statement.text);
    if (own.size() == 1) {
      own.front().location = statement.location;
      verdict = judge(own.front(), policy, unit, catalog);
    }
  }
  unit.record(statement, policy, recorded_as);
  return verdict;
}

}  // namespace pgwarden::policy
