-- Triple packaging, dispatch and receiving (SPEC §2.5).
CREATE TABLE packages (
    package_id TEXT PRIMARY KEY NOT NULL,
    serial BIGINT NOT NULL UNIQUE,
    status TEXT NOT NULL,
    carrier TEXT NOT NULL,
    consignee_name TEXT NOT NULL,
    consignee_address TEXT NOT NULL,
    consignee_phone TEXT NOT NULL,
    packer_name TEXT,
    packer_certificate_id TEXT,
    emergency_phone TEXT,
    shipper TEXT,
    dispatched_at TIMESTAMP,
    dispatched_by BIGINT REFERENCES users (id),
    dispatch_override_reason TEXT,
    dispatch_overrides TEXT,
    received_at TIMESTAMP,
    received_by BIGINT REFERENCES users (id),
    receipt_note TEXT,
    created_by BIGINT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX packages_status ON packages (status, created_at);

CREATE TABLE package_specimens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    package_id TEXT NOT NULL REFERENCES packages (package_id),
    specimen_id TEXT NOT NULL REFERENCES specimens (specimen_id),
    status_before TEXT NOT NULL,
    override_reason TEXT,
    added_by BIGINT NOT NULL REFERENCES users (id),
    added_at TIMESTAMP NOT NULL,
    removed_by BIGINT REFERENCES users (id),
    removed_at TIMESTAMP,
    receipt TEXT,
    receipt_by BIGINT REFERENCES users (id),
    receipt_at TIMESTAMP
);
CREATE INDEX package_specimens_package ON package_specimens (package_id);
-- A tube is in at most one package at a time.
CREATE UNIQUE INDEX package_specimens_one_package
    ON package_specimens (specimen_id) WHERE removed_at IS NULL;

CREATE TABLE checklist_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    package_id TEXT NOT NULL REFERENCES packages (package_id),
    item TEXT NOT NULL,
    specimen_id TEXT REFERENCES specimens (specimen_id),
    done BOOLEAN NOT NULL,
    dry_ice_kg DOUBLE,
    recorded_by BIGINT NOT NULL REFERENCES users (id),
    recorded_at TIMESTAMP NOT NULL
);
CREATE INDEX checklist_events_package ON checklist_events (package_id, id);

CREATE TABLE consultations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    specimen_id TEXT NOT NULL REFERENCES specimens (specimen_id),
    consulted_with TEXT NOT NULL,
    note TEXT,
    consulted_at TIMESTAMP NOT NULL,
    recorded_by BIGINT NOT NULL REFERENCES users (id),
    recorded_at TIMESTAMP NOT NULL
);
CREATE INDEX consultations_specimen ON consultations (specimen_id);
