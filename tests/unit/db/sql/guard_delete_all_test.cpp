// The delete_all guard (src/db/sql/guard_delete_all.sql), for a table whose policy allows
// deleting some rows but refuses deleting every row. The database never sees a WHERE clause, so
// the guard judges the effect: a statement that deleted rows of the table and left it without any
// is refused, whatever its WHERE (and wherever it came from: the table, a partition of it, its
// partitioned parent, a cascade). Rows are checked on the server after.
#include <gtest/gtest.h>

#include "support/db_fixture.hpp"

namespace pgwarden::test {
namespace {

constexpr const char* k_policy = R"(
[policy]
name = "Queue Policy"

[[tables]]
name = "queue*"
actions = { delete = "allow", update_immutable = "allow" }

[[tables]]
name = "free_*"
actions = { truncate = "allow", delete = "allow", delete_all = "allow", drop_table = "allow", update_immutable = "allow" }
)";

constexpr const char* k_schema = R"(
CREATE TABLE free_users (id int PRIMARY KEY);
INSERT INTO free_users VALUES (1), (2);
CREATE TABLE queue (id int PRIMARY KEY, owner int REFERENCES free_users ON DELETE CASCADE);
INSERT INTO queue VALUES (1, 1), (2, 1), (3, 2);
CREATE TABLE queue_empty (id int);
CREATE TABLE free_jobs (id int, region text) PARTITION BY LIST (region);
CREATE TABLE queue_eu PARTITION OF free_jobs FOR VALUES IN ('eu');
CREATE TABLE free_jobs_us PARTITION OF free_jobs FOR VALUES IN ('us');
INSERT INTO free_jobs VALUES (1, 'eu'), (2, 'eu'), (3, 'us');
)";

class GuardDeleteAll : public DbFixture {
 protected:
  void SetUp() override {
    DbFixture::SetUp();
    if (IsSkipped()) return;
    prepare(k_schema, k_policy);
    if (HasFatalFailure()) return;
    ASSERT_TRUE(protect().applied);
  }
  std::string queue() const {
    return scalar("SELECT string_agg(id::text, ',' ORDER BY id) FROM queue");
  }
};

TEST_F(GuardDeleteAll, SomeRowsGoButAStatementThatEmptiesTheTableIsRefused) {
  EXPECT_TRUE(as_app("DELETE FROM queue WHERE id = 1").ok);
  const SqlResult r = as_app("DELETE FROM queue");
  EXPECT_TRUE(refused(r, "delete_all"));
  EXPECT_EQ(r.message,
            "pgwarden: delete_all: DELETE without a WHERE that filters would delete every row of "
            "table public.queue");
  EXPECT_NE(r.detail.find("the built-in default delete_all = \"deny\""), std::string::npos)
      << r.detail;
  // The database sees effects, not WHERE clauses: emptying the table with a filter is the same.
  EXPECT_TRUE(refused(as_app("DELETE FROM queue WHERE id > 0"), "delete_all"));
  EXPECT_TRUE(refused(as_app("WITH x AS (DELETE FROM queue RETURNING 1) SELECT count(*) FROM x"),
                      "delete_all"));
  EXPECT_EQ(queue(), "2,3");
  // ...and so is deleting the last row, one statement at a time.
  EXPECT_TRUE(as_app("DELETE FROM queue WHERE id = 2").ok);
  EXPECT_TRUE(refused(as_app("DELETE FROM queue WHERE id = 3"), "delete_all"));
  EXPECT_EQ(queue(), "3");
}

TEST_F(GuardDeleteAll, ADeleteThatFindsNothingOnAnEmptyTableRuns) {
  EXPECT_TRUE(as_app("DELETE FROM queue_empty").ok);
  EXPECT_TRUE(as_app("DELETE FROM queue WHERE id = 42").ok);
  EXPECT_EQ(queue(), "1,2,3");
}

TEST_F(GuardDeleteAll, ACascadeThatEmptiesTheTableIsRefused) {
  EXPECT_TRUE(as_app("DELETE FROM free_users WHERE id = 2").ok);  // takes queue row 3 with it
  EXPECT_TRUE(refused(as_app("DELETE FROM free_users"), "delete_all"));
  EXPECT_EQ(queue(), "1,2");
  EXPECT_EQ(scalar("SELECT count(*) FROM free_users"), "1");
}

TEST_F(GuardDeleteAll, APartitionedParentThatEmptiesAGuardedPartitionIsRefused) {
  EXPECT_TRUE(as_app("DELETE FROM free_jobs WHERE region = 'us'").ok);
  EXPECT_TRUE(as_app("DELETE FROM free_jobs WHERE id = 1").ok);  // one of queue_eu's two rows
  EXPECT_TRUE(refused(as_app("DELETE FROM free_jobs"), "delete_all"));
  EXPECT_TRUE(refused(as_app("DELETE FROM queue_eu"), "delete_all"));
  EXPECT_EQ(scalar("SELECT string_agg(id || region, ',') FROM free_jobs"), "2eu");
}

TEST_F(GuardDeleteAll, ReplicaModeDoesNotSkipIt) {
  EXPECT_TRUE(
      refused(run("SET session_replication_role = replica; DELETE FROM queue"), "delete_all"));
  EXPECT_EQ(queue(), "1,2,3");
}

TEST_F(GuardDeleteAll, AnApprovedDeleteAllRunsUnderAGrant) {
  set_policy(std::string(k_policy) + "\n[actions]\ndelete_all = \"approve\"\n");
  protect();
  EXPECT_TRUE(refused(as_app("DELETE FROM queue"), "delete_all"));
  EXPECT_TRUE(run("BEGIN; INSERT INTO pgwarden.grants (txid, relid, operation, expires_at) VALUES "
                  "(txid_current(), 'queue'::regclass, 'delete_all', now() + interval '1 minute'); "
                  "SET LOCAL ROLE pgw_app; DELETE FROM queue; COMMIT")
                  .ok);
  EXPECT_EQ(scalar("SELECT count(*) FROM queue"), "0");
}

}  // namespace
}  // namespace pgwarden::test
