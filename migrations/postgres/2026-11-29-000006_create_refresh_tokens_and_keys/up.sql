-- Refresh-token families (RFC 9700 §4.14): what the code exchange granted and
-- until when (expires_at: the absolute lifetime). code_digest lets a replayed
-- code revoke the families it started.
CREATE TABLE refresh_families (
    id          TEXT   NOT NULL PRIMARY KEY,
    client_id   TEXT   NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    user_id     TEXT   NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    scopes      TEXT   NOT NULL,
    auth_time   BIGINT NOT NULL,
    code_digest TEXT,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    revoked_at  BIGINT
);
CREATE INDEX refresh_families_code_digest ON refresh_families (code_digest);
CREATE INDEX refresh_families_expires_at ON refresh_families (expires_at);

-- Refresh tokens, stored as SHA-256 digests only. rotated_at is set by the
-- single conditional UPDATE that replaces a token with its successor.
CREATE TABLE refresh_tokens (
    digest     TEXT   NOT NULL PRIMARY KEY,
    family_id  TEXT   NOT NULL REFERENCES refresh_families (id) ON DELETE CASCADE,
    scopes     TEXT   NOT NULL,
    issued_at  BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    rotated_at BIGINT
);
CREATE INDEX refresh_tokens_family_id ON refresh_tokens (family_id);

-- Signing keys shared by every instance. The private JWK is sealed with
-- AES-256-GCM under the master key; only the public JWK is in the clear.
CREATE TABLE signing_keys (
    kid                TEXT   NOT NULL PRIMARY KEY,
    alg                TEXT   NOT NULL,
    state              TEXT   NOT NULL,
    public_jwk         TEXT   NOT NULL,
    sealed_private_jwk TEXT   NOT NULL,
    created_at         BIGINT NOT NULL
);
