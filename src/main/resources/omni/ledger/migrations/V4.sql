-- OMNI ledger schema, version 4: which transfers touch which account, exact at any moment
-- (the projected account_history plus the transfers the projector has not reached yet).
CREATE VIEW account_transfers AS
SELECT account, position FROM account_history
UNION ALL
SELECT t.sender, t.position FROM transfers t
WHERE t.position > (SELECT value FROM meta WHERE name = 'projector.position')
UNION ALL
SELECT t.receiver, t.position FROM transfers t
WHERE t.position > (SELECT value FROM meta WHERE name = 'projector.position');
