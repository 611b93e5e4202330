ALTER TABLE authorization_codes DROP COLUMN replayed_at;
