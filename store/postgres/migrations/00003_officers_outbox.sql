-- +goose Up
-- Officers work cases through the bot; they are known by phone number.
CREATE TABLE officers (
    phone      TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    role       TEXT NOT NULL,
    kecamatan  TEXT NOT NULL DEFAULT '',   -- comma-separated names
    channel    TEXT NOT NULL,
    active     BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMPTZ NOT NULL
);

ALTER TABLE cases ADD COLUMN assigned_to TEXT NOT NULL DEFAULT '';
ALTER TABLE cases ADD COLUMN agency TEXT NOT NULL DEFAULT '';
ALTER TABLE cases ADD COLUMN last_reply TEXT NOT NULL DEFAULT '';
ALTER TABLE cases ADD COLUMN last_reply_at TIMESTAMPTZ;
ALTER TABLE cases ADD COLUMN escalated_at TIMESTAMPTZ;
CREATE INDEX cases_open ON cases (status, id);

-- Messages to send, written in the same transaction as the change they announce and
-- delivered by the outbox worker. Workers claim with FOR UPDATE SKIP LOCKED and a lease;
-- if a worker dies the lease runs out and another worker sends it (at least once).
CREATE TABLE outbox (
    id          BIGINT PRIMARY KEY GENERATED ALWAYS AS IDENTITY,
    channel     TEXT NOT NULL,
    recipient   TEXT NOT NULL,
    body        TEXT NOT NULL,
    case_id     BIGINT NOT NULL DEFAULT 0,
    state       TEXT NOT NULL DEFAULT 'pending',  -- pending, sent, failed
    attempts    INTEGER NOT NULL DEFAULT 0,
    next_at     TIMESTAMPTZ NOT NULL,
    lease_until TIMESTAMPTZ,
    lease_owner TEXT NOT NULL DEFAULT '',
    provider_id TEXT NOT NULL DEFAULT '',
    last_error  TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX outbox_due ON outbox (next_at, id) WHERE state = 'pending';

-- +goose Down
DROP TABLE outbox;
DROP INDEX cases_open;
ALTER TABLE cases DROP COLUMN escalated_at;
ALTER TABLE cases DROP COLUMN last_reply_at;
ALTER TABLE cases DROP COLUMN last_reply;
ALTER TABLE cases DROP COLUMN agency;
ALTER TABLE cases DROP COLUMN assigned_to;
DROP TABLE officers;
