-- Resource owners. Times are Unix seconds (UTC); ids are hyphenated UUIDs.
-- email_key is the lower-cased address: uniqueness ignores case.
CREATE TABLE users (
    id             TEXT    NOT NULL PRIMARY KEY,
    email          TEXT    NOT NULL,
    email_key      TEXT    NOT NULL,
    email_verified BOOLEAN NOT NULL DEFAULT 0,
    display_name   TEXT    NOT NULL,
    password_hash  TEXT    NOT NULL,
    disabled       BOOLEAN NOT NULL DEFAULT 0,
    created_at     BIGINT  NOT NULL,
    updated_at     BIGINT  NOT NULL,
    CONSTRAINT users_email_key_unique UNIQUE (email_key)
);
