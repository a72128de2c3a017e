#!/usr/bin/env bash
# Where `pgwarden proxy` spends its CPU under pgbench: the companion of run.sh, for whoever
# optimizes the proxy after run.sh reports a MISS.
#
# Starts what run.sh starts (bench/proxy/lib.sh: PostgreSQL 15 with pgbench -i -s 10, PgBouncer
# in session mode, pgwarden with examples/pgwarden.toml and --threads 2). Then, per workload, at 8
# clients and 2 pgbench threads:
#   1. counts, for PgBouncer and for pgwarden, the proxy's CPU, system calls and context
#      switches per transaction (`perf stat` on the proxy process), one run each: what the
#      proxy costs the kernel, beside what it costs in user space;
#   2. samples pgwarden (`perf record`, all threads, cpu-clock, which works in VMs without
#      hardware counters; call graphs by DWARF unwinding, as the release build has -g but no
#      frame pointers) and prints where the samples landed: by binary, by function (self), and
#      by function with what it calls (children).
#
# Usage: bench/proxy/profile.sh [WORKLOAD]...
#   WORKLOAD: select-simple, select-extended, select-prepared, tpcb
#   (default: select-simple select-prepared)
# Environment: PROFILE_SECONDS (one run, default 15), PROFILE_TOP (lines per table, default 40),
#   PROFILE_KEEP=DIR keeps the perf.data files, the pgwarden binary and full reports in DIR,
#   PROFILE_SAMPLE=0 counts only (no perf record), PROFILE_THREADS (pgwarden's --threads, default 2 as in run.sh), PGWARDEN (default
#   build/pgwarden), PGBOUNCER (default /usr/sbin/pgbouncer), PROFILE_LOOKUP=1 (pgwarden reads
#   the catalog through --lookup, as run.sh with BENCH_LOOKUP=1).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
seconds="${PROFILE_SECONDS:-15}"
top="${PROFILE_TOP:-40}"
keep="${PROFILE_KEEP:-}"
pgwarden_src="${PGWARDEN:-$root/build/pgwarden}"
pgbouncer_bin="${PGBOUNCER:-/usr/sbin/pgbouncer}"
policy="$root/examples/pgwarden.toml"
bench_tag=pgwarden-bench-profile
pgwarden_threads="${PROFILE_THREADS:-2}"
[ $# -gt 0 ] || set -- select-simple select-prepared
if [[ ! "$seconds" =~ ^[0-9]+$ ]] || [ "$seconds" -lt 3 ]; then
  echo "$bench_tag: PROFILE_SECONDS must be 3 or more" >&2
  exit 2
fi

# shellcheck source=bench/proxy/lib.sh
. "$root/bench/proxy/lib.sh"
command -v perf > /dev/null || die "perf is missing (Debian: apt-get install linux-perf)"
perf stat -e cpu-clock -o /dev/null -- true 2> /dev/null ||
  die "perf cannot count here (kernel.perf_event_paranoid, or a container without perf events)"
for workload in "$@"; do
  case "$workload" in
    select-simple | select-extended | select-prepared | tpcb) ;;
    *) die "unknown workload $workload (select-simple, select-extended, select-prepared, tpcb)" ;;
  esac
done

bench_setup
copy_pgwarden
start_cluster
start_pgbouncer
# shellcheck disable=SC2119 # no extra arguments
if [ "${PROFILE_LOOKUP:-0}" = 1 ]; then
  start_pgwarden --lookup "host=127.0.0.1 port=$pg_port user=postgres"
else
  start_pgwarden
fi

options_of() {
  case "$1" in
    select-simple) echo "-S -M simple" ;;
    select-extended) echo "-S -M extended" ;;
    select-prepared) echo "-S -M prepared" ;;
    tpcb) echo "-M simple" ;;
  esac
}

# pgbench_run PORT SECONDS WORKLOAD: 8 clients, in the background (bench_pid), output in
# $work/pgbench.out; wait_pgbench waits for it (in this shell, not in $(...)) and sets txns.
pgbench_run() {
  # shellcheck disable=SC2046 # the options are words
  setsid pgbench -n $(options_of "$3") -c 8 -j 2 -T "$2" -h 127.0.0.1 -p "$1" > "$work/pgbench.out" 2>&1 &
  bench_pid=$!
}
wait_pgbench() {
  wait "$bench_pid" || die "pgbench failed: $(cat "$work/pgbench.out")"
  bench_pid=""
  txns="$(awk -F': ' '/^number of transactions actually processed/ { print $2 }' "$work/pgbench.out")"
}

# report DATA OPTION...: perf's table without its comments and padding, PROFILE_TOP lines.
report() {
  local data="$1"
  shift
  perf report -i "$data" --stdio -g none "$@" 2> /dev/null | grep -v '^#' | grep . |
    sed -E 's/[[:space:]]+(-[[:space:]]+)*$//' | awk -v n="$top" 'NR <= n'
}

echo "pgwarden: $pgwarden_src, built $pgwarden_built from $pgwarden_commit; $("$pgbouncer_bin" --version | head -n 1);" \
  "$(nproc) CPUs; load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo

