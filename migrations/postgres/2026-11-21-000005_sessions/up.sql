-- Browser sessions for the web pages. A person signs in once with
-- their API token; the browser then holds only a random session id in an
-- HttpOnly cookie. The id is stored as its SHA-256 (like API tokens), so a
-- copy of the database cannot be replayed as a live session. `csrf_token`
-- is what every form and every cookie-authenticated API write must echo.
-- A session ends at sign-out, after `expires_at` (slid forward while the
-- person is active: an idle timeout), or when its user is disabled.
CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users (id),
    csrf_token TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);
