// [[profiles]]: loading with mistakes named by file, line and key; selection by connection
// attributes; and statements judged through the policy derived for a profile.
#include "policy/profile.hpp"

#include <gtest/gtest.h>

#include "policy/evaluator.hpp"
#include "policy_test_helpers.hpp"

using namespace pgwarden;
using policy::ConnectionAttributes;
using policy::Decision;
using policy::testing::finding;
using policy::testing::judge;
using policy::testing::load;
using policy::testing::load_error;
using sql::Action;

namespace {

// The three profiles of docs/policy.md over a base policy that lets DELETE with a WHERE run.
constexpr const char* k_team_policy = R"(
[policy]
name = "Team Policy"
document = "docs/DATA.md"

[actions]
delete = "allow"

[[tables]]
name = "sessions"
actions = { delete = "allow", delete_all = "allow", truncate = "allow" }

[[profiles]]
name = "application"
match = { user = "app_*" }
actions = { delete = "deny", delete_all = "deny", truncate = "deny" }

[[profiles]]
name = "reference-sync"
match = { user = "refsync", client_address = ["10.1.0.0/16", "127.0.0.1"] }
writable = { currencies = ["rate", "updated_at"], "ref_*" = "*" }
replication = true

[[profiles]]
name = "observer"
match = { user = ["analyst", "bi"], application_name = "metabase" }
mode = "monitor"
)";

policy::Policy team() { return load(k_team_policy); }

ConnectionAttributes connection(std::string user, std::string address = "10.1.2.3", std::string application = "psql",
                                std::string database = "shop") {
  return ConnectionAttributes{std::move(user), std::move(database), std::move(application), std::move(address)};
}

// The policy a connection of the named profile is judged by.
policy::Policy derived(const policy::Policy& base, const std::string& profile) {
  for (std::size_t i = 0; i < base.profiles.size(); ++i) {
    if (base.profiles[i].name == profile) return policy::apply_profile(base, i);
  }
  ADD_FAILURE() << "no profile " << profile;
  return base;
}

std::string selected(const policy::Policy& p, const ConnectionAttributes& c) {
  const auto i = policy::select_profile(p, c);
  return i ? p.profiles[*i].name : "(none)";
}

// A policy of one profile whose match is `match`.
policy::Policy matching(const std::string& match) {
  return load("[[profiles]]\nname = \"p\"\nmatch = " + match + "\n");
}

}  // namespace

// --- loading -------------------------------------------------------------------------------

TEST(LoadProfiles, TheThreeProfilesLoad) {
  const auto p = team();
  ASSERT_EQ(p.profiles.size(), 3U);
  const auto& app = p.profiles[0];
  EXPECT_EQ(app.name, "application");
  EXPECT_EQ(app.line, 13);  // the [[profiles]] header
  ASSERT_EQ(app.match.user.size(), 1U);
  EXPECT_EQ(app.match.user[0].pattern(), "app_*");
  EXPECT_TRUE(app.match.database.empty());
  EXPECT_EQ(app.actions[static_cast<std::size_t>(Action::delete_rows)], Decision::deny);
  EXPECT_FALSE(app.actions[static_cast<std::size_t>(Action::drop_table)].has_value());
  EXPECT_FALSE(app.writable.has_value());
  EXPECT_FALSE(app.monitor);
  EXPECT_FALSE(app.replication);

  const auto& sync = p.profiles[1];
  ASSERT_EQ(sync.match.client_address.size(), 2U);
  EXPECT_EQ(sync.match.client_address[0].text(), "10.1.0.0/16");
  ASSERT_TRUE(sync.writable.has_value());
  ASSERT_EQ(sync.writable->size(), 2U);
  for (const auto& w : *sync.writable) {
    if (w.name.pattern() == "currencies") {
      EXPECT_EQ(w.columns, (std::vector<std::string>{"rate", "updated_at"}));
    } else {
      EXPECT_EQ(w.name.pattern(), "ref_*");
      EXPECT_FALSE(w.columns.has_value());  // "*"
    }
  }
  EXPECT_TRUE(sync.replication);

  EXPECT_TRUE(p.profiles[2].monitor);
  EXPECT_EQ(p.profiles[2].match.application_name[0].pattern(), "metabase");
  // Loading derives nothing: the base policy is the one for connections without a profile.
  EXPECT_FALSE(p.active_profile.has_value());
  EXPECT_EQ(p.decision(Action::delete_rows), Decision::allow);
}

