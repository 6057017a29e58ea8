package bot_test

import (
	"context"
	"testing"
	"time"

	"github.com/dinsospmd-bateng/silakso/bot/domain"
	"github.com/dinsospmd-bateng/silakso/channels/gsm7"
	"github.com/dinsospmd-bateng/silakso/store/storetest"
)

// The monthly summary goes to the supervisors who asked for it, from the first of the
// month at 08.00 WIB, once, with the figures the report has for the month.
func TestMonthlySummary(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t)
	storetest.ReportSeed(t, h.db)
	for _, o := range []domain.Officer{
		{Phone: "+6281100000003", Name: "Bu Ani", Role: domain.RoleSupervisor, Channel: "console", Active: true},
		{Phone: "+6281100000004", Name: "Pak Admin", Role: domain.RoleAdmin, Channel: "console", Active: true},
		{Phone: "+6281100000001", Name: "Rudi", Role: domain.RolePetugas, Kecamatan: []string{"Koba"}, Channel: "console", Active: true},
	} {
		if err := h.db.AddOfficer(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	if err := h.db.SetMonthlySummary(ctx, "+6281100000003", true); err != nil {
		t.Fatal(err)
	}
	wib := time.FixedZone("WIB", 7*3600)
	h.clock = time.Date(2026, 11, 1, 7, 59, 0, 0, wib)
	if sent, err := h.engine.MonthlySummary(ctx); err != nil || sent {
		t.Fatalf("before 08.00: sent %v, %v", sent, err)
	}
	h.advance(2 * time.Minute)
	sent, err := h.engine.MonthlySummary(ctx)
	if err != nil || !sent {
		t.Fatalf("at 08.01: sent %v, %v", sent, err)
	}
	pushed := h.deliver(t)
	want := "Ringkasan SILAKSO 10/2026: 5 permohonan bantuan, 2 selesai, 1 ditolak, 2 masih terbuka; 2 terlambat dijawab. " +
		"Respons pertama (median): 2 jam. Pertanyaan dan permintaan data: 1. IKM: 75,00 (C, 2 jawaban). Rincian: silakso report."
	if len(pushed) != 1 || pushed[0].To != "+6281100000003" || pushed[0].Text != want {
		t.Fatalf("pushed %+v\nwant %q", pushed, want)
	}
	if n, _ := gsm7.Segments(want); n > 2 {
		t.Errorf("summary takes %d SMS", n)
	}
	h.advance(time.Hour)
	if sent, err := h.engine.MonthlySummary(ctx); err != nil || sent {
		t.Fatalf("second run: sent %v, %v", sent, err)
	}
	if got := h.deliver(t); len(got) != 0 {
		t.Fatalf("pushed again: %+v", got)
	}
}
