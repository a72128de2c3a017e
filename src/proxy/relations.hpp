// The relations of each database as the proxy's lookup connection reads them: the snapshot the
// policy engine resolves names against (policy::RelationCatalog), and the rules of each relation,
// which the judge reads like routine bodies.
//
// Identity: a relation the policy protected under one name keeps that protection under every
// later name. The catalogs remember, per database and for the proxy's life, the names under
// which a [[tables]] entry matched each relation (by OID), and read the names `pgwarden db
// protect` registered (`<schema>.protected`, when it exists), so that `ALTER TABLE ledger RENAME
// TO l2` in one connection leaves `TRUNCATE l2` refused in the next.
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
  std::vector<std::string> table_options;   // a foreign table: "key=value"
  std::string server;
  std::string wrapper;
  std::vector<std::string> server_options;  // "key=value"
  std::vector<std::pair<char, std::string>> rules;  // event ('1' select, '2' update, '3' insert, '4' delete), CREATE RULE text
  std::vector<std::string> implicit_calls;  // "schema.function" its column defaults and CHECK constraints call
  struct ForeignKey {  // a foreign key of another table (`from`) that references this one
    std::uint32_t from = 0;
    std::vector<std::string> columns, referenced, set_columns;
    char on_delete = 'a';
    char on_update = 'a';
  };
  std::vector<ForeignKey> referenced_by;
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
  // The user functions ("schema.name") its column defaults and CHECK constraints call.
  [[nodiscard]] const std::vector<std::string>& implicit_calls(const sql::ObjectName& name) const;
  void set_implicit_calls(std::unordered_map<std::string, std::vector<std::string>> calls) {
    m_implicit_calls = std::move(calls);
  }
  [[nodiscard]] std::size_t size() const { return m_relations.size(); }
  // True when the database has a function of this name outside pg_catalog.
  [[nodiscard]] bool has_user_function(const std::string& name) const { return m_functions.count(name) != 0; }
  void set_user_functions(std::set<std::string> names) { m_functions = std::move(names); }
  // Why the catalog could not be read, when this snapshot stands in for one that could not
  // (it knows no relation); empty for a snapshot read from the database.
  [[nodiscard]] const std::string& unreadable() const { return m_unreadable; }
  void set_unreadable(std::string why) { m_unreadable = std::move(why); }

 private:
  std::unordered_map<std::string, policy::CatalogRelation> m_relations;  // by "schema.name"
  std::unordered_multimap<std::string, const policy::CatalogRelation*> m_by_name;  // by bare name
  std::set<std::string> m_functions;
  std::string m_unreadable;
  std::unordered_map<std::string, std::vector<std::string>> m_implicit_calls;  // by "schema.name"
  std::unordered_map<std::string, std::vector<std::pair<char, std::string>>> m_rules;
  std::uint64_t m_id;
};

class RelationCatalogs {
 public:
  using Protects = std::function<bool(const sql::ObjectName&)>;
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
             std::set<std::string> user_functions, const Protects& protects);
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
};

}  // namespace pgwarden::proxy
