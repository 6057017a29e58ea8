package sqlite

import "context"

// Exec runs a statement as the application's connection would (tests only: the audit
// suite tries to change rows the database must refuse to change).
func (d *DB) Exec(ctx context.Context, stmt string) error {
	_, err := d.db.ExecContext(ctx, stmt)
	return err
}

// Dump is every stored personal field as the database holds it: what a dump or a
// backup would show.
func (d *DB) Dump(ctx context.Context) (string, error) {
	var out string
	for _, q := range []string{
		`SELECT COALESCE(group_concat(name || '|' || nik || '|' || address || '|' || description || '|' || filer_name || '|' || last_reply, '|'), '') FROM cases`,
		`SELECT COALESCE(group_concat(note, '|'), '') FROM case_events`,
		`SELECT COALESCE(group_concat(body, '|'), '') FROM outbox`,
	} {
		var s string
		if err := d.db.QueryRowContext(ctx, q).Scan(&s); err != nil {
			return "", err
		}
		out += s + "\n"
	}
	return out, nil
}
