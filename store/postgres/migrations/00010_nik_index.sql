-- +goose Up
-- Personal fields are sealed (store/seal): a sealed NIK differs every time it is
-- stored, so cases of one NIK are found by its blind index, a keyed HMAC.
ALTER TABLE cases ADD COLUMN nik_index TEXT NOT NULL DEFAULT '';
CREATE INDEX cases_nik_index ON cases (nik_index) WHERE nik_index <> '';

-- +goose Down
DROP INDEX cases_nik_index;
ALTER TABLE cases DROP COLUMN nik_index;
