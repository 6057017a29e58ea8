package whatsapp

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"time"

	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"

	"github.com/dinsospmd-bateng/silakso/bot/domain"
	"github.com/dinsospmd-bateng/silakso/channels"
)

// Adapter turns whatsmeow events into turns of the bot. Register HandleEvent with
// (*whatsmeow.Client).AddEventHandlerWithSuccessStatus and set SynchronousAck on the
// client: a message is then acknowledged to WhatsApp only after its turn has run, so a
// crash mid-turn means WhatsApp delivers it again (and the bot's de-duplication by
// message id keeps a turn from running twice).
//
// whatsmeow hands events over one at a time, so turns run one after another: plenty
// for one office's number (a turn takes milliseconds), and the order of a resident's
// messages is kept without further work.
type Adapter struct {
	handler channels.Handler
	replies channels.Replier
	records channels.Recorder
	lids    LIDs
	metrics Metrics
	log     *slog.Logger
	now     func() time.Time
	// TurnTimeout bounds one turn, so a slow backend cannot stall every later message
	// (default 10 s).
	TurnTimeout time.Duration
	// RetryPauses are the waits before a failed turn is run again here (default 1 s,
	// then 3 s): WhatsApp delivers an unacknowledged message again only after the next
	// reconnect, which may be hours away, so the adapter tries a few times itself.
	RetryPauses []time.Duration

	connected atomic.Bool
	loggedOut atomic.Bool
	// gate counts the messages being handled, for Close; its closing ends retry pauses.
	gate channels.Gate
}

// NewAdapter makes an adapter that runs turns on handler and queues replies on replies.
// lids may be nil (then senders known only by LID are not served).
func NewAdapter(handler channels.Handler, replies channels.Replier, records channels.Recorder, lids LIDs, metrics Metrics, log *slog.Logger) *Adapter {
	if metrics == nil {
		metrics = NopMetrics{}
	}
	return &Adapter{handler: handler, replies: replies, records: records, lids: lids, metrics: metrics, log: log,
		now: time.Now, TurnTimeout: 10 * time.Second, RetryPauses: []time.Duration{time.Second, 3 * time.Second}}
}

// Close makes the adapter refuse further messages without acknowledging them, so that
// WhatsApp delivers them again to the next process, and waits (up to ctx) for the
// messages being handled: a turn that fails now is not tried again. Call it before
// shutting down.
func (a *Adapter) Close(ctx context.Context) error { return a.gate.Close(ctx) }

// Ready reports whether the device is connected and still linked.
func (a *Adapter) Ready() error {
	switch {
	case a.loggedOut.Load():
		return errLoggedOut
	case !a.connected.Load():
		return errNotConnected
	}
	return nil
}

var (
	errLoggedOut    = errors.New("the WhatsApp number unlinked this device: run silakso whatsapp link")
	errNotConnected = errors.New("not connected to WhatsApp")
)

// HandleEvent handles one whatsmeow event. It returns false only for a message it did
// not process (adapter closed), which whatsmeow then leaves unacknowledged.
func (a *Adapter) HandleEvent(evt any) bool {
	switch e := evt.(type) {
	case *events.Message:
		if !a.gate.Enter() {
			return false
		}
		defer a.gate.Leave()
		return a.message(e)
	case *events.Receipt:
		a.receipt(e)
	case *events.Connected:
		a.connected.Store(true)
		a.loggedOut.Store(false)
		a.log.Info("whatsapp connected")
	case *events.Disconnected:
		a.connected.Store(false)
		a.log.Warn("whatsapp disconnected; reconnecting")
	case *events.LoggedOut:
		a.connected.Store(false)
		a.loggedOut.Store(true)
		a.log.Error("whatsapp device unlinked from the phone: run silakso whatsapp link", "reason", e.Reason.String())
	case *events.StreamReplaced:
		a.connected.Store(false)
		a.log.Error("another program connected with this WhatsApp device; only one silakso serve may run the WhatsApp channel")
	case *events.TemporaryBan:
		a.log.Error("whatsapp temporarily banned this number", "code", e.Code.String(), "expires", e.Expire.String())
	case *events.ClientOutdated:
		a.log.Error("whatsapp refused this client version: update go.mau.fi/whatsmeow")
	}
	return true
}

