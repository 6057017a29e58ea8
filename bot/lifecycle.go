package bot

import (
	"context"
	_ "embed"
	"errors"
	"strings"

	"github.com/looplab/fsm"

	"github.com/dinsospmd-bateng/silakso/store"
)

// The case lifecycle (docs/architecture.md) as a looplab/fsm table: baru -> diproses ->
// dirujuk -> selesai; selesai also from diproses; ditolak from baru or diproses. Each
// event is named after the status it leads to.
var lifecycle = []fsm.EventDesc{
	{Name: string(store.StatusInProcess), Src: []string{string(store.StatusNew)}, Dst: string(store.StatusInProcess)},
	{Name: string(store.StatusReferred), Src: []string{string(store.StatusInProcess)}, Dst: string(store.StatusReferred)},
	{Name: string(store.StatusDone), Src: []string{string(store.StatusInProcess), string(store.StatusReferred)}, Dst: string(store.StatusDone)},
	{Name: string(store.StatusRejected), Src: []string{string(store.StatusNew), string(store.StatusInProcess)}, Dst: string(store.StatusRejected)},
}

// errTransition: the lifecycle does not allow the change.
var errTransition = errors.New("bot: transition not allowed")

// transition checks a status change on a machine restored at the case's status.
func transition(from, to store.Status) error {
	m := fsm.NewFSM(string(from), lifecycle, nil)
	if err := m.Event(context.Background(), string(to)); err != nil {
		return errTransition
	}
	return nil
}

// statusOrder is the order statuses are named in replies.
var statusOrder = []store.Status{store.StatusInProcess, store.StatusReferred, store.StatusDone, store.StatusRejected}

// nextStatuses lists where a case may go from status, in the usual order.
func nextStatuses(from store.Status) []string {
	m := fsm.NewFSM(string(from), lifecycle, nil)
	var out []string
	for _, s := range statusOrder {
		if m.Can(string(s)) {
			out = append(out, string(s))
		}
	}
	return out
}

// agencies.txt lists where a case can be referred (proper names, not text).
//
//go:embed agencies.txt
var agenciesTxt string

var agencies = strings.Fields(strings.ReplaceAll(strings.TrimSpace(agenciesTxt), " ", "_"))

// agencyName finds the agency a typed word names ("dinkes", "bpjs", "desa").
func agencyName(word string) (string, bool) {
	for _, a := range agencies {
		for _, part := range strings.Split(a, "_") {
			if strings.EqualFold(part, word) {
				return strings.ReplaceAll(a, "_", " "), true
			}
		}
	}
	return "", false
}

func agencyList() string { return strings.ReplaceAll(strings.Join(agencies, ", "), "_", " ") }
