-- A person works a station with a staff badge and a PIN: the PIN's
-- Argon2id hash on the user, the badges in their own table. A badge's code
-- is kept only as its SHA-256 (a copy of the database prints no badge);
-- `label` is the short part printed under the barcode that names the
-- badge on pages and in the journal. Revoking keeps the row, so history
-- still says which badge a person used.
ALTER TABLE users ADD COLUMN pin_hash TEXT;
ALTER TABLE users ADD COLUMN pin_set_at TIMESTAMP;
CREATE TABLE badges (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_ref BIGINT NOT NULL REFERENCES users (id),
    facility_code TEXT NOT NULL,
    label TEXT NOT NULL,
    code_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    created_by BIGINT NOT NULL,
    revoked_at TIMESTAMP,
    revoked_by BIGINT
);
CREATE INDEX badges_user ON badges (user_ref);
-- The person working a station when a scan came: the scan's `acted_by`
-- is that person and `operator` their name; NULL when the station's own
-- user acted (nobody signed in at the desk) or the scan came from the API.
ALTER TABLE scans ADD COLUMN operator TEXT;
-- The station an audited action was done at, for actions a scan made.
ALTER TABLE audit_log ADD COLUMN station TEXT;
-- A staff badge is a kind of scan.
DROP TRIGGER scans_codes_insert;
DROP TRIGGER scans_codes_update;
CREATE TRIGGER scans_codes_insert BEFORE INSERT ON scans
BEGIN
    SELECT RAISE(ABORT, 'scans.kind: not a known scan outcome kind')
        WHERE NEW.kind NOT IN ('specimen', 'kit', 'patient', 'location', 'package', 'command', 'badge', 'unknown');
END;
CREATE TRIGGER scans_codes_update BEFORE UPDATE OF kind ON scans
BEGIN
    SELECT RAISE(ABORT, 'scans.kind: not a known scan outcome kind')
        WHERE NEW.kind NOT IN ('specimen', 'kit', 'patient', 'location', 'package', 'command', 'badge', 'unknown');
END;
-- A page left idle locks its session until its person (or another's badge
-- and PIN) re-enters; the page keeps its state meanwhile.
ALTER TABLE sessions ADD COLUMN locked_at TIMESTAMP;
