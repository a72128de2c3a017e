-- The ddl_command_end event trigger. Rather than parse commands, it checks invariants after
-- each one: every guarded table is still there under the schema and name, owner, persistence,
-- parents and children it was registered with, has no new foreign key whose action changes its
-- rows, keeps its guarded columns as they were, and every guard is present and ENABLE ALWAYS
-- (violations()). Whatever command got there (ALTER TABLE, ALTER SCHEMA ... RENAME, ATTACH
-- PARTITION on the parent, REASSIGN OWNED, an extension script) is refused unless a grant covers
-- the change; the changes let through become the new state (rebaseline()). Commands on
-- pgwarden's own objects, and privileges on its tables given to anyone but the service role,
-- are refused. pgwarden db protect passes with a grant for 'protect'.
CREATE OR REPLACE FUNCTION {{schema}}.on_ddl_command_end() RETURNS event_trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $body$
DECLARE
  v record;
BEGIN
  -- Renamed, pgwarden's schema would leave every name below pointing nowhere.
  IF NOT EXISTS (SELECT FROM pg_namespace n WHERE n.nspname = {{schema_literal}}) THEN
    RAISE EXCEPTION USING ERRCODE = '42501',
      MESSAGE = format('pgwarden: disable_safeguard: %s would leave pgwarden''s schema %I renamed or gone', TG_TAG,
                       {{schema_literal}}),
      DETAIL = 'Refused by pgwarden db protect: its schema holds the guards'' functions, the registry, the grants and the log. Only pgwarden db protect changes them.',
      HINT = 'Change the policy and run pgwarden db protect.';
  END IF;
  -- db protect's own grant is looked up here, and commands on pgwarden's own objects are refused
  -- with a RAISE of this function's own, before any other function of pgwarden's is called: a
  -- command that replaced granted() or refuse() must not be the one to vouch for itself.
  IF EXISTS (SELECT FROM {{schema}}.grants g
             WHERE g.txid = txid_current() AND g.relid IS NULL AND g.operation = 'protect'
               AND g.expires_at > clock_timestamp()) THEN
    RETURN;
  END IF;
  -- Commands on temporary objects alone cannot touch a guarded table, and applications create
  -- temporary tables often.
  IF EXISTS (SELECT FROM pg_event_trigger_ddl_commands())
     AND NOT EXISTS (SELECT FROM pg_event_trigger_ddl_commands() c
                     WHERE c.schema_name IS NULL OR c.schema_name NOT LIKE 'pg\_temp\_%') THEN
    RETURN;
  END IF;

  SELECT c.command_tag, c.object_identity INTO v
  FROM pg_event_trigger_ddl_commands() c
  WHERE c.schema_name = {{schema_literal}}
     OR (c.classid = 'pg_namespace'::regclass
         AND c.objid = (SELECT n.oid FROM pg_namespace n WHERE n.nspname = {{schema_literal}}))
     OR (c.classid = 'pg_trigger'::regclass AND c.objid IN (SELECT g.trigger_oid FROM {{schema}}.guards g))
  LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION USING ERRCODE = '42501',
      MESSAGE = format('pgwarden: disable_safeguard: %s would change %s, one of pgwarden''s own objects', TG_TAG,
                       v.object_identity),
      DETAIL = 'Refused by pgwarden db protect: the guards, their functions, the registry, the grants and the log are its own. Only pgwarden db protect changes them.',
      HINT = 'Change the policy and run pgwarden db protect.';
  END IF;
  SELECT c.relname, a.privilege_type,
         CASE a.grantee WHEN 0 THEN 'PUBLIC' ELSE a.grantee::regrole::text END AS grantee INTO v
  FROM pg_class c CROSS JOIN LATERAL aclexplode(c.relacl) a
  WHERE c.relnamespace = (SELECT n.oid FROM pg_namespace n WHERE n.nspname = {{schema_literal}}) AND c.relkind = 'r'
    AND a.grantee <> c.relowner AND a.privilege_type <> 'SELECT'
    AND NOT (c.relname = 'grants' AND a.privilege_type IN ('INSERT', 'DELETE')
             AND a.grantee = (SELECT r.oid FROM pg_roles r WHERE r.rolname = {{service_role_literal}}))
  LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION USING ERRCODE = '42501',
      MESSAGE = format('pgwarden: disable_safeguard: %s would give %s %s on %I.%I', TG_TAG, v.grantee,
                       v.privilege_type, {{schema_literal}}, v.relname),
      DETAIL = 'Refused by pgwarden db protect: only its service role writes grants, and nobody but pgwarden db protect writes the registry and the log.',
      HINT = 'Grant membership in the service role to the approvals door instead.';
  END IF;

  FOR v IN SELECT * FROM {{schema}}.violations() LOOP
    CONTINUE WHEN v.decision = 'approve' AND {{schema}}.granted(v.relid, v.operations);
    PERFORM {{schema}}.refuse(array_to_string(v.operations, ','), TG_TAG || ' would ' || v.change,
                              v.detail, v.hint);
  END LOOP;
  PERFORM {{schema}}.rebaseline(NULL);
END
$body$;
