// lint: building the safe recipe from the user's own statement. Rules print ready-to-paste SQL,
// made from the statement's names and, where a keyword is all that differs (CONCURRENTLY,
// IF NOT EXISTS, NOT VALID), from the statement's own text with the keyword put in.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "sql/effect.hpp"

namespace pgwarden::lint {

// `statement` with `insert` put after its leading keywords `words` (matched case-insensitively,
// a word ending in '?' is optional), e.g. ({"CREATE", "UNIQUE?", "INDEX"}, "CONCURRENTLY").
// Empty when the statement does not start with those words.
std::string insert_after_words(std::string_view statement, std::initializer_list<std::string_view> words,
                               std::string_view insert);

// Identifiers quoted where SQL needs it, joined with ", ".
std::string column_list(const std::vector<std::string>& columns);
std::string ident(std::string_view name);

// The name PostgreSQL would give an unnamed constraint or index: <table>_<cols>_<suffix>,
// truncated to 63 bytes.
std::string default_name(const sql::ObjectName& table, const std::vector<std::string>& columns, std::string_view suffix);

// Lines joined into a hint: the first as is, the others as numbered or plain lines.
std::string steps(std::initializer_list<std::string> lines);

}  // namespace pgwarden::lint
