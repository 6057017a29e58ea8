-- +goose Up
-- A version per case, raised by every change to it: a change is decided on the case
-- as read, outside any transaction, and written only if the version is still the one
-- read (store.Cases.UpdateCase); otherwise it is decided again.
ALTER TABLE cases ADD COLUMN version BIGINT NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE cases DROP COLUMN version;
