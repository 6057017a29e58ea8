package dialogs

import (
	"errors"
	"strings"
	"testing"
)

func key(err error) string {
	var ie *InputError
	if errors.As(err, &ie) {
		return ie.Msg.Key
	}
	if err != nil {
		return err.Error()
	}
	return ""
}

func TestParsePhone(t *testing.T) {
	tests := []struct{ in, want, reject string }{
		{"081234567890", "+6281234567890", ""},
		{"0812-3456-7890", "+6281234567890", ""},
		{"+62 812 3456 7890", "+6281234567890", ""},
		{"6281234567890", "+6281234567890", ""},
		{"0717 431234", "+62717431234", ""}, // Pangkalpinang landline
		{"12345", "", "error.phone"},
		{"0812", "", "error.phone"},
		{"+14155550100", "", "error.phone"},
		{"", "", "error.phone"},
		{"nomor saya 0812", "", "error.phone"},
	}
	for _, tt := range tests {
		got, err := ParsePhone(tt.in)
		if got != tt.want || key(err) != tt.reject {
			t.Errorf("ParsePhone(%q) = %q, %v; want %q, %s", tt.in, got, err, tt.want, tt.reject)
		}
	}
	if got := LocalPhone("+6281234567890"); got != "081234567890" {
		t.Errorf("LocalPhone = %s", got)
	}
}

func TestParseName(t *testing.T) {
	tests := []struct{ in, want, reject string }{
		{"Siti Aminah", "Siti Aminah", ""},
		{"  siti   aminah ", "siti aminah", ""},
		{"Nur'aini", "Nur'aini", ""},
		{"Nur\u2019aini", "Nur'aini", ""},
		{"I Gusti Ngurah Rai", "I Gusti Ngurah Rai", ""},
		{"Dr. H. Ahmad, S.Pd.", "Dr. H. Ahmad, S.Pd.", ""},
		{"José Ramos-Horta", "José Ramos-Horta", ""},
		{"Al", "", "error.name_short"},
		{"...", "", "error.name_short"},
		{"Budi2", "", "error.name_chars"},
		{"Budi 😀", "", "error.name_chars"},
		{"李小龍", "", "error.name_chars"},
		{strings.Repeat("a", 61), "", "error.name_long"},
	}
	for _, tt := range tests {
		got, err := ParseName(tt.in)
		if got != tt.want || key(err) != tt.reject {
			t.Errorf("ParseName(%q) = %q, %v; want %q, %s", tt.in, got, err, tt.want, tt.reject)
		}
	}
}

func TestParseText(t *testing.T) {
	tests := []struct {
		in, want, reject string
	}{
		{"Butuh beras untuk keluarga", "Butuh beras untuk keluarga", ""},
		{"Butuh  beras\n\nsegera 🙏", "Butuh beras segera", ""},
		{"🙏🙏🙏🙏🙏🙏🙏🙏🙏🙏🙏", "", "error.text_short"},
		{"short", "", "error.text_short"},
		{strings.Repeat("x", 501), "", "error.text_long"},
		{"\x00\x07bell and null\x1b", "bell and null", ""},
	}
	for _, tt := range tests {
		got, err := ParseText(tt.in, 10, 500)
		if got != tt.want || key(err) != tt.reject {
			t.Errorf("ParseText(%q) = %q, %v; want %q, %s", tt.in, got, err, tt.want, tt.reject)
		}
	}
}

