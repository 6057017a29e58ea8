// Package whatsapptest is a stand-in for the WhatsApp network behind the narrow
// whatsapp.Client interface, and the events WhatsApp would deliver, for tests of the
// channel and of the whole service.
package whatsapptest

import (
	"context"
	"fmt"
	"sync"
	"time"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"
	"google.golang.org/protobuf/proto"
)

// Sent is one message the client sent.
type Sent struct {
	To   types.JID
	Text string
	ID   types.MessageID
}

// Client records what is sent. Numbers in On (E.164) have WhatsApp; SendErr and
// LookupErr, when set, are returned by every send or lookup.
type Client struct {
	mu        sync.Mutex
	On        map[string]bool
	SendErr   error
	LookupErr error
	lookups   int
	sent      []Sent
}

// NewClient makes a client for which the given numbers have WhatsApp.
func NewClient(on ...string) *Client {
	c := &Client{On: map[string]bool{}}
	for _, p := range on {
		c.On[p] = true
	}
	return c
}

// SendMessage implements whatsapp.Client.
func (c *Client) SendMessage(_ context.Context, to types.JID, m *waE2E.Message, _ ...whatsmeow.SendRequestExtra) (whatsmeow.SendResponse, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.SendErr != nil {
		return whatsmeow.SendResponse{}, c.SendErr
	}
	id := types.MessageID(fmt.Sprintf("3EB0OUT%06d", len(c.sent)+1))
	c.sent = append(c.sent, Sent{To: to, Text: m.GetConversation(), ID: id})
	return whatsmeow.SendResponse{ID: id, Timestamp: time.Now()}, nil
}

// IsOnWhatsApp implements whatsapp.Client.
func (c *Client) IsOnWhatsApp(_ context.Context, phones []string) ([]types.IsOnWhatsAppResponse, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.lookups++
	if c.LookupErr != nil {
		return nil, c.LookupErr
	}
	var out []types.IsOnWhatsAppResponse
	for _, p := range phones {
		r := types.IsOnWhatsAppResponse{Query: p, IsIn: c.On[p]}
		if r.IsIn {
			r.JID = types.NewJID(p[1:], types.DefaultUserServer)
		}
		out = append(out, r)
	}
	return out, nil
}

// Sent returns the messages sent so far.
func (c *Client) Sent() []Sent {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Sent(nil), c.sent...)
}

// Lookups is how many times IsOnWhatsApp was asked.
func (c *Client) Lookups() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lookups
}

// Text is a text message from an E.164 number, as whatsmeow hands it over.
func Text(from, id, text string, at time.Time) *events.Message {
	jid := types.NewJID(from[1:], types.DefaultUserServer)
	return &events.Message{
		Info: types.MessageInfo{
			MessageSource: types.MessageSource{Chat: jid, Sender: jid},
			ID:            id, Timestamp: at,
		},
		Message: &waE2E.Message{Conversation: proto.String(text)},
	}
}
