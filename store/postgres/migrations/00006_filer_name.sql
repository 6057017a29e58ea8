-- +goose Up
-- filer_name is the name of who filed for a family member or someone else, so that an
-- officer knows whom they speak to at the filer's number; "" when filed for oneself.
ALTER TABLE cases ADD COLUMN filer_name TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE cases DROP COLUMN filer_name;
