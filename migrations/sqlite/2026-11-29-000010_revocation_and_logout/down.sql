DROP TABLE revoked_tokens;
ALTER TABLE clients DROP COLUMN may_introspect_any;
ALTER TABLE clients DROP COLUMN post_logout_redirect_uris;
