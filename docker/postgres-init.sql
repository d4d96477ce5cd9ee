-- Each role owns its own database; they never share tables.
-- Runs once, when the Postgres volume is first initialised.
CREATE DATABASE authorization_server;
CREATE DATABASE protected_resource;
CREATE DATABASE client;
