-- OMNI ledger schema, version 5 (PostgreSQL): cluster ownership, fenced in the database (docs/cluster.md).
-- One row that every member's group commit locks: commits, claims and releases of partitions take turns on it.
CREATE TABLE cluster_head (id INT PRIMARY KEY CHECK (id = 1));
INSERT INTO cluster_head (id) VALUES (1);
-- A member's lease, renewed on the database's clock; another member may take its partitions once it lapsed.
CREATE TABLE cluster_members (
    id               VARCHAR(64)  PRIMARY KEY,
    api_url          VARCHAR(512) NOT NULL,
    joined_at        TIMESTAMPTZ  NOT NULL DEFAULT now(),
    renewed_at       TIMESTAMPTZ  NOT NULL DEFAULT now(),
    lease_expires_at TIMESTAMPTZ  NOT NULL
);
-- Who holds each of the 271 partitions; member NULL = released or never claimed. Every claim adds 1 to epoch.
CREATE TABLE partition_owners (
    partition INT         PRIMARY KEY CHECK (partition BETWEEN 0 AND 270),
    member    VARCHAR(64),
    epoch     BIGINT      NOT NULL
);
INSERT INTO partition_owners (partition, member, epoch) SELECT p, NULL, 0 FROM generate_series(0, 270) p;
-- One holder at a time of the cluster's singletons (the checkpoint sealer, the Redis publisher).
CREATE TABLE cluster_leases (
    name       VARCHAR(32) PRIMARY KEY,
    member     VARCHAR(64),
    epoch      BIGINT      NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);
INSERT INTO cluster_leases (name, member, epoch, expires_at) VALUES ('sealer', NULL, 0, now()), ('publisher', NULL, 0, now());
-- The key every member signs checkpoints with: the first member records its public key, and a member whose key
-- differs is refused, so proofs from any member verify under the one published key.
CREATE TABLE cluster_key (
    id         INT   PRIMARY KEY CHECK (id = 1),
    public_key BYTEA NOT NULL
);
