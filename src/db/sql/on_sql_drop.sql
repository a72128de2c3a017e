-- The sql_drop event trigger: refuses a DROP (also DROP SCHEMA ... CASCADE, DROP OWNED, a
-- partitioned parent taking its partitions along) that takes a guarded table whose policy
-- refuses drop_table, a guard without its table, a guarded column, or one of pgwarden's own
-- objects. A guarded table the policy lets go is dropped with its guards and leaves the
-- registry, with a line in the log. pgwarden db protect passes with a grant for 'protect'.
CREATE OR REPLACE FUNCTION {{schema}}.on_sql_drop() RETURNS event_trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $body$
DECLARE
  dropped_tables oid[];
  d record;
  refusal jsonb;
  actions text[];
BEGIN
  -- Without its grants table nothing below can be looked up; db protect never drops it.
  IF to_regclass(format('%I.grants', {{schema_literal}})) IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = '42501',
      MESSAGE = format('pgwarden: disable_safeguard: %s would drop table %I.grants, one of pgwarden''s own objects',
                       TG_TAG, {{schema_literal}}),
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
  SELECT coalesce(array_agg(o.objid), '{}') INTO dropped_tables
  FROM pg_event_trigger_dropped_objects() o
  WHERE o.classid = 'pg_class'::regclass AND o.objsubid = 0;

  SELECT o.object_type, o.object_identity INTO d
  FROM pg_event_trigger_dropped_objects() o
  WHERE o.schema_name = {{schema_literal}} OR (o.object_type = 'schema' AND o.object_name = {{schema_literal}})
  LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION USING ERRCODE = '42501',
      MESSAGE = format('pgwarden: disable_safeguard: %s would drop %s %s, one of pgwarden''s own objects', TG_TAG,
                       d.object_type, d.object_identity),
      DETAIL = 'Refused by pgwarden db protect: its schema holds the guards'' functions, the registry, the grants and the log. Only pgwarden db protect changes them.',
      HINT = 'Change the policy and run pgwarden db protect.';
  END IF;

  FOR d IN
    SELECT p.relid, p.refusals, p.expected_schema, p.expected_name
    FROM {{schema}}.protected p WHERE p.relid = ANY (dropped_tables)
  LOOP
    refusal := d.refusals -> 'drop_table';
    CONTINUE WHEN refusal IS NULL;
    actions := ARRAY(SELECT jsonb_array_elements_text(refusal -> 'actions'));
    CONTINUE WHEN refusal ->> 'decision' = 'approve' AND {{schema}}.granted(d.relid, actions);
    PERFORM {{schema}}.refuse(array_to_string(actions, ','),
      CASE WHEN TG_TAG = 'DROP TABLE' THEN refusal ->> 'message'
           ELSE format('%s would drop guarded table %I.%I: %s', TG_TAG, d.expected_schema, d.expected_name,
                       refusal ->> 'message') END,
      refusal ->> 'detail', refusal ->> 'hint');
  END LOOP;

  -- A partition or inheritance child dropped takes its rows out of the guarded table.
  FOR d IN
    SELECT p.relid, p.refusals, p.expected_schema, p.expected_name, p.policy_name, p.policy_file,
           o.object_identity AS child
    FROM {{schema}}.protected p
    JOIN pg_event_trigger_dropped_objects() o
      ON o.classid = 'pg_class'::regclass AND o.objsubid = 0 AND o.objid = ANY (p.expected_children)
    WHERE p.relid <> ALL (dropped_tables) AND p.refusals ? 'delete'
  LOOP
    actions := ARRAY(SELECT jsonb_array_elements_text(d.refusals #> '{delete,actions}'));
    CONTINUE WHEN d.refusals #>> '{delete,decision}' = 'approve' AND {{schema}}.granted(d.relid, actions);
    PERFORM {{schema}}.refuse(array_to_string(actions, ','),
      format('%s would drop %s, a partition or inheritance child of guarded table %I.%I, and its rows with it',
             TG_TAG, d.child, d.expected_schema, d.expected_name),
      format('Refused by pgwarden db protect for "%s" (%s): the rows of its partitions and inheritance children are its rows, which are not deleted without %s.',
             d.policy_name, d.policy_file,
             CASE d.refusals #>> '{delete,decision}' WHEN 'deny' THEN 'a change of the policy' ELSE 'an approval' END),
      'Keep the partition; archive its rows before it goes, under an approval.');
  END LOOP;

  SELECT g.trigger_name, g.relid::regclass AS tbl INTO d
  FROM {{schema}}.guards g
  JOIN pg_event_trigger_dropped_objects() o ON o.classid = 'pg_trigger'::regclass AND o.objid = g.trigger_oid
  WHERE g.relid <> ALL (dropped_tables)
  LIMIT 1;
  IF FOUND THEN
    PERFORM {{schema}}.refuse('disable_safeguard',
      format('%s would drop guard %I on %s', TG_TAG, d.trigger_name, d.tbl),
      'Refused by pgwarden db protect: the guards are its own to change. Only pgwarden db protect changes them.',
      'Change the policy and run pgwarden db protect.');
  END IF;

  FOR d IN
    SELECT c.relid, c.attnum, c.expected_name, p.policy_name, p.policy_file
    FROM {{schema}}.protected_columns c
    JOIN {{schema}}.protected p ON p.relid = c.relid
    JOIN pg_event_trigger_dropped_objects() o
      ON o.classid = 'pg_class'::regclass AND o.objid = c.relid AND o.objsubid = c.attnum
    WHERE c.relid <> ALL (dropped_tables)
  LOOP
    IF {{schema}}.granted(d.relid, '{drop_column}') THEN
      DELETE FROM {{schema}}.protected_columns c WHERE c.relid = d.relid AND c.attnum = d.attnum;
      CONTINUE;
    END IF;
    PERFORM {{schema}}.refuse('drop_column',
      format('%s would drop column %I of table %s, whose values a guard of pgwarden compares', TG_TAG,
             d.expected_name, d.relid::regclass),
      format('Refused by pgwarden db protect for "%s" (%s): the column is guarded. It runs only with a grant for drop_column on the table in the same transaction.',
             d.policy_name, d.policy_file),
      'Leave the column as it is: stop writing it and mark it deprecated instead.');
  END LOOP;

  -- What is left to do: tables that went, with the policy's leave or under a grant, leave the
  -- registry, and the log says so.
  INSERT INTO {{schema}}.log (event, policy_name, policy_file, policy_sha256, changes)
  SELECT 'dropped', p.policy_name, p.policy_file, p.policy_sha256,
         ARRAY[format('%s dropped guarded table %I.%I (registered as %I.%I) and its guards', TG_TAG,
                      p.expected_schema, p.expected_name, p.schema_name, p.table_name)]
  FROM {{schema}}.protected p WHERE p.relid = ANY (dropped_tables);
  DELETE FROM {{schema}}.guards g WHERE g.relid = ANY (dropped_tables);
  DELETE FROM {{schema}}.protected_columns c WHERE c.relid = ANY (dropped_tables);
  DELETE FROM {{schema}}.protected p WHERE p.relid = ANY (dropped_tables);
END
$body$;
