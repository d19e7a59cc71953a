#!/usr/bin/env bash
# Runs every test of ApexMemory on a fresh machine: installs what the build needs, then `swift test`.
# Servers the tests need are installed and started here too (none yet: the embedded store needs no server).
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
# GRDB links the system SQLite.
[ -f /usr/include/sqlite3.h ] || need_apt+=(libsqlite3-dev)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "installing: ${need_apt[*]}"
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}"
  else
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}"
  fi
fi

swift build --build-tests
swift test --skip-build "$@"
