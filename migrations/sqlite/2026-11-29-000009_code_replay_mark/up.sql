-- Set when a consumed code is presented again, so that an exchange still in
-- flight sees the replay and revokes what it issued (RFC 6749 §4.1.2).
ALTER TABLE authorization_codes ADD COLUMN replayed_at BIGINT;
