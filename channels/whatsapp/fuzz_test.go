package whatsapp_test

import (
	"regexp"
	"testing"
	"time"

	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"
	"google.golang.org/protobuf/proto"

	"github.com/dinsospmd-bateng/silakso/channels/whatsapp"
)

var e164 = regexp.MustCompile(`^\+[1-9][0-9]{7,14}$`)

// FuzzInbound feeds the adapter whatever message protobuf the network may carry, from
// any sender address: it must never panic, and what reaches the bot is always addressed
// to a phone number on the WhatsApp channel.
func FuzzInbound(f *testing.F) {
	for _, m := range []*waE2E.Message{
		{Conversation: proto.String("halo")},
		{ExtendedTextMessage: &waE2E.ExtendedTextMessage{Text: proto.String("1")}},
		{ImageMessage: &waE2E.ImageMessage{Caption: proto.String("foto")}},
		{EphemeralMessage: &waE2E.FutureProofMessage{Message: &waE2E.Message{Conversation: proto.String("BATAL")}}},
	} {
		b, err := proto.Marshal(m)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, "6281234567890@s.whatsapp.net", "")
		f.Add(b, "123456789012345@lid", "6281234567890@s.whatsapp.net")
	}
	f.Fuzz(func(t *testing.T, raw []byte, sender, alt string) {
		msg := &waE2E.Message{}
		if proto.Unmarshal(raw, msg) != nil {
			return
		}
		s, _ := types.ParseJID(sender)
		a, _ := types.ParseJID(alt)
		r := &recorded{}
		ad := whatsapp.NewAdapter(r, r, r, lidMap{}, nil, quiet)
		evt := (&events.Message{Info: types.MessageInfo{
			MessageSource: types.MessageSource{Chat: s, Sender: s, SenderAlt: a}, ID: "3EB0FUZZ", Timestamp: time.Now(),
		}, RawMessage: msg}).UnwrapRaw()
		ad.HandleEvent(evt)
		for _, in := range r.Inbound {
			if in.Channel != whatsapp.Channel || !e164.MatchString(in.From) {
				t.Fatalf("inbound %+v", in)
			}
		}
	})
}
