package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/dinsospmd-bateng/silakso/bot/domain"
	"github.com/dinsospmd-bateng/silakso/store/storetest"
)

func runCmd(t *testing.T, env map[string]string, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut strings.Builder
	code := run(context.Background(), args, func(k string) string { return env[k] }, strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

// The README's run command, scripted: an intake through a pipe ends with a ticket, and
// a second run (same data folder) finds it.
func TestChatScriptedIntakeAndStatusInNewRun(t *testing.T) {
	env := map[string]string{"SILAKSO_DATA_DIR": t.TempDir()}
	script := strings.Join([]string{"halo", "1", "1", "Siti Aminah", "1904014507850001", "1", "6",
		"Dusun 2 RT 03", "1", "Suami sakit, tidak bisa bekerja dan beras habis.", "YA"}, "\n") + "\n"
	code, out, errOut := runCmd(t, env, script, "chat", "--from", "081234567890")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, "Untuk cek status kirim: CEK "+firstTicket) {
		t.Fatalf("no ticket in:\n%s", out)
	}
	code, out, _ = runCmd(t, env, "CEK "+firstTicket+"\n/from 085211112222\nCEK "+firstTicket+"\n", "chat", "--from", "0812-3456-7890")
	if code != 0 || !strings.Contains(out, "Petugas akan memeriksa permohonan Bapak/Ibu") {
		t.Fatalf("filer's status (exit %d):\n%s", code, out)
	}
	if !strings.Contains(out, "Rincian hanya dikirim ke nomor yang mengajukan") {
		t.Fatalf("stranger's status:\n%s", out)
	}
}

// A conversation left half way in one run continues in the next.
func TestChatSessionSurvivesRuns(t *testing.T) {
	env := map[string]string{"SILAKSO_DATA_DIR": t.TempDir()}
	if code, _, errOut := runCmd(t, env, "halo\n1\n1\n", "chat"); code != 0 {
		t.Fatal(errOut)
	}
	_, out, _ := runCmd(t, env, "Siti Aminah\n", "chat")
	if !strings.Contains(out, "Tulis NIK") {
		t.Fatalf("second run did not continue the intake:\n%s", out)
	}
}

func TestConfigErrors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		env  map[string]string
		args []string
		code int
		want string
	}{
		{"no command", nil, nil, 2, "Usage:"},
		{"unknown command", nil, []string{"fly"}, 2, `unknown command "fly"`},
		{"bad sender", nil, []string{"chat", "--from", "12"}, 2, "not an Indonesian phone number"},
		{"bad database url", map[string]string{"SILAKSO_DATABASE_URL": "mysql://x"}, []string{"chat"}, 1, "use postgres://USER:PASSWORD@HOST:5432/DB or sqlite:PATH"},
		{"data key not a key", map[string]string{"SILAKSO_DATA_KEY": "secret"}, []string{"migrate"}, 1, "SILAKSO_DATA_KEY: not a data key (32 random bytes in base64"},
		{"data key twice", map[string]string{"SILAKSO_DATA_KEY": "x", "SILAKSO_DATA_KEY_FILE": "/x"}, []string{"migrate"}, 1, "set SILAKSO_DATA_KEY or SILAKSO_DATA_KEY_FILE, not both"},
		{"old key not a key", map[string]string{"SILAKSO_DATA_OLD_KEYS": "abc"}, []string{"migrate"}, 1, "SILAKSO_DATA_OLD_KEYS: not a data key"},
		{"password not printed", map[string]string{"SILAKSO_DATABASE_URL": "mysql://u:secret@x"}, []string{"migrate"}, 1, "xxxxx"},
		{"malformed postgres url", map[string]string{"SILAKSO_DATABASE_URL": "postgres://u:secret@127.0.0.1:notaport/db"}, []string{"migrate"}, 1, "SILAKSO_DATABASE_URL: "},
		{"postgres down", map[string]string{"SILAKSO_DATABASE_URL": "postgres://postgres@127.0.0.1:1/postgres"}, []string{"migrate"}, 1, "SILAKSO_DATABASE_URL: postgres: cannot reach 127.0.0.1:1 as postgres"},
		{"postgres unknown role", map[string]string{"SILAKSO_DATABASE_URL": "postgres://nosuchrole:pw@127.0.0.1:5432/postgres?sslmode=disable"}, []string{"migrate"}, 1, `role "nosuchrole" does not exist`},
		{"bad redis url", map[string]string{"SILAKSO_REDIS_URL": "127.0.0.1:6379"}, []string{"chat"}, 1, "SILAKSO_REDIS_URL=\"127.0.0.1:6379\": use redis://"},
		{"redis down", map[string]string{"SILAKSO_DATA_DIR": dir, "SILAKSO_REDIS_URL": "redis://127.0.0.1:1/0"}, []string{"chat"}, 1, "SILAKSO_REDIS_URL: cannot reach Redis at 127.0.0.1:1"},
		{"empty sqlite path", map[string]string{"SILAKSO_DATABASE_URL": "sqlite:"}, []string{"migrate"}, 1, "name the file"},
		{"bad log level", map[string]string{"SILAKSO_LOG_LEVEL": "loud"}, []string{"migrate"}, 1, "SILAKSO_LOG_LEVEL"},
		{"bad late rule", map[string]string{"SILAKSO_LATE_AFTER": "soon"}, []string{"migrate"}, 1, `SILAKSO_LATE_AFTER="soon": use a duration such as 3d or 72h`},
		{"late rule zero", map[string]string{"SILAKSO_LATE_AFTER": "0d"}, []string{"migrate"}, 1, "SILAKSO_LATE_AFTER"},
		{"bad survey statuses", map[string]string{"SILAKSO_SURVEY": "selesai,baru"}, []string{"migrate"}, 1, `SILAKSO_SURVEY="selesai,baru": use selesai, selesai,ditolak, or off`},
		{"unwritable data dir", map[string]string{"SILAKSO_DATABASE_URL": "sqlite:/proc/silakso/x.db"}, []string{"migrate"}, 1, "set SILAKSO_DATA_DIR to a writable folder"},
		{"migrate", map[string]string{"SILAKSO_DATABASE_URL": "sqlite:" + filepath.Join(dir, "m.db")}, []string{"migrate"}, 0, ""},
		{"gammu: the case database", map[string]string{"SILAKSO_DATABASE_URL": "postgres://a@db:5432/cases", "SILAKSO_GAMMU_DATABASE_URL": "postgres://b:pw@DB/cases"}, []string{"serve"}, 1, "Gammu's tables need a database of their own"},
		{"gammu: the case file", map[string]string{"SILAKSO_DATA_DIR": dir, "SILAKSO_GAMMU_DATABASE_URL": "sqlite:" + dir + "//./silakso.db"}, []string{"serve"}, 1, "need a file of their own"},
		{"gammu: not a database url", map[string]string{"SILAKSO_GAMMU_DATABASE_URL": "mysql://u:secret@x/gammu"}, []string{"serve"}, 1, "use postgres://USER:PASSWORD@HOST:5432/gammu or sqlite:PATH"},
		{"gammu: sqlite with instances", map[string]string{"SILAKSO_INSTANCES": "2", "SILAKSO_GAMMU_DATABASE_URL": "sqlite:/x/gammu.db"}, []string{"serve"}, 1, "read by one instance"},
		{"gammu: down", map[string]string{"SILAKSO_DATA_DIR": dir, "SILAKSO_GAMMU_DATABASE_URL": "postgres://gammu@127.0.0.1:1/gammu"}, []string{"gammu", "check"}, 1, "gammu: cannot reach 127.0.0.1:1 as gammu"},
		{"gammu: no tables", map[string]string{"SILAKSO_DATA_DIR": dir, "SILAKSO_GAMMU_DATABASE_URL": "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"}, []string{"gammu", "check"}, 1, "no table gammu"},
		{"gammu: bad rate", map[string]string{"SILAKSO_GAMMU_SEND_RATE": "fast"}, []string{"serve"}, 1, "SILAKSO_GAMMU_SEND_RATE"},
		{"gammu: check without url", nil, []string{"gammu", "check"}, 1, "SILAKSO_GAMMU_DATABASE_URL is not set"},
		{"smsgate: no credentials", map[string]string{"SMSGATE_URL": "http://192.168.1.20:8080", "SMSGATE_SIGNING_KEY": "k0123456789abcdef"}, []string{"serve"}, 1, "SMSGATE_USER and SMSGATE_PASSWORD"},
		{"smsgate: no signing key", map[string]string{"SMSGATE_URL": "http://192.168.1.20:8080", "SMSGATE_TOKEN": "t"}, []string{"serve"}, 1, "SMSGATE_SIGNING_KEY is not set"},
		{"smsgate: both credentials", map[string]string{"SMSGATE_URL": "http://192.168.1.20:8080", "SMSGATE_TOKEN": "t", "SMSGATE_USER": "sms", "SMSGATE_PASSWORD": "pw", "SMSGATE_SIGNING_KEY": "k0123456789abcdef"}, []string{"serve"}, 1, "not both"},
		{"smsgate: no public url", map[string]string{"SMSGATE_URL": "http://192.168.1.20:8080", "SMSGATE_TOKEN": "t", "SMSGATE_SIGNING_KEY": "k0123456789abcdef"}, []string{"serve"}, 1, "SILAKSO_PUBLIC_URL is not set"},
		{"smsgate: not a url", map[string]string{"SMSGATE_URL": "192.168.1.20:8080", "SMSGATE_TOKEN": "t", "SMSGATE_SIGNING_KEY": "k0123456789abcdef"}, []string{"serve"}, 1, "SMSGATE_URL=\"192.168.1.20:8080\": use the gateway's address"},
		{"smsgate: plain http to a server", map[string]string{"SILAKSO_PUBLIC_URL": "https://x", "SMSGATE_URL": "http://sms.example.go.id/api/3rdparty/v1", "SMSGATE_TOKEN": "t", "SMSGATE_SIGNING_KEY": "k0123456789abcdef"}, []string{"serve"}, 1, "plain http only to the phone"},
		{"smsgate: short signing key", map[string]string{"SILAKSO_PUBLIC_URL": "https://x", "SMSGATE_URL": "http://192.168.1.20:8080", "SMSGATE_TOKEN": "t", "SMSGATE_SIGNING_KEY": "Xq3vT9pL"}, []string{"serve"}, 1, "SMSGATE_SIGNING_KEY has 8 characters"},
		{"smsgate: cloud without consent", map[string]string{"SILAKSO_PUBLIC_URL": "https://x", "SMSGATE_URL": "https://api.sms-gate.app/3rdparty/v1", "SMSGATE_TOKEN": "t", "SMSGATE_SIGNING_KEY": "k0123456789abcdef"}, []string{"serve"}, 1, "SMSGATE_ALLOW_CLOUD=on"},
		{"smsgate: bad cloud switch", map[string]string{"SMSGATE_ALLOW_CLOUD": "maybe"}, []string{"serve"}, 1, "SMSGATE_ALLOW_CLOUD"},
		{"smsgate: bad sim", map[string]string{"SMSGATE_SIM": "4"}, []string{"serve"}, 1, "SMSGATE_SIM=\"4\""},
		{"smsgate: bad rate", map[string]string{"SMSGATE_SEND_RATE": "0"}, []string{"serve"}, 1, "SMSGATE_SEND_RATE"},
		{"smsgate: bad alert", map[string]string{"SMSGATE_ALERT_AFTER": "soon"}, []string{"serve"}, 1, "SMSGATE_ALERT_AFTER"},
		{"smsgate: register without url", nil, []string{"smsgate", "register"}, 1, "SMSGATE_URL is not set"},
		{"smsgate: register, gateway down", map[string]string{"SILAKSO_DATA_DIR": dir, "SILAKSO_PUBLIC_URL": "https://silakso.example.go.id", "SMSGATE_URL": "http://127.0.0.1:1", "SMSGATE_USER": "sms", "SMSGATE_PASSWORD": "pw", "SMSGATE_SIGNING_KEY": "k0123456789abcdef"}, []string{"smsgate", "register"}, 1, "register sms:received"},
		{"smsgate: no subcommand", nil, []string{"smsgate"}, 2, "register or check"},
		{"office: address too long", map[string]string{"SILAKSO_OFFICE_ADDRESS": strings.Repeat("Jalan ", 10)}, []string{"chat"}, 1, "SILAKSO_OFFICE_ADDRESS"},
		{"office: emoji", map[string]string{"SILAKSO_OFFICE_HOURS": "Senin-Jumat 😀"}, []string{"chat"}, 1, "plain characters"},
		{"smsgate: settings without url", map[string]string{"SMSGATE_SIGNING_KEY": "k0123456789abcdef"}, []string{"serve"}, 1, "SMSGATE_SIGNING_KEY is set but SMSGATE_URL is not"},
		{"smsgate: password missing", map[string]string{"SMSGATE_URL": "http://hp-gateway.local:8080", "SMSGATE_USER": "sms", "SMSGATE_SIGNING_KEY": "k0123456789abcdef"}, []string{"serve"}, 1, "SMSGATE_PASSWORD is not set"},
		{"smsgate: public url not https", map[string]string{"SILAKSO_PUBLIC_URL": "silakso.example.go.id", "SMSGATE_URL": "http://hp-gateway:8080", "SMSGATE_TOKEN": "t", "SMSGATE_SIGNING_KEY": "k0123456789abcdef"}, []string{"smsgate", "register"}, 1, "SILAKSO_PUBLIC_URL=\"silakso.example.go.id\": use https://"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runCmd(t, tt.env, "", tt.args...)
			if code != tt.code || !strings.Contains(errOut, tt.want) {
				t.Fatalf("exit %d, stderr %q, stdout %q; want exit %d and %q", code, errOut, out, tt.code, tt.want)
			}
			if strings.Count(strings.TrimSpace(errOut), "\n") > 0 && tt.code == 1 {
				t.Fatalf("want one line, got:\n%s", errOut)
			}
		})
	}
}

