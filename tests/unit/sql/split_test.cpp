#include "sql/split.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using pgwarden::sql::contains_folded;
using pgwarden::sql::literal_shape;
using pgwarden::sql::split_statements;
using pgwarden::sql::SplitOptions;

namespace {

std::vector<std::string> pieces(std::string_view text, SplitOptions options = {}) {
  std::vector<std::string> out;
  for (const auto& c : split_statements(text, options))
    out.emplace_back(text.substr(c.begin, c.end - c.begin));
  return out;
}

}  // namespace

TEST(Split, SemicolonsSeparateStatementsAndLocationsStartAtTheFirstToken) {
  const std::string text = "  SELECT 1;\n-- note\nSELECT 2 ;";
  SplitOptions o;
  const auto chunks = split_statements(text, o);
  ASSERT_EQ(chunks.size(), 2U);
  EXPECT_EQ(text.substr(chunks[0].begin, chunks[0].end - chunks[0].begin), "SELECT 1");
  EXPECT_EQ(text.substr(chunks[1].begin, chunks[1].end - chunks[1].begin), "SELECT 2");
}

TEST(Split, ABackslashDoesNotEscapeInStandardConformingStrings) {
  EXPECT_EQ(pieces("SELECT '\\'; DROP TABLE users; --'"),
            (std::vector<std::string>{"SELECT '\\'", "DROP TABLE users"}));
}

TEST(Split, ABackslashEscapesInsideAnEString) {
  EXPECT_EQ(pieces("SELECT E'\\';DROP TABLE users;--'"),
            (std::vector<std::string>{"SELECT E'\\';DROP TABLE users;--'"}));
}

TEST(Split, SetStandardConformingStringsOffMakesBackslashesEscapeInLaterStatements) {
  const auto p = pieces("SET standard_conforming_strings = off; SELECT 'a\\''; DROP TABLE t; --'");
  ASSERT_EQ(p.size(), 3U);
  EXPECT_EQ(p[1], "SELECT 'a\\''");
  EXPECT_EQ(p[2], "DROP TABLE t");
}

TEST(Split, DollarQuotesNestedCommentsAndQuotedIdentifiersHideSemicolons) {
  EXPECT_EQ(pieces("SELECT $x$ ; $$ ; $x$; /* a /* b; */ c; */ SELECT \"a;b\""),
            (std::vector<std::string>{"SELECT $x$ ; $$ ; $x$", "SELECT \"a;b\""}));
}

TEST(Split, APositionalParameterIsNotADollarQuote) {
  EXPECT_EQ(pieces("SELECT $1; SELECT 2"), (std::vector<std::string>{"SELECT $1", "SELECT 2"}));
}

TEST(Split, BeginAtomicBodiesKeepTheirSemicolons) {
  const auto p = pieces(
      "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT CASE WHEN true "
      "THEN 2 END; END; "
      "SELECT 3");
  ASSERT_EQ(p.size(), 2U);
  EXPECT_EQ(p[1], "SELECT 3");
}

TEST(Split, ATransactionBeginIsNotABlock) {
  EXPECT_EQ(pieces("BEGIN; DELETE FROM t; END;").size(), 3U);
}

TEST(Split, AnUnterminatedStringRunsToTheEnd) {
  EXPECT_EQ(pieces("SELECT 1; SELECT 'oops; DROP TABLE t;"),
            (std::vector<std::string>{"SELECT 1", "SELECT 'oops; DROP TABLE t;"}));
}

TEST(Split, PsqlMetaCommandsAreSkippedAndGsetEndsAStatement) {
  SplitOptions o;
  o.psql_meta_commands = true;
  EXPECT_EQ(pieces("\\set x 1\nSELECT 1 AS a \\gset\nSELECT 2;", o),
            (std::vector<std::string>{"SELECT 1 AS a", "SELECT 2"}));
}

TEST(Split, CopyFromStdinDataIsSkippedUpToTheTerminator) {
  SplitOptions o;
  o.psql_meta_commands = true;
  EXPECT_EQ(pieces("COPY t FROM stdin;\n1\tDROP TABLE x;\n\\.\nSELECT 1;", o),
            (std::vector<std::string>{"COPY t FROM stdin", "SELECT 1"}));
}

