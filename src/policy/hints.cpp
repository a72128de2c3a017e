// Messages and hints per action. The hints follow what careful teams do instead of destroying
// data: soft-delete with the DELETE's own WHERE, reversal entries for ledgers, rename-and-revoke
// before a drop, deprecate a column before dropping it, archive before emptying a table, and
// expand/contract for type changes (strong_migrations' safe recipes; PostgreSQL's docs on
// ALTER TABLE: https://www.postgresql.org/docs/15/sql-altertable.html).
#include "policy/hints.hpp"

#include <fmt/format.h>

#include "sql/rewrite.hpp"

namespace pgwarden::policy {
namespace {

using sql::Action;

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) {
    if (!out.empty()) out += ", ";
    out += i;
  }
  return out;
}

std::string object_of(const sql::Effect& e) {
  std::string kind(sql::to_string(e.kind));
  for (auto& c : kind) c = c == '_' ? ' ' : c;
  const std::string name = e.object.display();
  if (!e.member.empty()) return fmt::format("{} {} on {}", kind, sql::quote_identifier(e.member), name);
  if (name.empty()) return kind.empty() ? "the object" : kind;
  return kind.empty() ? name : kind + " " + name;
}

// ALTER TYPE ... RENAME VALUE: the member is the enum value renamed.
bool is_enum_value(const sql::Effect& e) { return e.kind == sql::ObjectKind::type && !e.member.empty(); }

std::string where_of(const sql::Effect& e) {
  switch (e.via) {
    case sql::Via::direct: return "";
    case sql::Via::cte: return " (in a data-modifying WITH clause, which runs even if unreferenced)";
    case sql::Via::rule: return fmt::format(" (in the actions of rule {})", e.via_name);
    case sql::Via::function_body: return fmt::format(" (in the body of {}, on every call)", e.via_name);
    case sql::Via::do_block: return " (in a DO block)";
    case sql::Via::prepare: return fmt::format(" (in prepared statement {})", e.via_name);
    case sql::Via::explain_analyze: return " (EXPLAIN ANALYZE runs the statement)";
    case sql::Via::copy_query: return " (in COPY (query))";
    case sql::Via::trigger: return fmt::format(" (in trigger {})", e.via_name);
    case sql::Via::dynamic_string: return " (in a string run by EXECUTE)";
  }
  return "";
}

std::string table_sql(const sql::Effect& e) { return e.object.display(); }

std::string retired(const sql::ObjectName& name) { return sql::quote_identifier(name.name + "_retired"); }

std::string soft_delete_sql(const Judged& j, const std::string& column, const std::string& value) {
  if (auto rewritten = sql::soft_delete_update(j.effect, column, value)) return *rewritten + ";";
  return fmt::format("UPDATE {} SET {} = {} WHERE <the same condition>;", table_sql(j.effect),
                     sql::quote_identifier(column), value);
}

}  // namespace

