-- RFC 7591 §2 jwks_uri: where a private_key_jwt client publishes its public
-- keys, instead of registering them by value (jwks); never both. SQLite
-- adds a column's CHECK with the column and tests it on existing rows.
ALTER TABLE clients ADD COLUMN jwks_uri TEXT CHECK (jwks IS NULL OR jwks_uri IS NULL);
