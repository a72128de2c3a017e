// What the policy tests share: policy text in, a loaded policy or its error out; SQL judged as
// one unit; the finding of an action.
#pragma once

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "policy/evaluate.hpp"
#include "policy/load.hpp"
#include "sql/analyzer.hpp"

namespace pgwarden::policy::testing {

// The error for policy text that must not load; the file is named "team/pgwarden.toml".
inline Error load_error(const std::string& text) {
  auto p = parse_policy(text, "team/pgwarden.toml");
  EXPECT_FALSE(p) << "expected an error for:\n" << text;
  return p ? Error{} : p.error();
}

// Policy text that must load; on an error the test fails with it and gets the built-in defaults.
inline Policy load(const std::string& text) {
  auto p = parse_policy(text, "team/pgwarden.toml");
  EXPECT_TRUE(p) << p.error().to_string();
  return p ? *p : Policy::defaults();
}

// Judges `text` as one unit; returns every statement's verdict.
inline std::vector<Verdict> judge(const std::string& text, const Policy& p) {
  UnitState unit;
  std::vector<Verdict> out;
  for (const auto& st : sql::analyze(text)) out.push_back(evaluate(st, p, unit));
  return out;
}

// The first finding of action `a`, copied (the verdicts are often temporaries).
inline std::optional<Finding> finding(const std::vector<Verdict>& vs, sql::Action a) {
  for (const auto& v : vs) {
    for (const auto& f : v.findings) {
      if (f.action == a) return f;
    }
  }
  return std::nullopt;
}

}  // namespace pgwarden::policy::testing
