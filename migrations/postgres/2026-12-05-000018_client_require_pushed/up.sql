-- Whether a client accepts only pushed authorization requests (RFC 9126
-- §6, `clients create|update --require-par`). Off for every existing
-- client.
ALTER TABLE clients ADD COLUMN require_pushed_requests BOOLEAN NOT NULL DEFAULT FALSE;
