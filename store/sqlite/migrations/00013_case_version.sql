-- +goose Up
-- A version per case, raised by every change to it: a change is decided on the case
-- as read, outside any transaction, and written only if the version is still the one
-- read (store.Cases.UpdateCase); otherwise it is decided again.
ALTER TABLE cases ADD COLUMN version INTEGER NOT NULL DEFAULT 0;

-- Case numbers are drawn before the case is written (its ticket, which the messages
-- filed with it name, needs the number), as PostgreSQL's case_seq does. n is the last
-- number drawn, starting from the highest ever used (AUTOINCREMENT's mark, which a
-- case removed by hand leaves behind).
CREATE TABLE case_seq (n INTEGER NOT NULL);
INSERT INTO case_seq (n) SELECT max((SELECT COALESCE(MAX(id), 0) FROM cases),
    (SELECT COALESCE(MAX(seq), 0) FROM sqlite_sequence WHERE name = 'cases'));

-- +goose Down
DROP TABLE case_seq;
ALTER TABLE cases DROP COLUMN version;
