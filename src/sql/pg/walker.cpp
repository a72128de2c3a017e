// The walker: one traversal of every node that can hold an expression.
//
// Expressions appear in dozens of places (targets, WHERE, VALUES, defaults, CHECKs, index
// predicates, policy clauses, function arguments, partition bounds, ...). The walker knows
// every raw node kind of the PostgreSQL 15 grammar that has children, and follows them. It
// stops at what matters: a FuncCall (function_call), and a statement met inside an expression
// (subqueries, CTE bodies), which goes back to the statement dispatcher. Depth is bounded by
// k_max_tree_depth. A node kind with no children here (constants, column references, names)
// is a leaf.
#include <algorithm>

#include "sql/pg/names.hpp"
#include "sql/pg/transform.hpp"

namespace pgwarden::sql::pg {
namespace {

bool is_constant(const Node* n) { return n != nullptr && nodeTag(n) == T_A_Const; }

// An operator's name, qualified or not (OPERATOR(s.###)): the operator's own, without the schema.
void operator_used(Context& ctx, const List* name) {
  const NodeList parts = nodes(name);
  if (parts.empty() || nodeTag(parts[parts.size() - 1]) != T_String) return;
  note_name(ctx.out.operators, text(reinterpret_cast<const String*>(parts[parts.size() - 1])->sval));
}

void field_used(Context& ctx, const Node* field) {
  if (field != nullptr && nodeTag(field) == T_String) {
    note_name(ctx.out.field_names, text(reinterpret_cast<const String*>(field)->sval));
  }
}

void children(Context& ctx, const Node* n) {
  switch (nodeTag(n)) {
    case T_List:
      walk(ctx, reinterpret_cast<const List*>(n));
      break;
    // Statements inside expressions go to their handlers.
    case T_SelectStmt:
    case T_InsertStmt:
    case T_UpdateStmt:
    case T_DeleteStmt:
    case T_MergeStmt:
      transform_statement(ctx, n);
      break;
    case T_FuncCall: {
      const auto& f = get<FuncCall>(n);
      function_call(ctx, &f);
      walk(ctx, f.args);
      walk(ctx, f.agg_order);
      walk(ctx, f.agg_filter);
      walk(ctx, f.over);
      break;
    }
    // Expressions.
    case T_A_Expr: {
      const auto& e = get<A_Expr>(n);
      if (e.kind == AEXPR_BETWEEN || e.kind == AEXPR_NOT_BETWEEN || e.kind == AEXPR_BETWEEN_SYM ||
          e.kind == AEXPR_NOT_BETWEEN_SYM) {
        for (const char* op : {"<", "<=", ">", ">="}) note_name(ctx.out.operators, op);  // what BETWEEN is made of
      } else {
        operator_used(ctx, e.name);
      }
      // `column = 42`, `balance + 42`: a constant against anything but another constant is a
      // value the analysis never reads (`1 = 1` is: it decides whether a WHERE filters).
      const bool left = is_constant(e.lexpr);
      const bool right = is_constant(e.rexpr);
      if (e.kind == AEXPR_OP && e.lexpr != nullptr && e.rexpr != nullptr && left != right) {
        walk_value(ctx, e.lexpr);
        walk_value(ctx, e.rexpr);
      } else {
        walk(ctx, e.lexpr);
        walk(ctx, e.rexpr);
      }
      break;
    }
    case T_A_Const:
      ctx.out.constant_values_matter = true;  // a constant anywhere else: its value may be read
      break;
    case T_ColumnRef: {
      // s.f, t.s.f: f may be the function f(s).
      const NodeList fields = nodes(get<ColumnRef>(n).fields);
      if (fields.size() >= 2) field_used(ctx, fields[fields.size() - 1]);
      break;
    }
    case T_BoolExpr: walk(ctx, get<BoolExpr>(n).args); break;
    case T_NamedArgExpr: walk(ctx, get<NamedArgExpr>(n).arg); break;
    case T_A_Indices:
      walk(ctx, get<A_Indices>(n).lidx);
      walk(ctx, get<A_Indices>(n).uidx);
      break;
    case T_A_Indirection:
      walk(ctx, get<A_Indirection>(n).arg);
      for (const Node* field : nodes(get<A_Indirection>(n).indirection)) field_used(ctx, field);  // (s).f
      walk(ctx, get<A_Indirection>(n).indirection);
      break;
    case T_A_ArrayExpr: walk(ctx, get<A_ArrayExpr>(n).elements); break;
    case T_ResTarget:
      walk(ctx, get<ResTarget>(n).indirection);
      walk(ctx, get<ResTarget>(n).val);
      break;
    case T_MultiAssignRef: walk(ctx, get<MultiAssignRef>(n).source); break;
    case T_TypeCast:
      walk(ctx, get<TypeCast>(n).arg);
      walk(ctx, get<TypeCast>(n).typeName);
      break;
    case T_CollateClause: walk(ctx, get<CollateClause>(n).arg); break;
    case T_SortBy:
      operator_used(ctx, get<SortBy>(n).useOp);  // ORDER BY ... USING op
      walk(ctx, get<SortBy>(n).node);
      break;
    case T_WindowDef:
      walk(ctx, get<WindowDef>(n).partitionClause);
      walk(ctx, get<WindowDef>(n).orderClause);
      walk(ctx, get<WindowDef>(n).startOffset);
      walk(ctx, get<WindowDef>(n).endOffset);
      break;
    case T_SubLink:
      operator_used(ctx, get<SubLink>(n).operName);  // x op ANY (SELECT ...)
      walk(ctx, get<SubLink>(n).testexpr);
      walk(ctx, get<SubLink>(n).subselect);
      break;
    case T_CaseExpr:
      walk(ctx, get<CaseExpr>(n).arg);
      walk(ctx, get<CaseExpr>(n).args);
      walk(ctx, get<CaseExpr>(n).defresult);
      break;
    case T_CaseWhen:
      walk(ctx, get<CaseWhen>(n).expr);
      walk(ctx, get<CaseWhen>(n).result);
      break;
    case T_CoalesceExpr: walk(ctx, get<CoalesceExpr>(n).args); break;
    case T_MinMaxExpr: walk(ctx, get<MinMaxExpr>(n).args); break;
    case T_RowExpr: walk(ctx, get<RowExpr>(n).args); break;
    case T_NullTest: walk(ctx, get<NullTest>(n).arg); break;
    case T_BooleanTest: walk(ctx, get<BooleanTest>(n).arg); break;
    case T_GroupingFunc: walk(ctx, get<GroupingFunc>(n).args); break;
    case T_GroupingSet: walk(ctx, get<GroupingSet>(n).content); break;
    case T_XmlExpr:
      walk(ctx, get<XmlExpr>(n).named_args);
      walk(ctx, get<XmlExpr>(n).args);
      break;
    case T_XmlSerialize:
      walk(ctx, get<XmlSerialize>(n).expr);
      walk(ctx, get<XmlSerialize>(n).typeName);
      break;
    case T_TypeName:
      if (const NodeList names = nodes(get<TypeName>(n).names); !names.empty() && nodeTag(names[names.size() - 1]) == T_String) {
        note_name(ctx.out.type_names, text(reinterpret_cast<const String*>(names[names.size() - 1])->sval));
      }
      walk(ctx, get<TypeName>(n).typmods);
      walk(ctx, get<TypeName>(n).arrayBounds);
      break;
    // FROM items.
    case T_JoinExpr:
      walk(ctx, get<JoinExpr>(n).larg);
      walk(ctx, get<JoinExpr>(n).rarg);
      walk(ctx, get<JoinExpr>(n).quals);
      break;
    case T_RangeVar: note_relation(ctx.out.relations_read, name_of(&get<RangeVar>(n))); break;
    case T_RangeSubselect: walk(ctx, get<RangeSubselect>(n).subquery); break;
    case T_RangeFunction: walk(ctx, get<RangeFunction>(n).functions); break;
    case T_RangeTableSample:
      walk(ctx, get<RangeTableSample>(n).relation);
      walk(ctx, get<RangeTableSample>(n).args);
      walk(ctx, get<RangeTableSample>(n).repeatable);
      break;
    case T_RangeTableFunc:
      walk(ctx, get<RangeTableFunc>(n).docexpr);
      walk(ctx, get<RangeTableFunc>(n).rowexpr);
      walk(ctx, get<RangeTableFunc>(n).namespaces);
      walk(ctx, get<RangeTableFunc>(n).columns);
      break;
    case T_RangeTableFuncCol:
      walk(ctx, get<RangeTableFuncCol>(n).colexpr);
      walk(ctx, get<RangeTableFuncCol>(n).coldefexpr);
      break;
    // Clauses of statements.
    case T_WithClause: walk(ctx, get<WithClause>(n).ctes); break;
    case T_CommonTableExpr: walk(ctx, get<CommonTableExpr>(n).ctequery); break;
    case T_InferClause:
      walk(ctx, get<InferClause>(n).indexElems);
      walk(ctx, get<InferClause>(n).whereClause);
      break;
    case T_OnConflictClause:
      walk(ctx, get<OnConflictClause>(n).infer);
      walk(ctx, get<OnConflictClause>(n).targetList);
      walk(ctx, get<OnConflictClause>(n).whereClause);
      break;
    case T_MergeWhenClause:
      walk(ctx, get<MergeWhenClause>(n).condition);
      walk(ctx, get<MergeWhenClause>(n).targetList);
      walk(ctx, get<MergeWhenClause>(n).values);
      break;
    case T_ReturnStmt: walk(ctx, get<ReturnStmt>(n).returnval); break;
    // Definitions: defaults, CHECKs, generated columns, index expressions, partition bounds.
    case T_ColumnDef:
      walk(ctx, get<ColumnDef>(n).typeName);
      walk(ctx, get<ColumnDef>(n).raw_default);
      walk(ctx, get<ColumnDef>(n).constraints);
      break;
    case T_Constraint:
      walk(ctx, get<Constraint>(n).raw_expr);
      walk(ctx, get<Constraint>(n).exclusions);
      walk(ctx, get<Constraint>(n).where_clause);
      break;
    case T_IndexElem: walk(ctx, get<IndexElem>(n).expr); break;
    case T_StatsElem: walk(ctx, get<StatsElem>(n).expr); break;
    case T_PartitionSpec: walk(ctx, get<PartitionSpec>(n).partParams); break;
    case T_PartitionElem: walk(ctx, get<PartitionElem>(n).expr); break;
    case T_PartitionBoundSpec:
      walk(ctx, get<PartitionBoundSpec>(n).listdatums);
      walk(ctx, get<PartitionBoundSpec>(n).lowerdatums);
      walk(ctx, get<PartitionBoundSpec>(n).upperdatums);
      break;
    case T_PartitionCmd: walk(ctx, get<PartitionCmd>(n).bound); break;
    case T_DefElem: walk(ctx, get<DefElem>(n).arg); break;
    case T_AlterTableCmd: walk(ctx, get<AlterTableCmd>(n).def); break;
    case T_PublicationObjSpec: walk(ctx, get<PublicationObjSpec>(n).pubtable); break;
    case T_PublicationTable: walk(ctx, get<PublicationTable>(n).whereClause); break;
    // Utility statements whose clauses are expressions.
    case T_CreatePolicyStmt:
      walk(ctx, get<CreatePolicyStmt>(n).qual);
      walk(ctx, get<CreatePolicyStmt>(n).with_check);
      break;
    case T_AlterPolicyStmt:
      walk(ctx, get<AlterPolicyStmt>(n).qual);
      walk(ctx, get<AlterPolicyStmt>(n).with_check);
      break;
    case T_CreateTrigStmt: walk(ctx, get<CreateTrigStmt>(n).whenClause); break;
    case T_ExecuteStmt: walk(ctx, get<ExecuteStmt>(n).params); break;
    case T_CreateStatsStmt: walk(ctx, get<CreateStatsStmt>(n).exprs); break;
    case T_CreatePublicationStmt: walk(ctx, get<CreatePublicationStmt>(n).pubobjects); break;
    case T_AlterPublicationStmt: walk(ctx, get<AlterPublicationStmt>(n).pubobjects); break;
    case T_AlterDomainStmt: walk(ctx, get<AlterDomainStmt>(n).def); break;
    case T_VariableSetStmt: walk(ctx, get<VariableSetStmt>(n).args); break;
    case T_DefineStmt:
      walk(ctx, get<DefineStmt>(n).args);
      walk(ctx, get<DefineStmt>(n).definition);
      break;
    case T_CreateRangeStmt: walk(ctx, get<CreateRangeStmt>(n).params); break;
    case T_AlterTypeStmt: walk(ctx, get<AlterTypeStmt>(n).options); break;
    default:
      break;  // a leaf: constants, column references, names, options without expressions
  }
}

}  // namespace

void note_name(std::vector<std::string>& names, std::string_view name) {
  if (std::find(names.begin(), names.end(), name) == names.end()) names.emplace_back(name);
}

void note_relation(std::vector<ObjectName>& names, const ObjectName& name) {
  if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
}

void walk_value(Context& ctx, const Node* node) {
  if (!is_constant(node)) walk(ctx, node);
}

void walk(Context& ctx, const Node* node) {
  if (node == nullptr || ctx.too_deep) return;
  if (++ctx.depth > k_max_tree_depth) {
    ctx.too_deep = true;
    --ctx.depth;
    return;
  }
  children(ctx, node);
  --ctx.depth;
}

}  // namespace pgwarden::sql::pg
