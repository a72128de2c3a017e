#!/usr/bin/env bash
# Installs pgwarden's build and test dependencies from Debian 12 packages.
# Idempotent: packages already present are skipped, and apt is not touched at all
# when nothing is missing. Needs root (or sudo) only when something must be installed.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git
  clang clang-format clang-tidy libclang-rt-14-dev   # libFuzzer + sanitizers for the fuzz target
  libpg-query-dev                                    # the PostgreSQL 15 parser
  postgresql-server-dev-15                           # its parse-node headers (src/sql/pg/nodes.hpp)
  libtomlplusplus-dev nlohmann-json3-dev libcli11-dev libfmt-dev libexpected-dev
  libgtest-dev libgmock-dev libbenchmark-dev
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
