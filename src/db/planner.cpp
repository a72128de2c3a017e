#include "db/planner.hpp"

#include <fmt/format.h>

#include <map>
#include <set>

#include "db/quote.hpp"

namespace pgwarden::db {
namespace {

using Kind = Change::Kind;

class Planner {
 public:
  Planner(const Catalog& catalog, const policy::DbSettings& db, Plan& plan)
      : m_catalog(catalog), m_db(db), m_schema(ident(db.schema)), m_plan(plan) {}

  // The service role, the schema and its tables: without them nothing else can be installed.
  bool base() {
    const auto& session = m_catalog.session;
    if (m_catalog.schema_exists && m_catalog.schema_owner != session.user && !session.superuser) {
      m_plan.problems.push_back(
          fmt::format("pgwarden's schema {} belongs to {}: run pgwarden db protect as {} or as a "
                      "superuser (connected as {})",
                      m_db.schema, m_catalog.schema_owner, m_catalog.schema_owner, session.user));
      m_plan.blocked = true;
      return false;
    }
    if (!m_catalog.service_role_exists) {
      if (!session.superuser && !session.create_role) {
        m_plan.problems.push_back(
            fmt::format("the service role {} does not exist, and {} may not create roles: "
                        "create it (CREATE ROLE {} NOLOGIN) or run as a superuser",
                        m_db.service_role, session.user, ident(m_db.service_role)));
        m_plan.blocked = true;
        return false;
      }
      add(Kind::base, m_db.schema,
          fmt::format("create the service role {} (NOLOGIN: grant it to the approvals door)",
                      m_db.service_role),
          fmt::format("CREATE ROLE {} NOLOGIN;", ident(m_db.service_role)));
    }
    // pgwarden's functions run as their owner (SECURITY DEFINER), and their owner can replace them:
    // installed first by a role that is no superuser, they are as strong as that role. A superuser
    // running db protect takes them over.
    if (m_catalog.schema_exists && session.superuser && !m_catalog.schema_owner_superuser) {
      add(Kind::base, m_db.schema,
          fmt::format("pgwarden's objects belong to {}, who is no superuser: hand them to {}",
                      m_catalog.schema_owner, session.user),
          fmt::format(R"(ALTER SCHEMA {0} OWNER TO CURRENT_USER;
DO $takeover$
DECLARE o record;
BEGIN
  FOR o IN SELECT c.oid::pg_catalog.regclass AS name FROM pg_catalog.pg_class c
           WHERE c.relnamespace = {1}::pg_catalog.regnamespace AND c.relkind = 'r' LOOP
    EXECUTE pg_catalog.format('ALTER TABLE %s OWNER TO CURRENT_USER', o.name);
  END LOOP;
  FOR o IN SELECT p.oid::pg_catalog.regprocedure AS name FROM pg_catalog.pg_proc p
           WHERE p.pronamespace = {1}::pg_catalog.regnamespace LOOP
    EXECUTE pg_catalog.format('ALTER FUNCTION %s OWNER TO CURRENT_USER', o.name);
  END LOOP;
END $takeover$;)",
                      m_schema, literal(m_schema)));
    }
    m_plan.first_install = !m_catalog.schema_exists;
    if (!m_catalog.complete_schema()) {
      add(Kind::base, m_db.schema,
          m_catalog.schema_exists
              ? fmt::format("create the missing tables of schema {}", m_db.schema)
              : fmt::format("create schema {} and its tables", m_db.schema),
          tables_sql(m_db));
    }
    return true;
  }

