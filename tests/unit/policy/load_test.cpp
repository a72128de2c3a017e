// Loading pgwarden.toml: what DESIGN.md's contract says, and mistakes named by file, line,
// column and key.
#include "policy/load.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <unistd.h>

#include "policy/presets.hpp"
#include "policy_test_helpers.hpp"

using namespace pgwarden;
using policy::Decision;
using policy::testing::load_error;
using sql::Action;

TEST(LoadPolicy, TheDesignExampleLoads) {
  const auto p = policy::parse_policy(R"(
[policy]
name = "Ledger Immutability Policy"
document = "docs/IMMUTABILITY.md"
on_parse_error = "deny"
search_path = ["public"]

[actions]
delete = "approve"
delete_all = "deny"

[columns]
immutable = ["id", "created_at"]

[[tables]]
name = "ledger_*"
append_only = true
immutable = ["amount", "account_id"]
hint = "Correct errors with a reversal entry."

[[tables]]
name = "users"
soft_delete = "deleted_at"
mutable = ["email", "status", "deleted_at", "updated_at"]

[[tables]]
name = "accounts"
soft_delete = { column = "status", value = "'DELETED'" }

[[tables]]
name = "sessions"
actions = { delete = "allow", delete_all = "allow", truncate = "allow" }
)",
                                      "pgwarden.toml");
  ASSERT_TRUE(p) << p.error().to_string();
  EXPECT_EQ(p->name, "Ledger Immutability Policy");
  EXPECT_EQ(p->document, "docs/IMMUTABILITY.md");
  EXPECT_EQ(p->decision(Action::delete_rows), Decision::approve);
  EXPECT_TRUE(p->action_from_file[static_cast<std::size_t>(Action::delete_rows)]);
  EXPECT_FALSE(p->action_from_file[static_cast<std::size_t>(Action::drop_table)]);
  EXPECT_EQ(p->decision(Action::drop_table), Decision::deny);  // built-in default
  EXPECT_EQ(p->immutable_columns, (std::vector<std::string>{"id", "created_at"}));
  ASSERT_EQ(p->tables.size(), 4U);
  EXPECT_TRUE(p->tables[0].append_only);
  EXPECT_EQ(p->tables[0].line, 15);  // the [[tables]] header
  EXPECT_EQ(p->tables[1].soft_delete->column, "deleted_at");
  EXPECT_EQ(p->tables[1].soft_delete->value_sql, "now()");
  EXPECT_EQ(p->tables[1].mutable_columns->size(), 4U);
  EXPECT_EQ(p->tables[2].soft_delete->value_sql, "'DELETED'");
  EXPECT_EQ(p->tables[3].actions[static_cast<std::size_t>(Action::truncate)], Decision::allow);
  EXPECT_FALSE(p->tables[3].actions[static_cast<std::size_t>(Action::drop_table)].has_value());
}

TEST(LoadPolicy, AnEmptyFileIsTheBuiltInDefaults) {
  const auto p = policy::parse_policy("", "pgwarden.toml");
  ASSERT_TRUE(p);
  for (const auto a : sql::all_actions()) EXPECT_EQ(p->decision(a), policy::default_decision(a)) << sql::to_string(a);
}

TEST(LoadPolicy, OnParseErrorSetsTheParseErrorAction) {
  const auto p = policy::parse_policy("[policy]\non_parse_error = \"allow\"\n", "p.toml");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->decision(Action::parse_error), Decision::allow);
  const auto e = load_error("[policy]\non_parse_error = \"warn\"\n");
  EXPECT_EQ(e.key, "policy.on_parse_error");
  EXPECT_EQ(e.line, 2);
}

TEST(LoadPolicy, AnUnknownTopLevelKeyIsNamedWithItsPlace) {
  const auto e = load_error("[policy]\nname = \"x\"\n\n[action]\ndelete = \"allow\"\n");
  EXPECT_EQ(e.file, "team/pgwarden.toml");
  EXPECT_EQ(e.key, "action");
  EXPECT_EQ(e.line, 4);
  EXPECT_NE(e.message.find("unknown key"), std::string::npos);
  EXPECT_EQ(e.to_string().rfind("team/pgwarden.toml:4:", 0), 0U) << e.to_string();
}

