-- Facilities kept apart on one database. Every user belongs to one
-- facility (its home); a health-centre user may also read the facilities
-- listed for it in user_facilities. Locations, packages, the scan journal
-- and instrument imports carry the facility that made them, as patients
-- and specimens already do. Rows written before facilities existed hold ''
-- and are adopted by the site's facility when a server starts.
ALTER TABLE users ADD COLUMN facility_code TEXT NOT NULL DEFAULT '';
CREATE TABLE user_facilities (
    id BIGSERIAL PRIMARY KEY,
    user_ref BIGINT NOT NULL REFERENCES users (id),
    facility_code TEXT NOT NULL,
    UNIQUE (user_ref, facility_code)
);
ALTER TABLE locations ADD COLUMN facility_code TEXT NOT NULL DEFAULT '';
ALTER TABLE packages ADD COLUMN facility_code TEXT NOT NULL DEFAULT '';
ALTER TABLE scans ADD COLUMN facility_code TEXT NOT NULL DEFAULT '';
ALTER TABLE result_imports ADD COLUMN facility_code TEXT NOT NULL DEFAULT '';
CREATE INDEX specimens_facility ON specimens (facility_code, collected_at);
CREATE INDEX users_facility ON users (facility_code);
CREATE INDEX scans_facility ON scans (facility_code, processed_at);
