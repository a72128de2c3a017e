-- Within one unit: what it created is its own; what it renamed stays protected.
CREATE TEMP TABLE scratch (id int);
DROP TABLE scratch;
ALTER TABLE ledger_entries RENAME TO ledger_old;
DELETE FROM ledger_old WHERE id = 3;
