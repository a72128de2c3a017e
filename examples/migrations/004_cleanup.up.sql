SET lock_timeout = '2s';
SET statement_timeout = '1min';

-- The policy: deleting needs an approval with a reason; deleting every row is denied.
-- pgwarden:approve delete reason: GDPR erasure request #4411, reviewed by the DPO
DELETE FROM accounts WHERE id = 42;
DELETE FROM orders;
TRUNCATE orders;
ALTER TABLE accounts DROP COLUMN api_key;
