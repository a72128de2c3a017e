// Reading [db] (docs/policy.md, docs/db.md): the schema pgwarden db protect installs its own
// objects in, the role that alone may write grants, and the roles applications and agents
// connect as. Like the rest of the file, every mistake names the file, line, column and dotted
// key (`db.roles[2]`), and nothing unknown is ignored.
#include <fmt/format.h>

#include <algorithm>
#include <string_view>

#include "policy/toml_reader.hpp"

namespace pgwarden::policy {
namespace {

// PostgreSQL truncates identifiers to NAMEDATALEN - 1 bytes; a longer name would silently
// name another object than the one written.
constexpr std::size_t k_max_identifier_bytes = 63;

Expected<std::string> read_identifier(const Reader& r, const toml::node& node,
                                      const std::string& key) {
  auto name = read_string(r, node, key);
  if (!name) return name;
  if (name->empty()) return tl::unexpected(r.at(node, key, "the name cannot be empty"));
  if (name->size() > k_max_identifier_bytes) {
    return tl::unexpected(
        r.at(node, key, fmt::format("'{}' is longer than PostgreSQL's 63-byte names", *name)));
  }
  if (name->find('\0') != std::string::npos)
    return tl::unexpected(r.at(node, key, "the name holds a NUL byte"));
  return name;
}

}  // namespace

Expected<DbSettings> read_db(const Reader& r, const toml::node& node) {
  const auto* table = node.as_table();
  if (table == nullptr) return tl::unexpected(r.at(node, "db", "expected a table"));
  if (auto ok = check_keys(r, *table, "db.", {"schema", "service_role", "roles"}); !ok)
    return tl::unexpected(ok.error());
  DbSettings db;
  if (const auto* schema = table->get("schema")) {
    auto name = read_identifier(r, *schema, "db.schema");
    if (!name) return tl::unexpected(name.error());
    // pgwarden's schema is never guarded, so it must not be one that holds the tables.
    if (name->starts_with("pg_") || *name == "information_schema" || *name == "public") {
      return tl::unexpected(
          r.at(*schema, "db.schema",
               fmt::format("'{}' holds PostgreSQL's or the application's objects; pgwarden needs a "
                           "schema of its own (its tables are never guarded)",
                           *name)));
    }
    db.schema = std::move(*name);
  }
  if (const auto* service = table->get("service_role")) {
    auto name = read_identifier(r, *service, "db.service_role");
    if (!name) return tl::unexpected(name.error());
    db.service_role = std::move(*name);
  }
  if (const auto* roles = table->get("roles")) {
    const auto* array = roles->as_array();
    if (array == nullptr)
      return tl::unexpected(r.at(*roles, "db.roles", "expected an array of role names"));
    for (std::size_t i = 0; i < array->size(); ++i) {
      const std::string key = fmt::format("db.roles[{}]", i + 1);
      auto name = read_identifier(r, *array->get(i), key);
      if (!name) return tl::unexpected(name.error());
      if (std::find(db.roles.begin(), db.roles.end(), *name) != db.roles.end()) {
        return tl::unexpected(
            r.at(*array->get(i), key, fmt::format("'{}' is listed twice", *name)));
      }
      db.roles.push_back(std::move(*name));
    }
  }
  // The service role writes grants; an application that connected as it could grant itself.
  const auto overlap = std::find(db.roles.begin(), db.roles.end(), db.service_role);
  if (overlap != db.roles.end()) {
    const auto* at =
        table->get("roles")->as_array()->get(static_cast<std::size_t>(overlap - db.roles.begin()));
    return tl::unexpected(
        r.at(*at, fmt::format("db.roles[{}]", overlap - db.roles.begin() + 1),
             fmt::format("'{}' is the service role: the roles applications connect as must not "
                         "be able to write grants",
                         *overlap)));
  }
  return db;
}

}  // namespace pgwarden::policy
