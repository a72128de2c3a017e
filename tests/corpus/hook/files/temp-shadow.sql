-- A temp table that fails to be created (LIKE a table that does not exist), then the name it
-- would have shadowed: psql goes on after the failure unless told to stop.
CREATE TEMP TABLE ledger_entries (LIKE no_such_table);
TRUNCATE ledger_entries;
