// hook/shell: the command lines agents write, parsed into what the judge reads — each word's
// known value (or that it is unknown), the command structure, heredoc bodies, and errors.
#include "hook/shell.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

using namespace pgwarden::hook::shell;
using Kind = WordPart::Kind;

Script parsed(std::string_view input) {
  auto result = parse(input);
  if (!result) {
    ADD_FAILURE() << "parse failed at " << result.error().offset << ": " << result.error().message
                  << "\n  input: " << input;
    return {};
  }
  return *std::move(result);
}

ParseError error_of(std::string_view input) {
  auto result = parse(input);
  if (result) {
    ADD_FAILURE() << "expected a parse error for: " << input;
    return {};
  }
  return result.error();
}

// The one command of a one-command script.
Command only(std::string_view input) {
  Script s = parsed(input);
  if (s.items.size() != 1 || s.items[0].pipelines.size() != 1 ||
      s.items[0].pipelines[0].commands.size() != 1) {
    ADD_FAILURE() << "expected exactly one command in: " << input;
    return {};
  }
  return std::move(s.items[0].pipelines[0].commands[0]);
}

// Each word's value, or its text in <angle brackets> when it is not known now.
std::vector<std::string> values(const std::vector<Word>& words) {
  std::vector<std::string> out;
  for (const Word& w : words) out.push_back(w.known() ? *w.value() : "<" + w.text() + ">");
  return out;
}
std::vector<std::string> words_of(std::string_view input) { return values(only(input).words); }

const char* kind_name(Command::Kind k) {
  switch (k) {
    case Command::Kind::simple: return "simple";
    case Command::Kind::subshell: return "subshell";
    case Command::Kind::group: return "group";
    case Command::Kind::if_clause: return "if";
    case Command::Kind::while_loop: return "while";
    case Command::Kind::until_loop: return "until";
    case Command::Kind::for_loop: return "for";
    case Command::Kind::case_clause: return "case";
    case Command::Kind::function: return "function";
    case Command::Kind::test: return "test";
    case Command::Kind::arithmetic: return "arithmetic";
  }
  return "?";
}

// The list structure in one line: simple commands by their words, others by their kind.
std::string shape(const Script& script) {
  std::string out;
  for (std::size_t i = 0; i < script.items.size(); ++i) {
    const AndOr& a = script.items[i];
    if (i > 0) out += "; ";
    for (std::size_t p = 0; p < a.pipelines.size(); ++p) {
      if (p > 0) out += a.connectors[p - 1] == AndOr::Connector::and_if ? " && " : " || ";
      const Pipeline& pl = a.pipelines[p];
      if (pl.negated) out += "! ";
      for (std::size_t c = 0; c < pl.commands.size(); ++c) {
        if (c > 0) out += pl.stderr_too ? " |& " : " | ";
        const Command& cmd = pl.commands[c];
        if (cmd.kind != Command::Kind::simple) {
          out += kind_name(cmd.kind);
          continue;
        }
        std::string text;
        for (const Word& w : cmd.words) text += (text.empty() ? "" : " ") + w.text();
        out += text;
      }
    }
    if (a.background) out += " &";
  }
  return out;
}
std::string shape(std::string_view input) { return shape(parsed(input)); }

const WordPart& part(const Word& w, std::size_t i) {
  static const WordPart none;
  if (i >= w.parts.size()) {
    ADD_FAILURE() << "word `" << w.text() << "` has no part " << i;
    return none;
  }
  return w.parts[i];
}

std::string slice(std::string_view input, std::size_t begin, std::size_t end) {
  return std::string(input.substr(begin, end - begin));
}

using V = std::vector<std::string>;

// --- Words and quoting ----------------------------------------------------------------------

TEST(ShellParse, DoubleQuotedSqlIsOneKnownWord) {
  EXPECT_EQ(words_of(R"(psql -c "DROP TABLE users")"), (V{"psql", "-c", "DROP TABLE users"}));
}

TEST(ShellParse, SingleQuotesKeepEverythingLiteral) {
  EXPECT_EQ(words_of(R"(psql -c 'DROP TABLE "Users"; -- $x `y` \n')"),
            (V{"psql", "-c", R"(DROP TABLE "Users"; -- $x `y` \n)"}));
}

TEST(ShellParse, AParameterInsideDoubleQuotesMakesTheWordUnknown) {
  const Command c = only(R"(psql -c "$SQL")");
  ASSERT_EQ(c.words.size(), 3U);
  EXPECT_FALSE(c.words[2].known());
  EXPECT_EQ(c.words[2].value(), std::nullopt);
  EXPECT_EQ(part(c.words[2], 0).kind, Kind::parameter);
  EXPECT_EQ(part(c.words[2], 0).text, "SQL");
  EXPECT_TRUE(part(c.words[2], 0).quoted);
  EXPECT_FALSE(part(c.words[2], 0).has_operator);
}

TEST(ShellParse, KnownPrefixOfAFlagSurvivesInText) {
  const Command c = only(R"(psql --file="$F" -v x=1)");
  EXPECT_EQ(c.words[1].text(), "--file=$F");
  EXPECT_EQ(part(c.words[1], 0).text, "--file=");
  EXPECT_EQ(values(c.words), (V{"psql", "<--file=$F>", "-v", "x=1"}));
}

TEST(ShellParse, DoubleQuotesUnescapeOnlyDollarBackquoteQuoteBackslashAndNewline) {
  EXPECT_EQ(words_of("echo \"\\$x \\` \\\" \\\\ \\n \\a a\\\nb\""),
            (V{"echo", "$x ` \" \\ \\n \\a ab"}));
}

TEST(ShellParse, BackslashOutsideQuotesEscapesTheNextCharacter) {
  EXPECT_EQ(words_of(R"(echo \$HOME a\ b \"x\" \\)"), (V{"echo", "$HOME", "a b", "\"x\"", "\\"}));
}

