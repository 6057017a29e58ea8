package storetest

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/dinsospmd-bateng/silakso/bot/domain"
	"github.com/dinsospmd-bateng/silakso/store"
	"github.com/dinsospmd-bateng/silakso/store/seal"
)

// Keyring is a fixed test keyring.
func Keyring(t testing.TB) *seal.Keyring {
	t.Helper()
	k, err := seal.New(bytes.Repeat([]byte{7}, seal.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// SealedStore is a case store whose raw personal fields a test can read.
type SealedStore interface {
	store.Cases
	store.Outbox
	Dump(ctx context.Context) (string, error)
}

// TestSealed checks that what the database holds reveals no NIK, name, address,
// description, note, resident's message, officer's reply or message body, while the
// store reads them back whole.
func TestSealed(t *testing.T, open func(t *testing.T) SealedStore) {
	ctx := context.Background()
	s := open(t)
	f := Filing("sealed")
	f.Name, f.NIK, f.Address, f.Description, f.FilerName = "Siti Aminah Sealed", "1904014507850009", "Dusun Rahasia RT 09",
		"Suami sakit jantung, anak disabilitas", "Budi Pengirim"
	c, _, err := store.File(ctx, s, f, func(domain.Case) []domain.OutboxMessage {
		return []domain.OutboxMessage{{Channel: "console", To: f.Filer, Text: "Tiket untuk Siti Aminah Sealed"}}
	})
	must(t, err)
	_, err = store.Change(ctx, s, c.Ticket, f.FiledAt.Add(time.Minute), func(domain.Case) (domain.CaseUpdate, error) {
		return domain.CaseUpdate{Reply: "Kami datang Senin ke Dusun Rahasia",
			Events:   []domain.Event{{Actor: "+628111", Kind: "resident_message", Note: "penyakit jantung kambuh"}},
			Messages: []domain.OutboxMessage{{Channel: "console", To: f.Filer, Text: "Kami datang Senin ke Dusun Rahasia"}}}, nil
	})
	must(t, err)
	raw, err := s.Dump(ctx)
	must(t, err)
	for _, secret := range []string{"Siti Aminah", "1904014507850009", "Dusun Rahasia", "jantung", "Budi Pengirim", "Kami datang"} {
		if strings.Contains(raw, secret) {
			t.Errorf("%q is stored in clear:\n%s", secret, raw)
		}
	}
	got, err := s.CaseByTicket(ctx, c.Ticket)
	must(t, err)
	if got.Name != f.Name || got.NIK != f.NIK || got.Address != f.Address || got.Description != f.Description ||
		got.FilerName != f.FilerName || got.LastReply != "Kami datang Senin ke Dusun Rahasia" {
		t.Fatalf("read back %+v", got.Filing)
	}
	events, err := s.Events(ctx, c.ID)
	must(t, err)
	if events[len(events)-1].Note != "penyakit jantung kambuh" {
		t.Fatalf("events %+v", events)
	}
	msgs, err := s.Claim(ctx, "w", 10, time.Minute, f.FiledAt.Add(time.Hour))
	must(t, err)
	if len(msgs) != 1 || msgs[0].Text != "Tiket untuk Siti Aminah Sealed" {
		t.Fatalf("claimed %+v", msgs)
	}
	// Cases of one NIK are still counted, through the blind index.
	_, _, err = store.File(ctx, s, Filing("sealed-2"), nil)
	must(t, err)
	again := Filing("sealed-3")
	again.NIK = f.NIK
	_, _, err = store.File(ctx, s, again, nil)
	must(t, err)
	if n, err := s.CountCasesByNIK(ctx, f.NIK, c.ID); err != nil || n != 1 {
		t.Fatalf("cases sharing the sealed NIK: %d, %v", n, err)
	}
}

// ResealStore is a sealed store that can change keys and re-seal.
type ResealStore interface {
	SealedStore
	store.Resealer
	SetKeyring(k *seal.Keyring)
	Exec(ctx context.Context, stmt string) error
}

// TestReseal checks a change of key: data sealed under the old key and data stored in
// clear before sealing are rewritten under the new key, readable with it alone, with
// NIKs found by their new index; a second run rewrites nothing; the event trail stays
// closed to any other change.
func TestReseal(t *testing.T, open func(t *testing.T) ResealStore) {
	ctx := context.Background()
	s := open(t)
	oldKey, newKey := bytes.Repeat([]byte{1}, seal.KeySize), bytes.Repeat([]byte{2}, seal.KeySize)
	old, _ := seal.New(oldKey)
	s.SetKeyring(nil) // a case stored before sealing
	clear := Filing("clear")
	clear.Name, clear.NIK = "Tersimpan Polos", "1904015001900002"
	_, _, err := store.File(ctx, s, clear, nil)
	must(t, err)
	s.SetKeyring(old)
	f := Filing("old")
	f.Name, f.NIK = "Kunci Lama", "1904014507850009"
	c, _, err := store.File(ctx, s, f, func(domain.Case) []domain.OutboxMessage {
		return []domain.OutboxMessage{{Channel: "console", To: f.Filer, Text: "Pesan Kunci Lama"}}
	})
	must(t, err)
	_, err = store.Change(ctx, s, c.Ticket, f.FiledAt.Add(time.Minute), func(domain.Case) (domain.CaseUpdate, error) {
		return domain.CaseUpdate{Events: []domain.Event{{Actor: "+628111", Kind: "note", Note: "Catatan Kunci Lama"}}}, nil
	})
	must(t, err)

	rotated, _ := seal.New(newKey, oldKey)
	s.SetKeyring(rotated)
	// Before the re-seal, a NIK is found whichever key, or none, sealed it.
	for _, nik := range []string{f.NIK, clear.NIK} {
		if n, err := s.CountCasesByNIK(ctx, nik, 0); err != nil || n != 1 {
			t.Errorf("NIK %s before the re-seal: %d cases, %v", nik, n, err)
		}
	}
	n, err := s.Reseal(ctx)
	must(t, err)
	if n.Cases != 2 || n.Events < 1 || n.Outbox != 1 {
		t.Fatalf("resealed %+v", n)
	}
	raw, err := s.Dump(ctx)
	must(t, err)
	for _, secret := range []string{"Tersimpan Polos", "1904015001900002", "Kunci Lama", old.Current()} {
		if strings.Contains(raw, secret) {
			t.Errorf("%q still stored after the re-seal:\n%s", secret, raw)
		}
	}
	onlyNew, _ := seal.New(newKey)
	s.SetKeyring(onlyNew)
	for _, want := range []domain.Filing{clear, f} {
		cases, err := s.CasesByFiler(ctx, want.Filer, 10)
		must(t, err)
		found := false
		for _, got := range cases {
			found = found || (got.IntakeID == want.IntakeID && got.Name == want.Name && got.NIK == want.NIK)
		}
		if !found {
			t.Errorf("%s not readable with the new key alone: %+v", want.IntakeID, cases)
		}
	}
	if n, err := s.CountCasesByNIK(ctx, clear.NIK, 0); err != nil || n != 1 {
		t.Errorf("the case stored in clear by its new index: %d, %v", n, err)
	}
	events, err := s.Events(ctx, c.ID)
	must(t, err)
	if events[len(events)-1].Note != "Catatan Kunci Lama" {
		t.Errorf("events %+v", events)
	}
	if again, err := s.Reseal(ctx); err != nil || again != (store.ResealCount{}) {
		t.Errorf("a second re-seal: %+v, %v", again, err)
	}
	if err := s.Exec(ctx, `UPDATE case_events SET note = 'changed'`); err == nil {
		t.Error("the event trail took a change after the re-seal")
	}
}
