package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/dinsospmd-bateng/silakso/bot/domain"
	"github.com/dinsospmd-bateng/silakso/dialogs"
	"github.com/dinsospmd-bateng/silakso/store"
	"github.com/dinsospmd-bateng/silakso/store/postgres"
	"github.com/dinsospmd-bateng/silakso/store/sqlite"
	"github.com/dinsospmd-bateng/silakso/store/storetest"
)

// The benchmark's year: 100 copies of a template of 1,000 requests for help (and 30
// questions), each copy shifted by a hundredth of the year, fill 2025 with 100,000
// requests for help.
const (
	benchTemplate = 1000
	benchCopies   = 100
	benchQuestion = 30
)

var (
	benchYear  = time.Date(2025, 1, 1, 0, 0, 0, 0, reportZone)
	benchShift = benchYear.AddDate(1, 0, 0).Sub(benchYear) / benchCopies
)

// BenchmarkReport100k measures a report over a year of 100,000 requests for help on
// each engine: "figures" is every tally, the service times and the survey tally (what
// gatherReport reads); "xlsx" is the whole command, `silakso report --format xlsx`,
// with its 100,000-row cases sheet. Seeding is not timed. Run it once:
//
//	go test ./cmd/silakso -run XXX -bench Report100k -benchtime 1x
func BenchmarkReport100k(b *testing.B) {
	for _, engine := range []struct {
		name string
		seed func(b *testing.B) (env map[string]string, open func() (database, error))
	}{
		{"sqlite", seedBenchSQLite},
		{"postgres", seedBenchPostgres},
	} {
		b.Run(engine.name, func(b *testing.B) {
			env, open := engine.seed(b)
			q := store.ReportQuery{From: benchYear, To: benchYear.AddDate(1, 0, 0), Zone: reportZone, LateAfter: 72 * time.Hour, Now: time.Now()}
			b.Run("figures", func(b *testing.B) {
				db, err := open()
				if err != nil {
					b.Fatal(err)
				}
				defer db.Close()
				b.ReportAllocs()
				b.ResetTimer()
				for range b.N {
					f, err := gatherReport(context.Background(), db, q)
					if err != nil {
						b.Fatal(err)
					}
					if f.Total.Cases != benchTemplate*benchCopies {
						b.Fatalf("%d requests for help, want %d", f.Total.Cases, benchTemplate*benchCopies)
					}
				}
			})
			b.Run("xlsx", func(b *testing.B) {
				out := filepath.Join(b.TempDir(), "laporan-2025.xlsx")
				args := []string{"report", "--from", "2025-01-01", "--to", "2025-12-31", "--format", "xlsx", "--out", out}
				peak := watchHeap()
				b.ReportAllocs()
				b.ResetTimer()
				for range b.N {
					var errOut strings.Builder
					if code := run(context.Background(), args, func(k string) string { return env[k] }, nil, io.Discard, &errOut); code != 0 {
						b.Fatalf("exit %d: %s", code, errOut.String())
					}
				}
				b.StopTimer()
				b.ReportMetric(float64(peak())/(1<<20), "peak-heap-MB")
				if info, err := os.Stat(out); err == nil {
					b.ReportMetric(float64(info.Size())/(1<<20), "xlsx-MB")
				}
			})
		})
	}
}

// watchHeap samples the heap in use until the returned function is called, which
// gives the largest sample: what making the workbook holds at most, not what it
// allocates over time.
func watchHeap() func() uint64 {
	var max atomic.Uint64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			if m.HeapInuse > max.Load() {
				max.Store(m.HeapInuse)
			}
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
	return func() uint64 {
		close(stop)
		<-done
		return max.Load()
	}
}

