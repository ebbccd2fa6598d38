#!/usr/bin/env bash
# Storage baselines for the README table, on the PostgreSQL OMNI would use:
#   (a) plain SQL transfers: pgbench, two UPDATEs and one INSERT per transaction, 8 clients, 2 threads;
#   (b) the raw COPY rate of the rows OMNI stores: 1M rows shaped like OMNI's transfers (bigint position
#       primary key, 32-byte id, five bigints, two 32-byte parents, a memo) in binary COPY format, copied
#       into a table identical to transfers.
# Creates a scratch database and drops it at the end (also on failure).
# Usage: bench/baseline.sh [seconds for pgbench, default 60]
# Environment: PGHOST (127.0.0.1), PGPORT (5432), PGUSER (postgres), PGPASSWORD; ROWS (1000000).
set -euo pipefail

DURATION_S="${1:-60}"
ROWS="${ROWS:-1000000}"
export PGHOST="${PGHOST:-127.0.0.1}" PGPORT="${PGPORT:-5432}" PGUSER="${PGUSER:-postgres}"
DB="omni_baseline_$$"
WORK="$(mktemp -d)"
ACCOUNTS=100000

cleanup() {
    psql -q -d postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true
    rm -rf "$WORK"
}
trap cleanup EXIT

psql -q -d postgres -c "CREATE DATABASE $DB" >/dev/null
echo "baseline on $(psql -d "$DB" -Atc 'SHOW server_version') at $PGHOST:$PGPORT;" \
     "fsync=$(psql -d "$DB" -Atc 'SHOW fsync'), synchronous_commit=$(psql -d "$DB" -Atc 'SHOW synchronous_commit');" \
     "$(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg)"

# (a) pgbench: accounts with balances, a ledger table, one transfer per transaction.
psql -q -d "$DB" <<SQL
CREATE TABLE accounts (id BIGINT PRIMARY KEY, balance BIGINT NOT NULL);
INSERT INTO accounts SELECT g, 1000000 FROM generate_series(1, $ACCOUNTS) g;
CREATE TABLE ledger (position BIGSERIAL PRIMARY KEY, sender BIGINT NOT NULL, receiver BIGINT NOT NULL,
                     amount BIGINT NOT NULL, timestamp BIGINT NOT NULL);
VACUUM ANALYZE accounts;
SQL
# Senders from the lower half, receivers from the upper half: both UPDATEs lock rows in ascending id
# order, so concurrent transfers never deadlock.
cat > "$WORK/transfer.sql" <<SQL
\set sender random(1, $((ACCOUNTS / 2)))
\set receiver random($((ACCOUNTS / 2 + 1)), $ACCOUNTS)
\set amount random(1, 100)
BEGIN;
UPDATE accounts SET balance = balance - :amount WHERE id = :sender;
UPDATE accounts SET balance = balance + :amount WHERE id = :receiver;
INSERT INTO ledger (sender, receiver, amount, timestamp) VALUES (:sender, :receiver, :amount, 1764130000000);
END;
SQL
pgbench -n -c 8 -j 2 -T "$DURATION_S" -f "$WORK/transfer.sql" "$DB" > "$WORK/pgbench.out" 2>&1 \
    || { cat "$WORK/pgbench.out"; exit 1; }
TPS="$(grep -E '^tps' "$WORK/pgbench.out" | head -1 | sed -E 's/tps = ([0-9.]+).*/\1/')"
printf '(a) pgbench transfer script, -c 8 -j 2 -T %s: %.0f transfers/s\n' "$DURATION_S" "$TPS"

# (b) raw COPY: generate the rows once (binary COPY format, like OMNI's append), then time loading them.
psql -q -d "$DB" <<SQL
CREATE TABLE transfers (position BIGINT PRIMARY KEY, id BYTEA NOT NULL, sender BIGINT NOT NULL,
    receiver BIGINT NOT NULL, amount BIGINT NOT NULL, seq BIGINT NOT NULL, timestamp BIGINT NOT NULL,
    parents BYTEA NOT NULL, memo BYTEA NOT NULL);
\copy (SELECT g, sha256(int8send(g)), g % 1000, (g * 7) % 1000 + 1000, 1 + g % 500, 1 + g / 1000, 1764130000000 + g, sha256(int8send(g - 1)) || sha256(int8send(g - 2)), convert_to('memo ' || g, 'UTF8') FROM generate_series(1::bigint, $ROWS) g) TO '$WORK/rows.bin' WITH (FORMAT binary)
SQL
START_NS="$(date +%s%N)"
psql -q -d "$DB" -c "\\copy transfers FROM '$WORK/rows.bin' WITH (FORMAT binary)"
END_NS="$(date +%s%N)"
ELAPSED_S="$(echo "scale=3; ($END_NS - $START_NS) / 1000000000" | bc)"
printf '(b) binary COPY of %d transfer rows (%s MB) into a table like transfers: %.2f s = %.0f rows/s\n' \
    "$ROWS" "$(( $(stat -c %s "$WORK/rows.bin") / 1000000 ))" "$ELAPSED_S" "$(echo "$ROWS / $ELAPSED_S" | bc -l)"
