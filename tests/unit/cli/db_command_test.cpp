// `pgwarden db protect` as a user runs it: the built binary against a real PostgreSQL 15, its
// output, its exit codes (install 0, --check 0 in sync and 1 on any difference, 2 on a usage,
// policy or connection error), a connection from the PG* variables, and the database afterwards.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "shell.hpp"
#include "support/pg_cluster.hpp"

namespace fs = std::filesystem;
using pgwarden::test::PgCluster;
using pgwarden::test::shell;

namespace {

constexpr const char* k_policy = R"([policy]
name = "CLI Policy"

[actions]
delete = "approve"

[db]
roles = ["pgw_cli_app"]
)";

class DbCommand : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    m_cluster = PgCluster::shared(&why);
    if (m_cluster == nullptr) GTEST_SKIP() << "PostgreSQL 15 is not available: " << why;
    m_database =
        "dbp_cli_" +
        std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()).substr(0, 40);
    for (auto& c : m_database) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    m_cluster->create_database(m_database);
    m_cluster->execute(
        "DO $$ BEGIN CREATE ROLE pgw_cli_app LOGIN; EXCEPTION WHEN duplicate_object THEN END $$");
    m_cluster->execute(
        "CREATE TABLE orders (id int PRIMARY KEY); INSERT INTO orders VALUES (1), (2); "
        "GRANT SELECT, DELETE, TRUNCATE ON orders TO pgw_cli_app",
        m_database);
    m_dir = fs::temp_directory_path() /
            ("pgwarden-db-cli-" + std::to_string(::getpid()) + "-" + m_database);
    fs::create_directories(m_dir);
    write_policy(k_policy);
  }
  void TearDown() override {
    if (!m_dir.empty()) fs::remove_all(m_dir);
  }
  void write_policy(const std::string& text) const {
    std::ofstream(m_dir / "pgwarden.toml") << text;
  }
  std::string protect(const std::string& options) const {
    return "build/pgwarden db protect --policy '" + (m_dir / "pgwarden.toml").string() + "' " +
           options + " '" + m_cluster->conninfo(m_database) + "'";
  }
  std::string scalar(const std::string& sql) const { return m_cluster->scalar(sql, m_database); }

  PgCluster* m_cluster = nullptr;
  std::string m_database;
  fs::path m_dir;
};

}  // namespace

TEST_F(DbCommand, ItInstallsOnceThenHasNothingToDoAndCheckAgrees) {
  auto r = shell(protect(""));
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("\n  missing    guard pgwarden_delete_"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\n  privilege  revoke TRUNCATE on public.orders from pgw_cli_app\n"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("changes made and recorded in the log"), std::string::npos) << r.out;
  EXPECT_EQ(
      scalar(
          "SELECT count(*) FROM pg_trigger WHERE tgrelid = 'orders'::regclass AND tgenabled = 'A'"),
      "2");
  EXPECT_EQ(scalar("SELECT has_table_privilege('pgw_cli_app', 'orders', 'DELETE')"), "f");

  r = shell(protect(""));
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(
      r.out.find("nothing to change: the database already holds every guard the policy asks for"),
      std::string::npos)
      << r.out;
  r = shell(protect("--check"));
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("in sync"), std::string::npos) << r.out;
  // The same policy read from another path is the same policy.
  fs::copy_file(m_dir / "pgwarden.toml", m_dir / "deployed.toml");
  r = shell("build/pgwarden db protect --check --policy '" + (m_dir / "deployed.toml").string() + "' '" +
            m_cluster->conninfo(m_database) + "'");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(scalar("SELECT count(*) FROM pgwarden.log"), "1");
}

