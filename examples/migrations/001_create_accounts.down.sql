-- Dropping what the up created is what a down is for: not a finding.
DROP TABLE accounts;
