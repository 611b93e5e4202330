-- OAuth clients. Lists are stored space-separated: none of their items
-- (redirect URIs, origins, scope tokens, grant types) may contain a space.
-- name_key is the lower-cased name: names are unique regardless of case.
CREATE TABLE clients (
    id              TEXT    NOT NULL PRIMARY KEY,
    name            TEXT    NOT NULL,
    name_key        TEXT    NOT NULL,
    client_type     TEXT    NOT NULL,
    auth_method     TEXT    NOT NULL,
    redirect_uris   TEXT    NOT NULL,
    allowed_origins TEXT    NOT NULL,
    scopes          TEXT    NOT NULL,
    grant_types     TEXT    NOT NULL,
    id_token_alg    TEXT    NOT NULL,
    skip_consent    BOOLEAN NOT NULL DEFAULT 0,
    disabled        BOOLEAN NOT NULL DEFAULT 0,
    created_at      BIGINT  NOT NULL,
    updated_at      BIGINT  NOT NULL,
    CONSTRAINT clients_name_key_unique UNIQUE (name_key)
);

-- Secrets as SHA-256 digests (lower-case hex), never the secret itself.
-- At most two per client: the current one (expires_at NULL) and, during a
-- rotation's grace period, the previous one.
CREATE TABLE client_secrets (
    client_id  TEXT   NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    digest     TEXT   NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT,
    PRIMARY KEY (client_id, digest)
);
