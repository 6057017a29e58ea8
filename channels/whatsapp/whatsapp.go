// Package whatsapp is the direct WhatsApp channel: the office's own WhatsApp number,
// linked to SILAKSO as a companion device with go.mau.fi/whatsmeow (like WhatsApp Web).
// It needs no WhatsApp Business account and no provider, which suits a regency office;
// a province with heavy traffic uses Twilio's WhatsApp sender instead.
//
// Every whatsmeow detail stays in here: turning events into channels.Inbound (which
// messages count, text and captions, LID senders), sending text, delivery receipts, the
// device keys' tables and a logger that masks phone numbers.
package whatsapp

import (
	"context"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
)

// Channel is the name stored with each case that came in on this channel, so that pushes
// go back the same way.
const Channel = "whatsapp"

// Client is the part of *whatsmeow.Client the sender uses; tests give a fake.
type Client interface {
	SendMessage(ctx context.Context, to types.JID, message *waE2E.Message, extra ...whatsmeow.SendRequestExtra) (whatsmeow.SendResponse, error)
	IsOnWhatsApp(ctx context.Context, phones []string) ([]types.IsOnWhatsAppResponse, error)
}

var _ Client = (*whatsmeow.Client)(nil)

// LIDs finds the phone number behind a WhatsApp LID (the device store's LID map).
type LIDs interface {
	GetPNForLID(ctx context.Context, lid types.JID) (types.JID, error)
}

// Metrics is what the channel reports; silakso serve exports it to Prometheus. It is a
// subset of the Twilio channel's, so one implementation serves both.
type Metrics interface {
	// Inbound counts messages by channel and result: accepted, duplicate, failed, ignored.
	Inbound(channel, result string)
	// Sent counts outbound messages by channel and result (sent, retryable, permanent).
	Sent(channel, result string, segments int)
	// Status counts delivery reports by status.
	Status(status string)
}

// NopMetrics discards metrics.
type NopMetrics struct{}

func (NopMetrics) Inbound(string, string)   {}
func (NopMetrics) Sent(string, string, int) {}
func (NopMetrics) Status(string)            {}