// Gammu's durations have their defaults when the variables are unset, for every use:
// /readyz must not find a modem heard 20 s ago stale.
func TestGammuConfigDefaults(t *testing.T) {
	env := map[string]string{"SILAKSO_GAMMU_DATABASE_URL": "postgres://gammu@127.0.0.1/gammu"}
	cfg, err := loadConfig(func(k string) string { return env[k] }, slog.LevelWarn)
	if err != nil {
		t.Fatal(err)
	}
	if g := cfg.Gammu; g.StaleAfter != 3*time.Minute || g.AlertAfter != 30*time.Minute || g.PartsWait != time.Minute || cfg.GammuRate != 10 {
		t.Errorf("gammu config %+v, rate %v", g, cfg.GammuRate)
	}
}

// With PostgreSQL and Redis configured, chat behaves exactly as on the embedded
// defaults, and the case lands in PostgreSQL.
func TestChatOnPostgresAndRedis(t *testing.T) {
	script := strings.Join([]string{"halo", "1", "3", "Bpk. Ahmad", "0", "sg selan", "kerantai",
		"Jl. Raya Kerantai RT 02", "5", "Tinggal sendiri, sudah tua dan sering sakit.", "Rusdi", "UBAH 8", "6285267891234", "YA", "CEK"}, "\n") + "\n"
	embedded := map[string]string{"SILAKSO_DATA_DIR": t.TempDir()}
	code, want, errOut := runCmd(t, embedded, script, "chat")
	if code != 0 {
		t.Fatal(errOut)
	}
	_, prefix := storetest.Redis(t)
	pgURL := storetest.PostgresDatabase(t)
	production := map[string]string{
		"SILAKSO_DATA_DIR":     t.TempDir(),
		"SILAKSO_DATABASE_URL": pgURL, "SILAKSO_DATA_KEY": testDataKey,
		"SILAKSO_REDIS_URL":    storetest.RedisURL(),
		"SILAKSO_REDIS_PREFIX": prefix,
	}
	code, got, errOut := runCmd(t, production, script, "chat")
	if code != 0 {
		t.Fatal(errOut)
	}
	// Only the date of the status line may differ between the runs.
	date := regexp.MustCompile(`\d\d-\d\d-\d\d\b`)
	if date.ReplaceAllString(got, "DATE") != date.ReplaceAllString(want, "DATE") {
		t.Fatalf("PostgreSQL + Redis:\n%s\nembedded:\n%s", got, want)
	}
	conn, err := pgx.Connect(context.Background(), pgURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var ticket, desa string
	var noNIK bool
	if err := conn.QueryRow(context.Background(), `SELECT ticket, desa, no_nik FROM cases`).Scan(&ticket, &desa, &noNIK); err != nil {
		t.Fatal(err)
	}
	if ticket != firstTicket || desa != "Kerantai" || !noNIK {
		t.Fatalf("case in PostgreSQL: %s %s %v", ticket, desa, noNIK)
	}
}

func TestOfficerCommand(t *testing.T) {
	env := map[string]string{"SILAKSO_DATA_DIR": t.TempDir()}
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"officer", "add", "--phone", "0811-0000-0001", "--name", "Rudi", "--role", "petugas", "--kecamatan", "koba, Namang", "--pin", "2468"}, 0, "added +6281100000001 Rudi (petugas, Kec. Koba, Namang)"},
		{[]string{"officer", "add", "--phone", "081100000001", "--name", "Rudi", "--role", "petugas", "--kecamatan", "Koba", "--pin", "2468"}, 1, "already registered"},
		{[]string{"officer", "add", "--phone", "12345", "--name", "X", "--role", "petugas", "--kecamatan", "Koba", "--pin", "2468"}, 2, "not an Indonesian phone number"},
		{[]string{"officer", "add", "--phone", "081100000002", "--name", "X", "--role", "boss", "--pin", "2468"}, 2, `--role "boss"`},
		{[]string{"officer", "add", "--phone", "081100000002", "--name", "X", "--role", "petugas", "--kecamatan", "Jakarta", "--pin", "2468"}, 2, `--kecamatan "Jakarta" is not a kecamatan`},
		{[]string{"officer", "add", "--phone", "081100000002", "--name", "X", "--role", "petugas", "--pin", "2468"}, 2, "--kecamatan is required"},
		{[]string{"officer", "add", "--phone", "081100000002", "--role", "admin", "--pin", "2468"}, 2, "--name is required"},
		{[]string{"officer", "add", "--phone", "081100000002", "--name", "Bu Ani", "--role", "supervisor", "--channel", "fax", "--pin", "2468"}, 2, `--channel "fax"`},
		{[]string{"officer", "add", "--phone", "081100000002", "--name", "Bu Ani", "--role", "supervisor", "--pin", "2468"}, 0, "all kecamatan"},
		{[]string{"officer", "add", "--phone", "081100000003", "--name", "X", "--role", "admin"}, 2, "--pin is required"},
		{[]string{"officer", "add", "--phone", "081100000003", "--name", "X", "--role", "admin", "--pin", "12"}, 2, "--pin must be 4 to 8 digits"},
		{[]string{"officer", "add", "--phone", "081100000003", "--name", "X", "--role", "admin", "--pin", "12ab"}, 2, "--pin must be 4 to 8 digits"},
		{[]string{"officer", "pin", "--phone", "081100000001", "--pin", "13579"}, 0, "new PIN set for +6281100000001"},
		{[]string{"officer", "pin", "--phone", "081199999999", "--pin", "13579"}, 1, "not a registered officer"},
		{[]string{"officer", "pin", "--phone", "081100000001"}, 2, "--pin is required"},
		{[]string{"officer", "list"}, 0, "+6281100000001  Rudi"},
		{[]string{"officer", "disable", "--phone", "081199999999"}, 1, "not a registered officer"},
		{[]string{"officer", "disable", "--phone", "081100000001"}, 0, "disabled +6281100000001"},
		{[]string{"officer", "fire"}, 2, "unknown officer command"},
	}
	for _, tt := range tests {
		code, out, errOut := runCmd(t, env, "", tt.args...)
		if code != tt.code || !strings.Contains(out+errOut, tt.want) {
			t.Errorf("%v: exit %d\n%s%s\nwant exit %d and %q", tt.args, code, out, errOut, tt.code, tt.want)
		}
	}
	_, out, _ := runCmd(t, env, "", "officer", "list")
	if !strings.Contains(out, "Rudi") || !strings.Contains(out, "false") {
		t.Fatalf("list after disable:\n%s", out)
	}
}

