-- +goose Up
-- send_key names one message for every try to send it, in this process or the next:
-- providers that take an idempotency key (the Android SMS gateway's message id) accept
-- a try whose answer was lost and refuse the next as a repeat, instead of sending the
-- resident the same SMS twice. SQLite cannot add a column whose default is an
-- expression, so inserts give the key and existing rows get one here.
ALTER TABLE outbox ADD COLUMN send_key TEXT NOT NULL DEFAULT '';
UPDATE outbox SET send_key = lower(hex(randomblob(16))) WHERE send_key = '';

-- +goose Down
ALTER TABLE outbox DROP COLUMN send_key;