TEST(ShellParse, EmptyQuotesAreAnEmptyArgument) {
  const Command c = only(R"(psql -c "" '')");
  EXPECT_EQ(values(c.words), (V{"psql", "-c", "", ""}));
}

TEST(ShellParse, AdjacentQuotingsJoinIntoOneWord) {
  EXPECT_EQ(words_of(R"(echo 'DROP '"TABLE "users)"), (V{"echo", "DROP TABLE users"}));
}

TEST(ShellParse, LineContinuationIsRemovedOutsideSingleQuotes) {
  EXPECT_EQ(words_of("psql \\\n  -c \"DROP \\\nTABLE\" 'a\\\nb' x\\\ny"),
            (V{"psql", "-c", "DROP TABLE", "a\\\nb", "xy"}));
}

TEST(ShellParse, LineContinuationMayFallInsideAnOperator) {
  EXPECT_EQ(shape("a &\\\n& b"), "a && b");
}

TEST(ShellParse, AnsiCQuotingIsDecoded) {
  EXPECT_EQ(words_of(R"(psql -c $'DROP\tTABLE \'x\'\n')"), (V{"psql", "-c", "DROP\tTABLE 'x'\n"}));
  EXPECT_EQ(words_of(R"(echo $'\x41\101\u00e9\e[0m\a\\\"')"),
            (V{"echo", "AA\xc3\xa9\x1b[0m\a\\\""}));
  EXPECT_EQ(words_of(R"(echo $'\cA\q\x')"), (V{"echo", "\x01\\q\\x"}));
}

TEST(ShellParse, AnsiCQuotingStopsAtNulLikeBash) {
  EXPECT_EQ(words_of(R"(echo $'DROP\0 TABLE'x)"), (V{"echo", "DROPx"}));
}

TEST(ShellParse, LocaleQuotingIsReadAsDoubleQuotes) {
  const Command c = only(R"(echo $"hello $USER")");
  EXPECT_EQ(c.words[1].text(), "hello $USER");
  EXPECT_FALSE(c.words[1].known());
}

TEST(ShellParse, CommentsStartOnlyAtAWord) {
  EXPECT_EQ(shape("echo a#b # drop everything\n# whole line\necho c"), "echo a#b; echo c");
}

TEST(ShellParse, EmptyAndCommentOnlyInputGiveAnEmptyScript) {
  EXPECT_TRUE(parsed("").items.empty());
  EXPECT_TRUE(parsed(" \t\n\n").items.empty());
  EXPECT_TRUE(parsed("# nothing here\n  # or here").items.empty());
}

// --- Parameters ------------------------------------------------------------------------------

TEST(ShellParse, SpecialAndPositionalParametersAreParts) {
  const Command c = only("echo $1 $@ $* $# $? $$ $! $- $0 $10");
  std::vector<std::string> names;
  for (std::size_t i = 1; i < c.words.size(); ++i) {
    ASSERT_EQ(part(c.words[i], 0).kind, Kind::parameter) << c.words[i].text();
    names.push_back(part(c.words[i], 0).text);
  }
  EXPECT_EQ(names, (V{"1", "@", "*", "#", "?", "$", "!", "-", "0", "1"}));
  EXPECT_EQ(part(c.words.back(), 1).text, "0");  // $10 is $1 then 0
}

TEST(ShellParse, BracedParametersNameTheParameterAndFlagOperators) {
  const Command c = only(R"(echo ${NAME} ${DB:-postgres} ${#x} ${x/a/b} ${10})");
  EXPECT_EQ(part(c.words[1], 0).text, "NAME");
  EXPECT_FALSE(part(c.words[1], 0).has_operator);
  EXPECT_EQ(part(c.words[2], 0).text, "DB");
  EXPECT_TRUE(part(c.words[2], 0).has_operator);
  EXPECT_EQ(part(c.words[2], 0).source, "${DB:-postgres}");
  EXPECT_EQ(part(c.words[3], 0).text, "x");
  EXPECT_TRUE(part(c.words[3], 0).has_operator);
  EXPECT_TRUE(part(c.words[4], 0).has_operator);
  EXPECT_EQ(part(c.words[5], 0).text, "10");
}

TEST(ShellParse, BracedParameterMayHoldQuotedBraces) {
  const Command c = only(R"(echo ${x:-"}"} "${y:-'}'}" z)");
  EXPECT_EQ(values(c.words), (V{"echo", "<${x:-\"}\"}>", "<${y:-'}'}>", "z"}));
}

TEST(ShellParse, CommandSubstitutionInsideAParameterDefaultIsKept) {
  const Command c = only(R"(echo ${DB:-$(psql -c 'drop table t')})");
  const WordPart& p = part(c.words[1], 0);
  ASSERT_TRUE(p.script);
  EXPECT_EQ(shape(*p.script), "psql -c drop table t");
}

TEST(ShellParse, ALoneDollarIsLiteral) {
  EXPECT_EQ(words_of(R"(echo $ a$ "$" $% 5$)"), (V{"echo", "$", "a$", "$", "$%", "5$"}));
}

// --- Substitutions ---------------------------------------------------------------------------

TEST(ShellParse, CommandSubstitutionBodyIsParsed) {
  const Command c = only(R"sh(psql -c "$(cat drop.sql)")sh");
  const WordPart& p = part(c.words[2], 0);
  EXPECT_EQ(p.kind, Kind::command);
  EXPECT_TRUE(p.quoted);
  EXPECT_EQ(p.text, "cat drop.sql");
  ASSERT_TRUE(p.script);
  EXPECT_EQ(shape(*p.script), "cat drop.sql");
}

