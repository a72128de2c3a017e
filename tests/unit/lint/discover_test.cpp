// Which migrations a tree holds, in which order, with which up and down SQL: one tree per
// layout, written to a temporary folder, read back the way `pgwarden lint <folder>` reads it.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "lint/discover.hpp"

namespace fs = std::filesystem;
using pgwarden::lint::discover;
using pgwarden::lint::Layout;
using pgwarden::lint::Migration;

namespace {

class Tree {
 public:
  Tree() : m_root(fs::temp_directory_path() / ("pgwarden-discover-" + std::to_string(::getpid()) + "-" +
                                               std::to_string(s_count++))) {
    fs::create_directories(m_root);
  }
  ~Tree() { fs::remove_all(m_root); }
  Tree(const Tree&) = delete;
  Tree& operator=(const Tree&) = delete;

  void write(const std::string& rel, const std::string& text) const {
    const fs::path p = m_root / rel;
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
  }
  [[nodiscard]] std::string path(const std::string& rel = "") const { return (m_root / rel).string(); }

  [[nodiscard]] std::vector<Migration> read(const std::vector<std::string>& rels = {""}) const {
    std::vector<std::string> inputs;
    for (const auto& r : rels) inputs.push_back(path(r));
    std::istringstream none;
    auto found = discover(inputs, none);
    EXPECT_TRUE(found) << (found ? "" : found.error().message);
    return found ? *found : std::vector<Migration>{};
  }

 private:
  static inline int s_count = 0;
  fs::path m_root;
};

std::string names(const std::vector<Migration>& ms) {
  std::string out;
  for (const auto& m : ms) out += (out.empty() ? "" : " ") + m.version + ":" + m.name + (m.up ? "+up" : "") +
                                  (m.down ? "+down" : "");
  return out;
}

}  // namespace

TEST(Discover, FlywayVersionsSortNumericallyAndUndoPairsWithItsVersion) {
  Tree t;
  t.write("db/V10__add_index.sql", "CREATE INDEX i ON t (a);");
  t.write("db/V2__create.sql", "CREATE TABLE t (a int);");
  t.write("db/U2__create.sql", "DROP TABLE t;");
  t.write("db/V2_1__seed.sql", "INSERT INTO t VALUES (1);");
  t.write("db/R__views.sql", "CREATE OR REPLACE VIEW v AS SELECT 1;");
  const auto ms = t.read();
  EXPECT_EQ(names(ms), "2:create+up+down 2.1:seed+up 10:add_index+up R:views+up");
  EXPECT_EQ(ms[0].layout, Layout::flyway);
  EXPECT_EQ(ms[0].down->text, "DROP TABLE t;");
}

TEST(Discover, GolangMigrateAndDieselPairUpWithDown) {
  Tree t;
  t.write("migrate/000002_add_email.up.sql", "ALTER TABLE users ADD COLUMN email text;");
  t.write("migrate/000002_add_email.down.sql", "ALTER TABLE users DROP COLUMN email;");
  t.write("migrate/000001_users.up.sql", "CREATE TABLE users (id bigint);");
  EXPECT_EQ(names(t.read({"migrate"})), "000001:users+up 000002:add_email+up+down");

  t.write("diesel/2024-01-02-000000_posts/up.sql", "CREATE TABLE posts (id bigint);");
  t.write("diesel/2024-01-02-000000_posts/down.sql", "DROP TABLE posts;");
  const auto ds = t.read({"diesel"});
  ASSERT_EQ(ds.size(), 1U);
  EXPECT_EQ(ds[0].name, "posts");
  EXPECT_EQ(ds[0].layout, Layout::up_down);
  EXPECT_EQ(ds[0].down->text, "DROP TABLE posts;");
}

TEST(Discover, PrismaMigrationsAreUpOnlyAndOrderedByTimestamp) {
  Tree t;
  t.write("prisma/migrations/20240202000000_orders/migration.sql", "CREATE TABLE orders (id int);");
  t.write("prisma/migrations/20240101000000_init/migration.sql", "CREATE TABLE users (id int);");
  const auto ms = t.read({"prisma/migrations"});
  EXPECT_EQ(names(ms), "20240101000000:init+up 20240202000000:orders+up");
  EXPECT_EQ(ms[0].layout, Layout::prisma);
}

