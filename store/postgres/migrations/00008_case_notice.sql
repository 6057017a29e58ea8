-- +goose Up
-- The privacy notice each filer was shown (its version) and when: the record an
-- auditor asks for under UU 27/2022. Empty for cases filed before notices were kept.
ALTER TABLE cases ADD COLUMN notice TEXT NOT NULL DEFAULT '';
ALTER TABLE cases ADD COLUMN notice_at TIMESTAMPTZ;

-- +goose Down
ALTER TABLE cases DROP COLUMN notice_at;
ALTER TABLE cases DROP COLUMN notice;
