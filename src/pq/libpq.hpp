// pq: libpq, loaded when a door first needs a live connection (the proxy's lookups, the db door)
// rather than when pgwarden starts.
//
// Linking libpq pulls in Kerberos, LDAP and GnuTLS at every start of the binary: about 4 ms of
// dynamic loading, which `pgwarden hook` (spawned before every shell command an agent runs)
// cannot afford, and which check and lint do not need either. So libpq.so.5 is opened with
// dlopen on first use and its functions are called through this table. libpq-fe.h is included
// for its types only.
#pragma once

#include <string>

#include <libpq-fe.h>

namespace pgwarden::pq {

struct Libpq {
  decltype(&::PQconnectdb) connectdb;
  decltype(&::PQstatus) status;
  decltype(&::PQerrorMessage) error_message;
  decltype(&::PQfinish) finish;
  decltype(&::PQexecParams) exec_params;
  decltype(&::PQresultStatus) result_status;
  decltype(&::PQresultErrorMessage) result_error_message;
  decltype(&::PQntuples) ntuples;
  decltype(&::PQgetvalue) getvalue;
  decltype(&::PQclear) clear;
  // The db door's (src/db/connection.cpp): scripts, result shapes, errors, identity.
  decltype(&::PQexec) exec;
  decltype(&::PQnfields) nfields;
  decltype(&::PQfname) fname;
  decltype(&::PQgetisnull) getisnull;
  decltype(&::PQresultErrorField) result_error_field;
  decltype(&::PQserverVersion) server_version;
  decltype(&::PQhost) host;
  decltype(&::PQport) port;
  decltype(&::PQdb) db;
  decltype(&::PQuser) user;
  decltype(&::PQsetNoticeProcessor) set_notice_processor;
};

// The loaded library, or nullptr with `error` saying why (not installed, a symbol missing).
// Loaded once per process; thread-safe.
const Libpq* libpq(std::string* error = nullptr);

}  // namespace pgwarden::pq
