# shellcheck shell=bash disable=SC2154,SC2034 # the variables come from and go to the sourcing script
# Shared by run.sh and profile.sh (sourced): a throwaway PostgreSQL 15 with pgbench's tables,
# PgBouncer in session mode and `pgwarden proxy` in front of it, each in a session of its own, all
# stopped and removed on exit, Ctrl-C included. Set before sourcing:
#   root (the repository), bench_tag (log prefix and temp dir name), pgwarden_src (the binary),
#   pgbouncer_bin, policy.
# It defines log, die, alive, stop_pid, free_port, wait_ready, and
#   bench_setup               the work dir (mode 755 under /tmp) and the traps
#   copy_pgwarden             pgwarden_bin (a copy: a rebuild of build/ cannot change what runs),
#                             pgwarden_built, pgwarden_commit
#   start_cluster             pg_port; pgbench -i -s 10 (which ends with a VACUUM)
#   start_pgbouncer           bouncer_port, pgbouncer_pid
#   start_pgwarden [ARG]...   pgwarden_port, pgwarden_pid (ARGs are added to its command;
#                             --threads is pgwarden_threads, default 2)
#   start_baseline [ARG]...   the same for baseline_bin (a pgwarden built from another commit):
#                             baseline_port, baseline_pid
# and bench_pid, which cleanup stops too: set it to a background pgbench while waiting for it.

system_user=pgwarden-pg # the user scripts/pg-throwaway runs PostgreSQL as when we are root

# Whatever PG* variables the caller exported must not change how pgbench or psql connect.
while read -r name; do unset "$name"; done < <(compgen -e | grep '^PG' || true)
export PGSSLMODE=disable PGGSSENCMODE=disable PGUSER=postgres PGDATABASE=postgres

log() { echo "$bench_tag: $*" >&2; }
die() {
  log "$*"
  exit 1
}

for tool in pgbench psql python3; do
  command -v "$tool" > /dev/null || die "$tool is missing (Debian: postgresql-client-15, python3)"
done
if [ ! -x "$pgbouncer_bin" ]; then
  log "PgBouncer is not installed: $pgbouncer_bin is missing (Debian: apt-get install pgbouncer)"
  exit 3
fi

work=""
pgwarden_pid=""
baseline_pid=""
pgbouncer_pid=""
bench_pid=""

alive() { # PID is running (a zombie, not yet reaped, is not)
  [ -r "/proc/$1/stat" ] && [ "$(sed 's/^.*) //' "/proc/$1/stat" 2> /dev/null | cut -d' ' -f1)" != Z ]
}

stop_pid() { # PID: SIGTERM, wait up to 10 s, then SIGKILL
  local pid="$1" _
  [ -n "$pid" ] && alive "$pid" || return 0
  kill -TERM "$pid" 2> /dev/null || true
  for _ in $(seq 1 100); do
    alive "$pid" || return 0
    sleep 0.1
  done
  kill -KILL "$pid" 2> /dev/null || true
}

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  stop_pid "$bench_pid"
  stop_pid "$pgwarden_pid"
  stop_pid "$baseline_pid"
  if [ -z "$pgbouncer_pid" ] && [ -f "$work/pgbouncer/pgbouncer.pid" ]; then
    pgbouncer_pid="$(cat "$work/pgbouncer/pgbouncer.pid" 2> /dev/null || true)"
  fi
  stop_pid "$pgbouncer_pid"
  wait 2> /dev/null || true # reap runuser and pgwarden
  if [ -d "$work/pg" ]; then
    "$root/scripts/pg-throwaway" stop "$work/pg" > /dev/null 2>&1 || log "could not stop the cluster in $work/pg"
  fi
  [ -z "$work" ] || rm -rf "$work"
  exit "$status"
}

# The servers and pgbench run in sessions of their own (setsid), so that Ctrl-C reaches the
# script alone and cleanup stops them in order. pgbench in particular must not see it: pgbench 15
# catches SIGINT and carries on, and bash skips its own trap when a foreground child survives the
# signal. pgbench is therefore started in the background and waited for with `wait`, which a
# trapped signal interrupts.
bench_setup() {
  work="$(mktemp -d "/tmp/$bench_tag.XXXXXX")"
  chmod 755 "$work" # PostgreSQL and PgBouncer run as $system_user when we are root
  trap cleanup EXIT
  trap 'log interrupted; exit 130' INT
  trap 'log terminated; exit 143' TERM
}

