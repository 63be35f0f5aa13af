-- Patient identity is kept per facility and in versions.
--
-- A patient is keyed per facility: (facility_code, patient_key), so two
-- clinics sharing one database may both have a patient "P-1". Their
-- identity (name, kana, birth date, sex, address, phone) is never rewritten
-- by a registration: each change is a new row of patient_versions (the
-- first as registered, later ones completed at reception or corrected
-- with a reason), and patients holds the current one with its version.
--
-- The table is rebuilt (SQLite keeps a column's UNIQUE for good): foreign
-- keys are off while the old table goes and the new one takes its name,
-- as SQLite's ALTER TABLE documentation describes, then checked.
PRAGMA foreign_keys = OFF;
BEGIN;
CREATE TABLE patients_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    patient_key TEXT NOT NULL,
    patient_number TEXT,
    name TEXT NOT NULL,
    name_kana TEXT,
    birth_date DATE,
    sex TEXT NOT NULL,
    address TEXT,
    phone TEXT,
    updated_at TIMESTAMP NOT NULL,
    facility_code TEXT NOT NULL,
    version INTEGER NOT NULL,
    UNIQUE (facility_code, patient_key)
);
INSERT INTO patients_new (id, patient_key, patient_number, name, name_kana, birth_date,
                          sex, address, phone, updated_at, facility_code, version)
SELECT p.id, p.patient_key, p.patient_number, p.name, p.name_kana, p.birth_date,
       p.sex, p.address, p.phone, p.updated_at,
       COALESCE((SELECT s.facility_code FROM specimens s WHERE s.patient_ref = p.id
                 ORDER BY s.registered_at LIMIT 1), ''),
       1
FROM patients p;
DROP TABLE patients;
ALTER TABLE patients_new RENAME TO patients;
CREATE INDEX patients_number ON patients (facility_code, patient_number);

CREATE TABLE patient_versions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    patient_ref BIGINT NOT NULL REFERENCES patients (id),
    version INTEGER NOT NULL,
    -- registered | completed (blank fields filled in at reception) |
    -- corrected (PATCH /api/v1/patients/{patient_id}, with a reason)
    kind TEXT NOT NULL,
    patient_number TEXT,
    name TEXT NOT NULL,
    name_kana TEXT,
    birth_date DATE,
    sex TEXT NOT NULL,
    address TEXT,
    phone TEXT,
    reason TEXT,
    changed_by BIGINT NOT NULL,
    changed_at TIMESTAMP NOT NULL,
    UNIQUE (patient_ref, version)
);
INSERT INTO patient_versions (patient_ref, version, kind, patient_number, name, name_kana,
                              birth_date, sex, address, phone, reason, changed_by, changed_at)
SELECT p.id, 1, 'registered', p.patient_number, p.name, p.name_kana, p.birth_date, p.sex,
       p.address, p.phone, NULL,
       COALESCE((SELECT s.registered_by FROM specimens s WHERE s.patient_ref = p.id
                 ORDER BY s.registered_at LIMIT 1), 0),
       p.updated_at
FROM patients p;
COMMIT;
PRAGMA foreign_keys = ON;
