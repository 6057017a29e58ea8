package bot_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dinsospmd-bateng/silakso/bot"
	"github.com/dinsospmd-bateng/silakso/channels"
	"github.com/dinsospmd-bateng/silakso/store"
	"github.com/dinsospmd-bateng/silakso/store/redis"
	"github.com/dinsospmd-bateng/silakso/store/sqlite"
	"github.com/dinsospmd-bateng/silakso/store/storetest"
)

// What the engine keeps in Redis, a conversation in progress and a filing parked while
// the case database was down, holds no NIK, name, address or description in clear,
// and the parked filing is filed whole once the database is back.
func TestNothingInClearInRedis(t *testing.T) {
	ctx := context.Background()
	rdb, prefix := storetest.Redis(t)
	sessions := redis.NewSessions(rdb, prefix, store.SessionOptions{})
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "cases.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	keys := storetest.Keyring(t)
	db.SetKeyring(keys)
	cases := &faultyCases{Cases: db}
	d := engineDeps(t, sessions, cases)
	d.Keys = keys
	e := bot.New(d, bot.Config{})
	say := func(from string, texts ...string) {
		for i, text := range texts {
			if _, err := e.Handle(ctx, channels.Inbound{Channel: "console", ID: fmt.Sprint(from, i), From: from, Text: text, Time: time.Now()}); err != nil {
				t.Fatalf("%q: %v", text, err)
			}
		}
	}
	// One resident stops half way, after the NIK; another confirms while the database is down.
	say("+6281234560001", "halo", "1", "1", "Rahmawati Secret", "1904014507850009", "1")
	cases.down = true
	say("+6281234560002", "halo", "1", "1", "Siti Aminah Secret", "1904015001900002", "1", "6", "Dusun Rahasia RT 9", "1",
		"Suami sakit jantung, beras habis.", "YA")
	cases.down = false

	var raw strings.Builder
	iter := rdb.Scan(ctx, 0, prefix+"*", 1000).Iterator()
	for iter.Next(ctx) {
		k := iter.Val()
		switch typ := rdb.Type(ctx, k).Val(); typ {
		case "string":
			raw.WriteString(rdb.Get(ctx, k).Val())
		case "hash":
			raw.WriteString(fmt.Sprint(rdb.HGetAll(ctx, k).Val()))
		case "list":
			raw.WriteString(fmt.Sprint(rdb.LRange(ctx, k, 0, -1).Val()))
		case "zset":
			raw.WriteString(fmt.Sprint(rdb.ZRange(ctx, k, 0, -1).Val()))
		case "set":
			raw.WriteString(fmt.Sprint(rdb.SMembers(ctx, k).Val()))
		}
	}
	if err := iter.Err(); err != nil {
		t.Fatal(err)
	}
	if raw.Len() == 0 {
		t.Fatal("nothing in Redis: the test reads the wrong keys")
	}
	for _, secret := range []string{"Rahmawati", "1904014507850009", "Siti Aminah", "1904015001900002", "Dusun Rahasia", "jantung"} {
		if strings.Contains(raw.String(), secret) {
			t.Errorf("Redis holds %q in clear", secret)
		}
	}
	if n := e.RetryPendingFilings(ctx); n != 1 {
		t.Fatalf("filed %d parked filings, want 1", n)
	}
	filed, err := db.CasesByFiler(ctx, "+6281234560002", 1)
	if err != nil || len(filed) != 1 || filed[0].Name != "Siti Aminah Secret" || filed[0].NIK != "1904015001900002" ||
		filed[0].Description != "Suami sakit jantung, beras habis." {
		t.Fatalf("filed %+v, %v", filed, err)
	}
	// The resident who stopped half way continues where they were: the sealed
	// conversation opens.
	out, err := e.Handle(ctx, channels.Inbound{Channel: "console", ID: "next", From: "+6281234560001", Text: "6", Time: time.Now()})
	if err != nil || len(out) != 1 || !strings.Contains(out[0].Text, "alamat") {
		t.Fatalf("continuing: %v, %v", out, err)
	}
}

// A filing parked longer than a conversation lives (the case database down for 30 days)
// is dropped, not kept for ever.
func TestParkedFilingExpires(t *testing.T) {
	h := newHarnessForScript(t, strings.Join([]string{"/cases down", "> halo", "> 1", "> 1", "> Siti Aminah", "> 0", "> 1", "> 6",
		"> Dusun 2 RT 03", "> 1", "> Suami sakit, beras habis.", "> YA", "/wait 31d", "/cases up", "/retry"}, "\n"))
	parked, err := h.parking.Parked(context.Background(), 10)
	if err != nil || len(parked) != 0 {
		t.Fatalf("still parked after 31 days: %+v, %v", parked, err)
	}
	if cases, _ := h.db.CasesByFiler(context.Background(), "+6281234567890", 1); len(cases) != 0 {
		t.Fatalf("filed after 31 days: %+v", cases)
	}
}
