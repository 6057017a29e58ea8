package store

import (
	"errors"
	"fmt"
	"testing"

	"github.com/dinsospmd-bateng/silakso/bot/domain"
)

// One case the database refuses does not hold up the others; a database that is away
// ends the run at once.
func TestMarkAllGoesPastRefusedCases(t *testing.T) {
	due := []domain.Case{{Ticket: "1"}, {Ticket: "2"}, {Ticket: "3"}}
	marked := map[string]bool{}
	list := func() ([]domain.Case, error) {
		var left []domain.Case
		for _, c := range due {
			if !marked[c.Ticket] {
				left = append(left, c)
			}
		}
		return left, nil
	}
	n, err := markAll(list, func(c domain.Case) error {
		if c.Ticket == "1" {
			return fmt.Errorf("bad row: %w", ErrInvalid)
		}
		marked[c.Ticket] = true
		return nil
	})
	if n != 2 || !marked["2"] || !marked["3"] || !errors.Is(err, ErrInvalid) {
		t.Fatalf("marked %d (%v), err %v; want 2 and 3 marked and the refusal reported", n, marked, err)
	}

	away := errors.New("connection refused")
	calls := 0
	n, err = markAll(func() ([]domain.Case, error) { return due, nil }, func(domain.Case) error { calls++; return away })
	if n != 0 || calls != 1 || !errors.Is(err, away) {
		t.Fatalf("database away: %d marked after %d calls, err %v; want a stop at the first", n, calls, err)
	}
}
