-- Device authorizations (RFC 8628): found by the SHA-256 digests (lower-
-- case hex) of their device code and of their user code, never the codes;
-- bound to the client that asked and gone with it; decided once by a
-- user, redeemed (deleted) once by the device, or swept by the janitor
-- once expired. `decision` is pending, approved or denied; an approval
-- names the user and their auth_time. `entered_by` is the browser session
-- that last entered the user code correctly.
CREATE TABLE device_authorizations (
    device_code    TEXT   NOT NULL PRIMARY KEY,
    user_code      TEXT   NOT NULL UNIQUE,
    client_id      TEXT   NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    scopes         TEXT   NOT NULL,
    resources      TEXT   NOT NULL,
    decision       TEXT   NOT NULL,
    entered_by     TEXT,
    user_id        TEXT   REFERENCES users (id) ON DELETE CASCADE,
    auth_time      BIGINT,
    interval_secs  BIGINT NOT NULL,
    last_polled_at BIGINT,
    created_at     BIGINT NOT NULL,
    expires_at     BIGINT NOT NULL
);

CREATE INDEX device_authorizations_expires_at ON device_authorizations (expires_at);
CREATE INDEX device_authorizations_client_id ON device_authorizations (client_id);
