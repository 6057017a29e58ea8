-- +goose Up
-- send_key names one message for every try to send it, in this process or the next:
-- providers that take an idempotency key (the Android SMS gateway's message id) accept
-- a try whose answer was lost and refuse the next as a repeat, instead of sending the
-- resident the same SMS twice. Existing rows get a key of their own each.
ALTER TABLE outbox ADD COLUMN send_key TEXT NOT NULL DEFAULT md5(random()::text || clock_timestamp()::text);

-- +goose Down
ALTER TABLE outbox DROP COLUMN send_key;