TEST(ShellParse, CommandSubstitutionEndsByGrammarNotByCounting) {
  const Command c = only(R"sh(echo $(case x in a) echo ")";; esac) $(echo ")" ')') done)sh");
  ASSERT_EQ(c.words.size(), 4U);
  ASSERT_TRUE(part(c.words[1], 0).script);
  EXPECT_EQ(shape(*part(c.words[1], 0).script), "case");
  EXPECT_EQ(shape(*part(c.words[2], 0).script), "echo ) )");
  EXPECT_EQ(c.words[3].value(), "done");
}

TEST(ShellParse, NestedCommandSubstitutions) {
  const Command c = only(R"sh(psql -c "$(echo "$(cat "$(ls))")")")sh");
  const Script* s = part(c.words[2], 0).script.get();
  ASSERT_TRUE(s);
  const Word& inner = s->items[0].pipelines[0].commands[0].words[1];
  ASSERT_TRUE(part(inner, 0).script);
  const Word& innermost = part(inner, 0).script->items[0].pipelines[0].commands[0].words[1];
  EXPECT_EQ(innermost.text(), "$(ls))");  // `)` inside the quotes is a literal
  EXPECT_EQ(part(innermost, 0).kind, Kind::command);
  EXPECT_EQ(part(innermost, 1).text, ")");
  EXPECT_EQ(values(part(innermost, 0).script->items[0].pipelines[0].commands[0].words),
            (V{"ls"}));
}

TEST(ShellParse, BackquotesUnescapeTheirBodyBeforeParsing) {
  const Command c = only(R"(echo `echo \"hi\" \$x` "`echo \"hi\"`")");
  ASSERT_TRUE(part(c.words[1], 0).script);
  EXPECT_EQ(values(part(c.words[1], 0).script->items[0].pipelines[0].commands[0].words),
            (V{"echo", "\"hi\"", "<$x>"}));
  EXPECT_EQ(values(part(c.words[2], 0).script->items[0].pipelines[0].commands[0].words),
            (V{"echo", "hi"}));
}

TEST(ShellParse, ProcessSubstitutionIsACommandPart) {
  const Command c = only("diff <(psql -c 'select 1') >(cat)");
  EXPECT_EQ(part(c.words[1], 0).kind, Kind::command);
  EXPECT_EQ(shape(*part(c.words[1], 0).script), "psql -c select 1");
  EXPECT_EQ(shape(*part(c.words[2], 0).script), "cat");
  EXPECT_TRUE(c.redirects.empty());
}

TEST(ShellParse, ArithmeticExpansionKeepsItsExpression) {
  const Command c = only("echo $((1 + (2 * $n))) $((x))");
  EXPECT_EQ(part(c.words[1], 0).kind, Kind::arithmetic);
  EXPECT_EQ(part(c.words[1], 0).text, "1 + (2 * $n)");
  EXPECT_EQ(part(c.words[2], 0).text, "x");
}

TEST(ShellParse, DollarDoubleParenWithoutDoubleCloseIsASubshellSubstitution) {
  const Command c = only("echo $((echo a); (echo b))");
  EXPECT_EQ(part(c.words[1], 0).kind, Kind::command);
  EXPECT_EQ(shape(*part(c.words[1], 0).script), "subshell; subshell");
}

// --- Globs and tildes ------------------------------------------------------------------------

TEST(ShellParse, UnquotedGlobCharactersArePartsQuotedOnesLiteral) {
  const Command c = only(R"(rm *.sql "*.bak" a?b [ab]c '[x]' {a,b}.sql)");
  EXPECT_EQ(part(c.words[1], 0).kind, Kind::glob);
  EXPECT_EQ(c.words[2].value(), "*.bak");
  EXPECT_EQ(part(c.words[3], 1).kind, Kind::glob);
  EXPECT_EQ(part(c.words[4], 0).text, "[ab]");
  EXPECT_EQ(c.words[5].value(), "[x]");
  EXPECT_FALSE(c.words[6].known());  // brace expansion makes several words
}

TEST(ShellParse, TestBracketsAreLiteralWords) {
  EXPECT_EQ(words_of("[ -f x ] "), (V{"[", "-f", "x", "]"}));
}

TEST(ShellParse, LeadingTildeIsAPartUpToTheFirstSlash) {
  const Command c = only(R"(cat ~/db.sql ~postgres/x "~" a~b)");
  EXPECT_EQ(part(c.words[1], 0).kind, Kind::tilde);
  EXPECT_EQ(part(c.words[1], 0).text, "~");
  EXPECT_EQ(part(c.words[1], 1).text, "/db.sql");
  EXPECT_EQ(part(c.words[2], 0).text, "~postgres");
  EXPECT_EQ(c.words[3].value(), "~");
  EXPECT_EQ(c.words[4].value(), "a~b");
}

// --- Lists and pipelines ---------------------------------------------------------------------

TEST(ShellParse, AndOrListsSequenceAndBackground) {
  const Script s = parsed("a && b || c; d & e");
  ASSERT_EQ(s.items.size(), 3U);
  EXPECT_EQ(s.items[0].pipelines.size(), 3U);
  EXPECT_EQ(s.items[0].connectors,
            (std::vector<AndOr::Connector>{AndOr::Connector::and_if, AndOr::Connector::or_if}));
  EXPECT_FALSE(s.items[0].background);
  EXPECT_TRUE(s.items[1].background);
  EXPECT_FALSE(s.items[2].background);
  EXPECT_EQ(shape(s), "a && b || c; d &; e");
}

TEST(ShellParse, PipelineOfTwo) {
  const Script s = parsed("echo 'x' | psql -d db");
  ASSERT_EQ(s.items.size(), 1U);
  ASSERT_EQ(s.items[0].pipelines[0].commands.size(), 2U);
  EXPECT_EQ(values(s.items[0].pipelines[0].commands[1].words), (V{"psql", "-d", "db"}));
}

TEST(ShellParse, NegationAndStderrPipe) {
  const Script s = parsed("! psql -c x |& tee log");
  EXPECT_TRUE(s.items[0].pipelines[0].negated);
  EXPECT_TRUE(s.items[0].pipelines[0].stderr_too);
  EXPECT_EQ(shape(s), "! psql -c x |& tee log");
}

