PRAGMA foreign_keys = OFF;
BEGIN;
DROP TABLE patient_versions;
CREATE TABLE patients_old (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
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
INSERT INTO patients_old (id, patient_key, patient_number, name, name_kana, birth_date,
                          sex, address, phone, updated_at)
SELECT id, patient_key, patient_number, name, name_kana, birth_date, sex, address, phone,
       updated_at
FROM patients;
DROP TABLE patients;
ALTER TABLE patients_old RENAME TO patients;
COMMIT;
PRAGMA foreign_keys = ON;
