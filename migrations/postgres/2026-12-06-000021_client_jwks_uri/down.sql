ALTER TABLE clients DROP CONSTRAINT clients_keys_by_value_or_by_url;
ALTER TABLE clients DROP COLUMN jwks_uri;