func seedBenchSQLite(b *testing.B) (map[string]string, func() (database, error)) {
	dir := b.TempDir()
	path := filepath.Join(dir, "silakso.db")
	open := func() (database, error) {
		db, err := sqlite.Open(context.Background(), path)
		if err != nil {
			return nil, err
		}
		db.SetKeyring(storetest.Keyring(b))
		return db, nil
	}
	db, err := open()
	if err != nil {
		b.Fatal(err)
	}
	seedBenchTemplate(b, db, 1) // SQLite writes one at a time anyway
	db.Close()

	// The copies, in one transaction of the database's own SQL: filing 100,000 cases
	// one by one through the store takes minutes on SQLite.
	raw, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)")
	if err != nil {
		b.Fatal(err)
	}
	defer raw.Close()
	cols := benchColumns(b, raw, `SELECT name FROM pragma_table_info('cases')`)
	tx, err := raw.Begin()
	if err != nil {
		b.Fatal(err)
	}
	for k := 1; k < benchCopies; k++ {
		exprs := make([]string, len(cols))
		for i, c := range cols {
			switch {
			case c == "ticket" || c == "intake_id":
				exprs[i] = fmt.Sprintf("%s || '-%d'", c, k)
			case strings.HasSuffix(c, "_at"): // unix milliseconds, 0 for never
				exprs[i] = fmt.Sprintf("CASE WHEN %s = 0 THEN 0 ELSE %s + %d END", c, c, int64(k)*benchShift.Milliseconds())
			default:
				exprs[i] = c
			}
		}
		if _, err := tx.Exec(`INSERT INTO cases (`+strings.Join(cols, ", ")+`) SELECT `+strings.Join(exprs, ", ")+
			` FROM cases WHERE id <= ?`, benchTemplate+benchQuestion); err != nil {
			b.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	env := map[string]string{"SILAKSO_DATA_DIR": dir, "SILAKSO_DATABASE_URL": "sqlite:" + path, "SILAKSO_DATA_KEY": testDataKey}
	return env, open
}

func seedBenchPostgres(b *testing.B) (map[string]string, func() (database, error)) {
	url := storetest.PostgresDatabase(b)
	open := func() (database, error) {
		db, err := postgres.Open(context.Background(), url)
		if err != nil {
			return nil, err
		}
		db.SetKeyring(storetest.Keyring(b))
		return db, nil
	}
	db, err := open()
	if err != nil {
		b.Fatal(err)
	}
	seedBenchTemplate(b, db, 8)
	db.Close()

	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `SELECT column_name FROM information_schema.columns
		WHERE table_schema = current_schema() AND table_name = 'cases' ORDER BY ordinal_position`)
	if err != nil {
		b.Fatal(err)
	}
	var cols []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			b.Fatal(err)
		}
		if c != "id" {
			cols = append(cols, c)
		}
	}
	if rows.Err() != nil {
		b.Fatal(rows.Err())
	}
	exprs := make([]string, len(cols))
	for i, c := range cols {
		switch {
		case c == "ticket" || c == "intake_id":
			exprs[i] = c + " || '-' || k"
		case strings.HasSuffix(c, "_at"): // NULL for never stays NULL
			exprs[i] = fmt.Sprintf("%s + k * interval '%d seconds'", c, int64(benchShift.Seconds()))
		default:
			exprs[i] = c
		}
	}
	if _, err := conn.Exec(ctx, `INSERT INTO cases (`+strings.Join(cols, ", ")+`) SELECT `+strings.Join(exprs, ", ")+
		` FROM cases CROSS JOIN generate_series(1, $1::int) AS k WHERE id <= $2`, benchCopies-1, benchTemplate+benchQuestion); err != nil {
		b.Fatal(err)
	}
	// Autovacuum would have analysed the table after so many new rows; do it now, so
	// that the plans are those of a database in use.
	if _, err := conn.Exec(ctx, `ANALYZE cases`); err != nil {
		b.Fatal(err)
	}
	env := map[string]string{"SILAKSO_DATA_DIR": b.TempDir(), "SILAKSO_DATABASE_URL": url, "SILAKSO_DATA_KEY": testDataKey}
	return env, open
}

func benchColumns(b *testing.B, db *sql.DB, query string) []string {
	rows, err := db.Query(query)
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	var cols []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			b.Fatal(err)
		}
		if c != "id" {
			cols = append(cols, c)
		}
	}
	if err := rows.Err(); err != nil {
		b.Fatal(err)
	}
	return cols
}

