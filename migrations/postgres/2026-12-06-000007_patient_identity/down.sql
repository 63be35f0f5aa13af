DROP TABLE patient_versions;
DROP INDEX patients_number;
ALTER TABLE patients DROP CONSTRAINT patients_facility_key;
ALTER TABLE patients ADD CONSTRAINT patients_patient_key_key UNIQUE (patient_key);
ALTER TABLE patients DROP COLUMN version;
ALTER TABLE patients DROP COLUMN facility_code;
