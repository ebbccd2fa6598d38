-- OMNI ledger schema, version 3 (PostgreSQL): transfers as people read them.
-- A memo holding U+0000 (which TEXT cannot hold) is shown with escape encoding.
CREATE VIEW transfers_text AS
SELECT position,
       encode(id, 'hex')                       AS id,
       sender, receiver, amount, seq, timestamp,
       to_timestamp(timestamp / 1000.0)        AS time,
       octet_length(parents) / 32              AS parent_count,
       CASE WHEN position('\x00'::bytea IN memo) > 0 THEN encode(memo, 'escape')
            ELSE convert_from(memo, 'UTF8') END AS memo
FROM transfers;
