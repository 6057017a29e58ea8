package domain

import (
	"errors"
	"slices"
	"testing"
)

// The lifecycle table allows exactly the office's changes, however often machines are
// reused.
func TestLifecycle(t *testing.T) {
	allowed := map[Status][]Status{
		StatusNew:       {StatusInProcess, StatusRejected},
		StatusInProcess: {StatusReferred, StatusDone, StatusRejected},
		StatusReferred:  {StatusDone},
		StatusDone:      nil,
		StatusRejected:  nil,
	}
	all := append(slices.Clone(OpenStatuses), ClosedStatuses...)
	for range 3 {
		for _, from := range all {
			var next []string
			for _, to := range all {
				err := Transition(from, to)
				if want := slices.Contains(allowed[from], to); (err == nil) != want {
					t.Errorf("%s -> %s: %v, want allowed %v", from, to, err, want)
				}
				if err != nil && !errors.Is(err, ErrTransition) {
					t.Errorf("%s -> %s: %v is not ErrTransition", from, to, err)
				}
			}
			for _, s := range allowed[from] {
				next = append(next, string(s))
			}
			// Named in the usual order: diproses, dirujuk, selesai, ditolak.
			if got := NextStatuses(from); !slices.Equal(got, next) {
				t.Errorf("next from %s: %v, want %v", from, got, next)
			}
		}
	}
}
