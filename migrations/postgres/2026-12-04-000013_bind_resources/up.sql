-- The resources (RFC 8707) an authorization granted, remembered with its
-- code and its refresh family: space-separated URIs (a resource URI has
-- no space); empty when the request named none.
ALTER TABLE authorization_codes ADD COLUMN resources TEXT NOT NULL DEFAULT '';
ALTER TABLE refresh_families ADD COLUMN resources TEXT NOT NULL DEFAULT '';

-- The resources a user let a client use on their behalf, one row each;
-- gone with the user or the client.
CREATE TABLE resource_consents (
    user_id      TEXT   NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    client_id    TEXT   NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    resource_uri TEXT   NOT NULL,
    granted_at   BIGINT NOT NULL,
    PRIMARY KEY (user_id, client_id, resource_uri)
);
