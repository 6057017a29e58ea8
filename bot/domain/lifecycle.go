package domain

import (
	"errors"
	"fmt"
	"sync"

	"github.com/looplab/fsm"
)

// The case lifecycle (docs/architecture.md) as a looplab/fsm table: baru -> diproses ->
// dirujuk -> selesai; selesai also from diproses; ditolak from baru or diproses. Each
// event is named after the status it leads to.
var lifecycle = []fsm.EventDesc{
	{Name: string(StatusInProcess), Src: []string{string(StatusNew)}, Dst: string(StatusInProcess)},
	{Name: string(StatusReferred), Src: []string{string(StatusInProcess)}, Dst: string(StatusReferred)},
	{Name: string(StatusDone), Src: []string{string(StatusInProcess), string(StatusReferred)}, Dst: string(StatusDone)},
	{Name: string(StatusRejected), Src: []string{string(StatusNew), string(StatusInProcess)}, Dst: string(StatusRejected)},
}

// ErrTransition: the lifecycle does not allow the change.
var ErrTransition = errors.New("domain: transition not allowed")

// machines are lifecycle machines kept for reuse: the table is compiled once per
// machine, and each question sets the machine to the case's status first.
var machines = sync.Pool{New: func() any { return fsm.NewFSM(string(StatusNew), lifecycle, nil) }}

// at lends a machine set to status; put it back with machines.Put.
func at(status Status) *fsm.FSM {
	m := machines.Get().(*fsm.FSM)
	m.SetState(string(status))
	return m
}

// Transition checks a status change against the table: the machine, at the case's
// status, either can take the event named after the new status or says why not.
func Transition(from, to Status) error {
	m := at(from)
	defer machines.Put(m)
	if !m.Can(string(to)) {
		return fmt.Errorf("%w: %s -> %s", ErrTransition, from, to)
	}
	return nil
}

// statusOrder is the order statuses are named in replies.
var statusOrder = []Status{StatusInProcess, StatusReferred, StatusDone, StatusRejected}

// NextStatuses lists where a case may go from status, in the usual order.
func NextStatuses(from Status) []string {
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
