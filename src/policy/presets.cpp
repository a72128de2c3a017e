#include "policy/presets.hpp"

namespace pgwarden::policy {
namespace {

constexpr std::string_view k_strict = R"toml(# pgwarden.toml: the data-safety policy of this project, enforced by pgwarden.
# Preset "strict": pgwarden's built-in defaults, written out so they can be read and changed.
# Reference: docs/policy.md. See what is in force with `pgwarden policy show`.

[policy]
name = "Data Safety Policy"
# document = "docs/DATA-SAFETY.md"   # cited in every refusal
on_parse_error = "deny"              # SQL that does not parse is refused
search_path = ["public"]             # how bare table names resolve

# Decisions, from mild to strict: allow, warn (runs, reported), approve (refused unless a human
# approves), deny (refused; nothing unlocks it).
[actions]
drop_database = "deny"
drop_schema = "deny"
drop_table = "deny"                  # DROP TABLE, DROP FOREIGN TABLE
drop_column = "deny"
drop_cascade = "deny"                # DROP ... CASCADE, DROP OWNED
truncate = "deny"
delete_all = "deny"                  # DELETE with no WHERE (or WHERE true)
delete = "approve"                   # DELETE with a WHERE, MERGE ... THEN DELETE
update_all = "approve"               # UPDATE with no WHERE
update_immutable = "deny"            # UPDATE of a column listed as immutable
mutate_append_only = "deny"          # UPDATE/DELETE/TRUNCATE on an append_only table
update_not_mutable = "deny"          # UPDATE of a column outside a table's `mutable` list
alter_column_type = "approve"        # ALTER COLUMN ... TYPE rewrites; USING can discard data
drop_sequence = "approve"
disable_safeguard = "approve"        # session_replication_role, DISABLE TRIGGER, SET UNLOGGED, ...
destructive_function = "approve"     # lo_unlink, dblink_exec, pg_drop_replication_slot, ...
dynamic_sql = "deny"                 # EXECUTE of a string that cannot be known
write_catalog = "deny"               # UPDATE pg_class, pg_trigger, ...: behind every name-based check
write_server_file = "deny"           # COPY ... TO a file or PROGRAM, lo_export
load_code = "deny"                   # LOAD, C and internal functions
alter_system = "deny"                # ALTER SYSTEM: every session's settings
write_foreign_table = "deny"         # writes to foreign tables whose target cannot be told
create_extension = "approve"         # extensions outside [extensions] allow
attach_table = "approve"             # INHERIT / ATTACH PARTITION of an existing table
foreign_key_cascade = "allow"        # ON DELETE CASCADE, ... (append-only tables: mutate_append_only)
rename = "warn"                      # renames break running code
drop_object = "allow"                # index, view, function, trigger, constraint, ...
write = "allow"                      # INSERT, UPDATE with WHERE, COPY FROM
read = "allow"
ddl_create = "allow"
session = "allow"
privilege = "allow"

[columns]
immutable = []                       # e.g. ["id", "created_at"]: never UPDATEd on any table

# Per-table rules. `name` is a glob matched against the bare and the schema-qualified name.
# [[tables]]
# name = "users"
# soft_delete = "deleted_at"         # DELETE's hint becomes UPDATE users SET deleted_at = now() ...
)toml";

constexpr std::string_view k_guarded = R"toml(# pgwarden.toml: the data-safety policy of this project, enforced by pgwarden.
# Preset "guarded": every destructive statement needs a human's explicit approval; deleting a
# whole table's rows and dropping a database never happen. Reference: docs/policy.md.

[policy]
name = "Guarded Changes Policy"
# document = "docs/DATA-SAFETY.md"   # cited in every refusal
on_parse_error = "deny"

[actions]
# Never, whoever asks:
drop_database = "deny"
delete_all = "deny"                  # DELETE with no WHERE
dynamic_sql = "deny"                 # EXECUTE of text nobody can review
# With explicit human approval (and a fresh backup):
drop_schema = "approve"
drop_table = "approve"
drop_column = "approve"
drop_cascade = "approve"
truncate = "approve"
delete = "approve"
update_all = "approve"
update_immutable = "approve"
mutate_append_only = "approve"
update_not_mutable = "approve"
alter_column_type = "approve"
drop_sequence = "approve"
disable_safeguard = "approve"
destructive_function = "approve"
# Reported but not stopped:
rename = "warn"

[columns]
immutable = ["id", "created_at"]

# Scratch tables may be emptied freely.
[[tables]]
name = "sessions"
actions = { delete = "allow", delete_all = "allow", truncate = "allow" }
)toml";

constexpr std::string_view k_immutable_ledger = R"toml(# pgwarden.toml: the data-safety policy of this project, enforced by pgwarden.
# Preset "immutable-ledger": data is never deleted, only archived; the ledger is append-only and
# errors are corrected by reversal entries; audit logs are written once. Reference: docs/policy.md.

[policy]
name = "Ledger Immutability Policy"
document = "docs/IMMUTABILITY.md"    # cited in every refusal: write it, or change this line
on_parse_error = "deny"

[actions]
delete = "deny"                      # rows are archived (soft-deleted), never deleted
delete_all = "deny"
truncate = "deny"
drop_table = "deny"
drop_column = "deny"
update_all = "deny"

[columns]
immutable = ["id", "created_at"]     # identity and history never change, on any table

[[tables]]
name = "ledger_*"
append_only = true                   # INSERT only
immutable = ["amount", "account_id"]
hint = "Correct a ledger error with a reversal entry: INSERT a row that negates the wrong one, then INSERT the right one."

[[tables]]
name = "audit_log*"
append_only = true                   # written once, never changed
hint = "Audit records are written once. Record a correction as a new audit entry."

[[tables]]
name = "users"
soft_delete = "deleted_at"           # DELETE becomes UPDATE users SET deleted_at = now() WHERE ...
)toml";

constexpr std::string_view k_reference_data = R"toml(# pgwarden.toml: the data-safety policy of this project, enforced by pgwarden.
# Preset "reference-data": in this environment nothing is written except an allowlist of
# reference tables, and in those only the listed columns. Reference: docs/policy.md.

[policy]
name = "Production Reference Data Policy"
# document = "docs/PRODUCTION.md"    # cited in every refusal
on_parse_error = "deny"

[actions]
write = "deny"                       # INSERT, UPDATE, COPY FROM: only the tables below
delete = "deny"
ddl_create = "approve"               # schema changes go through migrations, not by hand

[columns]
immutable = ["id", "created_at"]

[[tables]]
name = "currencies"
actions = { write = "allow" }
mutable = ["name", "symbol", "decimals", "active", "updated_at"]

[[tables]]
name = "countries"
actions = { write = "allow" }
mutable = ["name", "currency_code", "active", "updated_at"]
)toml";

}  // namespace

const std::vector<Preset>& presets() {
  static const std::vector<Preset> all = {
      {"strict", "pgwarden's built-in defaults, written out", k_strict},
      {"guarded", "destructive statements need approval; DELETE without WHERE and DROP DATABASE never", k_guarded},
      {"immutable-ledger", "nothing deleted; ledgers append-only; audit logs write-once; reversal entries",
       k_immutable_ledger},
      {"reference-data", "only an allowlist of tables and columns may be mutated", k_reference_data},
  };
  return all;
}

const Preset* find_preset(std::string_view name) {
  for (const auto& p : presets()) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

}  // namespace pgwarden::policy
