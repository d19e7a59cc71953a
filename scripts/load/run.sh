#!/usr/bin/env bash
# The documented load run (docs/http.md): a release apex serve with the example, then wrk from Debian.
#   64 connections for 30 s of state queries, then 1,000 concurrent connections for 30 s.
#   scripts/load/run.sh                                  # the embedded store in a temporary directory
#   scripts/load/run.sh --database-url postgres://...    # PostgreSQL (an empty database, or one holding the example)
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v wrk >/dev/null || { apt-get install -y -qq wrk >/dev/null; }
swift build -c release --product apex
apex="$(swift build -c release --show-bin-path)/apex"
data=$(mktemp -d)
log=$(mktemp)
"$apex" serve --port 0 --data "$data" --example --log-level warning "$@" > "$log" 2>&1 &
server=$!
trap 'kill -TERM $server 2>/dev/null || true; wait $server 2>/dev/null || true; rm -rf "$data" "$log"' EXIT
port=""
for _ in $(seq 1 100); do
  port=$(sed -n 's#^apex listening on http://127.0.0.1:\([0-9]*\)$#\1#p' "$log" | head -n 1)
  [ -n "$port" ] && break
  sleep 0.2
done
[ -n "$port" ] || { cat "$log"; exit 1; }
ulimit -n 65536 2>/dev/null || true
url="http://127.0.0.1:$port"
echo "== 64 connections, 30 s"
wrk -t 2 -c 64 -d 30s --latency -s scripts/load/state.lua "$url"
echo "== 1000 connections, 30 s"
wrk -t 2 -c 1000 -d 30s --timeout 10s --latency -s scripts/load/state.lua "$url"
