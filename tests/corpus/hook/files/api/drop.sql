TRUNCATE ledger_entries;
