#!/usr/bin/env bash
# The cluster's figures in one run on one machine (docs/cluster.md, "Measured"): throughput and batch latency of one
# member alone and of three members on the same PostgreSQL under the same load (omni bench --independent-items,
# connections spread over the members), the unavailability window after kill -9 of a member under load, and the
# time a new member takes to catch up with a ledger of CATCH_UP_TRANSFERS transfers. Members are separate JVMs on
# 127.0.0.1 (HTTP 18101-18103, Hazelcast 5801-5803); every database is a scratch one, dropped at the end.
# Usage: bench/cluster.sh [transfers per throughput run, default 1000000]
# Environment: PGHOST (127.0.0.1), PGPORT (5432), PGUSER (postgres); CATCH_UP_TRANSFERS (10000000; 0 skips it).
set -euo pipefail

TRANSFERS="${1:-1000000}"
CATCH_UP_TRANSFERS="${CATCH_UP_TRANSFERS:-10000000}"
ROOT="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
export PGHOST="${PGHOST:-127.0.0.1}" PGPORT="${PGPORT:-5432}" PGUSER="${PGUSER:-postgres}"
WORK="$(mktemp -d)"
DB=""
TOKEN="bench-token-$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')"
SECRET="bench-secret-$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')"
declare -A PIDS=()

stop_all() {
    for n in "${!PIDS[@]}"; do
        kill -TERM "${PIDS[$n]}" 2>/dev/null || true
    done
    for n in "${!PIDS[@]}"; do
        wait "${PIDS[$n]}" 2>/dev/null || true
        unset "PIDS[$n]"
    done
}

cleanup() {
    stop_all
    [[ -n "$DB" ]] && psql -q -d postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true
    rm -rf "$WORK"
}
trap cleanup EXIT

fresh_database() {
    [[ -n "$DB" ]] && psql -q -d postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null
    DB="omni_cluster_$$_$1"
    psql -q -d postgres -c "CREATE DATABASE $DB" >/dev/null
    rm -rf "$WORK"/m*
}

# start_member N [cluster member count]: member N of a cluster listing that many members; waits until it is ready.
start_member() {
    local n="$1" count="${2:-3}" members="" start_ns
    for ((i = 1; i <= count; i++)); do members+="${members:+,}127.0.0.1:$((5800 + i))"; done
    mkdir -p "$WORK/m$n"
    [[ -f "$WORK/node.key" ]] && cp "$WORK/node.key" "$WORK/m$n/node.key"
    start_ns=$(date +%s%N)
    OMNI_HTTP_HOST=127.0.0.1 OMNI_HTTP_PORT=$((18100 + n)) OMNI_DATA_DIR="$WORK/m$n" OMNI_ADMIN_TOKEN="$TOKEN" \
        OMNI_DB_URL="jdbc:postgresql://$PGHOST:$PGPORT/$DB" OMNI_DB_USER="$PGUSER" OMNI_CLUSTER_MEMBERS="$members" \
        OMNI_CLUSTER_PORT=$((5800 + n)) OMNI_CLUSTER_SECRET="$SECRET" \
        "$ROOT/dist/omni" serve > "$WORK/m$n.out" 2> "$WORK/m$n.err" &
    PIDS[$n]=$!
    until curl -sf "127.0.0.1:$((18100 + n))/health/ready" > /dev/null; do
        kill -0 "${PIDS[$n]}" 2>/dev/null || { tail -n 20 "$WORK/m$n.err" >&2; exit 1; }
        sleep 0.05
    done
    [[ -f "$WORK/node.key" ]] || cp "$WORK/m$n/node.key" "$WORK/node.key"
    READY_MS=$(( ($(date +%s%N) - start_ns) / 1000000 ))
}

# await_settled N [GONE]: waits until every partition is held by a member that member N sees up, and none by GONE.
await_settled() {
    local deadline=$(( $(date +%s) + 60 ))
    until [[ "$(curl -s -H "Authorization: Bearer $TOKEN" "127.0.0.1:$((18100 + $1))/api/v1/cluster" \
            | GONE="${2:-}" python3 -c 'import json,os,sys; d=json.load(sys.stdin); ids={m["id"] for m in d["members"] if m["state"]=="active"} - {os.environ["GONE"]}; print(all(p["owner"] in ids for p in d["partitions"]))')" == True ]]; do
        (( $(date +%s) < deadline )) || { echo "cluster did not settle" >&2; exit 1; }
        sleep 0.2
    done
}

