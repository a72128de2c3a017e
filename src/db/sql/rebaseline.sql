-- Records the current state of guarded tables (all of them when `relid` is NULL) as the state
-- the event trigger holds them to: db protect calls it after registering, the event trigger
-- after a change it let through (one a grant covered, or one that weakens nothing).
CREATE OR REPLACE FUNCTION {{schema}}.rebaseline(relid oid) RETURNS void
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $body$
UPDATE {{schema}}.protected p
SET expected_schema = s.schema_name, expected_name = s.table_name, expected_owner = s.owner,
    expected_persistence = s.persistence, expected_parents = s.parents,
    expected_children = s.children, expected_foreign_keys = s.foreign_keys
FROM {{schema}}.protected q CROSS JOIN LATERAL {{schema}}.relation_state(q.relid) s
WHERE p.relid = q.relid
  AND (rebaseline.relid IS NULL OR p.relid = rebaseline.relid)
  AND (p.expected_schema, p.expected_name, p.expected_owner, p.expected_persistence,
       p.expected_parents, p.expected_children, p.expected_foreign_keys)
      IS DISTINCT FROM (s.schema_name, s.table_name, s.owner, s.persistence, s.parents, s.children,
                        s.foreign_keys);
UPDATE {{schema}}.protected_columns c
SET expected_name = a.attname, expected_type = format_type(a.atttypid, a.atttypmod)
FROM pg_attribute a
WHERE a.attrelid = c.relid AND a.attnum = c.attnum AND NOT a.attisdropped
  AND (rebaseline.relid IS NULL OR c.relid = rebaseline.relid)
  AND (c.expected_name, c.expected_type) IS DISTINCT FROM (a.attname, format_type(a.atttypid, a.atttypmod));
$body$;
