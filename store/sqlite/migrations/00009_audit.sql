-- +goose Up
-- The service's own audit trail (logins, lockouts, listings, registry changes, exports,
-- purges), and, like the case trail, append-only: triggers refuse to change or remove
-- a line.
CREATE TABLE audit (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    at      INTEGER NOT NULL,
    actor   TEXT NOT NULL,
    kind    TEXT NOT NULL,
    subject TEXT NOT NULL DEFAULT '',
    detail  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_at ON audit (at);

-- +goose StatementBegin
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN
    SELECT RAISE(ABORT, 'audit rows are append-only');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN
    SELECT RAISE(ABORT, 'audit rows are append-only');
END;
-- +goose StatementEnd
-- Re-sealing under a new key (silakso data rekey) may rewrite a note's ciphertext, and
-- the retention purge (or an erasure) may blank it and the resident's number as actor,
-- and nothing else, while its transaction holds a row
-- in maintenance (removed before it commits, so no other writer ever sees it); both
-- commands write an audit line.
CREATE TABLE maintenance (what TEXT PRIMARY KEY);
-- +goose StatementBegin
CREATE TRIGGER case_events_no_update BEFORE UPDATE ON case_events
WHEN NOT (((EXISTS (SELECT 1 FROM maintenance WHERE what = 'reseal') AND NEW.actor = OLD.actor)
        OR (EXISTS (SELECT 1 FROM maintenance WHERE what = 'purge') AND NEW.note = ''
            AND (NEW.actor = OLD.actor OR NEW.actor = '')))
    AND NEW.id = OLD.id AND NEW.case_id = OLD.case_id AND NEW.at = OLD.at
    AND NEW.kind = OLD.kind AND NEW.from_status = OLD.from_status AND NEW.to_status = OLD.to_status)
BEGIN
    SELECT RAISE(ABORT, 'audit rows are append-only');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER case_events_no_delete BEFORE DELETE ON case_events
BEGIN
    SELECT RAISE(ABORT, 'audit rows are append-only');
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER case_events_no_delete;
DROP TRIGGER case_events_no_update;
DROP TABLE maintenance;
DROP TRIGGER audit_no_delete;
DROP TRIGGER audit_no_update;
DROP TABLE audit;