free_port() { # a TCP port nobody listens on right now (the caller checks that its server got it)
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Waits until `SELECT 1` works through PORT, while PID (the server) lives; 30 s at most.
wait_ready() {
  local name="$1" port="$2" pid="$3" logfile="$4" _
  for _ in $(seq 1 300); do
    if ! alive "$pid"; then
      tail -n 20 "$logfile" >&2 || true
      die "$name exited during startup"
    fi
    if [ "$(psql -X -A -t -h 127.0.0.1 -p "$port" -c 'SELECT 1' 2> /dev/null)" = 1 ]; then
      return 0
    fi
    sleep 0.1
  done
  tail -n 20 "$logfile" >&2 || true
  die "$name does not answer on 127.0.0.1:$port"
}

copy_pgwarden() {
  local i
  # The binary may be missing for a moment while another engineer rebuilds build/.
  for i in $(seq 1 120); do
    [ -x "$pgwarden_src" ] && break
    [ "$i" = 1 ] && log "waiting for $pgwarden_src (being rebuilt?)"
    sleep 1
  done
  [ -x "$pgwarden_src" ] || die "$pgwarden_src is missing: cmake --build build --target pgwarden"
  cp "$pgwarden_src" "$work/pgwarden"
  pgwarden_bin="$work/pgwarden"
  # What is measured: the commit, and whether src/ had uncommitted changes (read-only git calls).
  pgwarden_built="$(date -u -r "$pgwarden_src" '+%Y-%m-%d %H:%M UTC')"
  if [ "$(realpath "$pgwarden_src")" != "$(realpath -m "$root/build/pgwarden")" ]; then
    # PGWARDEN names a binary this checkout did not build: its commit is not this one's HEAD.
    pgwarden_commit="an unknown commit (not this checkout's build)"
    return
  fi
  pgwarden_commit="$(git -C "$root" rev-parse --short HEAD 2> /dev/null || echo unknown)"
  if [ -n "$(git -C "$root" --no-optional-locks status --porcelain -- src 2> /dev/null)" ]; then
    pgwarden_commit+=" with uncommitted changes in src/"
  fi
}

start_cluster() {
  local rc=0
  log "starting PostgreSQL 15 (scripts/pg-throwaway)"
  pg_port="$("$root/scripts/pg-throwaway" start "$work/pg")" || rc=$?
  if [ "$rc" = 3 ]; then exit 3; fi
  [ "$rc" = 0 ] || die "scripts/pg-throwaway could not start PostgreSQL"
  log "PostgreSQL on 127.0.0.1:$pg_port; pgbench -i -s 10"
  pgbench -i -s 10 -q -h 127.0.0.1 -p "$pg_port" > "$work/init.log" 2>&1 || {
    cat "$work/init.log" >&2
    die "pgbench -i failed"
  }
}

# PgBouncer, session pooling. It refuses to run as root: as root it runs as $system_user.
start_pgbouncer() {
  local dir="$work/pgbouncer" launcher _
  mkdir -p "$dir"
  bouncer_port="$(free_port)"
  echo '"postgres" ""' > "$dir/userlist.txt"
  cat > "$dir/pgbouncer.ini" << INI
[databases]
postgres = host=127.0.0.1 port=$pg_port dbname=postgres

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $bouncer_port
unix_socket_dir =
auth_type = trust
auth_file = $dir/userlist.txt
pool_mode = session
max_client_conn = 100
default_pool_size = 20
logfile = $dir/pgbouncer.log
pidfile = $dir/pgbouncer.pid
INI
  if [ "$(id -u)" -eq 0 ]; then
    chown -R "$system_user:" "$dir"
    setsid runuser -u "$system_user" -- "$pgbouncer_bin" "$dir/pgbouncer.ini" > /dev/null 2>&1 &
  else
    setsid "$pgbouncer_bin" "$dir/pgbouncer.ini" > /dev/null 2>&1 &
  fi
  launcher=$!
  # runuser stays as pgbouncer's parent: the process to measure is the one in the pid file.
  for _ in $(seq 1 100); do
    [ -s "$dir/pgbouncer.pid" ] && break
    alive "$launcher" || break
    sleep 0.1
  done
  pgbouncer_pid="$(cat "$dir/pgbouncer.pid" 2> /dev/null || true)"
  if [ -z "$pgbouncer_pid" ]; then
    tail -n 20 "$dir/pgbouncer.log" >&2 2> /dev/null || true
    die "PgBouncer did not start"
  fi
  wait_ready PgBouncer "$bouncer_port" "$pgbouncer_pid" "$dir/pgbouncer.log"
  log "$("$pgbouncer_bin" --version | head -n 1) on 127.0.0.1:$bouncer_port (pid $pgbouncer_pid, session pooling)"
}

# launch_proxy NAME BINARY [ARG]...: a pgwarden proxy in front of the cluster; sets port, pid.
launch_proxy() {
  local name="$1" bin="$2"
  shift 2
  port="$(free_port)"
  setsid "$bin" proxy --listen "127.0.0.1:$port" --upstream "127.0.0.1:$pg_port" \
    --policy "$policy" --upstream-tls disable --threads "${pgwarden_threads:-2}" "$@" 2> "$work/$name.log" &
  pid=$!
  wait_ready "$name" "$port" "$pid" "$work/$name.log"
  log "$name on 127.0.0.1:$port (pid $pid, --threads ${pgwarden_threads:-2})"
}

start_pgwarden() {
  local port pid
  launch_proxy pgwarden "$pgwarden_bin" "$@"
  pgwarden_port="$port" pgwarden_pid="$pid"
}

start_baseline() {
  local port pid
  launch_proxy baseline "$baseline_bin" "$@"
  baseline_port="$port" baseline_pid="$pid"
}

# The proxy's CPU so far: utime + stime of PID (fields 14 and 15 of /proc/PID/stat, which sum
# all threads), in clock ticks (getconf CLK_TCK); 0 without a PID.
cpu_ticks() {
  [ -n "$1" ] || { echo 0; return; }
  sed 's/^.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'
}
