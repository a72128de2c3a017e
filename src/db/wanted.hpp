// What the policy wants installed in the live database: for every table the engine refuses
// something on (refusals.hpp), its guard triggers and its row in the registry.
//
// Guards follow PostgreSQL 15's firing rules (docs/db.md, "What fires"): a partitioned table's
// row guards are created on it once and PostgreSQL clones them onto every partition, present
// and future; its TRUNCATE guard is copied onto each partition, because statement triggers are
// not cloned and a TRUNCATE may name a partition; a delete_all guard (DELETE of some rows
// allowed, of every row refused) sits on the table, its partitions and its partition ancestors,
// because a statement trigger fires only on the table a statement names. A table already in the
// registry is judged by the name it was registered under, so that renaming it does not move it
// out of its policy.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "db/catalog.hpp"
#include "db/objects.hpp"
#include "db/refusals.hpp"
#include "policy/policy.hpp"

namespace pgwarden::db {

struct WantedRegistration {
  std::uint32_t relid = 0;
  std::string schema_name;  // the name the policy judged: the registered one, else the current one
  std::string table_name;
  std::string display;              // the current name, for messages
  std::vector<std::string> guards;  // truncate, delete, delete_all, update, drop_table
  std::string refusals;  // canonical JSON: operation -> {decision, actions, message, detail, hint}
  std::vector<Column> columns;  // the columns a guard compares
};

struct Wanted {
  std::vector<GuardTrigger> triggers;
  std::vector<WantedRegistration> registrations;
  std::vector<std::string> skipped;  // tables the connected role may not put triggers on, and why
};

Wanted want(const Catalog& catalog, const policy::Policy& policy);

// A registration's `refusals` as the JSON the registry holds (and the event trigger reads).
std::string refusals_json(const TableRefusals& refusals);

// True when two JSON texts hold the same value (PostgreSQL's jsonb orders keys its own way).
bool same_json(const std::string& a, const std::string& b);

}  // namespace pgwarden::db
