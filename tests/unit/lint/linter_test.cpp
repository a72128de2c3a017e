// What `pgwarden lint` reports for migrations, judged the way a reviewer would: which rule fires
// on which line, what the recipe says, what an approval covers, what crosses files.
#include <gtest/gtest.h>

#include <algorithm>

#include "lint/linter.hpp"
#include "policy/load.hpp"

using pgwarden::lint::Finding;
using pgwarden::lint::Layout;
using pgwarden::lint::Linter;
using pgwarden::lint::LintOptions;
using pgwarden::lint::Migration;
using pgwarden::lint::Report;
using pgwarden::lint::Severity;

namespace {

std::vector<Migration> files(const std::vector<std::pair<std::string, std::string>>& named) {
  return pgwarden::lint::assemble(named);
}

Report lint(const std::vector<Migration>& migrations, const std::string& toml = "", LintOptions options = {}) {
  auto policy = toml.empty() ? pgwarden::Expected<pgwarden::policy::Policy>(pgwarden::policy::Policy::defaults())
                             : pgwarden::policy::parse_policy(toml, "pgwarden.toml");
  EXPECT_TRUE(policy) << (policy ? "" : policy.error().to_string());
  auto linter = Linter::create(std::make_shared<const pgwarden::policy::Policy>(*policy));
  EXPECT_TRUE(linter) << (linter ? "" : linter.error().to_string());
  return linter->run(migrations, options);
}

Report lint_sql(const std::string& sql, const std::string& toml = "") { return lint(files({{"m/001_m.sql", sql}}), toml); }

std::vector<const Finding*> with_rule(const Report& r, const std::string& rule) {
  std::vector<const Finding*> out;
  for (const auto& f : r.findings) {
    if (f.rule == rule) out.push_back(&f);
  }
  return out;
}

std::string rules(const Report& r) {
  std::string out;
  for (const auto& f : r.findings) out += (out.empty() ? "" : " ") + f.rule + "@" + std::to_string(f.line);
  return out;
}

}  // namespace

TEST(Linter, IndexWithoutConcurrentlyOnAnExistingTableGetsTheConcurrentStatementAsItsFix) {
  const auto r = lint_sql("SET lock_timeout = '2s';\nSET statement_timeout = '1min';\nCREATE INDEX users_email_idx ON users (email);\n");
  const auto found = with_rule(r, "lint.index-concurrently");
  ASSERT_EQ(found.size(), 1U) << rules(r);
  EXPECT_EQ(found[0]->line, 3);
  EXPECT_EQ(found[0]->severity, Severity::error);
  EXPECT_NE(found[0]->hint.find("CREATE INDEX CONCURRENTLY IF NOT EXISTS users_email_idx ON users (email);"), std::string::npos)
      << found[0]->hint;
  EXPECT_EQ(r.errors(), 1U) << rules(r);
}

TEST(Linter, TablesCreatedInTheSameMigrationAreExemptFromLockRules) {
  const auto r = lint_sql(
      "CREATE TABLE accounts (id bigint PRIMARY KEY, email text);\n"
      "CREATE INDEX accounts_email_idx ON accounts (email);\n"
      "ALTER TABLE accounts ADD COLUMN created_at timestamptz NOT NULL;\n"
      "ALTER TABLE accounts ALTER COLUMN email SET NOT NULL;\n");
  EXPECT_EQ(r.findings.size(), 0U) << rules(r);
}

TEST(Linter, ATableCreatedInAnEarlierMigrationIsExisting) {
  const auto r = lint(files({{"m/001_create.sql", "CREATE TABLE accounts (id bigint PRIMARY KEY, email text);"},
                             {"m/002_index.sql", "SET lock_timeout = '1s'; SET statement_timeout = '1min';\n"
                                                 "CREATE INDEX accounts_email_idx ON accounts (email);"}}));
  EXPECT_EQ(with_rule(r, "lint.index-concurrently").size(), 1U) << rules(r);
}

