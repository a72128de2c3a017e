create or replace function f(q text) returns jsonb language plpgsql;
CREATE PROCEDURE p() LANGUAGE plpgsql;
DO $$BEGIN DELETE FROM ledger_a; END$$