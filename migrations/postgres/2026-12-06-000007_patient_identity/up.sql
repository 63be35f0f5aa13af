-- Patient identity is kept per facility and in versions.
--
-- A patient is keyed per facility: (facility_code, patient_key), so two
-- clinics sharing one database may both have a patient "P-1". Their
-- identity (name, kana, birth date, sex, address, phone) is never rewritten
-- by a registration: each change is a new row of patient_versions (the
-- first as registered, later ones completed at reception or corrected
-- with a reason), and patients holds the current one with its version.
ALTER TABLE patients ADD COLUMN facility_code TEXT NOT NULL DEFAULT '';
ALTER TABLE patients ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
UPDATE patients p
SET facility_code = COALESCE((SELECT s.facility_code FROM specimens s
                              WHERE s.patient_ref = p.id
                              ORDER BY s.registered_at LIMIT 1), '');
ALTER TABLE patients ALTER COLUMN facility_code DROP DEFAULT;
ALTER TABLE patients ALTER COLUMN version DROP DEFAULT;
ALTER TABLE patients DROP CONSTRAINT patients_patient_key_key;
ALTER TABLE patients ADD CONSTRAINT patients_facility_key UNIQUE (facility_code, patient_key);
CREATE INDEX patients_number ON patients (facility_code, patient_number);

CREATE TABLE patient_versions (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
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
