-- When a key started signing and when it stopped (rotation, issue 6); a retired
-- key is deleted once every token it signed has expired.
ALTER TABLE signing_keys ADD COLUMN activated_at BIGINT;
ALTER TABLE signing_keys ADD COLUMN retired_at BIGINT;
