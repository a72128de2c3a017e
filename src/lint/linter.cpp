#include "lint/linter.hpp"

#include <algorithm>
#include <atomic>
#include <thread>

#include "common/source_position.hpp"
#include "lint/approvals.hpp"
#include "lint/rule.hpp"
#include "policy/evaluate.hpp"
#include "sql/analyzer.hpp"

namespace pgwarden::lint {
namespace {

using policy::Decision;

constexpr std::size_t k_statement_excerpt = 500;

Severity severity_of(Decision d) { return d == Decision::warn ? Severity::warning : Severity::error; }

std::string resolve_name(const sql::ObjectName& name, const policy::Policy& policy) {
  return (name.schema.empty() ? policy.search_path.front() : name.schema) + "." + name.name;
}

// The analyses of a migration's scripts, made in parallel before the rules run.
struct Analyzed {
  std::vector<sql::Statement> up;
  std::vector<sql::Statement> down;
};

std::vector<Analyzed> analyze_all(const std::vector<Migration>& migrations, bool with_down, unsigned threads) {
  std::vector<Analyzed> out(migrations.size());
  std::atomic<std::size_t> next{0};
  auto work = [&] {
    for (std::size_t i = next++; i < migrations.size(); i = next++) {
      if (migrations[i].up) out[i].up = sql::analyze(migrations[i].up->text);
      if (with_down && migrations[i].down) out[i].down = sql::analyze(migrations[i].down->text);
    }
  };
  const unsigned n = std::max(1U, std::min<unsigned>(threads != 0 ? threads : std::thread::hardware_concurrency(),
                                                     static_cast<unsigned>(migrations.size())));
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < n; ++t) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
  return out;
}

// One script (a migration's up or down) judged statement by statement.
class ScriptRun {
 public:
  ScriptRun(const policy::Policy& policy, const Migration& migration, const Script& script, Facts& facts,
            std::vector<Finding>& out, const std::vector<std::pair<const RuleSpec*, Decision>>& rules, bool reporting)
      : m_policy(policy), m_migration(migration), m_script(script), m_facts(facts), m_out(out), m_rules(rules),
        m_reporting(reporting), m_lines(script.text), m_first(out.size()) {}

  void run(const std::vector<sql::Statement>& statements, policy::UnitState& unit);

 private:
  const policy::Policy& m_policy;
  const Migration& m_migration;
  const Script& m_script;
  Facts& m_facts;
  std::vector<Finding>& m_out;
  const std::vector<std::pair<const RuleSpec*, Decision>>& m_rules;
  bool m_reporting;
  LineIndex m_lines;
  std::size_t m_first;  // this script's first finding in m_out
  std::string m_fk_approval;  // the reason of an approval of lint.fk-missing-index above this statement
  // Timeouts by scope: SET LOCAL ends with the transaction, SET lasts for the session.
  bool m_lock_session = false, m_lock_local = false, m_statement_session = false, m_statement_local = false;