std::string message_for(const Judged& j) {
  const sql::Effect& e = j.effect;
  const std::string what = object_of(e);
  const std::string where = where_of(e);
  switch (j.action) {
    case Action::drop_database: return fmt::format("{} would destroy {} and everything in it{}", e.verb, what, where);
    case Action::drop_schema: return fmt::format("{} would destroy {} and the objects in it{}", e.verb, what, where);
    case Action::drop_table: return fmt::format("{} would destroy {} and every row in it{}", e.verb, what, where);
    case Action::drop_column:
      return fmt::format("{} would destroy column {} of {} and its data{}", e.verb, join(j.columns), what, where);
    case Action::drop_cascade:
      return fmt::format("{} would also drop whatever depends on {}, unnamed{}", e.verb, what, where);
    case Action::truncate: return fmt::format("TRUNCATE would delete every row of {}{}", what, where);
    case Action::delete_all:
      return fmt::format("{} without a WHERE that filters would delete every row of {}{}", e.verb, what, where);
    case Action::delete_rows: return fmt::format("{} would delete rows of {}{}", e.verb, what, where);
    case Action::update_all:
      return fmt::format("UPDATE without a WHERE that filters would overwrite every row of {}{}", what, where);
    case Action::update_immutable:
      return fmt::format("{} would change immutable column{} {} of {}{}", e.verb, j.columns.size() > 1 ? "s" : "",
                         join(j.columns), what, where);
    case Action::mutate_append_only:
      return fmt::format("{} would change the history of append-only {}{}", e.verb, what, where);
    case Action::update_not_mutable:
      return fmt::format("{} would change column{} {} of {}, outside its mutable list{}", e.verb,
                         j.columns.size() > 1 ? "s" : "", join(j.columns), what, where);
    case Action::alter_column_type:
      return fmt::format("{} would rewrite column {} of {} (a USING clause can discard data){}", e.verb,
                         join(j.columns), what, where);
    case Action::drop_sequence: return fmt::format("{} would destroy {} and its current value{}", e.verb, what, where);
    case Action::disable_safeguard: return fmt::format("{} would turn a safeguard off: {}{}", e.verb, what, where);
    case Action::destructive_function:
      return fmt::format("{} destroys data or runs commands outside this statement's view{}", e.verb, where);
    case Action::dynamic_sql:
      return fmt::format("{}: SQL built at run time cannot be checked{}", e.verb, where);
    case Action::rename:
      if (is_enum_value(e)) {
        return fmt::format("{} would rename value {} of type {} to {}; code that writes or compares the old "
                           "value breaks{}",
                           e.verb, sql::quote_literal(e.member), e.object.display(),
                           sql::quote_literal(e.new_name.name), where);
      }
      if (e.kind == sql::ObjectKind::column && !e.columns.empty()) {
        return fmt::format("{} would rename column {} of table {} to {}; code that uses the old name breaks{}",
                           e.verb, sql::quote_identifier(e.columns.front()), e.object.display(),
                           sql::quote_identifier(e.new_name.name), where);
      }
      return fmt::format("{} would rename {} to {}; code that uses the old name breaks{}", e.verb, what,
                         e.new_name.display(), where);
    case Action::parse_error: return fmt::format("the statement does not parse{}", where);
    case Action::write_catalog:
      return fmt::format("{} would write to system catalog {}{}: PostgreSQL's own record of the schema, behind "
                         "every check that reads names",
                         e.verb, e.object.display(), where);
    case Action::write_server_file:
      return fmt::format("{} would write a file on the database server ({}){}", e.verb, e.object.display(), where);
    case Action::load_code:
      return fmt::format("{} would load code into the server that pgwarden cannot read{}", e.verb, where);
    case Action::alter_system:
      return fmt::format("{} would change postgresql.auto.conf, the settings of every session of the server{}",
                         e.verb, where);
    case Action::write_foreign_table:
      return fmt::format("{} would change rows of foreign table {} on server {}, whose target pgwarden cannot tell "
                         "apart from a protected table{}",
                         e.verb, e.object.display(), e.values.empty() ? "?" : e.values.front(), where);
    case Action::create_extension:
      return fmt::format("CREATE EXTENSION {} would add functions that can destroy data, write server files or "
                         "reach other servers; it is not on the policy's [extensions] allow list{}",
                         e.object.display(), where);
    case Action::attach_table:
      return fmt::format("{} would make {} a child of {}: DELETE, UPDATE and TRUNCATE of the parent would then reach "
                         "its rows{}",
                         e.verb, what, e.relations.empty() ? "another table" : e.relations.front().display(), where);
    case Action::foreign_key_cascade:
      return fmt::format("{} would let changes of {} delete or rewrite rows of {}{}", e.verb,
                         e.relations.empty() ? "another table" : e.relations.front().display(), what, where);
    default: return fmt::format("{} on {}{}", e.verb, what, where);
  }
}

namespace {

// On an append-only table every row change has one alternative: a new entry.
std::string append_only_hint(const Judged& j) {
  const sql::Effect& e = j.effect;
  const std::string t = table_sql(e);
  const std::string table_hint = j.table.hint.empty() ? "" : j.table.hint + " ";
  if (e.mutation == sql::Mutation::truncate) {
    return fmt::format("{}An append-only table is never emptied: archive it under a new name and start a new "
                       "one (ALTER TABLE {} RENAME TO {}; CREATE TABLE {} (LIKE {} INCLUDING ALL);).",
                       table_hint, t, retired(e.object), t, retired(e.object));
  }
  std::string reversal;
  if (auto r = sql::reversal_insert(e)) reversal = *r + ";";
  if (reversal.empty()) {
    return fmt::format("{}Record a correcting entry with INSERT instead of changing existing rows.", table_hint);
  }
  return fmt::format("{}Record a reversal instead of changing history: {} (with the amounts negated and a "
                     "reference to the original entries){}",
                     table_hint, reversal,
                     e.mutation == sql::Mutation::update ? ", then INSERT the corrected entries" : "");
}

}  // namespace

