-- Keeps the log insert-only: its UPDATE, DELETE and TRUNCATE triggers (ENABLE ALWAYS) refuse.
CREATE OR REPLACE FUNCTION {{schema}}.log_insert_only() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $body$
BEGIN
  PERFORM {{schema}}.refuse('disable_safeguard',
    format('%s would change the log of pgwarden db protect, which is insert-only', TG_OP),
    'Every install, upgrade and removal of pgwarden''s guards is recorded there for good.', '');
  RETURN NULL;
END
$body$;