TEST(LoadProfiles, AProfileWithoutMatchOrRulesLoads) {
  const auto p = load("[[profiles]]\nname = \"everyone\"\nmode = \"enforce\"\n");
  ASSERT_EQ(p.profiles.size(), 1U);
  EXPECT_TRUE(policy::matches(p.profiles[0].match, ConnectionAttributes{}));
  EXPECT_FALSE(p.profiles[0].monitor);
}

TEST(LoadProfiles, UnknownKeysAreNamedWithTheirPlace) {
  auto e = load_error("[[profiles]]\nname = \"a\"\n\n[[profiles]]\nname = \"b\"\nmach = { user = \"x\" }\n");
  EXPECT_EQ(e.file, "team/pgwarden.toml");
  EXPECT_EQ(e.key, "profiles[2].mach");
  EXPECT_EQ(e.line, 6);
  EXPECT_EQ(e.column, 1);
  EXPECT_NE(e.message.find("unknown key"), std::string::npos);
  EXPECT_EQ(e.to_string().rfind("team/pgwarden.toml:6:1: ", 0), 0U) << e.to_string();

  e = load_error("[[profiles]]\nname = \"a\"\nmatch = { user = \"x\", host = \"db1\" }\n");
  EXPECT_EQ(e.key, "profiles[1].match.host");
  EXPECT_EQ(e.line, 3);
  EXPECT_GT(e.column, 1);
  EXPECT_NE(e.message.find("user, database, application_name, client_address"), std::string::npos) << e.message;
}

TEST(LoadProfiles, AProfileNeedsAUniqueName) {
  auto e = load_error("[[profiles]]\nmatch = { user = \"x\" }\n");
  EXPECT_EQ(e.key, "profiles[1].name");
  EXPECT_EQ(e.line, 1);
  EXPECT_NE(e.message.find("missing"), std::string::npos);

  e = load_error("[[profiles]]\nname = \"\"\n");
  EXPECT_EQ(e.key, "profiles[1].name");

  e = load_error("[[profiles]]\nname = \"app\"\n\n[[profiles]]\nname = \"sync\"\n\n[[profiles]]\nname = \"app\"\n");
  EXPECT_EQ(e.key, "profiles[3].name");
  EXPECT_EQ(e.line, 8);
  EXPECT_NE(e.message.find("already defined at line 1"), std::string::npos) << e.message;
}

TEST(LoadProfiles, BadDecisionsAndActionsAreErrors) {
  auto e = load_error("[[profiles]]\nname = \"a\"\nactions = { delete = \"never\" }\n");
  EXPECT_EQ(e.key, "profiles[1].actions.delete");
  EXPECT_EQ(e.line, 3);
  EXPECT_NE(e.message.find("'never' is not a decision"), std::string::npos);
  e = load_error("[[profiles]]\nname = \"a\"\nactions = { delete_everything = \"deny\" }\n");
  EXPECT_EQ(e.key, "profiles[1].actions.delete_everything");
  EXPECT_NE(e.message.find("not an action"), std::string::npos);
  e = load_error("[[profiles]]\nname = \"a\"\nactions = { parse_error = \"allow\" }\n");
  EXPECT_NE(e.message.find("on_parse_error"), std::string::npos);
}