// seedBenchTemplate files the template cases through the store, worked as an office
// works them, filed over the first hundredth of the year: a spread of kecamatan, desa,
// kinds of help, channels and relations; about 8 % never touched, 5 % noted but not
// answered, the rest taken (most within a day, some late), 70 % of those closed (one in
// seven rejected) with the survey asked, and a little over half the surveys answered.
// The questions come after the requests for help. workers file in parallel.
func seedBenchTemplate(b *testing.B, db database, workers int) {
	b.Helper()
	regions, err := dialogs.LoadRegions()
	if err != nil {
		b.Fatal(err)
	}
	var desas []dialogs.Desa
	for _, k := range regions.Kecamatan {
		desas = append(desas, k.Desa...)
	}
	needs := []string{"food", "food", "food", "health", "health", "pkh", "disability", "elderly", "children", "housing", "disaster", "dtsen", "other"}
	relations := []string{"self", "self", "self", "family", "other"}
	channels := []string{"sms", "sms", "whatsapp"}
	officers := []string{"+628111000001", "+628111000002", "+628111000003", "+628111000004", "+628111000005", "+628111000006"}
	for i, p := range officers {
		if err := db.AddOfficer(context.Background(), domain.Officer{Phone: p, Name: fmt.Sprintf("Petugas %d", i+1), Role: domain.RolePetugas,
			Kecamatan: []string{"Koba"}, Channel: "sms", Active: true, CreatedAt: benchYear}); err != nil {
			b.Fatal(err)
		}
	}
	h := time.Hour
	// Each case gets its own generator, so that the template is the same however the
	// workers interleave.
	work := func(i int) error {
		ctx := context.Background()
		r := rand.New(rand.NewPCG(uint64(i), 2025))
		f := storetest.Filing(fmt.Sprintf("bench-%05d", i))
		// Requests first, then the questions, each group in filing order, so that ids
		// (the cases sheet's order) follow the calendar within a copy.
		f.FiledAt = benchYear.Add(time.Duration(float64(benchShift) * float64(i%benchTemplate) / benchTemplate))
		f.Filer = fmt.Sprintf("+62812%07d", i)
		d := desas[r.IntN(len(desas))]
		f.DesaCode, f.Desa, f.Kecamatan = d.Code, d.Name, d.Kecamatan
		f.Need, f.Relation, f.Channel = needs[r.IntN(len(needs))], relations[r.IntN(len(relations))], channels[r.IntN(len(channels))]
		f.NIK = fmt.Sprintf("1904%012d", r.Int64N(1e12))
		if r.IntN(10) == 0 {
			f.NIK, f.NoNIK = "", true
		}
		if i >= benchTemplate {
			f.Need, f.NIK, f.NoNIK, f.Kecamatan, f.Desa, f.DesaCode = domain.NeedQuestion, "", true, "", "", ""
		}
		c, _, err := store.File(ctx, db, f, nil)
		if err != nil {
			return err
		}
		change := func(at time.Time, u domain.CaseUpdate) error {
			_, err := store.Change(ctx, db, c.Ticket, at, func(domain.Case) (domain.CaseUpdate, error) { return u, nil })
			return err
		}
		officer := officers[r.IntN(len(officers))]
		roll := r.IntN(100)
		switch {
		case roll < 8: // never touched
			return nil
		case roll < 13: // looked into, nobody told the resident
			return change(f.FiledAt.Add(time.Duration(1+r.IntN(6))*h), domain.CaseUpdate{Events: []domain.Event{{Actor: officer, Kind: "note", Note: "dicek"}}})
		}
		// Taken: 60 % within a day, 25 % in one to three days, 15 % late.
		var taken time.Duration
		switch p := r.IntN(100); {
		case p < 60:
			taken = time.Duration(1+r.IntN(24*60)) * time.Minute
		case p < 85:
			taken = 24*h + time.Duration(r.IntN(48*60))*time.Minute
		default:
			taken = 72*h + time.Duration(1+r.IntN(96*60))*time.Minute
		}
		status := domain.StatusInProcess
		if r.IntN(20) == 0 {
			status = domain.StatusReferred
		}
		if err := change(f.FiledAt.Add(taken), domain.CaseUpdate{AssignedTo: officer, Status: status,
			Events: []domain.Event{{Actor: officer, Kind: "status", From: domain.StatusNew, To: status}}}); err != nil {
			return err
		}
		if r.IntN(10) >= 7 {
			return nil // still worked on
		}
		closing := domain.StatusDone
		if r.IntN(7) == 0 {
			closing = domain.StatusRejected
		}
		u := domain.CaseUpdate{Status: closing, AskSurvey: true, Events: []domain.Event{{Actor: officer, Kind: "status", From: status, To: closing}}}
		if r.IntN(100) < 55 {
			// Scores as such surveys go: mostly good.
			u.SurveyScore = []int{1, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3, 3, 4, 4, 4, 4, 4, 4, 4}[r.IntN(20)]
		}
		return change(f.FiledAt.Add(taken+time.Duration(1+r.IntN(20*24))*h), u)
	}
	jobs := make(chan int)
	var wg sync.WaitGroup
	var failed atomic.Pointer[error]
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				if err := work(i); err != nil {
					failed.CompareAndSwap(nil, &err)
				}
			}
		}()
	}
	for i := range benchTemplate + benchQuestion {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	if err := failed.Load(); err != nil {
		b.Fatal(*err)
	}
}
