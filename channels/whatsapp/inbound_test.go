package whatsapp_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/dinsospmd-bateng/silakso/bot/domain"
	"github.com/dinsospmd-bateng/silakso/channels"
	"github.com/dinsospmd-bateng/silakso/channels/channelstest"
	"github.com/dinsospmd-bateng/silakso/channels/whatsapp"
	"github.com/dinsospmd-bateng/silakso/channels/whatsapp/whatsapptest"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// recorded is the bot, reply queue and record writer the adapter talks to.
type recorded = channelstest.Recorder

// lidMap is the device store's LID map, with one known resident.
type lidMap map[string]string

func (m lidMap) GetPNForLID(_ context.Context, lid types.JID) (types.JID, error) {
	if pn, ok := m[lid.User]; ok {
		return types.NewJID(pn, types.DefaultUserServer), nil
	}
	return types.JID{}, nil
}

// event reads a message event from testdata: the MessageInfo whatsmeow fills from the
// stanza, and the raw message in whatsmeow's protobuf (as protojson), unwrapped the way
// whatsmeow does before handing the event over.
func event(t *testing.T, name string) *events.Message {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name + ".json")
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Info struct {
			ID, Chat, Sender string
			SenderAlt        string `json:"sender_alt"`
			AddressingMode   string `json:"addressing_mode"`
			IsFromMe         bool   `json:"is_from_me"`
			IsGroup          bool   `json:"is_group"`
			Timestamp        time.Time
		}
		Message json.RawMessage
	}
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	raw := &waE2E.Message{}
	if err := protojson.Unmarshal(f.Message, raw); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	jid := func(s string) types.JID {
		if s == "" {
			return types.JID{}
		}
		j, err := types.ParseJID(s)
		if err != nil {
			t.Fatal(err)
		}
		return j
	}
	evt := &events.Message{
		Info: types.MessageInfo{
			MessageSource: types.MessageSource{
				Chat: jid(f.Info.Chat), Sender: jid(f.Info.Sender), SenderAlt: jid(f.Info.SenderAlt),
				IsFromMe: f.Info.IsFromMe, IsGroup: f.Info.IsGroup, AddressingMode: types.AddressingMode(f.Info.AddressingMode),
			},
			ID: f.Info.ID, Timestamp: f.Info.Timestamp,
		},
		RawMessage: raw,
	}
	return evt.UnwrapRaw()
}

func TestInboundMessages(t *testing.T) {
	resident := "+6281234567890"
	tests := []struct {
		file  string
		from  string // "" = ignored
		text  string
		media int
	}{
		{"text", resident, "halo", 0},
		{"extended_reply", resident, "1", 0},
		{"image_caption", resident, "foto rumah kami", 1},
		{"voice_note", resident, "", 1},
		{"sticker", resident, "", 1},
		{"document_caption", resident, "surat keterangan tidak mampu", 1},
		{"location", resident, "", 1},
		{"ephemeral", resident, "BATAL", 0},
		{"emoji", resident, "🙏🙏 tolong bantu 😭", 0},
		{"lid_with_alt", "+6281298765432", "CEK 2600017", 0},
		{"lid_mapped", "+6281377778888", "2", 0},
		{"lid_unknown", "", "", 0},
		{"group", "", "", 0},
		{"from_me", "", "", 0},
		{"status_update", "", "", 0},
		{"reaction", "", "", 0},
		{"revoke", "", "", 0},
		{"edited", "", "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			r := &recorded{}
			a := whatsapp.NewAdapter(r, r, r, lidMap{"987654321098765": "6281377778888"}, nil, quiet)
			evt := event(t, tt.file)
			if !a.HandleEvent(evt) {
				t.Fatal("HandleEvent reported failure; the message would not be acknowledged")
			}
			if tt.from == "" {
				if len(r.Inbound) != 0 || len(r.Replies) != 0 {
					t.Fatalf("ignored message reached the bot: %+v", r.Inbound)
				}
				return
			}
			if len(r.Inbound) != 1 {
				t.Fatalf("turns = %d, want 1", len(r.Inbound))
			}
			in := r.Inbound[0]
			want := channels.Inbound{Channel: whatsapp.Channel, ID: evt.Info.ID, From: tt.from, Text: tt.text, Media: tt.media, Time: evt.Info.Timestamp}
			if in != want {
				t.Errorf("inbound =\n %+v\nwant\n %+v", in, want)
			}
			if len(r.Replies) != 1 || r.Replies[0].To != tt.from || r.Replies[0].Channel != whatsapp.Channel {
				t.Errorf("replies = %+v", r.Replies)
			}
			if len(r.Records) != 1 || r.Records[0].Status != "received" || r.Records[0].ProviderID != evt.Info.ID || r.Records[0].Peer != tt.from {
				t.Errorf("records = %+v", r.Records)
			}
		})
	}
}

func TestDuplicateDeliveryIsOneTurn(t *testing.T) {
	r := &recorded{}
	a := whatsapp.NewAdapter(r, r, r, nil, nil, quiet)
	a.HandleEvent(event(t, "text"))
	a.HandleEvent(event(t, "text"))
	if len(r.Inbound) != 1 || len(r.Replies) != 1 {
		t.Fatalf("turns %d, replies %d; want 1 and 1", len(r.Inbound), len(r.Replies))
	}
}

