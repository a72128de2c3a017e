// Splitting a text into statements, the way PostgreSQL's lexer and psql see them.
//
// libpg_query's own splitters either need the whole text to parse or give up on the whole text
// at the first lexical error (in PostgreSQL's regression suite, all of strings.sql), and a naive
// splitter gets string literals wrong. This one follows the lexical rules of
// https://www.postgresql.org/docs/15/sql-syntax-lexical.html: '...' with '' doubling, E'...' with
// backslash escapes (and every '...' when standard_conforming_strings is off), "..." identifiers,
// $tag$...$tag$ dollar quotes, -- and nested /* */ comments, parentheses; and psql's rule for
// SQL-standard routine bodies (BEGIN ATOMIC ... END and CASE ... END nest, so their semicolons do
// not end the statement). A `SET standard_conforming_strings` in the text switches the rules for
// the statements after it, as it would on the server.
//
// Unterminated quotes or comments run to the end of the text: that last chunk then fails to
// parse and is refused, never silently dropped. Chunks are only a first cut: the parser may
// still find several statements in one chunk, and the analyzer judges each of them.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

namespace pgwarden::sql {

struct Chunk {
  std::size_t begin = 0;  // first byte of the first token
  std::size_t end = 0;    // one past the last byte before the terminating ';' (or end of text)
  // A cheap upper estimate of how deeply the statement's syntax tree nests, from brackets,
  // operator chains, NOT and CASE; commas, AND, OR and ';' start a new chain. Statements that
  // nest too deeply are refused by this number before the parser builds (and recursively
  // copies) a tree that deep.
  std::size_t nesting = 0;
};

struct SplitOptions {
  bool standard_conforming_strings = true;
  // Treat psql meta-commands (a backslash outside quotes, up to the end of the line) as psql
  // does: \g and friends end the statement, others are skipped; the data lines after
  // COPY ... FROM STDIN up to "\." are skipped.
  bool psql_meta_commands = false;
  // With psql_meta_commands: when set, receives the range of every meta-command, from its
  // backslash to the end of its line (the hook reads \i, \gexec and \! there).
  std::vector<Chunk>* meta_commands = nullptr;
};

// The non-empty statements of `text` (chunks holding only comments and spaces are left out).
// `options.standard_conforming_strings` is updated by SET statements in the text.
std::vector<Chunk> split_statements(std::string_view text, SplitOptions& options);

// `chunk` with every plain string constant ('...') replaced by the byte 0x02 and every numeric
// constant by 0x01, read with standard_conforming_strings on; empty when the chunk has no such
// constant, or has a string whose value could matter to the lexer (unterminated, not printable
// ASCII, E'...' with its escapes, the string after UESCAPE), and for every chunk that is not a
// query (SELECT, WITH, VALUES, TABLE) or a row change (INSERT, UPDATE, DELETE): an EXPLAIN's or a
// utility statement's options are constants too.
// Two statements with one shape differ only in the values of their constants: the analyzer
// reuses the analysis of one for the other where no value can change it (sql/analyzer.cpp),
// which spares a proxy the parse of `... WHERE id = 42` for every id.
// Dollar-quoted strings, E'...', U&'...', B'...', X'...' and identifiers are kept as they are.
std::string literal_shape(std::string_view chunk);

// Whether `text` contains `lower` (given in lower case) in any letter case: a cheap, conservative
// look for a keyword anywhere, even inside strings and comments.
bool contains_folded(std::string_view text, std::string_view lower);

}  // namespace pgwarden::sql
