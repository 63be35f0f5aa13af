-- The scan journal (SPEC §5): every frame a scanner or a client sent is a
-- row here, committed before it is processed, so a crash loses no scan.
-- `processed_at` is set in the same transaction as the scan's effect (a
-- storage event, a tube packed, …), so a scan found unprocessed after a
-- restart has had no effect yet and is processed then, exactly once.
CREATE TABLE scans (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    station TEXT NOT NULL,
    -- The configured scanner's name, or `api` for POST /api/v1/scans.
    device TEXT NOT NULL,
    -- The bytes as the scanner sent them, AIM identifier included, suffix
    -- removed.
    raw BYTEA NOT NULL,
    aim TEXT,
    scanned_at TIMESTAMP NOT NULL,
    -- Who the scan acts as: the API caller, or the station's own user.
    acted_by BIGINT NOT NULL REFERENCES users (id),
    -- A second read of the same code from the same device within the
    -- duplicate window: kept, never processed.
    duplicate_of BIGINT REFERENCES scans (id),
    processed_at TIMESTAMP,
    kind TEXT,
    accepted BOOLEAN,
    -- The outcome sent to the station (JSON).
    outcome TEXT,
    -- The station's workflow state after this scan (JSON): a restart
    -- resumes the desk where it was (the package being packed).
    state_after TEXT
);
CREATE INDEX scans_station ON scans (station, id);
CREATE INDEX scans_unprocessed ON scans (id) WHERE processed_at IS NULL;