TEST(Split, ACarriageReturnEndsADashDashCommentAsInPostgreSQL) {
  // scan.l: a -- comment is "--" followed by anything but \n and \r. What follows a lone \r is
  // SQL: here a string, then a second statement.
  EXPECT_EQ(pieces("SELECT --\r'\n'; DELETE FROM users --'").size(), 2U);
  // Read as PostgreSQL reads it, the constant is '\n', which is not printable: no shape, so no
  // text can borrow this one's analysis (a -- comment ending only at \n made the shape
  // "SELECT --\r'\n<string>", which the second text has too).
  EXPECT_EQ(literal_shape("SELECT --\r'\n' AS x --'"), "");
  EXPECT_EQ(literal_shape("SELECT --\rx = 'a' -- 'b'"), "SELECT --\rx = \x02 -- 'b'");
}

TEST(Split, CommentsAndSpacesAloneAreNoStatement) {
  EXPECT_TRUE(pieces("  -- nothing\n /* here */ ;; ").empty());
}

TEST(LiteralShape, StringAndNumericConstantsBecomeOnePlaceholderEach) {
  EXPECT_EQ(
      literal_shape("SELECT a FROM t WHERE id = 42 AND s = 'it''s' AND e = E'\\'' AND f = 1.5e-3"),
      "SELECT a FROM t WHERE id = \x01 AND s = \x02 AND e = E'\\'' AND f = \x01");
  // A string is not a number: -5 is one constant, -'5' applies the operator - (a user's,
  // perhaps) to a string.
  EXPECT_NE(literal_shape("SELECT 1 WHERE 1 = -5"), literal_shape("SELECT 1 WHERE 1 = -'5'"));
  // Row changes are shaped too; whether their analysis is shared is the analyzer's to say.
  EXPECT_EQ(literal_shape("UPDATE t SET a = a + 5 WHERE id = 7"), "UPDATE t SET a = a + \x01 WHERE id = \x01");
  EXPECT_EQ(literal_shape("insert into t values (1, 'x')"), "insert into t values (\x01, \x02)");
  // A string whose value could fail the lexer leaves the chunk unshaped.
  EXPECT_EQ(literal_shape("SELECT 1, 'unterminated"), "");
  EXPECT_EQ(literal_shape("SELECT 1, 'caf\xc3\xa9'"), "");
  // What is not a plain constant stays: identifiers with digits, parameters, dollar quotes,
  // quoted identifiers, bit strings, and a keyword glued to a number.
  EXPECT_EQ(literal_shape("SELECT t1.c2, $1, $$x$$, \"9\", B'101' FROM t1"), "");
  EXPECT_EQ(literal_shape("SELECT 1into t"), "SELECT \x01into t");
  EXPECT_EQ(literal_shape("SELECT 1"), "SELECT \x01");
  // Only queries are shaped: an EXPLAIN's or a utility statement's options are constants too.
  EXPECT_EQ(literal_shape("EXPLAIN (ANALYZE 'off') DELETE FROM t"), "");
  EXPECT_EQ(literal_shape("/* c */ ( WITH x AS (SELECT 1) TABLE x)"),
            "/* c */ ( WITH x AS (SELECT \x01) TABLE x)");
  EXPECT_EQ(literal_shape("values (1)"), "values (\x01)");
  EXPECT_EQ(literal_shape("CREATE TABLE t (v varchar(5) DEFAULT 'x')"), "");
  // The string after UESCAPE is read by the lexer.
  EXPECT_EQ(literal_shape("SELECT U&\"d!0061t\" uescape '!' FROM t"), "");
}

TEST(ContainsFolded, FindsAKeywordInAnyLetterCaseAnywhere) {
  EXPECT_TRUE(
      contains_folded("SET Standard_Conforming_Strings = off", "standard_conforming_strings"));
  EXPECT_TRUE(
      contains_folded("select 1 -- STANDARD_CONFORMING_STRINGS", "standard_conforming_strings"));
  EXPECT_TRUE(contains_folded("U&\"d!0061t\" UESCAPE '!'", "uescape"));
  EXPECT_TRUE(contains_folded("uescape", "uescape"));
  EXPECT_TRUE(contains_folded("uuescape", "uescape"))
      << "a false start is not the end of the search";
  EXPECT_FALSE(contains_folded("uescap", "uescape"));
  EXPECT_FALSE(contains_folded("SELECT standard_conforming_string", "standard_conforming_strings"));
  EXPECT_FALSE(contains_folded("u\xc3\x89scape", "uescape")) << "only ASCII letters fold";
  EXPECT_FALSE(contains_folded("", "uescape"));
}