TEST(ShellParse, NewlinesSeparateAndMayFollowOperators) {
  EXPECT_EQ(shape("a\nb &&\n\n c |\n d\n\ne;"), "a; b && c | d; e");
}

// --- Redirections ----------------------------------------------------------------------------

TEST(ShellParse, RedirectionsWithIoNumbers) {
  const Command c = only("psql 2>&1 >/dev/null 0<in.sql");
  EXPECT_EQ(values(c.words), (V{"psql"}));
  ASSERT_EQ(c.redirects.size(), 3U);
  EXPECT_EQ(c.redirects[0].op, Redirect::Op::dup_output);
  EXPECT_EQ(c.redirects[0].fd, 2);
  EXPECT_EQ(c.redirects[0].target.value(), "1");
  EXPECT_EQ(c.redirects[1].op, Redirect::Op::output);
  EXPECT_EQ(c.redirects[1].fd, -1);
  EXPECT_EQ(c.redirects[1].target.value(), "/dev/null");
  EXPECT_EQ(c.redirects[2].op, Redirect::Op::input);
  EXPECT_EQ(c.redirects[2].fd, 0);
}

TEST(ShellParse, EveryRedirectionOperator) {
  const Command c = only("cmd <a >b >>c >|d <>e <&3 >&- &>f &>>g <<<h");
  std::vector<Redirect::Op> ops;
  for (const Redirect& r : c.redirects) ops.push_back(r.op);
  using R = Redirect::Op;
  EXPECT_EQ(ops, (std::vector<R>{R::input, R::output, R::append, R::clobber, R::read_write,
                                 R::dup_input, R::dup_output, R::output_all, R::append_all,
                                 R::herestring}));
  EXPECT_EQ(c.redirects[6].target.value(), "-");
}

TEST(ShellParse, RedirectionMayStandAnywhereAmongTheWords) {
  const Command c = only("psql <drop.sql -d db");
  EXPECT_EQ(values(c.words), (V{"psql", "-d", "db"}));
  ASSERT_EQ(c.redirects.size(), 1U);
  EXPECT_EQ(c.redirects[0].target.value(), "drop.sql");
  EXPECT_EQ(only("psql < drop.sql").redirects[0].target.value(), "drop.sql");
  EXPECT_EQ(values(only(">out echo hi").words), (V{"echo", "hi"}));
}

TEST(ShellParse, DigitsNotTouchingTheOperatorAreAWord) {
  const Command c = only("echo 2 >x a2>y");
  EXPECT_EQ(values(c.words), (V{"echo", "2", "a2"}));
  EXPECT_EQ(c.redirects[0].fd, -1);
  EXPECT_EQ(c.redirects[1].fd, -1);
}

TEST(ShellParse, HereStringCarriesTheSql) {
  const Command c = only(R"(psql <<< "DROP TABLE t")");
  ASSERT_EQ(c.redirects.size(), 1U);
  EXPECT_EQ(c.redirects[0].op, Redirect::Op::herestring);
  EXPECT_EQ(c.redirects[0].target.value(), "DROP TABLE t");
}

// --- Heredocs --------------------------------------------------------------------------------

TEST(ShellParse, QuotedHeredocBodyIsLiteral) {
  const Command c = only("psql <<'EOF'\nDROP TABLE $x;\nEOF");
  ASSERT_EQ(c.redirects.size(), 1U);
  const Redirect& r = c.redirects[0];
  EXPECT_EQ(r.op, Redirect::Op::heredoc);
  EXPECT_EQ(r.target.value(), "EOF");
  EXPECT_EQ(r.body.value(), "DROP TABLE $x;\n");
}

TEST(ShellParse, EveryFormOfDelimiterQuotingMakesTheBodyLiteral) {
  for (const char* op : {"<<\"EOF\"", "<<\\EOF", "<<E\"O\"F", "<< 'EOF'"}) {
    const Command c = only(std::string("psql ") + op + "\n$(rm -rf /) `x` $y\nEOF\n");
    ASSERT_EQ(c.redirects.size(), 1U) << op;
    EXPECT_EQ(c.redirects[0].target.value(), "EOF") << op;
    EXPECT_EQ(c.redirects[0].body.value(), "$(rm -rf /) `x` $y\n") << op;
  }
}

TEST(ShellParse, UnquotedHeredocBodyExpands) {
  const Command c = only("psql <<EOF\nDROP TABLE $x; -- \"q\" \\$y $(date)\nEOF\n");
  const Word& body = c.redirects[0].body;
  EXPECT_FALSE(body.known());
  EXPECT_EQ(body.text(), "DROP TABLE $x; -- \"q\" $y $(date)\n");
  ASSERT_GE(body.parts.size(), 2U);
  EXPECT_EQ(part(body, 1).kind, Kind::parameter);
  EXPECT_EQ(part(body, 1).text, "x");
  bool has_command = false;
  for (const WordPart& p : body.parts) has_command = has_command || p.kind == Kind::command;
  EXPECT_TRUE(has_command);
}

TEST(ShellParse, UnquotedHeredocWithoutExpansionsIsKnown) {
  const Command c = only("psql <<SQL\nSELECT 1;\nSQL");
  EXPECT_EQ(c.redirects[0].body.value(), "SELECT 1;\n");
}

TEST(ShellParse, DashHeredocStripsLeadingTabs) {
  const Command c = only("psql <<-EOF\n\t\tDROP TABLE t;\n\t  x\n\tEOF\n");
  EXPECT_TRUE(c.redirects[0].strip_tabs);
  EXPECT_EQ(c.redirects[0].body.value(), "DROP TABLE t;\n  x\n");
}

