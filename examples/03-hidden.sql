-- Destruction hidden inside other statements is found where it hides.
WITH purged AS (DELETE FROM users RETURNING id) SELECT count(*) FROM purged;
EXPLAIN ANALYZE DELETE FROM ledger_entries WHERE id = 1;
CREATE FUNCTION cleanup() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE 'TRUNCATE ' || quote_ident(current_setting('app.table'));
END $$;
SELECT '\'; DROP TABLE users; --';
