#include "sql/pg/names.hpp"

namespace pgwarden::sql::pg {

ObjectName name_of(const PgQuery__RangeVar* rv) {
  if (rv == nullptr) return {};
  return ObjectName{rv->schemaname != nullptr ? rv->schemaname : "",
                    rv->relname != nullptr ? rv->relname : ""};
}

std::string_view string_of(const PgQuery__Node* node) {
  if (node == nullptr || node->node_case != PG_QUERY__NODE__NODE_STRING) return {};
  return node->string->sval != nullptr ? node->string->sval : "";
}

ObjectName name_of_list(const PgQuery__Node* const* items, std::size_t n) {
  if (n == 0) return {};
  ObjectName out;
  out.name = std::string(string_of(items[n - 1]));
  if (n >= 2) out.schema = std::string(string_of(items[n - 2]));
  return out;
}

ObjectName name_of_list(const PgQuery__List* list) {
  if (list == nullptr) return {};
  return name_of_list(list->items, list->n_items);
}

std::string last_string(const PgQuery__Node* const* items, std::size_t n) {
  if (n == 0) return {};
  return std::string(string_of(items[n - 1]));
}

std::string function_name(const PgQuery__Node* const* items, std::size_t n) {
  const ObjectName name = name_of_list(items, n);
  return name.schema.empty() ? name.name : name.schema + "." + name.name;
}

}  // namespace pgwarden::sql::pg