  void functions() {
    for (const auto& f : functions_sql(m_db)) {
      const auto it = m_catalog.functions.find(f.name);
      if (it != m_catalog.functions.end() && it->second.body == f.body &&
          it->second.security_definer && it->second.config == k_function_config) {
        continue;
      }
      const bool missing = it == m_catalog.functions.end();
      // Only the trigger functions are PUBLIC's to execute: CREATE TRIGGER checks EXECUTE for the
      // role that creates the trigger, and so does the clone PostgreSQL makes of a row guard on
      // a partition an owner creates later. A trigger function cannot be called any other way.
      const bool trigger_function = f.name == "guard" || f.name == "guard_delete_all";
      add(missing ? Kind::base : Kind::outdated, m_db.schema,
          fmt::format("function {}.{}() is {}", m_db.schema, f.name,
                      missing ? "missing" : "outdated"),
          f.create + fmt::format("\n{} ON FUNCTION {}.{} {} PUBLIC;",
                                 trigger_function ? "GRANT EXECUTE" : "REVOKE ALL", m_schema,
                                 signature(f.name), trigger_function ? "TO" : "FROM"));
    }
    const std::string log = qualified(m_db.schema, "log");
    for (const auto& t : log_triggers_sql(m_db)) {
      const InstalledTrigger* installed = nullptr;
      for (const auto& i : m_catalog.triggers) {
        if (i.name == t.name && i.function == "log_insert_only") installed = &i;
      }
      if (installed == nullptr) {
        add(Kind::base, m_db.schema, fmt::format("the log's trigger {} is missing", t.name),
            t.create);
      } else if (installed->enabled != 'A') {
        add(Kind::disabled, m_db.schema,
            fmt::format("the log's trigger {} is not ENABLE ALWAYS", t.name),
            fmt::format("ALTER TABLE {} ENABLE ALWAYS TRIGGER {};", log, ident(t.name)));
      }
    }
  }

  void triggers(const Wanted& wanted) {
    std::map<std::pair<std::uint32_t, std::string>, const InstalledTrigger*> installed;
    for (const auto& t : m_catalog.triggers) {
      if (t.parent == 0 && (t.function == "guard" || t.function == "guard_delete_all"))
        installed[{t.relid, t.name}] = &t;
    }
    // A guard's definition as PostgreSQL printed it when pgwarden created it: one replaced in place
    // (CREATE OR REPLACE TRIGGER by a superuser while the event trigger was away) differs.
    std::map<std::uint32_t, std::string> registered_definition;
    for (const auto& g : m_catalog.guard_rows) registered_definition[g.trigger_oid] = g.definition;

    std::set<std::pair<std::uint32_t, std::string>> wanted_keys;
    for (const auto& w : wanted.triggers) wanted_keys.insert({w.relid, w.name()});
    // Extra ones first: a table that stops being guarded loses its guards before anything else.
    for (const auto& [key, t] : installed) {
      if (wanted_keys.count(key) != 0) continue;
      add(Kind::extra, t->table,
          fmt::format("guard {} on {} is no longer wanted by the policy", t->name, t->table),
          fmt::format(
              "DROP TRIGGER IF EXISTS {} ON {};\nDELETE FROM {}.guards WHERE trigger_oid = {};",
              ident(t->name), t->table, m_schema, t->oid));
    }
    std::set<std::uint32_t> kept;  // guards that stay as they are (perhaps re-enabled)
    for (const auto& w : wanted.triggers) {
      const std::string subject = m_catalog.table(w.relid)->display();
      const auto it = installed.find({w.relid, w.name()});
      const std::string what =
          fmt::format("guard {} ({}) on {}", w.name(), to_string(w.operation), subject);
      if (it == installed.end()) {
        add(Kind::missing, subject, what + " is missing", w.create_sql(m_db));
        continue;
      }
      const InstalledTrigger& t = *it->second;
      const auto definition = registered_definition.find(t.oid);
      if (t.function != w.function() || t.args != w.args) {
        add(Kind::outdated, subject,
            what + " is outdated: the policy's texts or pgwarden's guard changed",
            fmt::format("DROP TRIGGER {} ON {};\n", ident(t.name), w.table) + w.create_sql(m_db));
      } else if (definition == registered_definition.end() || definition->second != t.definition) {
        add(Kind::outdated, subject,
            what + " is not the trigger pgwarden created (its definition differs)",
            fmt::format("DROP TRIGGER {} ON {};\n", ident(t.name), w.table) + w.create_sql(m_db));
      } else {
        kept.insert(t.oid);
        if (t.enabled != 'A') {
          add(Kind::disabled, subject, what + fmt::format(" is {}", enabled_word(t.enabled)),
              fmt::format("ALTER TABLE {} ENABLE ALWAYS TRIGGER {};", w.table, ident(t.name)));
        }
      }
    }
    // Clones of row guards on partitions: PostgreSQL keeps them, but each can be disabled alone.
    // Those of a guard dropped or replaced above go with it (a new guard's clones are new).
    for (const auto& t : m_catalog.triggers) {
      if (t.parent == 0 || t.enabled == 'A' || kept.count(t.parent) == 0) continue;
      add(Kind::disabled, t.table,
          fmt::format("guard {} on partition {} is {}", t.name, t.table, enabled_word(t.enabled)),
          fmt::format("ALTER TABLE {} ENABLE ALWAYS TRIGGER {};", t.table, ident(t.name)));
    }
  }

