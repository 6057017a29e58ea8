package locales_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/dinsospmd-bateng/silakso/channels/gsm7"
	"github.com/dinsospmd-bateng/silakso/dialogs"
	"github.com/dinsospmd-bateng/silakso/locales"
)

func load(t *testing.T) *locales.Catalog {
	t.Helper()
	c, err := locales.Load()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestCatalogsHaveTheSameKeys(t *testing.T) {
	c := load(t)
	if got := c.Languages(); strings.Join(got, ",") != "en,id" {
		t.Fatalf("languages %v, want en,id", got)
	}
	keys := func(lang string) map[string]locales.Entry {
		m := map[string]locales.Entry{}
		for _, e := range c.Entries(lang) {
			m[e.Key] = e
		}
		return m
	}
	id, en := keys("id"), keys("en")
	for k, e := range id {
		other, ok := en[k]
		if !ok {
			t.Errorf("%s is in id.toml but not in en.toml", k)
			continue
		}
		if other.Kind != e.Kind || other.Segments != e.Segments {
			t.Errorf("%s: id declares %s %d, en %s %d", k, e.Kind, e.Segments, other.Kind, other.Segments)
		}
	}
	for k := range en {
		if _, ok := id[k]; !ok {
			t.Errorf("%s is in en.toml but not in id.toml", k)
		}
	}
}

var field = regexp.MustCompile(`\{\{\s*\.(\w+)\s*\}\}`)

// TestSMSBudgets renders every SMS-bound text with the longest data it can be given and
// checks that it is GSM-7 only and fits the segments declared next to it.
func TestSMSBudgets(t *testing.T) {
	c := load(t)
	regions, err := dialogs.LoadRegions()
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range c.Languages() {
		longest := func(keys ...string) locales.Msg {
			var best locales.Msg
			for _, k := range keys {
				if len(c.Text(lang, locales.M(k))) > len(c.Text(lang, best)) || best.Key == "" {
					best = locales.M(k)
				}
			}
			return best
		}
		var statuses, nexts, needs, relations []string
		for _, e := range c.Entries(lang) {
			switch {
			case strings.HasPrefix(e.Key, "status.label."):
				statuses = append(statuses, e.Key)
			case strings.HasPrefix(e.Key, "status.next."):
				nexts = append(nexts, e.Key)
			case strings.HasPrefix(e.Key, "need."):
				needs = append(needs, e.Key)
			case strings.HasPrefix(e.Key, "relation."):
				relations = append(relations, e.Key)
			}
		}
		var desa, kec string
		var kecList locales.Numbered
		for _, k := range regions.Kecamatan {
			kecList = append(kecList, k.Name)
			kec = longer(kec, k.Name)
			for _, d := range k.Desa {
				desa = longer(desa, d.Name)
			}
		}
		var needList locales.Numbered
		for _, n := range needs {
			if n == "need.question" || n == "need.data_request" {
				continue // a resident's question (menu 4), never offered at the intake
			}
			needList = append(needList, locales.M(n))
		}
		lines := locales.List{}
		for range 5 {
			lines = append(lines, locales.M("status.line", "Ticket", "26123455", "Status", longest(statuses...), "Date", "26-11-26"))
		}
		var agency string
		for _, a := range []string{"Dinsos", "Dinkes", "BPJS Kesehatan", "Disdik", "Perkim", "Disdukcapil", "BAZNAS", "Pemerintah Desa"} {
			agency = longer(agency, a)
		}
		officerLines := locales.List{}
		for range 5 {
			officerLines = append(officerLines, locales.M("officer.list_line", "Ticket", "26123455", "Status", "diproses",
				"Desa", desa, "Need", longest(needs...), "Date", "26-11-26", "Mine", locales.M("officer.list_mine")))
		}
		lateLines := locales.List{}
		for range 5 {
			lateLines = append(lateLines, locales.M("officer.late_line", "Ticket", "26123455", "Where", desa, "Days", 1000))
		}
		samples := map[string]any{
			"Max": 500, "Got": 5000, "Min": 10, "Minutes": 100000, // a modem silent for weeks
			"Names": "1 Kurau (Timur), 11 Kurau Barat",
			"Desa":  desa, "Kecamatan": kec,
			"Phone": "081234567890", "Contact": "081234567890", "Filer": "081234567890",
			"Ticket": "26123455", "Updated": "26-11-2026 09.11", "Date": "26-11-26",
			"Status": longest(statuses...), "Next": longest(nexts...), "Lines": lines,
			"Relation": longest(relations...), "Need": longest(needs...),
			"Name": strings.Repeat("N", 24), "Address": strings.Repeat("A", 24), "Description": strings.Repeat("D", 24),
			"NIK":     "1904**********01",
			"Region":  locales.M("intake.region", "Desa", desa, "Kecamatan", kec),
			"Officer": strings.Repeat("O", 30), "Filed": "26-11-2026 09.11", "Agency": agency,
			// Officer messages are cut at 200 characters, reasons at 150 (bot/desk.go).
			"Text": strings.Repeat("T", 200), "Reason": strings.Repeat("R", 150),
			// A closing note is cut like a reason; an officer's name like a name.
			"Note": strings.Repeat("R", 150), "By": strings.Repeat("B", 30), "Word": "PETUNJUK",
			// The longest error a resident can get three times in a row.
			"Error": locales.M("error.desa_elsewhere", "Desa", strings.Repeat("D", 20), "Kecamatan", "Pangkalan Baru"),
			// The office's contact, at the lengths the configuration allows (cmd/silakso).
			"Hours": strings.Repeat("H", 30), "Where": strings.Repeat("W", 50), "Call": strings.Repeat("1", 20),
			"Reply":    locales.M("officer.view_reply", "Text", strings.Repeat("T", 200)),
			"Resident": locales.M("officer.view_resident", "Text", strings.Repeat("T", 200)),
			"Noted":    locales.M("officer.view_note", "Text", strings.Repeat("T", 150)),
			"From":     "diproses", "To": "ditolak", "Allowed": "dirujuk, selesai, ditolak",
			"Agencies": "Dinsos, Dinkes, BPJS Kesehatan, Disdik, Perkim, Disdukcapil, BAZNAS, Pemerintah Desa",
			"Mine":     locales.M("officer.list_mine"),
			// Login: tries left, and an officer's lockout or LIHAT count (4 digits).
			"Left": 5, "Tries": 10, "Count": 1000, "Until": "26-11-2026 09.11", "Others": 1000,
			// DATA and HAPUS look at a number's five latest cases (bot/rights.go).
			"Tickets": "26123455, 26123455, 26123455, 26123455, 26123455", "Draft": true,
			"Kind": locales.M("need.data_request"),
			"Cases": func() locales.List {
				var l locales.List
				for range 5 {
					l = append(l, locales.M("privacy.data_case", "Ticket", "26123455", "Status", longest(statuses...),
						"Name", "N. N. N. N.", "NIK", "1904**********01"))
				}
				return l
			}(),
			"Valid": locales.M("officer.nik_invalid"),
			// TELAT: the late rule (hours, the longer form) and days waited.
			"N": 1000, "Days": 1000, "Limit": locales.M("officer.late_hours", "N", 1000),
			// The monthly summary: counts of a busy month, the IKM's longest form.
			"Month": "11/2026", "Requests": 10000, "Done": 10000, "Rejected": 10000, "Open": 10000, "Late": 10000, "Other": 10000,
			"Response": locales.M("officer.late_hours", "N", 1000), "Index": "100,00", "Grade": "A", "Answers": 10000,
			"IKM": locales.M("officer.summary_ikm", "Index", "100,00", "Grade", "A", "Answers", 10000),
			// The survey's score and its words.
			"Score": 4, "Label": longest("survey.score.s1", "survey.score.s2", "survey.score.s3", "survey.score.s4"),
			// CEK shows the officer's last message cut to 100 characters (bot/status.go).
			"AgencyNote": locales.M("status.more.agency", "Agency", agency),
			"ReplyNote":  locales.M("status.more.reply", "Text", strings.Repeat("T", 100)),
		}
		perKey := map[string]map[string]any{
			"officer.list":      {"Lines": officerLines},
			"officer.list_more": {"Lines": officerLines},
			"officer.late":      {"Lines": lateLines},
			"officer.late_line": {"Where": desa},
			// Details are for officers: the description is shown in full.
			"status.more.reply": {"Text": strings.Repeat("T", 100)},
			"officer.view": {"Description": strings.Repeat("D", 500), "Name": strings.Repeat("N", 60), "Address": strings.Repeat("A", 100),
				"Filer": strings.Repeat("N", 60) + ", 081234567890",
				"NIK":   locales.M("officer.nik_checked", "NIK", "1904**********01", "Valid", locales.M("officer.nik_invalid"), "Others", 1000)},
		}
		options := map[string]locales.Numbered{"intake.kecamatan": kecList, "intake.need": needList}
		fits := func(e locales.Entry, m locales.Msg) {
			text := c.Text(lang, m)
			if strings.Contains(text, "<no value>") || text == e.Key {
				t.Errorf("%s/%s did not render: %q", lang, e.Key, text)
			}
			if !gsm7.Valid(text) {
				t.Errorf("%s/%s has characters outside GSM-7: %q", lang, e.Key, string(gsm7.Invalid(text)))
			}
			if n, _ := gsm7.Segments(text); n > e.Segments {
				t.Errorf("%s/%s needs %d SMS segments (%d characters), budget %d:\n%s", lang, e.Key, n, gsm7.Septets(text), e.Segments, text)
			}
		}

		for _, e := range c.Entries(lang) {
			if e.Kind != "sms" {
				continue
			}
			if e.Key == "intake.desa" {
				// Every page of every kecamatan's list, as the intake pages it.
				for _, m := range regions.DesaPrompts() {
					fits(e, m)
				}
				continue
			}
			m := locales.Msg{Key: e.Key, Data: map[string]any{}}
			for _, f := range field.FindAllStringSubmatch(e.Text, -1) {
				v, ok := samples[f[1]]
				if f[1] == "Options" {
					v, ok = options[e.Key]
				}
				if special, found := perKey[e.Key][f[1]]; found {
					v, ok = special, true
				}
				if !ok {
					t.Errorf("%s/%s: no sample for field %s", lang, e.Key, f[1])
				}
				m.Data[f[1]] = v
			}
			fits(e, m)
		}
	}
}

func longer(a, b string) string {
	if len(b) > len(a) {
		return b
	}
	return a
}

func TestWordsSpanLanguages(t *testing.T) {
	c := load(t)
	words := strings.Join(c.Words("word.cancel"), ",")
	if !strings.Contains(words, "BATAL") || !strings.Contains(words, "CANCEL") {
		t.Fatalf("word.cancel = %s, want Indonesian and English words", words)
	}
}

func TestMissingKeyIsVisible(t *testing.T) {
	c := load(t)
	if got := c.Text("id", locales.M("no.such.key")); got != "no.such.key" {
		t.Fatalf("missing key rendered as %q", got)
	}
	// An unknown language falls back to the default.
	if got, want := c.Text("xx", locales.M("menu.main")), c.Text("id", locales.M("menu.main")); got != want {
		t.Fatalf("unknown language rendered %q", got)
	}
}
