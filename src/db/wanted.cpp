#include "db/wanted.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

namespace pgwarden::db {
namespace {

nlohmann::json to_json(const Refusal& r) {
  return {{"decision", policy::to_string(r.decision)},
          {"actions", r.actions},
          {"message", r.message},
          {"detail", r.detail},
          {"hint", r.hint}};
}

// TG_ARGV of guard() and guard_delete_all(): the guarded table, the decision, the refusing
// actions, the finding's texts, the template's version.
std::vector<std::string> args_of(std::uint32_t guarded, const Refusal& r) {
  std::string actions;
  for (const auto& a : r.actions) actions += (actions.empty() ? "" : ",") + a;
  return {std::to_string(guarded),
          std::string(policy::to_string(r.decision)),
          actions,
          r.message,
          r.detail,
          r.hint,
          k_guard_version};
}

class Builder {
 public:
  Builder(const Catalog& catalog, Wanted& out) : m_catalog(catalog), m_out(out) {}

  // Guards on `on` (the table itself, a partition or an ancestor) for table `guarded`.
  void add(const Table& on, const Table& guarded, Operation op, const Refusal& r,
           const ColumnRefusal* column = nullptr) {
    GuardTrigger g;
    g.relid = on.relid;
    g.table = on.sql_name();
    g.guarded = guarded.relid;
    g.operation = op;
    if (column != nullptr) {
      g.attnum = column->attnum;
      g.column = column->name;
    }
    g.args = args_of(guarded.relid, r);
    m_out.triggers.push_back(std::move(g));
  }

  void add_to(const std::vector<std::uint32_t>& relids, const Table& guarded, Operation op,
              const Refusal& r) {
    for (const auto relid : relids) {
      if (const Table* t = m_catalog.table(relid)) add(*t, guarded, op, r);
    }
  }

  // The tables whose triggers this table's guards need, for the privilege check.
  [[nodiscard]] std::string lacking_trigger_privilege(const Table& t,
                                                      const TableRefusals& r) const {
    std::vector<std::uint32_t> involved{t.relid};
    if (r.truncate || (r.delete_all && !r.delete_rows)) {
      involved.insert(involved.end(), t.partition_descendants.begin(),
                      t.partition_descendants.end());
    }
    if (r.delete_all && !r.delete_rows) {
      involved.insert(involved.end(), t.partition_ancestors.begin(), t.partition_ancestors.end());
    }
    for (const auto relid : involved) {
      const Table* other = m_catalog.table(relid);
      if (other != nullptr && !other->can_trigger) return other->display();
    }
    return {};
  }

 private:
  const Catalog& m_catalog;
  Wanted& m_out;
};

}  // namespace

std::string refusals_json(const TableRefusals& r) {
  nlohmann::json out = nlohmann::json::object();
  if (r.truncate) out["truncate"] = to_json(*r.truncate);
  if (r.delete_rows) out["delete"] = to_json(*r.delete_rows);
  if (r.delete_all) out["delete_all"] = to_json(*r.delete_all);
  if (r.drop_table) out["drop_table"] = to_json(*r.drop_table);
  if (!r.update.empty()) {
    nlohmann::json update = nlohmann::json::object();
    if (r.update_row) {
      update["*"] = to_json(*r.update_row);
    } else {
      for (const auto& c : r.update) update[c.name] = to_json(c.refusal);
    }
    out["update"] = std::move(update);
  }
  return out.dump();
}

bool same_json(const std::string& a, const std::string& b) {
  const auto x = nlohmann::json::parse(a, nullptr, false);
  const auto y = nlohmann::json::parse(b, nullptr, false);
  return !x.is_discarded() && x == y;
}

Wanted want(const Catalog& catalog, const policy::Policy& policy) {
  Wanted out;
  Builder build(catalog, out);
  for (const Table& t : catalog.tables) {
    const Registration* registered = catalog.registration(t.relid);
    const std::string& schema = registered != nullptr ? registered->schema_name : t.schema;
    const std::string& name = registered != nullptr ? registered->table_name : t.name;
    std::vector<TableColumn> columns;
    for (const auto& c : t.columns) columns.push_back({c.attnum, c.name});
    const TableRefusals r = judge_table(policy, schema, name, columns);
    if (r.empty()) continue;
    if (const std::string lacking = build.lacking_trigger_privilege(t, r); !lacking.empty()) {
      out.skipped.push_back(
          fmt::format("{}: role {} may not create triggers on {} (it needs to own it, or the "
                      "TRIGGER privilege)",
                      t.display(), catalog.session.user, lacking));
      continue;
    }

    WantedRegistration reg;
    reg.relid = t.relid;
    reg.schema_name = schema;
    reg.table_name = name;
    reg.display = t.display();
    reg.refusals = refusals_json(r);
    if (r.truncate) {
      reg.guards.emplace_back("truncate");
      build.add(t, t, Operation::truncate, *r.truncate);
      build.add_to(t.partition_descendants, t, Operation::truncate, *r.truncate);
    }
    if (r.delete_rows) {
      reg.guards.emplace_back("delete");
      build.add(t, t, Operation::delete_rows, *r.delete_rows);
    } else if (r.delete_all) {
      reg.guards.emplace_back("delete_all");
      build.add(t, t, Operation::delete_all, *r.delete_all);
      build.add_to(t.partition_descendants, t, Operation::delete_all, *r.delete_all);
      build.add_to(t.partition_ancestors, t, Operation::delete_all, *r.delete_all);
    }
    if (!r.update.empty()) {
      reg.guards.emplace_back("update");
      if (r.update_row) {
        build.add(t, t, Operation::update, *r.update_row);
        reg.columns = t.columns;
      } else {
        for (const auto& c : r.update) {
          build.add(t, t, Operation::update, c.refusal, &c);
          reg.columns.push_back({c.attnum, c.name});
        }
      }
    }
    if (r.drop_table) reg.guards.emplace_back("drop_table");
    out.registrations.push_back(std::move(reg));
  }
  return out;
}

}  // namespace pgwarden::db
