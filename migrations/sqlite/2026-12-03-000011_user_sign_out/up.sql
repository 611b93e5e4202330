-- When every session and token of the user was ended (a password change, a
-- disable, an operator's sign-out): access tokens issued at or before it are
-- dead, although their signatures still verify.
ALTER TABLE users ADD COLUMN signed_out_at BIGINT;
