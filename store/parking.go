package store

import (
	"context"
	"errors"

	"github.com/dinsospmd-bateng/silakso/bot/domain"
)

// ParkingCopies keeps every parked filing in several stores at once: the instance's
// own spool, which no restart of Redis or of the process loses, and the session store,
// which every instance sees (so another instance files it if this one never comes
// back). Filing is idempotent, so a filing found in two copies is filed once.
type ParkingCopies struct {
	// Copies[0] is the durable one: a filing is parked only once it holds it. The
	// others are kept as well as they can be.
	Copies []Parking
	// OnError, if set, hears of a copy that failed while the durable one held.
	OnError func(err error)
}

// Park implements Parking: it succeeds when the durable copy holds the filing (a
// resident is told "saved" only then).
func (p ParkingCopies) Park(ctx context.Context, f domain.Filing) error {
	if err := p.Copies[0].Park(ctx, f); err != nil {
		return err
	}
	var errs []error
	for _, c := range p.Copies[1:] {
		if err := c.Park(ctx, f); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 && p.OnError != nil {
		p.OnError(errors.Join(errs...))
	}
	return nil
}

// Parked implements Parking: the filings of every copy that answers, each once.
func (p ParkingCopies) Parked(ctx context.Context, limit int) ([]domain.Filing, error) {
	var out []domain.Filing
	seen := map[string]bool{}
	var errs []error
	for _, c := range p.Copies {
		fs, err := c.Parked(ctx, limit)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, f := range fs {
			if !seen[f.IntakeID] && len(out) < limit {
				seen[f.IntakeID] = true
				out = append(out, f)
			}
		}
	}
	return out, p.outcome(errs)
}

// Unpark implements Parking; every copy must forget the filing (a copy that failed
// brings it back next time, and it is found filed).
func (p ParkingCopies) Unpark(ctx context.Context, intakeID string) error {
	var errs []error
	for _, c := range p.Copies {
		if err := c.Unpark(ctx, intakeID); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// SetAside implements store.SetAside: the durable copy keeps the filing aside, the
// others forget it.
func (p ParkingCopies) SetAside(ctx context.Context, intakeID string) error {
	aside, ok := p.Copies[0].(SetAside)
	if !ok {
		return errors.New("store: the durable parking copy cannot set filings aside")
	}
	if err := aside.SetAside(ctx, intakeID); err != nil {
		return err
	}
	var errs []error
	for _, c := range p.Copies[1:] {
		if err := c.Unpark(ctx, intakeID); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// outcome is an error only when every copy failed.
func (p ParkingCopies) outcome(errs []error) error {
	if len(errs) == 0 {
		return nil
	}
	if len(errs) == len(p.Copies) {
		return errors.Join(errs...)
	}
	if p.OnError != nil {
		p.OnError(errors.Join(errs...))
	}
	return nil
}
