// What the live database holds, as pgwarden db protect needs it: who is connected, the tables it
// judges (ordinary and partitioned tables outside PostgreSQL's schemas, temporary schemas and
// pgwarden's own), their columns and partition trees, and what pgwarden installed before (its
// schema, tables, functions, event triggers, guard triggers, registry, and the drift of guarded
// tables that violations() reports). Read in one transaction, before anything is changed.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "db/connection.hpp"
#include "policy/policy.hpp"

namespace pgwarden::db {

struct Column {
  int attnum = 0;
  std::string name;
};

struct Table {
  std::uint32_t relid = 0;
  std::string schema;
  std::string name;
  bool partitioned = false;
  std::string owner;
  bool can_trigger = false;  // the connected role may create triggers on it
  std::vector<Column> columns;
  std::vector<std::uint32_t> partition_ancestors;    // nearest first
  std::vector<std::uint32_t> partition_descendants;  // every level

  [[nodiscard]] std::string sql_name() const;  // "schema"."name"
  [[nodiscard]] std::string display() const;   // schema.name, quoted only where SQL needs it
};

// A trigger that calls one of pgwarden's functions.
struct InstalledTrigger {
  std::uint32_t oid = 0;
  std::uint32_t relid = 0;
  std::string table;  // display name of relid
  std::string name;
  std::string function;
  std::vector<std::string> args;
  char enabled = 'O';
  std::uint32_t parent = 0;  // a clone PostgreSQL made on a partition: the trigger it copies
  std::string definition;    // pg_get_triggerdef
};

struct InstalledFunction {
  std::string body;
  bool security_definer = false;
  std::string config;  // proconfig, comma-separated
};

struct Registration {
  std::uint32_t relid = 0;
  std::string schema_name;  // as registered
  std::string table_name;
  std::vector<std::string> guards;
  std::string refusals;  // jsonb as text
  std::string policy_name;
  std::string policy_file;
  std::string policy_sha256;
  std::vector<int> columns;  // registered attnums, ascending
  bool present = false;      // the relation still exists
};

struct GuardRow {
  std::uint32_t trigger_oid = 0;
  std::uint32_t relid = 0;
  std::string trigger_name;
  std::string definition;
};

// A row of violations(): a guarded table that differs from the state the event trigger holds
// it to. Only drift of the table itself (decision approve or deny); pgwarden's own guards are
// compared trigger by trigger.
struct Drift {
  std::uint32_t relid = 0;
  std::string change;  // "leave table public.t renamed to public.u"
};

struct Session {
  std::string user;
  bool superuser = false;
  bool create_role = false;
  std::string database;
};

struct Catalog {
  Session session;
  std::vector<Table> tables;
  std::string policy_sha256;  // of the policy file's text, computed by the server

  bool schema_exists = false;
  std::string schema_owner;
  bool schema_owner_superuser = false;
  std::vector<std::string> own_tables;  // those of pgwarden's tables that exist
  bool service_role_exists = false;
  std::map<std::string, InstalledFunction> functions;
  std::map<std::string, char> event_triggers;                  // name -> evtenabled
  std::map<std::string, std::string> event_trigger_functions;  // name -> schema.function
  std::vector<InstalledTrigger> triggers;
  std::vector<Registration> registrations;
  std::vector<GuardRow> guard_rows;
  std::vector<Drift> drift;

  [[nodiscard]] bool complete_schema() const;  // the schema and every one of its tables exist
  [[nodiscard]] const Table* table(std::uint32_t relid) const;
  [[nodiscard]] const Registration* registration(std::uint32_t relid) const;
};

Expected<Catalog> read_catalog(Connection& connection, const policy::DbSettings& db,
                               const std::string& policy_text);

}  // namespace pgwarden::db
