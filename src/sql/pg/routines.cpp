// Routine bodies: CREATE FUNCTION / CREATE PROCEDURE and DO.
//
// A body runs later, on every call, so what it would do is judged when it is created
// (DESIGN.md: "a function body that does something refused is refused when it is created").
// LANGUAGE sql bodies (string or SQL-standard BEGIN ATOMIC) are analyzed as SQL; PL/pgSQL goes
// through libpg_query's PL/pgSQL parser (plpgsql.cpp). Bodies in languages pgwarden cannot read
// (plpython, plperl, ...) can run any SQL through their SPI bindings: `dynamic_sql`.
// C and internal functions have no body to read and only name a symbol.
#include <optional>
#include <string>
#include <vector>

#include "sql/pg/analyze_chunk.hpp"
#include "sql/split.hpp"

#include "sql/pg/names.hpp"
#include "sql/pg/transform.hpp"

namespace pgwarden::sql::pg {
namespace {

struct RoutineOptions {
  std::string language = "sql";  // CREATE FUNCTION's default language is SQL
  std::vector<std::string> body; // AS '...' [, '...']
  std::vector<const VariableSetStmt*> settings;  // SET clauses: in force while the routine runs
};

RoutineOptions read_options(const List* options, std::string default_language) {
  RoutineOptions out;
  out.language = std::move(default_language);
  for (const Node* n : nodes(options)) {
    const auto* d = as<DefElem>(n, T_DefElem);
    if (d == nullptr) continue;
    const std::string_view option = text(d->defname);
    if (option == "language") {
      out.language = std::string(string_of(d->arg));
    } else if (option == "set") {
      if (const auto* set = as<VariableSetStmt>(d->arg, T_VariableSetStmt)) out.settings.push_back(set);
    } else if (option == "as" && d->arg != nullptr) {
      if (IsA(d->arg, List)) {
        for (const Node* part : nodes(reinterpret_cast<const List*>(d->arg))) out.body.emplace_back(string_of(part));
      } else {
        out.body.emplace_back(string_of(d->arg));
      }
    }
  }
  return out;
}

void unreadable_body(Context& ctx, const std::string& language, std::string verb) {
  auto& e = ctx.add(Action::dynamic_sql, ObjectKind::function, ObjectName{"", language}, std::move(verb));
  (void)e;
}

// The statements of a SQL-standard body: RETURN expr, or BEGIN ATOMIC ... END as a list that
// holds the list of statements.
void sql_body(Context& ctx, const Node* body) {
  if (body == nullptr) return;
  if (!IsA(body, List)) {
    transform_statement(ctx, body);
    return;
  }
  for (const Node* item : nodes(reinterpret_cast<const List*>(body))) {
    if (item != nullptr && IsA(item, List)) {
      for (const Node* st : nodes(reinterpret_cast<const List*>(item))) transform_statement(ctx, st);
    } else {
      transform_statement(ctx, item);
    }
  }
}

// A routine's SET clause (CREATE / ALTER FUNCTION ... SET x = y) is in force on every call:
// `SET session_replication_role = replica` there switches triggers off for the routine's body.
void routine_setting(Context& ctx, const VariableSetStmt* set) {
  if (set == nullptr || set->name == nullptr) return;
  std::optional<std::vector<std::string>> values;
  if (set->kind == VAR_SET_VALUE) {
    values.emplace();
    for (const Node* n : nodes(set->args)) {
      const auto* c = as<A_Const>(n, T_A_Const);
      if (c == nullptr || c->isnull) {
        values.reset();
        break;
      }
      switch (nodeTag(&c->val)) {
        case T_String: values->emplace_back(text(c->val.sval.sval)); break;
        case T_Integer: values->push_back(std::to_string(c->val.ival.ival)); break;
        case T_Float: values->emplace_back(text(c->val.fval.fval)); break;
        case T_Boolean: values->emplace_back(c->val.boolval.boolval ? "on" : "off"); break;
        default: values.reset();
      }
      if (!values) break;
    }
  } else if (set->kind == VAR_SET_DEFAULT || set->kind == VAR_RESET) {
    values.emplace();
  }  // FROM CURRENT: the caller's value, unknown here
  setting_effect(ctx, lower(text(set->name)), std::move(values), SettingScope::elsewhere,
                 "SET clause of the routine");
}

void create_function(Context& ctx, const CreateFunctionStmt& s) {
  const ObjectName name = name_of_list(s.funcname);
  const ObjectKind kind = s.is_procedure ? ObjectKind::procedure : ObjectKind::function;
  auto& e = ctx.add(Action::ddl_create, kind, name, s.is_procedure ? "CREATE PROCEDURE" : "CREATE FUNCTION");
  e.creates = true;
  const RoutineOptions opts = read_options(s.options, "sql");
  const bool trigger = s.returnType != nullptr && name_of_list(s.returnType->names).name == "trigger";
  if (trigger) {
    e.fact = UnitFact::trigger_function;
    e.values.push_back(lower(opts.language));
    // A C function is what its link symbol is, whatever it is called: AS 'module', 'symbol'.
    if (opts.body.size() >= 2) e.values.push_back(opts.body[1]);
  }
  if (opts.language == "c" || opts.language == "internal") {
    // Machine code the server loads (C) or a built-in C function under a new name (internal):
    // nothing pgwarden can read, and only a superuser can create it.
    ctx.add(Action::load_code, kind, name,
            std::string(s.is_procedure ? "CREATE PROCEDURE" : "CREATE FUNCTION") + " ... LANGUAGE " + opts.language);
  }
  for (const Node* p : nodes(s.parameters)) {
    if (const auto* param = as<FunctionParameter>(p, T_FunctionParameter)) walk(ctx, param->defexpr);
  }

  const ViaScope scope(ctx, Via::function_body, name.display());
  for (const VariableSetStmt* set : opts.settings) routine_setting(ctx, set);
  if (++ctx.body_depth > k_max_body_depth) {
    --ctx.body_depth;
    ctx.too_deep = true;
    return;
  }
  if (s.sql_body != nullptr) {
    sql_body(ctx, s.sql_body);
  } else if (opts.language == "sql") {
    if (!opts.body.empty()) analyze_body_text(ctx, opts.body.front());
  } else if (opts.language == "plpgsql") {
    // Without AS there is no body: PostgreSQL refuses the statement ("no function body
    // specified"), and libpg_query's PL/pgSQL parser would abort on it.
    if (!opts.body.empty()) analyze_plpgsql_function(ctx, std::string(ctx.text));
  } else if (opts.language != "c" && opts.language != "internal") {
    unreadable_body(ctx, opts.language, "CREATE FUNCTION ... LANGUAGE " + opts.language);
  }
  --ctx.body_depth;
}

void do_block(Context& ctx, const DoStmt& s) {
  RoutineOptions opts;
  opts.language = "plpgsql";  // DO's default
  for (const Node* n : nodes(s.args)) {
    const auto* d = as<DefElem>(n, T_DefElem);
    if (d == nullptr) continue;
    if (text(d->defname) == "language") opts.language = std::string(string_of(d->arg));
    if (text(d->defname) == "as") opts.body.emplace_back(string_of(d->arg));
  }
  ctx.add(Action::session, ObjectKind::none, {}, "DO");
  const ViaScope scope(ctx, Via::do_block, "DO");
  if (++ctx.body_depth > k_max_body_depth) {
    --ctx.body_depth;
    ctx.too_deep = true;
    return;
  }
  if (opts.language == "plpgsql") {
    analyze_plpgsql_do(ctx, opts.body.empty() ? std::string_view{} : std::string_view(opts.body.front()));
  } else {
    unreadable_body(ctx, opts.language, "DO ... LANGUAGE " + opts.language);
  }
  --ctx.body_depth;
}

}  // namespace

bool transform_routine(Context& ctx, const Node* node) {
  switch (nodeTag(node)) {
    case T_CreateFunctionStmt: {
      const NestScope nest(ctx);
      create_function(ctx, get<CreateFunctionStmt>(node));
      return true;
    }
    case T_DoStmt: {
      const NestScope nest(ctx);
      do_block(ctx, get<DoStmt>(node));
      return true;
    }
    case T_AlterFunctionStmt: {
      const NestScope nest(ctx);
      const auto& s = get<AlterFunctionStmt>(node);
      const ObjectName name = s.func != nullptr ? name_of_list(s.func->objname) : ObjectName{};
      const ObjectKind kind = s.objtype == OBJECT_PROCEDURE ? ObjectKind::procedure : ObjectKind::function;
      ctx.add(Action::ddl_create, kind, name, s.objtype == OBJECT_PROCEDURE ? "ALTER PROCEDURE" : "ALTER FUNCTION");
      const ViaScope scope(ctx, Via::function_body, name.display());
      for (const Node* n : nodes(s.actions)) {
        const auto* d = as<DefElem>(n, T_DefElem);
        if (d != nullptr && text(d->defname) == "set") routine_setting(ctx, as<VariableSetStmt>(d->arg, T_VariableSetStmt));
      }
      return true;
    }
    default:
      return false;
  }
}

void analyze_body_text(Context& ctx, std::string_view body) {
  if (ctx.probe != nullptr) return;
  SplitOptions options;
  for (const Chunk& chunk : split_statements(body, options)) {
    const std::string text(body.substr(chunk.begin, chunk.end - chunk.begin));
    for (const auto& st : analyze_chunk(text, ctx.body_depth)) {
      for (const Effect& inner : st.analysis->effects) {
        Effect copy = inner;
        if (copy.via == Via::direct) {
          copy.via = ctx.via;
          copy.via_name = ctx.via_name;
        } else if (ctx.via != Via::direct) {
          copy.via = ctx.via;  // the outermost hiding place wins
          copy.via_name = ctx.via_name;
        }
        // Bodies are re-parsed text: their own statement bookkeeping (a SELECT's read, a DO's
        // session) says nothing about the routine; keep what changes or destroys.
        if ((copy.action == Action::read || copy.action == Action::session) && copy.fact == UnitFact::none) continue;
        ctx.out.effects.push_back(std::move(copy));
      }
      if (!st.analysis->error.empty()) {
        ctx.add(Action::parse_error, ObjectKind::none, {}, "routine body: " + st.analysis->error);
      }
      for (const auto& f : st.analysis->called_functions) ctx.out.called_functions.push_back(f);
      for (const auto& o : st.analysis->operators) note_name(ctx.out.operators, o);
      for (const auto& f : st.analysis->field_names) note_name(ctx.out.field_names, f);
      for (const auto& t : st.analysis->type_names) note_name(ctx.out.type_names, t);
      for (const auto& r : st.analysis->relations_read) note_relation(ctx.out.relations_read, r);
      ctx.out.calls_functions = ctx.out.calls_functions || st.analysis->calls_functions;
    }
  }
}

}  // namespace pgwarden::sql::pg
