#!/usr/bin/env bash
# The proxy benchmark: pgbench against the same PostgreSQL 15 three ways, in one run.
#
#   direct     pgbench -> PostgreSQL                          (the baseline)
#   pgbouncer  pgbench -> PgBouncer, session pooling -> PostgreSQL  (the proxy to beat)
#   pgwarden   pgbench -> pgwarden proxy, every statement judged -> PostgreSQL
#   baseline   pgbench -> a pgwarden built from another commit (only with PGWARDEN_BASELINE), so
#              that what a change costs is measured against what came before, in the same run
#
# These machines are noisy, so only figures measured in this run are compared: each repetition
# runs every workload against the three targets back to back, in an order that rotates from one
# repetition to the next, so that drift (other engineers compiling, caches, table growth) hits
# all three alike. Absolute figures are the median of the repetitions; ratios and latency
# differences are computed within each repetition (paired) and their median is reported.
# Every run is `pgbench -n` over TCP; before each read-write run the script does on the server
# what pgbench does without -n (vacuum the small tables, empty pgbench_history), so that every
# target starts from the same tables and nothing but the workload goes through the proxies.
# Setup and teardown (PostgreSQL, PgBouncer, pgwarden, traps) live in bench/proxy/lib.sh;
# bench/proxy/profile.sh shows where pgwarden's CPU goes when a target is missed, and
# bench/proxy/instructions.sh counts the instructions a transaction costs it against a baseline.
#
# Per workload and target it measures:
#   TPS           pgbench's "tps = ... (without initial connection time)"
#   p50 latency   1-client runs only: the median of pgbench's per-transaction log (--log, the
#                 3rd column is the latency in microseconds); "added" is proxy minus direct
#   CPU per tx    the proxy process's utime+stime (/proc/PID/stat fields 14 and 15, all threads)
#                 over the run, divided by the transactions pgbench processed
# then checks pgwarden's targets against PgBouncer and prints PASS or MISS for each.
#
# Usage: bench/proxy/run.sh        (or `make bench-proxy`, which builds pgwarden first)
# Environment:
#   BENCH_SECONDS   duration of one pgbench run (default 10)
#   BENCH_REPEAT    repetitions of the whole grid (default 3)
#   BENCH_TPCB_C1   1 (default) also runs the read-write script at 1 client; 0 skips it
#   BENCH_WORKLOADS the workloads to run, by name (default: all of them, see `workloads` below),
#                   e.g. "select-simple-c8 tpcb-simple-c8" for more repetitions of fewer cells
#   BENCH_RESULTS   file to write every run's raw figures to (CSV); default: none
#   BENCH_THREADS   pgwarden's --threads (default 2, one per core of a 2-core host)
#   PGWARDEN        the pgwarden binary (default build/pgwarden; copied before use, so that a
#                   rebuild during the run does not change what is measured)
#   PGWARDEN_BASELINE  a pgwarden binary built from another commit: adds the baseline target,
#                   the pgwarden / baseline ratios and the target "TPS ≥ 0.95× baseline's"
#   BENCH_LOOKUP    1: both pgwardens get `--lookup` (user postgres, the cluster's address), so that the catalog reads
#                   (routines, the relation snapshot, identities) are part of what is measured
#   PGBOUNCER       the PgBouncer binary (default /usr/sbin/pgbouncer; Debian `pgbouncer`)
#
# Exit status: 0 when every run completed, whether or not pgwarden met its targets (this is a
# measurement); 1 when something failed to start, a check failed, or a run aborted or had
# failed transactions; 2 for a bad setting; 3 when PostgreSQL 15 or PgBouncer is not installed.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
seconds="${BENCH_SECONDS:-10}"
repeat="${BENCH_REPEAT:-3}"
tpcb_c1="${BENCH_TPCB_C1:-1}"
results_csv="${BENCH_RESULTS:-}"
pgwarden_threads="${BENCH_THREADS:-2}"
pgwarden_src="${PGWARDEN:-$root/build/pgwarden}"
pgbouncer_bin="${PGBOUNCER:-/usr/sbin/pgbouncer}"
baseline_src="${PGWARDEN_BASELINE:-}"
lookup="${BENCH_LOOKUP:-0}"
policy="$root/examples/pgwarden.toml"
bench_tag=pgwarden-bench-proxy

