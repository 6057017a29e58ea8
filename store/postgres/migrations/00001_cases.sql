-- +goose Up
-- Cases filed by the intake. Same version and meaning as store/sqlite/migrations;
-- a test checks that both engines have the same list of migrations.
CREATE SEQUENCE case_seq;

CREATE TABLE cases (
    id          BIGINT PRIMARY KEY DEFAULT nextval('case_seq'),
    ticket      TEXT UNIQUE,
    intake_id   TEXT NOT NULL UNIQUE,
    status      TEXT NOT NULL,
    channel     TEXT NOT NULL,
    filer       TEXT NOT NULL,
    lang        TEXT NOT NULL,
    relation    TEXT NOT NULL,
    name        TEXT NOT NULL,
    nik         TEXT NOT NULL DEFAULT '',
    no_nik      BOOLEAN NOT NULL DEFAULT FALSE,
    desa_code   TEXT NOT NULL,
    desa        TEXT NOT NULL,
    kecamatan   TEXT NOT NULL,
    address     TEXT NOT NULL,
    need        TEXT NOT NULL,
    description TEXT NOT NULL,
    contact     TEXT NOT NULL,
    filed_at    TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);
ALTER SEQUENCE case_seq OWNED BY cases.id;
CREATE INDEX cases_filer ON cases (filer, id);
CREATE INDEX cases_kecamatan_status ON cases (kecamatan, status, id);

-- The audit trail: every change to a case, who made it and when.
CREATE TABLE case_events (
    id          BIGINT PRIMARY KEY GENERATED ALWAYS AS IDENTITY,
    case_id     BIGINT NOT NULL REFERENCES cases (id),
    at          TIMESTAMPTZ NOT NULL,
    actor       TEXT NOT NULL,
    kind        TEXT NOT NULL,
    from_status TEXT NOT NULL DEFAULT '',
    to_status   TEXT NOT NULL DEFAULT '',
    note        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX case_events_case ON case_events (case_id, id);

-- +goose Down
DROP TABLE case_events;
DROP TABLE cases;
