-- Raises pgwarden's refusal: SQLSTATE 42501 and the message, detail and hint of the policy
-- engine's finding, as the proxy would send them ("pgwarden: <action>: <message>").
-- `operations` lists the refusing actions, comma-separated; the first is the one shown.
CREATE OR REPLACE FUNCTION {{schema}}.refuse(operations text, message text, detail text, hint text)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $body$
DECLARE
  shown text := 'pgwarden: ' || split_part(operations, ',', 1) || ': ' || message;
BEGIN
  IF coalesce(hint, '') = '' THEN
    RAISE EXCEPTION USING ERRCODE = '42501', MESSAGE = shown, DETAIL = coalesce(detail, '');
  END IF;
  RAISE EXCEPTION USING ERRCODE = '42501', MESSAGE = shown, DETAIL = coalesce(detail, ''), HINT = hint;
END
$body$;
