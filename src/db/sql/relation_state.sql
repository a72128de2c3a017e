-- What the event trigger holds a guarded table to, as the catalogs say it is now: its schema and
-- name, owner, persistence, inheritance and partition parents and children, and the foreign
-- keys on it whose ON DELETE or ON UPDATE action changes its rows (CASCADE, SET NULL, SET
-- DEFAULT). No row when the relation is gone.
CREATE OR REPLACE FUNCTION {{schema}}.relation_state(relid oid)
RETURNS TABLE (schema_name name, table_name name, owner oid, persistence "char", parents oid[],
               children oid[], foreign_keys oid[])
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $body$
SELECT n.nspname, c.relname, c.relowner, c.relpersistence,
       ARRAY(SELECT i.inhparent FROM pg_inherits i WHERE i.inhrelid = c.oid ORDER BY 1),
       ARRAY(SELECT i.inhrelid FROM pg_inherits i WHERE i.inhparent = c.oid ORDER BY 1),
       ARRAY(SELECT k.oid FROM pg_constraint k
             WHERE k.conrelid = c.oid AND k.contype = 'f'
               AND (k.confdeltype IN ('c', 'n', 'd') OR k.confupdtype IN ('c', 'n', 'd'))
             ORDER BY 1)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.oid = relation_state.relid
$body$;
