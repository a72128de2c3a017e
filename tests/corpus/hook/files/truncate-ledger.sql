BEGIN;
TRUNCATE ledger_entries;
COMMIT;