// application_name is whatever the client sends: a profile it chooses must not relax the policy
// for anyone who claims the name, and must not restrict connections that can leave by another.
TEST(LoadProfiles, ProfilesTheClientChoosesByApplicationNameCannotRelaxForAnyoneOrRestrictAtAll) {
  auto e = load_error("[[profiles]]\nname = \"observer\"\nmatch = { application_name = \"metabase\" }\nmode = \"monitor\"\n");
  EXPECT_EQ(e.file, "team/pgwarden.toml");
  EXPECT_EQ(e.key, "profiles[1].match.application_name");
  EXPECT_EQ(e.line, 3);
  EXPECT_NE(e.message.find("mode = \"monitor\""), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("add user or client_address"), std::string::npos) << e.message;

  // An action the profile allows that [actions] (or the built-in default) refuses.
  e = load_error("[actions]\ndelete = \"deny\"\n\n[[profiles]]\nname = \"a\"\nmatch = { application_name = [\"x\", \"y\"], "
                 "database = \"shop\" }\nactions = { delete = \"allow\" }\n");
  EXPECT_EQ(e.key, "profiles[1].match.application_name");
  EXPECT_NE(e.message.find("actions.delete = \"allow\" where the file says \"deny\""), std::string::npos) << e.message;
  e = load_error("[[profiles]]\nname = \"a\"\nmatch = { application_name = \"pg_basebackup\" }\nreplication = true\n");
  EXPECT_NE(e.message.find("replication = true"), std::string::npos) << e.message;
  e = load_error("[[profiles]]\nname = \"a\"\nmatch = { application_name = \"x\" }\nactions = { drop_table = \"warn\" }\n");
  EXPECT_NE(e.message.find("actions.drop_table = \"warn\" where the file says \"deny\""), std::string::npos) << e.message;

  // Restrictions: even for one user, the connection leaves the profile by another name.
  e = load_error("[[profiles]]\nname = \"web\"\nmatch = { user = \"app\", application_name = \"web\" }\n"
                 "writable = { sessions = \"*\" }\n");
  EXPECT_EQ(e.key, "profiles[1].match.application_name");
  EXPECT_NE(e.message.find("leaves it by sending another application_name"), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("writable"), std::string::npos) << e.message;
  e = load_error("[[profiles]]\nname = \"web\"\nmatch = { user = \"app\", application_name = \"web\" }\n"
                 "actions = { delete = \"deny\" }\n");
  EXPECT_NE(e.message.find("actions.delete = \"deny\" where the file says \"approve\""), std::string::npos) << e.message;
  e = load_error("[[profiles]]\nname = \"web\"\nmatch = { client_address = \"10.0.0.0/8\", application_name = \"web\" }\n"
                 "superuser = false\n");
  EXPECT_NE(e.message.find("superuser = false"), std::string::npos) << e.message;

  // What the policy's author grants to a role or an address, and names that change nothing.
  auto p = load("[[profiles]]\nname = \"bi\"\nmatch = { user = \"analyst\", application_name = \"metabase\" }\n"
                "mode = \"monitor\"\n\n[[profiles]]\nname = \"tagged\"\nmatch = { application_name = \"batch\" }\n"
                "actions = { drop_table = \"deny\", delete = \"approve\" }\n\n[[profiles]]\nname = \"office\"\n"
                "match = { client_address = \"10.0.0.0/8\", application_name = \"psql\" }\nreplication = true\n");
  EXPECT_EQ(p.profiles.size(), 3U);
}

TEST(LoadProfiles, BadGlobsAreErrors) {
  auto e = load_error("[[profiles]]\nname = \"a\"\nmatch = { user = \"app_[\" }\n");
  EXPECT_EQ(e.key, "profiles[1].match.user");
  EXPECT_EQ(e.line, 3);
  e = load_error("[[profiles]]\nname = \"a\"\nmatch = { database = [\"shop\", \"x[\"] }\n");
  EXPECT_EQ(e.key, "profiles[1].match.database[2]");
  e = load_error("[[profiles]]\nname = \"a\"\nmatch = { application_name = [] }\n");
  EXPECT_EQ(e.key, "profiles[1].match.application_name");
  EXPECT_NE(e.message.find("at least one"), std::string::npos);
  e = load_error("[[profiles]]\nname = \"a\"\nmatch = { user = 3 }\n");
  EXPECT_EQ(e.key, "profiles[1].match.user");
  e = load_error("[[profiles]]\nname = \"a\"\nwritable = { \"ref_[\" = \"*\" }\n");
  EXPECT_EQ(e.key, "profiles[1].writable.ref_[");
  EXPECT_EQ(e.line, 3);
}