TEST(Discover, DbmateSectionsKeepTheirLinesInTheFile) {
  Tree t;
  t.write("db/migrations/20240101_users.sql",
          "-- migrate:up\nCREATE TABLE users (id int);\n\n-- migrate:down\nDROP TABLE users;\n");
  const auto ms = t.read();
  ASSERT_EQ(ms.size(), 1U);
  EXPECT_EQ(ms[0].layout, Layout::dbmate);
  EXPECT_EQ(ms[0].up->text, "CREATE TABLE users (id int);\n\n");
  EXPECT_EQ(ms[0].up->line, 2);
  EXPECT_EQ(ms[0].down->text, "DROP TABLE users;\n");
  EXPECT_EQ(ms[0].down->line, 5);
}

TEST(Discover, AnAlembicOfflineDumpSplitsPerRevisionInItsOwnOrder) {
  Tree t;
  t.write("upgrade.sql",
          "BEGIN;\n\nCREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL);\n\n"
          "-- Running upgrade  -> f00d\n\nCREATE TABLE users (id int);\n\n"
          "-- Running upgrade f00d -> 1beef\n\nALTER TABLE users ADD COLUMN email text;\n\nCOMMIT;\n");
  const auto ms = t.read({"upgrade.sql"});
  ASSERT_EQ(ms.size(), 2U);
  EXPECT_EQ(ms[0].version, "f00d");
  EXPECT_EQ(ms[1].version, "1beef");
  EXPECT_EQ(ms[0].layout, Layout::alembic);
  EXPECT_NE(ms[1].up->text.find("ADD COLUMN email"), std::string::npos);
  EXPECT_EQ(ms[1].up->line, 10);  // the line after its marker
}

TEST(Discover, PlainFilesAndStandardInput) {
  Tree t;
  t.write("sql/002_b.sql", "SELECT 2;");
  t.write("sql/001_a.sql", "SELECT 1;");
  t.write("sql/notes.txt", "not SQL");
  t.write("sql/zz_cleanup.sql", "SELECT 3;");
  EXPECT_EQ(names(t.read({"sql"})), "001:a+up 002:b+up :zz_cleanup+up");

  std::istringstream in("DROP TABLE users;");
  auto ms = discover({"-"}, in);
  ASSERT_TRUE(ms);
  ASSERT_EQ(ms->size(), 1U);
  EXPECT_EQ((*ms)[0].up->file, "-");
  EXPECT_EQ((*ms)[0].up->text, "DROP TABLE users;");
}

TEST(Discover, GlobsMatchTheWholePath) {
  Tree t;
  t.write("m/001_a.up.sql", "SELECT 1;");
  t.write("m/001_a.down.sql", "SELECT 2;");
  const auto ms = t.read({"m/*.up.sql"});
  EXPECT_EQ(names(ms), "001:a+up");
}

TEST(Discover, InputsThatNameNothingAreErrors) {
  Tree t;
  std::istringstream none;
  auto missing = discover({t.path("nope")}, none);
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("no such file or folder"), std::string::npos);
  t.write("empty/readme.md", "#");
  auto empty = discover({t.path("empty")}, none);
  ASSERT_FALSE(empty);
  EXPECT_NE(empty.error().message.find("matches no .sql file"), std::string::npos);
  auto glob = discover({t.path("x/*.sql")}, none);
  ASSERT_FALSE(glob);
}

TEST(Discover, PrismaMigrationLockMustSayPostgresql) {
  Tree t;
  t.write("prisma/migrations/20240101000000_init/migration.sql", "CREATE TABLE users (id int);");
  t.write("prisma/migrations/migration_lock.toml", "# Please do not edit this file manually\nprovider = \"postgresql\"\n");
  EXPECT_EQ(t.read({"prisma/migrations"}).size(), 1U);
  t.write("prisma/migrations/migration_lock.toml", "provider = \"mysql\"\n");
  std::istringstream none;
  const auto found = discover({t.path("prisma/migrations")}, none);
  ASSERT_FALSE(found);
  EXPECT_NE(found.error().message.find("migration_lock.toml: provider = \"mysql\""), std::string::npos) << found.error().message;
}