// A turn that fails is run again here a few times; a retry that works answers alone.
func TestFailedTurnRunsAgain(t *testing.T) {
	r := &recorded{Fail: errors.New("session store unreachable"), FailTimes: 1}
	a := whatsapp.NewAdapter(r, r, r, nil, nil, quiet)
	a.RetryPauses = []time.Duration{time.Millisecond, time.Millisecond}
	if !a.HandleEvent(event(t, "text")) {
		t.Fatal("a message processed on its retry must be acknowledged")
	}
	if len(r.Inbound) != 2 || len(r.Replies) != 1 || r.Replies[0].Text != "ok" {
		t.Fatalf("turns %d, replies %+v; want 2 turns and only the retry's answer", len(r.Inbound), r.Replies)
	}
}

// When every try fails, nothing will deliver the message again: the resident gets the
// engine's "try again later", and the message is acknowledged.
func TestFailedTurnAfterItsRetries(t *testing.T) {
	r := &recorded{Fail: errors.New("database unreachable")}
	a := whatsapp.NewAdapter(r, r, r, nil, nil, quiet)
	a.RetryPauses = []time.Duration{time.Millisecond, time.Millisecond}
	if !a.HandleEvent(event(t, "text")) {
		t.Fatal("a message whose resident was told to write again must be acknowledged")
	}
	if len(r.Inbound) != 3 || len(r.Replies) != 1 || r.Replies[0].Text != "try again" {
		t.Fatalf("turns %d, replies %+v; want 3 tries and the engine's 'try again' reply", len(r.Inbound), r.Replies)
	}
}

func TestClosedAdapterLeavesMessagesUnacknowledged(t *testing.T) {
	r := &recorded{}
	a := whatsapp.NewAdapter(r, r, r, nil, nil, quiet)
	a.Close(context.Background())
	if a.HandleEvent(event(t, "text")) {
		t.Fatal("a closed adapter acknowledged a message it did not process")
	}
	if len(r.Inbound) != 0 {
		t.Fatal("a closed adapter ran a turn")
	}
}

func TestReceiptsAreRecorded(t *testing.T) {
	r := &recorded{}
	a := whatsapp.NewAdapter(r, r, r, nil, nil, quiet)
	src := types.MessageSource{Chat: types.NewJID("6281234567890", types.DefaultUserServer), Sender: types.NewJID("6281234567890", types.DefaultUserServer)}
	at := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	for _, typ := range []types.ReceiptType{types.ReceiptTypeDelivered, types.ReceiptTypeRead, types.ReceiptTypePlayed,
		types.ReceiptTypeServerError, types.ReceiptTypeRetry, types.ReceiptTypeReadSelf} {
		a.HandleEvent(&events.Receipt{MessageSource: src, MessageIDs: []types.MessageID{"3EB0OUT1", "3EB0OUT2"}, Timestamp: at, Type: typ})
	}
	var got []string
	for _, rec := range r.Records {
		if rec.Direction != domain.Outbound || rec.Peer != "+6281234567890" || rec.Channel != whatsapp.Channel {
			t.Errorf("record %+v", rec)
		}
		got = append(got, rec.ProviderID+" "+rec.Status)
	}
	want := "3EB0OUT1 delivered,3EB0OUT2 delivered,3EB0OUT1 read,3EB0OUT2 read,3EB0OUT1 read,3EB0OUT2 read,3EB0OUT1 failed,3EB0OUT2 failed"
	if strings.Join(got, ",") != want {
		t.Errorf("records\n %s\nwant\n %s", strings.Join(got, ","), want)
	}
}

func TestReadiness(t *testing.T) {
	a := whatsapp.NewAdapter(&recorded{}, &recorded{}, nil, nil, nil, quiet)
	if a.Ready() == nil {
		t.Fatal("ready before connecting")
	}
	a.HandleEvent(&events.Connected{})
	if err := a.Ready(); err != nil {
		t.Fatalf("connected but not ready: %v", err)
	}
	a.HandleEvent(&events.LoggedOut{})
	if err := a.Ready(); err == nil || !strings.Contains(err.Error(), "silakso whatsapp link") {
		t.Fatalf("after log-out: %v; want a hint to link again", err)
	}
	a.HandleEvent(&events.Connected{})
	a.HandleEvent(&events.StreamReplaced{})
	if a.Ready() == nil {
		t.Fatal("ready after another program took the connection")
	}
}

// nopTurn answers every message at once, so the benchmark measures the adapter alone.
type nopTurn struct{}

func (nopTurn) Handle(_ context.Context, in channels.Inbound) ([]channels.Outbound, error) {
	return []channels.Outbound{{Channel: in.Channel, To: in.From, Text: "ok"}}, nil
}

func (nopTurn) Enqueue(context.Context, channels.Outbound) error { return nil }

// BenchmarkInbound is the adapter's own cost per message: event to Inbound, the turn
// (here free), the reply queued.
func BenchmarkInbound(b *testing.B) {
	a := whatsapp.NewAdapter(nopTurn{}, nopTurn{}, nil, nil, nil, quiet)
	at := time.Now()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		a.HandleEvent(whatsapptest.Text("+6281234567890", "3EB0BENCH", "halo", at))
	}
}
