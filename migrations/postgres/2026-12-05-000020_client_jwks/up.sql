-- RFC 7523 §2.2 (private_key_jwt): a client's public keys, a JWK Set as
-- registered (RFC 7591 §2 jwks). Only public keys: the client keeps its
-- private keys, and nothing secret is stored here.
ALTER TABLE clients ADD COLUMN jwks TEXT;
