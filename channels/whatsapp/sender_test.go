package whatsapp_test

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"go.mau.fi/whatsmeow"

	"github.com/dinsospmd-bateng/silakso/channels"
	"github.com/dinsospmd-bateng/silakso/channels/whatsapp"
	"github.com/dinsospmd-bateng/silakso/channels/whatsapp/whatsapptest"
	"github.com/dinsospmd-bateng/silakso/store"
	"github.com/dinsospmd-bateng/silakso/store/sqlite"
)

func TestSendText(t *testing.T) {
	c := whatsapptest.NewClient("+6281234567890")
	r := &recorded{}
	s := whatsapp.NewSender(c, r, nil, quiet)
	out := channels.Outbound{Channel: whatsapp.Channel, To: "+6281234567890", Text: "Kasus 2600017 sedang diproses."}
	for range 2 {
		receipt, err := s.Send(context.Background(), out)
		if err != nil {
			t.Fatal(err)
		}
		if receipt.ProviderID == "" {
			t.Fatal("no provider id: delivery receipts could not be matched")
		}
	}
	sent := c.Sent()
	if len(sent) != 2 || sent[0].To.String() != "6281234567890@s.whatsapp.net" || sent[0].Text != out.Text {
		t.Fatalf("sent %+v", sent)
	}
	if c.Lookups() != 1 {
		t.Errorf("looked the number up %d times; want once", c.Lookups())
	}
	if len(r.Records) != 2 || r.Records[0].Status != "sent" || r.Records[0].ProviderID == "" || r.Records[0].Peer != out.To {
		t.Errorf("records %+v", r.Records)
	}
}

func TestSendErrors(t *testing.T) {
	tests := []struct {
		name      string
		client    *whatsapptest.Client
		to        string
		permanent bool
		code      string
	}{
		{"not on WhatsApp", whatsapptest.NewClient(), "+6281234567890", true, whatsapp.CodeNotOnWhatsApp},
		{"not a number", whatsapptest.NewClient(), "081234567890", true, whatsapp.CodeInvalidRecipient},
		{"not connected", &whatsapptest.Client{LookupErr: whatsmeow.ErrNotConnected}, "+6281234567890", false, ""},
		{"lookup timed out", &whatsapptest.Client{LookupErr: whatsmeow.ErrIQTimedOut}, "+6281234567890", false, ""},
		{"send timed out", &whatsapptest.Client{On: map[string]bool{"+6281234567890": true}, SendErr: whatsmeow.ErrMessageTimedOut}, "+6281234567890", false, ""},
		{"server error", &whatsapptest.Client{On: map[string]bool{"+6281234567890": true}, SendErr: whatsmeow.ErrServerReturnedError}, "+6281234567890", false, ""},
		{"device JID", &whatsapptest.Client{On: map[string]bool{"+6281234567890": true}, SendErr: whatsmeow.ErrRecipientADJID}, "+6281234567890", true, whatsapp.CodeInvalidRecipient},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &recorded{}
			_, err := whatsapp.NewSender(tt.client, r, nil, quiet).Send(context.Background(),
				channels.Outbound{Channel: whatsapp.Channel, To: tt.to, Text: "halo"})
			var se *channels.SendError
			if !errors.As(err, &se) {
				t.Fatalf("err = %v; want a *channels.SendError", err)
			}
			if se.Permanent != tt.permanent || se.Code != tt.code {
				t.Errorf("permanent %v code %q; want %v %q (%v)", se.Permanent, se.Code, tt.permanent, tt.code, err)
			}
			failed := len(r.Records) == 1 && r.Records[0].Status == "failed" && r.Records[0].Error != ""
			if failed != tt.permanent {
				t.Errorf("records %+v; a permanent failure (only) is recorded with its reason", r.Records)
			}
		})
	}
}

func TestLoggerMasksNumbers(t *testing.T) {
	for in, want := range map[string]string{
		"Error decrypting message 3EB0 from 6281234567890@s.whatsapp.net": "Error decrypting message 3EB0 from 628123***7890@s.whatsapp.net",
		"Ignoring message from 123456789012345:12@lid":                    "Ignoring message from 123456*****2345:12@lid",
		"retry 3 of 5 after 30s":                                          "retry 3 of 5 after 30s",
	} {
		if got := whatsapp.Mask(in); got != want {
			t.Errorf("Mask(%q) = %q; want %q", in, got, want)
		}
	}
}

// Each refused message is a record of its own, on a real message log: two refusals do
// not overwrite one record (records are keyed by provider id, and a refused message
// has none from WhatsApp).
func TestEveryRefusalIsRecorded(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.db")
	db, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	records := store.NewBatcher(db, 10, time.Hour, nil)
	s := whatsapp.NewSender(whatsapptest.NewClient(), records, nil, quiet)
	for range 2 {
		s.Send(context.Background(), channels.Outbound{Channel: whatsapp.Channel, To: "+6281234567890", Text: "halo"})
	}
	records.Close(context.Background())
	read, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer read.Close()
	var n int
	if err := read.QueryRow(`SELECT count(*) FROM messages WHERE status = 'failed'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Fatalf("%d records of 2 refusals", n)
	}
}
