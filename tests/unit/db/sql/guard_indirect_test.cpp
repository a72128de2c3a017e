// The guards of src/db/sql/guard.sql on the paths that reach a guarded table's rows without
// naming it in any statement: a foreign-key cascade (and SET NULL on an immutable column), a
// DELETE on an inheritance parent or a partitioned parent, an updatable view, a rule, an
// INSTEAD OF trigger, a trigger written in C (refint's check_foreign_key), a postgres_fdw
// foreign table pointing back at the same database; and the partitions of a guarded partitioned
// table. Tables named free_* are allowed everything by the policy and have no guard of their
// own: whatever refuses, refuses for the guarded table. Rows are checked on the server after.
#include <gtest/gtest.h>

#include "support/db_fixture.hpp"

namespace pgwarden::test {
namespace {

constexpr const char* k_policy = R"(
[policy]
name = "Indirect Paths Policy"

[actions]
delete = "approve"

[columns]
immutable = ["id"]

[[tables]]
name = "payments"
immutable = ["customer"]

[[tables]]
name = "free_*"
actions = { truncate = "allow", delete = "allow", delete_all = "allow", drop_table = "allow", update_immutable = "allow" }
)";

constexpr const char* k_schema = R"(
CREATE TABLE free_customers (id int PRIMARY KEY);
INSERT INTO free_customers VALUES (1), (2), (3);
CREATE TABLE orders (id int PRIMARY KEY, customer int REFERENCES free_customers ON DELETE CASCADE);
INSERT INTO orders VALUES (10, 1), (11, 1), (12, 2);
CREATE TABLE payments (id int PRIMARY KEY, customer int REFERENCES free_customers ON DELETE SET NULL);
INSERT INTO payments VALUES (20, 3);

CREATE TABLE free_events (id int, what text);
CREATE TABLE audit_events () INHERITS (free_events);
INSERT INTO audit_events VALUES (1, 'login'), (2, 'logout');

CREATE TABLE free_measures (id int, at int) PARTITION BY RANGE (at);
CREATE TABLE measures_2024 PARTITION OF free_measures FOR VALUES FROM (0) TO (100);
CREATE TABLE free_measures_rest PARTITION OF free_measures FOR VALUES FROM (100) TO (200);
INSERT INTO free_measures VALUES (1, 5), (2, 150);

CREATE TABLE sales (id int, region int) PARTITION BY LIST (region);
CREATE TABLE free_sales_1 PARTITION OF sales FOR VALUES IN (1);
CREATE TABLE free_sales_2 PARTITION OF sales FOR VALUES IN (2);
INSERT INTO sales VALUES (1, 1), (2, 1), (3, 2);

CREATE VIEW free_orders_view AS SELECT * FROM orders;
CREATE TABLE free_inbox (id int);
CREATE RULE purge AS ON INSERT TO free_inbox DO ALSO DELETE FROM orders WHERE id = NEW.id;
CREATE VIEW free_commands AS SELECT id FROM orders;
CREATE FUNCTION purge_order() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN DELETE FROM orders WHERE id = OLD.id; RETURN OLD; END $$;
CREATE TRIGGER purge INSTEAD OF DELETE ON free_commands FOR EACH ROW EXECUTE FUNCTION purge_order();
GRANT SELECT, INSERT, UPDATE, DELETE ON free_orders_view, free_commands TO pgw_app;
)";

class GuardIndirect : public DbFixture {
 protected:
  void SetUp() override {
    DbFixture::SetUp();
    if (IsSkipped()) return;
    prepare(k_schema, k_policy);
    if (HasFatalFailure()) return;
    ASSERT_TRUE(protect().applied);
  }
  std::string orders() const {
    return scalar("SELECT string_agg(id::text, ',' ORDER BY id) FROM orders");
  }
};

