-- +goose Up
-- Officers log in with a PIN (its bcrypt hash; never the PIN), and wrong PINs in a row
-- lock them out for a while. Roles are a closed set: a role outside it would have
-- covered every kecamatan, so any such officer is switched off (and made a petugas of
-- no kecamatan). SQLite adds a CHECK only by rebuilding the table.
CREATE TABLE officers_new (
    phone        TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    role         TEXT NOT NULL CHECK (role IN ('petugas', 'supervisor', 'admin')),
    kecamatan    TEXT NOT NULL DEFAULT '',
    channel      TEXT NOT NULL,
    active       INTEGER NOT NULL DEFAULT 1,
    created_at   INTEGER NOT NULL,
    pin_hash     TEXT NOT NULL DEFAULT '',
    failed_pins  INTEGER NOT NULL DEFAULT 0,
    locked_until INTEGER NOT NULL DEFAULT 0,
    -- logins made before it have ended (a new PIN, a lockout, a disable)
    sessions_after INTEGER NOT NULL DEFAULT 0,
    -- lockouts since the last right PIN: each lasts twice the one before
    lockouts INTEGER NOT NULL DEFAULT 0
);
INSERT INTO officers_new (phone, name, role, kecamatan, channel, active, created_at)
    SELECT phone, name,
           CASE WHEN role IN ('petugas', 'supervisor', 'admin') THEN role ELSE 'petugas' END,
           CASE WHEN role IN ('petugas', 'supervisor', 'admin') THEN kecamatan ELSE '' END,
           channel,
           CASE WHEN role IN ('petugas', 'supervisor', 'admin') THEN active ELSE 0 END,
           created_at
    FROM officers;
DROP TABLE officers;
ALTER TABLE officers_new RENAME TO officers;

-- Officers see how many other cases share a case's NIK (never the NIK itself).
CREATE INDEX cases_nik ON cases (nik) WHERE nik <> '';

-- +goose Down
DROP INDEX cases_nik;
CREATE TABLE officers_old (
    phone      TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    role       TEXT NOT NULL,
    kecamatan  TEXT NOT NULL DEFAULT '',
    channel    TEXT NOT NULL,
    active     INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL
);
INSERT INTO officers_old SELECT phone, name, role, kecamatan, channel, active, created_at FROM officers;
DROP TABLE officers;
ALTER TABLE officers_old RENAME TO officers;
