package sqlite

import "context"

// Exec runs a statement as the application's connection would (tests only: the audit
// suite tries to change rows the database must refuse to change).
func (d *DB) Exec(ctx context.Context, stmt string) error {
	_, err := d.db.ExecContext(ctx, stmt)
	return err
}
