#!/usr/bin/env bash
# `make run`: a short guided tour of `pgwarden check` on examples/ with examples/pgwarden.toml.
set -uo pipefail
bin="${1:-build/pgwarden}"
cd "$(dirname "$0")/.."
policy=examples/pgwarden.toml
bold=$'\e[1m'; dim=$'\e[2m'; off=$'\e[0m'
[ -t 1 ] || { bold=; dim=; off=; }

step() {
  local title="$1" file="$2"
  echo "${bold}== ${title}${off}"
  echo "${dim}\$ pgwarden check --policy ${policy} --verbose - < ${file}${off}"
  "$bin" check --policy "$policy" --verbose - < "$file"
  echo "${dim}(exit code $?: 0 = may run, 1 = refused)${off}"
  echo
}

echo "${bold}pgwarden${off}: one policy file, ${policy}, enforced on SQL text."
echo "${dim}\$ pgwarden policy show --policy ${policy} (excerpt)${off}"
"$bin" policy show --policy "$policy" | sed -n '1,4p'
echo
step "1. Everyday statements are allowed" examples/01-allowed.sql
step "2. Destructive statements are refused, each with its alternative" examples/02-refused.sql
step "3. Destruction hidden in CTEs, EXPLAIN ANALYZE, function bodies and string tricks" examples/03-hidden.sql
step "4. Unit state: created here is yours, renamed stays protected" examples/04-unit-state.sql
echo "${bold}== 5. Migrations before they merge: policy, lock safety, history${off}"
echo "${dim}\$ pgwarden lint --policy ${policy} examples/migrations/ (one line per finding)${off}"
"$bin" lint --policy "$policy" --color never examples/migrations/ | grep -E '^(examples|pgwarden)'
echo "${dim}(exit code ${PIPESTATUS[0]}: 0 = may merge, 1 = refused; full detail without the grep)${off}"
echo
echo "Try your own: ${bold}build/pgwarden check --policy ${policy} \"DELETE FROM users WHERE id = 1\"${off}"
