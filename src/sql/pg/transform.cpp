#include "sql/pg/transform.hpp"

namespace pgwarden::sql::pg {

Effect& Context::add(Effect effect) {
  effect.via = via;
  effect.via_name = via_name;
  out.effects.push_back(std::move(effect));
  return out.effects.back();
}

Effect& Context::add(Action action, ObjectKind kind, ObjectName object, std::string verb) {
  Effect e;
  e.action = action;
  e.kind = kind;
  e.object = std::move(object);
  e.verb = std::move(verb);
  return add(std::move(e));
}

ViaScope::ViaScope(Context& ctx, Via via, std::string name)
    : m_ctx(ctx), m_saved(ctx.via), m_saved_name(ctx.via_name) {
  if (ctx.via == Via::direct) {
    ctx.via = via;
    ctx.via_name = std::move(name);
  }
}

ViaScope::~ViaScope() {
  m_ctx.via = m_saved;
  m_ctx.via_name = std::move(m_saved_name);
}

void transform_statement(Context& ctx, const Node* node) {
  // A null node is PostgreSQL's NIL (an empty BEGIN ATOMIC END body): nothing to do.
  if (node == nullptr || ctx.too_deep) return;
  if (transform_dml(ctx, node) || transform_ddl(ctx, node) || transform_routine(ctx, node) ||
      transform_utility(ctx, node)) {
    return;
  }
  // Every statement kind of the PostgreSQL 15 grammar is handled above; a node that reaches
  // here is not a statement the analyzer knows. Fail closed: it is judged as a parse error.
  ctx.out.error = "pgwarden does not know this statement kind (node " +
                  std::to_string(static_cast<int>(nodeTag(node))) + ")";
  ctx.add(Action::parse_error, ObjectKind::none, {}, "UNKNOWN");
}

std::shared_ptr<const SyntaxHandle> syntax_of(Context& ctx, const Node* statement, const RangeVar* relation) {
  if (relation == nullptr || relation->location < 0) return nullptr;
  if (ctx.probe != nullptr) {
    if (ctx.probe->found == nullptr && relation->location == ctx.probe->location) ctx.probe->found = statement;
    return nullptr;
  }
  if (!ctx.chunk_copy) ctx.chunk_copy = std::make_shared<const std::string>(ctx.chunk);
  return std::make_shared<const SyntaxHandle>(ctx.chunk_copy, relation->location);
}

const Node* find_dml(const RawParse& parsed, const SyntaxHandle& handle) {
  Context::Probe probe{handle.relation_location()};
  for (const Node* node : parsed.statements()) {
    Analysis scratch;
    Context ctx{scratch, {}, handle.text()};
    ctx.probe = &probe;
    transform_statement(ctx, get<RawStmt>(node).stmt);
    if (probe.found != nullptr) break;
  }
  return probe.found;
}

}  // namespace pgwarden::sql::pg
