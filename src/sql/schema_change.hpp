// The shape of a schema change: what a DDL or utility statement does to a table's structure,
// which lock it takes, and how (CONCURRENTLY, NOT VALID, USING INDEX, IF NOT EXISTS, ...).
//
// Effects (effect.hpp) say what a statement would destroy, for the policy engine. Schema changes
// say how it would run, for the migration-safety rules of the lint door: a CREATE INDEX without
// CONCURRENTLY, an ADD FOREIGN KEY without NOT VALID, a column added with a volatile default.
// Both come from the same parse of the same text (sql/pg/schema_changes.cpp). A statement that
// changes no structure (DML, SELECT) has none.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "sql/effect.hpp"

namespace pgwarden::sql {

// PostgreSQL's table-level lock modes, weakest to strongest (the order is the comparison).
enum class LockMode : unsigned char {
  none, access_share, row_share, row_exclusive, share_update_exclusive, share, share_row_exclusive,
  exclusive, access_exclusive,
};
std::string_view to_string(LockMode mode);  // "ACCESS EXCLUSIVE", ...
// Blocks writes (SHARE and stronger): the locks a migration must not wait for unbounded.
inline bool blocks_writes(LockMode mode) { return mode >= LockMode::share; }

// A column default: none, one PostgreSQL computes once (a constant, now()), or one it must
// compute per row (a volatile function: random(), gen_random_uuid(), nextval(), clock_timestamp(),
// or a function pgwarden cannot know).
enum class DefaultKind : unsigned char { none, constant, per_row };

struct ColumnSpec {
  std::string name;
  std::string type;         // canonical: "int4", "timestamp", "timestamptz", "varchar(20)", "text[]"
  std::string type_sql;     // as written: "integer", "timestamp without time zone", "varchar(20)"
  DefaultKind default_kind = DefaultKind::none;
  std::string default_sql;  // the default expression as written
  bool not_null = false;
  bool primary_key = false;
  bool unique = false;
  bool identity = false;          // GENERATED ... AS IDENTITY
  bool serial = false;            // serial, bigserial, smallserial (and serial2/4/8)
  bool generated_stored = false;  // GENERATED ALWAYS AS (...) STORED
  std::size_t offset = 0;         // in the statement text
};

enum class ConstraintType : unsigned char { none, check, foreign_key, unique, primary_key, exclusion, not_null };
std::string_view to_string(ConstraintType type);

enum class ChangeKind : unsigned char {
  create_table,        // `columns` holds its column specs; constraints follow as add_constraint
  add_column,          // `column`
  drop_column,
  add_constraint,      // `constraint`, `constraint_columns`, FK: `ref_table`, `ref_columns`
  validate_constraint, // `name`
  drop_constraint,
  set_not_null,        // `name` is the column
  drop_not_null,
  alter_column_type,   // `name` is the column, `column.type` the new type, `has_using`
  set_default,         // `name` is the column, `column.default_*` the new default
  create_index,        // `name` is the index (may be empty), `constraint_columns` its columns
  drop_index,          // `name`
  reindex,             // `name`: INDEX, TABLE, SCHEMA, SYSTEM or DATABASE
  refresh_matview,
  rename_table,        // `new_name`
  rename_column,       // `name` -> `new_name.name`
  attach_partition,    // `name` is the partition
  detach_partition,
  vacuum,              // `full`
  cluster,
  create_trigger,      // `name`
  enable_trigger,
  disable_trigger,
  create_function,     // `name`; `procedure` for CREATE PROCEDURE
  create_enum,
  add_enum_value,      // `name` is the value, `positioned` when BEFORE/AFTER is given
  setting,             // SET / RESET: `name`, `value` ("" for RESET / DEFAULT), `local`
  transaction,         // `transaction`
  lock_table,          // LOCK TABLE: `lock`
  drop_table,
  truncate,
  create_other,        // CREATE of another object (sequence, view, schema, extension, type, ...)
  drop_other,          // DROP of another object
  alter_table_other,   // another ALTER TABLE subcommand
};
std::string_view to_string(ChangeKind kind);

enum class TransactionKind : unsigned char { begin, commit, rollback, savepoint, release, rollback_to, prepare, other };

struct SchemaChange {
  ChangeKind kind = ChangeKind::alter_table_other;
  ObjectName table;       // the table (or matview, or index for REINDEX INDEX) it changes
  std::string name;       // column, constraint, index, trigger, function, enum value or setting
  ObjectName new_name;    // rename target
  ColumnSpec column;      // add_column, alter_column_type, set_default; add_constraint: the
                          // column a column constraint is written on (empty: a table constraint)
  std::vector<ColumnSpec> columns;  // create_table
  ConstraintType constraint = ConstraintType::none;
  std::vector<std::string> constraint_columns;  // index / constraint / FK referencing columns
  ObjectName ref_table;                         // FK: the referenced table
  std::vector<std::string> ref_columns;
  std::string check_not_null;  // CHECK (col IS NOT NULL): the column
  std::string using_index;     // ADD CONSTRAINT ... USING INDEX name
  std::string value;           // setting: the value as written; add_enum_value: the type
  TransactionKind transaction = TransactionKind::other;
  LockMode lock = LockMode::none;  // on `table`
  std::size_t offset = 0;          // of the part that makes the change, in the statement text
  bool concurrently = false;
  bool guarded = false;        // IF [NOT] EXISTS or OR REPLACE: can run twice
  bool guardable = false;      // the statement has a guarded form
  bool not_valid = false;
  bool unique = false;         // create_index
  bool on_delete_cascade = false;
  bool has_using = false;      // alter_column_type ... USING
  bool local = false;          // SET LOCAL
  bool full = false;           // VACUUM FULL
  bool positioned = false;     // ADD VALUE ... BEFORE/AFTER
  bool procedure = false;      // create_function: CREATE PROCEDURE
  bool temporary = false;      // create_table: CREATE TEMP TABLE
  bool in_new_table = false;   // add_constraint / create_index written inside CREATE TABLE
};

}  // namespace pgwarden::sql
