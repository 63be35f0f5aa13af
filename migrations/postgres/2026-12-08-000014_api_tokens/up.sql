-- Tokens a person makes for their own programs, as many as they need,
-- each with a name, an optional expiry and its last use. Like the user's
-- own token (users.token_hash) a token is kept only as its SHA-256: it is
-- shown once, when it is made. A revoked token keeps its row (revoked_at)
-- so its name and dates stay readable beside the audit entries about it.
-- last_used_at is written at most once a minute per token.
CREATE TABLE api_tokens (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_ref BIGINT NOT NULL REFERENCES users (id),
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP,
    last_used_at TIMESTAMP,
    revoked_at TIMESTAMP
);
CREATE INDEX api_tokens_user ON api_tokens (user_ref);
