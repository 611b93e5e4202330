-- RFC 7591 §2 jwks_uri: where a private_key_jwt client publishes its public
-- keys, instead of registering them by value (jwks); never both.
ALTER TABLE clients ADD COLUMN jwks_uri TEXT;
ALTER TABLE clients ADD CONSTRAINT clients_keys_by_value_or_by_url
    CHECK (jwks IS NULL OR jwks_uri IS NULL);