  void event_triggers() {
    const auto& session = m_catalog.session;
    for (const auto& e : event_triggers_sql(m_db)) {
      const auto state = m_catalog.event_triggers.find(e.name);
      const std::string function = m_db.schema + "." + e.function;
      if (state == m_catalog.event_triggers.end()) {
        if (session.superuser) {
          add(Kind::missing, m_db.schema, fmt::format("event trigger {} is missing", e.name),
              e.create);
        } else {
          m_plan.problems.push_back(
              fmt::format("event trigger {} is missing, and only a superuser can create it "
                          "(connected as {}): DDL that weakens "
                          "the guards (DROP TABLE, DISABLE TRIGGER, RENAME, ...) is not refused "
                          "until a superuser runs pgwarden "
                          "db protect",
                          e.name, session.user));
        }
      } else if (m_catalog.event_trigger_functions.at(e.name) != function) {
        add_or_problem(Kind::outdated,
                       fmt::format("event trigger {} calls {} instead of {}", e.name,
                                   m_catalog.event_trigger_functions.at(e.name), function),
                       fmt::format("DROP EVENT TRIGGER {};\n", ident(e.name)) + e.create);
      } else if (state->second != 'A') {
        add_or_problem(Kind::disabled,
                       fmt::format("event trigger {} is {}", e.name, enabled_word(state->second)),
                       fmt::format("ALTER EVENT TRIGGER {} ENABLE ALWAYS;", ident(e.name)));
      }
    }
  }

  void add(Kind kind, std::string subject, std::string what, std::string sql) {
    m_plan.changes.push_back({kind, std::move(subject), std::move(what), std::move(sql)});
  }

 private:
  void add_or_problem(Kind kind, const std::string& what, std::string sql) {
    if (m_catalog.session.superuser) {
      add(kind, m_db.schema, what, std::move(sql));
    } else {
      m_plan.problems.push_back(
          fmt::format("{}, and only a superuser can change it (connected as {})", what,
                      m_catalog.session.user));
    }
  }

  static std::string enabled_word(char enabled) {
    switch (enabled) {
      case 'D':
        return "disabled";
      case 'R':
        return "enabled only for replica sessions";
      case 'O':
        return "enabled, but not ALWAYS (session_replication_role = replica skips it)";
      default:
        return "not ENABLE ALWAYS";
    }
  }

  static std::string signature(const std::string& function) {
    static const std::map<std::string, std::string> k_arguments = {
        {"granted", "oid, text[]"},
        {"refuse", "text, text, text, text"},
        {"relation_state", "oid"},
        {"rebaseline", "oid"}};
    const auto it = k_arguments.find(function);
    return fmt::format("{}({})", function, it == k_arguments.end() ? "" : it->second);
  }

  const Catalog& m_catalog;
  const policy::DbSettings& m_db;
  std::string m_schema;
  Plan& m_plan;
};

}  // namespace

Plan make_plan(const Catalog& catalog, const Wanted& wanted, const PrivilegePlan& privileges,
               const policy::DbSettings& db, const PolicySource& source) {
  Plan plan;
  Planner planner(catalog, db, plan);
  if (!planner.base()) return plan;
  for (const auto& skipped : wanted.skipped) plan.problems.push_back("cannot guard " + skipped);
  planner.functions();
  planner.triggers(wanted);
  for (auto& c : registry_changes(catalog, wanted, db, source))
    plan.changes.push_back(std::move(c));
  for (const auto& c : privileges.changes) plan.changes.push_back(c);
  plan.warnings = privileges.warnings;
  planner.event_triggers();
  return plan;
}

}  // namespace pgwarden::db
