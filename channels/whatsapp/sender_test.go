package whatsapp_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"

	"github.com/dinsospmd-bateng/silakso/channels"
	"github.com/dinsospmd-bateng/silakso/channels/whatsapp"
)

// fakeClient stands in for *whatsmeow.Client: the numbers on WhatsApp, and every
// message sent.
type fakeClient struct {
	mu      sync.Mutex
	on      map[string]bool // E.164 numbers with WhatsApp
	lookups int
	sent    []sent
	sendErr error
	lookErr error
}

type sent struct {
	to   types.JID
	text string
}

func (c *fakeClient) SendMessage(_ context.Context, to types.JID, m *waE2E.Message, _ ...whatsmeow.SendRequestExtra) (whatsmeow.SendResponse, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sendErr != nil {
		return whatsmeow.SendResponse{}, c.sendErr
	}
	c.sent = append(c.sent, sent{to, m.GetConversation()})
	return whatsmeow.SendResponse{ID: types.MessageID("3EB0SENT" + string(rune('A'+len(c.sent))))}, nil
}

func (c *fakeClient) IsOnWhatsApp(_ context.Context, phones []string) ([]types.IsOnWhatsAppResponse, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.lookups++
	if c.lookErr != nil {
		return nil, c.lookErr
	}
	var out []types.IsOnWhatsAppResponse
	for _, p := range phones {
		r := types.IsOnWhatsAppResponse{Query: p, IsIn: c.on[p]}
		if r.IsIn {
			r.JID = types.NewJID(p[1:], types.DefaultUserServer)
		}
		out = append(out, r)
	}
	return out, nil
}

func TestSendText(t *testing.T) {
	c := &fakeClient{on: map[string]bool{"+6281234567890": true}}
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
	if len(c.sent) != 2 || c.sent[0].to.String() != "6281234567890@s.whatsapp.net" || c.sent[0].text != out.Text {
		t.Fatalf("sent %+v", c.sent)
	}
	if c.lookups != 1 {
		t.Errorf("looked the number up %d times; want once", c.lookups)
	}
	if len(r.records) != 2 || r.records[0].Status != "sent" || r.records[0].ProviderID == "" || r.records[0].Peer != out.To {
		t.Errorf("records %+v", r.records)
	}
}

func TestSendErrors(t *testing.T) {
	tests := []struct {
		name      string
		client    *fakeClient
		to        string
		permanent bool
		code      string
	}{
		{"not on WhatsApp", &fakeClient{}, "+6281234567890", true, whatsapp.CodeNotOnWhatsApp},
		{"not a number", &fakeClient{}, "081234567890", true, whatsapp.CodeInvalidRecipient},
		{"not connected", &fakeClient{lookErr: whatsmeow.ErrNotConnected}, "+6281234567890", false, ""},
		{"lookup timed out", &fakeClient{lookErr: whatsmeow.ErrIQTimedOut}, "+6281234567890", false, ""},
		{"send timed out", &fakeClient{on: map[string]bool{"+6281234567890": true}, sendErr: whatsmeow.ErrMessageTimedOut}, "+6281234567890", false, ""},
		{"server error", &fakeClient{on: map[string]bool{"+6281234567890": true}, sendErr: whatsmeow.ErrServerReturnedError}, "+6281234567890", false, ""},
		{"device JID", &fakeClient{on: map[string]bool{"+6281234567890": true}, sendErr: whatsmeow.ErrRecipientADJID}, "+6281234567890", true, whatsapp.CodeInvalidRecipient},
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
			failed := len(r.records) == 1 && r.records[0].Status == "failed" && r.records[0].Error != ""
			if failed != tt.permanent {
				t.Errorf("records %+v; a permanent failure (only) is recorded with its reason", r.records)
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
