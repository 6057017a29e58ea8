-- +goose Up
-- Officers log in with a PIN (its bcrypt hash; never the PIN), and wrong PINs in a row
-- lock them out for a while, counted here so that every instance sees the same count.
-- Roles are a closed set: a role outside it would have covered every kecamatan, so any
-- such officer is switched off (and made a petugas of no kecamatan) before the CHECK
-- holds; an operator re-registers them with a real role.
ALTER TABLE officers ADD COLUMN pin_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE officers ADD COLUMN failed_pins INTEGER NOT NULL DEFAULT 0;
ALTER TABLE officers ADD COLUMN locked_until TIMESTAMPTZ;
-- Logins made before sessions_after have ended: a new PIN, a lockout or a disable cut
-- off a phone that is logged in.
ALTER TABLE officers ADD COLUMN sessions_after TIMESTAMPTZ;
-- Lockouts since the last right PIN: each lasts twice the one before.
ALTER TABLE officers ADD COLUMN lockouts INTEGER NOT NULL DEFAULT 0;
UPDATE officers SET active = false, role = 'petugas', kecamatan = ''
    WHERE role NOT IN ('petugas', 'supervisor', 'admin');
ALTER TABLE officers ADD CONSTRAINT officers_role CHECK (role IN ('petugas', 'supervisor', 'admin'));

-- Officers see how many other cases share a case's NIK (never the NIK itself).
CREATE INDEX cases_nik ON cases (nik) WHERE nik <> '';

-- +goose Down
DROP INDEX cases_nik;
ALTER TABLE officers DROP CONSTRAINT officers_role;
ALTER TABLE officers DROP COLUMN lockouts;
ALTER TABLE officers DROP COLUMN sessions_after;
ALTER TABLE officers DROP COLUMN locked_until;
ALTER TABLE officers DROP COLUMN failed_pins;
ALTER TABLE officers DROP COLUMN pin_hash;
