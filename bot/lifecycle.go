package bot

import (
	"errors"
	"fmt"
	"sync"

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

// machines are lifecycle machines kept for reuse: the table is compiled once per
// machine, and each question sets the machine to the case's status first.
var machines = sync.Pool{New: func() any { return fsm.NewFSM(string(store.StatusNew), lifecycle, nil) }}

// at lends a machine set to status; put it back with machines.Put.
func at(status store.Status) *fsm.FSM {
	m := machines.Get().(*fsm.FSM)
	m.SetState(string(status))
	return m
}

// transition checks a status change against the table: the machine, at the case's
// status, either can take the event named after the new status or says why not.
func transition(from, to store.Status) error {
	m := at(from)
	defer machines.Put(m)
	if !m.Can(string(to)) {
		return fmt.Errorf("%w: %s -> %s", errTransition, from, to)
	}
	return nil
}

// statusOrder is the order statuses are named in replies.
var statusOrder = []store.Status{store.StatusInProcess, store.StatusReferred, store.StatusDone, store.StatusRejected}

// nextStatuses lists where a case may go from status, in the usual order.
func nextStatuses(from store.Status) []string {
	m := at(from)
	defer machines.Put(m)
	var out []string
	for _, s := range statusOrder {
		if m.Can(string(s)) {
			out = append(out, string(s))
		}
	}
	return out
}
