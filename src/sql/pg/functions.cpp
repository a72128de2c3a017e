// Function calls that are effects in their own right.
//
// Some built-in and extension functions destroy data or run SQL (or programs) somewhere the
// analyzer cannot see: they are `destructive_function`. `set_config('session_replication_role',
// 'replica', ...)` turns off triggers and foreign keys exactly like the SET statement, so it is
// `disable_safeguard`. Every other call is recorded so that doors with catalog access (the
// proxy) can judge the body of user functions.
#include <algorithm>
#include <array>
#include <cctype>

#include "sql/pg/names.hpp"
#include "sql/pg/transform.hpp"

namespace pgwarden::sql::pg {
namespace {

struct Destructive {
  std::string_view name;
  ObjectKind kind;
};

// Sorted by name. Schema qualification (pg_catalog., public., an extension's schema) is ignored:
// a function of that name anywhere is judged as this one.
constexpr std::array<Destructive, 18> k_destructive = {{
    {"dblink", ObjectKind::other},                  // runs arbitrary SQL on another server
    {"dblink_exec", ObjectKind::other},
    {"dblink_open", ObjectKind::other},
    {"dblink_send_query", ObjectKind::other},
    {"lo_truncate", ObjectKind::large_object},
    {"lo_truncate64", ObjectKind::large_object},
    {"lo_unlink", ObjectKind::large_object},
    {"pg_drop_replication_slot", ObjectKind::replication_slot},
    {"pg_file_rename", ObjectKind::other},          // adminpack: server files
    {"pg_file_unlink", ObjectKind::other},
    {"pg_file_write", ObjectKind::other},
    {"pg_logical_slot_get_binary_changes", ObjectKind::replication_slot},  // consumes changes
    {"pg_logical_slot_get_changes", ObjectKind::replication_slot},
    {"pg_replication_origin_drop", ObjectKind::other},
    {"pg_replication_slot_advance", ObjectKind::replication_slot},
    {"pg_truncate_visibility_map", ObjectKind::table},
    {"pg_wal_replay_resume", ObjectKind::other},
    {"lo_export", ObjectKind::other},              // overwrites a server file
}};

const Destructive* find_destructive(std::string_view name) {
  for (const auto& d : k_destructive) {
    if (d.name == name) return &d;
  }
  return nullptr;
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// The text of a constant argument ('replica', 'replica'::text), or "" if not constant.
std::string constant_text(const Node* n) {
  if (const auto* cast = as<TypeCast>(n, T_TypeCast)) return constant_text(cast->arg);
  if (const auto* c = as<A_Const>(n, T_A_Const); c != nullptr && !c->isnull && nodeTag(&c->val) == T_String) {
    return std::string(text(c->val.sval.sval));
  }
  return {};
}

}  // namespace

void function_call(Context& ctx, const FuncCall* call) {
  if (call == nullptr || call->funcname == NIL) return;
  ctx.out.calls_functions = true;
  const ObjectName name = name_of_list(call->funcname);
  if (const auto* d = find_destructive(name.name)) {
    ctx.add(Action::destructive_function, d->kind, name, lower(name.name) + "()");
    return;
  }
  const NodeList args = nodes(call->args);
  if (name.name == "set_config" && args.size() >= 2) {
    const std::string setting = lower(constant_text(args[0]));
    const std::string value = lower(constant_text(args[1]));
    // A non-constant setting name could be anything, including session_replication_role.
    if (setting.empty() || (setting == "session_replication_role" && value != "origin" &&
                            value != "default") ||
        (setting == "row_security" && (value == "off" || value == "false"))) {
      ctx.add(Action::disable_safeguard, ObjectKind::other,
              ObjectName{"", setting.empty() ? "(a setting computed at run time)" : setting},
              "set_config()");
    }
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