TEST_F(GuardIndirect, AForeignKeyCascadeIsRefused) {
  const SqlResult r = as_app("DELETE FROM free_customers WHERE id = 1");
  EXPECT_TRUE(refused(r, "delete"));
  EXPECT_EQ(r.message, "pgwarden: delete: DELETE would delete rows of table public.orders");
  EXPECT_EQ(orders(), "10,11,12");
  // TRUNCATE ... CASCADE empties the referencing tables too, and fires their TRUNCATE triggers.
  EXPECT_TRUE(refused(as_app("TRUNCATE free_customers CASCADE"), "truncate"));
  EXPECT_EQ(orders(), "10,11,12");
  EXPECT_EQ(scalar("SELECT count(*) FROM free_customers"), "3");
}

TEST_F(GuardIndirect, AForeignKeySetNullOnAnImmutableColumnIsRefused) {
  EXPECT_TRUE(refused(as_app("DELETE FROM free_customers WHERE id = 3"), "update_immutable"));
  EXPECT_EQ(scalar("SELECT customer FROM payments WHERE id = 20"), "3");
}

TEST_F(GuardIndirect, ADeleteOnAnInheritanceParentReachingAGuardedChildIsRefused) {
  EXPECT_TRUE(refused(as_app("DELETE FROM free_events WHERE id = 1"), "delete"));
  EXPECT_TRUE(refused(as_app("DELETE FROM free_events"), "delete"));
  EXPECT_TRUE(refused(as_app("TRUNCATE free_events"), "truncate"));
  EXPECT_EQ(scalar("SELECT count(*) FROM audit_events"), "2");
  EXPECT_TRUE(as_app("DELETE FROM ONLY free_events").ok);  // the parent's own rows are its own
}

TEST_F(GuardIndirect, ADeleteOnAPartitionedParentReachingAGuardedPartitionIsRefused) {
  EXPECT_TRUE(refused(as_app("DELETE FROM free_measures WHERE id = 1"), "delete"));
  EXPECT_TRUE(refused(as_app("TRUNCATE free_measures"), "truncate"));
  EXPECT_EQ(scalar("SELECT count(*) FROM free_measures"), "2");
  EXPECT_TRUE(
      as_app("DELETE FROM free_measures WHERE at >= 100").ok);  // the unguarded partition's rows
  EXPECT_EQ(scalar("SELECT string_agg(id::text, ',') FROM free_measures"), "1");
}

TEST_F(GuardIndirect, AViewARuleAndAnInsteadOfTriggerAreRefused) {
  EXPECT_TRUE(refused(as_app("DELETE FROM free_orders_view WHERE id = 10"), "delete"));
  EXPECT_TRUE(refused(as_app("INSERT INTO free_inbox VALUES (11)"), "delete"));
  EXPECT_TRUE(refused(as_app("DELETE FROM free_commands"), "delete"));
  EXPECT_EQ(orders(), "10,11,12");
  EXPECT_EQ(scalar("SELECT count(*) FROM free_inbox"), "0");
}

TEST_F(GuardIndirect, ACascadeByATriggerWrittenInCIsRefused) {
  // refint's check_foreign_key deletes the referencing rows through SPI, in C.
  ASSERT_TRUE(run("CREATE EXTENSION refint").ok);
  ASSERT_TRUE(
      as_owner(
          "CREATE TABLE free_parents (id int PRIMARY KEY); INSERT INTO free_parents VALUES (12); "
          "CREATE TRIGGER cascade BEFORE DELETE ON free_parents FOR EACH ROW "
          "EXECUTE FUNCTION check_foreign_key(1, 'cascade', 'id', 'orders', 'id'); "
          "GRANT ALL ON free_parents TO pgw_app")
          .ok);
  EXPECT_TRUE(refused(as_app("DELETE FROM free_parents WHERE id = 12"), "delete"));
  EXPECT_EQ(orders(), "10,11,12");
  EXPECT_EQ(scalar("SELECT count(*) FROM free_parents"), "1");
}

