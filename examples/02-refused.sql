-- What a tired person or an agent might run. Each is refused with the alternative.
DELETE FROM users WHERE last_login < now() - interval '2 years';
UPDATE ledger_entries SET amount = 0 WHERE id = 1881;
DROP TABLE users;
TRUNCATE ledger_entries;
ALTER TABLE users DROP COLUMN phone;