// The whole loop in one terminal: a resident files, an officer takes it, replies and
// closes it, and every push is printed with the number it goes to.
func TestChatWholeLoop(t *testing.T) {
	env := map[string]string{"SILAKSO_DATA_DIR": t.TempDir()}
	// The PIN from standard input, as an operator keeps it out of the shell history.
	if code, _, errOut := runCmd(t, env, "2468\n", "officer", "add", "--phone", "081100000001", "--name", "Rudi", "--role", "petugas", "--kecamatan", "Koba", "--channel", "console", "--pin", "-"); code != 0 {
		t.Fatal(errOut)
	}
	script := strings.Join([]string{"halo", "1", "1", "Siti Aminah", "1904014507850001", "1", "6", "Dusun 2 RT 03", "1",
		"Suami sakit, tidak bisa bekerja dan beras habis.", "YA",
		"/from 081100000001", "KASUS", "MASUK 1111", "MASUK 2468", "KASUS", "AMBIL " + firstTicket, "BALAS " + firstTicket + " Kami datang hari Senin.", "UBAH " + firstTicket + " selesai"}, "\n") + "\n"
	code, out, errOut := runCmd(t, env, script, "chat", "--from", "081234567890")
	if code != 0 {
		t.Fatal(errOut)
	}
	for _, want := range []string{
		"<+6281100000001> Kasus baru " + firstTicket + ": Nibung",
		"< Nomor ini terdaftar sebagai petugas. Masuk dulu",
		"< PIN salah. Sisa 4 kali",
		"< Selamat datang, Rudi.",
		"< Tiket " + firstTicket + " sekarang Anda tangani",
		"<+6281234567890> Tiket " + firstTicket + ": sedang diproses",
		"<+6281234567890> Pesan petugas untuk tiket " + firstTicket + ":\n  Kami datang hari Senin.",
		"<+6281234567890> Tiket " + firstTicket + " selesai ditangani",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in:\n%s", want, out)
		}
	}
}

