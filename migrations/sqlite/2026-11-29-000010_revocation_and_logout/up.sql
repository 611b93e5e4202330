-- RP-initiated logout targets, space-separated like redirect_uris.
ALTER TABLE clients ADD COLUMN post_logout_redirect_uris TEXT NOT NULL DEFAULT '';
-- A resource server that may introspect other clients' tokens (RFC 7662 §4).
ALTER TABLE clients ADD COLUMN may_introspect_any BOOLEAN NOT NULL DEFAULT 0;

-- Revoked access tokens (RFC 7009 §2.1), kept until their own expiry; the
-- janitor deletes them after that, when the token is dead anyway.
CREATE TABLE revoked_tokens (
    jti TEXT PRIMARY KEY NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX revoked_tokens_expires_at ON revoked_tokens (expires_at);

-- The access token a code's exchange issued, so that a replay of the code
-- revokes it too (RFC 6749 §4.1.2).
ALTER TABLE authorization_codes ADD COLUMN access_jti TEXT;
