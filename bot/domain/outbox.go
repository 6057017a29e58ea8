package domain

import (
	"errors"
	"time"
)

// Outbox message states.
const (
	OutboxPending = "pending"
	OutboxSent    = "sent"
	OutboxFailed  = "failed"
)

// OutboxMessage is a message waiting to be delivered (or the record of one).
type OutboxMessage struct {
	ID      int64
	Channel string
	To      string
	Text    string
	CaseID  int64
	// State is pending, sent or failed.
	State      string
	Attempts   int
	NextAt     time.Time
	ProviderID string
	LastError  string
	// Key names the message for every try to send it (channels.Outbound.Key). Enqueue
	// keeps the one given, or makes one.
	Key string
	// OptedOut is set by Claim when the recipient asked for no more messages
	// (BERHENTI, or STOP at the provider): the message is not to be sent.
	OptedOut bool
}

// ErrLeaseLost: the worker no longer holds the outbox message's lease (it ran out and
// another worker took the message over, and sends it now).
var ErrLeaseLost = errors.New("domain: outbox lease lost to another worker")
