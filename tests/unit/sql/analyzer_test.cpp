#include "sql/analyzer.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "sql/rewrite.hpp"

using namespace pgwarden::sql;

namespace {

bool has(const Statement& st, Action a) {
  for (const auto& e : st.effects()) {
    if (e.action == a) return true;
  }
  return false;
}

}  // namespace

TEST(Analyzer, StatementsCarryByteOffsetsAndLineColumns) {
  const auto r = analyze("SELECT 1;\n  DELETE FROM t WHERE id = 1;");
  ASSERT_EQ(r.size(), 2U);
  EXPECT_EQ(r[1].location.offset, 12U);
  EXPECT_EQ(r[1].location.line, 2);
  EXPECT_EQ(r[1].location.column, 3);
  EXPECT_EQ(r[1].text, "DELETE FROM t WHERE id = 1");
}

TEST(Analyzer, AStatementBeginsAfterACommentThatACarriageReturnEnds) {
  // PostgreSQL ends a -- comment at \r as at \n: the statement's text is what follows it.
  const auto st = analyze("-- note\rDELETE FROM t WHERE id = 1");
  ASSERT_EQ(st.size(), 1U);
  EXPECT_EQ(st[0].text, "DELETE FROM t WHERE id = 1");
  EXPECT_TRUE(has(st[0], Action::delete_rows));
}

TEST(Analyzer, ColumnsCountCharactersNotBytes) {
  const auto r = analyze("SELECT 'é'; DROP TABLE t");
  ASSERT_EQ(r.size(), 2U);
  EXPECT_EQ(r[1].location.column, 13);
}

TEST(Analyzer, IdentifiersFoldLikePostgreSQL) {
  EXPECT_EQ(analyze("DROP TABLE Public.USERS")[0].effects()[0].object,
            (ObjectName{"public", "users"}));
  EXPECT_EQ(analyze("DROP TABLE \"Users\"")[0].effects()[0].object, (ObjectName{"", "Users"}));
  EXPECT_EQ(analyze("DROP TABLE U&\"\\0075sers\"")[0].effects()[0].object,
            (ObjectName{"", "users"}));
}

TEST(Analyzer, ABadStatementIsConfinedAndItsNeighboursAreJudged) {
  const auto r = analyze("SELECT 1; SELEC 2; DROP TABLE t");
  ASSERT_EQ(r.size(), 3U);
  EXPECT_FALSE(r[0].is_parse_error());
  EXPECT_TRUE(r[1].is_parse_error());
  EXPECT_NE(r[1].analysis->error.find("syntax error"), std::string::npos);
  EXPECT_TRUE(has(r[2], Action::drop_table));
}

TEST(Analyzer, TheParserFindsStatementsTheSplitterJoined) {
  // psql's rule treats `begin` after the first word as a block opener; the parser still sees two.
  const auto r = analyze("SELECT 1 AS begin; DROP TABLE users;");
  ASSERT_EQ(r.size(), 2U);
  EXPECT_TRUE(has(r[1], Action::drop_table));
  EXPECT_EQ(r[1].text, "DROP TABLE users");
}

TEST(Analyzer, ATenThousandDeepExpressionIsRefusedCleanly) {
  std::string nested = "SELECT ";
  for (int i = 0; i < 10000; ++i) nested += "(";
  nested += "1";
  for (int i = 0; i < 10000; ++i) nested += ")";
  const auto r = analyze(nested);
  ASSERT_EQ(r.size(), 1U);
  EXPECT_TRUE(r[0].is_parse_error());
}

TEST(Analyzer, ALeftDeepChainTooDeepToWalkIsRefusedAsALimit) {
  std::string chain = "SELECT 1";
  for (int i = 0; i < 100000; ++i) chain += "+1";  // ~200 KB, a 100,000-level tree
  const auto r = analyze(chain);
  ASSERT_EQ(r.size(), 1U);
  EXPECT_TRUE(r[0].is_parse_error());
  EXPECT_TRUE(r[0].analysis->limit_exceeded);
}

TEST(Analyzer, EveryDeepShapeJustUnderOneMegabyteIsRefusedWithoutACrash) {
  // Each of these once overflowed a stack or took minutes when handed to the parser.
  const std::vector<std::pair<std::string, std::string>> shapes = {
      {"SELECT ", "1+"}, {"SELECT ", "- "}, {"SELECT ", "NOT "}, {"SELECT ARRAY", "["},
      {"SELECT ", "f("}, {"SELECT ", "("},  {"", "SELECT ("},    {"SELECT ", "CASE WHEN a THEN "}};
  for (const auto& [prefix, unit] : shapes) {
    std::string text = prefix;
    while (text.size() + unit.size() < k_max_input_bytes - 16) text += unit;
    text += "1";
    const auto r = analyze(text);
    ASSERT_FALSE(r.empty()) << unit;
    EXPECT_TRUE(r[0].is_parse_error()) << unit;
  }
}

