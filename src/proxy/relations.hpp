// The relations of each database as the proxy's lookup connection reads them: the snapshot the
// policy engine resolves names against (policy::RelationCatalog), and the rules of each relation,
// which the judge reads like routine bodies.
//
// Identity: a relation the policy protected under one name keeps that protection under every
// later name. The catalogs remember, per database and for the proxy's life, the names under
// which a [[tables]] entry matched each relation (by OID), and read the names `pgwarden db
// protect` registered (`<schema>.protected`, when it exists), so that `ALTER TABLE ledger RENAME
// TO l2` in one connection leaves `TRUNCATE l2` refused in the next. Columns alike, by attnum:
// `RENAME COLUMN id TO uid` in one connection leaves `UPDATE users SET uid = ...` refused in the
// next where `id` is immutable.
//
// Freshness: a snapshot serves until DDL passes through the proxy (then the next statement of
// that database waits for a new one) or until it is older than the refresh interval (then it
// goes on serving while a new one is read). DDL made around the proxy is seen at the next
// refresh; `db protect` is what stops it in the meantime (docs/security.md).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <mutex>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "policy/relation_catalog.hpp"

namespace pgwarden::proxy {

// One relation as the lookup query returns it.
struct RelationRow {
  std::uint32_t oid = 0;
  std::string schema;
  std::string name;
  char kind = 'r';
  std::vector<std::uint32_t> children;
  std::string view_definition;              // a view: pg_get_viewdef, every name qualified
  std::vector<std::pair<int, std::string>> columns;  // a table's columns: attnum, name
  std::vector<std::string> table_options;   // a foreign table: "key=value"
  std::string server;
  std::string wrapper;
  std::vector<std::string> server_options;  // "key=value"
  std::vector<std::pair<char, std::string>> rules;  // event ('1' select, '2' update, '3' insert, '4' delete), CREATE RULE text
  // "schema.function" that run for it though no statement names them (lookup.cpp says which):
  std::vector<std::string> write_calls;   // for a row written (defaults, constraints, indexes, domains)
  std::vector<std::string> change_calls;  // for any row change (trigger WHEN conditions)
  std::vector<std::string> read_calls;    // whenever a statement reads or writes it (view, RLS policies)
  struct ForeignKey {  // a foreign key of another table (`from`) that references this one
    std::uint32_t from = 0;
    std::vector<std::string> columns, referenced, set_columns;
    char on_delete = 'a';
    char on_update = 'a';
  };
  std::vector<ForeignKey> referenced_by;
};

// What the lookup reads of a database beside its relations.
struct DatabaseFacts {
  std::set<std::string> user_functions;  // names of the functions outside pg_catalog
  std::unordered_map<std::string, std::vector<std::string>> operators;  // operator -> "schema.function"
  std::unordered_map<std::string, std::vector<std::string>> type_functions;  // type -> domain CHECKs, casts
  struct SearchPath {
    std::string role;         // "" for every role
    bool database = false;    // set for this database (else for every database)
    std::vector<std::string> path;
  };
  std::vector<SearchPath> search_paths;  // ALTER DATABASE / ROLE ... SET search_path
  std::vector<std::string> server_search_path;  // the server's default; empty: not read
  std::set<std::string> schemas;
};

// Where the proxy's server is, to tell a foreign table that points back at it.
struct Upstream {
  std::string host;
  std::uint16_t port = 5432;
};

class RelationSnapshot final : public policy::RelationCatalog {
 public:
  RelationSnapshot(std::unordered_map<std::string, policy::CatalogRelation> relations,
                   std::unordered_map<std::string, std::vector<std::pair<char, std::string>>> rules);
  [[nodiscard]] const policy::CatalogRelation* find(const sql::ObjectName& name) const override;
  [[nodiscard]] std::vector<const policy::CatalogRelation*> named(const std::string& name) const override;
  [[nodiscard]] std::uint64_t id() const override { return m_id; }
  // The CREATE RULE texts of a relation for an event ('2' UPDATE, '3' INSERT, '4' DELETE).
  [[nodiscard]] std::vector<std::string> rules(const sql::ObjectName& name, char event) const;
  // The user functions ("schema.name") that run for a relation though no statement names them:
  // when a row of it is written (INSERT, UPDATE), changed at all, or whenever a statement
  // reads or writes it (a view's, including the views it reads, and row-level security's).
  enum class Calls { write, change, read };
  [[nodiscard]] const std::vector<std::string>& implicit_calls(const sql::ObjectName& name, Calls when) const;
  [[nodiscard]] bool has_read_calls() const { return !m_calls[static_cast<int>(Calls::read)].empty(); }
  void set_implicit_calls(Calls when, std::unordered_map<std::string, std::vector<std::string>> calls) {
    m_calls[static_cast<int>(when)] = std::move(calls);
  }
  [[nodiscard]] std::size_t size() const { return m_relations.size(); }
  // True when the database has a function of this name outside pg_catalog.
  [[nodiscard]] bool has_user_function(const std::string& name) const { return m_facts.user_functions.count(name) != 0; }
  // The user functions behind the operators of this name (any schema); none for PostgreSQL's own.
  [[nodiscard]] const std::vector<std::string>* operator_functions(const std::string& name) const {
    if (m_facts.operators.empty()) return nullptr;
    const auto it = m_facts.operators.find(name);
    return it == m_facts.operators.end() ? nullptr : &it->second;
  }
  // The user functions making a value of this type runs (its domain CHECKs, casts to it).
  [[nodiscard]] const std::vector<std::string>* type_functions(const std::string& name) const {
    if (m_facts.type_functions.empty()) return nullptr;
    const auto it = m_facts.type_functions.find(name);
    return it == m_facts.type_functions.end() ? nullptr : &it->second;
  }
  // The search_path a new connection of `role` starts with when its startup packet sets none:
  // as ALTER DATABASE / ALTER ROLE set it, else the server's default; none: not known.
  [[nodiscard]] const std::vector<std::string>* configured_search_path(const std::string& role) const;
  [[nodiscard]] bool has_schema(const std::string& name) const { return m_facts.schemas.count(name) != 0; }
  void set_facts(DatabaseFacts facts) { m_facts = std::move(facts); }
  // Why the catalog could not be read, when this snapshot stands in for one that could not
  // (it knows no relation); empty for a snapshot read from the database.
  [[nodiscard]] const std::string& unreadable() const { return m_unreadable; }
  void set_unreadable(std::string why) { m_unreadable = std::move(why); }

