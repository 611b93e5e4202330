-- Resource servers (RFC 8707 resources): the APIs access tokens are for.
-- uri is the identifier clients send as `resource` and the `aud` of the
-- resource's tokens, stored exactly as registered. scopes are the scope
-- tokens the resource defines, space-separated (a scope token has no
-- space). access_token_ttl_seconds and access_token_alg are NULL when the
-- server's defaults apply.
CREATE TABLE resources (
    uri                      TEXT    NOT NULL PRIMARY KEY,
    name                     TEXT    NOT NULL,
    scopes                   TEXT    NOT NULL,
    allow_dynamic_clients    BOOLEAN NOT NULL DEFAULT FALSE,
    access_token_ttl_seconds BIGINT,
    access_token_alg         TEXT,
    created_at               BIGINT  NOT NULL,
    updated_at               BIGINT  NOT NULL
);

-- The resources each client may ask tokens for, space-separated URIs (a
-- resource URI has no space); empty for a client that names none.
ALTER TABLE clients ADD COLUMN resources TEXT NOT NULL DEFAULT '';
