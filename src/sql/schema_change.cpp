#include "sql/schema_change.hpp"

namespace pgwarden::sql {

std::string_view to_string(LockMode mode) {
  switch (mode) {
    case LockMode::none: return "no lock";
    case LockMode::access_share: return "ACCESS SHARE";
    case LockMode::row_share: return "ROW SHARE";
    case LockMode::row_exclusive: return "ROW EXCLUSIVE";
    case LockMode::share_update_exclusive: return "SHARE UPDATE EXCLUSIVE";
    case LockMode::share: return "SHARE";
    case LockMode::share_row_exclusive: return "SHARE ROW EXCLUSIVE";
    case LockMode::exclusive: return "EXCLUSIVE";
    case LockMode::access_exclusive: return "ACCESS EXCLUSIVE";
  }
  return "?";
}

std::string_view to_string(ConstraintType type) {
  switch (type) {
    case ConstraintType::none: return "";
    case ConstraintType::check: return "CHECK";
    case ConstraintType::foreign_key: return "FOREIGN KEY";
    case ConstraintType::unique: return "UNIQUE";
    case ConstraintType::primary_key: return "PRIMARY KEY";
    case ConstraintType::exclusion: return "EXCLUDE";
    case ConstraintType::not_null: return "NOT NULL";
  }
  return "?";
}

std::string_view to_string(ChangeKind kind) {
  switch (kind) {
    case ChangeKind::create_table: return "create_table";
    case ChangeKind::add_column: return "add_column";
    case ChangeKind::drop_column: return "drop_column";
    case ChangeKind::add_constraint: return "add_constraint";
    case ChangeKind::validate_constraint: return "validate_constraint";
    case ChangeKind::drop_constraint: return "drop_constraint";
    case ChangeKind::set_not_null: return "set_not_null";
    case ChangeKind::drop_not_null: return "drop_not_null";
    case ChangeKind::alter_column_type: return "alter_column_type";
    case ChangeKind::set_default: return "set_default";
    case ChangeKind::create_index: return "create_index";
    case ChangeKind::drop_index: return "drop_index";
    case ChangeKind::reindex: return "reindex";
    case ChangeKind::refresh_matview: return "refresh_matview";
    case ChangeKind::rename_table: return "rename_table";
    case ChangeKind::rename_column: return "rename_column";
    case ChangeKind::attach_partition: return "attach_partition";
    case ChangeKind::detach_partition: return "detach_partition";
    case ChangeKind::vacuum: return "vacuum";
    case ChangeKind::cluster: return "cluster";
    case ChangeKind::create_trigger: return "create_trigger";
    case ChangeKind::enable_trigger: return "enable_trigger";
    case ChangeKind::disable_trigger: return "disable_trigger";
    case ChangeKind::create_function: return "create_function";
    case ChangeKind::create_enum: return "create_enum";
    case ChangeKind::add_enum_value: return "add_enum_value";
    case ChangeKind::setting: return "setting";
    case ChangeKind::transaction: return "transaction";
    case ChangeKind::lock_table: return "lock_table";
    case ChangeKind::drop_table: return "drop_table";
    case ChangeKind::truncate: return "truncate";
    case ChangeKind::create_other: return "create_other";
    case ChangeKind::drop_other: return "drop_other";
    case ChangeKind::alter_table_other: return "alter_table_other";
  }
  return "?";
}

}  // namespace pgwarden::sql
