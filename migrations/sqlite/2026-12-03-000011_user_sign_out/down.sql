ALTER TABLE users DROP COLUMN signed_out_at;