bench() {
    local urls="$1" out="$2"; shift 2
    OMNI_ADMIN_TOKEN="$TOKEN" "$ROOT/dist/omni" bench --url="$urls" --independent-items --connections=24 \
        "$@" 2> "$out.err" | tee "$out"
}

tps() { sed -n 's/.* = \([0-9,]*\) transfers\/s.*/\1/p' "$1" | tr -d , | head -n 1; }

[[ -f "$ROOT/dist/omni.jar" ]] || { echo "run ./install.sh first" >&2; exit 1; }
ALL="http://127.0.0.1:18101,http://127.0.0.1:18102,http://127.0.0.1:18103"
echo "cluster: $(date -u +%FT%TZ), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)," \
     "postgresql $(psql -d postgres -Atc 'SHOW server_version'), fsync=$(psql -d postgres -Atc 'SHOW fsync')"

echo "(1) one member alone, $TRANSFERS transfers:"
fresh_database one
start_member 1 1
await_settled 1
bench "http://127.0.0.1:18101" "$WORK/one.out" --transfers="$TRANSFERS" --seed=11
stop_all

echo "(2) three members on the same database, the same load over all three:"
fresh_database three
rm -f "$WORK/node.key"
start_member 1; start_member 2; start_member 3
await_settled 1
bench "$ALL" "$WORK/three.out" --transfers="$TRANSFERS" --seed=11
awk -v one="$(tps "$WORK/one.out")" -v three="$(tps "$WORK/three.out")" 'BEGIN {
    printf "cluster: three members %d transfers/s = %.0f%% of one member (%d transfers/s), same load, same run\n",
        three, 100 * three / one, one }'

echo "(3) kill -9 of member 2 under load; window until its partitions have new owners:"
bench "$ALL" "$WORK/kill.out" --transfers="$TRANSFERS" --seed=13 > /dev/null &
LOAD=$!
sleep 5
KILLED_ID="$(curl -s -H "Authorization: Bearer $TOKEN" 127.0.0.1:18102/api/v1/node \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["cluster"]["memberId"])')"
kill -KILL "${PIDS[2]}"
KILLED_NS=$(date +%s%N)
unset "PIDS[2]"
await_settled 1 "$KILLED_ID"
echo "cluster: member 2 killed; all 271 partitions held by live members $(( ($(date +%s%N) - KILLED_NS) / 1000000 )) ms later"
wait "$LOAD" || true
grep -E 'accepted in|latency|check' "$WORK/kill.out" | sed 's/^bench:/cluster: under the kill,/'
stop_all

if (( CATCH_UP_TRANSFERS > 0 )); then
    echo "(4) a new member catching up with $CATCH_UP_TRANSFERS transfers (written by a node alone, the fastest way):"
    fresh_database catchup
    rm -f "$WORK/node.key"
    mkdir -p "$WORK/alone"
    OMNI_HTTP_HOST=127.0.0.1 OMNI_HTTP_PORT=18100 OMNI_DATA_DIR="$WORK/alone" OMNI_ADMIN_TOKEN="$TOKEN" \
        OMNI_DB_URL="jdbc:postgresql://$PGHOST:$PGPORT/$DB" OMNI_DB_USER="$PGUSER" \
        "$ROOT/dist/omni" serve > "$WORK/alone.out" 2> "$WORK/alone.err" &
    PIDS[0]=$!
    until curl -sf 127.0.0.1:18100/health/ready > /dev/null; do sleep 0.05; done
    OMNI_ADMIN_TOKEN="$TOKEN" "$ROOT/dist/omni" bench --url=http://127.0.0.1:18100 --connections=16 --batch-size=5000 \
        --transfers="$CATCH_UP_TRANSFERS" --seed=12 2> /dev/null | grep 'accepted in'
    stop_all
    cp "$WORK/alone/node.key" "$WORK/node.key"
    start_member 1 2
    echo "cluster: member 1 ready ${READY_MS} ms after its start; $(grep -o 'recovery: done.*' "$WORK/m1.err" | tail -n 1)"
    start_member 2 2
    await_settled 1
    echo "cluster: member 2 joined a running member: ready ${READY_MS} ms after its start;" \
        "$(grep -o 'recovery: done.*' "$WORK/m2.err" | tail -n 1)"
    stop_all
fi
echo "cluster: load average at the end $(cut -d' ' -f1-3 /proc/loadavg)"