TEST_F(DbCommand, CheckExitsOneOnEveryDifferenceAndSaysWhichInTextAndJson) {
  ASSERT_EQ(shell(protect("")).exit_code, 0);
  m_cluster->execute(
      "ALTER EVENT TRIGGER pgwarden_sql_drop DISABLE; GRANT DELETE ON orders TO PUBLIC",
      m_database);
  auto r = shell(protect("--check"));
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("  disabled   event trigger pgwarden_sql_drop is disabled\n"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find(
                "  warning: role pgw_cli_app still holds DELETE on public.orders through PUBLIC\n"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("2 differences between the policy and the database"), std::string::npos)
      << r.out;
  r = shell(protect("--check --format json"));
  EXPECT_EQ(r.exit_code, 1);
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["mode"], "check");
  EXPECT_EQ(j["differences"], 2);
  EXPECT_EQ(j["changes"][0]["kind"], "disabled");
  EXPECT_EQ(j["changes"][0]["sql"], "ALTER EVENT TRIGGER \"pgwarden_sql_drop\" ENABLE ALWAYS;");
  EXPECT_EQ(j["applied"], false);
  EXPECT_EQ(scalar("SELECT evtenabled FROM pg_event_trigger WHERE evtname = 'pgwarden_sql_drop'"),
            "D");
}

TEST_F(DbCommand, ADryRunPrintsTheSqlAndChangesNothing) {
  const auto r = shell(protect("--dry-run"));
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(r.out.rfind("-- pgwarden db protect --dry-run: host 127.0.0.1", 0), 0U) << r.out;
  EXPECT_NE(r.out.find("\nBEGIN;\n"), std::string::npos);
  EXPECT_NE(r.out.find("CREATE TRIGGER \"pgwarden_truncate_"), std::string::npos);
  EXPECT_NE(r.out.find("REVOKE DELETE ON TABLE \"public\".\"orders\" FROM \"pgw_cli_app\";"),
            std::string::npos);
  EXPECT_EQ(scalar("SELECT count(*) FROM pg_namespace WHERE nspname = 'pgwarden'"), "0");
  EXPECT_EQ(scalar("SELECT has_table_privilege('pgw_cli_app', 'orders', 'DELETE')"), "t");
}

TEST_F(DbCommand, WithoutAConnectionStringItReadsThePgVariablesAsPsqlDoes) {
  const auto r = shell("PGHOST=127.0.0.1 PGPORT=" + std::to_string(m_cluster->port()) +
                       " PGUSER=postgres PGDATABASE=" + m_database +
                       " build/pgwarden db protect --check --policy '" +
                       (m_dir / "pgwarden.toml").string() + "'");
  EXPECT_EQ(r.exit_code, 1) << r.out;  // nothing installed yet
  EXPECT_NE(r.out.find("host 127.0.0.1, port " + std::to_string(m_cluster->port()) + ", database " +
                       m_database + ", user postgres"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("missing    guard pgwarden_delete_"), std::string::npos) << r.out;
}

TEST_F(DbCommand, ErrorsExitTwoAndNameWhatFailed) {
  write_policy("[db]\nscheme = \"guards\"\n");
  auto r = shell(protect("--check"));
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find("pgwarden.toml:2:1: key 'db.scheme': unknown key"), std::string::npos)
      << r.out;
  write_policy(k_policy);

  const int port = pgwarden::test::free_port();
  r = shell("build/pgwarden db protect --check --policy '" + (m_dir / "pgwarden.toml").string() +
            "' 'host=127.0.0.1 port=" + std::to_string(port) +
            " dbname=shop user=deploy connect_timeout=5'");
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find("pgwarden: error: cannot connect to PostgreSQL (host 127.0.0.1, port " +
                       std::to_string(port) + ", database shop, user deploy): "),
            std::string::npos)
      << r.out;

  EXPECT_EQ(shell(protect("--check --dry-run")).exit_code, 2);
  EXPECT_EQ(shell(protect("--format yaml")).exit_code, 2);
  EXPECT_EQ(shell("build/pgwarden db").exit_code, 2);
  EXPECT_EQ(scalar("SELECT count(*) FROM pg_namespace WHERE nspname = 'pgwarden'"), "0");
}

TEST(PolicyShowDb, PrintsTheDbSection) {
  auto r = shell("build/pgwarden policy show --policy examples/pgwarden.toml");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("\ndb (pgwarden db protect):\n  schema:       pgwarden\n"),
            std::string::npos)
      << r.out;
  r = shell("build/pgwarden policy show --format json --policy examples/pgwarden.toml");
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["db"]["service_role"], "pgwarden_service");
  EXPECT_TRUE(j["db"]["roles"].empty());
}
