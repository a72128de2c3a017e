// What the live database says about its relations, for doors that can read it (the proxy's
// lookup connection): which relations a name can be, and what a write to one of them reaches.
//
// The engine judges names as the unit resolves them; with a catalog it also knows which of the
// candidates exist (the server takes the first that does), the identity of each (a protected
// table renamed in another connection keeps its protection: `protected_as`, and so does a
// protected column: `protected_columns`), what a view writes
// through to, the children and partitions a parent's DELETE, UPDATE and TRUNCATE reach, and
// where a foreign table's rows live. A catalog is an immutable snapshot; a door refreshes it by
// making a new one.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sql/effect.hpp"

namespace pgwarden::policy {

// A foreign key of another table that references a relation: what a change of the relation does
// to the other table's rows (ON DELETE / ON UPDATE actions, TRUNCATE ... CASCADE).
struct Reference {
  sql::ObjectName table;                 // the referencing table
  std::vector<std::string> columns;      // its columns that hold the key
  std::vector<std::string> referenced;   // the relation's columns it references
  std::vector<std::string> set_columns;  // ON DELETE SET NULL / SET DEFAULT (columns): those only
  char on_delete = 'a';                  // pg_constraint.confdeltype: a r c n d
  char on_update = 'a';                  // pg_constraint.confupdtype
};

struct CatalogRelation {
  sql::ObjectName name;                       // schema-qualified, as it is now
  char kind = 'r';                            // pg_class.relkind: r, p, v, m, f
  std::vector<sql::ObjectName> protected_as;  // other names the policy protected this relation under
  // Columns renamed since the policy protected them under another name (by attnum): now, then.
  std::vector<std::pair<std::string, std::string>> protected_columns;
  std::vector<sql::ObjectName> children;      // its inheritance children and partitions
  std::vector<sql::ObjectName> writes_to;     // a view: the relations its FROM names
  bool filtered = false;                      // a view with a WHERE
  std::vector<std::pair<std::string, std::string>> view_columns;  // a view's column -> its table's, where they differ
  std::optional<sql::ObjectName> remote;      // a foreign table: the table it points to
  bool remote_here = false;                   // ... and that table is in this very database
  std::string server;                         // a foreign table's server
  std::vector<Reference> referenced_by;       // foreign keys of other tables that reference it
};

class RelationCatalog {
 public:
  virtual ~RelationCatalog() = default;
  // The relation of this schema-qualified name, or null when the database has none.
  [[nodiscard]] virtual const CatalogRelation* find(const sql::ObjectName& name) const = 0;
  // Every relation of this name, in any schema (a name whose search path is not known).
  [[nodiscard]] virtual std::vector<const CatalogRelation*> named(const std::string& name) const = 0;
  // Unique for the process's life: verdicts kept for one snapshot are not used with another.
  [[nodiscard]] virtual std::uint64_t id() const = 0;
};

}  // namespace pgwarden::policy
