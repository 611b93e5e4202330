-- Pushed authorization requests (RFC 9126), found by the SHA-256 digest
-- (lower-case hex) of their request_uri, never the URI; bound to the
-- client that pushed them and gone with it; taken once, or swept by the
-- janitor once expired.
CREATE TABLE pushed_requests (
    digest     TEXT   NOT NULL PRIMARY KEY,
    client_id  TEXT   NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    params     TEXT   NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);

CREATE INDEX pushed_requests_expires_at ON pushed_requests (expires_at);
CREATE INDEX pushed_requests_client_id ON pushed_requests (client_id);