# What each proxy asks of the kernel per transaction: every system call, those that failed with
# EAGAIN (a read or write tried before the socket was ready), context switches, and the calls a
# proxy makes most by name.
calls=(recvfrom sendto epoll_wait epoll_ctl read write futex recvmsg sendmsg)
events="task-clock,context-switches,raw_syscalls:sys_enter$(printf ',syscalls:sys_enter_%s' "${calls[@]}")"
for workload in "$@"; do
  echo "=== $workload, 8 clients, $seconds s a run, pgwarden --threads $pgwarden_threads"
  echo
  header="| proxy | TPS | CPU µs/tx | context switches/tx | system calls/tx | EAGAIN/tx | $(printf '%s/tx | ' "${calls[@]}")"
  echo "${header% }"
  echo "|---|---|---|---|---|---|$(printf -- '---|%.0s' "${calls[@]}")"
  for target in pgbouncer pgwarden; do
    if [ "$target" = pgbouncer ]; then port="$bouncer_port" pid="$pgbouncer_pid"; else port="$pgwarden_port" pid="$pgwarden_pid"; fi
    pgbench_run "$port" 2 "$workload" # warm-up: connections, caches
    wait_pgbench
    # The counters cover the whole pgbench run (and an idle proxy around it, which does nothing).
    perf stat -x, -e "$events" -e raw_syscalls:sys_exit --filter 'ret == -11' -p "$pid" -o "$work/stat.csv" \
      -- sleep "$((seconds + 1))" 2> /dev/null &
    stat_pid=$!
    sleep 0.3
    pgbench_run "$port" "$seconds" "$workload"
    wait_pgbench
    wait "$stat_pid"
    tps="$(awk '/^tps = / { printf "%.0f", $3 }' "$work/pgbench.out")"
    # perf stat -x, lines: value,unit,event,...; task-clock is in milliseconds.
    awk -F, -v n="$txns" -v t="$target" -v tps="$tps" -v names="${calls[*]}" '
      $3 ~ /^task-clock/ { cpu = $1 * 1000 }
      $3 ~ /^context-switches/ { cs = $1 }
      $3 ~ /^raw_syscalls:sys_enter/ { sc = $1 }
      $3 ~ /^raw_syscalls:sys_exit/ { again = $1 }
      $3 ~ /^syscalls:sys_enter_/ { sub(/^syscalls:sys_enter_/, "", $3); by[$3] = $1 }
      END {
        printf "| %s | %s | %.1f | %.2f | %.2f | %.2f |", t, tps, cpu / n, cs / n, sc / n, again / n
        k = split(names, name, " ")
        for (i = 1; i <= k; i++) printf " %.2f |", by[name[i]] / n
        printf "\n" }' "$work/stat.csv"
  done
  echo

  [ "${PROFILE_SAMPLE:-1}" = 1 ] || continue
  # PgBouncer's split between the kernel and user space, for comparison (no call graphs: Debian
  # strips it).
  pgbench_run "$bouncer_port" "$seconds" "$workload"
  perf record -q -e cpu-clock -F 499 -p "$pgbouncer_pid" -o "$work/pgbouncer.perf.data" \
    -- sleep "$((seconds - 1))" 2> /dev/null
  wait_pgbench
  echo "PgBouncer sampled: $(grep -E '^tps' "$work/pgbench.out")"
  echo "--- PgBouncer: where the samples landed, by binary"
  report "$work/pgbouncer.perf.data" --no-children --sort dso --percent-limit 1
  echo "--- PgBouncer: self time, top 15"
  report "$work/pgbouncer.perf.data" --no-children --sort dso,symbol --percent-limit 0.4 | awk 'NR <= 15'
  echo

  data="$work/$workload.perf.data"
  pgbench_run "$pgwarden_port" "$seconds" "$workload"
  perf record -q -e cpu-clock -F 499 --call-graph dwarf,8192 -p "$pgwarden_pid" -o "$data" \
    -- sleep "$((seconds - 1))" 2> /dev/null
  wait_pgbench
  echo "pgwarden sampled: $(grep -E '^tps' "$work/pgbench.out")"
  echo "--- where the samples landed, by binary ([kernel.kallsyms] is the kernel)"
  report "$data" --no-children --sort dso --percent-limit 1
  echo "--- self time: the functions where the samples landed"
  report "$data" --no-children --sort dso,symbol --percent-limit 0.4
  echo "--- children time: functions with everything they call"
  report "$data" --children --sort symbol --percent-limit 3
  echo "--- children time of pgwarden's own functions (the judging, the session, the connection)"
  perf report -i "$data" --stdio -g none --children --sort symbol --percent-limit 0.3 2> /dev/null |
    grep -E '\] pgwarden::' | sed -E 's/[[:space:]]+(-[[:space:]]+)*$//' | awk -v n="$top" 'NR <= n'
  echo
  if [ -n "$keep" ]; then
    mkdir -p "$keep"
    cp "$data" "$pgwarden_bin" "$keep/"
    perf report -i "$data" --no-children --stdio > "$keep/$workload.report.txt" 2> /dev/null || true
  fi
done
