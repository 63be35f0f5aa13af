DROP INDEX scans_facility;
DROP INDEX users_facility;
DROP INDEX specimens_facility;
ALTER TABLE result_imports DROP COLUMN facility_code;
ALTER TABLE scans DROP COLUMN facility_code;
ALTER TABLE packages DROP COLUMN facility_code;
ALTER TABLE locations DROP COLUMN facility_code;
DROP TABLE user_facilities;
ALTER TABLE users DROP COLUMN facility_code;
