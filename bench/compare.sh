#!/usr/bin/env bash
# OMNI against what PostgreSQL itself can do, in one run on one machine, as ratios (absolute figures move with the
# machine's load from day to day): (a) a plain-SQL ledger (pgbench, two UPDATEs and an INSERT per transfer) and
# (b) a binary COPY of 1M rows shaped like OMNI's transfers (bench/baseline.sh), then (c) OMNI on a scratch
# database under omni bench over HTTP, closed loop, followed by an open loop at 50% of that rate for latency
# (bench/postgres-run.sh). Needs dist/omni.jar (./install.sh) and PostgreSQL's client tools.
# Usage: bench/compare.sh [OMNI transfers, default 2000000] [pgbench seconds, default 30]
set -euo pipefail

HERE="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)"
TRANSFERS="${1:-2000000}"
PGBENCH_S="${2:-30}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

echo "compare: $(date -u +%FT%TZ), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
"$HERE/baseline.sh" "$PGBENCH_S" | tee "$WORK/baseline.out"
OPEN_LOOP_PERCENT=50 "$HERE/postgres-run.sh" "$TRANSFERS" | tee "$WORK/omni.out"

SQL_TPS="$(sed -n 's/^(a) .*: \([0-9]*\) transfers\/s$/\1/p' "$WORK/baseline.out")"
COPY_RPS="$(sed -n 's/^(b) .* = \([0-9]*\) rows\/s$/\1/p' "$WORK/baseline.out")"
OMNI_TPS="$(sed -n 's/.* = \([0-9,]*\) transfers\/s.*/\1/p' "$WORK/omni.out" | tr -d , | head -n 1)"
awk -v omni="$OMNI_TPS" -v copy="$COPY_RPS" -v sql="$SQL_TPS" 'BEGIN {
    printf "compare: OMNI %d transfers/s = %.0f%% of binary COPY (%d rows/s) and %.0fx the plain-SQL ledger (%d/s)\n",
        omni, 100 * omni / copy, copy, omni / sql, sql }'
grep 'from the schedule' "$WORK/omni.out" | sed 's/^bench:/compare: open loop,/'
echo "compare: load average at the end $(cut -d' ' -f1-3 /proc/loadavg)"