TEST(Analyzer, LongFlatStatementsAreNotMistakenForDeepOnes) {
  std::string in_list = "DELETE FROM t WHERE id IN (0";
  for (int i = 1; i < 50000; ++i) in_list += "," + std::to_string(i);
  in_list += ")";
  std::string ors = "DELETE FROM t WHERE id = 0";
  for (int i = 1; i < 20000; ++i) ors += " OR id = " + std::to_string(i);
  for (const auto& text : {in_list, ors}) {
    const auto r = analyze(text);
    ASSERT_EQ(r.size(), 1U);
    EXPECT_FALSE(r[0].is_parse_error()) << r[0].analysis->error;
    EXPECT_EQ(r[0].effects()[0].action, Action::delete_rows);
  }
}

TEST(Analyzer, InputOverOneMegabyteIsRefusedWhole) {
  const std::string big(k_max_input_bytes + 1, ' ');
  const auto r = analyze(big);
  ASSERT_EQ(r.size(), 1U);
  EXPECT_TRUE(r[0].analysis->limit_exceeded);
  EXPECT_EQ(r[0].effects()[0].action, Action::parse_error);
}

TEST(Analyzer, TheCacheHandsOutTheSameAnalysisForTheSameText) {
  Analyzer analyzer(16);
  // What is seen once is not kept; the second analysis is, and later sightings get that one.
  const auto first = analyzer.analyze("DELETE FROM t WHERE id = 1");
  const auto a = analyzer.analyze("DELETE FROM t WHERE id = 1");
  const auto b =
      analyzer.analyze("  DELETE FROM t WHERE id = 1");  // another input, the same statement
  ASSERT_EQ(a.size(), 1U);
  ASSERT_EQ(b.size(), 1U);
  EXPECT_NE(first[0].analysis.get(), a[0].analysis.get());
  EXPECT_EQ(a[0].analysis.get(), b[0].analysis.get());
  EXPECT_EQ(b[0].location.column, 3);
  // A repeated input is the very result the cache keeps; other options are another input.
  EXPECT_TRUE(a.same_result_as(analyzer.analyze("DELETE FROM t WHERE id = 1")));
  EXPECT_FALSE(first.same_result_as(a));
  for (int i = 0; i < 2; ++i) {
    (void)analyzer.analyze("SELECT 1", {.standard_conforming_strings = false});
    (void)analyzer.analyze("SELECT 1");
  }
  const auto off = analyzer.analyze("SELECT 1", {.standard_conforming_strings = false});
  const auto on = analyzer.analyze("SELECT 1");
  EXPECT_TRUE(on.same_result_as(analyzer.analyze("SELECT 1")));
  EXPECT_TRUE(
      off.same_result_as(analyzer.analyze("SELECT 1", {.standard_conforming_strings = false})));
  EXPECT_FALSE(off.same_result_as(on));
}

TEST(Analyzer, TextsSeenOnceDoNotPushOutTextsSeenAgain) {
  // A stream of one-off texts (constants written into the SQL) leaves a repeated one in place.
  Analyzer analyzer(4);
  (void)analyzer.analyze("DELETE FROM t WHERE id = 1");
  const auto kept = analyzer.analyze("DELETE FROM t WHERE id = 1");
  for (int i = 0; i < 100; ++i) (void)analyzer.analyze("UPDATE t SET n = " + std::to_string(i));
  EXPECT_TRUE(kept.same_result_as(analyzer.analyze("DELETE FROM t WHERE id = 1")));
}

TEST(Analyzer, AReadThatDiffersOnlyInItsConstantsSharesOneAnalysis) {
  Analyzer analyzer(16);
  (void)analyzer.analyze(
      "SELECT abalance FROM pgbench_accounts WHERE aid = 7;");  // the shape, once
  const auto a = analyzer.analyze("SELECT abalance FROM pgbench_accounts WHERE aid = 8;");
  const auto b = analyzer.analyze("SELECT abalance FROM pgbench_accounts WHERE aid = 123456;");
  const auto c =
      analyzer.analyze("SELECT abalance FROM pgbench_accounts WHERE aid = 'x''y' AND 1.5e3 > 2");
  ASSERT_EQ(a.size(), 1U);
  ASSERT_EQ(b.size(), 1U);
  EXPECT_EQ(a[0].analysis.get(), b[0].analysis.get());
  EXPECT_EQ(b[0].text, "SELECT abalance FROM pgbench_accounts WHERE aid = 123456");
  EXPECT_EQ(b[0].location.length, b[0].text.size());
  EXPECT_NE(a[0].analysis.get(), c[0].analysis.get());  // another shape
  EXPECT_EQ(c[0].text, "SELECT abalance FROM pgbench_accounts WHERE aid = 'x''y' AND 1.5e3 > 2");
}

