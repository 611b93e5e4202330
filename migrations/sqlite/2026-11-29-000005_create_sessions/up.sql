-- Browser sessions, found by the SHA-256 digest (lower-case hex) of the cookie's
-- secret. A login replaces the digest; a logout deletes the row. user_id and
-- auth_time are NULL until a login.
CREATE TABLE sessions (
    id         TEXT   NOT NULL PRIMARY KEY,
    digest     TEXT   NOT NULL UNIQUE,
    user_id    TEXT   REFERENCES users (id) ON DELETE CASCADE,
    auth_time  BIGINT,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_expires_at ON sessions (expires_at);

-- Authorization requests waiting for a login or a consent, found by the digest
-- of the handle the forms carry, and only with their own session.
CREATE TABLE pending_authorizations (
    digest     TEXT   NOT NULL PRIMARY KEY,
    session_id TEXT   NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    client_id  TEXT   NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    params     TEXT   NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX pending_authorizations_session_id ON pending_authorizations (session_id);
CREATE INDEX pending_authorizations_expires_at ON pending_authorizations (expires_at);

-- Failed-login counters of the brute-force guard, keyed by the digest of
-- "account:<email>" or "ip:<address>", shared by every instance.
CREATE TABLE login_attempts (
    key             TEXT    NOT NULL PRIMARY KEY,
    failures        INTEGER NOT NULL,
    last_failure_at BIGINT  NOT NULL
);
CREATE INDEX login_attempts_last_failure_at ON login_attempts (last_failure_at);
