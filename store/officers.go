package store

import (
	"context"
	"errors"
	"time"

	"github.com/dinsospmd-bateng/silakso/bot/domain"
)

// ErrExists: a record with that key is already there.
var ErrExists = errors.New("store: already exists")

// Officers is the officer registry.
type Officers interface {
	// AddOfficer registers an officer; ErrExists if the number is registered.
	AddOfficer(ctx context.Context, o domain.Officer) error
	// Officer finds one by number; ErrNotFound if unknown.
	Officer(ctx context.Context, phone string) (domain.Officer, error)
	// ListOfficers returns all officers, active or not, by name.
	ListOfficers(ctx context.Context) ([]domain.Officer, error)
	// SetOfficerActive enables or disables an officer, and ends their logins made
	// before at; ErrNotFound if unknown.
	SetOfficerActive(ctx context.Context, phone string, active bool, at time.Time) error
	// SetOfficerPIN stores a new PIN hash, clears wrong tries and any lockout, and ends
	// logins made before at; ErrNotFound if unknown.
	SetOfficerPIN(ctx context.Context, phone, hash string, at time.Time) error
	// PINTry counts a PIN try before the PIN is compared, atomically across instances,
	// so that no guess goes uncounted (a database that fails now fails the login); a
	// locked officer's count is left alone. It returns the officer as now stored;
	// ErrNotFound if unknown.
	PINTry(ctx context.Context, phone string, at time.Time) (domain.Officer, error)
	// PINFailed records that the counted try was wrong: once max tries in a row were
	// wrong, the officer is locked until at+lockFor, doubled for every lockout since the
	// last right PIN (at most 32 times), their logins made before at end, and the count
	// starts again. It returns the officer as now stored.
	PINFailed(ctx context.Context, phone string, max int, lockFor time.Duration, at time.Time) (domain.Officer, error)
	// PINPassed clears the count of tries and of lockouts.
	PINPassed(ctx context.Context, phone string) error
	// SetMonthlySummary switches the monthly summary on or off; ErrNotFound if unknown.
	SetMonthlySummary(ctx context.Context, phone string, on bool) error
}