TEST(LoadProfiles, BadAddressesAreErrors) {
  auto e = load_error("[[profiles]]\nname = \"a\"\nmatch = { client_address = \"10.0.0.0/33\" }\n");
  EXPECT_EQ(e.key, "profiles[1].match.client_address");
  EXPECT_EQ(e.line, 3);
  EXPECT_NE(e.message.find("0 to 32"), std::string::npos) << e.message;
  e = load_error("[[profiles]]\nname = \"a\"\nmatch = { client_address = [\"::1\", \"localhost\"] }\n");
  EXPECT_EQ(e.key, "profiles[1].match.client_address[2]");
  EXPECT_NE(e.message.find("not an IP address"), std::string::npos);
  e = load_error("[[profiles]]\nname = \"a\"\nmatch = { client_address = \"10.1.2.3/16\" }\n");
  EXPECT_NE(e.message.find("did you mean \"10.1.0.0/16\""), std::string::npos) << e.message;
}

TEST(LoadProfiles, WritableValuesAreEveryColumnOrAList) {
  auto e = load_error("[[profiles]]\nname = \"a\"\nwritable = { currencies = \"rate\" }\n");
  EXPECT_EQ(e.key, "profiles[1].writable.currencies");
  EXPECT_EQ(e.line, 3);
  EXPECT_NE(e.message.find("\"*\""), std::string::npos);
  e = load_error("[[profiles]]\nname = \"a\"\nwritable = { currencies = [\"rate\", 2] }\n");
  EXPECT_EQ(e.key, "profiles[1].writable.currencies[2]");
  e = load_error("[[profiles]]\nname = \"a\"\nwritable = [\"currencies\"]\n");
  EXPECT_EQ(e.key, "profiles[1].writable");
  // An empty list: rows may be inserted and deleted, no column updated; an empty table: nothing.
  const auto p = load("[[profiles]]\nname = \"a\"\nwritable = { audit_log = [] }\n\n"
                      "[[profiles]]\nname = \"b\"\nwritable = {}\n");
  EXPECT_EQ(p.profiles[0].writable->at(0).columns, std::vector<std::string>{});
  EXPECT_TRUE(p.profiles[1].writable->empty());
}

TEST(LoadProfiles, ModeAndReplicationAreChecked) {
  auto e = load_error("[[profiles]]\nname = \"a\"\nmode = \"observe\"\n");
  EXPECT_EQ(e.key, "profiles[1].mode");
  EXPECT_EQ(e.line, 3);
  EXPECT_NE(e.message.find("\"enforce\" or \"monitor\""), std::string::npos);
  e = load_error("[[profiles]]\nname = \"a\"\nreplication = \"yes\"\n");
  EXPECT_EQ(e.key, "profiles[1].replication");
  e = load_error("[[profiles]]\nname = \"a\"\nmatch = \"app_*\"\n");
  EXPECT_EQ(e.key, "profiles[1].match");
  e = load_error("profiles = 3\n");
  EXPECT_EQ(e.key, "profiles");
}

// --- selection -----------------------------------------------------------------------------

TEST(SelectProfile, EachAttributeSelects) {
  EXPECT_EQ(selected(matching("{ user = \"app_*\" }"), connection("app_web")), "p");
  EXPECT_EQ(selected(matching("{ user = \"app_*\" }"), connection("admin")), "(none)");
  EXPECT_EQ(selected(matching("{ database = \"shop\" }"), connection("x", "", "psql", "shop")), "p");
  EXPECT_EQ(selected(matching("{ database = \"shop\" }"), connection("x", "", "psql", "shop_test")), "(none)");
  EXPECT_EQ(selected(matching("{ application_name = \"metabase*\" }"), connection("x", "", "metabase v0.48")), "p");
  EXPECT_EQ(selected(matching("{ application_name = \"metabase*\" }"), connection("x", "", "psql")), "(none)");
  EXPECT_EQ(selected(matching("{ client_address = \"10.1.0.0/16\" }"), connection("x", "10.1.200.7")), "p");
  EXPECT_EQ(selected(matching("{ client_address = \"10.1.0.0/16\" }"), connection("x", "10.2.0.1")), "(none)");
}

