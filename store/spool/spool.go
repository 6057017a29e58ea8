// Package spool keeps parked filings in files on the instance's own disk, one file per
// intake, written and synced before Park returns. A parked filing is an intake the
// resident confirmed while the case database was down, after being told it is saved and
// a ticket will follow; it must outlive a restart of the process, of Redis (which may
// keep nothing on disk) and of the machine. store/redis keeps a second copy that every
// instance can see.
package spool

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/dinsospmd-bateng/silakso/bot/domain"
)

// Spool is a store.Parking in a folder.
type Spool struct {
	dir string
}

// leftoverAge is how old a temporary file must be to count as a crash's leftover; a
// write takes milliseconds.
const leftoverAge = time.Minute

// Open uses dir (created if missing, readable by the owner only: the files hold the
// resident's answers).
func Open(dir string) (*Spool, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("spool: %w", err)
	}
	// A write a crash cut short left a temporary file holding a resident's answers;
	// the filing itself was never reported as parked. Remove them, but only old ones:
	// during a rolling restart on one machine, the instance still stopping may be
	// writing one right now.
	leftovers, _ := filepath.Glob(filepath.Join(dir, ".park-*"))
	for _, f := range leftovers {
		if fi, err := os.Stat(f); err == nil && time.Since(fi.ModTime()) > leftoverAge {
			os.Remove(f)
		}
	}
	return &Spool{dir: dir}, nil
}

// Dir is the folder the spool writes to.
func (s *Spool) Dir() string { return s.dir }

// name is the file of an intake; intake ids hold "+" and "/", so they are hashed.
func (s *Spool) name(intakeID string) string {
	sum := sha256.Sum256([]byte(intakeID))
	return filepath.Join(s.dir, hex.EncodeToString(sum[:16])+".json")
}

// Park implements store.Parking: the file is complete on disk, or absent, when Park
// returns (written under a temporary name, synced, renamed, and the folder synced).
func (s *Spool) Park(_ context.Context, f domain.Filing) error {
	b, err := json.Marshal(f)
	if err != nil {
		return fmt.Errorf("spool: %w", err)
	}
	tmp, err := os.CreateTemp(s.dir, ".park-*")
	if err != nil {
		return fmt.Errorf("spool: %w", err)
	}
	_, err = tmp.Write(b)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), s.name(f.IntakeID))
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("spool: park: %w", err)
	}
	return s.syncDir()
}

// syncDir makes a rename or removal in the folder itself durable.
func (s *Spool) syncDir() error {
	d, err := os.Open(s.dir)
	if err != nil {
		return fmt.Errorf("spool: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("spool: %w", err)
	}
	return nil
}

// Parked implements store.Parking, oldest file name first (names are hashes: the order
// is arbitrary but stable, so a retry round always sees the same filings first).
func (s *Spool) Parked(_ context.Context, limit int) ([]domain.Filing, error) {
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return nil, fmt.Errorf("spool: %w", err)
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name() < entries[j].Name() })
	var out []domain.Filing
	var bad []error
	for _, e := range entries {
		if len(out) == limit {
			break
		}
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".json") || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(s.dir, e.Name()))
		if err != nil {
			bad = append(bad, err)
			continue
		}
		var f domain.Filing
		if err := json.Unmarshal(b, &f); err != nil {
			// Left for an operator to look at; the others are still filed.
			bad = append(bad, fmt.Errorf("%s: %w", e.Name(), err))
			continue
		}
		out = append(out, f)
	}
	if len(out) == 0 && len(bad) > 0 {
		return nil, fmt.Errorf("spool: %w", errors.Join(bad...))
	}
	return out, nil
}

// refusedDir is the folder, inside the spool, of filings set aside for an operator.
const refusedDir = "refused"

// SetAside implements store.SetAside: the file moves to refused/, where retries do not
// look and an operator can.
func (s *Spool) SetAside(_ context.Context, intakeID string) error {
	dir := filepath.Join(s.dir, refusedDir)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("spool: set aside: %w", err)
	}
	name := s.name(intakeID)
	if err := os.Rename(name, filepath.Join(dir, filepath.Base(name))); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("spool: set aside: %w", err)
	}
	return s.syncDir()
}

// Unpark implements store.Parking.
func (s *Spool) Unpark(_ context.Context, intakeID string) error {
	if err := os.Remove(s.name(intakeID)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("spool: unpark: %w", err)
	}
	return s.syncDir()
}
