-- The account page (docs/SECURITY.md § Account page). When a user last
-- revoked an app: the access tokens issued to the pair at or before it are
-- dead, though they carry no refresh family to revoke.
CREATE TABLE app_revocations (
    user_id    TEXT   NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    client_id  TEXT   NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    revoked_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, client_id)
);

-- The page lists a user's sessions and families, and signing out reaches
-- them all: by user, not by a scan.
CREATE INDEX sessions_user_id ON sessions (user_id);
CREATE INDEX refresh_families_user_id ON refresh_families (user_id, client_id);
