-- OMNI ledger schema, version 3 (H2): transfers as people read them.
CREATE VIEW transfers_text AS
SELECT position,
       LOWER(RAWTOHEX(id))         AS id,
       sender, receiver, amount, seq, timestamp,
       OCTET_LENGTH(parents) / 32  AS parent_count,
       UTF8TOSTRING(memo)          AS memo
FROM transfers;
