SELECT id, email FROM users WHERE deleted_at IS NULL;
INSERT INTO ledger_entries (account_id, amount) VALUES (1, 100);
