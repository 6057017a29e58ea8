package bot

import (
	"errors"
	"slices"
	"testing"

	"github.com/dinsospmd-bateng/silakso/store"
)

// The lifecycle table allows exactly the office's changes, however often machines are
// reused.
func TestLifecycle(t *testing.T) {
	allowed := map[store.Status][]store.Status{
		store.StatusNew:       {store.StatusInProcess, store.StatusRejected},
		store.StatusInProcess: {store.StatusReferred, store.StatusDone, store.StatusRejected},
		store.StatusReferred:  {store.StatusDone},
		store.StatusDone:      nil,
		store.StatusRejected:  nil,
	}
	all := append(slices.Clone(store.OpenStatuses), store.ClosedStatuses...)
	for range 3 {
		for _, from := range all {
			var next []string
			for _, to := range all {
				err := transition(from, to)
				if want := slices.Contains(allowed[from], to); (err == nil) != want {
					t.Errorf("%s -> %s: %v, want allowed %v", from, to, err, want)
				}
				if err != nil && !errors.Is(err, errTransition) {
					t.Errorf("%s -> %s: %v is not errTransition", from, to, err)
				}
			}
			for _, s := range allowed[from] {
				next = append(next, string(s))
			}
			// Named in the usual order: diproses, dirujuk, selesai, ditolak.
			if got := nextStatuses(from); !slices.Equal(got, next) {
				t.Errorf("next from %s: %v, want %v", from, got, next)
			}
		}
	}
}