TEST(ShellParse, TwoHeredocsOnOneLineAreReadInOrder) {
  const Script s = parsed("cat <<A <<B; psql <<C\na\nA\nb\nB\nc\nC\necho after");
  EXPECT_EQ(shape(s), "cat; psql; echo after");
  const Command& cat = s.items[0].pipelines[0].commands[0];
  ASSERT_EQ(cat.redirects.size(), 2U);
  EXPECT_EQ(cat.redirects[0].body.value(), "a\n");
  EXPECT_EQ(cat.redirects[1].body.value(), "b\n");
  EXPECT_EQ(s.items[1].pipelines[0].commands[0].redirects[0].body.value(), "c\n");
}

TEST(ShellParse, HeredocWithoutDelimiterRunsToTheEndOfInput) {
  EXPECT_EQ(only("psql <<EOF\nDROP TABLE t;\nEO").redirects[0].body.value(),
            "DROP TABLE t;\nEO");
  EXPECT_EQ(only("psql <<EOF").redirects[0].body.value(), "");
}

TEST(ShellParse, HeredocInsideCommandSubstitution) {
  const Command c = only("psql -c \"$(cat <<EOF\nDROP TABLE t;\nEOF\n)\" -d db");
  EXPECT_EQ(values(c.words), (V{"psql", "-c", "<$(cat <<EOF\nDROP TABLE t;\nEOF\n)>", "-d", "db"}));
  const Script& body = *part(c.words[2], 0).script;
  EXPECT_EQ(body.items[0].pipelines[0].commands[0].redirects[0].body.value(), "DROP TABLE t;\n");
}

TEST(ShellParse, HeredocInsideALoopAndPipeline) {
  const Script s = parsed("for db in a b; do\n  psql \"$db\" <<SQL | tee log\nVACUUM;\nSQL\ndone");
  const Command& loop = s.items[0].pipelines[0].commands[0];
  const Pipeline& inner = loop.bodies[0].items[0].pipelines[0];
  ASSERT_EQ(inner.commands.size(), 2U);
  EXPECT_EQ(inner.commands[0].redirects[0].body.value(), "VACUUM;\n");
}

// --- Assignments -----------------------------------------------------------------------------

TEST(ShellParse, AssignmentsBeforeTheCommandName) {
  const Command c = only("PGPASSWORD=x PGHOST=db psql -c 'select 1'");
  ASSERT_EQ(c.assignments.size(), 2U);
  EXPECT_EQ(c.assignments[0].name, "PGPASSWORD");
  EXPECT_EQ(c.assignments[0].value.value(), "x");
  EXPECT_EQ(c.assignments[1].name, "PGHOST");
  EXPECT_EQ(values(c.words), (V{"psql", "-c", "select 1"}));
}

TEST(ShellParse, AssignmentAfterTheCommandNameIsAWord) {
  const Command c = only("env X=1 cmd");
  EXPECT_TRUE(c.assignments.empty());
  EXPECT_EQ(values(c.words), (V{"env", "X=1", "cmd"}));
  EXPECT_EQ(values(only("export X=1").words), (V{"export", "X=1"}));
}

TEST(ShellParse, AssignmentValuesMayBeQuotedOrUnknown) {
  const Command c = only(R"(SQL="DROP TABLE t" N+=$x E= )");
  ASSERT_EQ(c.assignments.size(), 3U);
  EXPECT_EQ(c.assignments[0].value.value(), "DROP TABLE t");
  EXPECT_TRUE(c.assignments[1].append);
  EXPECT_EQ(c.assignments[1].name, "N");
  EXPECT_FALSE(c.assignments[1].value.known());
  EXPECT_EQ(c.assignments[2].value.value(), "");
  EXPECT_TRUE(c.words.empty());
}

TEST(ShellParse, QuotedNameIsNotAnAssignment) {
  EXPECT_EQ(words_of(R"("X"=1 a\=b)"), (V{"X=1", "a=b"}));
}

TEST(ShellParse, ArrayAssignment) {
  const Command c = only("dbs=(app \"audit log\" $EXTRA\n  # comment\n  last) psql");
  ASSERT_EQ(c.assignments.size(), 1U);
  const Assignment& a = c.assignments[0];
  EXPECT_TRUE(a.array);
  EXPECT_EQ(a.name, "dbs");
  EXPECT_EQ(values(a.elements), (V{"app", "audit log", "<$EXTRA>", "last"}));
  EXPECT_EQ(values(c.words), (V{"psql"}));
}

// --- Compound commands -----------------------------------------------------------------------

TEST(ShellParse, ForLoopOverAGlob) {
  const Command c = only(R"(for f in *.sql; do psql -f "$f"; done)");
  EXPECT_EQ(c.kind, Command::Kind::for_loop);
  EXPECT_EQ(c.name, "f");
  ASSERT_EQ(c.words.size(), 1U);
  EXPECT_EQ(part(c.words[0], 0).kind, Kind::glob);
  ASSERT_EQ(c.bodies.size(), 1U);
  EXPECT_EQ(shape(c.bodies[0]), "psql -f $f");
}

TEST(ShellParse, ForLoopWithoutInRunsOverTheArguments) {
  const Command c = only("for a do echo \"$a\"; done");
  ASSERT_EQ(c.words.size(), 1U);
  EXPECT_EQ(part(c.words[0], 0).text, "@");
  const Command d = only("for a; do :; done");
  EXPECT_EQ(d.name, "a");
  EXPECT_EQ(d.bodies.size(), 1U);
}

TEST(ShellParse, ArithmeticForLoop) {
  const Command c = only("for ((i = 0; i < 3; i++)); do psql -c \"select $i\"; done");
  EXPECT_EQ(c.kind, Command::Kind::for_loop);
  EXPECT_EQ(c.words[0].value(), "i = 0; i < 3; i++");
  EXPECT_EQ(shape(c.bodies[0]), "psql -c select $i");
}

