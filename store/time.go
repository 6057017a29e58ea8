package store

import "time"

// Precision is how finely both engines keep times: SQLite as unix milliseconds,
// PostgreSQL as timestamptz(3) (migration 12), so that an instant stored on one reads
// the same as on the other.
const Precision = time.Millisecond

// Stamp is t as the case stores keep it: UTC, cut to Precision.
func Stamp(t time.Time) time.Time { return t.UTC().Truncate(Precision) }
