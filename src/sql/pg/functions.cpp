// Function calls that are effects in their own right.
//
// Some built-in and extension functions destroy data or run SQL (or programs) somewhere the
// analyzer cannot see: they are `destructive_function`. The list covers PostgreSQL 15's core
// and the contrib modules Debian ships with it (postgresql-15): large objects, replication slots
// and origins, dblink, pg_surgery (heap_force_kill and heap_force_freeze edit a table's pages
// directly, past every trigger and constraint), pg_visibility. Functions that write or remove
// server files (lo_export, adminpack's pg_file_*) are `write_server_file`. set_config() is a
// setting like SET (settings.cpp). Every other call is recorded so that doors with catalog access
// (the proxy) can judge the body of user functions.
// https://www.postgresql.org/docs/15/contrib.html
#include <algorithm>
#include <array>
#include <optional>

#include "sql/pg/names.hpp"
#include "sql/pg/transform.hpp"

namespace pgwarden::sql::pg {
namespace {

struct Known {
  std::string_view name;
  Action action;
  ObjectKind kind;
};

// Sorted by name. Schema qualification (pg_catalog., public., an extension's schema) is ignored:
// a function of that name anywhere is judged as this one.
constexpr std::array<Known, 25> k_known = {{
    {"dblink", Action::destructive_function, ObjectKind::other},  // runs arbitrary SQL on another server
    {"dblink_exec", Action::destructive_function, ObjectKind::other},
    {"dblink_open", Action::destructive_function, ObjectKind::other},
    {"dblink_send_query", Action::destructive_function, ObjectKind::other},
    {"heap_force_freeze", Action::destructive_function, ObjectKind::table},  // pg_surgery
    {"heap_force_kill", Action::destructive_function, ObjectKind::table},
    {"lo_export", Action::write_server_file, ObjectKind::other},  // overwrites a server file
    {"lo_put", Action::destructive_function, ObjectKind::large_object},  // overwrites a large object's bytes
    {"lo_truncate", Action::destructive_function, ObjectKind::large_object},
    {"lo_truncate64", Action::destructive_function, ObjectKind::large_object},
    {"lo_unlink", Action::destructive_function, ObjectKind::large_object},
    {"lowrite", Action::destructive_function, ObjectKind::large_object},  // overwrites a large object's bytes
    {"pg_drop_replication_slot", Action::destructive_function, ObjectKind::replication_slot},
    {"pg_file_rename", Action::write_server_file, ObjectKind::other},  // adminpack: server files
    {"pg_file_unlink", Action::write_server_file, ObjectKind::other},
    {"pg_file_write", Action::write_server_file, ObjectKind::other},
    {"pg_logical_slot_get_binary_changes", Action::destructive_function, ObjectKind::replication_slot},
    {"pg_logical_slot_get_changes", Action::destructive_function, ObjectKind::replication_slot},  // consumes
    {"pg_promote", Action::destructive_function, ObjectKind::other},  // a standby becomes a primary
    {"pg_replication_origin_advance", Action::destructive_function, ObjectKind::other},
    {"pg_replication_origin_drop", Action::destructive_function, ObjectKind::other},
    {"pg_replication_slot_advance", Action::destructive_function, ObjectKind::replication_slot},
    {"pg_truncate_visibility_map", Action::destructive_function, ObjectKind::table},
    {"pg_wal_replay_pause", Action::destructive_function, ObjectKind::other},
    {"pg_wal_replay_resume", Action::destructive_function, ObjectKind::other},
}};

const Known* find_known(std::string_view name) {
  const auto* it = std::lower_bound(k_known.begin(), k_known.end(), name,
                                    [](const Known& k, std::string_view n) { return k.name < n; });
  return it != k_known.end() && it->name == name ? it : nullptr;
}

// The text of a constant argument ('replica', 'replica'::text), or std::nullopt if not constant.
std::optional<std::string> constant_text(const Node* n) {
  if (const auto* cast = as<TypeCast>(n, T_TypeCast)) return constant_text(cast->arg);
  if (const auto* c = as<A_Const>(n, T_A_Const); c != nullptr && !c->isnull && nodeTag(&c->val) == T_String) {
    return std::string(text(c->val.sval.sval));
  }
  return std::nullopt;
}

std::optional<bool> constant_bool(const Node* n) {
  if (const auto* cast = as<TypeCast>(n, T_TypeCast)) return constant_bool(cast->arg);
  if (const auto* c = as<A_Const>(n, T_A_Const); c != nullptr && !c->isnull) {
    if (nodeTag(&c->val) == T_Boolean) return c->val.boolval.boolval;
    if (nodeTag(&c->val) == T_String) {
      const std::string v = lower(text(c->val.sval.sval));
      if (v == "t" || v == "true" || v == "on" || v == "yes" || v == "1") return true;
      if (v == "f" || v == "false" || v == "off" || v == "no" || v == "0") return false;
    }
  }
  return std::nullopt;
}

// set_config(setting, value, is_local): SET by another name.
void set_config(Context& ctx, const NodeList& args) {
  const auto name = constant_text(args[0]);
  if (!name) {
    // A setting computed at run time could be anything, session_replication_role included.
    auto& e = ctx.add(Action::disable_safeguard, ObjectKind::other, ObjectName{"", "(a setting computed at run time)"},
                      "set_config()");
    e.fact = UnitFact::set;
    e.values = {""};  // an unknown setting, to an unknown value
    return;
  }
  const std::string setting = lower(*name);
  std::optional<std::vector<std::string>> values;
  if (const auto value = constant_text(args[1])) {
    values = setting == "search_path" ? split_identifier_list(*value) : std::vector<std::string>{*value};
    if (values && values->empty()) values = std::vector<std::string>{""};  // set to '', not reset
  }
  const auto local = args.size() >= 3 ? constant_bool(args[2]) : std::optional<bool>(false);
  // is_local computed at run time: either; the session-wide reading is the one that lasts.
  setting_effect(ctx, setting, std::move(values), local.value_or(false) ? SettingScope::local : SettingScope::session,
                 "set_config()");
}

}  // namespace

void called_by_name(Context& ctx, const List* funcname) {
  if (funcname == NIL) return;
  FuncCall call{};
  call.type = T_FuncCall;
  call.funcname = const_cast<List*>(funcname);
  function_call(ctx, &call);
}

void function_call(Context& ctx, const FuncCall* call) {
  if (call == nullptr || call->funcname == NIL) return;
  ctx.out.calls_functions = true;
  const ObjectName name = name_of_list(call->funcname);
  if (const auto* k = find_known(name.name)) {
    ctx.add(k->action, k->kind, name, lower(name.name) + "()");
    return;
  }
  const NodeList args = nodes(call->args);
  if (name.name == "set_config" && args.size() >= 2) {
    set_config(ctx, args);
    return;
  }
  if (name.schema != "pg_catalog" && name.schema != "information_schema") {
    const std::string qualified = name.schema.empty() ? name.name : name.schema + "." + name.name;
    auto& calls = ctx.out.called_functions;
    if (std::find(calls.begin(), calls.end(), qualified) == calls.end() && calls.size() < 256) {
      calls.push_back(qualified);
    }
  }
}

}  // namespace pgwarden::sql::pg