TEST(ShellParse, IfElifElse) {
  const Command c = only("if a; then b; elif c\nthen d; else e; fi");
  EXPECT_EQ(c.kind, Command::Kind::if_clause);
  ASSERT_EQ(c.bodies.size(), 5U);
  EXPECT_EQ(shape(c.bodies[0]), "a");
  EXPECT_EQ(shape(c.bodies[3]), "d");
  EXPECT_EQ(shape(c.bodies[4]), "e");
}

TEST(ShellParse, WhileAndUntilLoops) {
  const Command w = only("while read -r t; do psql -c \"drop table $t\"; done < tables.txt");
  EXPECT_EQ(w.kind, Command::Kind::while_loop);
  ASSERT_EQ(w.bodies.size(), 2U);
  EXPECT_EQ(shape(w.bodies[0]), "read -r t");
  ASSERT_EQ(w.redirects.size(), 1U);  // attaches to the loop
  EXPECT_EQ(w.redirects[0].target.value(), "tables.txt");
  EXPECT_EQ(only("until pg_isready; do sleep 1; done").kind, Command::Kind::until_loop);
}

TEST(ShellParse, CaseArmsWithAllTerminators) {
  const Command c = only("case \"$1\" in\n (drop|rm) psql -c x;;\n *.sql) a;&\n b) c;;&\n *) d\nesac");
  EXPECT_EQ(c.kind, Command::Kind::case_clause);
  EXPECT_FALSE(c.words[0].known());
  ASSERT_EQ(c.patterns.size(), 4U);
  ASSERT_EQ(c.bodies.size(), 4U);
  EXPECT_EQ(values(c.patterns[0]), (V{"drop", "rm"}));
  EXPECT_EQ(part(c.patterns[1][0], 0).kind, Kind::glob);
  EXPECT_EQ(shape(c.bodies[0]), "psql -c x");
  EXPECT_EQ(shape(c.bodies[3]), "d");
}

TEST(ShellParse, CaseWithEmptyArmAndNoArms) {
  EXPECT_EQ(only("case x in a) ;; esac").bodies.size(), 1U);
  EXPECT_EQ(only("case x in esac").bodies.size(), 0U);
}

TEST(ShellParse, SubshellAndGroup) {
  const Script s = parsed("(cd /tmp && psql) ; { psql; echo; } > log");
  const Command& sub = s.items[0].pipelines[0].commands[0];
  EXPECT_EQ(sub.kind, Command::Kind::subshell);
  EXPECT_EQ(shape(sub.bodies[0]), "cd /tmp && psql");
  const Command& group = s.items[1].pipelines[0].commands[0];
  EXPECT_EQ(group.kind, Command::Kind::group);
  EXPECT_EQ(shape(group.bodies[0]), "psql; echo");
  EXPECT_EQ(group.redirects.size(), 1U);
}

TEST(ShellParse, FunctionDefinitions) {
  const Script s = parsed("wipe() { psql -c 'drop table t'; }\nfunction nuke { wipe; }\n"
                          "function f() ( x )\nwipe");
  ASSERT_EQ(s.items.size(), 4U);
  const Command& wipe = s.items[0].pipelines[0].commands[0];
  EXPECT_EQ(wipe.kind, Command::Kind::function);
  EXPECT_EQ(wipe.name, "wipe");
  ASSERT_EQ(wipe.bodies.size(), 1U);
  const Command& body = wipe.bodies[0].items[0].pipelines[0].commands[0];
  EXPECT_EQ(body.kind, Command::Kind::group);
  EXPECT_EQ(shape(body.bodies[0]), "psql -c drop table t");
  EXPECT_EQ(s.items[1].pipelines[0].commands[0].name, "nuke");
  EXPECT_EQ(s.items[2].pipelines[0].commands[0].name, "f");
  EXPECT_EQ(values(s.items[3].pipelines[0].commands[0].words), (V{"wipe"}));
}

TEST(ShellParse, DoubleBracketTestKeepsOperatorsAsWords) {
  const Script s = parsed("[[ $a < $b && ( -n $c || $d =~ ^(x|y)$ ) ]] && psql");
  const Command& t = s.items[0].pipelines[0].commands[0];
  EXPECT_EQ(t.kind, Command::Kind::test);
  EXPECT_EQ(values(t.words), (V{"<$a>", "<", "<$b>", "&&", "(", "-n", "<$c>", "||", "<$d>", "=~",
                                "^(x|y)$", ")"}));
  EXPECT_EQ(shape(s), "test && psql");
}

TEST(ShellParse, ArithmeticCommand) {
  const Command c = only("(( n > 3 ))");
  EXPECT_EQ(c.kind, Command::Kind::arithmetic);
  EXPECT_EQ(c.words[0].value(), "n > 3");
  EXPECT_EQ(shape("(( $(wc -l <f) > 3 )) && psql"), "arithmetic && psql");
  EXPECT_EQ(only("((echo a) )").kind, Command::Kind::subshell);  // no `))`: nested subshells
}

TEST(ShellParse, ReservedWordsAreOnlyReservedWhereACommandStarts) {
  EXPECT_EQ(words_of("echo if then else fi for in do done case esac { } ! [[ ]]"),
            (V{"echo", "if", "then", "else", "fi", "for", "in", "do", "done", "case", "esac", "{",
               "}", "!", "[[", "]]"}));
  EXPECT_EQ(words_of("\"if\" x"), (V{"if", "x"}));
  EXPECT_EQ(words_of("X=1 if"), (V{"if"}));
}

TEST(ShellParse, BashCWrapperStringIsJustAWord) {
  EXPECT_EQ(words_of(R"(bash -c 'psql -c "drop table t"')"),
            (V{"bash", "-c", R"(psql -c "drop table t")"}));
}