TEST(Linter, ConcurrentlyAloneRunsOutsideTheTransactionButNotBesideOtherStatements) {
  EXPECT_TRUE(with_rule(lint_sql("CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON t (a);"), "lint.concurrently-in-transaction").empty());
  const auto r = lint_sql("CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON t (a);\nSELECT 1;");
  ASSERT_EQ(with_rule(r, "lint.concurrently-in-transaction").size(), 1U) << rules(r);
  EXPECT_EQ(with_rule(r, "lint.concurrently-in-transaction")[0]->decision, pgwarden::policy::Decision::deny);
  // The file directive takes it out of the tool's transaction.
  const auto opted = lint_sql("-- pgwarden:no-transaction\nCREATE INDEX CONCURRENTLY IF NOT EXISTS i ON t (a);\nSELECT 1;");
  EXPECT_TRUE(with_rule(opted, "lint.concurrently-in-transaction").empty()) << rules(opted);
}

TEST(Linter, ForeignKeyWithoutNotValidAndValidateInTheSameTransaction) {
  const auto r = lint_sql(
      "SET lock_timeout = '1s'; SET statement_timeout = '1min';\n"
      "ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id);\n"
      "ALTER TABLE orders ADD CONSTRAINT orders_total_check CHECK (total >= 0) NOT VALID;\n"
      "ALTER TABLE orders VALIDATE CONSTRAINT orders_total_check;\n");
  const auto fk = with_rule(r, "lint.constraint-not-valid");
  ASSERT_EQ(fk.size(), 1U) << rules(r);
  EXPECT_EQ(fk[0]->line, 2);
  EXPECT_NE(fk[0]->hint.find("NOT VALID;"), std::string::npos) << fk[0]->hint;
  EXPECT_NE(fk[0]->hint.find("VALIDATE CONSTRAINT orders_user_fk"), std::string::npos) << fk[0]->hint;
  ASSERT_EQ(with_rule(r, "lint.validate-same-transaction").size(), 1U) << rules(r);
  EXPECT_EQ(with_rule(r, "lint.validate-same-transaction")[0]->line, 4);
  EXPECT_EQ(with_rule(r, "lint.fk-missing-index").size(), 1U) << rules(r);
}

TEST(Linter, SetNotNullIsSilentOnceAValidatedCheckFromAnEarlierFileProvesIt) {
  const std::string header = "SET lock_timeout = '1s'; SET statement_timeout = '1min';\n";
  const auto r = lint(files({
      {"m/001_check.sql", header + "ALTER TABLE users ADD CONSTRAINT users_email_nn CHECK (email IS NOT NULL) NOT VALID;"},
      {"m/002_validate.sql", header + "ALTER TABLE users VALIDATE CONSTRAINT users_email_nn;"},
      {"m/003_not_null.sql", header + "ALTER TABLE users ALTER COLUMN email SET NOT NULL;\n"
                                      "ALTER TABLE users ALTER COLUMN name SET NOT NULL;"},
  }));
  const auto found = with_rule(r, "lint.set-not-null");
  ASSERT_EQ(found.size(), 1U) << rules(r);
  EXPECT_EQ(found[0]->file, "m/003_not_null.sql");
  EXPECT_EQ(found[0]->line, 3);  // `name`, which nothing proves
  EXPECT_NE(found[0]->hint.find("CHECK (name IS NOT NULL) NOT VALID"), std::string::npos) << found[0]->hint;
}

TEST(Linter, VolatileDefaultRequiredColumnAndRewriteColumn) {
  const auto r = lint_sql(
      "SET lock_timeout = '1s'; SET statement_timeout = '1min';\n"
      "ALTER TABLE users ADD COLUMN token uuid DEFAULT gen_random_uuid();\n"
      "ALTER TABLE users ADD COLUMN plan text NOT NULL;\n"
      "ALTER TABLE users ADD COLUMN seq bigserial;\n"
      "ALTER TABLE users ADD COLUMN status text NOT NULL DEFAULT 'active';\n"
      "ALTER TABLE users ADD COLUMN seen_at timestamptz DEFAULT now();\n");
  EXPECT_EQ(rules(r), "lint.volatile-default@2 lint.add-required-column@3 lint.rewrite-column@4");
  EXPECT_NE(with_rule(r, "lint.volatile-default")[0]->hint.find("SET DEFAULT gen_random_uuid()"), std::string::npos);
}

TEST(Linter, ConstantDefaultRewritesBeforePostgres11) {
  const auto r = lint_sql("SET lock_timeout = '1s'; SET statement_timeout = '1min';\n"
                          "ALTER TABLE users ADD COLUMN status text DEFAULT 'active';\n",
                          "[lint]\npg_version = 10\n");
  EXPECT_EQ(with_rule(r, "lint.volatile-default").size(), 1U) << rules(r);
}

