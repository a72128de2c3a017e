// Reading [db] (src/policy/load_db.cpp): its defaults, its values, and every mistake named by
// file, line, column and dotted key, like the rest of pgwarden.toml.
#include <gtest/gtest.h>

#include "policy_test_helpers.hpp"

using namespace pgwarden;
using policy::testing::load;
using policy::testing::load_error;

TEST(LoadDb, WithoutTheSectionTheDefaultsApply) {
  const auto p = load("[policy]\nname = \"x\"\n");
  EXPECT_EQ(p.db.schema, "pgwarden");
  EXPECT_EQ(p.db.service_role, "pgwarden_service");
  EXPECT_TRUE(p.db.roles.empty());
}

TEST(LoadDb, TheSectionLoadsAsWritten) {
  const auto p = load(R"([db]
schema = "Guard Rails"
service_role = "approvals"
roles = ["app_web", "agent"]
)");
  EXPECT_EQ(p.db.schema, "Guard Rails");  // exact: PostgreSQL stores names as they are quoted
  EXPECT_EQ(p.db.service_role, "approvals");
  EXPECT_EQ(p.db.roles, (std::vector<std::string>{"app_web", "agent"}));
}

TEST(LoadDb, AnUnknownKeyIsNamedWithItsPlace) {
  const auto e =
      load_error("[policy]\nname = \"x\"\n\n[db]\nschema = \"pgwarden\"\nrole = [\"app\"]\n");
  EXPECT_EQ(e.key, "db.role");
  EXPECT_EQ(e.line, 6);
  EXPECT_EQ(e.column, 1);
  EXPECT_NE(e.message.find("unknown key"), std::string::npos) << e.message;
  EXPECT_EQ(e.to_string().rfind("team/pgwarden.toml:6:1: key 'db.role'", 0), 0U) << e.to_string();
}

TEST(LoadDb, WrongTypesAreErrorsAtTheirValue) {
  auto e = load_error("[db]\nschema = 7\n");
  EXPECT_EQ(e.key, "db.schema");
  EXPECT_EQ(e.line, 2);
  EXPECT_EQ(e.column, 10);
  e = load_error("[db]\nroles = \"app\"\n");
  EXPECT_EQ(e.key, "db.roles");
  e = load_error("[db]\nroles = [\"app\", 3]\n");
  EXPECT_EQ(e.key, "db.roles[2]");
  EXPECT_EQ(e.line, 2);
  e = load_error("db = 1\n");
  EXPECT_EQ(e.key, "db");
}

TEST(LoadDb, BadNamesAreRefusedWithTheReason) {
  auto e = load_error("[db]\nschema = \"\"\n");
  EXPECT_EQ(e.key, "db.schema");
  EXPECT_NE(e.message.find("empty"), std::string::npos) << e.message;
  e = load_error("[db]\nservice_role = \"" + std::string(64, 'x') + "\"\n");
  EXPECT_EQ(e.key, "db.service_role");
  EXPECT_NE(e.message.find("63-byte"), std::string::npos) << e.message;
  for (const char* schema : {"public", "pg_guard", "information_schema"}) {
    e = load_error(std::string("[db]\nschema = \"") + schema + "\"\n");
    EXPECT_EQ(e.key, "db.schema") << schema;
    EXPECT_NE(e.message.find("schema of its own"), std::string::npos) << e.message;
  }
  e = load_error("[db]\nroles = [\"app\", \"agent\", \"app\"]\n");
  EXPECT_EQ(e.key, "db.roles[3]");
  EXPECT_NE(e.message.find("twice"), std::string::npos) << e.message;
}

TEST(LoadDb, TheServiceRoleCannotBeAnApplicationRole) {
  const auto e = load_error("[db]\nservice_role = \"ops\"\nroles = [\"app\", \"ops\"]\n");
  EXPECT_EQ(e.key, "db.roles[2]");
  EXPECT_EQ(e.line, 3);
  EXPECT_NE(e.message.find("service role"), std::string::npos) << e.message;
}