TEST(SelectProfile, ArraysMatchAnyOfTheirEntries) {
  const auto p = matching("{ user = [\"deploy\", \"ci_?\"], client_address = [\"192.168.0.0/24\", \"::1\"] }");
  EXPECT_EQ(selected(p, connection("deploy", "::1")), "p");
  EXPECT_EQ(selected(p, connection("ci_7", "192.168.0.254")), "p");
  EXPECT_EQ(selected(p, connection("ci_77", "192.168.0.254")), "(none)");
  EXPECT_EQ(selected(p, connection("deploy", "192.168.1.1")), "(none)");
}

TEST(SelectProfile, EveryGivenKeyMustMatch) {
  const auto p = matching("{ user = \"refsync\", database = \"shop\", client_address = \"127.0.0.1\" }");
  EXPECT_EQ(selected(p, connection("refsync", "127.0.0.1")), "p");
  EXPECT_EQ(selected(p, connection("refsync", "127.0.0.2")), "(none)");
  EXPECT_EQ(selected(p, connection("refsync", "127.0.0.1", "psql", "other")), "(none)");
  EXPECT_EQ(selected(p, connection("app", "127.0.0.1")), "(none)");
}

TEST(SelectProfile, IPv4AndIPv6RangesAreSeparateFamilies) {
  const auto v6 = matching("{ client_address = \"fd00:1::/32\" }");
  EXPECT_EQ(selected(v6, connection("x", "fd00:1:ffff::42")), "p");
  EXPECT_EQ(selected(v6, connection("x", "FD00:0001::1")), "p");  // any spelling of the address
  EXPECT_EQ(selected(v6, connection("x", "fd00:2::1")), "(none)");
  EXPECT_EQ(selected(v6, connection("x", "10.1.2.3")), "(none)");
  const auto all_v6 = matching("{ client_address = \"::/0\" }");
  EXPECT_EQ(selected(all_v6, connection("x", "fe80::1%eth0")), "p");  // a scoped address
  EXPECT_EQ(selected(all_v6, connection("x", "10.1.2.3")), "(none)");
  // A dual-stack listener reports IPv4 clients as IPv4-mapped IPv6 addresses.
  const auto v4 = matching("{ client_address = \"10.0.0.0/8\" }");
  EXPECT_EQ(selected(v4, connection("x", "::ffff:10.9.8.7")), "p");
  EXPECT_EQ(selected(v4, connection("x", "::ffff:11.9.8.7")), "(none)");
  // A Unix socket has no address: it is in no range.
  EXPECT_EQ(selected(v4, connection("x", "")), "(none)");
  EXPECT_EQ(selected(matching("{ client_address = \"0.0.0.0/0\" }"), connection("x", "[local]")), "(none)");
}

TEST(SelectProfile, TheFirstMatchingProfileWins) {
  const auto p = load("[[profiles]]\nname = \"admins\"\nmatch = { user = \"admin_*\" }\n\n"
                      "[[profiles]]\nname = \"everyone\"\n\n"
                      "[[profiles]]\nname = \"never\"\nmatch = { user = \"admin_root\" }\n");
  EXPECT_EQ(selected(p, connection("admin_root")), "admins");
  EXPECT_EQ(selected(p, connection("app")), "everyone");
  const auto t = team();
  EXPECT_EQ(selected(t, connection("app_web")), "application");
  EXPECT_EQ(selected(t, connection("refsync", "127.0.0.1")), "reference-sync");
  EXPECT_EQ(selected(t, connection("refsync", "10.2.0.1")), "(none)");
  EXPECT_EQ(selected(t, connection("analyst", "10.2.0.1", "metabase")), "observer");
  EXPECT_EQ(selected(t, connection("app_web", "10.2.0.1", "metabase")), "application");  // earlier entry
  EXPECT_EQ(selected(t, connection("admin")), "(none)");
  EXPECT_EQ(selected(policy::Policy::defaults(), connection("app_web")), "(none)");
}

