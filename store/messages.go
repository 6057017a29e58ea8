package store

import (
	"context"
	"time"

	"github.com/dinsospmd-bateng/silakso/bot/domain"
)

// MessageLog keeps message records and opt-outs.
type MessageLog interface {
	// RecordMessages inserts or advances records, in one transaction.
	RecordMessages(ctx context.Context, recs []domain.MessageRecord) error
	// Messages returns the record of one message.
	Message(ctx context.Context, direction, providerID string) (domain.MessageRecord, error)
	// SetOptOut marks (or clears) a number that asked the provider to stop messages.
	SetOptOut(ctx context.Context, phone string, stopped bool, at time.Time) error
	// OptedOut reports whether a number is marked.
	OptedOut(ctx context.Context, phone string) (bool, error)
}
