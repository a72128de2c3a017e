-- The accounts table. Conventions ([lint] conventions = true in examples/pgwarden.toml) want
-- timestamptz, created_at/updated_at and an identity or UUID key.
CREATE TABLE accounts (
    id serial PRIMARY KEY,
    email text NOT NULL,
    signed_up timestamp NOT NULL DEFAULT now()
);

-- Created in this migration: indexing it needs no CONCURRENTLY.
CREATE INDEX accounts_email_idx ON accounts (email);
