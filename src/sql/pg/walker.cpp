// The generic walker: one descriptor-driven traversal of any protobuf message of the tree.
//
// Expressions appear in dozens of node types (targets, WHERE, VALUES, defaults, CHECKs, index
// predicates, function arguments, ...). Instead of a hand-written case per node, the walker
// follows every message-typed field using protobuf-c's descriptors, so a node type nobody
// thought of is still searched. It stops at what matters: a FuncCall (function_call), and a
// statement node met inside an expression (subqueries, CTE bodies), which goes back to the
// statement dispatcher. Depth is bounded by k_max_tree_depth.
#include "sql/pg/transform.hpp"

namespace pgwarden::sql::pg {
namespace {

bool is_statement_case(PgQuery__Node__NodeCase c) {
  switch (c) {
    case PG_QUERY__NODE__NODE_SELECT_STMT:
    case PG_QUERY__NODE__NODE_INSERT_STMT:
    case PG_QUERY__NODE__NODE_UPDATE_STMT:
    case PG_QUERY__NODE__NODE_DELETE_STMT:
    case PG_QUERY__NODE__NODE_MERGE_STMT:
      return true;
    default:
      return false;
  }
}

void walk_fields(Context& ctx, const ProtobufCMessage* message) {
  const ProtobufCMessageDescriptor* desc = message->descriptor;
  const auto* base = reinterpret_cast<const unsigned char*>(message);
  for (unsigned i = 0; i < desc->n_fields; ++i) {
    const ProtobufCFieldDescriptor& field = desc->fields[i];
    if (field.type != PROTOBUF_C_TYPE_MESSAGE) continue;
    if (field.label == PROTOBUF_C_LABEL_REPEATED) {
      const auto count = *reinterpret_cast<const std::size_t*>(base + field.quantifier_offset);
      const auto* items = *reinterpret_cast<ProtobufCMessage* const* const*>(base + field.offset);
      for (std::size_t k = 0; k < count; ++k) {
        if (items[k] != nullptr) walk(ctx, items[k]);
      }
    } else {
      // A oneof stores its case in quantifier_offset; only the active member is valid.
      if ((field.flags & PROTOBUF_C_FIELD_FLAG_ONEOF) != 0U) {
        const auto active = *reinterpret_cast<const uint32_t*>(base + field.quantifier_offset);
        if (active != field.id) continue;
      }
      const auto* child = *reinterpret_cast<const ProtobufCMessage* const*>(base + field.offset);
      if (child != nullptr) walk(ctx, child);
    }
  }
}

}  // namespace

void walk(Context& ctx, const ProtobufCMessage* message) {
  if (message == nullptr || ctx.too_deep) return;
  if (++ctx.depth > k_max_tree_depth) {
    ctx.too_deep = true;
    --ctx.depth;
    return;
  }
  if (message->descriptor == &pg_query__node__descriptor) {
    const auto* node = reinterpret_cast<const PgQuery__Node*>(message);
    if (is_statement_case(node->node_case)) {
      transform_statement(ctx, node);
    } else if (node->node_case == PG_QUERY__NODE__NODE_FUNC_CALL) {
      function_call(ctx, node->func_call);
      walk_fields(ctx, message);
    } else {
      walk_fields(ctx, message);
    }
  } else {
    walk_fields(ctx, message);
  }
  --ctx.depth;
}

}  // namespace pgwarden::sql::pg
