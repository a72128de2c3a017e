ALTER TABLE accounts DROP COLUMN api_key;
DROP INDEX CONCURRENTLY IF EXISTS accounts_signed_up_idx;
DROP TABLE orders;
