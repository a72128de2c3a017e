-- Every way a guarded table now differs from the state the event trigger holds it to, as the
-- change a DDL command would make ("<command> would <change>"), with the refusal's detail and
-- hint. `operations` is what a grant must name to let the change through, when `decision` is
-- 'approve'; 'deny' (the policy denies it) and 'protect' (pgwarden's own guards) have no grant.
CREATE OR REPLACE FUNCTION {{schema}}.violations()
RETURNS TABLE (relid oid, operations text[], decision text, change text, detail text, hint text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $body$
WITH r AS (
  SELECT p.relid, p.refusals, p.expected_schema, p.expected_name, p.expected_owner,
         p.expected_persistence, p.expected_parents, p.expected_children, p.expected_foreign_keys,
         format('%I.%I', p.expected_schema, p.expected_name) AS shown,
         format('Refused by pgwarden db protect for "%s" (%s): table %s is guarded (registered as %I.%I)',
                p.policy_name, p.policy_file, format('%I.%I', p.expected_schema, p.expected_name),
                p.schema_name, p.table_name) AS refused_by,
         s.schema_name AS now_schema, s.table_name AS now_name, s.owner AS now_owner,
         s.persistence AS now_persistence, s.parents AS now_parents, s.children AS now_children,
         s.foreign_keys AS now_foreign_keys
  FROM {{schema}}.protected p LEFT JOIN LATERAL {{schema}}.relation_state(p.relid) s ON true
), found AS (
  SELECT r.relid, '{disable_safeguard}'::text[] AS operations, 'protect' AS decision,
         format('leave guarded table %s gone', r.shown) AS change,
         r.refused_by || ', and it was dropped while pgwarden''s event trigger was not watching' AS detail,
         'Run pgwarden db protect: it records what is left.' AS hint
  FROM r WHERE r.now_name IS NULL
  UNION ALL
  SELECT r.relid, '{rename}', 'approve',
         format('leave table %s renamed to %I.%I', r.shown, r.now_schema, r.now_name),
         r.refused_by || ', and pgwarden''s other doors find a table''s policy by the name it was registered under',
         'Keep the name; where it must change, rename under an approval (a grant for rename), then run pgwarden db protect.'
  FROM r WHERE r.now_name IS NOT NULL
    AND (r.now_schema, r.now_name) IS DISTINCT FROM (r.expected_schema, r.expected_name)
  UNION ALL
  SELECT r.relid, '{disable_safeguard}', 'approve',
         format('leave role %s the owner of table %s', r.now_owner::regrole, r.shown),
         r.refused_by || ', and the owner of a table can change its guards'' surroundings: its privileges, triggers and structure',
         'Keep the owner: applications and agents connect as roles that neither own the tables nor are superusers.'
  FROM r WHERE r.now_name IS NOT NULL AND r.now_owner <> r.expected_owner
  UNION ALL
  SELECT r.relid, '{disable_safeguard}', 'approve',
         format('leave table %s %s', r.shown, CASE r.now_persistence WHEN 'u' THEN 'unlogged' ELSE 'logged' END),
         r.refused_by || ', and an unlogged table loses its rows in a crash and is not replicated',
         'Keep the table logged.'
  FROM r WHERE r.now_name IS NOT NULL AND r.now_persistence <> r.expected_persistence
  UNION ALL
  SELECT r.relid, '{disable_safeguard}', 'approve',
         format('leave table %s with parents (%s) instead of (%s)', r.shown,
                array_to_string(r.now_parents::regclass[], ', '), array_to_string(r.expected_parents::regclass[], ', ')),
         r.refused_by || ', and as a partition or inheritance child its rows are reached, detached and dropped through another table',
         'Leave the table where it is in its hierarchy; copy the rows into a new table instead.'
  FROM r WHERE r.now_name IS NOT NULL AND r.now_parents IS DISTINCT FROM r.expected_parents
  UNION ALL
  SELECT r.relid, ARRAY(SELECT jsonb_array_elements_text(r.refusals #> '{delete,actions}')),
         r.refusals #>> '{delete,decision}',
         format('leave (%s) out of table %s, and their rows with them', array_to_string(
                  ARRAY(SELECT x::regclass::text FROM unnest(r.expected_children) x
                        WHERE x <> ALL (r.now_children)), ', '), r.shown),
         r.refused_by || ', and the rows of its partitions and inheritance children are its rows, which are not deleted without '
           || CASE r.refusals #>> '{delete,decision}' WHEN 'deny' THEN 'a change of the policy' ELSE 'an approval' END,
         'Keep the partition attached; archive its rows before it goes, under an approval.'
  FROM r WHERE r.now_name IS NOT NULL AND r.refusals ? 'delete'
    AND NOT (r.expected_children <@ r.now_children)
  UNION ALL
  SELECT r.relid, '{disable_safeguard}', 'approve',
         format('leave foreign key %s on table %s, whose ON DELETE or ON UPDATE action changes its rows',
                array_to_string(ARRAY(SELECT k.conname::text FROM pg_constraint k
                                      WHERE k.oid = ANY (r.now_foreign_keys) AND k.oid <> ALL (r.expected_foreign_keys)), ', '),
                r.shown),
         r.refused_by || ', and a foreign key''s CASCADE, SET NULL or SET DEFAULT changes its rows from statements on another table',
         'Use ON DELETE RESTRICT or NO ACTION, and soft-delete the referenced rows instead.'
  FROM r WHERE r.now_name IS NOT NULL AND NOT (r.now_foreign_keys <@ r.expected_foreign_keys)
  UNION ALL
  SELECT c.relid,
         CASE WHEN a.attnum IS NULL OR a.attisdropped THEN '{drop_column}'::text[]
              WHEN a.attname <> c.expected_name THEN '{rename}'
              ELSE '{alter_column_type}' END,
         'approve',
         CASE WHEN a.attnum IS NULL OR a.attisdropped THEN format('leave column %I of table %s dropped', c.expected_name, r.shown)
              WHEN a.attname <> c.expected_name THEN format('leave column %I of table %s renamed to %I', c.expected_name, r.shown, a.attname)
              ELSE format('leave column %I of table %s of type %s instead of %s', c.expected_name, r.shown,
                          format_type(a.atttypid, a.atttypmod), c.expected_type) END,
         r.refused_by || format(', and its guard compares the values of column %I', c.expected_name),
         'Leave the column as it is; add a new column beside it instead.'
  FROM {{schema}}.protected_columns c
  JOIN r ON r.relid = c.relid AND r.now_name IS NOT NULL
  LEFT JOIN pg_attribute a ON a.attrelid = c.relid AND a.attnum = c.attnum
  WHERE a.attnum IS NULL OR a.attisdropped OR a.attname <> c.expected_name
     OR format_type(a.atttypid, a.atttypmod) <> c.expected_type
  UNION ALL
  SELECT g.guarded_relid, '{disable_safeguard}', 'protect',
         format('leave guard %I on %s %s', g.trigger_name,
                g.relid::regclass,
                CASE WHEN t.oid IS NULL THEN 'dropped' WHEN t.tgenabled <> 'A' THEN 'disabled' ELSE 'moved' END),
         'Refused by pgwarden db protect: the guards are its own to change',
         'Change the policy and run pgwarden db protect.'
  FROM {{schema}}.guards g LEFT JOIN pg_trigger t ON t.oid = g.trigger_oid
  WHERE t.oid IS NULL OR t.tgenabled <> 'A' OR t.tgrelid <> g.relid
  UNION ALL
  SELECT g.guarded_relid, '{disable_safeguard}', 'protect',
         format('leave guard %I on %s disabled', c.tgname, c.tgrelid::regclass),
         'Refused by pgwarden db protect: the guards are its own to change (PostgreSQL cloned this one onto a partition)',
         'Change the policy and run pgwarden db protect.'
  FROM {{schema}}.guards g JOIN pg_trigger c ON c.tgparentid = g.trigger_oid
  WHERE c.tgenabled <> 'A'
)
SELECT found.relid, found.operations, found.decision, found.change,
       found.detail || CASE found.decision
         WHEN 'approve' THEN format('. It runs only with a grant for %s on it in the same transaction.',
                                    array_to_string(found.operations, ' and '))
         WHEN 'deny' THEN '. Nothing unlocks it.'
         ELSE '. Only pgwarden db protect changes them.' END,
       found.hint
FROM found
$body$;
