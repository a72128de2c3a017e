-- cleanup before the demo
DROP TABLE users;
