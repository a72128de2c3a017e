-- pgwarden:no-transaction
-- Runs outside a transaction, so it must be safe to run again after a partial failure.
DROP INDEX CONCURRENTLY accounts_email_idx;