// A wrong Redis password gives one clear line. The shared test Redis has no password,
// so this test starts its own, with one, on a free port.
func TestRedisWrongPassword(t *testing.T) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Fatalf("redis-server not installed (%v); bash .ci/services installs it", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	srv := exec.Command(bin, "--bind", "127.0.0.1", "--port", strconv.Itoa(port), "--requirepass", "right",
		"--save", "", "--appendonly", "no", "--dir", t.TempDir())
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Process.Kill(); srv.Wait() })
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	for deadline := time.Now().Add(10 * time.Second); ; {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("password-protected redis did not start")
		}
		time.Sleep(20 * time.Millisecond)
	}
	env := map[string]string{"SILAKSO_DATA_DIR": t.TempDir(), "SILAKSO_REDIS_URL": "redis://:wrong@" + addr + "/0"}
	code, _, errOut := runCmd(t, env, "", "chat")
	if code != 1 || !strings.Contains(errOut, "SILAKSO_REDIS_URL: cannot reach Redis at "+addr) ||
		!strings.Contains(errOut, "WRONGPASS") || strings.Count(strings.TrimSpace(errOut), "\n") > 0 || strings.Contains(errOut, "wrong@") {
		t.Fatalf("exit %d: %q", code, errOut)
	}
}

// firstTicket is the ticket of the first case filed in a fresh database this year.
var firstTicket = domain.NewTicket(time.Now(), 1)

