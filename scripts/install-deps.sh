#!/usr/bin/env bash
# Installs pgwarden's build and test dependencies from Debian 12 packages.
# Idempotent: packages already present are skipped, and apt is not touched at all
# when nothing is missing. Needs root (or sudo) only when something must be installed.
# Then the npm modules of the SARIF test validator (tests/sarif) and of the proxy client tests
# (tests/clients), once.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git
  clang clang-format clang-tidy libclang-rt-14-dev   # libFuzzer + sanitizers for the fuzz target
  libpg-query-dev                                    # the PostgreSQL 15 parser
  postgresql-server-dev-15                           # its parse-node headers (src/sql/pg/nodes.hpp)
  libtomlplusplus-dev nlohmann-json3-dev libcli11-dev libfmt-dev libexpected-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libasio-dev libssl-dev                             # the proxy: Asio, TLS
  libpq-dev postgresql-15                            # integration tests: a throwaway PostgreSQL 15 (scripts/pg-throwaway)
  pgbouncer                                          # make bench-proxy: the proxy pgwarden is measured against
  nodejs                                             # runs tests/sarif/validate.mjs (SARIF schema check)
  python3-psycopg2                                   # proxy client tests: psycopg2 (tests/clients)
  libpostgresql-jdbc-java default-jdk-headless       # proxy client tests: the JDBC driver and java
)
# npm installs those modules. Debian packages it apart from nodejs; NodeSource's nodejs ships it
# inside and conflicts with Debian's npm, so ask for the package only when the command is absent.
if ! command -v npm >/dev/null 2>&1; then packages+=(npm); fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  sudo_cmd=()
  if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The SARIF schema check's validator (ajv and the SARIF 2.1.0 schema), at the versions pinned by
# tests/sarif/package-lock.json. Without it the SARIF schema tests skip and say why, so a registry
# that cannot be reached does not stop the build.
sarif_dir="$(cd "$(dirname "$0")/.." && pwd)/tests/sarif"
if [ ! -d "$sarif_dir/node_modules" ]; then
  echo "install-deps: installing the SARIF validator (npm ci --prefix tests/sarif)"
  if ! npm ci --prefix "$sarif_dir" --ignore-scripts --no-audit --no-fund --loglevel=error; then
    rm -rf "$sarif_dir/node_modules"
    echo "install-deps: npm ci failed; the SARIF schema tests will be skipped" >&2
  fi
fi

# node-postgres for the proxy client tests, at the version pinned by tests/clients/package-lock.json.
# Without it the node-postgres client test skips and says why.
clients_dir="$(cd "$(dirname "$0")/.." && pwd)/tests/clients"
if [ ! -d "$clients_dir/node_modules" ]; then
  echo "install-deps: installing node-postgres for the proxy client tests (npm ci --prefix tests/clients)"
  if ! npm ci --prefix "$clients_dir" --ignore-scripts --no-audit --no-fund --loglevel=error; then
    rm -rf "$clients_dir/node_modules"
    echo "install-deps: npm ci failed; the node-postgres client test will be skipped" >&2
  fi
fi
