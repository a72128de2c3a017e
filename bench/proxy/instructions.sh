#!/usr/bin/env bash
# What pgwarden's own code costs per transaction, counted rather than timed: the instructions
# the proxy executes in user space (valgrind's callgrind), per pgbench transaction, for pgwarden
# and for a baseline pgwarden built from another commit, in the same run.
#
# run.sh measures TPS, which on a shared 2-vCPU VM moves by 10-30 % between repetitions of one
# cell; a change that costs the proxy a few percent of its CPU is lost in that. Instruction
# counts do not move between runs: what a change adds to judging shows here exactly, and run.sh
# says what it comes to in TPS. The kernel's part of the proxy's CPU (most of it: the relay's
# recvfrom and sendto) is not counted here; `profile.sh` counts its system calls.
#
# Starts PostgreSQL 15 with pgbench's tables (scale 10, bench/proxy/lib.sh), then for each of
# pgwarden and the baseline: the proxy under callgrind (--threads 2, --lookup when
# BENCH_LOOKUP=1, as run.sh), per workload a warm-up of 200 transactions (the caches fill, the
# lookup reads the catalog), counters zeroed, INSTR_TX transactions at 1 client, counters dumped.
#
# Usage: PGWARDEN_BASELINE=FILE bench/proxy/instructions.sh [WORKLOAD]...
#   WORKLOAD: select-simple, select-extended, select-prepared, tpcb (default: all four)
# Environment: PGWARDEN (default build/pgwarden), PGWARDEN_BASELINE (required), INSTR_TX
#   (transactions counted per workload, default 500), BENCH_LOOKUP (1: both get --lookup),
#   INSTR_KEEP=DIR keeps the callgrind files (callgrind_annotate reads them).
# Exit status: 0 measured, 1 a failure, 2 a bad setting, 3 PostgreSQL 15 or valgrind missing.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
pgwarden_src="${PGWARDEN:-$root/build/pgwarden}"
baseline_src="${PGWARDEN_BASELINE:-}"
transactions="${INSTR_TX:-500}"
lookup="${BENCH_LOOKUP:-0}"
keep="${INSTR_KEEP:-}"
policy="$root/examples/pgwarden.toml"
pgbouncer_bin=/usr/sbin/pgbouncer # lib.sh names it; not started here
bench_tag=pgwarden-bench-instructions
[ $# -gt 0 ] || set -- select-simple select-extended select-prepared tpcb

[[ "$transactions" =~ ^[1-9][0-9]*$ ]] || { echo "$bench_tag: INSTR_TX must be a positive integer" >&2; exit 2; }
[ -n "$baseline_src" ] || { echo "$bench_tag: PGWARDEN_BASELINE=FILE is required (a pgwarden built from another commit)" >&2; exit 2; }
[ -x "$baseline_src" ] || { echo "$bench_tag: $baseline_src is not an executable" >&2; exit 2; }
for workload in "$@"; do
  case "$workload" in
    select-simple | select-extended | select-prepared | tpcb) ;;
    *) echo "$bench_tag: unknown workload $workload (select-simple, select-extended, select-prepared, tpcb)" >&2; exit 2 ;;
  esac
done
if ! command -v valgrind > /dev/null || ! command -v callgrind_control > /dev/null; then
  echo "$bench_tag: valgrind is missing (Debian: apt-get install valgrind)" >&2
  exit 3
fi

# shellcheck source=bench/proxy/lib.sh
. "$root/bench/proxy/lib.sh"
bench_setup
copy_pgwarden
cp "$baseline_src" "$work/baseline"
start_cluster
proxy_args=()
[ "$lookup" = 1 ] && proxy_args=(--lookup "host=127.0.0.1 port=$pg_port user=postgres")

options_of() {
  case "$1" in
    select-*) echo "-S -M ${1#select-}" ;;
    tpcb) echo "-M simple" ;;
  esac
}

# count NAME BINARY: sets instructions[NAME/WORKLOAD] for every workload.
declare -A instructions
count() {
  local name="$1" bin="$2" port vpid _ workload options dump total
  shift 2
  port="$(free_port)"
  setsid valgrind --tool=callgrind --callgrind-out-file="$work/$name.%p.callgrind" \
    "$bin" proxy --listen "127.0.0.1:$port" --upstream "127.0.0.1:$pg_port" --policy "$policy" \
    --upstream-tls disable --threads 2 "${proxy_args[@]}" 2> "$work/$name.log" &
  vpid=$!
  bench_pid="$vpid" # cleanup stops it
  for _ in $(seq 1 600); do
    alive "$vpid" || { tail -n 20 "$work/$name.log" >&2; die "$name exited under valgrind"; }
    [ "$(psql -X -A -t -h 127.0.0.1 -p "$port" -c 'SELECT 1' 2> /dev/null)" = 1 ] && break
    sleep 0.2
  done
  for workload in "$@"; do
    options=$(options_of "$workload")
    # shellcheck disable=SC2086
    pgbench -n $options -c 1 -t 200 -h 127.0.0.1 -p "$port" postgres > "$work/warm.log" 2>&1 ||
      { cat "$work/warm.log" >&2; die "pgbench through $name failed"; }
    callgrind_control -z "$vpid" > /dev/null 2>&1
    # shellcheck disable=SC2086
    pgbench -n $options -c 1 -t "$transactions" -h 127.0.0.1 -p "$port" postgres > "$work/run.log" 2>&1 ||
      { cat "$work/run.log" >&2; die "pgbench through $name failed"; }
    callgrind_control -d "$workload" "$vpid" > /dev/null 2>&1
    dump=""
    for _ in $(seq 1 100); do
      dump="$(grep -l "^desc: Trigger: dump $workload\$" "$work/$name.$vpid.callgrind".* 2> /dev/null | head -n 1 || true)"
      [ -n "$dump" ] && grep -q '^totals:\|^summary:' "$dump" && break
      sleep 0.1
    done
    [ -n "$dump" ] || die "callgrind wrote no dump for $name, $workload"
    total="$(grep -h '^totals:\|^summary:' "$dump" | head -n 1 | awk '{ print $2 }')"
    instructions[$name/$workload]=$((total / transactions))
    [ -z "$keep" ] || { mkdir -p "$keep"; cp "$dump" "$keep/$name-$workload.callgrind"; }
    log "$name, $workload: $((total / transactions)) instructions per transaction"
  done
  stop_pid "$vpid"
  bench_pid=""
}

log "counting $transactions transactions per workload at 1 client, under callgrind (slow: minutes)"
count pgwarden "$pgwarden_bin" "$@"
count baseline "$work/baseline" "$@"

echo "pgwarden: $pgwarden_src ($pgwarden_commit, built $pgwarden_built); baseline: $baseline_src${lookup:+; BENCH_LOOKUP=$lookup}"
echo
echo "| workload, 1 client | instructions/tx baseline | instructions/tx pgwarden | pgwarden / baseline |"
echo "|---|---|---|---|"
for workload in "$@"; do
  b="${instructions[baseline/$workload]}" p="${instructions[pgwarden/$workload]}"
  echo "| $workload | $b | $p | $(awk -v p="$p" -v b="$b" 'BEGIN { printf "%.3f×", p / b }') |"
done
