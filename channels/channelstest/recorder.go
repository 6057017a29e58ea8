// Package channelstest holds a fake of what a channel adapter talks to on our side: the
// bot, the reply queue and the message-record writer. None of them is a database.
package channelstest

import (
	"context"
	"sync"

	"github.com/dinsospmd-bateng/silakso/channels"
	"github.com/dinsospmd-bateng/silakso/store"
)

// Recorder records every turn, queued reply and message record. Like the bot it drops a
// message whose id it has seen, and it answers every other message with one "ok" (and
// Fail, when set). Read the fields once the adapter is done.
type Recorder struct {
	mu      sync.Mutex
	Inbound []channels.Inbound
	Replies []channels.Outbound
	Records []store.MessageRecord
	Fail    error
}

// Handle implements channels.Handler.
func (r *Recorder) Handle(_ context.Context, in channels.Inbound) ([]channels.Outbound, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, seen := range r.Inbound {
		if seen.ID == in.ID {
			return nil, nil
		}
	}
	r.Inbound = append(r.Inbound, in)
	return []channels.Outbound{{Channel: in.Channel, To: in.From, Text: "ok"}}, r.Fail
}

// Enqueue implements channels.Replier; like the dispatcher it refuses a context that is
// already done.
func (r *Recorder) Enqueue(ctx context.Context, out channels.Outbound) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.Replies = append(r.Replies, out)
	return nil
}

// Add records a message record.
func (r *Recorder) Add(_ context.Context, rec store.MessageRecord) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.Records = append(r.Records, rec)
	return nil
}
