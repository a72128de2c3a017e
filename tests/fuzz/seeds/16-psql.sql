\set x 1
SELECT :x;
\i other.sql
COPY t FROM stdin;
1	DROP TABLE users
\.
DROP TABLE t;