// chat's /wait lets time pass for the conversation: an intake left for longer than the
// resume time is offered for resuming.
func TestChatWait(t *testing.T) {
	env := map[string]string{"SILAKSO_DATA_DIR": t.TempDir()}
	code, out, errOut := runCmd(t, env, "halo\n1\n1\n/wait 45m\nSiti Aminah\n/wait soon\n", "chat")
	if code != 0 {
		t.Fatal(errOut)
	}
	for _, want := range []string{"# 45m0s later", "belum selesai. Lanjutkan?", "! /wait takes a duration"} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in:\n%s", want, out)
		}
	}
}

// Menu 4 gives the office's contact as configured, and takes a question for an officer.
func TestChatOfficeContact(t *testing.T) {
	env := map[string]string{"SILAKSO_DATA_DIR": t.TempDir(), "SILAKSO_OFFICE_PHONE": "0718-41234",
		"SILAKSO_OFFICE_HOURS": "Senin-Jumat 08.00-15.30", "SILAKSO_OFFICE_ADDRESS": "Jl. Raya Koba No. 1, Koba"}
	code, out, errOut := runCmd(t, env, "halo\n4\nPak, kapan beras dibagi?\n", "chat")
	if code != 0 {
		t.Fatal(errOut)
	}
	for _, want := range []string{"Kantor Dinsos Bangka Tengah: Jl. Raya Koba No. 1, Koba. Buka Senin-Jumat 08.00-15.30. Telepon/WA 0718-41234.",
		"Pertanyaan Bapak/Ibu sudah diteruskan ke petugas (tiket 2600017)"} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in:\n%s", want, out)
		}
	}
}