std::string hint_for(const Judged& j, const Policy& policy) {
  const sql::Effect& e = j.effect;
  const std::string t = table_sql(e);
  const std::string table_hint = j.table.hint.empty() ? "" : j.table.hint + " ";
  const std::string soft_column = j.table.soft_delete ? j.table.soft_delete->column : "deleted_at";
  const std::string soft_value = j.table.soft_delete ? j.table.soft_delete->value_sql : "now()";
  // Deleting or emptying an append-only table is refused twice (as itself and as a change of
  // history); both findings get the one alternative an append-only table has.
  if (j.table.append_only && (j.action == Action::delete_rows || j.action == Action::delete_all ||
                              j.action == Action::truncate || j.action == Action::update_all)) {
    return append_only_hint(j);
  }
  switch (j.action) {
    case Action::delete_rows:
    case Action::delete_all: {
      if (j.table.soft_delete) {
        return fmt::format("{} is soft-deleted: {}", t, soft_delete_sql(j, soft_column, soft_value));
      }
      if (j.action == Action::delete_all) {
        return fmt::format("Name the rows with a WHERE, and soft-delete them instead of deleting: {}",
                           soft_delete_sql(j, soft_column, soft_value));
      }
      return fmt::format("Soft-delete instead (add a {} timestamptz column if {} has none): {}", soft_column, t,
                         soft_delete_sql(j, soft_column, soft_value));
    }
    case Action::mutate_append_only: return append_only_hint(j);
    case Action::drop_table:
      return fmt::format("Rename it and revoke access instead; drop it in a later release, after a backup and a "
                         "grace period: ALTER TABLE {} RENAME TO {}; REVOKE ALL ON TABLE {} FROM PUBLIC;",
                         t, retired(e.object), retired(e.object));
    case Action::drop_column: {
      const std::string c = j.columns.empty() ? "<column>" : sql::quote_identifier(j.columns.front());
      return fmt::format("Stop writing the column and mark it deprecated instead: COMMENT ON COLUMN {}.{} IS "
                         "'deprecated: no longer written'; drop it in a later release after a backup.",
                         t, c);
    }
    case Action::truncate:
      return fmt::format("Archive the rows, then soft-delete them: CREATE TABLE {} AS TABLE {}; UPDATE {} SET {} = {} "
                         "WHERE {} IS NULL;",
                         sql::quote_identifier(e.object.name + "_archive"), t, t, sql::quote_identifier(soft_column),
                         soft_value, sql::quote_identifier(soft_column));
    case Action::drop_cascade:
      return "Drop each dependent object by name, without CASCADE, so that the statement says everything it "
             "removes.";
    case Action::update_all:
      return fmt::format("Add a WHERE that names the rows, and update in batches by key range (UPDATE {} SET ... "
                         "WHERE id BETWEEN ... AND ...).",
                         t);
    case Action::update_immutable:
      return fmt::format("{}{} never {} once written: leave {} as it is and record the correction as a new "
                         "row (an INSERT that references the original).",
                         table_hint, join(j.columns), j.columns.size() > 1 ? "change" : "changes",
                         j.columns.size() > 1 ? "them" : "it");
    case Action::update_not_mutable:
      return fmt::format("{}Only {} may be updated on {}; anything else is written once.", table_hint,
                         j.table.mutable_columns ? join(*j.table.mutable_columns) : "", t);
    case Action::alter_column_type: {
      const std::string c = j.columns.empty() ? "col" : j.columns.front();
      return fmt::format("Expand and contract instead: ALTER TABLE {} ADD COLUMN {} <new type>; write both, "
                         "backfill in batches, switch readers, then retire {}.",
                         t, sql::quote_identifier(c + "_new"), sql::quote_identifier(c));
    }
    case Action::drop_database:
      return fmt::format("Rename it and revoke access instead; drop it out of band after a verified backup: ALTER "
                         "DATABASE {} RENAME TO {}; REVOKE CONNECT ON DATABASE {} FROM PUBLIC;",
                         t, retired(e.object), retired(e.object));
    case Action::drop_schema:
      return fmt::format("Rename it and revoke access instead: ALTER SCHEMA {} RENAME TO {}; REVOKE ALL ON SCHEMA {} "
                         "FROM PUBLIC; drop it in a later release after a backup.",
                         t, retired(e.object), retired(e.object));
    case Action::drop_sequence:
      return fmt::format("Keep the sequence (it holds the last value handed out); revoke its use instead: REVOKE ALL "
                         "ON SEQUENCE {} FROM PUBLIC;",
                         t);
    case Action::disable_safeguard:
      return "Keep the safeguard on. If a bulk operation truly needs it off, run it from a reviewed script under an "
             "approval, and turn it back on in the same transaction.";
    case Action::destructive_function:
      return "Run it from a reviewed maintenance script under an approval, after a backup of what it destroys.";
    case Action::dynamic_sql:
      return "Write the statement out in full (or build it from constants) so that it can be checked; pgwarden "
             "refuses SQL it cannot read.";
    case Action::rename:
      if (is_enum_value(e)) {
        return fmt::format("Add the new value instead (ALTER TYPE {} ADD VALUE {};), move rows and code over to it, "
                           "and stop writing the old one.",
                           e.object.display(), sql::quote_literal(e.new_name.name));
      }
      if (e.kind == sql::ObjectKind::column && !e.columns.empty()) {
        return fmt::format("Rename only in the application's mapping, or expand and contract: ALTER TABLE {} ADD "
                           "COLUMN {} <type>; write both, backfill in batches, switch readers, then retire {}.",
                           e.object.display(), sql::quote_identifier(e.new_name.name),
                           sql::quote_identifier(e.columns.front()));
      }
      return fmt::format("Keep the old name working while code moves over, e.g. CREATE VIEW {} AS SELECT * FROM {};, "
                         "or rename only in the application's mapping.",
                         e.object.display(), e.new_name.display());
    case Action::parse_error:
      return fmt::format("Fix the statement so that PostgreSQL 15 parses it; pgwarden refuses what it cannot read "
                         "(on_parse_error = \"{}\").",
                         to_string(policy.on_parse_error));
    case Action::write_catalog:
      return "Change the schema with the statement made for it (ALTER TABLE, ALTER TRIGGER, SET, ...), which "
             "PostgreSQL checks and pgwarden reads.";
    case Action::write_server_file:
      return "Export to the client instead (COPY ... TO STDOUT, psql's \\copy, lo_get), where no server file is "
             "written.";
    case Action::load_code:
      return "Install server code as a reviewed extension, out of band, by a superuser.";
    case Action::alter_system:
      return "Change server settings through the server's configuration management, reviewed and deployed with it; "
             "for this session, use SET.";
    case Action::write_foreign_table:
      return "Change the rows on the server that holds them, through a connection pgwarden guards; if this foreign "
             "table's writes are meant, allow write_foreign_table for it in the policy.";
    case Action::create_extension:
      return fmt::format("An approver creates it, after review; or add \"{}\" to [extensions] allow in the policy.",
                         e.object.name);
    case Action::attach_table:
      return "Copy the rows into a new table that becomes the partition (CREATE TABLE ... PARTITION OF ...; INSERT INTO "
             "... SELECT ...), and leave the protected table as it is.";
    case Action::foreign_key_cascade:
      return "Use ON DELETE RESTRICT (or NO ACTION), and delete or archive dependent rows explicitly, where the "
             "policy can see it.";
    default:
      return table_hint;
  }
}

