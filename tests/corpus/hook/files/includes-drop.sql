SELECT 1;
\i drop.sql