TEST(ProfiledPolicies, ConnectionsOfAProfileShareOneDerivedPolicy) {
  const auto base = std::make_shared<const policy::Policy>(team());
  const policy::ProfiledPolicies policies(base);
  const auto a = policies.for_connection(connection("app_web"));
  const auto b = policies.for_connection(connection("app_worker"));
  EXPECT_EQ(a.profile, "application");
  EXPECT_EQ(a.profile_index, std::optional<std::size_t>{0});
  EXPECT_EQ(a.policy.get(), b.policy.get());
  EXPECT_EQ(a.policy.get(), policies.for_profile(0).get());
  ASSERT_TRUE(a.policy->active_profile.has_value());
  EXPECT_EQ(a.policy->active_profile->name, "application");
  EXPECT_EQ(a.policy->decision(Action::delete_rows), Decision::deny);
  EXPECT_TRUE(a.admitted);
  const auto none = policies.for_connection(connection("admin"));
  EXPECT_EQ(none.policy.get(), base.get());
  EXPECT_TRUE(none.profile.empty());
  EXPECT_FALSE(none.profile_index.has_value());
}

TEST(ProfiledPolicies, OnlyAProfileWithReplicationAdmitsReplicationConnections) {
  const policy::ProfiledPolicies policies(std::make_shared<const policy::Policy>(team()));
  auto sync = connection("refsync", "127.0.0.1");
  sync.replication = true;
  EXPECT_TRUE(policies.for_connection(sync).admitted);
  auto app = connection("app_web");
  app.replication = true;
  const auto refused = policies.for_connection(app);
  EXPECT_FALSE(refused.admitted);
  EXPECT_NE(refused.refusal.find("profile \"application\""), std::string::npos) << refused.refusal;
  auto stranger = connection("admin");
  stranger.replication = true;
  const auto nobody = policies.for_connection(stranger);
  EXPECT_FALSE(nobody.admitted);
  EXPECT_NE(nobody.refusal.find("no [[profiles]] entry"), std::string::npos) << nobody.refusal;
  EXPECT_TRUE(policies.for_connection(connection("admin")).admitted);  // not asking for replication
}

// --- evaluation through a derived policy ---------------------------------------------------

TEST(ProfileEvaluate, TheApplicationProfileRefusesADeleteTheBaseAllows) {
  const auto base = team();
  const std::string sql = "DELETE FROM orders WHERE id = 3";
  EXPECT_EQ(judge(sql, base)[0].decision, Decision::allow);
  const auto v = judge(sql, derived(base, "application"));
  EXPECT_EQ(v[0].decision, Decision::deny);
  const auto f = finding(v, Action::delete_rows);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->rule, "[[profiles]] \"application\" actions.delete = \"deny\" (team/pgwarden.toml:13)");
  EXPECT_NE(f->detail.find("Refused by \"Team Policy\" (docs/DATA.md)"), std::string::npos) << f->detail;
  EXPECT_FALSE(f->monitored_from.has_value());
}

TEST(ProfileEvaluate, APerTableActionStillWinsUnderAProfile) {
  const auto app = derived(team(), "application");
  EXPECT_EQ(judge("DELETE FROM sessions WHERE expires_at < now()", app)[0].decision, Decision::allow);
  EXPECT_EQ(judge("TRUNCATE sessions", app)[0].decision, Decision::allow);
  EXPECT_EQ(judge("TRUNCATE carts", app)[0].decision, Decision::deny);
}

TEST(ProfileEvaluate, ReferenceSyncMaySetOnlyTheListedColumnsOfCurrencies) {
  const auto sync = derived(team(), "reference-sync");
  EXPECT_EQ(judge("UPDATE currencies SET rate = 1.08, updated_at = now() WHERE code = 'EUR'", sync)[0].decision,
            Decision::allow);
  EXPECT_EQ(judge("UPDATE public.currencies SET rate = 1.08 WHERE code = 'EUR'", sync)[0].decision, Decision::allow);
  const auto v = judge("UPDATE currencies SET code = 'EUR2', rate = 1 WHERE code = 'EUR'", sync);
  EXPECT_EQ(v[0].decision, Decision::deny);
  const auto f = finding(v, Action::write);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->columns, std::vector<std::string>{"code"});
  EXPECT_EQ(f->rule, "[[profiles]] \"reference-sync\" writable (team/pgwarden.toml:18)");
  EXPECT_NE(f->message.find("would set column code of table currencies"), std::string::npos) << f->message;
  EXPECT_NE(f->message.find("may only set rate, updated_at"), std::string::npos) << f->message;
  EXPECT_NE(f->hint.find("UPDATE currencies SET rate = ..."), std::string::npos) << f->hint;
  // INSERT and DELETE of rows of a listed table are not about columns.
  EXPECT_EQ(judge("INSERT INTO currencies (code, name) VALUES ('XTS', 'test')", sync)[0].decision, Decision::allow);
}

