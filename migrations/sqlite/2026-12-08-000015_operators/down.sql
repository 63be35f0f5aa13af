ALTER TABLE sessions DROP COLUMN locked_at;
DROP TRIGGER scans_codes_insert;
DROP TRIGGER scans_codes_update;
CREATE TRIGGER scans_codes_insert BEFORE INSERT ON scans
BEGIN
    SELECT RAISE(ABORT, 'scans.kind: not a known scan outcome kind')
        WHERE NEW.kind NOT IN ('specimen', 'kit', 'patient', 'location', 'package', 'command', 'unknown');
END;
CREATE TRIGGER scans_codes_update BEFORE UPDATE OF kind ON scans
BEGIN
    SELECT RAISE(ABORT, 'scans.kind: not a known scan outcome kind')
        WHERE NEW.kind NOT IN ('specimen', 'kit', 'patient', 'location', 'package', 'command', 'unknown');
END;
ALTER TABLE audit_log DROP COLUMN station;
ALTER TABLE scans DROP COLUMN operator;
DROP TABLE badges;
ALTER TABLE users DROP COLUMN pin_set_at;
ALTER TABLE users DROP COLUMN pin_hash;
