#include <array>

#include "policy/policy.hpp"

namespace pgwarden::policy {

using sql::Action;

std::string_view to_string(Decision decision) {
  switch (decision) {
    case Decision::allow: return "allow";
    case Decision::warn: return "warn";
    case Decision::approve: return "approve";
    case Decision::deny: return "deny";
  }
  return "deny";
}

std::optional<Decision> decision_from_string(std::string_view name) {
  if (name == "allow") return Decision::allow;
  if (name == "warn") return Decision::warn;
  if (name == "approve") return Decision::approve;
  if (name == "deny") return Decision::deny;
  return std::nullopt;
}

Decision default_decision(Action action) {
  switch (action) {
    case Action::drop_database:
    case Action::drop_schema:
    case Action::drop_table:
    case Action::drop_column:
    case Action::drop_cascade:
    case Action::truncate:
    case Action::delete_all:
    case Action::update_immutable:
    case Action::mutate_append_only:
    case Action::update_not_mutable:
    case Action::dynamic_sql:
    case Action::write_catalog:
    case Action::write_server_file:
    case Action::load_code:
    case Action::alter_system:
    case Action::write_foreign_table:
    case Action::parse_error:
      return Decision::deny;
    case Action::delete_rows:
    case Action::update_all:
    case Action::alter_column_type:
    case Action::drop_sequence:
    case Action::disable_safeguard:
    case Action::destructive_function:
    case Action::create_extension:
    case Action::attach_table:
      return Decision::approve;
    case Action::rename:
      return Decision::warn;
    case Action::drop_object:
    case Action::foreign_key_cascade:
    case Action::write:
    case Action::read:
    case Action::ddl_create:
    case Action::session:
    case Action::privilege:
      return Decision::allow;
  }
  return Decision::deny;
}

std::vector<std::string> default_extensions() {
  return {"address_standardizer", "amcheck", "autoinc", "bloom", "btree_gin", "btree_gist", "citext", "cube",
          "dict_int", "dict_xsyn", "earthdistance", "fuzzystrmatch", "hstore", "insert_username", "intagg",
          "intarray", "isn", "lo", "ltree", "moddatetime", "old_snapshot", "pageinspect", "pg_buffercache",
          "pg_freespacemap", "pg_prewarm", "pg_stat_statements", "pg_trgm", "pg_walinspect", "pgaudit", "pgcrypto",
          "pgrowlocks", "pgstattuple", "plpgsql", "postgis", "postgis_raster", "postgis_topology", "seg", "sslinfo",
          "tablefunc", "tcn", "tsm_system_rows", "tsm_system_time", "unaccent", "uuid-ossp", "vector"};
}

Policy Policy::defaults() {
  Policy p;
  for (const Action a : sql::all_actions()) {
    p.actions[static_cast<std::size_t>(a)] = default_decision(a);
  }
  return p;
}

}  // namespace pgwarden::policy
