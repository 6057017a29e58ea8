-- +goose Up
-- Times are kept to the millisecond on both engines (store/postgres migration 12);
-- SQLite has always kept unix milliseconds, so nothing changes here. The migration is
-- listed so both engines keep the same list.
SELECT 1;

-- +goose Down
SELECT 1;