TEST_F(GuardIndirect, AForeignTableOnTheSameDatabaseIsRefused) {
  // postgres_fdw runs the DELETE in a second session of its own (another transaction, search_path
  // pg_catalog): the guard there refuses, and postgres_fdw passes the refusal back.
  ASSERT_TRUE(
      run("CREATE EXTENSION postgres_fdw; "
          "CREATE SERVER self FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host '127.0.0.1', port '" +
          std::to_string(m_cluster->port()) + "', dbname '" + database() +
          "'); "
          "CREATE USER MAPPING FOR pgw_app SERVER self OPTIONS (user 'pgw_app', password_required "
          "'false'); "
          "GRANT USAGE ON FOREIGN SERVER self TO pgw_app; "
          "CREATE FOREIGN TABLE free_remote_orders (id int, customer int) SERVER self "
          "OPTIONS (schema_name 'public', table_name 'orders'); "
          "GRANT ALL ON free_remote_orders TO pgw_app")
          .ok);
  ASSERT_EQ(as_app("SELECT count(*) FROM free_remote_orders").value(), "3");
  const SqlResult r = as_app("DELETE FROM free_remote_orders WHERE id = 10");
  EXPECT_TRUE(refused(r, "delete"));
  EXPECT_TRUE(refused(as_app("DELETE FROM free_remote_orders"), "delete"));
  EXPECT_EQ(orders(), "10,11,12");
}

TEST_F(GuardIndirect, EveryPartitionOfAGuardedPartitionedTableIsGuardedAsTheTable) {
  // free_sales_1 is allowed everything under its own name; its rows are rows of sales.
  SqlResult r = as_app("DELETE FROM free_sales_1 WHERE id = 1");
  EXPECT_TRUE(refused(r, "delete"));
  EXPECT_EQ(r.message, "pgwarden: delete: DELETE would delete rows of table public.sales");
  EXPECT_TRUE(refused(as_app("TRUNCATE free_sales_2"), "truncate"));
  EXPECT_TRUE(refused(as_app("TRUNCATE sales"), "truncate"));
  // A partition created after db protect ran has the row guards: PostgreSQL clones them.
  ASSERT_TRUE(as_owner("CREATE TABLE free_sales_3 PARTITION OF sales FOR VALUES IN (3); "
                       "GRANT ALL ON free_sales_3 TO pgw_app; INSERT INTO sales VALUES (4, 3)")
                  .ok);
  EXPECT_TRUE(refused(as_app("DELETE FROM free_sales_3"), "delete"));
  EXPECT_TRUE(refused(as_app("UPDATE free_sales_3 SET id = 5"), "update_immutable"));
  EXPECT_EQ(scalar("SELECT string_agg(id || ':' || region, ',' ORDER BY id) FROM sales"),
            "1:1,2:1,3:2,4:3");
}

TEST_F(GuardIndirect, MovingARowToAnotherPartitionIsADeleteFromTheFirst) {
  // PostgreSQL moves a row between partitions as a DELETE from one and an INSERT into the other,
  // and fires the DELETE row triggers of the first: the guard refuses it as a delete.
  EXPECT_TRUE(refused(as_app("UPDATE sales SET region = 2 WHERE id = 1"), "delete"));
  EXPECT_EQ(scalar("SELECT region FROM sales WHERE id = 1"), "1");
  // Under a grant for delete on sales in the same transaction, the move runs.
  EXPECT_TRUE(
      run("BEGIN; INSERT INTO pgwarden.grants (txid, relid, operation, expires_at) "
          "VALUES (txid_current(), 'sales'::regclass, 'delete', now() + interval '1 minute'); "
          "UPDATE sales SET region = 2 WHERE id = 1; COMMIT")
          .ok);
  EXPECT_EQ(scalar("SELECT tableoid::regclass::text FROM sales WHERE id = 1"), "free_sales_2");
}

}  // namespace
}  // namespace pgwarden::test