[[ "$seconds" =~ ^[1-9][0-9]*$ ]] || { echo "$bench_tag: BENCH_SECONDS must be a positive integer" >&2; exit 2; }
[[ "$repeat" =~ ^[1-9][0-9]*$ ]] || { echo "$bench_tag: BENCH_REPEAT must be a positive integer" >&2; exit 2; }
[[ "$pgwarden_threads" =~ ^[1-9][0-9]*$ ]] || { echo "$bench_tag: BENCH_THREADS must be a positive integer" >&2; exit 2; }

# shellcheck source=bench/proxy/lib.sh
. "$root/bench/proxy/lib.sh"
command -v curl > /dev/null || die "curl is missing (Debian: curl)"

# 1. PostgreSQL 15 with pgbench's tables at scale 10 (1,000,000 accounts); the runs use -n.
# 2. PgBouncer and pgwarden in front of it. pgwarden's --admin serves /metrics only when asked
#    (twice: around the checks, and at the end).
bench_setup
copy_pgwarden
start_cluster
start_pgbouncer
admin_port="$(free_port)"
proxy_args=()
[ "$lookup" = 1 ] && proxy_args=(--lookup "host=127.0.0.1 port=$pg_port user=postgres")
start_pgwarden --admin "127.0.0.1:$admin_port" "${proxy_args[@]}"
if [ -n "$baseline_src" ]; then
  [ -x "$baseline_src" ] || die "PGWARDEN_BASELINE=$baseline_src is not an executable"
  cp "$baseline_src" "$work/pgwarden-baseline"
  baseline_bin="$work/pgwarden-baseline"
  start_baseline "${proxy_args[@]}"
fi

# pgwarden's counters from /metrics: statements judged, statements refused (all actions).
statements_judged() {
  curl -fsS "http://127.0.0.1:$admin_port/metrics" | awk '$1 == "pgwarden_statements_total" { print $2 }'
}
statements_refused() {
  curl -fsS "http://127.0.0.1:$admin_port/metrics" |
    awk '$1 ~ /^pgwarden_refusals_total/ { n += $2 } END { print n + 0 }'
}

declare -A port_of=([direct]="$pg_port" [pgbouncer]="$bouncer_port" [pgwarden]="$pgwarden_port")
declare -A pid_of=([direct]="" [pgbouncer]="$pgbouncer_pid" [pgwarden]="$pgwarden_pid")
if [ -n "$baseline_src" ]; then
  port_of[baseline]="$baseline_port"
  pid_of[baseline]="$baseline_pid"
fi

# ---------------------------------------------------------------------------------------------
# One pgbench run

# The workloads: name, pgbench options, clients, threads. "select" is pgbench's built-in
# select-only script (-S); "tpcb" its default TPC-B-like read-write script.
workloads=(
  "select-simple-c1|-S -M simple|1|1"
  "select-extended-c1|-S -M extended|1|1"
  "select-prepared-c1|-S -M prepared|1|1"
  "select-simple-c8|-S -M simple|8|2"
  "select-extended-c8|-S -M extended|8|2"
  "select-prepared-c8|-S -M prepared|8|2"
)
[ "$tpcb_c1" = 1 ] && workloads+=("tpcb-simple-c1|-M simple|1|1")
workloads+=("tpcb-simple-c8|-M simple|8|2")
if [ -n "${BENCH_WORKLOADS:-}" ]; then
  chosen=()
  for want in $BENCH_WORKLOADS; do
    found=""
    for spec in "${workloads[@]}"; do
      [ "${spec%%|*}" = "$want" ] && chosen+=("$spec") && found=1
    done
    [ -n "$found" ] || { echo "$bench_tag: BENCH_WORKLOADS: no workload $want (${workloads[*]%%|*})" >&2; exit 2; }
  done
  workloads=("${chosen[@]}")
