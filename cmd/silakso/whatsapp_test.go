package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/dinsospmd-bateng/silakso/bot/domain"
	"github.com/dinsospmd-bateng/silakso/channels"
	"github.com/dinsospmd-bateng/silakso/channels/delivery"
	"github.com/dinsospmd-bateng/silakso/channels/twilio"
	"github.com/dinsospmd-bateng/silakso/channels/whatsapp"
	"github.com/dinsospmd-bateng/silakso/channels/whatsapp/whatsapptest"
	"github.com/dinsospmd-bateng/silakso/store"
	"github.com/dinsospmd-bateng/silakso/store/memory"
	"github.com/dinsospmd-bateng/silakso/store/storetest"
)

// The whole loop on the direct WhatsApp channel, through the real engine and stores,
// wired as serve wires them: a resident files by WhatsApp, an officer registered on
// WhatsApp gets the new-case notice and works the case from WhatsApp, and every reply
// and push reaches the right number through the WhatsApp sender. Only the WhatsApp
// network is a stand-in.
func TestWhatsAppWholeLoop(t *testing.T) {
	const resident, officer = "+6281234567890", "+6281100000001"
	env := map[string]string{"SILAKSO_DATA_DIR": t.TempDir()}
	if code, _, errOut := runCmd(t, env, "", "officer", "add", "--phone", "081100000001", "--name", "Rudi",
		"--role", "petugas", "--kecamatan", "Koba", "--channel", "whatsapp", "--pin", "2468"); code != 0 {
		t.Fatal(errOut)
	}
	ctx := context.Background()
	cfg, err := loadConfig(func(k string) string { return env[k] }, slog.LevelWarn)
	if err != nil {
		t.Fatal(err)
	}
	db, err := openCases(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	sessions := memory.NewSessions(store.SessionOptions{}, time.Now)
	engine, err := newEngine(cfg, sessions, sessions, db, log, nil)
	if err != nil {
		t.Fatal(err)
	}
	client := whatsapptest.NewClient(resident, officer)
	senders := map[string]channels.Sender{whatsapp.Channel: whatsapp.NewSender(client, nil, nil, log)}
	// One courier per phase: closing it waits until every reply is out.
	newCourier := func() *delivery.Courier {
		return delivery.New(delivery.Config{}, delivery.Deps{Senders: senders, Outbox: db, Owner: "test", Log: log})
	}
	courier := newCourier()
	adapter := whatsapp.NewAdapter(engine, courier, nil, nil, nil, log)

	n := 0
	say := func(from, text string) {
		n++
		adapter.HandleEvent(whatsapptest.Text(from, fmt.Sprintf("3EB0IN%04d", n), text, time.Now()))
		if _, err := courier.Flush(ctx); err != nil {
			t.Fatal(err)
		}
	}
	for _, text := range []string{"halo", "1", "1", "Siti Aminah", "1904014507850001", "1", "6", "Dusun 2 RT 03", "1",
		"Suami sakit, tidak bisa bekerja dan beras habis.", "YA"} {
		say(resident, text)
	}
	courier.Close(ctx) // all replies out before reading them
	ticket := regexp.MustCompile(`CEK (\d+)`).FindStringSubmatch(transcript(client.Sent(), resident))
	if ticket == nil {
		t.Fatalf("no ticket in the replies:\n%s", transcript(client.Sent(), resident))
	}
	c, err := db.CaseByTicket(ctx, ticket[1])
	if err != nil || c.Channel != whatsapp.Channel || c.Filer != resident {
		t.Fatalf("case %+v, %v; want one filed from %s on %s", c, err, resident, whatsapp.Channel)
	}

	courier = newCourier()
	adapter = whatsapp.NewAdapter(engine, courier, nil, nil, nil, log)
	for _, text := range []string{"MASUK 2468", "KASUS", "AMBIL " + ticket[1], "BALAS " + ticket[1] + " Kami datang hari Senin.", "UBAH " + ticket[1] + " selesai"} {
		say(officer, text)
	}
	courier.Close(ctx)
	for who, wants := range map[string][]string{
		officer: {"Kasus baru " + ticket[1] + ": Nibung", "Tiket " + ticket[1] + " sekarang Anda tangani"},
		resident: {"Tiket " + ticket[1] + ": sedang diproses", "Pesan petugas untuk tiket " + ticket[1] + ":\nKami datang hari Senin.",
			"Tiket " + ticket[1] + " selesai ditangani"},
	} {
		got := transcript(client.Sent(), who)
		for _, want := range wants {
			if !strings.Contains(got, want) {
				t.Errorf("%s did not get %q; got:\n%s", who, want, got)
			}
		}
	}
}

// transcript is every text sent to one number, in order.
func transcript(sent []whatsapptest.Sent, e164 string) string {
	var b strings.Builder
	for _, s := range sent {
		if "+"+s.To.User == e164 {
			b.WriteString(s.Text + "\n")
		}
	}
	return b.String()
}

func TestWhatsAppCommand(t *testing.T) {
	env := map[string]string{"SILAKSO_DATA_DIR": t.TempDir()}
	for _, tt := range []struct {
		args []string
		code int
		out  string
	}{
		{[]string{"whatsapp"}, 2, "silakso whatsapp link"},
		{[]string{"whatsapp", "status"}, 0, "not linked: run silakso whatsapp link"},
		{[]string{"whatsapp", "unlink"}, 0, "not linked"},
		{[]string{"whatsapp", "link", "--phone", "12"}, 2, `--phone "12"`},
		{[]string{"whatsapp", "fly"}, 2, "silakso whatsapp status"},
	} {
		code, out, errOut := runCmd(t, env, "", tt.args...)
		if code != tt.code || !strings.Contains(out+errOut, tt.out) {
			t.Errorf("%v: exit %d, out %q, err %q; want %d and %q", tt.args, code, out, errOut, tt.code, tt.out)
		}
	}
}

// sendTo hands every message it is asked to send to a channel.
type sendTo chan channels.Outbound

func (c sendTo) Send(_ context.Context, out channels.Outbound) (channels.Receipt, error) {
	c <- out
	return channels.Receipt{ProviderID: "SM1"}, nil
}

// A push for a channel that does not run in this process (the WhatsApp number was
// unlinked and serve restarted without it) reaches the resident by SMS, not nowhere.
func TestPushForAbsentChannelGoesBySMS(t *testing.T) {
	env := map[string]string{"SILAKSO_DATA_DIR": t.TempDir()}
	getenv := func(k string) string { return env[k] }
	cfg, err := loadConfig(getenv, slog.LevelWarn)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	db, err := openCases(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	f := storetest.Filing("intake-1")
	f.Channel = whatsapp.Channel
	if _, _, err := store.File(ctx, db, f, func(c domain.Case) []domain.OutboxMessage {
		return []domain.OutboxMessage{{Channel: whatsapp.Channel, To: c.Filer, Text: "Tiket " + c.Ticket + " selesai ditangani."}}
	}); err != nil {
		t.Fatal(err)
	}
	sms := make(sendTo, 1)
	courier := newCourier(cfg, db, map[string]channels.Sender{twilio.ChannelSMS: sms}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	done := make(chan struct{})
	go func() { defer close(done); courier.Run(ctx) }()
	select {
	case out := <-sms:
		if out.Channel != twilio.ChannelSMS || out.To != f.Filer || !strings.Contains(out.Text, "selesai ditangani") {
			t.Errorf("sent %+v; want the push as SMS to %s", out, f.Filer)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("the push for the absent channel was not sent by SMS")
	}
	cancel()
	<-done
}
