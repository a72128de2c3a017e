// Routine bodies: CREATE FUNCTION / CREATE PROCEDURE and DO.
//
// A body runs later, on every call, so what it would do is judged when it is created
// (DESIGN.md: "a function body that does something refused is refused when it is created").
// LANGUAGE sql bodies (string or SQL-standard BEGIN ATOMIC) are analyzed as SQL; PL/pgSQL goes
// through libpg_query's PL/pgSQL parser (plpgsql.cpp). Bodies in languages pgwarden cannot read
// (plpython, plperl, ...) can run any SQL through their SPI bindings: `dynamic_sql`.
// C and internal functions have no body to read and only name a symbol.
#include <cstring>

#include "sql/pg/analyze_chunk.hpp"
#include "sql/pg/names.hpp"
#include "sql/pg/transform.hpp"
#include "sql/split.hpp"

namespace pgwarden::sql::pg {
namespace {

struct RoutineOptions {
  std::string language = "sql";  // CREATE FUNCTION's default language is SQL
  std::vector<std::string> body; // AS '...' [, '...']
};

RoutineOptions read_options(PgQuery__Node* const* options, std::size_t n, std::string default_language) {
  RoutineOptions out;
  out.language = std::move(default_language);
  for (std::size_t i = 0; i < n; ++i) {
    if (options[i]->node_case != PG_QUERY__NODE__NODE_DEF_ELEM) continue;
    const auto* d = options[i]->def_elem;
    if (d->defname == nullptr) continue;
    if (std::strcmp(d->defname, "language") == 0) {
      out.language = std::string(string_of(d->arg));
    } else if (std::strcmp(d->defname, "as") == 0 && d->arg != nullptr) {
      if (d->arg->node_case == PG_QUERY__NODE__NODE_LIST) {
        for (std::size_t k = 0; k < d->arg->list->n_items; ++k) {
          out.body.emplace_back(string_of(d->arg->list->items[k]));
        }
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

void create_function(Context& ctx, const PgQuery__Node* node) {
  const auto* s = node->create_function_stmt;
  const ObjectName name = name_of_list(s->funcname, s->n_funcname);
  const ObjectKind kind = s->is_procedure ? ObjectKind::procedure : ObjectKind::function;
  auto& e = ctx.add(Action::ddl_create, kind, name,
                    s->is_procedure ? "CREATE PROCEDURE" : "CREATE FUNCTION");
  e.creates = true;
  const RoutineOptions opts = read_options(s->options, s->n_options, "sql");
  walk_all(ctx, s->parameters, s->n_parameters);  // parameter defaults

  const ViaScope scope(ctx, Via::function_body, name.display());
  if (++ctx.body_depth > k_max_body_depth) {
    --ctx.body_depth;
    ctx.too_deep = true;
    return;
  }
  if (s->sql_body != nullptr) {
    // SQL-standard body: RETURN expr, or BEGIN ATOMIC ... END as a list of statements.
    const auto* b = s->sql_body;
    if (b->node_case == PG_QUERY__NODE__NODE_LIST) {
      for (std::size_t i = 0; i < b->list->n_items; ++i) {
        const auto* item = b->list->items[i];
        if (item->node_case == PG_QUERY__NODE__NODE_LIST) {
          for (std::size_t k = 0; k < item->list->n_items; ++k) transform_statement(ctx, item->list->items[k]);
        } else {
          transform_statement(ctx, item);
        }
      }
    } else {
      transform_statement(ctx, b);
    }
  } else if (opts.language == "sql") {
    if (!opts.body.empty()) analyze_body_text(ctx, opts.body.front());
  } else if (opts.language == "plpgsql") {
    analyze_plpgsql_function(ctx, std::string(ctx.text));
  } else if (opts.language != "c" && opts.language != "internal") {
    unreadable_body(ctx, opts.language, "CREATE FUNCTION ... LANGUAGE " + opts.language);
  }
  --ctx.body_depth;
}

void do_block(Context& ctx, const PgQuery__Node* node) {
  const auto* s = node->do_stmt;
  const RoutineOptions opts = [&] {
    RoutineOptions o;
    o.language = "plpgsql";  // DO's default
    for (std::size_t i = 0; i < s->n_args; ++i) {
      if (s->args[i]->node_case != PG_QUERY__NODE__NODE_DEF_ELEM) continue;
      const auto* d = s->args[i]->def_elem;
      if (d->defname == nullptr) continue;
      if (std::strcmp(d->defname, "language") == 0) o.language = std::string(string_of(d->arg));
      if (std::strcmp(d->defname, "as") == 0) o.body.emplace_back(string_of(d->arg));
    }
    return o;
  }();
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

bool transform_routine(Context& ctx, const PgQuery__Node* node) {
  switch (node->node_case) {
    case PG_QUERY__NODE__NODE_CREATE_FUNCTION_STMT: {
      const NestScope nest(ctx);
      create_function(ctx, node);
      return true;
    }
    case PG_QUERY__NODE__NODE_DO_STMT: {
      const NestScope nest(ctx);
      do_block(ctx, node);
      return true;
    }
    default:
      return false;
  }
}

void analyze_body_text(Context& ctx, std::string_view body) {
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
        if (copy.action == Action::read || copy.action == Action::session) continue;
        ctx.out.effects.push_back(std::move(copy));
      }
      if (!st.analysis->error.empty()) {
        ctx.add(Action::parse_error, ObjectKind::none, {}, "routine body: " + st.analysis->error);
      }
      for (const auto& f : st.analysis->called_functions) ctx.out.called_functions.push_back(f);
    }
  }
}

}  // namespace pgwarden::sql::pg
