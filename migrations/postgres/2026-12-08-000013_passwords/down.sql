ALTER TABLE users DROP COLUMN password_set_at;
ALTER TABLE users DROP COLUMN password_must_change;
ALTER TABLE users DROP COLUMN password_hash;
