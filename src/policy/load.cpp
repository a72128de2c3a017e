#include "policy/load.hpp"

#include <fstream>
#include <sstream>
#include <system_error>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "policy/toml_reader.hpp"
#include "sql/analyzer.hpp"

namespace pgwarden::policy {
namespace {

using sql::Action;

constexpr std::uintmax_t k_max_policy_bytes = std::uintmax_t{1} << 20;

// The value of soft_delete must be one SQL expression.
Expected<void> check_expression(const Reader& r, const toml::node& node, const std::string& key,
                                const std::string& expression) {
  const auto statements = sql::analyze("SELECT " + expression);
  if (statements.size() != 1 || statements.front().is_parse_error()) {
    return tl::unexpected(r.at(node, key, fmt::format("'{}' is not one SQL expression", expression)));
  }
  return {};
}

Expected<SoftDelete> read_soft_delete(const Reader& r, const toml::node& node, const std::string& key) {
  SoftDelete out;
  if (const auto* s = node.as_string()) {
    out.column = s->get();
    if (out.column.empty()) return tl::unexpected(r.at(node, key, "the column cannot be empty"));
    return out;
  }
  const auto* table = node.as_table();
  if (table == nullptr) {
    return tl::unexpected(r.at(node, key, "expected a column name or { column = \"...\", value = \"...\" }"));
  }
  if (auto ok = check_keys(r, *table, key + ".", {"column", "value"}); !ok) return tl::unexpected(ok.error());
  const auto* column = table->get("column");
  if (column == nullptr) return tl::unexpected(r.at(node, key + ".column", "missing (the column to set)"));
  auto c = read_string(r, *column, key + ".column");
  if (!c) return tl::unexpected(c.error());
  if (c->empty()) return tl::unexpected(r.at(*column, key + ".column", "the column cannot be empty"));
  out.column = std::move(*c);
  if (const auto* value = table->get("value")) {
    auto v = read_string(r, *value, key + ".value");
    if (!v) return tl::unexpected(v.error());
    if (auto ok = check_expression(r, *value, key + ".value", *v); !ok) return tl::unexpected(ok.error());
    out.value_sql = std::move(*v);
  }
  return out;
}

Expected<TableRule> read_table_rule(const Reader& r, const toml::table& table, const std::string& prefix) {
  if (auto ok = check_keys(r, table, prefix + ".",
                           {"name", "append_only", "immutable", "mutable", "soft_delete", "hint", "actions"});
      !ok) {
    return tl::unexpected(ok.error());
  }
  TableRule rule;
  rule.line = static_cast<int>(table.source().begin.line);
  const auto* name = table.get("name");
  if (name == nullptr) return tl::unexpected(r.at(table, prefix + ".name", "missing (every [[tables]] entry names its tables)"));
  auto glob = read_table_glob(r, *name, prefix + ".name");
  if (!glob) return tl::unexpected(glob.error());
  rule.name = std::move(*glob);

  for (const auto& [key, node] : table) {
    const std::string k(key.str());
    const std::string dotted = prefix + "." + k;
    if (k == "append_only") {
      auto b = read_bool(r, node, dotted);
      if (!b) return tl::unexpected(b.error());
      rule.append_only = *b;
    } else if (k == "immutable") {
      auto names = read_names(r, node, dotted);
      if (!names) return tl::unexpected(names.error());
      rule.immutable = std::move(*names);
    } else if (k == "mutable") {
      auto names = read_names(r, node, dotted);
      if (!names) return tl::unexpected(names.error());
      rule.mutable_columns = std::move(*names);
    } else if (k == "soft_delete") {
      auto sd = read_soft_delete(r, node, dotted);
      if (!sd) return tl::unexpected(sd.error());
      rule.soft_delete = std::move(*sd);
    } else if (k == "hint") {
      auto s = read_string(r, node, dotted);
      if (!s) return tl::unexpected(s.error());
      rule.hint = std::move(*s);
    } else if (k == "actions") {
      auto ok = read_actions(r, node, dotted,
                             [&](Action a, Decision d) { rule.actions[static_cast<std::size_t>(a)] = d; });
      if (!ok) return tl::unexpected(ok.error());
    }
  }
  return rule;
}

Expected<void> read_policy_section(const Reader& r, const toml::node& node, Policy& policy) {
  const auto* table = node.as_table();
  if (table == nullptr) return tl::unexpected(r.at(node, "policy", "expected a table"));
  if (auto ok = check_keys(r, *table, "policy.", {"name", "document", "on_parse_error", "search_path"}); !ok) {
    return tl::unexpected(ok.error());
  }
  for (const auto& [key, value] : *table) {
    const std::string k(key.str());
    const std::string dotted = "policy." + k;
    if (k == "name" || k == "document") {
      auto s = read_string(r, value, dotted);
      if (!s) return tl::unexpected(s.error());
      (k == "name" ? policy.name : policy.document) = std::move(*s);
    } else if (k == "on_parse_error") {
      auto d = read_decision(r, value, dotted);
      if (!d) return tl::unexpected(d.error());
      if (*d != Decision::deny && *d != Decision::allow) {
        return tl::unexpected(r.at(value, dotted, "expected \"deny\" or \"allow\""));
      }
      policy.on_parse_error = *d;
    } else if (k == "search_path") {
      auto names = read_names(r, value, dotted);
      if (!names) return tl::unexpected(names.error());
      if (names->empty()) return tl::unexpected(r.at(value, dotted, "needs at least one schema"));
      policy.search_path = std::move(*names);
    }
  }
  return {};
}

Expected<std::vector<RuleLevel>> read_rule_levels(const Reader& r, const toml::node& node, const std::string& prefix) {
  const auto* table = node.as_table();
  if (table == nullptr) return tl::unexpected(r.at(node, prefix, "expected a table of rule = decision"));
  std::vector<RuleLevel> out;
  for (const auto& [key, value] : *table) {
    const std::string name(key.str());
    auto level = read_decision(r, value, prefix + "." + name);
    if (!level) return tl::unexpected(level.error());
    const auto& where = key.source().begin;
    out.push_back({name.starts_with("lint.") ? name : "lint." + name, *level, static_cast<int>(where.line),
                   static_cast<int>(where.column)});
  }
  return out;
}

Expected<LintFiles> read_lint_files(const Reader& r, const toml::table& table, const std::string& prefix) {
  if (auto ok = check_keys(r, table, prefix + ".", {"path", "assume_in_transaction", "rules"}); !ok) {
    return tl::unexpected(ok.error());
  }
  LintFiles files;
  files.line = static_cast<int>(table.source().begin.line);
  const auto* path = table.get("path");
  if (path == nullptr) return tl::unexpected(r.at(table, prefix + ".path", "missing (which files the entry is for)"));
  auto glob = read_glob(r, *path, prefix + ".path");
  if (!glob) return tl::unexpected(glob.error());
  files.path = std::move(*glob);
  if (const auto* node = table.get("assume_in_transaction")) {
    auto b = read_bool(r, *node, prefix + ".assume_in_transaction");
    if (!b) return tl::unexpected(b.error());
    files.assume_in_transaction = *b;
  }
  if (const auto* node = table.get("rules")) {
    auto rules = read_rule_levels(r, *node, prefix + ".rules");
    if (!rules) return tl::unexpected(rules.error());
    files.rules = std::move(*rules);
  }
  return files;
}

Expected<void> read_lint_section(const Reader& r, const toml::node& node, LintSettings& lint) {
  const auto* table = node.as_table();
  if (table == nullptr) return tl::unexpected(r.at(node, "lint", "expected a table"));
  if (auto ok = check_keys(r, *table, "lint.",
                           {"pg_version", "assume_in_transaction", "conventions", "rules", "exclude", "start_after",
                            "files"});
      !ok) {
    return tl::unexpected(ok.error());
  }
  for (const auto& [key, value] : *table) {
    const std::string k(key.str());
    const std::string dotted = "lint." + k;
    if (k == "pg_version") {
      const auto* v = value.as_integer();
      if (v == nullptr || v->get() < 9 || v->get() > 18) {
        return tl::unexpected(r.at(value, dotted, "expected a PostgreSQL major version such as 15"));
      }
      lint.pg_version = static_cast<int>(v->get());
    } else if (k == "assume_in_transaction" || k == "conventions") {
      auto b = read_bool(r, value, dotted);
      if (!b) return tl::unexpected(b.error());
      (k == "conventions" ? lint.conventions : lint.assume_in_transaction) = *b;
    } else if (k == "rules") {
      auto rules = read_rule_levels(r, value, dotted);
      if (!rules) return tl::unexpected(rules.error());
      lint.rules = std::move(*rules);
    } else if (k == "exclude") {
      auto patterns = read_names(r, value, dotted);
      if (!patterns) return tl::unexpected(patterns.error());
      for (const auto& p : *patterns) {
        auto glob = Glob::compile(p);
        if (!glob) return tl::unexpected(r.at(value, dotted, glob.error().message));
        lint.exclude.push_back(std::move(*glob));
      }
    } else if (k == "start_after") {
      auto s = read_string(r, value, dotted);
      if (!s) return tl::unexpected(s.error());
      lint.start_after = std::move(*s);
    } else if (k == "files") {
      const auto* array = value.as_array();
      if (array == nullptr) return tl::unexpected(r.at(value, dotted, "expected an array of tables: write each entry as [[lint.files]]"));
      for (std::size_t i = 0; i < array->size(); ++i) {
        const std::string prefix = fmt::format("lint.files[{}]", i + 1);
        const auto* entry = array->get(i)->as_table();
        if (entry == nullptr) return tl::unexpected(r.at(*array->get(i), prefix, "expected a table"));
        auto files = read_lint_files(r, *entry, prefix);
        if (!files) return tl::unexpected(files.error());
        lint.files.push_back(std::move(*files));
      }
    }
  }
  return {};
}

Expected<Policy> read_document(const Reader& r, const toml::table& doc) {
  Policy policy = Policy::defaults();
  policy.name = "pgwarden policy";
  policy.source = r.source();
  if (auto ok = check_keys(r, doc, "", {"policy", "actions", "columns", "tables", "profiles", "extensions", "lint", "db"});
      !ok) {
    return tl::unexpected(ok.error());
  }
  if (const auto* node = doc.get("policy")) {
    if (auto ok = read_policy_section(r, *node, policy); !ok) return tl::unexpected(ok.error());
  }
  if (const auto* node = doc.get("actions")) {
    auto ok = read_actions(r, *node, "actions", [&](Action a, Decision d) {
      policy.actions[static_cast<std::size_t>(a)] = d;
      policy.action_from_file[static_cast<std::size_t>(a)] = true;
    });
    if (!ok) return tl::unexpected(ok.error());
  }
  if (const auto* node = doc.get("columns")) {
    const auto* table = node->as_table();
    if (table == nullptr) return tl::unexpected(r.at(*node, "columns", "expected a table"));
    if (auto ok = check_keys(r, *table, "columns.", {"immutable"}); !ok) return tl::unexpected(ok.error());
    if (const auto* imm = table->get("immutable")) {
      auto names = read_names(r, *imm, "columns.immutable");
      if (!names) return tl::unexpected(names.error());
      policy.immutable_columns = std::move(*names);
    }
  }
  if (const auto* node = doc.get("tables")) {
    const auto* array = node->as_array();
    if (array == nullptr) {
      return tl::unexpected(r.at(*node, "tables", "expected an array of tables: write each entry as [[tables]]"));
    }
    for (std::size_t i = 0; i < array->size(); ++i) {
      const std::string prefix = fmt::format("tables[{}]", i + 1);
      const auto* entry = array->get(i)->as_table();
      if (entry == nullptr) return tl::unexpected(r.at(*array->get(i), prefix, "expected a table"));
      auto rule = read_table_rule(r, *entry, prefix);
      if (!rule) return tl::unexpected(rule.error());
      policy.tables.push_back(std::move(*rule));
    }
  }
  if (const auto* node = doc.get("profiles")) {
    auto profiles = read_profiles(r, *node);
    if (!profiles) return tl::unexpected(profiles.error());
    if (auto ok = check_client_chosen(r, *node, *profiles, policy); !ok) return tl::unexpected(ok.error());
    policy.profiles = std::move(*profiles);
  }
  if (const auto* node = doc.get("extensions")) {
    const auto* table = node->as_table();
    if (table == nullptr) return tl::unexpected(r.at(*node, "extensions", "expected a table"));
    if (auto ok = check_keys(r, *table, "extensions.", {"allow"}); !ok) return tl::unexpected(ok.error());
    if (const auto* allow = table->get("allow")) {
      auto names = read_names(r, *allow, "extensions.allow");
      if (!names) return tl::unexpected(names.error());
      policy.extensions = std::move(*names);
    }
  }
  if (const auto* node = doc.get("lint")) {
    if (auto ok = read_lint_section(r, *node, policy.lint); !ok) return tl::unexpected(ok.error());
  }
  if (const auto* node = doc.get("db")) {
    auto db = read_db(r, *node);
    if (!db) return tl::unexpected(db.error());
    policy.db = std::move(*db);
  }
  policy.actions[static_cast<std::size_t>(Action::parse_error)] = policy.on_parse_error;
  return policy;
}

}  // namespace

Expected<Policy> parse_policy(std::string_view toml_text, const std::string& source) {
  const Reader reader(source);
  toml::table doc;
  try {
    doc = toml::parse(toml_text, source);
  } catch (const toml::parse_error& e) {
    const auto& where = e.source().begin;
    return tl::unexpected(Error{std::string(e.description()), source, static_cast<int>(where.line),
                                static_cast<int>(where.column), ""});
  }
  return read_document(reader, doc);
}

Expected<Policy> load_policy_file(const std::filesystem::path& path) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) return tl::unexpected(Error{"cannot read the policy file: " + ec.message(), path.string()});
  if (size > k_max_policy_bytes) {
    return tl::unexpected(Error{fmt::format("the policy file is {} bytes; the limit is 1 MiB", size), path.string()});
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return tl::unexpected(Error{"cannot open the policy file", path.string()});
  std::ostringstream text;
  text << in.rdbuf();
  return parse_policy(text.str(), path.string());
}

std::optional<std::filesystem::path> find_policy_file(const std::optional<std::filesystem::path>& explicit_path,
                                                      const std::filesystem::path& start) {
  if (explicit_path) return explicit_path;
  std::error_code ec;
  auto dir = std::filesystem::absolute(start, ec);
  if (ec) return std::nullopt;
  while (true) {
    const auto candidate = dir / "pgwarden.toml";
    if (std::filesystem::is_regular_file(candidate, ec)) {
      // Cited relative to the working directory, as the user would write it.
      auto relative = std::filesystem::relative(candidate, ec);
      return ec || relative.empty() ? candidate : relative;
    }
    if (!dir.has_parent_path() || dir.parent_path() == dir) return std::nullopt;
    dir = dir.parent_path();
  }
}

Expected<Policy> resolve_policy(const std::optional<std::filesystem::path>& explicit_path,
                                const std::filesystem::path& start) {
  if (explicit_path && !std::filesystem::exists(*explicit_path)) {
    return tl::unexpected(Error{"the policy file does not exist", explicit_path->string()});
  }
  const auto path = find_policy_file(explicit_path, start);
  if (!path) return Policy::defaults();
  return load_policy_file(*path);
}

}  // namespace pgwarden::policy
