// Schema changes (sql/schema_change.hpp) out of a statement's raw parse nodes. The locks are
// PostgreSQL 15's, as its documentation of each command states them (ALTER TABLE takes ACCESS
// EXCLUSIVE unless a subcommand is known to take less).
#include <algorithm>
#include <array>
#include <string>
#include <string_view>

#include "sql/pg/schema_changes.hpp"

#include "sql/pg/names.hpp"

namespace pgwarden::sql::pg {
namespace {

constexpr int k_max_expression_depth = 64;

// Functions PostgreSQL computes once per statement (immutable or stable) that defaults commonly
// use; any other call is treated as per-row, which is what a volatile one costs.
constexpr std::array<std::string_view, 22> k_once_functions = {
    "now", "transaction_timestamp", "statement_timestamp", "current_date", "current_timestamp",
    "localtimestamp", "lower", "upper", "concat", "to_jsonb", "jsonb_build_object", "json_build_object",
    "jsonb_build_array", "array_to_json", "make_interval", "make_date", "to_timestamp", "length",
    "timezone", "date_trunc", "abs", "round",
};

bool once_function(std::string_view name) {
  if (name.starts_with("pg_catalog.")) name.remove_prefix(11);
  return std::find(k_once_functions.begin(), k_once_functions.end(), name) != k_once_functions.end();
}

DefaultKind default_kind(const Node* node, int depth = 0) {
  if (node == nullptr) return DefaultKind::constant;
  if (depth > k_max_expression_depth) return DefaultKind::per_row;
  auto worst = [&](const List* list) {
    DefaultKind k = DefaultKind::constant;
    for (const Node* n : nodes(list)) k = std::max(k, default_kind(n, depth + 1));
    return k;
  };
  switch (nodeTag(node)) {
    case T_A_Const:
    case T_SQLValueFunction:
    case T_ParamRef:
      return DefaultKind::constant;
    case T_TypeCast:
      return default_kind(get<TypeCast>(node).arg, depth + 1);
    case T_A_Expr: {
      const auto& e = get<A_Expr>(node);
      return std::max(default_kind(e.lexpr, depth + 1), default_kind(e.rexpr, depth + 1));
    }
    case T_BoolExpr:
      return worst(get<BoolExpr>(node).args);
    case T_CoalesceExpr:
      return worst(get<CoalesceExpr>(node).args);
    case T_MinMaxExpr:
      return worst(get<MinMaxExpr>(node).args);
    case T_A_ArrayExpr:
      return worst(get<A_ArrayExpr>(node).elements);
    case T_NullTest:
      return default_kind(reinterpret_cast<const Node*>(get<NullTest>(node).arg), depth + 1);
    case T_FuncCall: {
      const auto& call = get<FuncCall>(node);
      if (!once_function(function_name(call.funcname))) return DefaultKind::per_row;
      return worst(call.args);
    }
    default:
      return DefaultKind::per_row;
  }
}

// "int4", "varchar(20)", "text[]" from a TypeName; "" when absent.
std::string canonical_type(const TypeName* type) {
  if (type == nullptr || type->names == NIL) return {};
  std::string out(string_of(static_cast<const Node*>(llast(type->names))));
  if (type->typmods != NIL) {
    out += '(';
    bool first = true;
    for (const Node* mod : nodes(type->typmods)) {
      if (!first) out += ',';
      first = false;
      if (const auto* c = as<A_Const>(mod, T_A_Const); c != nullptr && nodeTag(&c->val) == T_Integer) {
        out += std::to_string(c->val.ival.ival);
      } else {
        out += '?';
      }
    }
    out += ')';
  }
  for (std::size_t i = 0; i < nodes(type->arrayBounds).size(); ++i) out += "[]";
  return out;
}

// How SQL spells a canonical type name, for messages and recipes.
std::string type_sql(const std::string& canonical) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 10> k_spelling = {{
      {"int4", "integer"}, {"int8", "bigint"}, {"int2", "smallint"}, {"float8", "double precision"},
      {"float4", "real"}, {"bool", "boolean"}, {"bpchar", "char"}, {"timestamp", "timestamp"},
      {"timestamptz", "timestamptz"}, {"interval", "interval"},
  }};
  const auto paren = canonical.find_first_of("([");
  const std::string_view base = std::string_view(canonical).substr(0, paren);
  for (const auto& [from, to] : k_spelling) {
    if (base == from) return std::string(to) + (paren == std::string::npos ? "" : canonical.substr(paren));
  }
  return canonical;
}

bool is_serial(std::string_view type) {
  return type == "serial" || type == "bigserial" || type == "smallserial" || type == "serial2" ||
         type == "serial4" || type == "serial8";
}

std::vector<std::string> strings(const List* list) {
  std::vector<std::string> out;
  for (const Node* n : nodes(list)) out.emplace_back(string_of(n));
  return out;
}

class Collector {
 public:
  Collector(std::vector<SchemaChange>& out, std::size_t begin) : m_out(out), m_begin(begin) {}

