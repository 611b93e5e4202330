-- Security events (docs/SECURITY.md § Security events): what happened, to
-- whom, from where. No foreign keys: the record of a user or client must
-- outlive them. `details` is a JSON object of the event's other facts,
-- never a secret. `id` orders the events of one second; the janitor
-- deletes rows past the retention period by `occurred_at`.
CREATE TABLE security_events (
    id          BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    occurred_at BIGINT  NOT NULL,
    kind        TEXT    NOT NULL,
    user_id     TEXT,
    client_id   TEXT,
    address     TEXT,
    details     TEXT    NOT NULL
);

CREATE INDEX security_events_occurred_at ON security_events (occurred_at);
CREATE INDEX security_events_user_id ON security_events (user_id, occurred_at);
CREATE INDEX security_events_client_id ON security_events (client_id, occurred_at);
