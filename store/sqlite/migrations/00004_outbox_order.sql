-- +goose Up
-- Claim hands out a recipient's oldest pending message only, so messages reach each
-- resident in the order they were queued; this index answers "is anything older of
-- theirs still pending?" without reading the whole outbox.
CREATE INDEX outbox_recipient_pending ON outbox (recipient, id) WHERE state = 'pending';

-- +goose Down
DROP INDEX outbox_recipient_pending;