TEST(ProfileEvaluate, ReferenceSyncMayChangeTheTablesItListsAndNoOthers) {
  const auto sync = derived(team(), "reference-sync");
  EXPECT_EQ(judge("INSERT INTO ref_countries (code) VALUES ('DE')", sync)[0].decision, Decision::allow);
  EXPECT_EQ(judge("UPDATE ref_countries SET name = 'Germany' WHERE code = 'DE'", sync)[0].decision, Decision::allow);
  const auto v = judge("UPDATE users SET email = 'x@example.com' WHERE id = 1", sync);
  EXPECT_EQ(v[0].decision, Decision::deny);
  const auto f = finding(v, Action::write);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->object.name, "users");
  EXPECT_NE(f->rule.find("[[profiles]] \"reference-sync\" writable"), std::string::npos);
  EXPECT_NE(f->message.find("profile \"reference-sync\" may only change rows of currencies, ref_*"),
            std::string::npos)
      << f->message;
  EXPECT_FALSE(f->hint.empty());
  // Every way of changing rows is covered: COPY FROM, MERGE, TRUNCATE, a data-modifying CTE.
  EXPECT_EQ(judge("COPY users FROM STDIN", sync)[0].decision, Decision::deny);
  EXPECT_EQ(judge("MERGE INTO users u USING staging s ON u.id = s.id WHEN NOT MATCHED THEN INSERT VALUES (s.id)",
                  sync)[0]
                .decision,
            Decision::deny);
  EXPECT_TRUE(finding(judge("TRUNCATE ref_countries, users", sync), Action::truncate));
  EXPECT_EQ(judge("WITH x AS (INSERT INTO users (id) VALUES (1) RETURNING id) SELECT * FROM x", sync)[0].decision,
            Decision::deny);
  // Reading is not changing rows; tables the unit created are its own.
  EXPECT_EQ(judge("SELECT * FROM users", sync)[0].decision, Decision::allow);
  EXPECT_EQ(judge("CREATE TEMP TABLE staging (id int); INSERT INTO staging VALUES (1)", sync)[1].decision,
            Decision::allow);
  // The base policy has no writable list.
  EXPECT_EQ(judge("UPDATE users SET email = 'x@example.com' WHERE id = 1", team())[0].decision, Decision::allow);
}

TEST(ProfileEvaluate, WritableFollowsTheUnitsRenames) {
  const auto sync = derived(team(), "reference-sync");
  // A listed table keeps its place on the list under a new name; a column keeps its limits.
  auto v = judge("ALTER TABLE currencies RENAME TO money; UPDATE money SET rate = 2 WHERE id = 1", sync);
  EXPECT_EQ(v[1].decision, Decision::allow);
  v = judge("ALTER TABLE currencies RENAME COLUMN code TO rate_code; UPDATE currencies SET rate_code = 'X' WHERE id = 1",
            sync);
  EXPECT_EQ(v[1].decision, Decision::deny);
  // A refused body is refused when the function is created.
  v = judge("CREATE FUNCTION purge() RETURNS void LANGUAGE sql AS 'DELETE FROM users WHERE id = 1'", sync);
  const auto f = finding(v, Action::delete_rows);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->decision, Decision::deny);
  EXPECT_NE(f->message.find("in the body of purge"), std::string::npos) << f->message;
}

