-- People sign in with a login name (users.name) and a password: its
-- Argon2id hash as a PHC string (parameters included), whether it is a
-- one-time password the person must change at the next sign-in, and when
-- it was last set. A user without a password signs in with a token only.
ALTER TABLE users ADD COLUMN password_hash TEXT;
ALTER TABLE users ADD COLUMN password_must_change BOOLEAN NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN password_set_at TIMESTAMP;