TEST(ShellParse, NestedCompoundCommands) {
  const Command c = only(
      "for db in $(psql -Atc 'select datname from pg_database'); do\n"
      "  if [[ $db != template* ]]; then\n"
      "    while read t; do case $t in tmp_*) psql -d \"$db\" -c \"drop table $t\";; esac; done\n"
      "  fi\n"
      "done");
  EXPECT_EQ(c.kind, Command::Kind::for_loop);
  const Command& iff = c.bodies[0].items[0].pipelines[0].commands[0];
  ASSERT_EQ(iff.kind, Command::Kind::if_clause);
  const Command& loop = iff.bodies[1].items[0].pipelines[0].commands[0];
  ASSERT_EQ(loop.kind, Command::Kind::while_loop);
  const Command& kase = loop.bodies[1].items[0].pipelines[0].commands[0];
  ASSERT_EQ(kase.kind, Command::Kind::case_clause);
  EXPECT_EQ(shape(kase.bodies[0]), "psql -d $db -c drop table $t");
}

// --- Offsets ---------------------------------------------------------------------------------

TEST(ShellParse, CommandOffsetsSliceEachCommandsText) {
  const std::string input = "a | b  -x && c 'q' ; d &";
  const Script s = parsed(input);
  std::vector<std::string> texts;
  for (const AndOr& a : s.items) {
    for (const Pipeline& p : a.pipelines) {
      for (const Command& c : p.commands) texts.push_back(slice(input, c.begin, c.end));
    }
  }
  EXPECT_EQ(texts, (V{"a", "b  -x", "c 'q'", "d"}));
}

TEST(ShellParse, WordOffsetsSliceTheWordAsWritten) {
  const std::string input = "psql  -c \"DROP $x\" <f.sql";
  const Command c = only(input);
  EXPECT_EQ(slice(input, c.words[2].begin, c.words[2].end), "\"DROP $x\"");
  EXPECT_EQ(slice(input, c.redirects[0].target.begin, c.redirects[0].target.end), "f.sql");
  EXPECT_EQ(slice(input, c.begin, c.end), input);
}

TEST(ShellParse, CompoundCommandOffsetsIncludeClosingWordAndRedirects) {
  const std::string input = "x; if a; then b; fi >log; y";
  const Script s = parsed(input);
  const Command& c = s.items[1].pipelines[0].commands[0];
  EXPECT_EQ(slice(input, c.begin, c.end), "if a; then b; fi >log");
}

TEST(ShellParse, OffsetsInsideSubstitutionsPointIntoTheInput) {
  const std::string input = "echo \"$(psql -c 'x')\" `ls \\$d`";
  const Command c = only(input);
  const Command& inner = part(c.words[1], 0).script->items[0].pipelines[0].commands[0];
  EXPECT_EQ(slice(input, inner.begin, inner.end), "psql -c 'x'");
  const Command& tick = part(c.words[2], 0).script->items[0].pipelines[0].commands[0];
  EXPECT_EQ(slice(input, tick.begin, tick.end), "ls \\$d");
}

// Inside backquotes a line continuation is dropped from the body before it is parsed. An empty
// assignment right before one (found by fuzz_shell) had its value begin after the continuation
// and end before it.
TEST(ShellParse, AnEmptyAssignmentBeforeAContinuationInBackquotesKeepsItsRangeInOrder) {
  const std::string input = "echo `p=\\\n  x`";
  const Command c = only(input);
  const Command& inner = part(c.words[1], 0).script->items[0].pipelines[0].commands[0];
  ASSERT_EQ(inner.assignments.size(), 1u);
  const Word& value = inner.assignments[0].value;
  EXPECT_LE(value.begin, value.end);
  EXPECT_LE(value.end, input.size());
  EXPECT_EQ(value.value(), std::optional<std::string>(""));
  EXPECT_EQ(slice(input, inner.words[0].begin, inner.words[0].end), "x");
}

TEST(ShellParse, HeredocBodyOffsetsCoverTheBody) {
  const std::string input = "psql <<EOF\nDROP $t;\nEOF\n";
  const Command c = only(input);
  EXPECT_EQ(slice(input, c.redirects[0].body.begin, c.redirects[0].body.end), "DROP $t;\n");
  EXPECT_EQ(slice(input, c.begin, c.end), "psql <<EOF");
}

// --- Errors and limits -----------------------------------------------------------------------

TEST(ShellParse, UnterminatedQuotesAreErrorsAtTheQuote) {
  ParseError e = error_of("psql -c 'DROP TABLE t");
  EXPECT_EQ(e.message, "unterminated single quote");
  EXPECT_EQ(e.offset, 8U);
  e = error_of("psql -c \"DROP TABLE t");
  EXPECT_EQ(e.message, "unterminated double quote");
  EXPECT_EQ(e.offset, 8U);
  EXPECT_EQ(error_of("echo $'x").message, "unterminated $'...' string");
  EXPECT_EQ(error_of("echo `x").message, "unterminated backquote");
  EXPECT_EQ(error_of("echo ${x").message, "unterminated `${`");
}

TEST(ShellParse, UnterminatedSubstitutionsAreErrors) {
  const ParseError e = error_of("psql -c \"$(cat x");
  EXPECT_EQ(e.message, "unterminated command substitution");
  EXPECT_EQ(e.offset, 9U);
  EXPECT_NE(error_of("echo $(echo").message.find("unterminated command substitution"),
            std::string::npos);
  EXPECT_NE(error_of("cat <(echo").message.find("unterminated process substitution"),
            std::string::npos);
}

TEST(ShellParse, MissingClosingWordsAreNamed) {
  EXPECT_EQ(error_of("while true; do psql").message, "missing `done`");
  EXPECT_EQ(error_of("if a; then b").message, "missing `fi`");
  EXPECT_EQ(error_of("if a; b").message, "missing `then`");
  EXPECT_EQ(error_of("case x in a) b;;").message, "missing `esac`");
  EXPECT_EQ(error_of("{ a; b").message, "missing `}`");
  EXPECT_EQ(error_of("(a; b").message, "missing `)`");
  EXPECT_EQ(error_of("[[ -n x").message, "missing `]]`");
  EXPECT_EQ(error_of("for x in a b; echo $x; done").message.rfind("missing `do`", 0), 0U);
}

