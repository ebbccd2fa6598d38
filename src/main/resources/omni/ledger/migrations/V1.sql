-- OMNI ledger schema, version 1: the hot table and the small tables beside it.
-- Shared by PostgreSQL and H2 (BYTEA is an H2 alias of VARBINARY).

-- The hot table: append writes only here, and it keeps only its primary key (every secondary index
-- costs append throughput; see the notes). parents: 0..8 ids of 32 bytes, concatenated in the order the
-- client gave them. memo: the exact UTF-8 bytes (BYTEA, not TEXT: a JSON memo may hold U+0000).
CREATE TABLE transfers (
    position  BIGINT PRIMARY KEY,
    id        BYTEA  NOT NULL,
    sender    BIGINT NOT NULL,
    receiver  BIGINT NOT NULL,
    amount    BIGINT NOT NULL,
    seq       BIGINT NOT NULL,
    timestamp BIGINT NOT NULL,
    parents   BYTEA  NOT NULL,
    memo      BYTEA  NOT NULL
);

-- Small durable key/value numbers: the projector watermark, the bus watermark, ...
CREATE TABLE meta (
    name  VARCHAR(200) PRIMARY KEY,
    value BIGINT       NOT NULL
);

-- Sealed checkpoints (docs/proofs.md), one row each, chained by prev.
CREATE TABLE checkpoints (
    seq            BIGINT PRIMARY KEY,
    prev           BYTEA  NOT NULL,
    first_position BIGINT NOT NULL,
    last_position  BIGINT NOT NULL,
    count          BIGINT NOT NULL,
    root           BYTEA  NOT NULL,
    timestamp      BIGINT NOT NULL,
    hash           BYTEA  NOT NULL,
    signature      BYTEA  NOT NULL
);
CREATE UNIQUE INDEX checkpoints_last_position ON checkpoints (last_position);

-- Derived by the projector from transfers at positions 1..meta('projector.position').
CREATE TABLE account_balances (
    account        BIGINT PRIMARY KEY,
    balance        BIGINT NOT NULL,
    seq            BIGINT NOT NULL,
    transfer_count BIGINT NOT NULL
);
CREATE TABLE account_history (
    account  BIGINT NOT NULL,
    position BIGINT NOT NULL,
    PRIMARY KEY (account, position)
);
INSERT INTO meta (name, value) VALUES ('projector.position', 0);
