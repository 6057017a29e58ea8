// Package channelstest holds a fake of what a channel adapter talks to on our side: the
// bot, the reply queue and the message-record writer. None of them is a database.
package channelstest

import (
	"context"
	"sync"

	"github.com/dinsospmd-bateng/silakso/bot/domain"
	"github.com/dinsospmd-bateng/silakso/channels"
)

// Recorder records every turn, queued reply and message record. Like the bot it
// answers a message it processed before with channels.ErrDuplicate, and every other
// message with one "ok"; while Fail is set (for the first FailTimes turns, if that is
// not 0) it fails the turn instead, answering "try again" with the error, and the
// message counts as not processed. Read the fields once the adapter is done.
type Recorder struct {
	mu        sync.Mutex
	Inbound   []channels.Inbound
	Replies   []channels.Outbound
	Records   []domain.MessageRecord
	Fail      error
	FailTimes int
	failed    int
	processed map[string]bool
}

// Handle implements channels.Handler.
func (r *Recorder) Handle(_ context.Context, in channels.Inbound) ([]channels.Outbound, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.processed[in.ID] {
		return nil, channels.ErrDuplicate
	}
	r.Inbound = append(r.Inbound, in)
	if r.Fail != nil && (r.FailTimes == 0 || r.failed < r.FailTimes) {
		r.failed++
		return []channels.Outbound{{Channel: in.Channel, To: in.From, Text: "try again"}}, r.Fail
	}
	if r.processed == nil {
		r.processed = map[string]bool{}
	}
	r.processed[in.ID] = true
	return []channels.Outbound{{Channel: in.Channel, To: in.From, Text: "ok"}}, nil
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
func (r *Recorder) Add(_ context.Context, rec domain.MessageRecord) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.Records = append(r.Records, rec)
	return nil
}

// MessageRecords returns the message records so far, for adapters that write them after
// answering the provider.
func (r *Recorder) MessageRecords() []domain.MessageRecord {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]domain.MessageRecord(nil), r.Records...)
}
