-- Authorization codes, stored as SHA-256 digests (lower-case hex) only.
-- consumed_at is set by the single conditional UPDATE that redeems a code;
-- a replay finds it set. Rows go with their client or user.
CREATE TABLE authorization_codes (
    digest            TEXT    NOT NULL PRIMARY KEY,
    client_id         TEXT    NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    user_id           TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    redirect_uri      TEXT    NOT NULL,
    redirect_uri_sent BOOLEAN NOT NULL DEFAULT FALSE,
    scopes            TEXT    NOT NULL,
    nonce             TEXT,
    code_challenge    TEXT,
    auth_time         BIGINT  NOT NULL,
    issued_at         BIGINT  NOT NULL,
    expires_at        BIGINT  NOT NULL,
    consumed_at       BIGINT
);
CREATE INDEX authorization_codes_expires_at ON authorization_codes (expires_at);
