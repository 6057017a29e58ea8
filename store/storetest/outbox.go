package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/dinsospmd-bateng/silakso/bot/domain"
	"github.com/dinsospmd-bateng/silakso/store"
)

// outboxDelivery: leases, outcomes, order per recipient, opt-outs, concurrent workers.
func outboxDelivery(t *testing.T, open func(t *testing.T) CaseDB) {
	ctx := context.Background()
	at := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	t.Run("outbox leases and outcomes", func(t *testing.T) {
		s := open(t)
		must(t, s.Enqueue(ctx, []domain.OutboxMessage{
			{Channel: "console", To: "+628111", Text: "a"},
			{Channel: "console", To: "+628222", Text: "b"},
			{Channel: "console", To: "+628333", Text: "later", NextAt: at.Add(time.Hour)},
		}, at))
		claimed, err := s.Claim(ctx, "w1", 10, time.Minute, at)
		must(t, err)
		if len(claimed) != 2 || claimed[0].Text != "a" || claimed[0].Attempts != 1 || claimed[1].Text != "b" {
			t.Fatalf("claimed %+v", claimed)
		}
		if more, _ := s.Claim(ctx, "w2", 10, time.Minute, at.Add(time.Second)); len(more) != 0 {
			t.Fatalf("leased messages claimed again: %+v", more)
		}
		must(t, s.Sent(ctx, claimed[0].ID, "w1", "SM1", at))
		must(t, s.Retry(ctx, claimed[1].ID, "w1", at.Add(10*time.Second), "busy", at))
		if got, _ := s.OutboxMessageByID(ctx, claimed[0].ID); got.State != domain.OutboxSent || got.ProviderID != "SM1" || got.Text != "" {
			t.Fatalf("sent message %+v (its text is not kept once sent)", got)
		}
		// The retry is due after its backoff, not before.
		if again, _ := s.Claim(ctx, "w2", 10, time.Minute, at.Add(5*time.Second)); len(again) != 0 {
			t.Fatalf("claimed before backoff: %+v", again)
		}
		again, err := s.Claim(ctx, "w2", 10, time.Minute, at.Add(11*time.Second))
		must(t, err)
		if len(again) != 1 || again[0].Text != "b" || again[0].Attempts != 2 || again[0].LastError != "busy" {
			t.Fatalf("retry claimed %+v", again)
		}
		must(t, s.Failed(ctx, again[0].ID, "w2", "invalid number", at))
		if got, _ := s.OutboxMessageByID(ctx, again[0].ID); got.State != domain.OutboxFailed || got.Text != "" {
			t.Fatalf("failed message %+v (its text is not kept once failed)", got)
		}
		if late, _ := s.Claim(ctx, "w3", 10, time.Minute, at.Add(2*time.Hour)); len(late) != 1 || late[0].Text != "later" {
			t.Fatalf("scheduled message %+v", late)
		}
	})

	t.Run("every message keeps one send key through its retries", func(t *testing.T) {
		s := open(t)
		_, _, err := store.File(ctx, s, Filing("k1"), func(c domain.Case) []domain.OutboxMessage {
			return []domain.OutboxMessage{{Channel: "console", To: "+628444", Text: "filed", CaseID: c.ID}}
		})
		must(t, err)
		must(t, s.Enqueue(ctx, []domain.OutboxMessage{
			{Channel: "console", To: "+628111", Text: "given", Key: "reply-7f3a"},
			{Channel: "console", To: "+628222", Text: "made"},
			{Channel: "console", To: "+628333", Text: "made too"},
		}, at))
		claimed, err := s.Claim(ctx, "w1", 10, time.Minute, at.Add(time.Hour))
		must(t, err)
		keys := map[string]string{}
		seen := map[string]bool{}
		for _, m := range claimed {
			if m.Key == "" || seen[m.Key] {
				t.Fatalf("message %q has key %q (empty or shared): %+v", m.Text, m.Key, claimed)
			}
			seen[m.Key] = true
			keys[m.Text] = m.Key
			must(t, s.Retry(ctx, m.ID, "w1", at.Add(time.Hour), "busy", at.Add(time.Hour)))
		}
		if len(claimed) != 4 || keys["given"] != "reply-7f3a" {
			t.Fatalf("claimed %+v: the given key is kept", claimed)
		}
		again, err := s.Claim(ctx, "w2", 10, time.Minute, at.Add(3*time.Hour))
		must(t, err)
		for _, m := range again {
			if keys[m.Text] != m.Key {
				t.Fatalf("%q was claimed again with key %q, first %q", m.Text, m.Key, keys[m.Text])
			}
		}
		if len(again) != 4 {
			t.Fatalf("claimed again %+v", again)
		}
	})

	t.Run("a recipient's messages are handed out one at a time, in order", func(t *testing.T) {
		s := open(t)
		must(t, s.Enqueue(ctx, []domain.OutboxMessage{
			{Channel: "console", To: "+628111", Text: "1"},
			{Channel: "console", To: "+628111", Text: "2"},
			{Channel: "console", To: "+628222", Text: "other"},
			{Channel: "console", To: "+628111", Text: "3"},
		}, at))
		first, err := s.Claim(ctx, "w1", 10, time.Minute, at)
		must(t, err)
		if len(first) != 2 || first[0].Text != "1" || first[1].Text != "other" {
			t.Fatalf("first claim %+v", first)
		}
		must(t, s.Sent(ctx, first[1].ID, "w1", "SM0", at))
		// While 1 is leased, and while it waits for a retry, 2 is not due.
		if more := pending(t, s, at.Add(time.Second)); len(more) != 0 {
			t.Fatalf("claimed behind a leased message: %+v", more)
		}
		must(t, s.Retry(ctx, first[0].ID, "w1", at.Add(time.Minute), "busy", at))
		if more := pending(t, s, at.Add(30*time.Second)); len(more) != 0 {
			t.Fatalf("claimed behind a message waiting for its retry: %+v", more)
		}
		retried, err := s.Claim(ctx, "w2", 10, time.Minute, at.Add(time.Minute))
		must(t, err)
		if len(retried) != 1 || retried[0].Text != "1" {
			t.Fatalf("retry claim %+v", retried)
		}
		must(t, s.Sent(ctx, retried[0].ID, "w2", "SM1", at))
		next, err := s.Claim(ctx, "w2", 10, time.Minute, at.Add(time.Minute))
		must(t, err)
		if len(next) != 1 || next[0].Text != "2" {
			t.Fatalf("after 1 was sent: %+v", next)
		}
		// A message that failed for good no longer holds up the next one.
		must(t, s.Failed(ctx, next[0].ID, "w2", "refused", at))
		last, err := s.Claim(ctx, "w2", 10, time.Minute, at.Add(time.Minute))
		must(t, err)
		if len(last) != 1 || last[0].Text != "3" {
			t.Fatalf("after 2 failed: %+v", last)
		}
	})

	t.Run("a claim says which recipients opted out", func(t *testing.T) {
		s := open(t)
		must(t, s.SetOptOut(ctx, "+628111", true, at))
		must(t, s.Enqueue(ctx, []domain.OutboxMessage{
			{Channel: "console", To: "+628111", Text: "stopped"},
			{Channel: "console", To: "+628222", Text: "wants news"},
		}, at))
		got := pending(t, s, at)
		if len(got) != 2 || !got[0].OptedOut || got[1].OptedOut {
			t.Fatalf("claimed %+v", got)
		}
	})

	t.Run("a lease is extended while the message is worked on, and released on stop", func(t *testing.T) {
		s := open(t)
		must(t, s.Enqueue(ctx, []domain.OutboxMessage{
			{Channel: "console", To: "+628111", Text: "slow"},
			{Channel: "console", To: "+628222", Text: "stopped"},
		}, at))
		claimed, err := s.Claim(ctx, "w1", 10, time.Minute, at)
		must(t, err)
		if len(claimed) != 2 {
			t.Fatalf("claimed %+v", claimed)
		}
		held, err := s.Extend(ctx, "w1", []int64{claimed[0].ID}, at.Add(2*time.Minute))
		must(t, err)
		if len(held) != 1 || held[0] != claimed[0].ID {
			t.Fatalf("extended %v", held)
		}
		must(t, s.Release(ctx, "w1", []int64{claimed[1].ID}))
		// After the first lease would have ended: the extended message is still w1's,
		// the released one is due again with its attempt not counted.
		later, err := s.Claim(ctx, "w2", 10, time.Minute, at.Add(90*time.Second))
		must(t, err)
		if len(later) != 1 || later[0].Text != "stopped" || later[0].Attempts != 1 {
			t.Fatalf("claimed after the first lease %+v", later)
		}
		if held, err := s.Extend(ctx, "w1", []int64{claimed[1].ID}, at.Add(3*time.Minute)); err != nil || len(held) != 0 {
			t.Fatalf("extended a lease another worker holds: %v %v", held, err)
		}
		must(t, s.Sent(ctx, claimed[0].ID, "w1", "SM1", at))
		if held, err := s.Extend(ctx, "w1", []int64{claimed[0].ID}, at.Add(3*time.Minute)); err != nil || len(held) != 0 {
			t.Fatalf("extended a sent message: %v %v", held, err)
		}
	})

	t.Run("a dead worker's message is sent after its lease", func(t *testing.T) {
		s := open(t)
		must(t, s.Enqueue(ctx, []domain.OutboxMessage{{Channel: "console", To: "+628111", Text: "a"}}, at))
		dead, err := s.Claim(ctx, "dead", 10, time.Minute, at)
		must(t, err)
		if len(dead) != 1 {
			t.Fatal("nothing claimed")
		}
		alive, err := s.Claim(ctx, "alive", 10, time.Minute, at.Add(61*time.Second))
		must(t, err)
		if len(alive) != 1 || alive[0].Attempts != 2 {
			t.Fatalf("after the lease: %+v", alive)
		}
		must(t, s.Sent(ctx, alive[0].ID, "alive", "SM2", at))
		// The dead worker waking up late cannot overwrite the outcome.
		if err := s.Sent(ctx, dead[0].ID, "dead", "SM1", at); !errors.Is(err, domain.ErrLeaseLost) {
			t.Fatalf("late outcome: %v", err)
		}
	})

	t.Run("concurrent workers claim disjoint messages, each recipient's in order", func(t *testing.T) {
		s := open(t)
		var batch []domain.OutboxMessage
		for i := range 300 {
			batch = append(batch, domain.OutboxMessage{Channel: "console", To: fmt.Sprintf("+62811%04d", i%40), Text: fmt.Sprint(i)})
		}
		must(t, s.Enqueue(ctx, batch, at))
		var mu sync.Mutex
		seen := map[int64]int{}
		sent := map[string][]int64{}
		var wg sync.WaitGroup
		for w := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for idle := 0; idle < 3; {
					msgs, err := s.Claim(ctx, fmt.Sprint("w", w), 7, time.Minute, at)
					if err != nil {
						t.Error(err)
						return
					}
					if len(msgs) == 0 {
						// Others may still hold a recipient's earlier message.
						idle++
						time.Sleep(20 * time.Millisecond)
						continue
					}
					idle = 0
					for _, m := range msgs {
						mu.Lock()
						seen[m.ID]++
						sent[m.To] = append(sent[m.To], m.ID)
						mu.Unlock()
						if err := s.Sent(ctx, m.ID, fmt.Sprint("w", w), "SM", at); err != nil {
							t.Error(err)
						}
					}
				}
			}()
		}
		wg.Wait()
		if len(seen) != 300 {
			t.Fatalf("%d of 300 messages claimed", len(seen))
		}
		for id, n := range seen {
			if n != 1 {
				t.Fatalf("message %d claimed %d times", id, n)
			}
		}
		for to, ids := range sent {
			if !slices.IsSorted(ids) {
				t.Fatalf("%s got its messages out of order: %v", to, ids)
			}
		}
	})
}