  // Places a finding at `offset` bytes into the script.
  void locate(Finding& f, std::size_t offset, const sql::Statement* statement) const {
    f.file = m_script.file;
    const SourcePosition pos = m_lines.position(offset);
    f.line = pos.line + m_script.line - 1;
    f.column = pos.column;
    f.offset = m_script.offset + offset;
    if (statement != nullptr) f.statement = statement->text.substr(0, k_statement_excerpt);
  }
  Finding at(std::size_t offset, const sql::Statement* statement) const {
    Finding f;
    locate(f, offset, statement);
    return f;
  }
  void approve(std::vector<Approval>& approvals, std::size_t first, const sql::Statement& statement);
  void unmatched(const std::vector<Approval>& approvals);
  void learn(const sql::Statement& statement);
};

void ScriptRun::run(const std::vector<sql::Statement>& statements, policy::UnitState& unit) {
  std::size_t gap_begin = 0;
  for (const auto& st : statements) {
    auto approvals = approvals_in(std::string_view(m_script.text).substr(gap_begin, st.location.offset - gap_begin), gap_begin);
    gap_begin = std::min(m_script.text.size(), st.location.offset + st.location.length + 1);
    const std::size_t first = m_out.size();
    const auto verdict = policy::evaluate(st, m_policy, unit);
    if (m_reporting) {
      for (const auto& pf : verdict.findings) {
        std::size_t offset = st.location.offset;
        if (pf.action == sql::Action::parse_error) offset += std::min(st.analysis->error_offset, st.location.length);
        Finding f = at(offset, &st);
        f.rule = std::string(sql::to_string(pf.action));
        f.decision = pf.decision;
        f.severity = severity_of(pf.decision);
        f.message = pf.message;
        f.detail = pf.detail;
        f.hint = pf.hint;
        m_out.push_back(std::move(f));
      }
      for (const auto& [rule, level] : m_rules) {
        if (rule->check == nullptr) continue;
        const std::string id(rule->id);
        const std::size_t before = m_out.size();
        RuleContext ctx{m_policy, m_migration, st, m_facts, m_policy.lint.pg_version};
        ctx.out = &m_out;
        ctx.rule = &id;
        rule->check(ctx);
        const bool yields = !rule->yields_to.empty() &&
                            std::any_of(verdict.findings.begin(), verdict.findings.end(), [&](const policy::Finding& pf) {
                              return sql::to_string(pf.action) == rule->yields_to;
                            });
        if (yields) m_out.resize(before);
        for (std::size_t i = before; i < m_out.size(); ++i) {
          locate(m_out[i], m_out[i].offset, &st);
          m_out[i].decision = level;
          m_out[i].severity = severity_of(level);
        }
      }
      approve(approvals, first, st);
      unmatched(approvals);
    }
    learn(st);
  }
  if (m_reporting) {
    auto trailing = approvals_in(std::string_view(m_script.text).substr(std::min(gap_begin, m_script.text.size())),
                                 std::min(gap_begin, m_script.text.size()));
    unmatched(trailing);
  }
  std::stable_sort(m_out.begin() + static_cast<std::ptrdiff_t>(m_first), m_out.end(),
                   [](const Finding& a, const Finding& b) { return std::tie(a.line, a.column) < std::tie(b.line, b.column); });
}

void ScriptRun::approve(std::vector<Approval>& approvals, std::size_t first, const sql::Statement& statement) {
  for (auto& a : approvals) {
    const RuleSpec* rule = find_rule(a.name);
    if (rule != nullptr && rule->id == "lint.reversible") {
      a.used = true;  // a file-level approval, read with the reversibility check
      continue;
    }
    const auto action = sql::action_from_string(a.name);
    const std::string id = rule != nullptr ? std::string(rule->id) : a.name;
    auto problem = [&](std::string message, std::string hint) {
      Finding f = at(a.offset, &statement);
      f.rule = "lint.approval";
      f.decision = Decision::deny;
      f.severity = Severity::error;
      f.message = std::move(message);
      f.detail = "An approval is a reviewed, recorded exception: it names what it approves and why.";
      f.hint = std::move(hint);
      m_out.push_back(std::move(f));
      a.used = true;
    };
    if (rule == nullptr && !action) {
      problem("'" + a.name + "' is not a policy action or a lint rule, so this approval approves nothing",
              "Name the action or rule the finding shows, e.g. -- pgwarden:approve delete reason: <why>");
      continue;
    }
    if (a.reason.empty()) {
      problem("the approval of " + id + " gives no reason, so it approves nothing",
              "-- pgwarden:approve " + id + " reason: <why this is safe here>");
      continue;
    }
    bool denied = false;
    for (std::size_t i = first; i < m_out.size(); ++i) {
      Finding& f = m_out[i];
      if (f.rule != id || f.approved) continue;
      if (f.decision == Decision::deny) {
        denied = true;
        continue;
      }
      f.approved = true;
      f.approval_reason = a.reason;
      a.used = true;
    }
    // lint.fk-missing-index is judged when the run is over: the approval travels with the
    // foreign key this statement adds (learn()).
    if (!a.used && id == "lint.fk-missing-index") {
      for (const auto& c : statement.analysis->changes) {
        if (c.kind == sql::ChangeKind::add_constraint && c.constraint == sql::ConstraintType::foreign_key) {
          m_fk_approval = a.reason;
          a.used = true;
        }
      }
    }
    if (!a.used && denied) {
      problem(id + " is denied by the policy; nothing can approve it",
              "Change the statement, or change the policy's decision for " + id + " in a reviewed commit.");
    }
  }
}

void ScriptRun::unmatched(const std::vector<Approval>& approvals) {
  for (const auto& a : approvals) {
    if (a.used) continue;
    Finding f = at(a.offset, nullptr);
    f.rule = "lint.approval";
    f.decision = Decision::warn;
    f.severity = Severity::warning;
    f.message = "this approval of " + a.name + " matches no finding of the statement after it";
    f.detail = "An approval covers the next statement only; a stale one hides nothing today and may hide "
               "something tomorrow.";
    f.hint = "Remove it, or move it directly above the statement it is for.";
    m_out.push_back(std::move(f));
  }
}

// Updates the facts after a statement has been judged.
void ScriptRun::learn(const sql::Statement& statement) {
  using K = sql::ChangeKind;
  const auto resolve = [&](const sql::ObjectName& n) { return resolve_name(n, m_policy); };
  for (const auto& c : statement.analysis->changes) {
    const std::string table = c.table.empty() ? std::string() : resolve(c.table);
    switch (c.kind) {
      case K::transaction:
        if (c.transaction == sql::TransactionKind::begin) {
          m_facts.in_transaction = true;
          m_facts.explicit_transaction = true;
        } else if (c.transaction == sql::TransactionKind::commit || c.transaction == sql::TransactionKind::rollback ||
                   c.transaction == sql::TransactionKind::prepare) {
          m_facts.in_transaction = m_facts.explicit_transaction = m_facts.tool_transaction = false;
          ++m_facts.transaction;
          m_facts.access_exclusive.clear();
          m_lock_local = m_statement_local = false;
        }
        break;
      case K::setting: {
        const bool on = !c.value.empty() && c.value != "0";
        if (c.name == "lock_timeout") (c.local ? m_lock_local : m_lock_session) = on;
        if (c.name == "statement_timeout") (c.local ? m_statement_local : m_statement_session) = on;
        break;
      }
      case K::create_table:
        m_facts.created.insert(table);
        m_facts.created_in_run.insert(table);
        for (const auto& col : c.columns) m_facts.column_types[table][col.name] = col.type;
        break;
      case K::add_column:
        m_facts.column_types[table][c.column.name] = c.column.type;
        break;
      case K::alter_column_type:
        m_facts.column_types[table][c.name] = c.column.type;
        break;
      case K::create_index:
        m_facts.indexes[table].push_back(c.constraint_columns);
        if (!c.name.empty()) m_facts.created.insert(resolve(sql::ObjectName{c.table.schema, c.name}));
        break;
      case K::add_constraint: {
        m_facts.constraints[table].push_back(
            {table, c.name, c.constraint, c.check_not_null, !c.not_valid, m_facts.transaction});
        if (c.constraint == sql::ConstraintType::primary_key || c.constraint == sql::ConstraintType::unique) {
          m_facts.indexes[table].push_back(c.constraint_columns);
        }
        if (c.constraint == sql::ConstraintType::foreign_key && m_reporting) {
          Finding where = at(statement.location.offset + c.offset, &statement);
          where.approved = !m_fk_approval.empty();
          where.approval_reason = m_fk_approval;
          m_facts.foreign_keys.push_back({table, c.table, c.constraint_columns, std::move(where)});
        }
        break;
      }
      case K::validate_constraint:
        for (auto& con : m_facts.constraints[table]) {
          if (con.name == c.name) con.valid = true;
        }
        break;
      case K::rename_table:
        if (m_facts.created.erase(table) > 0) m_facts.created.insert(resolve(c.new_name));
        break;
      case K::create_other:
        if (!table.empty()) m_facts.created.insert(table);
        break;
      case K::drop_constraint: {
        auto& cons = m_facts.constraints[table];
        cons.erase(std::remove_if(cons.begin(), cons.end(), [&](const ConstraintFact& f) { return f.name == c.name; }),
                   cons.end());
        break;
      }
      default:
        break;
    }
    if (c.lock == sql::LockMode::access_exclusive && !table.empty()) m_facts.access_exclusive.insert(table);
  }
  m_fk_approval.clear();
  m_facts.lock_timeout = m_lock_session || m_lock_local;
  m_facts.statement_timeout = m_statement_session || m_statement_local;
  if (!m_facts.in_transaction) ++m_facts.transaction;  // autocommit: each statement its own
}

// A migration whose one statement (besides settings) cannot run in a transaction is sent on its
// own, outside one (Flyway, Atlas and golang-migrate do; the CONCURRENTLY recipe relies on it).
bool alone_outside_transaction(const std::vector<sql::Statement>& statements, int pg_version) {
  int others = 0;
  bool refuses_transaction = false;
  for (const auto& st : statements) {
    bool setting = !st.analysis->changes.empty();
    for (const auto& c : st.analysis->changes) {
      setting = setting && c.kind == sql::ChangeKind::setting;
      refuses_transaction = refuses_transaction || cannot_run_in_transaction(c, pg_version);
    }
    if (!setting) ++others;
  }
  return others == 1 && refuses_transaction;
}

}  // namespace

