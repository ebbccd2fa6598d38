#!/usr/bin/env bash
# The README's headline measurement: a node on PostgreSQL (fsync and synchronous_commit as the server has them),
# omni bench against it over HTTP as a second process, checkpoint lag sampled every second, then a restart to time
# recovery and an audit of everything stored. Creates a scratch database and drops it at the end.
# Usage: bench/postgres-run.sh [transfers, default 18000000]   (set OMNI_REDIS_URL to measure with the Redis bus)
# Environment: PGHOST (127.0.0.1), PGPORT (5432), PGUSER (postgres); PORT (18100); OPEN_LOOP_PERCENT (unset: none;
# e.g. 50: after the closed-loop run, an open-loop run at that share of its rate, 64 connections, 20 s of load).
set -euo pipefail

TRANSFERS="${1:-18000000}"
ROOT="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
export PGHOST="${PGHOST:-127.0.0.1}" PGPORT="${PGPORT:-5432}" PGUSER="${PGUSER:-postgres}"
PORT="${PORT:-18100}"
DB="omni_run_$$"
WORK="$(mktemp -d)"
NODE=""

cleanup() {
    [[ -n "$NODE" ]] && kill -TERM "$NODE" 2>/dev/null && wait "$NODE" 2>/dev/null
    psql -q -d postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true
    rm -rf "$WORK"
}
trap cleanup EXIT

[[ -f "$ROOT/dist/omni.jar" ]] || { echo "run ./install.sh first" >&2; exit 1; }
psql -q -d postgres -c "CREATE DATABASE $DB" >/dev/null
export OMNI_DB_URL="jdbc:postgresql://$PGHOST:$PGPORT/$DB" OMNI_DB_USER="$PGUSER" OMNI_HTTP_PORT="$PORT" \
       OMNI_HTTP_HOST=127.0.0.1 OMNI_DATA_DIR="$WORK/data"
echo "postgresql $(psql -d "$DB" -Atc 'SHOW server_version'): fsync=$(psql -d "$DB" -Atc 'SHOW fsync')," \
     "synchronous_commit=$(psql -d "$DB" -Atc 'SHOW synchronous_commit'); $(nproc) cores;" \
     "load average $(cut -d' ' -f1-3 /proc/loadavg); bus: ${OMNI_REDIS_URL:-in-process}"

start_node() {
    local start_ns=$(date +%s%N)
    "$ROOT/dist/omni" serve > "$WORK/serve.out" 2>> "$WORK/serve.err" &
    NODE=$!
    until curl -sf "localhost:$PORT/health/ready" > /dev/null; do
        kill -0 "$NODE" 2>/dev/null || { cat "$WORK/serve.err" >&2; exit 1; }
        sleep 0.05
    done
    echo "$1: ready after $(( ($(date +%s%N) - start_ns) / 1000000 )) ms"
}

stop_node() {
    kill -TERM "$NODE"
    wait "$NODE" || true
    NODE=""
}

start_node "first start"
( while curl -s "localhost:$PORT/metrics"; do sleep 1; done ) 2>/dev/null \
    | grep -o '^omni_checkpoint_lag_transactions[^ ]* [0-9.E]*' | awk '{print $2}' > "$WORK/lag" &
SAMPLER=$!
OMNI_ADMIN_TOKEN="$(cat "$WORK/data/admin.token")" "$ROOT/dist/omni" bench --url="http://127.0.0.1:$PORT" \
    --transfers="$TRANSFERS" --connections=16 --seed=7 2> /dev/null | tee "$WORK/bench.out"
if [[ -n "${OPEN_LOOP_PERCENT:-}" ]]; then
    PEAK="$(sed -n 's/.* = \([0-9,]*\) transfers\/s.*/\1/p' "$WORK/bench.out" | tr -d , | head -n 1)"
    RATE=$(( PEAK * OPEN_LOOP_PERCENT / 100 ))
    echo "open loop at ${OPEN_LOOP_PERCENT}% of $PEAK transfers/s = $RATE transfers/s, 64 connections, 20 s:"
    OMNI_ADMIN_TOKEN="$(cat "$WORK/data/admin.token")" "$ROOT/dist/omni" bench --url="http://127.0.0.1:$PORT" \
        --transfers=$(( RATE * 20 )) --connections=64 --accounts=10000 --rate="$RATE" --seed=8 2> /dev/null
fi
stop_node
kill "$SAMPLER" 2>/dev/null || true
echo "checkpoint lag: at most $(sort -g "$WORK/lag" | tail -n 1) transfers (sampled each second)"

start_node "restart (recovery)"
grep -o 'recovery: done.*' "$WORK/serve.err" | tail -n 1
stop_node

"$ROOT/dist/omni" audit 2> /dev/null | tail -n 2