TEST(Linter, AlterColumnTypeKnowsTheBinaryCoercibleChanges) {
  const std::string create = "CREATE TABLE items (id bigint PRIMARY KEY, name varchar(20), price numeric(8,2), n int);";
  const std::string header = "SET lock_timeout = '1s'; SET statement_timeout = '1min';\n";
  const auto r = lint(files({{"m/001.sql", create},
                             {"m/002.sql", header + "ALTER TABLE items ALTER COLUMN name TYPE varchar(50);\n"
                                                    "ALTER TABLE items ALTER COLUMN price TYPE numeric(12,2);\n"
                                                    "ALTER TABLE items ALTER COLUMN n TYPE bigint;\n"}}),
                      "[actions]\nalter_column_type = \"allow\"\n");
  const auto found = with_rule(r, "lint.alter-column-type");
  ASSERT_EQ(found.size(), 1U) << rules(r);
  EXPECT_EQ(found[0]->line, 4);
}

TEST(Linter, PolicyFindingsAreTheEnginesAndApprovalsNeedAReason) {
  const auto r = lint_sql(
      "-- pgwarden:approve delete reason: GDPR erasure request #4411\n"
      "DELETE FROM users WHERE id = 42;\n"
      "-- pgwarden:approve delete\n"
      "DELETE FROM users WHERE id = 43;\n"
      "-- pgwarden:approve drop_table reason: cleanup\n"
      "DROP TABLE users;\n"
      "-- pgwarden:approve dleete reason: typo\n"
      "SELECT 1;\n");
  const auto deletes = with_rule(r, "delete");
  ASSERT_EQ(deletes.size(), 2U) << rules(r);
  EXPECT_TRUE(deletes[0]->approved);
  EXPECT_EQ(deletes[0]->approval_reason, "GDPR erasure request #4411");
  EXPECT_FALSE(deletes[1]->approved);
  const auto approvals = with_rule(r, "lint.approval");
  ASSERT_EQ(approvals.size(), 3U) << rules(r);
  EXPECT_EQ(approvals[0]->line, 3);  // no reason
  EXPECT_EQ(approvals[1]->line, 5);  // drop_table is denied: nothing approves it
  EXPECT_EQ(approvals[2]->line, 7);  // unknown action
  EXPECT_FALSE(with_rule(r, "drop_table")[0]->approved);
}

TEST(Linter, AnApprovalThatMatchesNothingIsAWarning) {
  const auto r = lint_sql("-- pgwarden:approve delete reason: leftover\nSELECT 1;\n");
  ASSERT_EQ(with_rule(r, "lint.approval").size(), 1U) << rules(r);
  EXPECT_EQ(with_rule(r, "lint.approval")[0]->severity, Severity::warning);
  EXPECT_EQ(r.errors(), 0U);
}

TEST(Linter, LintRulesAreApprovedByTheirId) {
  const auto r = lint_sql(
      "SET lock_timeout = '1s'; SET statement_timeout = '1min';\n"
      "-- pgwarden:approve lint.index-concurrently reason: 200 rows, lookup table\n"
      "CREATE INDEX countries_name_idx ON countries (name);\n");
  ASSERT_EQ(with_rule(r, "lint.index-concurrently").size(), 1U) << rules(r);
  EXPECT_TRUE(with_rule(r, "lint.index-concurrently")[0]->approved);
  EXPECT_EQ(r.errors(), 0U) << rules(r);
}

TEST(Linter, TimeoutsAreWarningsAndSetLocalCounts) {
  const auto r = lint_sql("ALTER TABLE authors ADD COLUMN email text;\n");
  EXPECT_EQ(rules(r), "lint.lock-timeout@1 lint.statement-timeout@1");
  EXPECT_EQ(r.errors(), 0U);
  EXPECT_EQ(r.warnings(), 2U);
  EXPECT_TRUE(lint_sql("SET LOCAL lock_timeout = '2s'; SET LOCAL statement_timeout = 0;\n"
                       "ALTER TABLE authors ADD COLUMN email text;\n")
                  .findings.size() == 1U);  // statement_timeout = 0 is no timeout
}