TEST(Analyzer, ARowChangeThatDiffersOnlyInItsValuesSharesOneAnalysis) {
  Analyzer analyzer(64);
  // pgbench's TPC-B: every constant is a value, against a column or in a SET or a VALUES row.
  const std::vector<std::pair<std::string, std::string>> pairs = {
      {"UPDATE pgbench_accounts SET abalance = abalance + 4321 WHERE aid = 77;",
       "UPDATE pgbench_accounts SET abalance = abalance + 12 WHERE aid = 5;"},
      {"UPDATE pgbench_accounts SET abalance = abalance + -4321 WHERE aid = 77;",
       "UPDATE pgbench_accounts SET abalance = abalance + -12 WHERE aid = 5;"},
      {"INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (1, 2, 3, 4, CURRENT_TIMESTAMP);",
       "INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (9, 8, 7, 6, CURRENT_TIMESTAMP);"},
      {"UPDATE users SET name = 'a', status = 'x' WHERE id = 1;", "UPDATE users SET name = 'b', status = 'y' WHERE id = 2;"},
      {"DELETE FROM sessions WHERE expires < 100", "DELETE FROM sessions WHERE expires < 200"},
  };
  for (const auto& [first, second] : pairs) {
    for (int i = 0; i < 2; ++i) (void)analyzer.analyze(first);  // the shape, kept from its second sighting
    const auto a = analyzer.analyze(first);
    const auto b = analyzer.analyze(second);
    ASSERT_EQ(b.size(), 1U);
    EXPECT_EQ(a[0].analysis.get(), b[0].analysis.get()) << second;
    EXPECT_TRUE(b[0].analysis->shaped) << second;
    EXPECT_EQ(b[0].text + ";", second.back() == ';' ? second : second + ";");
  }
}