bool cannot_run_in_transaction(const sql::SchemaChange& c, int pg_version) {
  using K = sql::ChangeKind;
  return (c.concurrently && (c.kind == K::create_index || c.kind == K::drop_index || c.kind == K::reindex ||
                             c.kind == K::detach_partition)) ||
         c.kind == K::vacuum || (c.kind == K::add_enum_value && pg_version < 12);
}

std::string RuleContext::resolve(const sql::ObjectName& name) const { return resolve_name(name, policy); }

void RuleContext::report(std::size_t offset, std::string message, std::string detail, std::string hint) {
  // The linter fills in file, position, decision and severity (ScriptRun::run).
  Finding f;
  f.rule = *rule;
  f.message = std::move(message);
  f.detail = std::move(detail);
  f.hint = std::move(hint);
  f.offset = statement.location.offset + std::min(offset, statement.location.length);
  out->push_back(std::move(f));
}

void RunContext::report(Finding at, std::string message, std::string detail, std::string hint) {
  at.rule = *rule;
  at.message = std::move(message);
  at.detail = std::move(detail);
  at.hint = std::move(hint);
  out->push_back(std::move(at));
}

Expected<Linter> Linter::create(std::shared_ptr<const policy::Policy> policy) {
  auto check = [&](const std::vector<policy::RuleLevel>& levels) -> Expected<void> {
    for (const auto& level : levels) {
      if (find_rule(level.rule) == nullptr) {
        return tl::unexpected(Error{"'" + level.rule + "' is not a lint rule (see docs/rules/)", policy->source,
                                    level.line, level.column, "lint.rules." + level.rule});
      }
    }
    return {};
  };
  if (auto ok = check(policy->lint.rules); !ok) return tl::unexpected(ok.error());
  for (const auto& files : policy->lint.files) {
    if (auto ok = check(files.rules); !ok) return tl::unexpected(ok.error());
  }
  return Linter(std::move(policy));
}