// message runs one resident's or officer's message through the bot. It returns false
// only when the message was not processed and the adapter is closing: it stays
// unacknowledged, and WhatsApp delivers it to the next process.
func (a *Adapter) message(e *events.Message) bool {
	in, ok := a.inbound(e)
	if !ok {
		a.metrics.Inbound(Channel, "ignored")
		return true
	}
	var result string
	for attempt := 0; ; attempt++ {
		// The last try is the one after which nothing delivers the message again: if
		// it fails too, the resident is told to write again later.
		last := attempt == len(a.RetryPauses)
		result = channels.RunTurn(context.Background(), a.handler, a.replies, in, a.TurnTimeout, last, a.log)
		if result != channels.ResultFailed || last || a.gate.Closed() {
			break
		}
		select {
		case <-time.After(a.RetryPauses[attempt]):
		case <-a.gate.Closing():
		}
	}
	a.metrics.Inbound(Channel, result)
	if result == channels.ResultFailed && a.gate.Closed() {
		return false
	}
	if a.records != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := a.records.Add(ctx, domain.MessageRecord{Channel: Channel, Direction: domain.Inbound, ProviderID: in.ID,
			Peer: in.From, Status: "received", At: in.Time}); err != nil {
			a.log.Warn("message record dropped", "err", err)
		}
	}
	return true
}

// inbound normalises a message event; ok is false for what is not a resident writing to
// the office: our own messages, groups, status updates, reactions, edits, deletions and
// other protocol traffic.
func (a *Adapter) inbound(e *events.Message) (channels.Inbound, bool) {
	info := e.Info
	if info.IsFromMe || info.IsGroup || info.Chat.Server == types.BroadcastServer || e.IsEdit || e.Message == nil {
		return channels.Inbound{}, false
	}
	text, media, ok := content(e.Message)
	if !ok {
		return channels.Inbound{}, false
	}
	from, ok := a.phone(info.MessageSource)
	if !ok {
		a.log.Warn("whatsapp message from a sender without a phone number ignored", "id", info.ID)
		return channels.Inbound{}, false
	}
	at := info.Timestamp
	if at.IsZero() {
		at = a.now()
	}
	return channels.Inbound{Channel: Channel, ID: info.ID, From: from, Text: text, Media: media, Time: at}, true
}

// content is a message's text (or caption) and its number of attachments; ok is false
// for messages that carry nothing a person wrote or sent.
func content(m *waE2E.Message) (text string, media int, ok bool) {
	switch {
	case m.Conversation != nil:
		return m.GetConversation(), 0, true
	case m.ExtendedTextMessage != nil:
		return m.GetExtendedTextMessage().GetText(), 0, true
	case m.ImageMessage != nil:
		return m.GetImageMessage().GetCaption(), 1, true
	case m.VideoMessage != nil:
		return m.GetVideoMessage().GetCaption(), 1, true
	case m.DocumentMessage != nil:
		return m.GetDocumentMessage().GetCaption(), 1, true
	case m.AudioMessage != nil, m.StickerMessage != nil, m.LocationMessage != nil, m.LiveLocationMessage != nil,
		m.ContactMessage != nil, m.ContactsArrayMessage != nil:
		return "", 1, true
	case m.ButtonsResponseMessage != nil:
		return m.GetButtonsResponseMessage().GetSelectedDisplayText(), 0, true
	case m.ListResponseMessage != nil:
		return m.GetListResponseMessage().GetTitle(), 0, true
	}
	return "", 0, false
}

// phone is the sender's number in E.164. WhatsApp may address a sender by LID (a
// hidden id) instead of the number; the number then comes with the message
// (SenderAlt) or from the device store's LID map.
func (a *Adapter) phone(src types.MessageSource) (string, bool) {
	jid := src.Sender.ToNonAD()
	if jid.Server == types.HiddenUserServer {
		switch {
		case src.SenderAlt.Server == types.DefaultUserServer:
			jid = src.SenderAlt.ToNonAD()
		case a.lids != nil:
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			pn, err := a.lids.GetPNForLID(ctx, jid)
			cancel()
			if err != nil || pn.IsEmpty() {
				return "", false
			}
			jid = pn.ToNonAD()
		}
	}
	if jid.Server != types.DefaultUserServer || !isE164Digits(jid.User) {
		return "", false
	}
	return "+" + jid.User, true
}

// isE164Digits reports whether s can be the digits of an E.164 number (8 to 15 digits,
// no leading zero); anything else is not a person's phone.
func isE164Digits(s string) bool {
	if len(s) < 8 || len(s) > 15 || s[0] == '0' {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// receipt records delivery reports for messages we sent.
func (a *Adapter) receipt(e *events.Receipt) {
	var status string
	switch e.Type {
	case types.ReceiptTypeDelivered:
		status = "delivered"
	case types.ReceiptTypeRead, types.ReceiptTypePlayed:
		status = "read"
	case types.ReceiptTypeServerError:
		status = "failed"
	default:
		return // our own devices' receipts, retries and others say nothing about delivery
	}
	if e.IsFromMe || e.IsGroup {
		return
	}
	peer, _ := a.phone(e.MessageSource)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, id := range e.MessageIDs {
		a.metrics.Status(status)
		if a.records == nil {
			continue
		}
		if err := a.records.Add(ctx, domain.MessageRecord{Channel: Channel, Direction: domain.Outbound, ProviderID: id,
			Peer: peer, Status: status, At: e.Timestamp}); err != nil {
			a.log.Warn("status record dropped", "err", err)
		}
	}
}