// Against a PostgreSQL case database, chat does not act as a registered officer (anyone
// at the terminal could work real cases) unless told it is a development database.
func TestChatRefusesOfficersOnPostgres(t *testing.T) {
	env := map[string]string{"SILAKSO_DATA_DIR": t.TempDir(), "SILAKSO_DATABASE_URL": storetest.PostgresDatabase(t), "SILAKSO_DATA_KEY": testDataKey}
	if code, _, errOut := runCmd(t, env, "", "officer", "add", "--phone", "081100000001", "--name", "Rudi", "--role", "petugas",
		"--kecamatan", "Koba", "--channel", "console", "--pin", "2468"); code != 0 {
		t.Fatal(errOut)
	}
	code, out, errOut := runCmd(t, env, "MASUK 2468\nKASUS\n", "chat", "--from", "081100000001")
	if code != 0 || !strings.Contains(out, "chat refuses to act as +6281100000001") || strings.Contains(out, "Selamat datang") {
		t.Fatalf("exit %d:\n%s%s", code, out, errOut)
	}
	// A resident is served as ever.
	if code, out, _ := runCmd(t, env, "halo\n", "chat", "--from", "081234567890"); code != 0 || !strings.Contains(out, "Ajukan bantuan") {
		t.Fatalf("resident: exit %d\n%s", code, out)
	}
	code, out, errOut = runCmd(t, env, "MASUK 2468\nKASUS\n", "chat", "--dev-database", "--from", "081100000001")
	if code != 0 || !strings.Contains(out, "Selamat datang, Rudi") {
		t.Fatalf("with --dev-database: exit %d:\n%s%s", code, out, errOut)
	}
}

// Changes to the officer registry are on the audit trail, and silakso audit reads it
// back with filters.
func TestAuditCommand(t *testing.T) {
	env := map[string]string{"SILAKSO_DATA_DIR": t.TempDir()}
	for _, args := range [][]string{
		{"officer", "add", "--phone", "081100000001", "--name", "Rudi", "--role", "petugas", "--kecamatan", "Koba", "--pin", "2468"},
		{"officer", "pin", "--phone", "081100000001", "--pin", "13579"},
		{"officer", "disable", "--phone", "081100000001"},
	} {
		if code, _, errOut := runCmd(t, env, "", args...); code != 0 {
			t.Fatal(errOut)
		}
	}
	code, out, errOut := runCmd(t, env, "", "audit")
	if code != 0 {
		t.Fatal(errOut)
	}
	for _, want := range []string{"operator  officer_added     +6281100000001  petugas, Kec. Koba, twilio-sms", "officer_pin", "officer_disabled"} {
		if !strings.Contains(out, want) {
			t.Errorf("audit lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "13579") || strings.Contains(out, "2468") {
		t.Errorf("a PIN reached the audit trail:\n%s", out)
	}
	if _, out, _ := runCmd(t, env, "", "audit", "--kind", "officer_pin", "--actor", "operator"); strings.Count(out, "\n") != 2 {
		t.Errorf("filtered audit:\n%s", out)
	}
	if _, out, _ := runCmd(t, env, "", "audit", "--from", "2000-01-01", "--to", "2000-01-02"); strings.Count(out, "\n") != 1 {
		t.Errorf("audit of another period:\n%s", out)
	}
	if code, _, errOut := runCmd(t, env, "", "audit", "--from", "30-11-2026"); code != 2 || !strings.Contains(errOut, "use a date such as") {
		t.Errorf("bad date: exit %d %s", code, errOut)
	}
	// A kind mistyped would print an empty trail, read as "nothing happened".
	if code, _, errOut := runCmd(t, env, "", "audit", "--kind", "login_fail"); code != 2 || !strings.Contains(errOut, "use one of login, login_failed") {
		t.Errorf("unknown kind: exit %d %s", code, errOut)
	}
}

// The embedded mode seals residents' data with a key it makes on first start, readable
// by the owner only, and uses it again next time; PostgreSQL refuses to run without a
// configured key.
func TestDataKey(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"SILAKSO_DATA_DIR": dir}
	script := strings.Join([]string{"halo", "1", "1", "Siti Aminah", "1904014507850001", "1", "6", "Dusun 2 RT 03", "1",
		"Suami sakit, tidak bisa bekerja dan beras habis.", "YA"}, "\n") + "\n"
	if code, out, errOut := runCmd(t, env, script, "chat"); code != 0 || !strings.Contains(out, "CEK "+firstTicket) {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	info, err := os.Stat(filepath.Join(dir, "data.key"))
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("data.key: %v, %v", info, err)
	}
	for _, name := range []string{"silakso.db", "silakso.db-wal"} {
		raw, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			t.Fatal(err)
		}
		for _, secret := range []string{"Siti Aminah", "1904014507850001", "Dusun 2 RT 03", "beras habis"} {
			if bytes.Contains(raw, []byte(secret)) {
				t.Errorf("%s holds %q in clear", name, secret)
			}
		}
	}
	// The next run opens what the first sealed: the resident's own status has the case.
	if code, out, _ := runCmd(t, env, "CEK "+firstTicket+"\n", "chat"); code != 0 || !strings.Contains(out, "Tiket "+firstTicket+": baru diterima") {
		t.Fatalf("second run: exit %d\n%s", code, out)
	}
	pg := map[string]string{"SILAKSO_DATA_DIR": t.TempDir(), "SILAKSO_DATABASE_URL": storetest.PostgresDatabase(t)}
	if code, _, errOut := runCmd(t, pg, "halo\n", "chat"); code != 1 || !strings.Contains(errOut, "SILAKSO_DATA_KEY is not set") {
		t.Fatalf("PostgreSQL without a key: exit %d %s", code, errOut)
	}
}