TEST(LoadPolicy, AnUnknownKeyInsideATableEntryNamesTheEntry) {
  const auto e = load_error("[[tables]]\nname = \"a\"\n\n[[tables]]\nname = \"b\"\nsoft_delete = { colum = \"x\" }\n");
  EXPECT_EQ(e.key, "tables[2].soft_delete.colum");
  EXPECT_EQ(e.line, 6);
  EXPECT_GT(e.column, 1);
}

TEST(LoadPolicy, BadDecisionsAndActionsAreErrors) {
  auto e = load_error("[actions]\ndelete = \"maybe\"\n");
  EXPECT_EQ(e.key, "actions.delete");
  EXPECT_NE(e.message.find("'maybe' is not a decision"), std::string::npos);
  e = load_error("[actions]\ndrop_everything = \"deny\"\n");
  EXPECT_EQ(e.key, "actions.drop_everything");
  EXPECT_NE(e.message.find("not an action"), std::string::npos);
  e = load_error("[actions]\nparse_error = \"allow\"\n");
  EXPECT_NE(e.message.find("on_parse_error"), std::string::npos);
  e = load_error("[[tables]]\nname = \"t\"\nactions = { truncate = 1 }\n");
  EXPECT_EQ(e.key, "tables[1].actions.truncate");
}

TEST(LoadPolicy, WrongTypesAreErrors) {
  EXPECT_EQ(load_error("[[tables]]\nname = \"t\"\nappend_only = \"yes\"\n").key, "tables[1].append_only");
  EXPECT_EQ(load_error("[columns]\nimmutable = \"id\"\n").key, "columns.immutable");
  EXPECT_EQ(load_error("[columns]\nimmutable = [\"id\", 3]\n").key, "columns.immutable[2]");
  EXPECT_EQ(load_error("[policy]\nsearch_path = []\n").key, "policy.search_path");
  EXPECT_EQ(load_error("tables = 3\n").key, "tables");
}

TEST(LoadPolicy, ABadGlobIsAnErrorNotASilentNonMatch) {
  const auto e = load_error("[[tables]]\nname = \"ledger_[\"\n");
  EXPECT_EQ(e.key, "tables[1].name");
  EXPECT_EQ(e.line, 2);
}

TEST(LoadPolicy, ATableEntryNeedsAName) {
  const auto e = load_error("[[tables]]\nappend_only = true\n");
  EXPECT_EQ(e.key, "tables[1].name");
}

TEST(LoadPolicy, ASoftDeleteValueMustBeOneExpression) {
  const auto e = load_error("[[tables]]\nname = \"t\"\nsoft_delete = { column = \"s\", value = \"1; DROP TABLE t\" }\n");
  EXPECT_EQ(e.key, "tables[1].soft_delete.value");
}

TEST(LoadPolicy, TomlSyntaxErrorsCarryTheirPosition) {
  const auto e = load_error("[policy]\nname = \"unterminated\n");
  EXPECT_EQ(e.line, 2);
  EXPECT_FALSE(e.message.empty());
}

TEST(LoadPolicy, FilesAreFoundInTheDirectoryOrItsParents) {
  namespace fs = std::filesystem;
  const fs::path root = fs::temp_directory_path() / ("pgwarden-load-" + std::to_string(::getpid()));
  fs::remove_all(root);
  fs::create_directories(root / "a" / "b");
  std::ofstream(root / "pgwarden.toml") << "[policy]\nname = \"Found\"\n";
  const auto found = policy::find_policy_file(std::nullopt, root / "a" / "b");
  ASSERT_TRUE(found);
  EXPECT_EQ(fs::weakly_canonical(*found), fs::weakly_canonical(root / "pgwarden.toml"));
  const auto p = policy::resolve_policy(std::nullopt, root / "a" / "b");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->name, "Found");
  const auto missing = policy::resolve_policy(root / "nope.toml", root);
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().to_string().find("nope.toml"), std::string::npos);
  fs::remove_all(root);
}

TEST(LoadPolicy, AFileOverOneMebibyteIsRefused) {
  namespace fs = std::filesystem;
  const fs::path file = fs::temp_directory_path() / ("pgwarden-big-" + std::to_string(::getpid()) + ".toml");
  {
    std::ofstream out(file);
    out << "# " << std::string((1U << 20) + 10, 'x') << "\n";
  }
  const auto p = policy::load_policy_file(file);
  ASSERT_FALSE(p);
  EXPECT_NE(p.error().message.find("1 MiB"), std::string::npos);
  fs::remove(file);
}

