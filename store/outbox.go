package store

import (
	"context"
	"time"

	"github.com/dinsospmd-bateng/silakso/bot/domain"
)

// Outbox holds messages until a worker has delivered them. Delivery is at least once: a
// worker that dies after sending but before recording it loses its lease, and the
// message is sent again by another.
//
// Messages reach each recipient in the order they were queued: Claim hands out a
// recipient's oldest pending message only, and only once nothing older of theirs is
// pending (leased to a worker or waiting for a retry), whichever worker in whichever
// instance asks.
type Outbox interface {
	// Enqueue stores messages due at at (for messages not tied to a case change).
	Enqueue(ctx context.Context, msgs []domain.OutboxMessage, at time.Time) error
	// Claim leases up to limit due messages, at most one per recipient, to owner until
	// now+lease, counting an attempt, and says of each whether its recipient opted out
	// (so a worker needs no second query per message).
	Claim(ctx context.Context, owner string, limit int, lease time.Duration, now time.Time) ([]domain.OutboxMessage, error)
	// Extend renews owner's leases of ids until until, for messages still being worked
	// on, and returns the ids owner still holds (a lease that ran out may have gone to
	// another worker).
	Extend(ctx context.Context, owner string, ids []int64, until time.Time) ([]int64, error)
	// Release gives back owner's leases of ids without an outcome (the worker is
	// stopping): the messages are due again at once and the attempt is not counted.
	Release(ctx context.Context, owner string, ids []int64) error
	// Sent, Retry and Failed record the outcome of a claimed message. They return
	// domain.ErrLeaseLost if owner no longer holds the lease (another worker took it over).
	// A message sent or failed keeps its record but not its text: what residents were
	// told is not kept longer than it takes to tell them.
	Sent(ctx context.Context, id int64, owner, providerID string, at time.Time) error
	Retry(ctx context.Context, id int64, owner string, next time.Time, reason string, at time.Time) error
	Failed(ctx context.Context, id int64, owner, reason string, at time.Time) error
	// OutboxMessageByID reads one message (for tests and operators).
	OutboxMessageByID(ctx context.Context, id int64) (domain.OutboxMessage, error)
}
