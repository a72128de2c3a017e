#!/usr/bin/env bash
# `make run`: a guarded database in one command. Starts a throwaway PostgreSQL 15 with a small
# demo schema (scripts/pg-throwaway), puts `pgwarden proxy` in front of it with
# examples/pgwarden.toml, shows three refusals and one allowed soft delete through psql, and
# prints the psql command to connect. On a terminal it then keeps running until Ctrl-C; without
# one (CI) it stops after the demo. Everything is removed on exit.
set -euo pipefail
bin="${1:-build/pgwarden}"
cd "$(dirname "$0")/.."
policy=examples/pgwarden.toml
bold=$'\e[1m'; dim=$'\e[2m'; off=$'\e[0m'
[ -t 1 ] || { bold=; dim=; off=; }
psql_bin=/usr/lib/postgresql/15/bin/psql
[ -x "$psql_bin" ] || psql_bin=psql

work="$(mktemp -d /tmp/pgwarden-demo-XXXXXX)"
chmod 755 "$work"
proxy_pid=""
cleanup() {
  [ -n "$proxy_pid" ] && kill -TERM "$proxy_pid" 2>/dev/null && wait "$proxy_pid" 2>/dev/null
  scripts/pg-throwaway stop "$work/pg" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

echo "${bold}pgwarden proxy${off}: a throwaway PostgreSQL 15, guarded by ${policy}."
pg_port="$(scripts/pg-throwaway start "$work/pg")"
"$psql_bin" -X -q -h 127.0.0.1 -p "$pg_port" -U postgres -d postgres -c "CREATE DATABASE demo" >/dev/null
"$psql_bin" -X -q -h 127.0.0.1 -p "$pg_port" -U postgres -d demo >/dev/null <<'SQL'
CREATE TABLE ledger_entries (id bigserial PRIMARY KEY, account_id int NOT NULL, amount numeric(12,2) NOT NULL,
                             created_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE users (id serial PRIMARY KEY, email text NOT NULL, status text NOT NULL DEFAULT 'active',
                    deleted_at timestamptz, updated_at timestamptz);
CREATE TABLE sessions (id serial PRIMARY KEY, user_id int NOT NULL);
INSERT INTO ledger_entries (account_id, amount) VALUES (1, 100.00), (2, 250.00), (1, -40.00);
INSERT INTO users (email) VALUES ('ada@example.com'), ('grace@example.com');
INSERT INTO sessions (user_id) VALUES (1), (2);
SQL

port=6432
if ! python3 -c "import socket,sys; s=socket.socket(); s.bind(('127.0.0.1', $port))" 2>/dev/null; then
  port="$(free_port)"
fi
"$bin" proxy --listen "127.0.0.1:$port" --upstream "127.0.0.1:$pg_port" --policy "$policy" \
  --upstream-tls disable --lookup "host=127.0.0.1 port=$pg_port user=postgres" \
  --record "$work/record.jsonl" --log-level warn &
proxy_pid=$!
for _ in $(seq 50); do
  "$psql_bin" -X -q -h 127.0.0.1 -p "$port" -U postgres -d demo -c "SELECT 1" >/dev/null 2>&1 && break
  sleep 0.1
done
connect="psql \"host=127.0.0.1 port=$port dbname=demo user=postgres\""
echo "${dim}PostgreSQL on port $pg_port; pgwarden proxy on port $port in front of it.${off}"
echo

run() {
  local title="$1" sql="$2"
  echo "${bold}== ${title}${off}"
  echo "${dim}demo=> ${sql}${off}"
  "$psql_bin" -X -h 127.0.0.1 -p "$port" -U postgres -d demo -c "$sql" 2>&1 || true
  echo
}
run "1. A hard DELETE of a user is refused, with the soft delete to use instead" \
  "DELETE FROM users WHERE email = 'grace@example.com';"
run "2. The ledger is append-only: no TRUNCATE" "TRUNCATE ledger_entries;"
run "3. ... and no rewriting history" "UPDATE ledger_entries SET amount = 0 WHERE id = 3;"
run "4. The soft delete the hint proposed is allowed" \
  "UPDATE users SET deleted_at = now() WHERE email = 'grace@example.com';"
run "Nothing was lost" "SELECT (SELECT count(*) FROM users) AS users, (SELECT count(*) FROM ledger_entries) AS ledger_entries;"
echo "${bold}== The record${off} ${dim}(one JSON line per refusal in $work/record.jsonl; fields shown: decision, action, object, statement)${off}"
python3 -c '
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    print("%-8s %-17s %-15s %s" % (r["decision"], r["action"], r["object"], r["statement"]))
' "$work/record.jsonl"
echo

echo "Connect through the guard yourself: ${bold}${connect}${off}"
if [ -t 0 ] && [ -t 1 ] && [ -z "${CI:-}" ]; then
  echo "${dim}The proxy runs until you press Ctrl-C; then everything is removed.${off}"
  wait "$proxy_pid"
else
  echo "${dim}(no terminal: stopping after the demo)${off}"
fi
