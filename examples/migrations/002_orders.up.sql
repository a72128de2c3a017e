SET lock_timeout = '2s';
SET statement_timeout = '1min';

CREATE TABLE orders (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id bigint NOT NULL,
    total numeric(12,2) NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- accounts existed before this migration: these take locks that stall production.
ALTER TABLE orders ADD CONSTRAINT orders_account_fk
    FOREIGN KEY (account_id) REFERENCES accounts (id) ON DELETE CASCADE;
CREATE INDEX accounts_signed_up_idx ON accounts (signed_up);
ALTER TABLE accounts ADD COLUMN api_key uuid DEFAULT gen_random_uuid();
ALTER TABLE accounts ALTER COLUMN email TYPE varchar(320);