fi
targets=(direct pgbouncer pgwarden)
[ -z "$baseline_src" ] || targets+=(baseline)

clk_tck="$(getconf CLK_TCK)"

median() { # of the numbers on stdin, one a line
  sort -g | awk '{ v[NR] = $1 } END {
    if (NR == 0) exit 1
    if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# Before every read-write run, on the server directly, what pgbench itself does when not given
# -n: vacuum the small tables and empty pgbench_history. Every target then starts from the same
# state, and nothing but the workload goes through the proxies.
reset_tpcb() {
  psql -X -q -h 127.0.0.1 -p "$pg_port" -v ON_ERROR_STOP=1 \
    -c 'VACUUM pgbench_branches' -c 'VACUUM pgbench_tellers' -c 'TRUNCATE pgbench_history' \
    > /dev/null || die "could not reset pgbench's tables"
}

# run_pgbench TARGET WORKLOAD SECONDS LOGPREFIX: runs pgbench and sets tps, txns, p50_us,
# cpu_us_per_tx. Dies when pgbench fails, aborts or reports failed transactions.
run_pgbench() {
  local target="$1" spec="$2" secs="$3" prefix="$4"
  local name opts clients threads out cpu0 cpu1 failed logopts=()
  IFS='|' read -r name opts clients threads <<< "$spec"
  out="$work/out/$name.$target.txt"
  mkdir -p "$work/out" "$work/log"
  rm -f "$prefix".*
  [[ "$name" == *tpcb-* ]] && reset_tpcb
  [ "$clients" = 1 ] && logopts=(--log "--log-prefix=$prefix")
  cpu0="$(cpu_ticks "${pid_of[$target]}")"
  # shellcheck disable=SC2086 # opts is a list of options
  setsid pgbench -n $opts -c "$clients" -j "$threads" -T "$secs" "${logopts[@]}" \
    -h 127.0.0.1 -p "${port_of[$target]}" > "$out" 2>&1 &
  bench_pid=$!
  if ! wait "$bench_pid"; then
    cat "$out" >&2
    die "pgbench $name against $target failed"
  fi
  bench_pid=""
  cpu1="$(cpu_ticks "${pid_of[$target]}")"
  tps="$(awk '/^tps = .*without initial connection time/ { print $3 }' "$out")"
  txns="$(awk -F': ' '/^number of transactions actually processed/ { print $2 }' "$out")"
  failed="$(awk '/^number of failed transactions/ { print $5 }' "$out")"
  if [ -z "$tps" ] || [ -z "$txns" ] || [ "$txns" = 0 ] || [ "${failed:-0}" != 0 ] ||
    grep -q 'aborted' "$out"; then
    cat "$out" >&2
    die "pgbench $name against $target: no transactions, or failed ones"
  fi
  p50_us=""
  if [ "$clients" = 1 ]; then
    p50_us="$(cat "$prefix".* | awk '{ print $3 }' | median)" || die "no pgbench log for $name/$target"
    rm -f "$prefix".*
  fi
  if [ -n "${pid_of[$target]}" ]; then
    cpu_us_per_tx="$(awk -v d=$((cpu1 - cpu0)) -v hz="$clk_tck" -v n="$txns" 'BEGIN { printf "%.2f", d / hz * 1e6 / n }')"
  else
    cpu_us_per_tx=""
  fi
}

# ---------------------------------------------------------------------------------------------
# Checks: pgbench's statements are allowed through pgwarden (and PgBouncer), and pgwarden really
# judges them (its statement counter grows; a statement against the policy is refused).

log "checking every script through both proxies (2 s each; also a warm-up)"
judged_before="$(statements_judged)" || die "pgwarden's /metrics does not answer"
checks=(
  "check-select-simple|-S -M simple|1|1"
  "check-select-extended|-S -M extended|1|1"
  "check-select-prepared|-S -M prepared|1|1"
  "check-tpcb-simple|-M simple|1|1"
  "check-tpcb-simple-c8|-M simple|8|2"
)
for spec in "${checks[@]}"; do
  name="${spec%%|*}"
  for target in "${targets[@]}"; do
    run_pgbench "$target" "$spec" 2 "$work/log/check"
    log "  $name via $target: $txns transactions, 0 failed"
  done
done
judged_after="$(statements_judged)"
[ "$judged_after" -gt "$judged_before" ] || die "pgwarden judged no statement of pgbench's"
[ "$(statements_refused)" = 0 ] || die "pgwarden refused some of pgbench's statements (see /metrics)"
log "  pgwarden judged $((judged_after - judged_before)) statements during the checks, refused none"
refusal="$(psql -X -h 127.0.0.1 -p "$pgwarden_port" -c '\set VERBOSITY verbose' \
  -c 'UPDATE ledger_entries SET amount = 0' 2>&1 || true)"
grep -q 42501 <<< "$refusal" || {
  echo "$refusal" >&2
  die "pgwarden did not refuse an UPDATE of an append-only table: is it enforcing the policy?"
}
log "  pgwarden refuses UPDATE ledger_entries (42501): the policy is enforced"

# ---------------------------------------------------------------------------------------------
# The measurement: repetition by repetition, every workload against the three targets back to
# back, the targets' order rotating from one repetition to the next.

# Every run's figures, by "workload|target|repetition" (read through namerefs in the report).
declare -A tps_of p50_of cpu_of
[ -z "$results_csv" ] || echo "repetition,workload,target,tps,transactions,p50_us,proxy_cpu_us_per_tx" > "$results_csv"
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
started="$(date +%s)"
log "measuring: ${#workloads[@]} workloads x ${#targets[@]} targets x $repeat repetitions x $seconds s" \
  "(about $(( ${#workloads[@]} * ${#targets[@]} * repeat * (seconds + 1) / 60 + 1 )) min); load average $load_before"
for ((rep = 1; rep <= repeat; rep++)); do
  for spec in "${workloads[@]}"; do
    name="${spec%%|*}"
    for ((k = 0; k < ${#targets[@]}; k++)); do
      target="${targets[$(((rep - 1 + k) % ${#targets[@]}))]}"
      run_pgbench "$target" "$spec" "$seconds" "$work/log/run"
      key="$name|$target|$rep"
      # shellcheck disable=SC2034 # read through namerefs in the report
      tps_of[$key]="$tps" p50_of[$key]="$p50_us" cpu_of[$key]="$cpu_us_per_tx"
      log "  rep $rep $name $target: tps $tps${p50_us:+, p50 ${p50_us} us}${cpu_us_per_tx:+, proxy CPU ${cpu_us_per_tx} us/tx}"
      [ -z "$results_csv" ] ||
        echo "$rep,$name,$target,$tps,$txns,$p50_us,$cpu_us_per_tx" >> "$results_csv"
    done
  done
done
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"
judged_total="$(statements_judged)"
refused_total="$(statements_refused)"

# ---------------------------------------------------------------------------------------------
# Report. Absolute figures are the median of a cell's repetitions. Comparisons are paired: a
# ratio or a latency difference is computed within each repetition, whose three runs of a
# workload were back to back, and the median of those is reported; drift between repetitions
# then cancels instead of landing on whichever target it hit.

# values FIGURE WORKLOAD TARGET: the figure of every repetition, one a line (none when absent).
values() {
  local -n figure="$1"
  local r
  for ((r = 1; r <= repeat; r++)); do
    [ -z "${figure[$2|$3|$r]:-}" ] || echo "${figure[$2|$3|$r]}"
  done
}
# paired FIGURE WORKLOAD A B OP: per repetition, A's figure OP B's ("/" or "-"), one a line.
paired() {
  local -n figure="$1"
  local r a b
  for ((r = 1; r <= repeat; r++)); do
    a="${figure[$2|$3|$r]:-}" b="${figure[$2|$4|$r]:-}"
    if [ -z "$a" ] || [ -z "$b" ]; then continue; fi
    awk -v a="$a" -v b="$b" -v op="$5" 'BEGIN { if (op == "/") { if (b != 0) print a / b } else print a - b }'
  done
}
med() { median 2> /dev/null || true; } # of stdin; empty when there is nothing
spread() { sort -g | awk -v f="$1" 'NR == 1 { lo = $1 } { hi = $1 } END { if (NR) printf f "–" f, lo, hi; else printf "—" }'; }
fmt() { awk -v v="$1" -v f="$2" 'BEGIN { if (v == "") print "—"; else printf f, v }'; }

echo
echo "## pgbench through pgwarden vs PgBouncer vs direct"
echo
echo "$(date -u +%Y-%m-%d), $(nproc) CPUs ($(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo))," \
  "pgbench -s 10, ${seconds} s per run, $repeat repetitions, load average" \
  "$load_before before and $load_after after (1, 5, 15 min), $(( ($(date +%s) - started) / 60 )) min."
echo "pgwarden: $pgwarden_src, built $pgwarden_built from $pgwarden_commit; $("$pgbouncer_bin" --version | head -n 1);" \
  "$(pgbench --version); $(uname -sr)."
echo "TPS, p50 and CPU: median of the repetitions. Ratios (×) and added p50: median of the" \
  "per-repetition figures (paired: the three targets ran back to back in each repetition)."
echo
echo "| workload | TPS direct | TPS pgbouncer | TPS pgwarden | pgwarden / pgbouncer TPS | pgwarden / direct TPS | p50 direct (µs) | added p50 pgbouncer (µs) | added p50 pgwarden (µs) | CPU µs/tx pgbouncer | CPU µs/tx pgwarden | CPU pgwarden / pgbouncer |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
declare -A tps_wb cpu_wb p50_wb added_b added_w
for spec in "${workloads[@]}"; do
  name="${spec%%|*}"
  tps_wb[$name]="$(paired tps_of "$name" pgwarden pgbouncer / | med)"
  cpu_wb[$name]="$(paired cpu_of "$name" pgwarden pgbouncer / | med)"
  p50_wb[$name]="$(paired p50_of "$name" pgwarden pgbouncer - | med)"
  added_b[$name]="$(paired p50_of "$name" pgbouncer direct - | med)"
  added_w[$name]="$(paired p50_of "$name" pgwarden direct - | med)"
  echo "| $name | $(fmt "$(values tps_of "$name" direct | med)" %.0f)" \
    "| $(fmt "$(values tps_of "$name" pgbouncer | med)" %.0f)" \
    "| $(fmt "$(values tps_of "$name" pgwarden | med)" %.0f)" \
    "| $(fmt "${tps_wb[$name]}" %.2f×) | $(fmt "$(paired tps_of "$name" pgwarden direct / | med)" %.2f×)" \
    "| $(fmt "$(values p50_of "$name" direct | med)" %.0f)" \
    "| $(fmt "${added_b[$name]}" %+.0f) | $(fmt "${added_w[$name]}" %+.0f)" \
    "| $(fmt "$(values cpu_of "$name" pgbouncer | med)" %.1f) | $(fmt "$(values cpu_of "$name" pgwarden | med)" %.1f)" \
    "| $(fmt "${cpu_wb[$name]}" %.2f×) |"
done

echo
echo "Spread over the repetitions, lowest–highest:"
echo
echo "| workload | TPS direct | TPS pgbouncer | TPS pgwarden | pgwarden / pgbouncer TPS | pgwarden − pgbouncer p50 (µs) | CPU pgwarden / pgbouncer |"
echo "|---|---|---|---|---|---|---|"
for spec in "${workloads[@]}"; do
  name="${spec%%|*}"
  echo "| $name | $(values tps_of "$name" direct | spread %.0f) | $(values tps_of "$name" pgbouncer | spread %.0f)" \
    "| $(values tps_of "$name" pgwarden | spread %.0f) | $(paired tps_of "$name" pgwarden pgbouncer / | spread %.2f×)" \
    "| $(paired p50_of "$name" pgwarden pgbouncer - | spread %+.0f) | $(paired cpu_of "$name" pgwarden pgbouncer / | spread %.2f×) |"
done
if [ -n "$baseline_src" ]; then
  echo
  echo "### pgwarden against the baseline ($baseline_src${lookup:+, BENCH_LOOKUP=$lookup})"
  echo
  echo "| workload | TPS baseline | TPS pgwarden | pgwarden / baseline TPS (median, spread) | CPU µs/tx baseline | CPU µs/tx pgwarden | pgwarden − baseline p50 (µs) |"
  echo "|---|---|---|---|---|---|---|"
  declare -A tps_wl
  for spec in "${workloads[@]}"; do
    name="${spec%%|*}"
    tps_wl[$name]="$(paired tps_of "$name" pgwarden baseline / | med)"
    echo "| $name | $(fmt "$(values tps_of "$name" baseline | med)" %.0f) | $(fmt "$(values tps_of "$name" pgwarden | med)" %.0f)" \
      "| $(fmt "${tps_wl[$name]}" %.3f×) ($(paired tps_of "$name" pgwarden baseline / | spread %.3f×))" \
      "| $(fmt "$(values cpu_of "$name" baseline | med)" %.1f) | $(fmt "$(values cpu_of "$name" pgwarden | med)" %.1f)" \
      "| $(fmt "$(paired p50_of "$name" pgwarden baseline - | med)" %+.0f) |"
  done
fi

echo
echo "pgwarden judged $((judged_total - judged_before)) statements in this run and refused" \
  "$((refused_total - 1)) besides the check's UPDATE."
echo
echo "### Targets (pgwarden against PgBouncer, medians of the paired figures)"
echo
met=0 missed=0
verdict() { # label, condition (awk expression over v), v, detail
  if [ -n "$3" ] && awk -v v="$3" "BEGIN { exit !($2) }"; then
    echo "- PASS $1: $4"
    met=$((met + 1))
  else
    echo "- MISS $1: $4"
    missed=$((missed + 1))
  fi
}
for spec in "${workloads[@]}"; do
  name="${spec%%|*}"
  [[ "$name" == *-c1 ]] || continue
  verdict "added p50 at 1 client ≤ PgBouncer's, $name" "v <= 0" "${p50_wb[$name]}" \
    "pgwarden − PgBouncer p50 $(fmt "${p50_wb[$name]}" %+.0f) µs (added: pgwarden $(fmt "${added_w[$name]}" %+.0f) µs, PgBouncer $(fmt "${added_b[$name]}" %+.0f) µs)"
done
for spec in "${workloads[@]}"; do
  name="${spec%%|*}"
  [[ "$name" == *-c8 ]] || continue
  verdict "TPS at 8 clients ≥ 1.2× PgBouncer's, $name" "v >= 1.2" "${tps_wb[$name]}" "$(fmt "${tps_wb[$name]}" %.2f×)"
done
for spec in "${workloads[@]}"; do
  name="${spec%%|*}"
  verdict "CPU per transaction ≤ 0.7× PgBouncer's, $name" "v <= 0.7" "${cpu_wb[$name]}" "$(fmt "${cpu_wb[$name]}" %.2f×)"
done
if [ -n "$baseline_src" ]; then
  for spec in "${workloads[@]}"; do
    name="${spec%%|*}"
    verdict "TPS ≥ 0.95× the baseline's, $name" "v >= 0.95" "${tps_wl[$name]}" "$(fmt "${tps_wl[$name]}" %.3f×)"
  done
fi
echo
echo "$met PASS, $missed MISS"