// A change of key: the old key goes to SILAKSO_DATA_OLD_KEYS, silakso data rekey seals
// everything under the new one, and the new key alone then reads every case.
func TestDataRekey(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"SILAKSO_DATA_DIR": dir}
	script := strings.Join([]string{"halo", "1", "1", "Siti Aminah", "1904014507850001", "1", "6", "Dusun 2 RT 03", "1",
		"Suami sakit, tidak bisa bekerja dan beras habis.", "YA"}, "\n") + "\n"
	if code, _, errOut := runCmd(t, env, script, "chat"); code != 0 {
		t.Fatal(errOut)
	}
	oldKey, err := os.ReadFile(filepath.Join(dir, "data.key"))
	if err != nil {
		t.Fatal(err)
	}
	env["SILAKSO_DATA_KEY"] = testDataKey
	// Without the old key the case cannot be read: the change of key needs it.
	if code, out, _ := runCmd(t, env, "CEK "+firstTicket+"\n", "chat"); code != 0 || strings.Contains(out, "baru diterima") {
		t.Fatalf("read without the old key: exit %d\n%s", code, out)
	}
	env["SILAKSO_DATA_OLD_KEYS"] = strings.TrimSpace(string(oldKey))
	code, out, errOut := runCmd(t, env, "", "data", "rekey")
	if code != 0 || !strings.Contains(out, ": 1 cases,") {
		t.Fatalf("rekey: exit %d\n%s%s", code, out, errOut)
	}
	delete(env, "SILAKSO_DATA_OLD_KEYS")
	if code, out, _ := runCmd(t, env, "CEK "+firstTicket+"\n", "chat"); code != 0 || !strings.Contains(out, "Tiket "+firstTicket+": baru diterima") {
		t.Fatalf("read with the new key alone: exit %d\n%s", code, out)
	}
	if _, out, _ := runCmd(t, env, "", "audit", "--kind", "data_rekey"); !strings.Contains(out, "operator") {
		t.Fatalf("rekey not on the audit trail:\n%s", out)
	}
	if code, _, errOut := runCmd(t, env, "", "data", "wipe"); code != 2 || !strings.Contains(errOut, "silakso data rekey") {
		t.Fatalf("unknown data command: exit %d %s", code, errOut)
	}
}

