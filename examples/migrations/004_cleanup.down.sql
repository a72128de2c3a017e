ALTER TABLE accounts ADD COLUMN api_key uuid;
