-- Everyday work: reads, inserts, targeted updates, and housekeeping the policy allows.
SELECT id, email FROM users WHERE deleted_at IS NULL;
INSERT INTO ledger_entries (account_id, amount, memo) VALUES (42, -19.99, 'refund #1881');
UPDATE users SET email = 'new@example.com', updated_at = now() WHERE id = 7;
DELETE FROM sessions WHERE expires_at < now();
-- Keywords in comments and strings are not statements: DROP TABLE users;
SELECT 'DROP TABLE users; TRUNCATE ledger_entries' AS harmless_text;
