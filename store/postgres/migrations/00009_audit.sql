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
CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON audit
    FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER case_events_append_only BEFORE UPDATE OR DELETE ON case_events
    FOR EACH ROW EXECUTE FUNCTION audit_append_only();

-- +goose Down
DROP TRIGGER case_events_append_only ON case_events;
DROP TRIGGER audit_append_only ON audit;
DROP FUNCTION audit_append_only();
DROP TABLE audit;