TEST(ProfileEvaluate, ALiteralWritableKeyBeatsAGlob) {
  auto base = load("[[profiles]]\nname = \"s\"\nwritable = { \"ref_*\" = \"*\", ref_rates = [\"rate\"] }\n");
  const auto s = policy::apply_profile(base, 0);
  EXPECT_EQ(judge("UPDATE ref_rates SET rate = 2 WHERE id = 1", s)[0].decision, Decision::allow);
  EXPECT_EQ(judge("UPDATE ref_rates SET day = now() WHERE id = 1", s)[0].decision, Decision::deny);
  EXPECT_EQ(judge("UPDATE ref_days SET day = now() WHERE id = 1", s)[0].decision, Decision::allow);
}

TEST(ProfileEvaluate, MonitorModeTurnsADenyIntoAWarningThatSaysSo) {
  const auto observer = derived(team(), "observer");
  const auto v = judge("DROP TABLE users", observer);
  EXPECT_EQ(v[0].decision, Decision::warn);
  const auto f = finding(v, Action::drop_table);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->decision, Decision::warn);
  EXPECT_EQ(f->monitored_from, Decision::deny);
  EXPECT_EQ(f->rule, "the built-in default drop_table = \"deny\", downgraded from \"deny\" to \"warn\" by the monitor "
                     "mode of [[profiles]] \"observer\" (team/pgwarden.toml:24)");
  EXPECT_NE(f->detail.find("Would be refused by \"Team Policy\""), std::string::npos) << f->detail;
  EXPECT_NE(f->detail.find("monitor mode of [[profiles]] \"observer\""), std::string::npos) << f->detail;
  EXPECT_NE(f->hint.find("RENAME TO"), std::string::npos);  // the alternative is still proposed
  // What the profile would only warn about stays as it is.
  const auto rename = finding(judge("ALTER TABLE users RENAME TO people", observer), Action::rename);
  ASSERT_TRUE(rename);
  EXPECT_FALSE(rename->monitored_from.has_value());
}

TEST(ProfileEvaluate, MonitorModeAppliesLastEvenToParseErrorsAndWritable) {
  auto base = load("[[profiles]]\nname = \"trial\"\nmode = \"monitor\"\nwritable = { currencies = \"*\" }\n"
                   "actions = { delete = \"approve\" }\n");
  const auto trial = policy::apply_profile(base, 0);
  const auto parse = judge("SELEC 1", trial);
  EXPECT_EQ(parse[0].decision, Decision::warn);
  EXPECT_EQ(finding(parse, Action::parse_error)->monitored_from, Decision::deny);
  const auto write = judge("DELETE FROM users WHERE id = 1", trial);
  EXPECT_EQ(write[0].decision, Decision::warn);
  ASSERT_EQ(write[0].findings.size(), 2U);  // the profile's approve, and writable's deny
  for (const auto& f : write[0].findings) {
    EXPECT_EQ(f.decision, Decision::warn);
    EXPECT_TRUE(f.monitored_from.has_value());
  }
  EXPECT_NE(finding(write, Action::delete_rows)->detail.find("refused without a human approval"), std::string::npos);
}

TEST(ProfileEvaluate, TheEvaluatorJudgesWithADerivedPolicy) {
  const policy::ProfiledPolicies policies(std::make_shared<const policy::Policy>(team()));
  policy::Evaluator app(policies.for_connection(connection("app_web")).policy, true);
  policy::Evaluator observer(policies.for_connection(connection("bi", "", "metabase")).policy, true);
  policy::Evaluator base(policies.base(), true);
  sql::Analyzer analyzer(64);
  for (int round = 0; round < 2; ++round) {  // the second round is served from the kept verdicts
    const auto del = analyzer.analyze("DELETE FROM orders WHERE id = 3");
    const auto drop = analyzer.analyze("DROP TABLE orders");
    policy::UnitState unit;
    EXPECT_EQ(app.evaluate(del[0], unit)->decision, Decision::deny);
    EXPECT_EQ(base.evaluate(del[0], unit)->decision, Decision::allow);
    EXPECT_EQ(base.evaluate(drop[0], unit)->decision, Decision::deny);
    EXPECT_EQ(observer.evaluate(drop[0], unit)->decision, Decision::warn);
  }
}
