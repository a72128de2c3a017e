-- True when the current transaction carries a grant for every one of `operations` on the
-- relation `relid` (NULL: pgwarden's own objects, operation 'protect'): a row of grants with
-- this transaction's txid, not expired, and either bound to no statement or to the SHA-256 of
-- the statement the client sent (current_query()). Only the service role and the owner of the
-- grants table can write such a row.
CREATE OR REPLACE FUNCTION {{schema}}.granted(relid oid, operations text[]) RETURNS boolean
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $body$
SELECT cardinality(operations) > 0 AND NOT EXISTS (
  SELECT FROM unnest(operations) AS wanted(operation)
  WHERE NOT EXISTS (
    SELECT FROM {{schema}}.grants g
    WHERE g.txid = txid_current()
      AND g.relid IS NOT DISTINCT FROM granted.relid
      AND g.operation = wanted.operation
      AND g.expires_at > clock_timestamp()
      AND (g.statement_sha256 IS NULL
           OR g.statement_sha256 = encode(sha256(convert_to(current_query(), 'UTF8')), 'hex'))))
$body$;