// silakso purge applies the retention periods and leaves a line on the audit trail.
func TestPurgeCommand(t *testing.T) {
	env := map[string]string{"SILAKSO_DATA_DIR": t.TempDir()}
	code, out, errOut := runCmd(t, env, "", "purge")
	if code != 0 || !strings.Contains(out, "purged: 0 message records, 0 forwarded texts, 0 closed cases anonymised") {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	if _, out, _ := runCmd(t, env, "", "audit", "--kind", "purge"); !strings.Contains(out, "operator") {
		t.Fatalf("purge not on the audit trail:\n%s", out)
	}
	for _, bad := range []map[string]string{{"SILAKSO_RETAIN_MESSAGES": "forever"}, {"SILAKSO_ARCHIVE_AFTER": "0d"}} {
		bad["SILAKSO_DATA_DIR"] = t.TempDir()
		if code, _, errOut := runCmd(t, bad, "", "purge"); code != 1 || !strings.Contains(errOut, "use days such as 90d") {
			t.Errorf("%v: exit %d %s", bad, code, errOut)
		}
	}
}

// An operator hands a resident everything held about them (by number or NIK, NIK in
// full, audited with the NIK masked), and erases a case once an officer has closed it.
func TestDataExportErase(t *testing.T) {
	env := map[string]string{"SILAKSO_DATA_DIR": t.TempDir()}
	if code, _, errOut := runCmd(t, env, "", "officer", "add", "--phone", "081100000001", "--name", "Rudi", "--role", "petugas",
		"--kecamatan", "Koba", "--channel", "console", "--pin", "2468"); code != 0 {
		t.Fatal(errOut)
	}
	script := strings.Join([]string{"halo", "1", "1", "Siti Aminah", "1904014507850001", "1", "6", "Dusun 2 RT 03", "1",
		"Suami sakit, tidak bisa bekerja dan beras habis.", "YA"}, "\n") + "\n"
	if code, _, errOut := runCmd(t, env, script, "chat", "--from", "081234567890"); code != 0 {
		t.Fatal(errOut)
	}
	for _, args := range [][]string{{"--phone", "081234567890"}, {"--nik", "1904014507850001"}} {
		code, out, errOut := runCmd(t, env, "", append([]string{"data", "export"}, args...)...)
		if code != 0 || !strings.Contains(out, `"NIK": "1904014507850001"`) || !strings.Contains(out, `"Name": "Siti Aminah"`) ||
			!strings.Contains(out, `"Kind": "filed"`) || !strings.Contains(errOut, "1 cases exported") {
			t.Fatalf("export %v: exit %d\n%s%s", args, code, out, errOut)
		}
	}
	if _, out, _ := runCmd(t, env, "", "audit", "--kind", "data_export"); strings.Count(out, "data_export") != 2 ||
		!strings.Contains(out, "NIK 1904**********01") || strings.Contains(out, "1904014507850001") {
		t.Fatalf("exports on the audit trail:\n%s", out)
	}
	if code, _, errOut := runCmd(t, env, "", "data", "erase", "--ticket", firstTicket); code != 1 || !strings.Contains(errOut, "still open") {
		t.Fatalf("erasing an open case: exit %d %s", code, errOut)
	}
	officer := strings.Join([]string{"MASUK 2468", "AMBIL " + firstTicket, "UBAH " + firstTicket + " selesai"}, "\n") + "\n"
	if code, _, errOut := runCmd(t, env, officer, "chat", "--from", "081100000001"); code != 0 {
		t.Fatal(errOut)
	}
	if code, out, errOut := runCmd(t, env, "", "data", "erase", "--ticket", firstTicket); code != 0 || !strings.Contains(out, "anonymised") {
		t.Fatalf("erase: exit %d\n%s%s", code, out, errOut)
	}
	if code, out, _ := runCmd(t, env, "", "data", "export", "--nik", "1904014507850001"); code != 0 || strings.TrimSpace(out) != "[]" {
		t.Fatalf("export after the erasure: exit %d\n%s", code, out)
	}
	if _, out, _ := runCmd(t, env, "", "audit", "--kind", "data_erase"); !strings.Contains(out, firstTicket) {
		t.Fatalf("erasure not on the audit trail:\n%s", out)
	}
	if code, _, errOut := runCmd(t, env, "", "data", "export"); code != 2 || !strings.Contains(errOut, "give --phone or --nik") {
		t.Fatalf("export without a subject: exit %d %s", code, errOut)
	}
}

// A data folder whose key went missing is not given a new one: that would make what
// was sealed unreadable for good.
func TestMissingDataKeyStops(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"SILAKSO_DATA_DIR": dir}
	script := strings.Join([]string{"halo", "1", "1", "Siti Aminah", "1904014507850001", "1", "6", "Dusun 2 RT 03", "1",
		"Suami sakit, tidak bisa bekerja dan beras habis.", "YA"}, "\n") + "\n"
	if code, _, errOut := runCmd(t, env, script, "chat"); code != 0 {
		t.Fatal(errOut)
	}
	if err := os.Remove(filepath.Join(dir, "data.key")); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := runCmd(t, env, "halo\n", "chat"); code != 1 || !strings.Contains(errOut, "data.key is missing: put the data key back") {
		t.Fatalf("exit %d %s", code, errOut)
	}
	if _, err := os.Stat(filepath.Join(dir, "data.key")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a new key was made: %v", err)
	}
	empty := filepath.Join(t.TempDir(), "empty.key")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	env["SILAKSO_DATA_KEY_FILE"] = empty
	if code, _, errOut := runCmd(t, env, "halo\n", "chat"); code != 1 || !strings.Contains(errOut, "is empty") {
		t.Fatalf("empty key file: exit %d %s", code, errOut)
	}
	if code, _, errOut := runCmd(t, map[string]string{"SILAKSO_DATA_DIR": t.TempDir(), "SILAKSO_ARCHIVE_AFTER": "227452207108200d"}, "", "purge"); code != 1 || !strings.Contains(errOut, "at most 36500d") {
		t.Fatalf("huge retention: exit %d %s", code, errOut)
	}
}