TEST(Linter, TransactionNestingInsideTheToolsTransaction) {
  const auto r = lint_sql("BEGIN;\nALTER TABLE t ADD COLUMN c int;\nCOMMIT;\n", "[lint.rules]\nlock-timeout = \"allow\"\nstatement-timeout = \"allow\"\n");
  EXPECT_EQ(rules(r), "lint.transaction-nesting@1");
  const auto own = lint_sql("BEGIN;\nALTER TABLE t ADD COLUMN c int;\nCOMMIT;\n",
                            "[lint]\nassume_in_transaction = false\n[lint.rules]\nlock-timeout = \"allow\"\nstatement-timeout = \"allow\"\n");
  EXPECT_EQ(rules(own), "");
}

TEST(Linter, IdempotentDdlOutsideATransaction) {
  const auto r = lint_sql("DROP INDEX CONCURRENTLY users_email_idx;\n");
  EXPECT_EQ(rules(r), "lint.idempotent-ddl@1");
  EXPECT_EQ(rules(lint_sql("DROP INDEX CONCURRENTLY IF EXISTS users_email_idx;\n")), "");
}

TEST(Linter, ConventionsAreOffUntilThePolicyTurnsThemOn) {
  const std::string sql = "CREATE TABLE events (id serial PRIMARY KEY, at timestamp, owner_id bigint REFERENCES owners ON DELETE CASCADE);\n";
  EXPECT_EQ(lint_sql(sql).findings.size(), 1U) << rules(lint_sql(sql));  // only fk-missing-index
  const auto r = lint_sql(sql, "[lint]\nconventions = true\n");
  for (const char* rule : {"lint.timestamptz", "lint.timestamps", "lint.primary-key-type", "lint.on-delete-cascade"}) {
    EXPECT_EQ(with_rule(r, rule).size(), 1U) << rule << ": " << rules(r);
  }
}

TEST(Linter, UnknownRuleInThePolicyIsAnErrorNamingLineAndKey) {
  auto policy = pgwarden::policy::parse_policy("[lint.rules]\nindex-concurrent = \"warn\"\n", "pgwarden.toml");
  ASSERT_TRUE(policy);
  auto linter = Linter::create(std::make_shared<const pgwarden::policy::Policy>(*policy));
  ASSERT_FALSE(linter);
  EXPECT_EQ(linter.error().line, 2);
  EXPECT_EQ(linter.error().key, "lint.rules.lint.index-concurrent");
}

TEST(Linter, EveryUpHasADownWhereTheLayoutHasThem) {
  const auto r = lint(files({{"m/1_a.up.sql", "SELECT 1;"}, {"m/1_a.down.sql", "SELECT 1;"}, {"m/2_b.up.sql", "SELECT 2;"}}));
  ASSERT_EQ(with_rule(r, "lint.reversible").size(), 1U) << rules(r);
  EXPECT_EQ(with_rule(r, "lint.reversible")[0]->file, "m/2_b.up.sql");
}

TEST(Linter, CheckDownExpectsTheDownToDropWhatItsUpCreated) {
  auto ms = files({{"m/1_a.up.sql", "CREATE TABLE widgets (id bigint PRIMARY KEY);"},
                   {"m/1_a.down.sql", "DROP TABLE widgets;"},
                   {"m/2_b.up.sql", "SELECT 1;"},
                   {"m/2_b.down.sql", "DROP TABLE users;"}});
  LintOptions options;
  options.check_down = true;
  const auto r = lint(ms, "", options);
  const auto drops = with_rule(r, "drop_table");
  ASSERT_EQ(drops.size(), 1U) << rules(r);
  EXPECT_EQ(drops[0]->file, "m/2_b.down.sql");
}

TEST(Linter, ChangedSinceReportsOnlyTheChangedFilesButLearnsFromAll) {
  auto ms = files({{"m/001_create.sql", "CREATE TABLE t (id bigint PRIMARY KEY, a text); DROP TABLE x;"},
                   {"m/002_index.sql", "SET lock_timeout = '1s'; SET statement_timeout = '1min'; CREATE INDEX i ON t (a);"}});
  LintOptions options;
  options.restrict_report = true;
  options.report_only = {"m/002_index.sql"};
  const auto r = lint(ms, "", options);
  EXPECT_EQ(rules(r), "lint.index-concurrently@1");
}

