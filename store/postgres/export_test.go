package postgres

import "context"

// Exec runs a statement as the application's pool would (tests only: the audit suite
// tries to change rows the database must refuse to change).
func (d *DB) Exec(ctx context.Context, stmt string) error {
	_, err := d.pool.Exec(ctx, stmt)
	return err
}
