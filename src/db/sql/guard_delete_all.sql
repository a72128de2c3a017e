-- The guard of a table whose policy allows DELETE of some rows but refuses deleting every row:
-- AFTER DELETE, per statement, with the deleted rows as the transition table pgwarden_deleted.
-- A statement that deleted rows of the table and left it without any is refused. It sits on
-- the table, on its partitions (a DELETE naming one of them) and on its partition ancestors (a
-- DELETE naming one of them, whose deleted rows count when they satisfy the table's partition
-- constraint). TG_ARGV as for guard().
CREATE OR REPLACE FUNCTION {{schema}}.guard_delete_all() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $body$
DECLARE
  guarded oid := TG_ARGV[0]::oid;
  deleted boolean;
  emptied boolean;
BEGIN
  IF guarded = TG_RELID
     OR guarded IN (SELECT a.relid::oid FROM pg_partition_ancestors(TG_RELID) AS a(relid)) THEN
    SELECT EXISTS (SELECT FROM pgwarden_deleted) INTO deleted;
  ELSE
    EXECUTE format('SELECT EXISTS (SELECT FROM pgwarden_deleted WHERE %s)',
                   pg_get_partition_constraintdef(guarded)) INTO deleted;
  END IF;
  IF NOT deleted THEN
    RETURN NULL;
  END IF;
  EXECUTE format('SELECT NOT EXISTS (SELECT FROM %s)', guarded::regclass) INTO emptied;
  IF NOT emptied THEN
    RETURN NULL;
  END IF;
  IF TG_ARGV[1] = 'approve'
     AND {{schema}}.granted(guarded, string_to_array(TG_ARGV[2], ',')) THEN
    RETURN NULL;
  END IF;
  PERFORM {{schema}}.refuse(TG_ARGV[2], TG_ARGV[3], TG_ARGV[4], TG_ARGV[5]);
  RETURN NULL;
END
$body$;
