#include "pq/libpq.hpp"

#include <dlfcn.h>

namespace pgwarden::pq {
namespace {

struct Loaded {
  Libpq api{};
  std::string error;
  bool ok = false;
};

template <class F>
bool bind(void* handle, const char* name, F& out, std::string& error) {
  out = reinterpret_cast<F>(dlsym(handle, name));
  if (out == nullptr && error.empty()) error = std::string("libpq.so.5 has no ") + name;
  return out != nullptr;
}

Loaded load() {
  Loaded l;
  void* handle = dlopen("libpq.so.5", RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* why = dlerror();
    l.error = std::string("cannot load libpq (install the libpq5 package): ") + (why != nullptr ? why : "unknown");
    return l;
  }
  Libpq& a = l.api;
  l.ok = bind(handle, "PQconnectdb", a.connectdb, l.error) & bind(handle, "PQstatus", a.status, l.error) &
         bind(handle, "PQerrorMessage", a.error_message, l.error) & bind(handle, "PQfinish", a.finish, l.error) &
         bind(handle, "PQexecParams", a.exec_params, l.error) &
         bind(handle, "PQresultStatus", a.result_status, l.error) &
         bind(handle, "PQresultErrorMessage", a.result_error_message, l.error) &
         bind(handle, "PQntuples", a.ntuples, l.error) & bind(handle, "PQgetvalue", a.getvalue, l.error) &
         bind(handle, "PQclear", a.clear, l.error) & bind(handle, "PQexec", a.exec, l.error) &
         bind(handle, "PQnfields", a.nfields, l.error) & bind(handle, "PQfname", a.fname, l.error) &
         bind(handle, "PQgetisnull", a.getisnull, l.error) &
         bind(handle, "PQresultErrorField", a.result_error_field, l.error) &
         bind(handle, "PQserverVersion", a.server_version, l.error) &
         bind(handle, "PQhost", a.host, l.error) &
         bind(handle, "PQport", a.port, l.error) & bind(handle, "PQdb", a.db, l.error) &
         bind(handle, "PQuser", a.user, l.error) &
         bind(handle, "PQsetNoticeProcessor", a.set_notice_processor, l.error);
  return l;  // the handle stays open for the life of the process
}

}  // namespace

const Libpq* libpq(std::string* error) {
  static const Loaded loaded = load();
  if (!loaded.ok) {
    if (error != nullptr) *error = loaded.error;
    return nullptr;
  }
  return &loaded.api;
}

}  // namespace pgwarden::pq
