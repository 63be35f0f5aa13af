-- The spine: users, patients, specimens, locations, storage, results, audit.
-- Times are UTC (TIMESTAMP, no zone); dates are the site calendar's.
CREATE TABLE users (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    disabled BOOLEAN NOT NULL DEFAULT FALSE
);

CREATE TABLE patients (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    patient_key TEXT NOT NULL UNIQUE,
    patient_number TEXT,
    name TEXT NOT NULL,
    name_kana TEXT,
    birth_date DATE,
    sex TEXT NOT NULL,
    address TEXT,
    phone TEXT,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE specimens (
    specimen_id TEXT PRIMARY KEY NOT NULL,
    patient_ref BIGINT NOT NULL REFERENCES patients (id),
    facility_code TEXT NOT NULL,
    specimen_type TEXT NOT NULL,
    priority INTEGER NOT NULL,
    collected_at TIMESTAMP NOT NULL,
    onset_date DATE,
    asymptomatic BOOLEAN NOT NULL,
    days_since_onset INTEGER,
    test_method TEXT NOT NULL,
    kit TEXT,
    volume_ml DOUBLE PRECISION,
    ppe TEXT NOT NULL,
    override_reason TEXT,
    flags TEXT NOT NULL,
    warnings TEXT NOT NULL,
    status TEXT NOT NULL,
    registration TEXT NOT NULL,
    registered_by BIGINT NOT NULL REFERENCES users (id),
    registered_at TIMESTAMP NOT NULL
);
CREATE INDEX specimens_patient ON specimens (patient_ref);
CREATE INDEX specimens_collected ON specimens (collected_at);
CREATE INDEX specimens_status ON specimens (status);

CREATE TABLE locations (
    code TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    storage_class TEXT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE storage_events (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    specimen_id TEXT NOT NULL REFERENCES specimens (specimen_id),
    location_code TEXT NOT NULL REFERENCES locations (code),
    storage_class TEXT NOT NULL,
    at TIMESTAMP NOT NULL,
    warnings TEXT NOT NULL,
    override_reason TEXT,
    recorded_by BIGINT NOT NULL REFERENCES users (id),
    recorded_at TIMESTAMP NOT NULL
);
CREATE INDEX storage_events_specimen ON storage_events (specimen_id, at);

CREATE TABLE results (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    specimen_id TEXT NOT NULL REFERENCES specimens (specimen_id),
    version INTEGER NOT NULL,
    result TEXT NOT NULL,
    method TEXT NOT NULL,
    resulted_at TIMESTAMP NOT NULL,
    recorded_by BIGINT NOT NULL REFERENCES users (id),
    recorded_at TIMESTAMP NOT NULL,
    UNIQUE (specimen_id, version)
);
CREATE INDEX results_resulted ON results (resulted_at);

CREATE TABLE audit_log (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at TIMESTAMP NOT NULL,
    user_ref BIGINT,
    user_name TEXT NOT NULL,
    role TEXT NOT NULL,
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    before TEXT,
    after TEXT
);
CREATE INDEX audit_log_entity ON audit_log (entity, entity_id);
