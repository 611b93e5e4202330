-- Initial access tokens for dynamic client registration (RFC 7591 §3),
-- found by the SHA-256 digest (lower-case hex) of the token, never the
-- token itself. uses_left counts down one per registration.
CREATE TABLE registration_tokens (
    id         TEXT    NOT NULL PRIMARY KEY,
    digest     TEXT    NOT NULL UNIQUE,
    max_uses   INTEGER NOT NULL,
    uses_left  INTEGER NOT NULL,
    created_at BIGINT  NOT NULL,
    expires_at BIGINT  NOT NULL,
    revoked_at BIGINT
);