TEST(ShellParse, UnexpectedTokensAreErrors) {
  ParseError e = error_of("psql -c x )");
  EXPECT_EQ(e.message, "unexpected `)`");
  EXPECT_EQ(e.offset, 10U);
  EXPECT_EQ(error_of("a && && b").message, "unexpected `&&`");
  EXPECT_EQ(error_of("a |").message, "unexpected end of input");
  EXPECT_EQ(error_of("fi").message, "unexpected `fi`");
  EXPECT_EQ(error_of("a ;; b").message, "unexpected `;;`");
  EXPECT_EQ(error_of("{ }").message, "unexpected `}`");
  EXPECT_EQ(error_of("echo >").message, "expected a word after `>`, found end of input");
}

TEST(ShellParse, NestingDeeperThanTheLimitIsAnErrorNotACrash) {
  std::string deep;
  for (int i = 0; i < 100; ++i) deep += "$(";
  EXPECT_EQ(error_of(deep).message, "nesting deeper than 64");
  std::string deep_parens;
  for (int i = 0; i < 100; ++i) deep_parens += "( ";
  EXPECT_EQ(error_of(deep_parens + "a").message, "nesting deeper than 64");
  EXPECT_EQ(only(std::string(100, '(') + "a" + std::string(100, ')')).kind,
            Command::Kind::arithmetic);  // bash reads ((((a)))) as arithmetic, not nesting
  std::string deep_ifs;
  for (int i = 0; i < 80; ++i) deep_ifs += "if a; then ";
  EXPECT_EQ(error_of(deep_ifs).message, "nesting deeper than 64");
  std::string deep_backquotes = "echo `echo \\`echo \\\\\\`x\\\\\\`\\``";
  EXPECT_TRUE(parse(deep_backquotes).has_value());
}

TEST(ShellParse, NestingUpToTheLimitParses) {
  std::string ok = "echo ";
  for (int i = 0; i < 60; ++i) ok += "\"$(";
  ok += "x";
  for (int i = 0; i < 60; ++i) ok += ")\"";
  EXPECT_TRUE(parse(ok).has_value());
}

TEST(ShellParse, InputOverTheLimitIsRefused) {
  const std::string huge(k_max_input + 1, 'a');
  const ParseError e = error_of(huge);
  EXPECT_EQ(e.message, "input longer than 4 MiB");
}

TEST(ShellParse, OneMegabyteOfCommandsParses) {
  std::string input;
  int lines = 0;
  while (input.size() < 1024 * 1024) {
    input += "psql -d db -c \"DROP TABLE t" + std::to_string(lines++) + "\" | tee -a log && ok\n";
  }
  const Script s = parsed(input);
  EXPECT_EQ(s.items.size(), static_cast<std::size_t>(lines));
}

}  // namespace

// --- Streaming --------------------------------------------------------------------------------

namespace {

std::string shape(const Pipeline& p) {
  Script one;
  one.items.emplace_back();
  one.items.back().pipelines.push_back(p);
  return shape(one);
}

// What parse_each hands over, one shape per pipeline, with each heredoc body as it arrived.
std::vector<std::string> streamed(std::string_view input) {
  std::vector<std::string> out;
  auto r = parse_each(input, [&](const Pipeline& p) {
    std::string s = shape(p);
    for (const Command& c : p.commands) {
      for (const Redirect& r : c.redirects) {
        if (r.op == Redirect::Op::heredoc) s += " [" + r.body.text() + "]";
      }
    }
    out.push_back(std::move(s));
  });
  if (!r) out.push_back("error: " + r.error().message);
  return out;
}

}  // namespace

TEST(ShellStream, HandsOverEveryTopLevelPipelineInOrder) {
  EXPECT_EQ(streamed("a 1 && b | c; d || e\nf &"), (V{"a 1", "b | c", "d", "e", "f"}));
  // Compound commands are one pipeline each, whatever their bodies hold.
  EXPECT_EQ(streamed("if x; then y && z; fi; w"), (V{shape("if x; then y && z; fi"), "w"}));
}

TEST(ShellStream, APipelineWaitsForItsHeredocBody) {
  EXPECT_EQ(streamed("psql <<EOF && echo done\nDROP TABLE t;\nEOF\nls"),
            (V{"psql [DROP TABLE t;\n]", "echo done", "ls"}));
  // Inside a substitution, and a heredoc that never ends.
  EXPECT_EQ(streamed("x=$(cat <<A\nq\nA\n) && psql <<B"), (V{shape("x=$(cat <<A\nq\nA\n)"), "psql []"}));
}

TEST(ShellStream, PipelinesBeforeASyntaxErrorAreHandedOverFirst) {
  EXPECT_EQ(streamed("dropdb app && echo 'unterminated"),
            (V{"dropdb app", "error: unterminated single quote"}));
}

TEST(ShellStream, AgreesWithTheWholeParseOnTheFuzzSeeds) {
  const fs::path dir = fs::path(PGWARDEN_SOURCE_DIR) / "tests/fuzz/shell-seeds";
  std::size_t compared = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    std::ifstream in(entry.path(), std::ios::binary);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto whole = parse(text);
    if (!whole) continue;
    std::vector<std::string> expected;
    for (const AndOr& a : whole->items) {
      for (const Pipeline& p : a.pipelines) expected.push_back(shape(p));
    }
    std::vector<std::string> got;
    ASSERT_TRUE(parse_each(text, [&](const Pipeline& p) { got.push_back(shape(p)); })) << entry.path();
    EXPECT_EQ(got, expected) << entry.path();
    ++compared;
  }
  EXPECT_GE(compared, 20U);
}
