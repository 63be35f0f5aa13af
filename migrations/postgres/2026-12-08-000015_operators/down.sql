ALTER TABLE sessions DROP COLUMN locked_at;
ALTER TABLE scans DROP CONSTRAINT scans_kind_known;
ALTER TABLE scans ADD CONSTRAINT scans_kind_known
    CHECK (kind IN ('specimen', 'kit', 'patient', 'location', 'package', 'command', 'unknown'));
ALTER TABLE audit_log DROP COLUMN station;
ALTER TABLE scans DROP COLUMN operator;
DROP TABLE badges;
ALTER TABLE users DROP COLUMN pin_set_at;
ALTER TABLE users DROP COLUMN pin_hash;
