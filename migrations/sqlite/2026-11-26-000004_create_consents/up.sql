-- The scopes each user granted each client (space-separated), so that a
-- request for scopes already granted skips the consent page.
CREATE TABLE consents (
    user_id    TEXT   NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    client_id  TEXT   NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    scopes     TEXT   NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, client_id)
);