TEST(Presets, EveryPresetLoadsAndSaysWhatItPromises) {
  ASSERT_EQ(policy::presets().size(), 4U);
  for (const auto& preset : policy::presets()) {
    const auto p = policy::parse_policy(preset.toml, std::string(preset.name) + ".toml");
    ASSERT_TRUE(p) << preset.name << ": " << p.error().to_string();
  }
  const auto strict = *policy::parse_policy(policy::find_preset("strict")->toml, "strict.toml");
  for (const auto a : sql::all_actions()) EXPECT_EQ(strict.decision(a), policy::default_decision(a)) << sql::to_string(a);

  const auto guarded = *policy::parse_policy(policy::find_preset("guarded")->toml, "guarded.toml");
  EXPECT_EQ(guarded.decision(Action::drop_table), Decision::approve);
  EXPECT_EQ(guarded.decision(Action::delete_all), Decision::deny);
  EXPECT_EQ(guarded.decision(Action::drop_database), Decision::deny);

  const auto ledger = *policy::parse_policy(policy::find_preset("immutable-ledger")->toml, "l.toml");
  EXPECT_EQ(ledger.decision(Action::delete_rows), Decision::deny);
  ASSERT_GE(ledger.tables.size(), 3U);
  EXPECT_TRUE(ledger.tables[0].append_only);
  EXPECT_FALSE(ledger.tables[0].hint.empty());

  const auto reference = *policy::parse_policy(policy::find_preset("reference-data")->toml, "r.toml");
  EXPECT_EQ(reference.decision(Action::write), Decision::deny);
  for (const auto& t : reference.tables) {
    EXPECT_EQ(t.actions[static_cast<std::size_t>(Action::write)], Decision::allow);
    EXPECT_TRUE(t.mutable_columns.has_value());
  }
  EXPECT_EQ(policy::find_preset("nope"), nullptr);
}

TEST(LoadPolicy, TheLintSectionLoads) {
  const auto p = policy::parse_policy(R"(
[lint]
pg_version = 12
assume_in_transaction = false
conventions = true
exclude = ["db/legacy/*"]
start_after = "20240101000000"

[lint.rules]
index-concurrently = "warn"
"lint.lock-timeout" = "allow"

[[lint.files]]
path = "db/migrate/*_concurrently.sql"
assume_in_transaction = false
rules = { idempotent-ddl = "deny" }
)",
                                      "pgwarden.toml");
  ASSERT_TRUE(p) << p.error().to_string();
  EXPECT_EQ(p->lint.pg_version, 12);
  EXPECT_FALSE(p->lint.assume_in_transaction);
  EXPECT_TRUE(p->lint.conventions);
  ASSERT_EQ(p->lint.rules.size(), 2U);
  EXPECT_EQ(p->lint.rules[0].rule, "lint.index-concurrently");
  EXPECT_EQ(p->lint.rules[0].level, Decision::warn);
  EXPECT_EQ(p->lint.rules[0].line, 10);
  EXPECT_EQ(p->lint.rules[1].rule, "lint.lock-timeout");
  ASSERT_EQ(p->lint.files.size(), 1U);
  EXPECT_TRUE(p->lint.files[0].path.matches("db/migrate/20240102_add_index_concurrently.sql"));
  EXPECT_EQ(p->lint.files[0].rules[0].level, Decision::deny);
  EXPECT_TRUE(p->lint.exclude[0].matches("db/legacy/001.sql"));
}

TEST(LoadPolicy, LintMistakesAreNamedWithTheirPlace) {
  const auto e = load_error("[lint]\npg_version = \"fifteen\"\n");
  EXPECT_EQ(e.line, 2);
  EXPECT_EQ(e.key, "lint.pg_version");
  const auto unknown = load_error("[lint]\nassume_transaction = true\n");
  EXPECT_EQ(unknown.key, "lint.assume_transaction");
  const auto level = load_error("[lint.rules]\nrename = \"block\"\n");
  EXPECT_EQ(level.line, 2);
  EXPECT_NE(level.message.find("not a decision"), std::string::npos);
}
