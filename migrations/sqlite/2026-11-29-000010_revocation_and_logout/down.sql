ALTER TABLE authorization_codes DROP COLUMN access_jti;
DROP TABLE revoked_tokens;
ALTER TABLE clients DROP COLUMN may_introspect_any;
ALTER TABLE clients DROP COLUMN post_logout_redirect_uris;
