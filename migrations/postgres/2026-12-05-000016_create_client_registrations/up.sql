-- What dynamic registration (RFC 7591) keeps beside a client: the SHA-256
-- digest (lower-case hex) of its registration access token (RFC 7592),
-- never the token; the application type it registered as; the address it
-- registered from and the initial access token it spent (a record for
-- investigations); and when it was last issued tokens (NULL until it first
-- was), which the janitor reads to delete idle clients.
CREATE TABLE client_registrations (
    client_id        TEXT   NOT NULL PRIMARY KEY REFERENCES clients (id) ON DELETE CASCADE,
    access_token     TEXT   NOT NULL UNIQUE,
    application_type TEXT   NOT NULL,
    registered_from  TEXT   NOT NULL,
    initial_token_id TEXT,
    last_used_at     BIGINT
);

CREATE INDEX client_registrations_last_used_at ON client_registrations (last_used_at);
