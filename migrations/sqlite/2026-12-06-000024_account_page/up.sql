-- The account page (docs/SECURITY.md § Account page). When a user last
-- revoked an app: the access tokens issued to the pair at or before it are
-- dead, though they carry no refresh family to revoke. No foreign key to
-- the client: the time must outlive it, or a client deleted (a metadata
-- document's, purged once its consent is gone) and admitted again under
-- the same id would bring its old tokens back.
CREATE TABLE app_revocations (
    user_id    TEXT   NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    client_id  TEXT   NOT NULL,
    revoked_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, client_id)
);

-- The page lists a user's sessions and families, revoking an app reaches
-- the pair's codes, device approvals and families, and signing out reaches
-- all of a user's: by user, never by a scan of every user's rows (a signed-in
-- user must not be able to make one statement hold the write lock long).
CREATE INDEX sessions_user_id ON sessions (user_id);
CREATE INDEX refresh_families_user_id ON refresh_families (user_id, client_id);
CREATE INDEX authorization_codes_user_id ON authorization_codes (user_id, client_id);
CREATE INDEX device_authorizations_user_id ON device_authorizations (user_id, client_id);
