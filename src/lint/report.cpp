#include "lint/report.hpp"

#include <algorithm>

namespace pgwarden::lint {

std::string_view to_string(Severity severity) {
  switch (severity) {
    case Severity::note: return "note";
    case Severity::warning: return "warning";
    case Severity::error: return "error";
  }
  return "error";
}

std::size_t Report::errors() const {
  return static_cast<std::size_t>(std::count_if(findings.begin(), findings.end(), [](const Finding& f) {
    return f.severity == Severity::error && !f.approved;
  }));
}

std::size_t Report::warnings() const {
  return static_cast<std::size_t>(std::count_if(findings.begin(), findings.end(), [](const Finding& f) {
    return f.severity == Severity::warning && !f.approved;
  }));
}

}  // namespace pgwarden::lint
