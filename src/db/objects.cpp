#include "db/objects.hpp"

#include <fmt/format.h>

#include <string_view>

#include "db/quote.hpp"

namespace pgwarden::db {

namespace sql_files {
extern const std::string_view k_tables;
extern const std::string_view k_granted;
extern const std::string_view k_refuse;
extern const std::string_view k_guard;
extern const std::string_view k_guard_delete_all;
extern const std::string_view k_log_insert_only;
extern const std::string_view k_relation_state;
extern const std::string_view k_rebaseline;
extern const std::string_view k_violations;
extern const std::string_view k_on_sql_drop;
extern const std::string_view k_on_ddl_command_end;
}  // namespace sql_files

namespace {

void replace_all(std::string& text, std::string_view from, const std::string& to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
}

// The files name pgwarden's schema and service role by placeholders: {{schema}} as an
// identifier, {{schema_literal}} as a string constant (compared with catalog names).
std::string fill(std::string_view file, const policy::DbSettings& db) {
  std::string text(file);
  replace_all(text, "{{schema_literal}}", literal(db.schema));
  replace_all(text, "{{schema}}", ident(db.schema));
  replace_all(text, "{{service_role_literal}}", literal(db.service_role));
  replace_all(text, "{{service_role}}", ident(db.service_role));
  return text;
}

// What PostgreSQL keeps as the function's source: the text between the $body$ quotes.
std::string body_of(const std::string& create) {
  constexpr std::string_view k_quote = "$body$";
  const auto open = create.find(k_quote);
  const auto close = create.find(k_quote, open + k_quote.size());
  return create.substr(open + k_quote.size(), close - open - k_quote.size());
}

}  // namespace

const std::vector<std::string>& own_tables() {
  static const std::vector<std::string> k_names = {"protected", "protected_columns", "guards",
                                                   "grants", "log"};
  return k_names;
}

std::string tables_sql(const policy::DbSettings& db) {
  return fill(sql_files::k_tables, db);
}

std::vector<FunctionSql> functions_sql(const policy::DbSettings& db) {
  const std::pair<const char*, std::string_view> files[] = {
      {"granted", sql_files::k_granted},
      {"refuse", sql_files::k_refuse},
      {"guard", sql_files::k_guard},
      {"guard_delete_all", sql_files::k_guard_delete_all},
      {"log_insert_only", sql_files::k_log_insert_only},
      {"relation_state", sql_files::k_relation_state},
      {"rebaseline", sql_files::k_rebaseline},
      {"violations", sql_files::k_violations},
      {"on_sql_drop", sql_files::k_on_sql_drop},
      {"on_ddl_command_end", sql_files::k_on_ddl_command_end},
  };
  std::vector<FunctionSql> out;
  for (const auto& [name, file] : files) {
    std::string create = fill(file, db);
    std::string body = body_of(create);
    out.push_back({name, std::move(create), std::move(body)});
  }
  return out;
}

std::vector<EventTriggerSql> event_triggers_sql(const policy::DbSettings& db) {
  std::vector<EventTriggerSql> out;
  for (const char* event : {"ddl_command_end", "sql_drop"}) {
    const std::string name = fmt::format("pgwarden_{}", event);
    const std::string function = fmt::format("on_{}", event);
    // ENABLE ALWAYS: with session_replication_role = replica an event trigger left at its
    // default ('O') does not fire.
    out.push_back({name, event, function,
                   fmt::format("CREATE EVENT TRIGGER {0} ON {1} EXECUTE FUNCTION {2}.{3}();\n"
                               "ALTER EVENT TRIGGER {0} ENABLE ALWAYS;",
                               ident(name), event, ident(db.schema), ident(function))});
  }
  return out;
}

std::vector<LogTriggerSql> log_triggers_sql(const policy::DbSettings& db) {
  const std::string log = qualified(db.schema, "log");
  std::vector<LogTriggerSql> out;
  for (const auto& [name, when] :
       {std::pair<const char*, const char*>{"pgwarden_log_rows",
                                            "UPDATE OR DELETE ON {0} FOR EACH ROW"},
        {"pgwarden_log_truncate", "TRUNCATE ON {0} FOR EACH STATEMENT"}}) {
    out.push_back(
        {name,
         fmt::format("CREATE TRIGGER {1} BEFORE {2} EXECUTE FUNCTION {3}.log_insert_only();\n"
                     "ALTER TABLE {0} ENABLE ALWAYS TRIGGER {1};",
                     log, ident(name), fmt::format(fmt::runtime(when), log), ident(db.schema))});
  }
  return out;
}

const char* to_string(Operation op) {
  switch (op) {
    case Operation::truncate:
      return "truncate";
    case Operation::delete_rows:
      return "delete";
    case Operation::delete_all:
      return "delete_all";
    case Operation::update:
      return "update";
  }
  return "";
}

std::string GuardTrigger::name() const {
  if (attnum > 0) return fmt::format("pgwarden_{}_{}_{}", to_string(operation), guarded, attnum);
  return fmt::format("pgwarden_{}_{}", to_string(operation), guarded);
}

std::string GuardTrigger::function() const {
  return operation == Operation::delete_all ? "guard_delete_all" : "guard";
}

std::string GuardTrigger::create_sql(const policy::DbSettings& db) const {
  // Which trigger fires on each path is what PostgreSQL 15 does (docs/db.md, "What fires"):
  // TRUNCATE triggers fire for every table a TRUNCATE empties (inheritance and partition
  // children, CASCADE); row triggers for every row a DELETE or UPDATE reaches, whatever
  // statement reached it; statement triggers only for the table a statement names.
  std::string timing;
  switch (operation) {
    case Operation::truncate:
      timing = "BEFORE TRUNCATE ON {0} FOR EACH STATEMENT";
      break;
    case Operation::delete_rows:
      timing = "BEFORE DELETE ON {0} FOR EACH ROW";
      break;
    case Operation::delete_all:
      timing = "AFTER DELETE ON {0} REFERENCING OLD TABLE AS pgwarden_deleted FOR EACH STATEMENT";
      break;
    case Operation::update:
      // AFTER, so that the row compared is the one stored, whatever BEFORE triggers (which fire
      // in name order) did to NEW; compared byte for byte (record_image_ne), so that a value
      // that is merely equal (1.0 and 1.00) counts as a change.
      timing =
          attnum > 0
              ? "AFTER UPDATE ON {0} FOR EACH ROW WHEN (pg_catalog.record_image_ne(ROW(OLD.{1}), "
                "ROW(NEW.{1})))"
              : "AFTER UPDATE ON {0} FOR EACH ROW WHEN (OLD.* OPERATOR(pg_catalog.*<>) NEW.*)";
      break;
  }
  std::string arguments;
  for (const auto& a : args) arguments += (arguments.empty() ? "" : ", ") + literal(a);
  const std::string trigger = ident(name());
  return fmt::format(
      "CREATE TRIGGER {1} {2} EXECUTE FUNCTION {3}.{4}({5});\n"
      "ALTER TABLE {0} ENABLE ALWAYS TRIGGER {1};\n"
      "DELETE FROM {3}.guards WHERE relid = {6} AND trigger_name = {7};\n"
      "INSERT INTO {3}.guards (trigger_oid, relid, guarded_relid, trigger_name, operation, "
      "definition)\n"
      "  SELECT t.oid, t.tgrelid, {8}, t.tgname, {9}, {10}\n"
      "  FROM pg_catalog.pg_trigger t WHERE t.tgrelid = {6} AND t.tgname = {7};",
      table, trigger, fmt::format(fmt::runtime(timing), table, ident(column)), ident(db.schema),
      function(), arguments, relid, literal(name()), guarded, literal(to_string(operation)),
      k_trigger_definition);
}

std::string GuardTrigger::drop_sql(const policy::DbSettings& db) const {
  return fmt::format(
      "DROP TRIGGER IF EXISTS {1} ON {0};\nDELETE FROM {2}.guards WHERE relid = {3} AND "
      "trigger_name = {4};",
      table, ident(name()), ident(db.schema), relid, literal(name()));
}

}  // namespace pgwarden::db
