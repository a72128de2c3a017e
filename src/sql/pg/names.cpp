#include <algorithm>

#include "sql/pg/names.hpp"

namespace pgwarden::sql::pg {

ObjectName name_of(const RangeVar* rv) {
  if (rv == nullptr) return {};
  return ObjectName{std::string(text(rv->schemaname)), std::string(text(rv->relname))};
}

std::string_view string_of(const Node* node) {
  const auto* s = as<String>(node, T_String);
  return s != nullptr ? text(s->sval) : std::string_view();
}

ObjectName name_of_list(const List* list, std::size_t n) {
  const NodeList items = nodes(list);
  n = std::min(n, items.size());
  if (n == 0) return {};
  ObjectName out;
  out.name = std::string(string_of(items[n - 1]));
  if (n >= 2) out.schema = std::string(string_of(items[n - 2]));
  return out;
}

ObjectName name_of_list(const List* list) { return name_of_list(list, nodes(list).size()); }

std::string function_name(const List* names) {
  const ObjectName name = name_of_list(names);
  return name.schema.empty() ? name.name : name.schema + "." + name.name;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace pgwarden::sql::pg
