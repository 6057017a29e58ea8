package main

import (
	"context"
	"encoding/csv"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/dinsospmd-bateng/silakso/bot/domain"
	"github.com/dinsospmd-bateng/silakso/locales"
	"github.com/dinsospmd-bateng/silakso/store"
	"github.com/dinsospmd-bateng/silakso/store/postgres"
	"github.com/dinsospmd-bateng/silakso/store/sqlite"
	"github.com/dinsospmd-bateng/silakso/store/storetest"
)

// The fixture's resident data that no report may show: the NIK in full, the address,
// the description, the residents' numbers.
var reportSecrets = []string{"1904014507850001", "Dusun 2 RT 03", "Husband ill", "6281234567890", "628120000001", "628120000002"}

// reportDatabase is a case database a test seeds directly.
type reportDatabase interface {
	storetest.ReportDB
	store.Officers
	Close() error
}

// seedReportDB files the storetest fixture (October 2026, figures known exactly) and
// registers the first officer by name; the second stays unknown to the registry.
func seedReportDB(t *testing.T, db reportDatabase) map[string]domain.Case {
	t.Helper()
	defer db.Close()
	cases := storetest.ReportSeed(t, db)
	err := db.AddOfficer(context.Background(), domain.Officer{Phone: "+628111000001", Name: "Rudi Hartono", Role: domain.RolePetugas,
		Kecamatan: []string{"Koba"}, Channel: "sms", Active: true, CreatedAt: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	return cases
}

// reportEngines give an environment for run whose database holds the fixture, sealed
// with the test key as the service seals.
var reportEngines = []struct {
	name string
	open func(t *testing.T) (map[string]string, map[string]domain.Case)
}{
	{"sqlite", func(t *testing.T) (map[string]string, map[string]domain.Case) {
		dir := t.TempDir()
		path := filepath.Join(dir, "silakso.db")
		db, err := sqlite.Open(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		db.SetKeyring(storetest.Keyring(t))
		cases := seedReportDB(t, db)
		return map[string]string{"SILAKSO_DATA_DIR": dir, "SILAKSO_DATABASE_URL": "sqlite:" + path, "SILAKSO_DATA_KEY": testDataKey}, cases
	}},
	{"postgres", func(t *testing.T) (map[string]string, map[string]domain.Case) {
		url := storetest.PostgresDatabase(t)
		db, err := postgres.Open(context.Background(), url)
		if err != nil {
			t.Fatal(err)
		}
		db.SetKeyring(storetest.Keyring(t))
		cases := seedReportDB(t, db)
		return map[string]string{"SILAKSO_DATA_DIR": t.TempDir(), "SILAKSO_DATABASE_URL": url, "SILAKSO_DATA_KEY": testDataKey}, cases
	}},
}

var october = []string{"--from", "2026-10-01", "--to", "2026-10-31"}

// The sheets of a report, in order, as the Indonesian catalog names them.
var reportSheets = []string{"Ringkasan", "Bulan", "Kecamatan", "Desa", "Jenis bantuan", "Kanal", "Untuk siapa", "Status",
	"Beban petugas", "Kontak lain", "Kasus", "Terlambat", "Saran warga"}

// The summary of October 2026 (the fixture's figures: storetest.TestReports), but for
// the row of when it was made.
var octoberSummary = [][]string{
	{"Ukuran", "Nilai", "Keterangan"},
	{"Periode", "2026-10-01 s.d. 2026-10-31", ""},
	{"Dibuat", "*", "keterlambatan dihitung sampai saat ini"},
	{"Permohonan bantuan", "5", ""},
	{"Terbuka", "2", ""},
	{"Selesai", "2", ""},
	{"Ditolak", "1", ""},
	{"Terlambat", "2", "respons pertama > 3 hari"},
	{"Pertanyaan", "1", "bukan permohonan bantuan, dihitung terpisah"},
	{"Permintaan hapus data", "0", "bukan permohonan bantuan, dihitung terpisah"},
	{"Waktu sampai tindakan pertama: jumlah kasus", "4", ""},
	{"Waktu sampai tindakan pertama: median (jam)", "1.0", ""},
	{"Waktu sampai tindakan pertama: persentil 90 (jam)", "24.0", ""},
	{"Waktu sampai respons pertama: jumlah kasus", "4", ""},
	{"Waktu sampai respons pertama: median (jam)", "2.0", ""},
	{"Waktu sampai respons pertama: persentil 90 (jam)", "96.0", ""},
	{"Waktu sampai selesai/ditutup: jumlah kasus", "3", ""},
	{"Waktu sampai selesai/ditutup: median (jam)", "72.0", ""},
	{"Waktu sampai selesai/ditutup: persentil 90 (jam)", "240.0", ""},
	{"Survei ditanyakan", "3", ""},
	{"Survei dijawab", "2", ""},
	{"Indeks Kepuasan Masyarakat (IKM)", "75.00", "skala 25-100, Permenpan RB 14/2017"},
	{"Mutu pelayanan", "C", "Kurang Baik"},
}

var octoberKecamatan = [][]string{
	{"Kecamatan", "Jumlah", "Terbuka", "Selesai", "Ditolak", "Terlambat"},
	{"Koba", "3", "1", "2", "0", "1"},
	{"Pangkalan Baru", "2", "1", "0", "1", "1"},
}

var madeAt = regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d WIB$`)

// sameRows compares rows, "*" in want matching a made-at time.
func sameRows(t *testing.T, what string, got, want [][]string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d rows, want %d:\n%q", what, len(got), len(want), got)
	}
	for i := range want {
		g := slices.Clone(got[i])
		for j := range want[i] {
			if want[i][j] == "*" && j < len(g) && madeAt.MatchString(g[j]) {
				g[j] = "*"
			}
		}
		if !reflect.DeepEqual(g, want[i]) {
			t.Errorf("%s row %d:\n got %q\nwant %q", what, i+1, got[i], want[i])
		}
	}
}

func noSecrets(t *testing.T, where, text string) {
	t.Helper()
	for _, s := range reportSecrets {
		if strings.Contains(text, s) {
			t.Errorf("%s shows %q", where, s)
		}
	}
	if strings.Contains(text, "report.") {
		t.Errorf("%s has a message key the catalog lacks:\n%s", where, text)
	}
}

func TestReport(t *testing.T) {
	for _, engine := range reportEngines {
		t.Run(engine.name, func(t *testing.T) {
			env, cases := engine.open(t)
			t.Run("table", func(t *testing.T) { checkReportTable(t, env) })
			t.Run("csv", func(t *testing.T) { checkReportCSV(t, env, cases) })
			t.Run("xlsx", func(t *testing.T) { checkReportXLSX(t, env, cases) })
		})
	}
}

// tableSection is a section of the table output as rows of cells (columns are at
// least two spaces apart; words in a cell one).
func tableSection(t *testing.T, out, title string) [][]string {
	t.Helper()
	lines := strings.Split(out, "\n")
	for i := 0; i+1 < len(lines); i++ {
		if lines[i] != title || lines[i+1] != strings.Repeat("=", len(title)) {
			continue
		}
		var rows [][]string
		for _, l := range lines[i+2:] {
			if l == "" {
				break
			}
			rows = append(rows, regexp.MustCompile(`\s{2,}`).Split(strings.TrimSpace(l), -1))
		}
		return rows
	}
	t.Fatalf("no section %q in:\n%s", title, out)
	return nil
}

func checkReportTable(t *testing.T, env map[string]string) {
	code, out, errOut := runCmd(t, env, "", append([]string{"report"}, october...)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	noSecrets(t, "table", out)
	for _, title := range reportSheets {
		tableSection(t, out, title)
	}
	// Empty cells leave no column in text: compare the summary's non-empty cells.
	var want [][]string
	for _, r := range octoberSummary {
		want = append(want, slices.DeleteFunc(slices.Clone(r), func(s string) bool { return s == "" }))
	}
	sameRows(t, "table summary", tableSection(t, out, "Ringkasan"), want)
	sameRows(t, "table kecamatan", tableSection(t, out, "Kecamatan"), octoberKecamatan)
	sameRows(t, "table officers", tableSection(t, out, "Beban petugas"), [][]string{
		{"Petugas", "Nomor petugas", "Jumlah", "Terbuka", "Selesai", "Ditolak", "Terlambat"},
		{"Rudi Hartono", "+628111000001", "3", "1", "2", "0", "1"},
		{"belum diambil", "1", "1", "0", "0", "1"},
		{"+628111000002", "1", "0", "0", "1", "0"},
	})
	late := tableSection(t, out, "Terlambat")
	if len(late) != 3 || late[1][1] != "2026-10-05 10:00" || late[2][1] != "2026-10-20 09:00" {
		t.Errorf("late section %q", late)
	}
}

func checkReportCSV(t *testing.T, env map[string]string, cases map[string]domain.Case) {
	dir := filepath.Join(t.TempDir(), "laporan-oktober") // made by the command
	code, _, errOut := runCmd(t, env, "", append([]string{"report", "--format", "csv", "--out", dir}, october...)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	want := []string{"01-ringkasan.csv", "02-bulan.csv", "03-kecamatan.csv", "04-desa.csv", "05-jenis-bantuan.csv", "06-kanal.csv",
		"07-untuk-siapa.csv", "08-status.csv", "09-beban-petugas.csv", "10-kontak-lain.csv", "11-kasus.csv", "12-terlambat.csv", "13-saran-warga.csv"}
	if !slices.Equal(names, want) {
		t.Fatalf("files %q, want %q", names, want)
	}
	read := func(name string) [][]string {
		f, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if info, _ := f.Stat(); info.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v: residents' names for the operator only", name, info.Mode().Perm())
		}
		raw, err := io.ReadAll(f)
		if err != nil {
			t.Fatal(err)
		}
		noSecrets(t, name, string(raw))
		rows, err := csv.NewReader(strings.NewReader(string(raw))).ReadAll()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return rows
	}
	for _, name := range names {
		read(name)
	}
	sameRows(t, "summary", read("01-ringkasan.csv"), octoberSummary)
	sameRows(t, "kecamatan", read("03-kecamatan.csv"), octoberKecamatan)
	sameRows(t, "desa", read("04-desa.csv"), [][]string{
		{"Kecamatan", "Desa", "Kode desa", "Jumlah", "Terbuka", "Selesai", "Ditolak", "Terlambat"},
		{"Koba", "Nibung", "19.04.01.2003", "2", "0", "2", "0", "0"},
		{"Pangkalan Baru", "Benteng", "19.04.06.2001", "2", "1", "0", "1", "1"},
		{"Koba", "Terentang", "19.04.01.2004", "1", "1", "0", "0", "1"},
	})
	sameRows(t, "status", read("08-status.csv"), [][]string{
		{"Status", "Jumlah", "Terbuka", "Selesai", "Ditolak", "Terlambat"},
		{"baru diterima", "2", "2", "0", "0", "2"},
		{"selesai", "2", "0", "2", "0", "0"},
		{"tidak dapat dibantu", "1", "0", "0", "1", "0"},
	})
	sameRows(t, "relation", read("07-untuk-siapa.csv"), [][]string{
		{"Untuk siapa", "Jumlah", "Terbuka", "Selesai", "Ditolak", "Terlambat"},
		{"Diri sendiri", "3", "1", "2", "0", "1"},
		{"Anggota keluarga", "1", "1", "0", "0", "1"},
		{"Orang lain", "1", "0", "0", "1", "0"},
	})
	sameRows(t, "officers", read("09-beban-petugas.csv"), [][]string{
		{"Petugas", "Nomor petugas", "Jumlah", "Terbuka", "Selesai", "Ditolak", "Terlambat"},
		{"Rudi Hartono", "+628111000001", "3", "1", "2", "0", "1"},
		{"belum diambil", "", "1", "1", "0", "0", "1"},
		{"", "+628111000002", "1", "0", "0", "1", "0"},
	})
	kasus := read("11-kasus.csv")
	if len(kasus) != 6 || kasus[0][8] != "NIK" || kasus[1][8] != "1904**********01" {
		t.Errorf("cases %q", kasus)
	}
	sameRows(t, "comments", read("13-saran-warga.csv"), [][]string{
		{"Tiket", "Dijawab (WIB)", "Kecamatan", "Petugas", "Nilai survei", "Saran"},
		{cases["c1"].Ticket, "2026-10-04 09:00", "Koba", "Rudi Hartono", "4", "petugas ramah"},
	})
}

func checkReportXLSX(t *testing.T, env map[string]string, cases map[string]domain.Case) {
	path := filepath.Join(t.TempDir(), "laporan-2026-10.xlsx")
	code, _, errOut := runCmd(t, env, "", append([]string{"report", "--format", "xlsx", "--out", path}, october...)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if info, err := os.Stat(path); err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("workbook: %v %v", info, err)
	}
	if leftovers, _ := filepath.Glob(filepath.Join(filepath.Dir(path), "*")); len(leftovers) != 1 {
		t.Errorf("temporary files left: %q", leftovers)
	}
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetList(); !slices.Equal(got, reportSheets) {
		t.Fatalf("sheets %q, want %q", got, reportSheets)
	}
	rows := map[string][][]string{}
	for _, s := range reportSheets {
		r, err := f.GetRows(s)
		if err != nil {
			t.Fatal(err)
		}
		rows[s] = r
		var all strings.Builder
		for _, row := range r {
			all.WriteString(strings.Join(row, "\t") + "\n")
		}
		noSecrets(t, "sheet "+s, all.String())
		if style, _ := f.GetCellStyle(s, "A1"); style == 0 {
			t.Errorf("sheet %s: header not styled", s)
		} else if st, _ := f.GetStyle(style); st.Font == nil || !st.Font.Bold {
			t.Errorf("sheet %s: header not bold", s)
		}
	}
	// GetRows drops trailing empty cells: pad the summary's notes back.
	summary := rows["Ringkasan"]
	for i := range summary {
		for len(summary[i]) < 3 {
			summary[i] = append(summary[i], "")
		}
	}
	sameRows(t, "xlsx summary", summary, octoberSummary)
	sameRows(t, "xlsx kecamatan", rows["Kecamatan"], octoberKecamatan)
	if got := rows["Kasus"][0]; !slices.Equal(got, []string{"Tiket", "Tanggal masuk (WIB)", "Kecamatan", "Desa", "Kode desa",
		"Jenis bantuan", "Untuk siapa", "Nama", "NIK", "Kanal", "Status", "Petugas", "Respons pertama (jam)",
		"Selesai/ditutup (WIB)", "Terlambat", "Nilai survei"}) {
		t.Errorf("cases header %q", got)
	}

	// Counts, hours and scores are numbers; the IKM shows two decimals.
	cell := func(sheet, ref, want string, number bool) {
		t.Helper()
		got, err := f.GetCellValue(sheet, ref)
		if err != nil || got != want {
			t.Errorf("%s!%s = %q (%v), want %q", sheet, ref, got, err, want)
		}
		typ, _ := f.GetCellType(sheet, ref)
		if (typ == excelize.CellTypeNumber || typ == excelize.CellTypeUnset) != number {
			t.Errorf("%s!%s is of type %v, number %v", sheet, ref, typ, number)
		}
	}
	cell("Ringkasan", "B4", "5", true)     // requests for help
	cell("Ringkasan", "B8", "2", true)     // late
	cell("Ringkasan", "B16", "96.0", true) // p90 to first response
	cell("Ringkasan", "B22", "75.00", true)
	if raw, _ := f.GetCellValue("Ringkasan", "B22", excelize.Options{RawCellValue: true}); raw != "75" {
		t.Errorf("IKM stored as %q, want the number 75", raw)
	}
	cell("Ringkasan", "B23", "C", false)
	cell("Ringkasan", "C23", "Kurang Baik", false)
	cell("Kecamatan", "B2", "3", true)
	cell("Beban petugas", "A2", "Rudi Hartono", false)

	// The cases, oldest first by filing time (c4 was filed first, at 01:00 on 1 October,
	// though numbered after c1), with numbers stored as numbers.
	byTicket := map[string][]string{}
	for i, r := range rows["Kasus"][1:] {
		byTicket[r[0]] = r
		if i > 0 && r[1] < rows["Kasus"][i][1] {
			t.Errorf("Kasus row %d filed %s, before the row above (%s)", i+2, r[1], rows["Kasus"][i][1])
		}
	}
	if first := rows["Kasus"][1][0]; first != cases["c4"].Ticket {
		t.Errorf("first case %s, want c4's %s", first, cases["c4"].Ticket)
	}
	cell("Kasus", "M2", "24.0", true) // first response, hours
	cell("Kasus", "P2", "2", true)    // survey score
	if len(byTicket) != 5 {
		t.Fatalf("%d cases, want 5: %q", len(byTicket), rows["Kasus"])
	}
	c1 := byTicket[cases["c1"].Ticket]
	if want := []string{cases["c1"].Ticket, "2026-10-01 08:00", "Koba", "Nibung", "19.04.01.2003", "Sembako", "Diri sendiri", "Siti Aminah",
		"1904**********01", "sms", "selesai", "Rudi Hartono", "2.0", "2026-10-04 08:00", "tidak", "4"}; !slices.Equal(c1, want) {
		t.Errorf("c1\n got %q\nwant %q", c1, want)
	}
	// Filed 1 October 01:00 WIB (30 September in UTC): in the period, dated in WIB.
	c4 := byTicket[cases["c4"].Ticket]
	if want := []string{cases["c4"].Ticket, "2026-10-01 01:00", "Pangkalan Baru", "Benteng", "19.04.06.2001", "PKH", "Orang lain", "Siti Aminah",
		"1904**********01", "sms", "tidak dapat dibantu", "+628111000002", "24.0", "2026-10-02 01:00", "tidak", "2"}; !slices.Equal(c4, want) {
		t.Errorf("c4\n got %q\nwant %q", c4, want)
	}
	c3 := byTicket[cases["c3"].Ticket]
	if len(c3) < 15 || c3[11] != "belum diambil" || c3[12] != "" || c3[14] != "ya" {
		t.Errorf("c3 %q", c3)
	}
	late := rows["Terlambat"]
	if len(late) != 3 || !slices.Equal(late[0], []string{"Tiket", "Tanggal masuk (WIB)", "Kecamatan", "Jenis bantuan", "Petugas", "Menunggu (jam)", "Sudah direspons"}) ||
		!slices.Equal(late[1], []string{cases["c2"].Ticket, "2026-10-05 10:00", "Koba", "BPJS gratis", "Rudi Hartono", "96.0", "ya"}) ||
		late[2][0] != cases["c3"].Ticket || late[2][4] != "belum diambil" || late[2][6] != "tidak" {
		t.Errorf("late sheet %q", late)
	}
}

// With no --from or --to, the report covers last month in WIB.
func TestReportPreviousMonth(t *testing.T) {
	for _, tc := range []struct {
		now      time.Time
		from, to string
	}{
		{time.Date(2026, 11, 15, 12, 0, 0, 0, reportZone), "2026-10-01", "2026-11-01"},
		{time.Date(2026, 11, 1, 0, 0, 0, 0, reportZone), "2026-10-01", "2026-11-01"},
		{time.Date(2027, 1, 3, 9, 0, 0, 0, reportZone), "2026-12-01", "2027-01-01"},
		// 1 January 03:00 WIB is still 31 December in UTC: the month is WIB's.
		{time.Date(2026, 12, 31, 20, 0, 0, 0, time.UTC), "2026-12-01", "2027-01-01"},
		{time.Date(2026, 3, 31, 23, 0, 0, 0, reportZone), "2026-02-01", "2026-03-01"},
	} {
		from, to := previousMonth(tc.now)
		if got := from.Format(time.DateOnly) + " " + to.Format(time.DateOnly); got != tc.from+" "+tc.to {
			t.Errorf("previousMonth(%v) = %s, want %s %s", tc.now, got, tc.from, tc.to)
		}
		if from.Location() != reportZone || from.Hour() != 0 || to.Hour() != 0 {
			t.Errorf("previousMonth(%v) = %v .. %v, want midnights in WIB", tc.now, from, to)
		}
		opts, err := parseReportArgs(nil, tc.now, io.Discard)
		if err != nil || !opts.From.Equal(from) || !opts.To.Equal(to) || opts.Format != "table" {
			t.Errorf("no flags at %v: %+v %v", tc.now, opts, err)
		}
	}
	// --from alone runs to the end of today.
	now := time.Date(2026, 12, 6, 14, 0, 0, 0, reportZone)
	opts, err := parseReportArgs([]string{"--from", "2026-12-01"}, now, io.Discard)
	if err != nil || !opts.To.Equal(time.Date(2026, 12, 7, 0, 0, 0, 0, reportZone)) {
		t.Errorf("--from alone: %+v %v", opts, err)
	}
	// --to is included: one day is a period.
	opts, err = parseReportArgs([]string{"--from", "2026-10-05", "--to", "2026-10-05"}, now, io.Discard)
	if err != nil || opts.To.Sub(opts.From) != 24*time.Hour {
		t.Errorf("one day: %+v %v", opts, err)
	}
}

func TestReportUsageErrors(t *testing.T) {
	env := map[string]string{"SILAKSO_DATA_DIR": t.TempDir()}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--from", "2026-13-01", "--to", "2026-12-31"}, `--from "2026-13-01": use a date such as 2026-10-31`},
		{[]string{"--from", "1/10/2026"}, `--from "1/10/2026"`},
		{[]string{"--from", "2026-10-01", "--to", "31-10-2026"}, `--to "31-10-2026"`},
		{[]string{"--from", "2026-11-01", "--to", "2026-10-31"}, "--from 2026-11-01 is after --to 2026-10-31"},
		{[]string{"--to", "2026-10-31"}, "--to needs --from"},
		{[]string{"--format", "pdf"}, `--format "pdf": use one of table, csv, xlsx`},
		{[]string{"--format", "xlsx"}, "--format xlsx needs --out FILE.xlsx"},
		{[]string{"--format", "xlsx", "--out", "laporan.csv"}, `--format xlsx needs --out FILE.xlsx, got "laporan.csv"`},
		{[]string{"--format", "csv"}, "--format csv needs --out FOLDER"},
		{[]string{"--format", "csv", "--out", "laporan.csv"}, `--format csv needs --out FOLDER (one CSV file per sheet goes there), got "laporan.csv"`},
		{[]string{"--format", "csv", "--out", "report_test.go"}, "--out report_test.go is a file"},
		{[]string{"--out", "laporan.txt"}, "--out is for csv and xlsx"},
		{[]string{"oktober"}, `unexpected argument "oktober"`},
		{[]string{"--month", "10"}, "flag provided but not defined: -month"},
	} {
		code, out, errOut := runCmd(t, env, "", append([]string{"report"}, tc.args...)...)
		if code != 2 || !strings.Contains(errOut, tc.want) || strings.Count(strings.TrimSpace(errOut), "\n") > 0 || out != "" {
			t.Errorf("report %q: exit %d, stderr %q, stdout %q; want exit 2 and one line with %q", tc.args, code, errOut, out, tc.want)
		}
	}
	// --out FILE.xlsx alone asks for a workbook.
	if opts, err := parseReportArgs([]string{"--out", "laporan.xlsx"}, time.Now(), io.Discard); err != nil || opts.Format != "xlsx" {
		t.Errorf("--out laporan.xlsx: %+v, %v", opts, err)
	}
	// -h lists the flags.
	if code, _, errOut := runCmd(t, env, "", "report", "-h"); code != 2 || !strings.Contains(errOut, "-format") {
		t.Errorf("-h: exit %d, %q", code, errOut)
	}
}

// A period with no cases still makes every sheet, with "-" where a figure has no value.
func TestReportEmptyPeriod(t *testing.T) {
	env, _ := reportEngines[0].open(t)
	code, out, errOut := runCmd(t, env, "", "report", "--from", "2025-01-01", "--to", "2025-01-31")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	summary := tableSection(t, out, "Ringkasan")
	for _, r := range summary {
		switch r[0] {
		case "Permohonan bantuan":
			if r[1] != "0" {
				t.Errorf("requests %q", r)
			}
		case "Waktu sampai respons pertama: median (jam)", "Indeks Kepuasan Masyarakat (IKM)", "Mutu pelayanan":
			if r[1] != "-" {
				t.Errorf("%q, want -", r)
			}
		}
	}
	if cases := tableSection(t, out, "Kasus"); len(cases) != 1 {
		t.Errorf("cases of an empty period: %q", cases)
	}
}

// Text a resident typed cannot become a formula in a spreadsheet opening the CSV.
func TestReportCSVDefusesFormulas(t *testing.T) {
	for in, want := range map[string]string{
		"=HYPERLINK(\"http://x\")": "'=HYPERLINK(\"http://x\")", "@SUM(A1)": "'@SUM(A1)", "+1+cmd|' /C calc'!A0": "'+1+cmd|' /C calc'!A0",
		"-2+3": "'-2+3", "\tx": "'\tx", "+628111000002": "+628111000002", "-": "-", "": "", "Siti Aminah": "Siti Aminah",
	} {
		if got := defuseFormula(in); got != want {
			t.Errorf("defuseFormula(%q) = %q, want %q", in, got, want)
		}
	}
}

// captureSink keeps what a report writes, as text.
type captureSink struct {
	sheets map[string][][]string
	order  []string
}

func (c *captureSink) beginSheet(s sheetSpec) error {
	if c.sheets == nil {
		c.sheets = map[string][][]string{}
	}
	c.order = append(c.order, s.name)
	c.sheets[s.name] = [][]string{s.header}
	return nil
}

func (c *captureSink) row(cells []any) error {
	name := c.order[len(c.order)-1]
	text := make([]string, len(cells))
	for i, v := range cells {
		text[i] = cellText(v)
	}
	c.sheets[name] = append(c.sheets[name], text)
	return nil
}

func (c *captureSink) endSheet() error { return nil }
func (c *captureSink) finish() error   { return nil }
func (c *captureSink) discard()        {}

type fakeCases []domain.Case

// ReportCases gives the cases after the one given, in the order of the fakes (numbered
// in order).
func (f fakeCases) ReportCases(_ context.Context, _ store.ReportQuery, after domain.Case, limit int) ([]domain.Case, error) {
	var page []domain.Case
	for _, c := range f {
		if c.ID > after.ID && len(page) < limit {
			page = append(page, c)
		}
	}
	return page, nil
}

// The NIK column: masked, "tanpa NIK" for a person without one, empty once erased.
// The officer: their name, their number when the registry has no name, "belum
// diambil" when nobody took the case.
func TestReportCaseRows(t *testing.T) {
	catalog, err := locales.Load()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 2, 0, 0, 0, 0, reportZone)
	q := store.ReportQuery{From: time.Date(2026, 10, 1, 0, 0, 0, 0, reportZone), To: time.Date(2026, 11, 1, 0, 0, 0, 0, reportZone),
		Zone: reportZone, LateAfter: 36 * time.Hour, Now: now}
	filed := time.Date(2026, 10, 31, 23, 30, 0, 0, reportZone)
	withNIK := domain.Case{ID: 1, Ticket: "2600017", Status: domain.StatusInProcess, AssignedTo: "+628111000001",
		Filing: domain.Filing{Name: "Siti Aminah", NIK: "1904014507850001", Need: "food", Relation: "family", FiledAt: filed.UTC()}}
	withNIK.Service.RespondedAt = filed.Add(90 * time.Minute)
	noNIK := domain.Case{ID: 2, Ticket: "2600025", Status: domain.StatusNew,
		Filing: domain.Filing{Name: "Ahmad", NoNIK: true, Need: "housing", Relation: "self", FiledAt: filed.Add(-48 * time.Hour)}}
	erased := domain.Case{ID: 3, Ticket: "2600030", Status: domain.StatusDone, AssignedTo: "+628111000009",
		Filing: domain.Filing{Need: "pkh", Relation: "self", FiledAt: filed.Add(-72 * time.Hour)}}
	erased.Service.RespondedAt, erased.Service.ClosedAt = erased.FiledAt.Add(40*time.Hour), erased.FiledAt.Add(50*time.Hour)
	erased.Survey.Score = 3

	r := reportContent{labels: reportLabels{catalog: catalog, lang: locales.Default},
		figures: reportFigures{Query: q, Officers: map[string]string{"+628111000001": "Rudi Hartono"}}}
	var sink captureSink
	late, _, err := r.writeCases(context.Background(), &sink, fakeCases{withNIK, noNIK, erased})
	if err != nil {
		t.Fatal(err)
	}
	if err := writeSheet(&sink, late); err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"2600017", "2026-10-31 23:30", "", "", "", "Sembako", "Anggota keluarga", "Siti Aminah", "1904**********01", "", "sedang diproses", "Rudi Hartono", "1.5", "", "tidak", ""},
		{"2600025", "2026-10-29 23:30", "", "", "", "Bedah rumah", "Diri sendiri", "Ahmad", "tanpa NIK", "", "baru diterima", "belum diambil", "", "", "ya", ""},
		{"2600030", "2026-10-28 23:30", "", "", "", "PKH", "Diri sendiri", "", "", "", "selesai", "+628111000009", "40.0", "2026-10-31 01:30", "ya", "3"},
	}
	sameRows(t, "cases", sink.sheets["Kasus"][1:], want)
	// Late after 36 hours: the case still waiting (72.5 hours by now) and the one
	// answered after 40.
	sameRows(t, "late", sink.sheets["Terlambat"][1:], [][]string{
		{"2600025", "2026-10-29 23:30", "", "Bedah rumah", "belum diambil", "72.5", "tidak"},
		{"2600030", "2026-10-28 23:30", "", "PKH", "+628111000009", "40.0", "ya"},
	})
	if got := r.lateRule(); got != "respons pertama > 36 jam" {
		t.Errorf("late rule %q", got)
	}
}

// Every language's sheet names are names a workbook accepts: at most 31 characters,
// none of : \ / ? * [ ], and no two alike.
func TestReportSheetNames(t *testing.T) {
	catalog, err := locales.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range catalog.Languages() {
		seen := map[string]bool{}
		for _, e := range catalog.Entries(lang) {
			if !strings.HasPrefix(e.Key, "report.sheet_") {
				continue
			}
			if n := len([]rune(e.Text)); n == 0 || n > 31 || strings.ContainsAny(e.Text, `:\/?*[]`) || seen[strings.ToLower(e.Text)] {
				t.Errorf("%s/%s: %q cannot name a worksheet", lang, e.Key, e.Text)
			}
			seen[strings.ToLower(e.Text)] = true
		}
		// The breakdowns, and the summary, the cases, the late ones and the comments.
		if len(seen) != len(store.Breakdowns)+4 {
			t.Errorf("%s: %d sheet names, want %d", lang, len(seen), len(store.Breakdowns)+4)
		}
	}
}
