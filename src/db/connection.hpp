// One libpq connection for the db door, through pq::libpq() (the library is opened when the
// first connection is made, so commands that never connect do not load it). Results are copied
// out as text; errors are values that carry what PostgreSQL said (SQLSTATE, message, detail,
// hint) and, for a failed connection, which host, port, database and user were tried.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"

namespace pgwarden::db {

// The rows of one result, as text; a NULL is std::nullopt.
struct Rows {
  std::vector<std::string> columns;
  std::vector<std::vector<std::optional<std::string>>> rows;

  [[nodiscard]] std::size_t size() const { return rows.size(); }
  [[nodiscard]] bool empty() const { return rows.empty(); }
  // The value of `column` in row `row`, "" when NULL. Asserts that the column exists.
  [[nodiscard]] const std::string& at(std::size_t row, std::string_view column) const;
  [[nodiscard]] bool is_null(std::size_t row, std::string_view column) const;

 private:
  [[nodiscard]] std::size_t index(std::string_view column) const;
};

// A statement the server refused: Error::message is "SQLSTATE: message", Error::key the SQLSTATE.
using Params = std::vector<std::optional<std::string>>;

class Connection {
 public:
  // Connects with a conninfo string or URI; empty means libpq's defaults and the PG*
  // environment variables, as psql reads them. The error names host, port, database and user.
  static Expected<Connection> open(const std::string& conninfo);

  Connection(Connection&&) noexcept;
  Connection& operator=(Connection&&) noexcept;
  ~Connection();

  // One statement with $1... parameters (text), through the extended protocol.
  Expected<Rows> query(std::string_view sql, const Params& params = {});
  // A script of any number of statements, through the simple protocol.
  Expected<void> execute(std::string_view sql);

  // "host 127.0.0.1, port 5432, database shop, user deploy"
  [[nodiscard]] std::string describe() const;
  [[nodiscard]] int server_version() const;

 private:
  struct State;
  explicit Connection(std::unique_ptr<State> state);
  std::unique_ptr<State> m_state;
};

}  // namespace pgwarden::db