Report Linter::run(const std::vector<Migration>& migrations, const LintOptions& options) const {
  const policy::Policy& policy = *m_policy;
  const auto& settings = policy.lint;
  Report report;
  report.policy_name = policy.name;
  report.policy_source = policy.source;
  const auto analyzed = analyze_all(migrations, options.check_down, options.threads);

  // Rule levels for a file: defaults, [lint] conventions, [lint.rules], then [[lint.files]].
  auto levels_for = [&](const std::string& file) {
    std::vector<std::pair<const RuleSpec*, Decision>> out;
    for (const RuleSpec* rule : all_rules()) {
      Decision level = rule->convention && settings.conventions ? Decision::warn : rule->level;
      auto apply = [&](const std::vector<policy::RuleLevel>& levels) {
        for (const auto& l : levels) {
          if (find_rule(l.rule) == rule) level = l.level;
        }
      };
      apply(settings.rules);
      for (const auto& files : settings.files) {
        if (files.path.matches(file)) apply(files.rules);
      }
      if (level != Decision::allow) out.emplace_back(rule, level);
    }
    return out;
  };
  auto excluded = [&](const std::string& file) {
    return std::any_of(settings.exclude.begin(), settings.exclude.end(), [&](const Glob& g) { return g.matches(file); });
  };
  auto assumed_transaction = [&](const Script& script, const std::vector<sql::Statement>& statements) {
    bool assume = settings.assume_in_transaction;
    for (const auto& files : settings.files) {
      if (files.path.matches(script.file) && files.assume_in_transaction) assume = *files.assume_in_transaction;
    }
    return assume && !says_no_transaction(script.text) && !alone_outside_transaction(statements, settings.pg_version);
  };

  std::set<Layout> layouts_with_downs;
  for (const auto& m : migrations) {
    if (m.down) layouts_with_downs.insert(m.layout);
  }
  std::set<std::string> files;
  Facts facts;
  std::vector<Finding>& out = report.findings;
  for (std::size_t i = 0; i < migrations.size(); ++i) {
    const Migration& m = migrations[i];
    if (!m.up) continue;
    const Script& up = *m.up;
    files.insert(up.file);
    const bool grandfathered = !settings.start_after.empty() && !m.version.empty() &&
                               !version_less(settings.start_after, m.version);
    const bool reporting = !excluded(up.file) && !grandfathered &&
                           (!options.restrict_report || options.report_only.contains(up.file));
    ++report.migrations;
    report.statements += analyzed[i].up.size();
    const auto levels = levels_for(up.file);

    // The up script: one unit.
    facts.created.clear();
    facts.access_exclusive.clear();
    facts.lock_timeout = facts.statement_timeout = false;
    facts.explicit_transaction = false;
    facts.in_transaction = facts.tool_transaction = assumed_transaction(up, analyzed[i].up);
    ++facts.transaction;
    policy::UnitState unit;
    ScriptRun(policy, m, up, facts, out, levels, reporting).run(analyzed[i].up, unit);
    const std::set<std::string> created_by_up = facts.created;

    // Reversibility: where the layout has down migrations, every up has one.
    const bool layout_has_downs = m.layout != Layout::plain && m.layout != Layout::prisma &&
                                  m.layout != Layout::alembic && layouts_with_downs.contains(m.layout);
    const auto reversible = std::find_if(levels.begin(), levels.end(), [](const auto& l) { return l.first->id == "lint.reversible"; });
    if (reporting && layout_has_downs && !m.down && reversible != levels.end()) {
      Finding f;
      f.file = up.file;
      f.line = up.line;
      f.rule = "lint.reversible";
      f.decision = reversible->second;
      f.severity = severity_of(reversible->second);
      f.message = "migration " + (m.version.empty() ? up.file : m.version) + " has no down migration";
      f.detail = "The other migrations of this layout can be rolled back; this one cannot, so a failed deploy "
                 "that includes it cannot be undone step by step.";
      f.hint = m.layout == Layout::dbmate ? "Add a `-- migrate:down` section that undoes the up."
                                          : "Add the down file that undoes this migration (for golang-migrate: "
                                            "<version>_<name>.down.sql; Flyway: U<version>__<name>.sql).";
      // An approval in the file's header covers it.
      for (const auto& a : approvals_in(std::string_view(up.text).substr(0, analyzed[i].up.empty() ? up.text.size() : analyzed[i].up.front().location.offset), 0)) {
        if (find_rule(a.name) != nullptr && find_rule(a.name)->id == "lint.reversible" && !a.reason.empty() &&
            reversible->second == Decision::approve) {
          f.approved = true;
          f.approval_reason = a.reason;
        }
      }
      out.push_back(std::move(f));
    }

    // The down script, with --check-down: its own unit, in which what the up created is not
    // protected (a down that drops what its up created is expected).
    if (options.check_down && m.down && reporting) {
      const Script& down = *m.down;
      files.insert(down.file);
      report.statements += analyzed[i].down.size();
      Facts down_facts = facts;
      down_facts.created = created_by_up;
      down_facts.foreign_keys.clear();
      down_facts.lock_timeout = down_facts.statement_timeout = false;
      down_facts.explicit_transaction = false;
      down_facts.in_transaction = down_facts.tool_transaction = assumed_transaction(down, analyzed[i].down);
      policy::UnitState down_unit;
      for (const auto& st : analyzed[i].up) down_unit.record(st, policy);
      ScriptRun(policy, m, down, down_facts, out, levels_for(down.file), true).run(analyzed[i].down, down_unit);
    }
  }

  // Rules that judge the whole run.
  for (const RuleSpec* rule : all_rules()) {
    if (rule->finish == nullptr) continue;
    const std::string id(rule->id);
    const std::size_t before = out.size();
    RunContext ctx{facts, &out, &id};
    rule->finish(ctx);
    for (std::size_t i = before; i < out.size(); ++i) {
      const auto levels = levels_for(out[i].file);
      const auto level = std::find_if(levels.begin(), levels.end(), [&](const auto& l) { return l.first == rule; });
      if (level == levels.end()) {
        out[i].rule.clear();  // off for this file
        continue;
      }
      out[i].decision = level->second;
      out[i].severity = severity_of(level->second);
    }
    out.erase(std::remove_if(out.begin() + static_cast<std::ptrdiff_t>(before), out.end(),
                             [](const Finding& f) { return f.rule.empty(); }),
              out.end());
  }
  report.files = files.size();
  return report;
}

}  // namespace pgwarden::lint
