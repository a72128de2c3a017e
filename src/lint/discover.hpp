// lint: which migrations the inputs hold, in which order, and which SQL is each one's up and
// down (issue 3, item 1). Knows files and layouts only; judging the SQL is the analyzer's and
// the policy engine's job.
//
// Layouts, recognized by file name and, for the two that share one file, by content:
//   plain        any other .sql file: one up migration
//   flyway       V<version>__<name>.sql (up), U<version>__<name>.sql (its undo), R__<name>.sql
//   up_down      golang-migrate / sqlx: <version>_<name>.up.sql + .down.sql;
//                diesel: <version>_<name>/up.sql + down.sql
//   prisma       migrations/<timestamp>_<name>/migration.sql (up only)
//   dbmate       one file with `-- migrate:up` and `-- migrate:down` sections
//   alembic      one offline dump (`alembic upgrade --sql`), split at its
//                `-- Running upgrade a -> b` markers (and `-- Running downgrade b -> a`)
#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"

namespace pgwarden::lint {

enum class Layout : unsigned char { plain, flyway, up_down, prisma, dbmate, alembic };
std::string_view to_string(Layout layout);

// The SQL of one migration in one direction, and where it is.
struct Script {
  std::string file;         // as found; "-" for standard input
  std::size_t offset = 0;   // byte offset of `text` in the file
  int line = 1;             // 1-based line of `offset`
  std::string text;
};

struct Migration {
  std::string version;  // the ordering key the layout gives ("1", "2.1", "20240101120000", an
                        // alembic revision); empty for plain files without a leading number
  std::string name;
  Layout layout = Layout::plain;
  std::optional<Script> up;
  std::optional<Script> down;
};

// The migrations of files, folders (recursively, *.sql), globs (`*`, `?`, `[...]`, matched
// against the whole path) and `-` (standard input, read from `in`), in migration order:
// by version (numerically, part by part), then by path. An input that matches nothing, or a
// file that cannot be read, is an error naming it.
Expected<std::vector<Migration>> discover(const std::vector<std::string>& inputs, std::istream& in);

// Migration order of two versions: part by part, numerically where both parts are numbers
// ("2" < "10", "1.2" < "1.10").
bool version_less(const std::string& a, const std::string& b);

// The migrations of files already read ((path, text), in path order): up and down scripts of
// the same migration paired, in migration order. discover() reads the files and calls this.
std::vector<Migration> assemble(const std::vector<std::pair<std::string, std::string>>& files);

// The migrations one file's text holds, by its name and content.
std::vector<Migration> migrations_in_file(const std::string& path, const std::string& text);

}  // namespace pgwarden::lint
