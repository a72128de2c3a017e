// lint.alter-column-type: ALTER COLUMN ... TYPE on an existing table rewrites it (and its
// indexes) under an ACCESS EXCLUSIVE lock, except for the binary-coercible changes PostgreSQL
// makes in place.
#include <charconv>

#include "lint/recipe.hpp"
#include "lint/rule.hpp"

namespace pgwarden::lint {
namespace {

struct Type {
  std::string base;
  std::vector<int> mods;  // empty: no modifier
  bool array = false;
};

Type parse(const std::string& canonical) {
  Type t;
  t.array = canonical.ends_with("[]");
  const auto paren = canonical.find('(');
  t.base = canonical.substr(0, std::min(paren, canonical.find('[')));
  if (paren != std::string::npos) {
    std::size_t pos = paren + 1;
    while (pos < canonical.size() && canonical[pos] != ')') {
      int v = 0;
      const auto [end, ec] = std::from_chars(canonical.data() + pos, canonical.data() + canonical.size(), v);
      if (ec != std::errc()) break;
      t.mods.push_back(v);
      pos = static_cast<std::size_t>(end - canonical.data()) + (end < canonical.data() + canonical.size() && *end == ',' ? 1 : 0);
    }
  }
  return t;
}

// PostgreSQL changes these without rewriting the table.
bool in_place(const std::string& from_text, const std::string& to_text) {
  const Type from = parse(from_text);
  const Type to = parse(to_text);
  if (from.array != to.array) return false;
  const bool from_varchar = from.base == "varchar";
  if ((from_varchar || from.base == "text") && (to.base == "text" || (to.base == "varchar" && to.mods.empty()))) return true;
  if (from_varchar && to.base == "varchar") return !from.mods.empty() && !to.mods.empty() && to.mods[0] >= from.mods[0];
  if (from.base == "numeric" && to.base == "numeric") {
    if (to.mods.empty()) return true;
    if (from.mods.empty()) return false;
    const int from_scale = from.mods.size() > 1 ? from.mods[1] : 0;
    const int to_scale = to.mods.size() > 1 ? to.mods[1] : 0;
    return from_scale == to_scale && to.mods[0] >= from.mods[0];
  }
  if (from.base == "varbit" && to.base == "varbit") return to.mods.empty() || (!from.mods.empty() && to.mods[0] >= from.mods[0]);
  if (from.base == "cidr" && to.base == "inet") return true;
  return from_text == to_text;
}

void check(RuleContext& ctx) {
  for (const auto& c : ctx.statement.analysis->changes) {
    if (c.kind != sql::ChangeKind::alter_column_type || !ctx.existing(c.table)) continue;
    std::string old_type;
    if (const auto t = ctx.facts.column_types.find(ctx.resolve(c.table)); t != ctx.facts.column_types.end()) {
      if (const auto col = t->second.find(c.name); col != t->second.end()) old_type = col->second;
    }
    if (!old_type.empty() && !c.has_using && in_place(old_type, c.column.type)) continue;
    const std::string t = c.table.display();
    const std::string col = ident(c.name);
    ctx.report(c.offset,
               "ALTER COLUMN " + col + " TYPE " + c.column.type_sql + " rewrites " + t + " and its indexes",
               "Changing " + (old_type.empty() ? std::string("the type") : "from " + old_type) +
                   " rewrites every row under an ACCESS EXCLUSIVE lock, and code that reads the old type breaks. "
                   "Only binary-coercible changes run in place (varchar(n) to a larger varchar or text, "
                   "numeric(p,s) to a larger precision, cidr to inet)" +
                   (old_type.empty() ? "; the column's current type is not in the linted migrations." : "."),
               steps({"Add a new column, write both, backfill in batches, switch readers, then drop the old one:",
                      "  ALTER TABLE " + t + " ADD COLUMN " + ident(c.name + "_new") + " " + c.column.type_sql + ";",
                      "  -- a trigger or the application writes both columns; backfill " + ident(c.name + "_new") +
                          " in batches",
                      "  -- later: switch readers, then retire " + col + " (never in the same release)"}));
  }
}

}  // namespace

extern const RuleSpec k_alter_column_type{"lint.alter-column-type",
                                          "ALTER COLUMN TYPE rewrites the table unless the change is binary-coercible",
                                          policy::Decision::approve, false, check, nullptr, "alter_column_type"};

}  // namespace pgwarden::lint
