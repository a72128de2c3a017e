-- pgwarden db protect: the tables of its own schema (docs/db.md, "Objects"). Run by
-- `pgwarden db protect` when the schema lacks any of them; every statement is idempotent.
-- Placeholders: {{schema}} (an identifier), {{service_role}} (an identifier).
CREATE SCHEMA IF NOT EXISTS {{schema}};
REVOKE ALL ON SCHEMA {{schema}} FROM PUBLIC;
GRANT USAGE ON SCHEMA {{schema}} TO PUBLIC;

-- The registry: one row per guarded table. relid, schema_name and table_name are the contract
-- other doors read: the name is the one the policy judged when the table was registered, and it
-- stays so when the table is renamed. The expected_* columns are the state the event trigger
-- holds the table to; db protect and grant-covered changes reset them.
CREATE TABLE IF NOT EXISTS {{schema}}.protected (
  relid oid PRIMARY KEY,
  schema_name name NOT NULL,
  table_name name NOT NULL,
  guards text[] NOT NULL,
  refusals jsonb NOT NULL,
  expected_schema name NOT NULL,
  expected_name name NOT NULL,
  expected_owner oid NOT NULL,
  expected_persistence "char" NOT NULL,
  expected_parents oid[] NOT NULL,
  expected_children oid[] NOT NULL,
  expected_foreign_keys oid[] NOT NULL,
  policy_name text NOT NULL,
  policy_file text NOT NULL,
  policy_sha256 text NOT NULL,
  registered_at timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
  updated_at timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp()
);

-- The columns whose values a guard compares (immutable, outside a mutable list, or every
-- column of an append-only table): renaming, retyping or dropping them weakens the guard.
CREATE TABLE IF NOT EXISTS {{schema}}.protected_columns (
  relid oid NOT NULL,
  attnum int2 NOT NULL,
  column_name name NOT NULL,
  expected_name name NOT NULL,
  expected_type text NOT NULL,
  PRIMARY KEY (relid, attnum)
);

-- Every trigger db protect created, with its definition as PostgreSQL printed it then.
CREATE TABLE IF NOT EXISTS {{schema}}.guards (
  trigger_oid oid PRIMARY KEY,
  relid oid NOT NULL,
  guarded_relid oid NOT NULL,
  trigger_name name NOT NULL,
  operation text NOT NULL,
  definition text NOT NULL
);

-- Grants: what lets one operation through the guards, in one transaction. Written by the
-- service role (a later door, approvals, writes them); applications cannot.
CREATE TABLE IF NOT EXISTS {{schema}}.grants (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  txid bigint NOT NULL,
  relid oid,
  operation text NOT NULL,
  statement_sha256 text,
  expires_at timestamptz NOT NULL,
  granted_by name NOT NULL DEFAULT CURRENT_USER,
  granted_at timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
  reason text,
  CHECK ((relid IS NULL) = (operation = 'protect'))
);
CREATE INDEX IF NOT EXISTS grants_txid ON {{schema}}.grants (txid);

-- The log: one row per install, upgrade or removal, never changed afterwards.
CREATE TABLE IF NOT EXISTS {{schema}}.log (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
  session_user_name name NOT NULL DEFAULT SESSION_USER,
  current_user_name name NOT NULL DEFAULT CURRENT_USER,
  event text NOT NULL CHECK (event IN ('install', 'upgrade', 'dropped')),
  policy_name text,
  policy_file text,
  policy_sha256 text,
  pgwarden_version text,
  changes text[] NOT NULL
);

REVOKE ALL ON {{schema}}.protected, {{schema}}.protected_columns, {{schema}}.guards, {{schema}}.grants,
  {{schema}}.log FROM PUBLIC;
GRANT SELECT ON {{schema}}.protected, {{schema}}.protected_columns, {{schema}}.guards, {{schema}}.log TO PUBLIC;
GRANT SELECT, INSERT, DELETE ON {{schema}}.grants TO {{service_role}};
