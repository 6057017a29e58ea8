package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/dinsospmd-bateng/silakso/bot/domain"
	"github.com/dinsospmd-bateng/silakso/store"
)

// TestMessageLog runs the message-record suite; open returns a fresh store per subtest.
func TestMessageLog(t *testing.T, open func(t *testing.T) store.MessageLog) {
	ctx := context.Background()
	at := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	out := func(id, status string, sec int) domain.MessageRecord {
		return domain.MessageRecord{Direction: domain.Outbound, ProviderID: id, Status: status, At: at.Add(time.Duration(sec) * time.Second)}
	}

	t.Run("record then advance", func(t *testing.T) {
		s := open(t)
		sent := out("SM1", "queued", 0)
		sent.Channel, sent.Peer, sent.Segments = "twilio-sms", "+6281234567890", 2
		must(t, s.RecordMessages(ctx, []domain.MessageRecord{sent}))
		must(t, s.RecordMessages(ctx, []domain.MessageRecord{out("SM1", "sent", 1)}))
		must(t, s.RecordMessages(ctx, []domain.MessageRecord{out("SM1", "delivered", 2)}))
		got, err := s.Message(ctx, domain.Outbound, "SM1")
		must(t, err)
		if got.Status != "delivered" || got.Channel != "twilio-sms" || got.Peer != "+6281234567890" || got.Segments != 2 || !got.At.Equal(at.Add(2*time.Second)) {
			t.Fatalf("got %+v", got)
		}
	})

	t.Run("late callbacks never move a message back", func(t *testing.T) {
		s := open(t)
		must(t, s.RecordMessages(ctx, []domain.MessageRecord{out("SM1", "delivered", 2)}))
		must(t, s.RecordMessages(ctx, []domain.MessageRecord{out("SM1", "sent", 1), out("SM1", "queued", 0)}))
		got, err := s.Message(ctx, domain.Outbound, "SM1")
		must(t, err)
		if got.Status != "delivered" {
			t.Fatalf("status %s", got.Status)
		}
	})

	t.Run("status before the send record", func(t *testing.T) {
		s := open(t)
		failed := out("SM1", "failed", 1)
		failed.ErrorCode, failed.Error = "30003", "unreachable handset"
		sent := out("SM1", "queued", 0)
		sent.Peer, sent.Segments = "+6281234567890", 1
		// Same batch, status first: merged before writing.
		must(t, s.RecordMessages(ctx, []domain.MessageRecord{failed, sent}))
		got, err := s.Message(ctx, domain.Outbound, "SM1")
		must(t, err)
		if got.Status != "failed" || got.ErrorCode != "30003" || got.Peer != "+6281234567890" || got.Segments != 1 {
			t.Fatalf("got %+v", got)
		}
	})

	t.Run("inbound and outbound ids are separate", func(t *testing.T) {
		s := open(t)
		in := domain.MessageRecord{Direction: domain.Inbound, ProviderID: "SM1", Status: "received", Peer: "+628111", At: at}
		must(t, s.RecordMessages(ctx, []domain.MessageRecord{in, out("SM1", "queued", 0)}))
		got, err := s.Message(ctx, domain.Inbound, "SM1")
		must(t, err)
		if got.Status != "received" {
			t.Fatalf("inbound %+v", got)
		}
		if _, err := s.Message(ctx, domain.Outbound, "SM2"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unknown message: %v", err)
		}
	})

	t.Run("a large batch", func(t *testing.T) {
		s := open(t)
		var batch []domain.MessageRecord
		for i := range 2000 {
			batch = append(batch, out(fmt.Sprint("SM", i), "queued", 0))
		}
		must(t, s.RecordMessages(ctx, batch))
		got, err := s.Message(ctx, domain.Outbound, "SM1999")
		must(t, err)
		if got.Status != "queued" {
			t.Fatalf("got %+v", got)
		}
	})

	t.Run("opt out and back in", func(t *testing.T) {
		s := open(t)
		must(t, s.SetOptOut(ctx, "+628111", true, at))
		must(t, s.SetOptOut(ctx, "+628111", true, at))
		if stopped, err := s.OptedOut(ctx, "+628111"); err != nil || !stopped {
			t.Fatalf("opted out = %v, %v", stopped, err)
		}
		if stopped, _ := s.OptedOut(ctx, "+628222"); stopped {
			t.Fatal("another number opted out")
		}
		must(t, s.SetOptOut(ctx, "+628111", false, at))
		if stopped, _ := s.OptedOut(ctx, "+628111"); stopped {
			t.Fatal("still opted out")
		}
	})

	t.Run("ids and peers from the network are stored clean", func(t *testing.T) {
		s := open(t)
		bad := out("SM\x00bad\xff", "sent", 0)
		bad.Peer = "+62811\x001"
		good := out("SM2", "sent", 0)
		must(t, s.RecordMessages(ctx, []domain.MessageRecord{bad, good}))
		got, err := s.Message(ctx, domain.Outbound, "SMbad")
		must(t, err)
		if got.Peer != "+628111" || got.Status != "sent" {
			t.Fatalf("got %+v", got)
		}
		if _, err := s.Message(ctx, domain.Outbound, "SM2"); err != nil {
			t.Fatalf("the clean record of the same batch: %v", err)
		}
	})
}
