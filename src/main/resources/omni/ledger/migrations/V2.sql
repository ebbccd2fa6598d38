-- OMNI ledger schema, version 2: operator views, exact at any moment (shared by PostgreSQL and H2).

-- Every account: the projected balances plus the transfers the projector has not reached yet.
-- seq is the last seq the account used as sender (0 if none); genesis (position 0) counts for nobody.
CREATE VIEW balances AS
SELECT account,
       CAST(SUM(balance) AS BIGINT)        AS balance,
       MAX(seq)                            AS seq,
       CAST(SUM(transfer_count) AS BIGINT) AS transfer_count
FROM (
    SELECT account, balance, seq, transfer_count FROM account_balances
    UNION ALL
    SELECT t.sender, -t.amount, t.seq, 1 FROM transfers t
    WHERE t.position > (SELECT value FROM meta WHERE name = 'projector.position')
    UNION ALL
    SELECT t.receiver, t.amount, 0, 1 FROM transfers t
    WHERE t.position > (SELECT value FROM meta WHERE name = 'projector.position')
) parts
GROUP BY account;

-- One row per parent reference: transfer position, parent_index 1..8, the parent's 32-byte id.
CREATE VIEW transfer_parents AS
SELECT t.position, t.id, g.i + 1 AS parent_index, SUBSTRING(t.parents FROM g.i * 32 + 1 FOR 32) AS parent_id
FROM transfers t JOIN GENERATE_SERIES(0, 7) AS g(i) ON g.i < OCTET_LENGTH(t.parents) / 32;