TEST(Analyzer, ConstantsThatCanChangeTheAnalysisAreNeverShared) {
  Analyzer analyzer(256);
  // Each harmless form is analyzed twice first: the cache keeps what it sees a second time, so
  // only then could its analysis be handed to the next form if constants were shared.
  // A function call's arguments decide: the harmless value first, then the one that disables
  // the safeguard.
  for (int i = 0; i < 2; ++i)
    (void)analyzer.analyze("SELECT set_config('session_replication_role', 'origin', false)");
  EXPECT_TRUE(
      has(analyzer.analyze("SELECT set_config('session_replication_role', 'replica', false)")[0],
          Action::disable_safeguard));
  for (int i = 0; i < 2; ++i) (void)analyzer.analyze("SET session_replication_role = 'origin'");
  EXPECT_TRUE(has(analyzer.analyze("SET session_replication_role = 'replica'")[0],
                  Action::disable_safeguard));
  // A WHERE that is constant does not filter; one that is not does.
  for (int i = 0; i < 2; ++i) (void)analyzer.analyze("DELETE FROM t WHERE id = 1");
  EXPECT_TRUE(has(analyzer.analyze("DELETE FROM t WHERE 1 = 1")[0], Action::delete_all));
  for (int i = 0; i < 2; ++i) (void)analyzer.analyze("DELETE FROM t WHERE 1 = 2");
  EXPECT_TRUE(has(analyzer.analyze("DELETE FROM t WHERE 2 = 2")[0], Action::delete_all));
  for (int i = 0; i < 2; ++i) (void)analyzer.analyze("UPDATE t SET a = 1 WHERE id = 1 OR 2 = 3");
  EXPECT_TRUE(has(analyzer.analyze("UPDATE t SET a = 1 WHERE id = 1 OR 2 = 2")[0], Action::update_all));
  for (int i = 0; i < 2; ++i) (void)analyzer.analyze("DELETE FROM t WHERE 'f'::boolean");
  EXPECT_TRUE(has(analyzer.analyze("DELETE FROM t WHERE 't'::boolean")[0], Action::delete_all));
  for (int i = 0; i < 2; ++i) (void)analyzer.analyze("UPDATE t SET a = 1 WHERE 1 <> 1");
  EXPECT_TRUE(has(analyzer.analyze("UPDATE t SET a = 1 WHERE 1 <> 2")[0], Action::update_all));
  // UPDATE pg_settings is the SET it performs: its value decides.
  for (int i = 0; i < 2; ++i)
    (void)analyzer.analyze("UPDATE pg_settings SET setting = 'origin' WHERE name = 'session_replication_role'");
  EXPECT_TRUE(has(analyzer.analyze("UPDATE pg_settings SET setting = 'replica' WHERE name = 'session_replication_role'")[0],
                  Action::disable_safeguard));
  // -5 is a constant; -'x' applies the prefix operator -, which a user may have defined.
  for (int i = 0; i < 2; ++i) (void)analyzer.analyze("SELECT 1 WHERE 1 = -5");
  const auto minus = analyzer.analyze("SELECT 1 WHERE 1 = -'x'");
  EXPECT_NE(std::find(minus[0].analysis->operators.begin(), minus[0].analysis->operators.end(), "-"),
            minus[0].analysis->operators.end());
  for (int i = 0; i < 2; ++i) (void)analyzer.analyze("UPDATE t SET a = -5 WHERE id = 1");
  const auto set_minus = analyzer.analyze("UPDATE t SET a = -'x' WHERE id = 1");
  EXPECT_NE(std::find(set_minus[0].analysis->operators.begin(), set_minus[0].analysis->operators.end(), "-"),
            set_minus[0].analysis->operators.end());
  // A number glued to a keyword is two tokens: SELECT 1into t creates a table, SELECT 5 t reads.
  for (int i = 0; i < 2; ++i) (void)analyzer.analyze("SELECT 5 t FROM s");
  EXPECT_FALSE(has(analyzer.analyze("SELECT 1into t FROM s")[0], Action::read) &&
               analyzer.analyze("SELECT 1into t FROM s")[0].effects().size() == 1);
  // A DO body in a plain string is code, whatever it says.
  for (int i = 0; i < 2; ++i) (void)analyzer.analyze("DO 'BEGIN PERFORM 1; END'");
  EXPECT_TRUE(has(analyzer.analyze("DO 'BEGIN DROP TABLE users; END'")[0], Action::drop_table));
  // An EXPLAIN option's value decides whether the statement runs: 'off' only reads.
  for (int i = 0; i < 2; ++i) (void)analyzer.analyze("EXPLAIN (ANALYZE 'off') DELETE FROM users");
  EXPECT_TRUE(
      has(analyzer.analyze("EXPLAIN (ANALYZE 'on') DELETE FROM users")[0], Action::delete_all));
  for (int i = 0; i < 2; ++i) (void)analyzer.analyze("EXPLAIN (ANALYZE 0) DELETE FROM users");
  EXPECT_TRUE(
      has(analyzer.analyze("EXPLAIN (ANALYZE 1) DELETE FROM users")[0], Action::delete_all));
  // UESCAPE's string is read by the lexer: one character parses, two do not.
  for (int i = 0; i < 2; ++i) (void)analyzer.analyze("SELECT U&\"d!0061t\" UESCAPE '!' FROM t");
  EXPECT_TRUE(
      has(analyzer.analyze("SELECT U&\"d!0061t\" UESCAPE '!]' FROM t")[0], Action::parse_error));
}

TEST(Analyzer, AFunctionWithoutABodyIsACreateAndNothingElse) {
  for (const char* sql : {"CREATE FUNCTION f(q text) RETURNS jsonb LANGUAGE plpgsql",
                          "CREATE OR REPLACE PROCEDURE p() LANGUAGE plpgsql",
                          "CREATE FUNCTION g() RETURNS int LANGUAGE sql"}) {
    const auto r = analyze(sql);
    ASSERT_EQ(r.size(), 1U) << sql;
    ASSERT_EQ(r[0].effects().size(), 1U) << sql;
    EXPECT_EQ(r[0].effects()[0].action, Action::ddl_create) << sql;
  }
}

TEST(Analyzer, EveryEffectNamesWhereItHides) {
  const auto r =
      analyze("CREATE FUNCTION purge() RETURNS void LANGUAGE sql AS $$ DELETE FROM users $$");
  ASSERT_EQ(r.size(), 1U);
  bool found = false;
  for (const auto& e : r[0].effects()) {
    if (e.action == Action::delete_all) {
      found = true;
      EXPECT_EQ(e.via, Via::function_body);
      EXPECT_EQ(e.via_name, "purge");
    }
  }
  EXPECT_TRUE(found);
}