  void statement(const Node* node);

 private:
  std::vector<SchemaChange>& m_out;
  std::size_t m_begin;  // the statement's offset in the parsed chunk

  std::size_t at(int location) const {
    return location < 0 || static_cast<std::size_t>(location) < m_begin ? 0
                                                                          : static_cast<std::size_t>(location) - m_begin;
  }
  SchemaChange& add(ChangeKind kind, ObjectName table, LockMode lock, int location) {
    SchemaChange c;
    c.kind = kind;
    c.table = std::move(table);
    c.lock = lock;
    c.offset = at(location);
    return m_out.emplace_back(std::move(c));
  }

  ColumnSpec column(const ColumnDef& def);
  void constraint(const Constraint& con, const ObjectName& table, const std::string& column, bool in_new_table,
                  LockMode lock);
  void create_table(const CreateStmt& stmt);
  void alter_table(const AlterTableStmt& stmt);
  void alter_table_cmd(const AlterTableCmd& cmd, const ObjectName& table, int location);
  void index(const IndexStmt& stmt);
  void drop(const DropStmt& stmt, int location);
};

ColumnSpec Collector::column(const ColumnDef& def) {
  ColumnSpec c;
  c.name = def.colname != nullptr ? def.colname : "";
  c.type = canonical_type(def.typeName);
  c.type_sql = type_sql(c.type);
  c.serial = is_serial(c.type);
  c.not_null = def.is_not_null;
  c.identity = def.identity != '\0';
  c.generated_stored = def.generated != '\0';
  c.offset = at(def.location);
  const Node* default_expr = def.raw_default;
  for (const Node* n : nodes(def.constraints)) {
    const auto* con = as<Constraint>(n, T_Constraint);
    if (con == nullptr) continue;
    switch (con->contype) {
      case CONSTR_NOTNULL: c.not_null = true; break;
      case CONSTR_PRIMARY: c.primary_key = true; c.not_null = true; break;
      case CONSTR_UNIQUE: c.unique = true; break;
      case CONSTR_DEFAULT: default_expr = con->raw_expr; break;
      case CONSTR_IDENTITY: c.identity = true; c.not_null = true; break;
      case CONSTR_GENERATED: c.generated_stored = true; break;
      default: break;
    }
  }
  if (default_expr != nullptr) {
    c.default_kind = default_kind(default_expr);
    c.default_sql = deparse_expression(default_expr);
  }
  return c;
}

void Collector::constraint(const Constraint& con, const ObjectName& table, const std::string& column,
                           bool in_new_table, LockMode lock) {
  ConstraintType type = ConstraintType::none;
  switch (con.contype) {
    case CONSTR_CHECK: type = ConstraintType::check; break;
    case CONSTR_FOREIGN: type = ConstraintType::foreign_key; break;
    case CONSTR_UNIQUE: type = ConstraintType::unique; break;
    case CONSTR_PRIMARY: type = ConstraintType::primary_key; break;
    case CONSTR_EXCLUSION: type = ConstraintType::exclusion; break;
    default: return;  // NOT NULL, DEFAULT, identity and generated belong to the column spec
  }
  // An FK locks its table SHARE ROW EXCLUSIVE; CHECK, UNIQUE, PRIMARY KEY and EXCLUDE take
  // ACCESS EXCLUSIVE.
  if (!in_new_table) lock = type == ConstraintType::foreign_key ? LockMode::share_row_exclusive : LockMode::access_exclusive;
  auto& c = add(ChangeKind::add_constraint, table, in_new_table ? LockMode::none : lock, con.location);
  c.constraint = type;
  c.name = con.conname != nullptr ? con.conname : "";
  c.in_new_table = in_new_table;
  c.not_valid = con.skip_validation;
  c.using_index = con.indexname != nullptr ? con.indexname : "";
  c.constraint_columns = type == ConstraintType::foreign_key ? strings(con.fk_attrs) : strings(con.keys);
  if (c.constraint_columns.empty() && !column.empty()) c.constraint_columns.push_back(column);
  c.column.name = column;  // a column constraint (ADD COLUMN c int REFERENCES t): its column
  if (type == ConstraintType::foreign_key) {
    c.ref_table = name_of(con.pktable);
    c.ref_columns = strings(con.pk_attrs);
    c.on_delete_cascade = con.fk_del_action == FKCONSTR_ACTION_CASCADE;
  }
  if (type == ConstraintType::check) {
    if (const auto* test = as<NullTest>(con.raw_expr, T_NullTest); test != nullptr && test->nulltesttype == IS_NOT_NULL) {
      if (const auto* ref = as<ColumnRef>(reinterpret_cast<const Node*>(test->arg), T_ColumnRef);
          ref != nullptr && nodes(ref->fields).size() == 1) {
        c.check_not_null = std::string(string_of(nodes(ref->fields)[0]));
      }
    }
  }
}

void Collector::create_table(const CreateStmt& stmt) {
  const ObjectName table = name_of(stmt.relation);
  auto& created = add(ChangeKind::create_table, table, LockMode::none, stmt.relation->location);
  created.guardable = true;
  created.guarded = stmt.if_not_exists;
  created.temporary = stmt.relation->relpersistence == 't';  // RELPERSISTENCE_TEMP
  std::vector<ColumnSpec> columns;
  std::vector<const Constraint*> constraints;
  std::vector<std::string> owners;
  for (const Node* n : nodes(stmt.tableElts)) {
    if (const auto* def = as<ColumnDef>(n, T_ColumnDef)) {
      columns.push_back(column(*def));
      for (const Node* cn : nodes(def->constraints)) {
        if (const auto* con = as<Constraint>(cn, T_Constraint)) {
          constraints.push_back(con);
          owners.push_back(columns.back().name);
        }
      }
    } else if (const auto* con = as<Constraint>(n, T_Constraint)) {
      constraints.push_back(con);
      owners.emplace_back();
      if (con->contype == CONSTR_PRIMARY) {
        for (const auto& key : strings(con->keys)) {
          for (auto& col : columns) {
            if (col.name == key) col.primary_key = col.not_null = true;
          }
        }
      }
    }
  }
  m_out.back().columns = std::move(columns);  // `created` may dangle once more changes are added
  for (std::size_t i = 0; i < constraints.size(); ++i) {
    constraint(*constraints[i], table, owners[i], true, LockMode::none);
  }
}

void Collector::alter_table_cmd(const AlterTableCmd& cmd, const ObjectName& table, int location) {
  const std::string name = cmd.name != nullptr ? cmd.name : "";
  auto simple = [&](ChangeKind kind, LockMode lock) -> SchemaChange& {
    auto& c = add(kind, table, lock, location);
    c.name = name;
    return c;
  };
  switch (cmd.subtype) {
    case AT_AddColumn:
    case AT_AddColumnRecurse: {
      const auto* def = as<ColumnDef>(cmd.def, T_ColumnDef);
      if (def == nullptr) return;
      auto spec = column(*def);
      auto& c = add(ChangeKind::add_column, table, LockMode::access_exclusive, def->location);
      c.name = spec.name;
      c.guardable = true;
      c.guarded = cmd.missing_ok;
      c.column = std::move(spec);
      const std::string col = m_out.back().name;
      for (const Node* cn : nodes(def->constraints)) {
        if (const auto* con = as<Constraint>(cn, T_Constraint)) constraint(*con, table, col, false, LockMode::none);
      }
      return;
    }
    case AT_AddConstraint:
    case AT_AddConstraintRecurse:
      if (const auto* con = as<Constraint>(cmd.def, T_Constraint)) constraint(*con, table, "", false, LockMode::none);
      return;
    case AT_ValidateConstraint:
    case AT_ValidateConstraintRecurse:
      simple(ChangeKind::validate_constraint, LockMode::share_update_exclusive);
      return;
    case AT_DropConstraint:
    case AT_DropConstraintRecurse: {
      auto& c = simple(ChangeKind::drop_constraint, LockMode::access_exclusive);
      c.guardable = true;
      c.guarded = cmd.missing_ok;
      return;
    }
    case AT_SetNotNull:
      simple(ChangeKind::set_not_null, LockMode::access_exclusive);
      return;
    case AT_DropNotNull:
      simple(ChangeKind::drop_not_null, LockMode::access_exclusive);
      return;
    case AT_DropColumn:
    case AT_DropColumnRecurse: {
      auto& c = simple(ChangeKind::drop_column, LockMode::access_exclusive);
      c.guardable = true;
      c.guarded = cmd.missing_ok;
      return;
    }
    case AT_AlterColumnType: {
      auto& c = simple(ChangeKind::alter_column_type, LockMode::access_exclusive);
      if (const auto* def = as<ColumnDef>(cmd.def, T_ColumnDef)) {
        c.column.name = name;
        c.column.type = canonical_type(def->typeName);
        c.column.type_sql = type_sql(c.column.type);
        c.has_using = def->raw_default != nullptr;
      }
      return;
    }
    case AT_ColumnDefault: {
      auto& c = simple(ChangeKind::set_default, LockMode::access_exclusive);
      c.column.name = name;
      if (cmd.def != nullptr) {
        c.column.default_kind = default_kind(cmd.def);
        c.column.default_sql = deparse_expression(cmd.def);
      }
      return;
    }
    case AT_AttachPartition:
    case AT_DetachPartition: {
      const auto* part = as<PartitionCmd>(cmd.def, T_PartitionCmd);
      const bool attach = cmd.subtype == AT_AttachPartition;
      const bool concurrent = part != nullptr && part->concurrent;
      auto& c = add(attach ? ChangeKind::attach_partition : ChangeKind::detach_partition, table,
                    attach || concurrent ? LockMode::share_update_exclusive : LockMode::access_exclusive, location);
      c.concurrently = concurrent;
      if (part != nullptr) c.name = name_of(part->name).display();
      return;
    }
    case AT_EnableTrig:
    case AT_EnableAlwaysTrig:
    case AT_EnableReplicaTrig:
    case AT_EnableTrigAll:
    case AT_EnableTrigUser:
      simple(ChangeKind::enable_trigger, LockMode::share_row_exclusive);
      return;
    case AT_DisableTrig:
    case AT_DisableTrigAll:
    case AT_DisableTrigUser:
      simple(ChangeKind::disable_trigger, LockMode::share_row_exclusive);
      return;
    case AT_SetStatistics:
    case AT_ClusterOn:
    case AT_DropCluster:
    case AT_SetRelOptions:
    case AT_ResetRelOptions:
    case AT_ReplaceRelOptions:
      simple(ChangeKind::alter_table_other, LockMode::share_update_exclusive);
      return;
    default:
      simple(ChangeKind::alter_table_other, LockMode::access_exclusive);
      return;
  }
}

void Collector::alter_table(const AlterTableStmt& stmt) {
  const ObjectName table = name_of(stmt.relation);
  for (const Node* n : nodes(stmt.cmds)) {
    if (const auto* cmd = as<AlterTableCmd>(n, T_AlterTableCmd)) {
      // A subcommand has no location of its own; its definition may.
      int location = stmt.relation->location;
      if (const auto* def = as<ColumnDef>(cmd->def, T_ColumnDef)) location = def->location;
      if (const auto* con = as<Constraint>(cmd->def, T_Constraint)) location = con->location;
      alter_table_cmd(*cmd, table, location);
    }
  }
}

void Collector::index(const IndexStmt& stmt) {
  auto& c = add(ChangeKind::create_index, name_of(stmt.relation),
                stmt.concurrent ? LockMode::share_update_exclusive : LockMode::share, stmt.relation->location);
  c.name = stmt.idxname != nullptr ? stmt.idxname : "";
  c.concurrently = stmt.concurrent;
  c.unique = stmt.unique;
  c.guardable = true;
  c.guarded = stmt.if_not_exists;
  for (const Node* n : nodes(stmt.indexParams)) {
    if (const auto* elem = as<IndexElem>(n, T_IndexElem)) {
      c.constraint_columns.push_back(elem->name != nullptr ? elem->name : "(expression)");
    }
  }
}

void Collector::drop(const DropStmt& stmt, int location) {
  for (const Node* object : nodes(stmt.objects)) {
    const auto* list = as<List>(object, T_List);
    // DROP TRIGGER / RULE / POLICY name ON table: the list is the table's name, then the member.
    const bool member = stmt.removeType == OBJECT_TRIGGER || stmt.removeType == OBJECT_RULE ||
                        stmt.removeType == OBJECT_POLICY;
    const std::size_t n = nodes(list).size();
    ObjectName name = list == nullptr ? ObjectName{} : member && n > 1 ? name_of_list(list, n - 1) : name_of_list(list);
    ChangeKind kind = ChangeKind::drop_other;
    LockMode lock = LockMode::access_exclusive;
    if (stmt.removeType == OBJECT_INDEX) {
      kind = ChangeKind::drop_index;
      if (stmt.concurrent) lock = LockMode::share_update_exclusive;
    } else if (stmt.removeType == OBJECT_TABLE || stmt.removeType == OBJECT_FOREIGN_TABLE) {
      kind = ChangeKind::drop_table;
    }
    auto& c = add(kind, name, lock, location);
    c.name = member && n > 1 ? std::string(string_of(nodes(list)[n - 1])) : name.name;
    c.concurrently = stmt.concurrent;
    c.guardable = true;
    c.guarded = stmt.missing_ok;
  }
}

LockMode lock_of(const List* params, LockMode plain, LockMode concurrent, bool& is_concurrent) {
  is_concurrent = false;
  for (const Node* n : nodes(params)) {
    if (const auto* opt = as<DefElem>(n, T_DefElem); opt != nullptr && std::string_view(opt->defname) == "concurrently") {
      const auto* value = as<Boolean>(opt->arg, T_Boolean);
      is_concurrent = value == nullptr || value->boolval;
    }
  }
  return is_concurrent ? concurrent : plain;
}

void Collector::statement(const Node* node) {
  switch (nodeTag(node)) {
    case T_CreateStmt:
      create_table(get<CreateStmt>(node));
      return;
    case T_AlterTableStmt: {
      const auto& stmt = get<AlterTableStmt>(node);
      if (stmt.objtype == OBJECT_TABLE || stmt.objtype == OBJECT_FOREIGN_TABLE) alter_table(stmt);
      return;
    }
    case T_IndexStmt:
      index(get<IndexStmt>(node));
      return;
    case T_DropStmt:
      drop(get<DropStmt>(node), 0);
      return;
    case T_TruncateStmt:
      for (const Node* n : nodes(get<TruncateStmt>(node).relations)) {
        if (const auto* rv = as<RangeVar>(n, T_RangeVar)) add(ChangeKind::truncate, name_of(rv), LockMode::access_exclusive, rv->location);
      }
      return;
    case T_ReindexStmt: {
      const auto& stmt = get<ReindexStmt>(node);
      bool concurrent = false;
      const LockMode lock = lock_of(stmt.params, LockMode::share, LockMode::share_update_exclusive, concurrent);
      auto& c = add(ChangeKind::reindex, stmt.relation != nullptr ? name_of(stmt.relation) : ObjectName{"", stmt.name != nullptr ? stmt.name : ""},
                    lock, stmt.relation != nullptr ? stmt.relation->location : 0);
      c.concurrently = concurrent;
      switch (stmt.kind) {
        case REINDEX_OBJECT_INDEX: c.name = "INDEX"; break;
        case REINDEX_OBJECT_TABLE: c.name = "TABLE"; break;
        case REINDEX_OBJECT_SCHEMA: c.name = "SCHEMA"; break;
        case REINDEX_OBJECT_SYSTEM: c.name = "SYSTEM"; break;
        default: c.name = "DATABASE"; break;
      }
      return;
    }
    case T_RefreshMatViewStmt: {
      const auto& stmt = get<RefreshMatViewStmt>(node);
      auto& c = add(ChangeKind::refresh_matview, name_of(stmt.relation),
                    stmt.concurrent ? LockMode::exclusive : LockMode::access_exclusive, stmt.relation->location);
      c.concurrently = stmt.concurrent;
      return;
    }
    case T_VacuumStmt: {
      const auto& stmt = get<VacuumStmt>(node);
      if (!stmt.is_vacuumcmd) return;
      bool full = false;
      for (const Node* n : nodes(stmt.options)) {
        if (const auto* opt = as<DefElem>(n, T_DefElem); opt != nullptr && std::string_view(opt->defname) == "full") {
          const auto* value = as<Boolean>(opt->arg, T_Boolean);
          full = value == nullptr || value->boolval;
        }
      }
      const LockMode lock = full ? LockMode::access_exclusive : LockMode::share_update_exclusive;
      if (stmt.rels == NIL) add(ChangeKind::vacuum, {}, lock, 0).full = full;
      for (const Node* n : nodes(stmt.rels)) {
        if (const auto* rel = as<VacuumRelation>(n, T_VacuumRelation); rel != nullptr && rel->relation != nullptr) {
          add(ChangeKind::vacuum, name_of(rel->relation), lock, rel->relation->location).full = full;
        }
      }
      return;
    }
    case T_ClusterStmt: {
      const auto& stmt = get<ClusterStmt>(node);
      add(ChangeKind::cluster, stmt.relation != nullptr ? name_of(stmt.relation) : ObjectName{}, LockMode::access_exclusive,
          stmt.relation != nullptr ? stmt.relation->location : 0);
      return;
    }
    case T_CreateTrigStmt: {
      const auto& stmt = get<CreateTrigStmt>(node);
      auto& c = add(ChangeKind::create_trigger, name_of(stmt.relation), LockMode::share_row_exclusive, stmt.relation->location);
      c.name = stmt.trigname != nullptr ? stmt.trigname : "";
      c.guardable = true;
      c.guarded = stmt.replace;
      return;
    }
    case T_CreateFunctionStmt: {
      const auto& stmt = get<CreateFunctionStmt>(node);
      auto& c = add(ChangeKind::create_function, {}, LockMode::none, 0);
      c.name = function_name(stmt.funcname);
      c.procedure = stmt.is_procedure;
      c.guardable = true;
      c.guarded = stmt.replace;
      return;
    }
    case T_CreateEnumStmt: {
      auto& c = add(ChangeKind::create_enum, name_of_list(get<CreateEnumStmt>(node).typeName), LockMode::none, 0);
      c.guardable = false;
      return;
    }
    case T_AlterEnumStmt: {
      const auto& stmt = get<AlterEnumStmt>(node);
      if (stmt.oldVal != nullptr) return;  // RENAME VALUE: the policy's rename
      auto& c = add(ChangeKind::add_enum_value, name_of_list(stmt.typeName), LockMode::none, 0);
      c.name = stmt.newVal != nullptr ? stmt.newVal : "";
      c.positioned = stmt.newValNeighbor != nullptr;
      c.guardable = true;
      c.guarded = stmt.skipIfNewValExists;
      return;
    }
    case T_RenameStmt: {
      const auto& stmt = get<RenameStmt>(node);
      if (stmt.relation == nullptr) return;
      if (stmt.renameType == OBJECT_TABLE) {
        auto& c = add(ChangeKind::rename_table, name_of(stmt.relation), LockMode::access_exclusive, stmt.relation->location);
        c.new_name = ObjectName{c.table.schema, stmt.newname != nullptr ? stmt.newname : ""};
      } else if (stmt.renameType == OBJECT_COLUMN && stmt.relationType == OBJECT_TABLE) {
        auto& c = add(ChangeKind::rename_column, name_of(stmt.relation), LockMode::access_exclusive, stmt.relation->location);
        c.name = stmt.subname != nullptr ? stmt.subname : "";
        c.new_name = ObjectName{"", stmt.newname != nullptr ? stmt.newname : ""};
      }
      return;
    }
    case T_VariableSetStmt: {
      const auto& stmt = get<VariableSetStmt>(node);
      if (stmt.name == nullptr) return;  // RESET ALL, SET TRANSACTION ...
      auto& c = add(ChangeKind::setting, {}, LockMode::none, 0);
      c.name = stmt.name;
      c.local = stmt.is_local;
      if (stmt.kind == VAR_SET_VALUE) {
        for (const Node* n : nodes(stmt.args)) {
          const auto* value = as<A_Const>(n, T_A_Const);
          if (value == nullptr || value->isnull) continue;
          if (nodeTag(&value->val) == T_Integer) c.value = std::to_string(value->val.ival.ival);
          if (nodeTag(&value->val) == T_String) c.value = value->val.sval.sval;
          if (nodeTag(&value->val) == T_Float) c.value = value->val.fval.fval;
        }
      }
      return;
    }
    case T_TransactionStmt: {
      auto& c = add(ChangeKind::transaction, {}, LockMode::none, 0);
      switch (get<TransactionStmt>(node).kind) {
        case TRANS_STMT_BEGIN:
        case TRANS_STMT_START: c.transaction = TransactionKind::begin; break;
        case TRANS_STMT_COMMIT: c.transaction = TransactionKind::commit; break;
        case TRANS_STMT_ROLLBACK: c.transaction = TransactionKind::rollback; break;
        case TRANS_STMT_SAVEPOINT: c.transaction = TransactionKind::savepoint; break;
        case TRANS_STMT_RELEASE: c.transaction = TransactionKind::release; break;
        case TRANS_STMT_ROLLBACK_TO: c.transaction = TransactionKind::rollback_to; break;
        case TRANS_STMT_PREPARE: c.transaction = TransactionKind::prepare; break;
        default: c.transaction = TransactionKind::other; break;
      }
      return;
    }
    case T_LockStmt: {
      const auto& stmt = get<LockStmt>(node);
      const auto mode = static_cast<LockMode>(std::clamp(stmt.mode, 0, static_cast<int>(LockMode::access_exclusive)));
      for (const Node* n : nodes(stmt.relations)) {
        if (const auto* rv = as<RangeVar>(n, T_RangeVar)) add(ChangeKind::lock_table, name_of(rv), mode, rv->location);
      }
      return;
    }
    case T_CreateSeqStmt: {
      auto& c = add(ChangeKind::create_other, name_of(get<CreateSeqStmt>(node).sequence), LockMode::none, 0);
      c.guardable = true;
      c.guarded = get<CreateSeqStmt>(node).if_not_exists;
      return;
    }
    case T_CreateSchemaStmt: {
      const auto& stmt = get<CreateSchemaStmt>(node);
      auto& c = add(ChangeKind::create_other, ObjectName{"", stmt.schemaname != nullptr ? stmt.schemaname : ""}, LockMode::none, 0);
      c.guardable = true;
      c.guarded = stmt.if_not_exists;
      return;
    }
    case T_CreateExtensionStmt: {
      const auto& stmt = get<CreateExtensionStmt>(node);
      auto& c = add(ChangeKind::create_other, ObjectName{"", stmt.extname != nullptr ? stmt.extname : ""}, LockMode::none, 0);
      c.guardable = true;
      c.guarded = stmt.if_not_exists;
      return;
    }
    case T_CreateTableAsStmt: {  // CREATE TABLE AS, CREATE MATERIALIZED VIEW
      const auto& stmt = get<CreateTableAsStmt>(node);
      if (stmt.into == nullptr || stmt.into->rel == nullptr) return;
      auto& c = add(ChangeKind::create_other, name_of(stmt.into->rel), LockMode::none, stmt.into->rel->location);
      c.guardable = true;
      c.guarded = stmt.if_not_exists;
      return;
    }
    case T_ViewStmt: {
      const auto& stmt = get<ViewStmt>(node);
      auto& c = add(ChangeKind::create_other, name_of(stmt.view), LockMode::none, 0);
      c.guardable = true;
      c.guarded = stmt.replace;
      return;
    }
    default:
      return;
  }
}

}  // namespace

void collect_schema_changes(const Node* statement, std::size_t statement_begin, std::vector<SchemaChange>& out) {
  Collector(out, statement_begin).statement(statement);
}

}  // namespace pgwarden::sql::pg
