#!/usr/bin/env bash
# Runs a libFuzzer target for a bounded time: run-fuzz.sh BINARY SECONDS
# fuzz_analyze: seeds tests/fuzz/seeds, plus PostgreSQL 15's regression SQL from ../shared when it
# is there, and the SQL dictionary. fuzz_wire: seeds tests/fuzz/wire-seeds (protocol scripts).
# fuzz_shell: seeds tests/fuzz/shell-seeds (command lines). fuzz_json: seeds tests/fuzz/json-seeds
# (agents' hook requests).
# Exits non-zero on any crash, leak, timeout or broken invariant, naming the saved input.
set -euo pipefail
cd "$(dirname "$0")/.."
binary="${1:?usage: run-fuzz.sh BINARY SECONDS}"
seconds="${2:-60}"
artifacts="$(dirname "$binary")/artifacts"
mkdir -p "$artifacts"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

name="$(basename "$binary")"
options=(-max_len=8192)
if [ "$name" = fuzz_wire ]; then
  seeds=(tests/fuzz/wire-seeds)
elif [ "$name" = fuzz_shell ]; then
  seeds=(tests/fuzz/shell-seeds)
elif [ "$name" = fuzz_json ]; then
  seeds=(tests/fuzz/json-seeds)
else
  seeds=(tests/fuzz/seeds)
  options+=(-dict=tests/fuzz/sql.dict)
  shared=../shared/corpus/pg15-regress
  if [ -d "$shared" ]; then
    seeds+=("$shared")
  else
    echo "fuzz: $shared is absent: seeding from tests/fuzz/seeds only (the regression corpus is skipped)"
  fi
fi

# Leaks inside libpg_query itself are listed, with the reason, in the suppressions file.
export LSAN_OPTIONS="suppressions=$PWD/tests/fuzz/lsan.supp:print_suppressions=0"
mkdir -p "$work/corpus"
log="$work/fuzz.log"
status=0
"$binary" "$work/corpus" "${seeds[@]}" -max_total_time="$seconds" "${options[@]}" \
  -rss_limit_mb=4096 -timeout=25 -print_final_stats=1 \
  -artifact_prefix="$artifacts/" >"$log" 2>&1 || status=$?

if [ "$status" -ne 0 ]; then
  tail -n 60 "$log"
  echo "fuzz: FAILED (exit $status); the input is saved as:"
  grep -o "Test unit written to .*" "$log" || true
  exit 1
fi
runs=$(grep -o "stat::number_of_executed_units: *[0-9]*" "$log" | grep -o "[0-9]*$" || echo "?")
cov=$(grep -o "cov: [0-9]*" "$log" | tail -n 1 || true)
echo "fuzz: $name: $runs runs in ${seconds} s, ${cov:-cov: ?}, no crash"
