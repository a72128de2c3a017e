// policy::Evaluator keeps verdicts beside the analyzer's cached statements and shares the
// verdicts of statements allowed without findings. What a user of the proxy relies on: a kept
// verdict is the verdict of this statement under this evaluator's policy, never another's.
#include "policy/evaluator.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "policy/load.hpp"
#include "sql/analyzer.hpp"

namespace {

using namespace pgwarden;

std::shared_ptr<const policy::Policy> policy_from(const std::string& toml) {
  auto p = policy::parse_policy(toml, "test.toml");
  EXPECT_TRUE(p) << (p ? "" : p.error().message);
  return std::make_shared<const policy::Policy>(*p);
}

policy::Decision decide(policy::Evaluator& e, const sql::Statement& st, bool* cached = nullptr) {
  policy::UnitState unit;
  return e.evaluate(st, unit, cached)->decision;
}

TEST(Evaluator, TwoEvaluatorsOnTheSameCachedStatementsKeepTheirOwnVerdicts) {
  // Two profiles share one analyzer: their verdicts for the same statement object differ, and
  // alternating between them never hands one the other's verdict.
  sql::Analyzer analyzer(64);
  policy::Evaluator strict(policy_from("[actions]\ndelete = \"deny\"\n"), true);
  policy::Evaluator lax(policy_from("[actions]\ndelete = \"allow\"\n"), true);
  for (int round = 0; round < 4; ++round) {
    // No constant: a text shared with others of its shape keeps only allowed verdicts with it.
    const auto statements = analyzer.analyze("DELETE FROM sessions WHERE expired");
    ASSERT_EQ(statements.size(), 1U);
    bool cached = false;
    EXPECT_EQ(decide(strict, statements[0], &cached), policy::Decision::deny) << "round " << round;
    // The analyzer keeps a text from its second analysis on; its verdict is kept with it.
    EXPECT_EQ(cached, round > 1) << "round " << round;
    EXPECT_EQ(decide(lax, statements[0]), policy::Decision::allow) << "round " << round;
  }
}

TEST(Evaluator, StatementsAllowedWithTheSameActionsShareOneVerdictOthersDoNot) {
  sql::Analyzer analyzer(64);
  policy::Evaluator evaluator(policy_from("[actions]\ndelete = \"warn\"\n"), true);
  policy::UnitState unit;
  const auto a = analyzer.analyze("SELECT 1 FROM users");
  const auto b = analyzer.analyze("SELECT name FROM orders WHERE id = 2");
  const auto va = evaluator.evaluate(a[0], unit);
  const auto vb = evaluator.evaluate(b[0], unit);
  EXPECT_EQ(va.get(), vb.get()) << "two reads allowed without findings: one verdict";
  EXPECT_EQ(va->actions, std::vector<sql::Action>{sql::Action::read});

  const auto w1 = evaluator.evaluate(analyzer.analyze("DELETE FROM users WHERE id = 1")[0], unit);
  const auto w2 = evaluator.evaluate(analyzer.analyze("DELETE FROM orders WHERE id = 1")[0], unit);
  ASSERT_EQ(w1->decision, policy::Decision::warn);
  ASSERT_EQ(w1->findings.size(), 1U);
  ASSERT_EQ(w2->findings.size(), 1U);
  EXPECT_NE(w1.get(), w2.get()) << "a verdict with findings names its own table";
  EXPECT_NE(w1->findings[0].message, w2->findings[0].message);
}

TEST(Evaluator, AKeptVerdictOfAStatementThatCreatesStillRecordsIt) {
  // CREATE TABLE is allowed without findings (its verdict is shared), yet every unit it runs in
  // learns of the table: a later DROP of it in the same unit is allowed, every time.
  sql::Analyzer analyzer(64);
  policy::Evaluator evaluator(policy_from("[actions]\ndrop_table = \"deny\"\n"), true);
  for (int round = 0; round < 3; ++round) {
    policy::UnitState unit;
    const auto create = analyzer.analyze("CREATE TABLE scratch (id int)");
    EXPECT_EQ(evaluator.evaluate(create[0], unit)->decision, policy::Decision::allow);
    const auto drop = analyzer.analyze("DROP TABLE scratch");
    EXPECT_EQ(evaluator.evaluate(drop[0], unit)->decision, policy::Decision::allow)
        << "round " << round;
    policy::UnitState fresh;
    EXPECT_EQ(evaluator.evaluate(drop[0], fresh)->decision, policy::Decision::deny)
        << "round " << round;
  }
}

TEST(Evaluator, AKeptVerdictOfARenameStillCarriesTheProtectionToTheNewName) {
  // The unit a kept rename leaves is the one recording it would: the new name stays protected,
  // and a unit that did not see the rename is not touched by another's.
  sql::Analyzer analyzer(64);
  policy::Evaluator evaluator(policy_from("[actions]\ndelete = \"allow\"\n\n"
                                          "[[tables]]\nname = \"ledger\"\nappend_only = true\n"),
                              true);
  for (int round = 0; round < 3; ++round) {
    policy::UnitState unit;
    bool cached = false;
    const auto rename = analyzer.analyze("ALTER TABLE ledger RENAME TO l2");
    evaluator.evaluate(rename[0], unit, &cached);
    EXPECT_EQ(cached, round > 1) << "round " << round;
    const auto erase = analyzer.analyze("DELETE FROM l2 WHERE id = 1");
    const auto v = evaluator.evaluate(erase[0], unit);
    EXPECT_EQ(v->decision, policy::Decision::deny) << "round " << round;
    ASSERT_FALSE(v->findings.empty());
    EXPECT_EQ(v->findings[0].action, sql::Action::mutate_append_only) << "round " << round;
    policy::UnitState other;
    EXPECT_EQ(evaluator.evaluate(erase[0], other)->decision, policy::Decision::allow)
        << "round " << round;
  }
}

TEST(Evaluator, AUnitThatDoesNotBearOnAStatementStillGetsItsKeptVerdict) {
  // A session that made a temp table of its own goes on reusing kept verdicts for statements
  // that do not touch it; a statement on the temp table, or on a name the unit renamed, is
  // judged in the unit.
  sql::Analyzer analyzer(64);
  policy::Evaluator evaluator(policy_from("[actions]\ndelete = \"allow\"\ndrop_table = \"deny\"\n\n"
                                          "[[tables]]\nname = \"ledger\"\nappend_only = true\n"),
                              true);
  const std::string unrelated = "DELETE FROM sessions WHERE id = 1";
  const std::string drop = "DROP TABLE scratch";
  const std::string renamed = "DELETE FROM l2 WHERE id = 1";
  for (int round = 0; round < 2; ++round) {  // kept from the second analysis on
    EXPECT_EQ(decide(evaluator, analyzer.analyze(unrelated)[0]), policy::Decision::allow);
    EXPECT_EQ(decide(evaluator, analyzer.analyze(drop)[0]), policy::Decision::deny);
    EXPECT_EQ(decide(evaluator, analyzer.analyze(renamed)[0]), policy::Decision::allow);
  }
  policy::UnitState unit;
  (void)evaluator.evaluate(analyzer.analyze("CREATE TEMP TABLE scratch (id int)")[0], unit);
  (void)evaluator.evaluate(analyzer.analyze("ALTER TABLE ledger RENAME TO l2")[0], unit);
  ASSERT_FALSE(unit.empty());

  bool cached = false;
  EXPECT_EQ(evaluator.evaluate(analyzer.analyze(unrelated)[0], unit, &cached)->decision,
            policy::Decision::allow);
  EXPECT_TRUE(cached) << "nothing the unit knows is named: the kept verdict";

  EXPECT_EQ(evaluator.evaluate(analyzer.analyze(drop)[0], unit, &cached)->decision,
            policy::Decision::allow);
  EXPECT_FALSE(cached) << "the unit's own temp table";

  const auto v = evaluator.evaluate(analyzer.analyze(renamed)[0], unit, &cached);
  EXPECT_FALSE(cached) << "a table the unit renamed";
  EXPECT_EQ(v->decision, policy::Decision::deny);
  ASSERT_FALSE(v->findings.empty());
  EXPECT_EQ(v->findings[0].action, sql::Action::mutate_append_only);
}

TEST(Evaluator, ATransactionThatChangedNothingAStatementNamesKeepsAndReusesItsVerdict) {
  // pgbench's TPC-B: every statement inside BEGIN ... END. The open transaction bears on nothing
  // the UPDATE names, so its verdict is kept and reused like an empty unit's; a table the
  // transaction created is judged in the unit, and an EXECUTE of what it prepared too.
  sql::Analyzer analyzer(64);
  policy::Evaluator evaluator(policy_from("[actions]\ndelete_all = \"deny\"\n"), true);
  const std::string update = "UPDATE accounts SET balance = balance + 5 WHERE id = 7";
  policy::UnitState unit;
  (void)evaluator.evaluate(analyzer.analyze("BEGIN")[0], unit);
  ASSERT_FALSE(unit.neutral(evaluator.policy()));
  bool cached = false;
  for (int round = 0; round < 3; ++round) {
    EXPECT_EQ(evaluator.evaluate(analyzer.analyze(update)[0], unit, &cached)->decision, policy::Decision::allow);
  }
  EXPECT_TRUE(cached) << "kept inside the transaction";

  // A bare EXECUTE judged where nothing was prepared is allowed, and that verdict is kept ...
  for (int round = 0; round < 3; ++round) {  // the analyzer keeps a text from its second sighting
    policy::UnitState fresh;
    EXPECT_EQ(evaluator.evaluate(analyzer.analyze("EXECUTE p")[0], fresh, &cached)->decision, policy::Decision::allow);
  }
  EXPECT_TRUE(cached);
  // ... but never reused where p was prepared.
  (void)evaluator.evaluate(analyzer.analyze("CREATE TABLE accounts2 (id int)")[0], unit);
  (void)evaluator.evaluate(analyzer.analyze("PREPARE p AS DELETE FROM sessions")[0], unit);
  for (int round = 0; round < 3; ++round) {
    EXPECT_EQ(evaluator.evaluate(analyzer.analyze("DELETE FROM accounts2")[0], unit, &cached)->decision,
              policy::Decision::allow);
    EXPECT_FALSE(cached) << "the transaction's own table";
    EXPECT_EQ(evaluator.evaluate(analyzer.analyze("EXECUTE p")[0], unit, &cached)->decision, policy::Decision::deny)
        << "round " << round;
    EXPECT_FALSE(cached) << "what the transaction prepared";
  }
  // A unit that prepared nothing under the name: the kept verdict of the bare EXECUTE.
  policy::UnitState other;
  (void)evaluator.evaluate(analyzer.analyze("BEGIN")[0], other);
  EXPECT_EQ(evaluator.evaluate(analyzer.analyze("EXECUTE p")[0], other, &cached)->decision, policy::Decision::allow);
}

TEST(Evaluator, ACopiedStatementStartsWithoutTheOriginalsKeptVerdict) {
  sql::Analyzer analyzer(64);
  policy::Evaluator evaluator(policy_from("[actions]\ndelete = \"deny\"\n"), true);
  const auto statements = analyzer.analyze("DELETE FROM sessions WHERE expired");
  EXPECT_EQ(decide(evaluator, statements[0]), policy::Decision::deny);
  sql::Statement copy = statements[0];
  EXPECT_EQ(copy.derived.get(12345), nullptr);
  bool cached = false;
  // The copy has no verdict of its own yet; the analysis it shares still has one.
  EXPECT_EQ(decide(evaluator, copy, &cached), policy::Decision::deny);
  EXPECT_TRUE(cached);
}

TEST(Evaluator, ARefusalOfAStatementWhoseAnalysisItsShapeSharesQuotesItsOwnConstants) {
  // DELETE FROM users is refused with a soft-delete UPDATE as the hint, rewritten from the
  // statement. Texts that differ only in their constants share one analysis, and one verdict
  // when it is allowed: a refusal's hint is each statement's own.
  sql::Analyzer analyzer(64);
  policy::Evaluator evaluator(policy_from("[[tables]]\nname = \"users\"\nsoft_delete = \"deleted_at\"\n"), true);
  std::vector<sql::Statements> kept;
  for (const int id : {5, 5, 5, 6, 7, 6}) {
    kept.push_back(analyzer.analyze("DELETE FROM users WHERE id = " + std::to_string(id)));
    const sql::Statement& st = kept.back()[0];
    policy::UnitState unit;
    const auto verdict = evaluator.evaluate(st, unit);
    ASSERT_NE(verdict->decision, policy::Decision::allow) << st.text;
    ASSERT_EQ(verdict->findings.size(), 1U) << st.text;
    EXPECT_NE(verdict->findings[0].hint.find("WHERE id = " + std::to_string(id)), std::string::npos)
        << st.text << ": " << verdict->findings[0].hint;
  }
  EXPECT_EQ(kept[3][0].analysis.get(), kept[4][0].analysis.get()) << "one shape, one analysis";
  // Allowed statements of one shape share the verdict too.
  bool cached = false;
  policy::UnitState unit;
  (void)evaluator.evaluate(analyzer.analyze("UPDATE users SET name = 'a' WHERE id = 1")[0], unit);
  (void)evaluator.evaluate(analyzer.analyze("UPDATE users SET name = 'a' WHERE id = 1")[0], unit);
  EXPECT_EQ(evaluator.evaluate(analyzer.analyze("UPDATE users SET name = 'b' WHERE id = 2")[0], unit, &cached)->decision,
            policy::Decision::allow);
  EXPECT_TRUE(cached);
}

}  // namespace
