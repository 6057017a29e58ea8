-- +goose Up
-- The service's own audit trail (logins, lockouts, listings, registry changes, exports,
-- purges), and, like the case trail, append-only: the database refuses to change or
-- remove a line, whatever role asks (only a superuser can switch the trigger off, and
-- that is itself logged by PostgreSQL).
CREATE TABLE audit (
    id      BIGINT PRIMARY KEY GENERATED ALWAYS AS IDENTITY,
    at      TIMESTAMPTZ NOT NULL,
    actor   TEXT NOT NULL,
    kind    TEXT NOT NULL,
    subject TEXT NOT NULL DEFAULT '',
    detail  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_at ON audit (at);

-- +goose StatementBegin
CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit rows are append-only';
END;
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE FUNCTION case_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Re-sealing under a new key (silakso data rekey) may rewrite a note's ciphertext,
    -- and the retention purge (or an erasure) may blank it and the resident's number as
    -- actor, and nothing else, in a transaction that says so; each writes an audit line.
    IF TG_OP = 'UPDATE'
       AND ((current_setting('silakso.reseal', true) = 'on' AND NEW.actor = OLD.actor)
            OR (current_setting('silakso.purge', true) = 'on' AND NEW.note = '' AND (NEW.actor = OLD.actor OR NEW.actor = '')))
       AND NEW.id = OLD.id AND NEW.case_id = OLD.case_id AND NEW.at = OLD.at
       AND NEW.kind = OLD.kind AND NEW.from_status = OLD.from_status AND NEW.to_status = OLD.to_status THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit rows are append-only';
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON audit
    FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER case_events_append_only BEFORE UPDATE OR DELETE ON case_events
    FOR EACH ROW EXECUTE FUNCTION case_events_append_only();

-- +goose Down
DROP TRIGGER case_events_append_only ON case_events;
DROP TRIGGER audit_append_only ON audit;
DROP FUNCTION case_events_append_only();
DROP FUNCTION audit_append_only();
DROP TABLE audit;
