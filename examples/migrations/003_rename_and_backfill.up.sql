-- No down file: this migration cannot be rolled back (lint.reversible).
-- The migration tool already runs this file in a transaction.
BEGIN;
ALTER TABLE accounts RENAME COLUMN email TO login_email;
ALTER TABLE accounts ALTER COLUMN login_email SET NOT NULL;
COMMIT;