 private:
  std::unordered_map<std::string, policy::CatalogRelation> m_relations;  // by "schema.name"
  std::unordered_multimap<std::string, const policy::CatalogRelation*> m_by_name;  // by bare name
  DatabaseFacts m_facts;
  std::string m_unreadable;
  std::unordered_map<std::string, std::vector<std::string>> m_calls[3];  // by "schema.name", per Calls
  std::unordered_map<std::string, std::vector<std::pair<char, std::string>>> m_rules;
  std::uint64_t m_id;
};

class RelationCatalogs {
 public:
  using Protects = std::function<bool(const sql::ObjectName&)>;
  // Whether the policy protects a column of a table by its name (immutable, a mutable list, a
  // profile's writable columns): its identity (attnum) is then remembered under that name.
  using ProtectsColumn = std::function<bool(const sql::ObjectName& table, const std::string& column)>;
  explicit RelationCatalogs(Upstream upstream, std::chrono::milliseconds refresh = std::chrono::seconds(30),
                            std::chrono::milliseconds lease = std::chrono::seconds(10));

  struct Found {
    std::shared_ptr<const RelationSnapshot> snapshot;  // null: none yet, or one that must not serve
    bool refresh = false;                              // read a new one (and wait for it when null)
  };
  [[nodiscard]] Found find(const std::string& database) const;
  // Taken before reading the relations: a store of what was read before an invalidation does
  // not make the snapshot valid again.
  [[nodiscard]] std::uint64_t generation(const std::string& database) const;
  // A new snapshot from the lookup's rows; `protects` says whether the policy protects a name.
  void store(const std::string& database, std::uint64_t generation, const std::vector<RelationRow>& rows,
             const std::vector<std::pair<std::uint32_t, sql::ObjectName>>& registered,
             DatabaseFacts facts, const Protects& protects, const ProtectsColumn& protects_column = {});
  // DDL passed through the proxy: the next statement of this database waits for a new snapshot.
  void invalidate(const std::string& database);
  // The lookup could not read the relations (`why`): until a read succeeds, reads are judged by
  // their names alone and writes are refused.
  void failed(const std::string& database, const std::string& why);

 private:
  struct Entry {
    std::shared_ptr<const RelationSnapshot> snapshot;
    std::chrono::steady_clock::time_point read;
    bool invalid = false;
    // When a background refresh was handed out: another is handed out once this one has been
    // under way longer than m_lease (its judgement was refused, or its reader died), so that a
    // refresh lost on the way never leaves a snapshot that is read no more.
    std::optional<std::chrono::steady_clock::time_point> reading;
    std::uint64_t generation = 0;  // counts invalidations
  };
  Upstream m_upstream;
  std::chrono::milliseconds m_refresh;
  std::chrono::milliseconds m_lease;
  mutable std::mutex m_mutex;
  mutable std::unordered_map<std::string, Entry> m_databases;
  std::unordered_map<std::string, std::map<std::uint32_t, std::set<std::string>>> m_identities;  // db -> oid -> names
  // db -> (oid, attnum) -> the names the policy protected the column under
  std::unordered_map<std::string, std::map<std::pair<std::uint32_t, int>, std::set<std::string>>> m_column_identities;
};

}  // namespace pgwarden::proxy
