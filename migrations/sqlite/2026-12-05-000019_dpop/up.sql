-- DPoP (RFC 9449). Used proof ids, by a SHA-256 digest (lower-case hex)
-- of the key's thumbprint and the proof's jti, kept until the proof could
-- no longer be accepted and swept by the janitor after: every instance
-- sharing this database refuses a replay (RFC 9449 §11.1).
CREATE TABLE one_time_ids (
    digest     TEXT   NOT NULL PRIMARY KEY,
    expires_at BIGINT NOT NULL
);

CREATE INDEX one_time_ids_expires_at ON one_time_ids (expires_at);

-- RFC 9449 §5.2 dpop_bound_access_tokens: the client must send a proof
-- with every token request. Off for every existing client.
ALTER TABLE clients ADD COLUMN dpop_bound BOOLEAN NOT NULL DEFAULT 0;

-- RFC 9449 §10: the key thumbprint a code is bound to (dpop_jkt).
ALTER TABLE authorization_codes ADD COLUMN dpop_jkt TEXT;

-- RFC 9449 §5: a public client's refresh family is bound to its DPoP key.
ALTER TABLE refresh_families ADD COLUMN dpop_jkt TEXT;
