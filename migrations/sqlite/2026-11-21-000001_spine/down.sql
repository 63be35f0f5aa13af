DROP TABLE audit_log;
DROP TABLE results;
DROP TABLE storage_events;
DROP TABLE locations;
DROP TABLE specimens;
DROP TABLE patients;
DROP TABLE users;
