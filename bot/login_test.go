package bot_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/dinsospmd-bateng/silakso/bot"
	"github.com/dinsospmd-bateng/silakso/bot/domain"
	"github.com/dinsospmd-bateng/silakso/channels"
	"github.com/dinsospmd-bateng/silakso/store"
)

// An officer who opens more case details in an hour than the work explains (a phone
// taken over, reading cases) is reported to the admins, once an hour.
func TestManyViewsAlertAdmins(t *testing.T) {
	script := []string{"/officer +6281100000001 petugas Koba Rudi Hartono", "/officer +6281100000009 admin - Ani Admin",
		"/intake 1 6", "/from +6281100000001", "> MASUK 2468"}
	view := func(n int) {
		for range n {
			script = append(script, "> LIHAT 2600017")
		}
	}
	alerts := func(out string) int {
		return strings.Count(out, "<+6281100000009> Peringatan: Rudi Hartono (081100000001) membuka")
	}
	view(30)
	if out := runTranscript(t, strings.Join(script, "\n")); alerts(out) != 0 {
		t.Fatalf("30 views in an hour alerted the admin:\n%s", out)
	}
	view(5) // 35 within the hour (a turn takes a minute on the harness clock)
	if out := runTranscript(t, strings.Join(script, "\n")); alerts(out) != 1 || !strings.Contains(out, "membuka 31 rincian") {
		t.Fatalf("35 views in an hour: %d alerts, want 1 at the 31st", alerts(out))
	}
	script = append(script, "/wait 1h")
	view(31)
	if out := runTranscript(t, strings.Join(script, "\n")); alerts(out) != 2 {
		t.Fatalf("31 more views the next hour: %d alerts in all, want 2", alerts(out))
	}
}

// Logins, failed ones, lockouts, listings and status checks by someone other than the
// filer are on the audit trail, with no PIN in it.
func TestOfficerWorkIsAudited(t *testing.T) {
	h := newHarnessForScript(t, strings.Join([]string{"/officer +6281100000001 petugas Koba Rudi", "/intake 1 6",
		"/from +6281100000001", "> MASUK 1111", "> MASUK 2468", "> KASUS", "> KELUAR",
		"/from +6281299990000", "> CEK 2600017"}, "\n"))
	trail, err := h.db.AuditTrail(context.Background(), store.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range trail {
		got = append(got, e.Actor+" "+e.Kind+" "+e.Subject+" "+e.Detail)
		if strings.Contains(e.Detail, "1111") || strings.Contains(e.Detail, "2468") {
			t.Errorf("a PIN in the trail: %+v", e)
		}
	}
	want := []string{"+6281100000001 login_failed  console", "+6281100000001 login  console", "+6281100000001 list  Koba",
		"+6281100000001 logout  ", "+6281299990000 status_by_other 2600017 "}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("trail:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// BenchmarkLogin is what one MASUK costs an instance: reading the officer, counting the
// try and comparing the PIN with its bcrypt hash at the cost `silakso officer` uses.
func BenchmarkLogin(b *testing.B) {
	hash, err := bot.HashPIN("2468")
	if err != nil {
		b.Fatal(err)
	}
	h := newHarness(b)
	ctx := context.Background()
	if err := h.db.AddOfficer(ctx, domain.Officer{Phone: "+6281100000001", Name: "Rudi", Role: domain.RolePetugas,
		Kecamatan: []string{"Koba"}, Channel: "console", Active: true, CreatedAt: h.now(), PINHash: hash}); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := range b.N {
		out, err := h.engine.Handle(ctx, channels.Inbound{Channel: "console", ID: fmt.Sprint("m", i), From: "+6281100000001",
			Text: "MASUK 2468", Time: h.now()})
		if err != nil || len(out) != 1 || !strings.Contains(out[0].Text, "Selamat datang") {
			b.Fatalf("%v %v", out, err)
		}
	}
}
