#include "db/connection.hpp"

#include <fmt/format.h>

#include <cassert>

#include "pq/libpq.hpp"

namespace pgwarden::db {
namespace {

std::string trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

// Notices (a REVOKE that revoked nothing, a CASCADE) are not errors; the plan says what it does.
void ignore_notice(void*, const char*) {}

struct ResultCloser {
  const pq::Libpq* api;
  void operator()(PGresult* r) const { api->clear(r); }
};
using Result = std::unique_ptr<PGresult, ResultCloser>;

}  // namespace

std::size_t Rows::index(std::string_view column) const {
  for (std::size_t i = 0; i < columns.size(); ++i) {
    if (columns[i] == column) return i;
  }
  assert(false && "no such column in the result");
  return 0;
}

const std::string& Rows::at(std::size_t row, std::string_view column) const {
  static const std::string k_null;
  const auto& value = rows.at(row).at(index(column));
  return value ? *value : k_null;
}

bool Rows::is_null(std::size_t row, std::string_view column) const {
  return !rows.at(row).at(index(column));
}

struct Connection::State {
  const pq::Libpq* api = nullptr;
  PGconn* conn = nullptr;
  ~State() {
    if (conn != nullptr) api->finish(conn);
  }

  // What the server said: "SQLSTATE: message", with the detail and hint when it gave them.
  Error error_of(const PGresult* r) const {
    const char* state = api->result_error_field(r, PG_DIAG_SQLSTATE);
    const char* message = api->result_error_field(r, PG_DIAG_MESSAGE_PRIMARY);
    const char* detail = api->result_error_field(r, PG_DIAG_MESSAGE_DETAIL);
    const char* hint = api->result_error_field(r, PG_DIAG_MESSAGE_HINT);
    Error e;
    e.key = state != nullptr ? state : "";
    e.message = message != nullptr ? message : trimmed(api->error_message(conn));
    if (detail != nullptr) e.message += fmt::format(" (DETAIL: {})", detail);
    if (hint != nullptr) e.message += fmt::format(" (HINT: {})", hint);
    if (!e.key.empty()) e.message = e.key + ": " + e.message;
    return e;
  }

  Expected<Rows> rows_of(PGresult* raw) const {
    const Result r(raw, ResultCloser{api});
    if (r == nullptr) return make_error(trimmed(api->error_message(conn)));
    const auto status = api->result_status(r.get());
    if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK)
      return tl::unexpected(error_of(r.get()));
    Rows out;
    const int fields = api->nfields(r.get());
    for (int f = 0; f < fields; ++f) out.columns.emplace_back(api->fname(r.get(), f));
    const int n = api->ntuples(r.get());
    out.rows.reserve(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) {
      auto& row = out.rows.emplace_back();
      for (int f = 0; f < fields; ++f) {
        if (api->getisnull(r.get(), i, f) != 0) {
          row.emplace_back(std::nullopt);
        } else {
          row.emplace_back(std::string(api->getvalue(r.get(), i, f)));
        }
      }
    }
    return out;
  }
};

Connection::Connection(std::unique_ptr<State> state) : m_state(std::move(state)) {}
Connection::Connection(Connection&&) noexcept = default;
Connection& Connection::operator=(Connection&&) noexcept = default;
Connection::~Connection() = default;

Expected<Connection> Connection::open(const std::string& conninfo) {
  std::string why;
  const pq::Libpq* api = pq::libpq(&why);
  if (api == nullptr) return make_error(why);
  auto state = std::make_unique<State>();
  state->api = api;
  state->conn = api->connectdb(conninfo.c_str());
  if (state->conn == nullptr)
    return make_error("cannot connect to PostgreSQL: libpq is out of memory");
  Connection c(std::move(state));
  if (api->status(c.m_state->conn) != CONNECTION_OK) {
    return make_error(fmt::format("cannot connect to PostgreSQL ({}): {}", c.describe(),
                                  trimmed(api->error_message(c.m_state->conn))));
  }
  api->set_notice_processor(c.m_state->conn, ignore_notice, nullptr);
  // quote.hpp's literals are exact only with standard-conforming strings; pgwarden's own
  // functions pin their search_path, and so does every statement the door runs.
  if (auto ok =
          c.execute("SET standard_conforming_strings = on; SET search_path = pg_catalog, pg_temp");
      !ok) {
    return tl::unexpected(ok.error());
  }
  return c;
}

Expected<Rows> Connection::query(std::string_view sql, const Params& params) {
  const std::string text(sql);
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
  return m_state->rows_of(m_state->api->exec_params(m_state->conn, text.c_str(),
                                                    static_cast<int>(values.size()), nullptr,
                                                    values.data(), nullptr, nullptr, 0));
}

Expected<void> Connection::execute(std::string_view sql) {
  const std::string text(sql);
  auto rows = m_state->rows_of(m_state->api->exec(m_state->conn, text.c_str()));
  if (!rows) return tl::unexpected(rows.error());
  return {};
}

std::string Connection::describe() const {
  const auto* api = m_state->api;
  const auto value = [](const char* v) {
    return v != nullptr && *v != '\0' ? std::string(v) : std::string("(default)");
  };
  return fmt::format("host {}, port {}, database {}, user {}", value(api->host(m_state->conn)),
                     value(api->port(m_state->conn)), value(api->db(m_state->conn)),
                     value(api->user(m_state->conn)));
}

int Connection::server_version() const {
  return m_state->api->server_version(m_state->conn);
}

}  // namespace pgwarden::db
