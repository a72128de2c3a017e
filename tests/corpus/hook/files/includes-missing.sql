\i not-here.sql
