-- +goose Up
-- One row per message a provider carried, in or out: cost (segments) and delivery
-- status, never the text. Status callbacks advance status_rank only forwards.
CREATE TABLE messages (
    id          BIGINT PRIMARY KEY GENERATED ALWAYS AS IDENTITY,
    direction   TEXT NOT NULL,
    provider_id TEXT NOT NULL,
    channel     TEXT NOT NULL DEFAULT '',
    peer        TEXT NOT NULL DEFAULT '',
    segments    INTEGER NOT NULL DEFAULT 0,
    status      TEXT NOT NULL DEFAULT '',
    status_rank INTEGER NOT NULL DEFAULT 0,
    error_code  TEXT NOT NULL DEFAULT '',
    error       TEXT NOT NULL DEFAULT '',
    updated_at  TIMESTAMPTZ NOT NULL,
    UNIQUE (direction, provider_id)
);

-- Numbers that told the provider to stop (Twilio error 21610).
CREATE TABLE opt_outs (
    phone TEXT PRIMARY KEY,
    at    TIMESTAMPTZ NOT NULL
);

-- +goose Down
DROP TABLE opt_outs;
DROP TABLE messages;
