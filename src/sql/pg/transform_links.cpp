// Links between relations that decide where a write lands, as facts for the unit
// (policy/unit_state.hpp) and as effects where the link itself changes a protected table:
//  - a view writes through to what its FROM names (automatically updatable views,
//    https://www.postgresql.org/docs/15/sql-createview.html#SQL-CREATEVIEW-UPDATABLE-VIEWS);
//  - a child or partition's rows are reached by DELETE, UPDATE and TRUNCATE of its parent
//    (https://www.postgresql.org/docs/15/ddl-inherit.html): making an existing table a child is
//    `attach_table`;
//  - a foreign key whose ON DELETE / ON UPDATE action is CASCADE, SET NULL or SET DEFAULT changes
//    the rows of its table when the referenced table changes: `foreign_key_cascade`, with the
//    row change it allows as the effect's mutation, so that the policy engine derives
//    mutate_append_only and update_immutable from it
//    (https://www.postgresql.org/docs/15/ddl-constraints.html#DDL-CONSTRAINTS-FK);
//  - a foreign table writes wherever its server and options point.
#include <string>
#include <vector>

#include "sql/pg/names.hpp"
#include "sql/pg/transform.hpp"

namespace pgwarden::sql::pg {
namespace {

// The relations a FROM list names at its top level: tables and views, through joins, not inside
// subqueries or functions.
void from_relations(const Node* n, std::vector<ObjectName>& out, int depth = 0) {
  if (n == nullptr || depth > 64) return;
  if (const auto* rv = as<RangeVar>(n, T_RangeVar)) {
    out.push_back(name_of(rv));
  } else if (const auto* j = as<JoinExpr>(n, T_JoinExpr)) {
    from_relations(j->larg, out, depth + 1);
    from_relations(j->rarg, out, depth + 1);
  }
}

void select_relations(const SelectStmt* s, std::vector<ObjectName>& out, bool& filtered, int depth = 0) {
  if (s == nullptr || depth > 64) return;
  for (const Node* n : nodes(s->fromClause)) from_relations(n, out, depth + 1);
  if (s->whereClause != nullptr) filtered = true;
  select_relations(s->larg, out, filtered, depth + 1);
  select_relations(s->rarg, out, filtered, depth + 1);
}

std::vector<std::string> strings(const List* list) {
  std::vector<std::string> out;
  for (const Node* n : nodes(list)) out.emplace_back(string_of(n));
  return out;
}

std::string option_value(const DefElem* d) {
  if (d == nullptr || d->arg == nullptr) return {};
  if (const auto* s = as<String>(d->arg, T_String)) return std::string(text(s->sval));
  return {};
}

const char* fk_action_sql(char action) {
  switch (action) {
    case FKCONSTR_ACTION_CASCADE: return "CASCADE";
    case FKCONSTR_ACTION_SETNULL: return "SET NULL";
    case FKCONSTR_ACTION_SETDEFAULT: return "SET DEFAULT";
    default: return nullptr;
  }
}

}  // namespace

void view_fact(Effect& view, const Node* query, const List* aliases) {
  view.fact = UnitFact::view;
  bool filtered = false;
  const auto* select = as<SelectStmt>(query, T_SelectStmt);
  select_relations(select, view.relations, filtered);
  view.has_where = filtered;
  // Which of the view's columns is which column of its table: `values` holds "view=table"
  // pairs, so that an UPDATE of uv.uid is judged as one of users.id (CREATE VIEW uv AS SELECT
  // id AS uid ...). Columns not listed have their table's name.
  if (select == nullptr || select->larg != nullptr) return;
  const NodeList names = nodes(aliases);
  std::size_t position = 0;
  for (const Node* n : nodes(select->targetList)) {
    const auto* t = as<ResTarget>(n, T_ResTarget);
    if (t == nullptr) continue;
    const auto* ref = as<ColumnRef>(t->val, T_ColumnRef);
    const std::size_t at = position++;
    if (ref == nullptr) continue;
    const NodeList fields = nodes(ref->fields);
    if (fields.empty() || string_of(fields[fields.size() - 1]).empty()) continue;  // * or a subscript
    const std::string table_column(string_of(fields[fields.size() - 1]));
    std::string view_column = t->name != nullptr ? std::string(text(t->name)) : table_column;
    if (at < names.size()) view_column = std::string(string_of(names[at]));
    if (view_column != table_column) view.values.push_back(view_column + "=" + table_column);
  }
}

void foreign_key_effects(Context& ctx, const ObjectName& table, const Constraint* c, const std::string& column) {
  if (c == nullptr || c->contype != CONSTR_FOREIGN) return;
  std::vector<std::string> columns = strings(c->fk_attrs);
  if (columns.empty() && !column.empty()) columns.push_back(column);
  const ObjectName referenced = name_of(c->pktable);
  if (const char* action = fk_action_sql(c->fk_del_action)) {
    auto& e = ctx.add(Action::foreign_key_cascade, ObjectKind::table, table,
                      std::string("FOREIGN KEY ... ON DELETE ") + action);
    e.relations.push_back(referenced);
    e.has_where = true;  // the rows that reference what is deleted
    if (c->fk_del_action == FKCONSTR_ACTION_CASCADE) {
      e.mutation = Mutation::delete_rows;
    } else {
      e.mutation = Mutation::update;
      const std::vector<std::string> set = strings(c->fk_del_set_cols);
      e.columns = set.empty() ? columns : set;
    }
  }
  if (const char* action = fk_action_sql(c->fk_upd_action)) {
    auto& e = ctx.add(Action::foreign_key_cascade, ObjectKind::table, table,
                      std::string("FOREIGN KEY ... ON UPDATE ") + action);
    e.relations.push_back(referenced);
    e.has_where = true;
    e.mutation = Mutation::update;
    e.columns = columns;
  }
}

void column_foreign_keys(Context& ctx, const ObjectName& table, const ColumnDef* column) {
  if (column == nullptr) return;
  for (const Node* n : nodes(column->constraints)) {
    foreign_key_effects(ctx, table, as<Constraint>(n, T_Constraint), std::string(text(column->colname)));
  }
}

void foreign_table_fact(Effect& created, const CreateForeignTableStmt& s) {
  created.fact = UnitFact::foreign_table;
  created.values.emplace_back(text(s.servername));
  // postgres_fdw: schema_name and table_name default to the foreign table's own.
  ObjectName remote{created.object.schema, created.object.name};
  for (const Node* n : nodes(s.options)) {
    const auto* d = as<DefElem>(n, T_DefElem);
    if (d == nullptr) continue;
    if (text(d->defname) == "schema_name") remote.schema = option_value(d);
    if (text(d->defname) == "table_name") remote.name = option_value(d);
  }
  created.relations.push_back(std::move(remote));
}

void foreign_server_fact(Context& ctx, const CreateForeignServerStmt& s) {
  auto& e = ctx.add(Action::ddl_create, ObjectKind::server, ObjectName{"", std::string(text(s.servername))},
                    "CREATE SERVER");
  e.fact = UnitFact::foreign_server;
  e.values.emplace_back(text(s.fdwname));
  for (const Node* n : nodes(s.options)) {
    if (const auto* d = as<DefElem>(n, T_DefElem)) e.values.push_back(std::string(text(d->defname)) + "=" + option_value(d));
  }
}

void import_foreign_schema_fact(Context& ctx, const ImportForeignSchemaStmt& s) {
  // Every imported table is created in the local schema under its remote name, pointing back at
  // the remote table of that name.
  auto& e = ctx.add(Action::ddl_create, ObjectKind::schema, ObjectName{std::string(text(s.local_schema)), ""},
                    "IMPORT FOREIGN SCHEMA");
  e.fact = UnitFact::import_foreign_schema;
  e.values.emplace_back(text(s.server_name));
  e.values.emplace_back(text(s.remote_schema));
  e.values.emplace_back(s.list_type == FDW_IMPORT_SCHEMA_LIMIT_TO  ? "limit_to"
                        : s.list_type == FDW_IMPORT_SCHEMA_EXCEPT ? "except"
                                                                   : "all");
  for (const Node* n : nodes(s.table_list)) {
    if (const auto* rv = as<RangeVar>(n, T_RangeVar)) e.relations.push_back(name_of(rv));
  }
}

}  // namespace pgwarden::sql::pg