func TestParseChoice(t *testing.T) {
	r, err := LoadRegions()
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Kecamatan) != 6 {
		t.Fatalf("%d kecamatan, want 6", len(r.Kecamatan))
	}
	total := 0
	for _, k := range r.Kecamatan {
		total += len(k.Desa)
	}
	if total != 63 {
		t.Fatalf("%d desa/kelurahan, want 63", total)
	}
	d := NewIntake(r, NewKeywords(fakeVocabulary{}))
	kec := d.kecamatanOptions()
	tests := []struct {
		in     string
		want   string
		reject string
	}{
		{"3", "Sungai Selan", ""},
		{"3.", "Sungai Selan", ""},
		{" 3 ", "Sungai Selan", ""},
		{"sungai selan", "Sungai Selan", ""},
		{"Sg. Selan", "Sungai Selan", ""},
		{"sungaiselan", "Sungai Selan", ""},
		{"SUNGAI SELAN", "Sungai Selan", ""},
		{"sunagi selan", "Sungai Selan", ""},
		{"kec. namang", "Namang", ""},
		{"simpang", "Simpang Katis", ""},
		{"lubuk", "Lubuk Besar", ""},
		{"7", "", "error.choice"},
		{"0", "", "error.choice"},
		{"-1", "", "error.choice"},
		{"jakarta", "", "error.choice"},
		{"kob", "", "error.choice"},
		{"", "", "error.choice"},
	}
	for _, tt := range tests {
		i, err := parseChoice(tt.in, kec)
		got := ""
		if err == nil {
			got = r.Kecamatan[i].Name
		}
		if got != tt.want || key(err) != tt.reject {
			t.Errorf("parseChoice(%q) = %q, %v; want %q, %s", tt.in, got, err, tt.want, tt.reject)
		}
	}
}

func TestChooseDesa(t *testing.T) {
	r, _ := LoadRegions()
	d := NewIntake(r, NewKeywords(fakeVocabulary{}))
	tests := []struct {
		kecamatan, in, want, reject string
	}{
		{"Koba", "kurau", "Kurau (Timur)", ""},
		{"Koba", "kurau timur", "Kurau (Timur)", ""},
		{"Koba", "kurau barat", "Kurau Barat", ""},
		{"Koba", "terentang 3", "Terentang III", ""},
		{"Koba", "Terentang III", "Terentang III", ""},
		{"Sungai Selan", "keretak", "Keretak", ""},
		{"Sungai Selan", "keretak atas", "Keretak Atas", ""},
		{"Sungai Selan", "sungai selan atas", "Sungai Selan Atas", ""},
		{"Sungai Selan", "sg selan", "Sungai Selan", ""},
		{"Pangkalan Baru", "air mesu timur", "Air Mesu Timur", ""},
		{"Pangkalan Baru", "airmesu", "Air Mesu", ""},
		{"Namang", "bhaskara bakti", "Bhaskara Bhakti", ""},
		{"Koba", "Kerantai", "", "error.desa_elsewhere"},
		{"Koba", "xyzzy", "", "error.choice"},
		{"Koba", "12", "", "error.choice"},
	}
	for _, tt := range tests {
		desa, err := d.chooseDesa(tt.kecamatan, tt.in)
		if desa.Name != tt.want || key(err) != tt.reject {
			t.Errorf("chooseDesa(%s, %q) = %q, %v; want %q, %s", tt.kecamatan, tt.in, desa.Name, err, tt.want, tt.reject)
		}
	}
}

// fakeVocabulary is enough keyword vocabulary for parser tests; the real catalogs are
// exercised by the bot's transcripts.
type fakeVocabulary struct{}

func (fakeVocabulary) Words(key string) []string {
	return map[string][]string{
		"word.menu": {"MENU", "MULAI"}, "word.cancel": {"BATAL"}, "word.back": {"KEMBALI"},
		"word.help": {"BANTUAN"}, "word.status": {"CEK", "STATUS"}, "word.stop": {"BERHENTI", "STOP"},
		"word.language": {"BAHASA"}, "word.lang_id": {"ID"}, "word.lang_en": {"EN"},
		"word.yes": {"YA"}, "word.edit": {"UBAH"}, "word.no_nik": {"0"},
	}[key]
}