TEST(Rewrite, ADeleteBecomesASoftDeleteUpdateWithTheSameCondition) {
  const auto r =
      analyze("DELETE FROM users u USING accounts a WHERE u.account_id = a.id AND a.closed");
  const auto sql = soft_delete_update(r[0].effects()[0], "deleted_at", "now()");
  ASSERT_TRUE(sql) << sql.error().message;
  EXPECT_EQ(*sql,
            "UPDATE users u SET deleted_at = now() FROM accounts a WHERE u.account_id = a.id AND "
            "a.closed");
}

TEST(Rewrite, ASoftDeleteValueCanBeAnyExpression) {
  const auto r = analyze("DELETE FROM users WHERE id = 1");
  const auto sql = soft_delete_update(r[0].effects()[0], "status", "'DELETED'");
  ASSERT_TRUE(sql);
  EXPECT_EQ(*sql, "UPDATE users SET status = 'DELETED' WHERE id = 1");
}

TEST(Rewrite, AReversalSelectsTheRowsTheStatementWouldChange) {
  const auto r = analyze("UPDATE ledger SET amount = 0 WHERE id = 7");
  const auto sql = reversal_insert(r[0].effects()[0]);
  ASSERT_TRUE(sql);
  EXPECT_EQ(*sql, "INSERT INTO ledger SELECT * FROM ledger WHERE id = 7");
}

TEST(Rewrite, AStatementOfAnySizeIsRewrittenFromItsOwnTree) {
  std::string del = "DELETE FROM users WHERE id IN (0";
  for (int i = 1; i < 5000; ++i) del += "," + std::to_string(i);
  del += ")";
  ASSERT_GT(del.size(), 16U * 1024);
  const auto r = analyze(del);
  ASSERT_EQ(r.size(), 1U);
  const auto sql = soft_delete_update(r[0].effects()[0], "deleted_at", "now()");
  ASSERT_TRUE(sql) << sql.error().message;
  EXPECT_EQ(sql->rfind("UPDATE users SET deleted_at = now() WHERE id IN (0, 1, 2, ", 0), 0U)
      << sql->substr(0, 80);
  EXPECT_NE(sql->find(", 4999)"), std::string::npos);
}

TEST(Rewrite, AStatementHiddenInACteIsFoundAgainInItsText) {
  const auto r = analyze(
      "SELECT 1; WITH gone AS (DELETE FROM users WHERE id = 7 RETURNING *) SELECT count(*) FROM "
      "gone");
  ASSERT_EQ(r.size(), 2U);
  const Effect* del = nullptr;
  for (const auto& e : r[1].effects()) {
    if (e.action == Action::delete_rows) del = &e;
  }
  ASSERT_NE(del, nullptr);
  const auto sql = soft_delete_update(*del, "deleted_at", "now()");
  ASSERT_TRUE(sql) << sql.error().message;
  EXPECT_EQ(*sql, "UPDATE users SET deleted_at = now() WHERE id = 7 RETURNING *");
}

TEST(Analyzer, CallsNoCallSyntaxShowsAreRecordedForDoorsThatKnowTheFunctions) {
  // Operators, `s.f` (f(s) where no column is named f), type names (domain CHECKs, casts) and
  // the relations a statement reads (a view's definition runs): the proxy looks each up.
  const auto a = analyze("SELECT s.purge, (s).wipe FROM sessions s JOIN public.v ON s.id ### v.id "
                         "WHERE 5::evil_dom BETWEEN 1 AND 9 ORDER BY 1 USING <<<")[0].analysis;
  const auto in = [](const auto& list, const auto& item) {
    return std::find(list.begin(), list.end(), item) != list.end();
  };
  EXPECT_TRUE(in(a->field_names, "purge"));
  EXPECT_TRUE(in(a->field_names, "wipe"));
  EXPECT_TRUE(in(a->operators, "###"));
  EXPECT_TRUE(in(a->operators, "<<<"));
  EXPECT_TRUE(in(a->operators, ">=")) << "BETWEEN is made of comparisons";
  EXPECT_TRUE(in(a->type_names, "evil_dom"));
  EXPECT_TRUE(in(a->relations_read, (ObjectName{"", "sessions"})));
  EXPECT_TRUE(in(a->relations_read, (ObjectName{"public", "v"})));
  // In a routine body too: what the body runs is what the call runs.
  const auto body = analyze("CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1 OPERATOR(s.#!#) 2 $$")[0].analysis;
  EXPECT_TRUE(in(body->operators, "#!#"));
}