namespace {

std::string writable_tables(const Profile& profile) {
  std::vector<std::string> names;
  for (const auto& w : *profile.writable) names.push_back(w.name.pattern());
  return join(names);
}

}  // namespace

std::string writable_message(const sql::Effect& e, const Profile& profile, const std::vector<std::string>& refused,
                             const WritableView& view) {
  if (refused.empty()) {
    const std::string allowed = writable_tables(profile);
    return fmt::format("{} would change rows of {}{}, but this connection's profile \"{}\" may only change rows of {}",
                       e.verb, object_of(e), where_of(e), profile.name, allowed.empty() ? "no table" : allowed);
  }
  return fmt::format("{} would set column{} {} of {}{}, but this connection's profile \"{}\" may only set {} there",
                     e.verb, refused.size() > 1 ? "s" : "", join(refused), object_of(e), where_of(e), profile.name,
                     view.columns.empty() ? "no column" : join(view.columns));
}

std::string writable_hint(const sql::Effect& e, const Profile& profile, const std::vector<std::string>& refused,
                          const WritableView& view) {
  const std::string t = table_sql(e);
  if (refused.empty()) {
    return fmt::format("Change {} from a connection meant for it: connections of profile \"{}\" change only {}. If "
                       "they should change {} too, add it to the profile's writable list.",
                       t.empty() ? "that table" : t, profile.name,
                       profile.writable->empty() ? "nothing" : writable_tables(profile), t.empty() ? "it" : t);
  }
  if (view.columns.empty()) {
    return fmt::format("Connections of profile \"{}\" may insert and delete rows of {} but update none of its columns. "
                       "If they should set {}, list {} for {} in the profile's writable list.",
                       profile.name, t, join(refused), refused.size() > 1 ? "them" : "it", t);
  }
  return fmt::format("Set only {} of {} from this connection (UPDATE {} SET {} = ... WHERE ...). If it should set {} "
                     "too, add {} to the columns of {} in the writable list of profile \"{}\".",
                     join(view.columns), t, t, sql::quote_identifier(view.columns.front()), join(refused),
                     refused.size() > 1 ? "them" : "it", t, profile.name);
}

}  // namespace pgwarden::policy