func TestKeywords(t *testing.T) {
	kw := NewKeywords(fakeVocabulary{})
	tests := []struct {
		in       string
		tolerant bool
		cmd      Command
		arg      string
	}{
		{"menu", true, Menu, ""},
		{" Mulai! ", true, Menu, ""},
		{"batal", false, Cancel, ""},
		{"KEMBLAI", true, Back, ""},
		{"KEMBLAI", false, None, ""},
		{"CEK", true, Status, ""},
		{"cek 26-0001-7", false, Status, "26-0001-7"},
		{"status #2600017", true, Status, "#2600017"},
		{"cek kesehatan gratis", false, None, ""},
		{"Batal operasi karena tidak ada biaya", false, None, ""},
		{"bahasa en", true, Language, "en"},
		{"BAHASA jawa", true, Language, "?"},
		{"bahasa saya kurang lancar", false, None, ""},
		{"stop", false, Stop, ""},
		{"Mulia", false, None, ""},
		{"", true, None, ""},
	}
	for _, tt := range tests {
		got := kw.Parse(tt.in, tt.tolerant)
		if got.Cmd != tt.cmd || got.Arg != tt.arg {
			t.Errorf("Parse(%q, %v) = %+v, want %v %q", tt.in, tt.tolerant, got, tt.cmd, tt.arg)
		}
	}
}

// A summary without a desa (a session saved before the kecamatan's desa was chosen) is
// never filed: YA asks for the region again.
func TestNoFilingWithoutDesa(t *testing.T) {
	r, _ := LoadRegions()
	d := NewIntake(r, NewKeywords(fakeVocabulary{}))
	st := &State{Step: StepConfirm, IntakeID: "x", Answers: Answers{Relation: "self", Name: "Siti", NIK: "1904014507850001",
		Kecamatan: "Sungai Selan", Address: "Jl Merdeka", Need: "food", Description: "Butuh beras sekali.", Contact: "+6281234567890"}}
	res := d.Handle(st, Input{Text: "YA"})
	if res.Submit || st.Step != StepKecamatan {
		t.Fatalf("YA without a desa: submit %v, step %q", res.Submit, st.Step)
	}
}

// Invisible characters go before anything reads a message: a bidi override could make
// an officer's screen show a resident's words in another order, and zero-width
// characters could hide a keyword ("ME\u200bNU") from the checks.
func TestCleanDropsFormatCharacters(t *testing.T) {
	for in, want := range map[string]string{
		"ME\u200bNU":                     "MENU",
		"saya \u202ebutuh\u202c beras":   "saya butuh beras",
		"\ufeffhalo\u2066 pak\u2069":     "halo pak",
		"tolong\u200d\u200c\u2060 pak":   "tolong pak",
		"anak 👍\ufe0f":                   "anak 👍",
		"baris\tsatu\r\nbaris\u0000 dua": "baris satu baris dua",
	} {
		if got := Clean(in); got != want {
			t.Errorf("Clean(%q) = %q, want %q", in, got, want)
		}
	}
}

// A long text is never compared letter by letter with the options' names.
func TestLongAnswerIsNoChoice(t *testing.T) {
	opts := []option{{names: []string{"Koba"}}, {names: []string{"Namang"}}}
	if _, err := parseChoice(strings.Repeat("koba ", 800), opts); key(err) != "error.choice" {
		t.Fatalf("a 4,000-character answer: %v", err)
	}
	if i, err := parseChoice("namang", opts); err != nil || i != 1 {
		t.Fatalf("namang: %d, %v", i, err)
	}
}

// A step the machine refuses though the code allowed it (a session saved at a step
// this release does not know) puts the conversation back at the menu, answers kept,
// and is reported, never dropped.
func TestRefusedStepIsReported(t *testing.T) {
	r, err := LoadRegions()
	if err != nil {
		t.Fatal(err)
	}
	d := NewIntake(r, NewKeywords(fakeVocabulary{}))
	var refused []error
	d.Refused = func(err error) { refused = append(refused, err) }
	st := State{Step: "gone", Answers: Answers{Name: "Siti Aminah"}}
	d.Back(&st)
	if st.Step != StepMenu || st.Answers.Name != "Siti Aminah" || len(refused) != 1 {
		t.Fatalf("after a refused step: %+v, reported %v", st, refused)
	}
}
