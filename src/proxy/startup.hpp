// What a startup packet asks of the server besides who connects, read the way PostgreSQL 15's
// ProcessStartupPacket and process_postgres_switches read it (src/backend/tcop/postgres.c).
//
// Every parameter that is not user, database, options, replication or a protocol option
// (`_pq_.*`) is a setting, as is each `-c name=value` and `--name=value` of `options` (split on
// unescaped white space, a backslash escaping the next character; dashes in the name read as
// underscores) and the switches that set one (-O allow_system_table_mods, -P
// ignore_system_indexes, -F fsync off). The session judges each as the SET it is, before the
// packet reaches the server: `PGOPTIONS='-c session_replication_role=replica'` is
// `SET session_replication_role = replica`.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "proxy/wire/messages.hpp"

namespace pgwarden::proxy {

struct StartupSetting {
  std::string name;   // lower case, as PostgreSQL looks settings up
  std::string value;
  std::string where;  // "startup parameter" or "options"
};

std::vector<StartupSetting> startup_settings(const wire::StartupPacket& packet);

// True when the `replication` parameter asks for a replication connection: "database", or any
// spelling of true PostgreSQL's parse_bool accepts (t, tr, tru, true, y, ye, yes, on, 1, in any
// case).
bool replication_requested(std::string_view value);

}  // namespace pgwarden::proxy