TEST(Linter, RecipesAreValidSqlForUnnamedAndColumnConstraints) {
  const std::string header = "SET lock_timeout = '1s'; SET statement_timeout = '1min';\n";
  auto r = lint_sql(header + "ALTER TABLE orders ADD COLUMN customer_id bigint REFERENCES customers (id);\n");
  auto fk = with_rule(r, "lint.constraint-not-valid");
  ASSERT_EQ(fk.size(), 1U) << rules(r);
  EXPECT_NE(fk[0]->hint.find("ALTER TABLE orders ADD CONSTRAINT orders_customer_id_fkey FOREIGN KEY (customer_id) "
                             "REFERENCES customers (id) NOT VALID;"),
            std::string::npos)
      << fk[0]->hint;
  r = lint_sql(header + "ALTER TABLE orders ADD CHECK (amount > 0);\n");
  fk = with_rule(r, "lint.constraint-not-valid");
  ASSERT_EQ(fk.size(), 1U) << rules(r);
  EXPECT_NE(fk[0]->hint.find("ALTER TABLE orders ADD CONSTRAINT orders_check CHECK (amount > 0) NOT VALID;"), std::string::npos)
      << fk[0]->hint;
  r = lint_sql(header + "CREATE UNIQUE INDEX ON orders (code);\n");
  ASSERT_EQ(with_rule(r, "lint.index-concurrently").size(), 1U);
  EXPECT_NE(with_rule(r, "lint.index-concurrently")[0]->hint.find("CREATE UNIQUE INDEX CONCURRENTLY ON orders (code);"),
            std::string::npos);
  r = lint_sql(header + "REINDEX SCHEMA public;\nREINDEX SYSTEM app;\n");
  ASSERT_EQ(with_rule(r, "lint.reindex-concurrently").size(), 1U) << rules(r);
  EXPECT_NE(with_rule(r, "lint.reindex-concurrently")[0]->hint.find("REINDEX SCHEMA CONCURRENTLY public;"), std::string::npos);
}

TEST(Linter, SetLocalEndsWithTheTransactionAndRenamedNewTablesStayNew) {
  const auto r = lint_sql("SET LOCAL lock_timeout = '1s';\nSET statement_timeout = '1min';\nCOMMIT;\n"
                          "ALTER TABLE t ADD COLUMN c int;\n",
                          "[lint.rules]\ntransaction-nesting = \"allow\"\n");
  EXPECT_EQ(rules(r), "lint.lock-timeout@4 lint.idempotent-ddl@4");  // after COMMIT it runs outside a transaction
  const auto renamed = lint_sql("CREATE TABLE draft (id bigint PRIMARY KEY, a text);\nALTER TABLE draft RENAME TO final;\n"
                                "CREATE INDEX final_a_idx ON final (a);\n");
  EXPECT_TRUE(with_rule(renamed, "lint.index-concurrently").empty()) << rules(renamed);
}

TEST(Linter, ADroppedCheckNoLongerProvesNotNull) {
  const std::string header = "SET lock_timeout = '1s'; SET statement_timeout = '1min';\n";
  const auto r = lint(files({
      {"m/001.sql", header + "ALTER TABLE users ADD CONSTRAINT users_email_nn CHECK (email IS NOT NULL);"},
      {"m/002.sql", header + "ALTER TABLE users DROP CONSTRAINT users_email_nn;\nALTER TABLE users ALTER COLUMN email SET NOT NULL;"},
  }));
  EXPECT_EQ(with_rule(r, "lint.set-not-null").size(), 1U) << rules(r);
}

TEST(Linter, FkMissingIndexAndReversibleAreApprovable) {
  const auto r = lint(files({{"m/1_a.up.sql", "-- pgwarden:approve lint.reversible reason: data-only, restored from backup\n"
                                              "CREATE TABLE kids (id bigint PRIMARY KEY, parent_id bigint);\n"
                                              "-- pgwarden:approve lint.fk-missing-index reason: 12 parents, never deleted\n"
                                              "ALTER TABLE kids ADD CONSTRAINT kids_parent_fk FOREIGN KEY (parent_id) REFERENCES parents (id);\n"},
                             {"m/2_b.up.sql", "SELECT 1;"},
                             {"m/2_b.down.sql", "SELECT 1;"}}));
  ASSERT_EQ(with_rule(r, "lint.fk-missing-index").size(), 1U) << rules(r);
  EXPECT_TRUE(with_rule(r, "lint.fk-missing-index")[0]->approved);
  ASSERT_EQ(with_rule(r, "lint.reversible").size(), 1U) << rules(r);
  EXPECT_TRUE(with_rule(r, "lint.reversible")[0]->approved);
  EXPECT_TRUE(with_rule(r, "lint.approval").empty()) << rules(r);
}
