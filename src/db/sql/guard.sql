-- The guard of TRUNCATE (BEFORE, per statement), DELETE (BEFORE, per row) and UPDATE (AFTER,
-- per row, WHEN a guarded value changed). Row triggers fire for every path that reaches the
-- table's rows: foreign-key cascades, inheritance and partition parents, views, rules, other
-- triggers (C ones too), postgres_fdw. TG_ARGV: [0] the guarded table's OID, [1] the decision
-- (approve | deny), [2] the refusing actions, comma-separated, [3] message, [4] detail, [5] hint.
-- Only an approve refusal can be lifted, by a grant for each of its actions in this transaction.
CREATE OR REPLACE FUNCTION {{schema}}.guard() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $body$
BEGIN
  IF TG_ARGV[1] = 'approve'
     AND {{schema}}.granted(TG_ARGV[0]::oid, string_to_array(TG_ARGV[2], ',')) THEN
    IF TG_LEVEL = 'ROW' AND TG_WHEN = 'BEFORE' THEN
      RETURN OLD;
    END IF;
    RETURN NULL;
  END IF;
  PERFORM {{schema}}.refuse(TG_ARGV[2], TG_ARGV[3], TG_ARGV[4], TG_ARGV[5]);
  RETURN NULL;
END
$body$;
