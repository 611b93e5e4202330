-- Resource owners. Times are Unix seconds (UTC); ids are hyphenated UUIDs kept
-- as TEXT so that one Diesel code path serves SQLite and PostgreSQL.
-- email_key is the lower-cased address: uniqueness ignores case.
CREATE TABLE users (
    id             TEXT    NOT NULL PRIMARY KEY,
    email          TEXT    NOT NULL,
    email_key      TEXT    NOT NULL,
    email_verified BOOLEAN NOT NULL DEFAULT FALSE,
    display_name   TEXT    NOT NULL,
    password_hash  TEXT    NOT NULL,
    disabled       BOOLEAN NOT NULL DEFAULT FALSE,
    created_at     BIGINT  NOT NULL,
    updated_at     BIGINT  NOT NULL,
    CONSTRAINT users_email_key_unique UNIQUE (email_key)
);
