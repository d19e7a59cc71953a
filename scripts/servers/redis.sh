#!/usr/bin/env bash
# A throwaway Redis 7 (Debian's redis-server) on a free loopback port, for the cache.
#
#   scripts/servers/redis.sh start DIR   # prints: export APEX_TEST_CACHE_URL=redis://127.0.0.1:PORT
#   scripts/servers/redis.sh port DIR    # prints the port
#   scripts/servers/redis.sh stop DIR
#
# Installs the Debian package redis-server when redis-server is missing (as root, or with sudo). The server listens on
# 127.0.0.1 only, keeps nothing on disk (no RDB snapshots, no append-only file), and runs daemonized with its pid file
# and log in DIR. Any step that fails exits non-zero, with the server's log: a server that cannot start fails the run.
set -euo pipefail
command=${1:?usage: redis.sh start|port|stop DIR}
dir=${2:?usage: redis.sh start|port|stop DIR}

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

running() {
  [ -f "$dir/redis.pid" ] && kill -0 "$(cat "$dir/redis.pid")" 2>/dev/null
}

case "$command" in
start)
  if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null; then
    echo "redis: installing Debian's redis-server" >&2
    as_root apt-get update -qq >&2
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server >&2
  fi
  # The package may start a system-wide server on 6379; this one is ours, on a port of its own.
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  for attempt in 1 2 3 4 5; do
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
    rm -f "$dir/redis.pid"
    : > "$dir/redis.log"
    redis-server --bind 127.0.0.1 --port "$port" --dir "$dir" --save '' --appendonly no \
      --daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" >&2 \
      || { cat "$dir/redis.log" >&2; echo "redis: redis-server did not start" >&2; exit 1; }
    up=""
    for _ in $(seq 1 100); do
      if [ "$(redis-cli -h 127.0.0.1 -p "$port" PING 2>/dev/null)" = "PONG" ]; then up=yes; break; fi
      if [ -f "$dir/redis.pid" ] && ! running; then break; fi
      grep -q "Address already in use" "$dir/redis.log" && break
      sleep 0.2
    done
    [ -n "$up" ] && break
    if grep -q "Address already in use" "$dir/redis.log" && [ "$attempt" -lt 5 ]; then
      echo "redis: port $port was taken, trying another" >&2
      continue
    fi
    cat "$dir/redis.log" >&2
    running && kill -TERM "$(cat "$dir/redis.pid")" 2>/dev/null || true
    echo "redis: the server did not answer PING on 127.0.0.1:$port within 20 s" >&2
    exit 1
  done
  echo "$port" > "$dir/port"
  echo "export APEX_TEST_CACHE_URL=redis://127.0.0.1:$port"
  ;;
port)
  cat "$dir/port"
  ;;
stop)
  running || exit 0
  pid=$(cat "$dir/redis.pid")
  if [ -f "$dir/port" ]; then redis-cli -h 127.0.0.1 -p "$(cat "$dir/port")" SHUTDOWN NOSAVE >/dev/null 2>&1 || true; fi
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || exit 0; sleep 0.2; done
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || exit 0; sleep 0.2; done
  kill -KILL "$pid" 2>/dev/null || true
  ;;
*)
  echo "usage: redis.sh start|port|stop DIR" >&2
  exit 2
  ;;
esac
