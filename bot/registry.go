package bot

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/dinsospmd-bateng/silakso/bot/domain"
	"github.com/dinsospmd-bateng/silakso/store"
)

// officerCache answers "is this number an officer?" on every turn without a database
// round trip: the registry is small and read whole, again after ttl. An officer added
// or disabled is seen by every instance within ttl.
//
// A database that is down or hangs must not slow turns that do not need it: a reload is
// bounded by timeout, only one turn reloads at a time (the others use the copy they
// have), and after a failed reload the last good copy serves for retryAfter before the
// next try. Only an instance that never loaded the registry has to fail the turn.
type officerCache struct {
	src     store.Officers
	ttl     time.Duration
	now     func() time.Time
	timeout time.Duration
	log     *slog.Logger

	mu      sync.Mutex
	loaded  time.Time
	retryAt time.Time
	loading bool
	byPhone map[string]domain.Officer
	all     []domain.Officer
}

// retryAfter is how long a failed reload leaves the last good copy in use.
const retryAfter = 5 * time.Second

func (c *officerCache) load(ctx context.Context) error {
	c.mu.Lock()
	now := c.now()
	have := c.byPhone != nil
	if have && (now.Sub(c.loaded) < c.ttl || c.loading || now.Before(c.retryAt)) {
		c.mu.Unlock()
		return nil
	}
	c.loading = true
	c.mu.Unlock()

	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	list, err := c.src.ListOfficers(ctx)
	cancel()

	c.mu.Lock()
	defer c.mu.Unlock()
	c.loading = false
	if err != nil {
		c.retryAt = c.now().Add(retryAfter)
		if have {
			// Better the last registry than treating an officer as a resident while the
			// database is away; their command will get its own clear answer.
			if c.log != nil {
				c.log.Warn("officer registry not reloaded; using the last copy", "err", err)
			}
			return nil
		}
		return err
	}
	byPhone := make(map[string]domain.Officer, len(list))
	for _, o := range list {
		byPhone[o.Phone] = o
	}
	c.byPhone, c.all, c.loaded = byPhone, list, c.now()
	return nil
}

// active returns the active officer with that number.
func (c *officerCache) active(ctx context.Context, phone string) (domain.Officer, bool, error) {
	if c == nil {
		return domain.Officer{}, false, nil
	}
	if err := c.load(ctx); err != nil {
		return domain.Officer{}, false, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	o, ok := c.byPhone[phone]
	return o, ok && o.Active, nil
}

// Warm loads the officer registry now, while the database is known to answer (serve
// calls it at start), so that an outage before the first message does not leave the
// engine without one.
func (e *shared) Warm(ctx context.Context) error { return e.officers.refresh(ctx) }

// refresh loads the registry if it is stale. Call it before deciding a change that
// reads the cache (name, get), so that the decision sees a fresh copy.
func (c *officerCache) refresh(ctx context.Context) error {
	if c == nil {
		return nil
	}
	return c.load(ctx)
}

// forKecamatan returns who hears about a new case there: the active petugas covering
// it, or, if there is none, the supervisors and admins. It reads the cache as it is.
func (c *officerCache) forKecamatan(kecamatan string) []domain.Officer {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	var petugas, others []domain.Officer
	for _, o := range c.all {
		switch {
		case !o.Active:
		case o.Role == domain.RolePetugas && o.Covers(kecamatan):
			petugas = append(petugas, o)
		case o.Oversees():
			others = append(others, o)
		}
	}
	if len(petugas) > 0 {
		return petugas
	}
	return others
}

// supervisors returns the active supervisors and admins, from the cache as it is.
func (c *officerCache) supervisors() []domain.Officer {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []domain.Officer
	for _, o := range c.all {
		if o.Active && o.Oversees() {
			out = append(out, o)
		}
	}
	return out
}

// name returns an officer's name from the cache as it is, without loading: a decision
// may run again after a conflict, and a name needs no fresher copy than refresh gave.
func (c *officerCache) name(phone string) (string, bool) {
	if c == nil {
		return "", false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	o, ok := c.byPhone[phone]
	return o.Name, ok
}

// get returns an officer from the cache as it is, without loading, like name.
func (c *officerCache) get(phone string) (domain.Officer, bool) {
	if c == nil {
		return domain.Officer{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	o, ok := c.byPhone[phone]
	return o, ok
}
