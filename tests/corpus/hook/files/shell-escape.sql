\! dropdb app
SELECT 1;
