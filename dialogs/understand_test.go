package dialogs

import (
	"regexp"
	"testing"

	"github.com/dinsospmd-bateng/silakso/locales"
)

// What residents actually type, step by step, and what it must mean: yes-words where
// option 1 is yes, the options' labels and the words people use for them, numbers with
// words around them, and the ways of saying "no NIK" in Indonesian and Bahasa Bangka.
func TestUnderstoodAnswers(t *testing.T) {
	catalog, err := locales.Load()
	if err != nil {
		t.Fatal(err)
	}
	regions, err := LoadRegions()
	if err != nil {
		t.Fatal(err)
	}
	d := NewIntake(regions, NewKeywords(catalog))
	type want struct {
		field, value string
	}
	steps := []struct {
		step   string
		inputs []string
		want   want
	}{
		{StepRelation, []string{"1", "sendiri", "diri sendiri", "saya", "untuk saya", "no 1", "pilih 1", "1 saja pak", "SENDIRI.", "utk sy sndiri", "sy sendiri", "buat saya", "untuk sy", "diri sndiri", "utk saya sendiri"}, want{"relation", "self"}},
		{StepRelation, []string{"2", "keluarga", "suami", "istri", "anak saya", "ibu", "emak", "no. 2", "yg 2", "dua", "untuk ibu saya", "anak saya sakit", "anak sy", "utk anak sy", "buat emak sy", "klrg", "kluarga", "suami sy"}, want{"relation", "family"}},
		{StepRelation, []string{"3", "orang lain", "tetangga", "kawan", "pilih 3", "org lain", "utk tetangga sy", "buat tetangga"}, want{"relation", "other"}},
		{StepNeed, []string{"1", "sembako", "beras", "Sembako", "sembak", "pangan", "no 1", "butuh sembako pak"}, want{"need", "food"}},
		{StepNeed, []string{"2", "bpjs", "berobat", "kesehatan", "BPJS gratis"}, want{"need", "health"}},
		{StepNeed, []string{"7", "rumah", "bedah rumah", "rumah bocor", "rtlh"}, want{"need", "housing"}},
		{StepNeed, []string{"8", "banjir", "kebakaran"}, want{"need", "disaster"}},
		{StepContact, []string{"1", "ya", "iya", "ok", "oke", "nomor ini", "no ini", "ini", "ao", "Iya.", "satu", "ya pak"}, want{"contact", "+6281234567890"}},
		{StepContact, []string{"085267891234", "0852-6789-1234"}, want{"contact", "+6285267891234"}},
		{StepNIK, []string{"0", "tidak punya", "tidak tahu", "tidak tau", "ga ada", "gak tau", "dak de", "dak ade", "Dak ada", "lupa", "belum ada", "lupa pak", "ktp ilang", "nanti sy tanya anak", "dak de bu"}, want{"nonik", "true"}},
		{StepKecamatan, []string{"1", "no 1", "pilih 1", "koba", "Koba."}, want{"kecamatan", "Koba"}},
	}
	for _, tc := range steps {
		for _, in := range tc.inputs {
			st := &State{Step: tc.step, From: "+6281234567890", IntakeID: "x"}
			res := d.Handle(st, Input{Text: in, From: "+6281234567890", MessageID: "m"})
			a := st.Answers
			got := map[string]string{"relation": a.Relation, "need": a.Need, "contact": a.Contact, "kecamatan": a.Kecamatan}[tc.want.field]
			if tc.want.field == "nonik" {
				got = map[bool]string{true: "true", false: "false"}[a.NoNIK]
			}
			if got != tc.want.value || st.Strikes != 0 {
				t.Errorf("step %s, %q: %s = %q (strikes %d, replies %v); want %q", tc.step, in, tc.want.field, got, st.Strikes, res.Replies, tc.want.value)
			}
		}
	}

	// A greeting in the middle of the questions is never an answer: the question again.
	for _, step := range []string{StepRelation, StepName, StepNIK, StepKecamatan, StepAddress, StepDescription, StepFilerName} {
		for _, in := range []string{"assalamualaikum", "P", "selamat pagi pak"} {
			st := &State{Step: step, From: "+6281234567890", IntakeID: "x", Answers: Answers{Relation: "other"}}
			res := d.Handle(st, Input{Text: in, From: "+6281234567890", MessageID: "m"})
			if st.Step != step || st.Strikes != 0 || (st.Answers != Answers{Relation: "other"}) || len(res.Replies) != 1 {
				t.Errorf("step %s, %q: step %s, strikes %d, answers %+v", step, in, st.Step, st.Strikes, st.Answers)
			}
		}
	}
	// Words of address are no name.
	for _, in := range []string{"ya pak", "iya bu", "ok", "pak"} {
		st := &State{Step: StepName, From: "+6281234567890", IntakeID: "x", Answers: Answers{Relation: "self"}}
		d.Handle(st, Input{Text: in, From: "+6281234567890", MessageID: "m"})
		if st.Answers.Name != "" {
			t.Errorf("name %q was taken", in)
		}
	}
	// Places with words around them.
	for in, want := range map[string]string{"koba pak": "Koba", "di koba bu": "Koba", "kec. namang": "Namang"} {
		st := &State{Step: StepKecamatan, From: "+6281234567890", IntakeID: "x"}
		d.Handle(st, Input{Text: in, From: "+6281234567890", MessageID: "m"})
		if st.Answers.Kecamatan != want {
			t.Errorf("kecamatan %q: %q, want %q", in, st.Answers.Kecamatan, want)
		}
	}
	for in, want := range map[string]string{"nibung ya pak": "Nibung", "desa nibung": "Nibung", "di kurau barat bu": "Kurau Barat"} {
		st := &State{Step: StepDesa, From: "+6281234567890", IntakeID: "x", Answers: Answers{Kecamatan: "Koba"}}
		d.Handle(st, Input{Text: in, From: "+6281234567890", MessageID: "m"})
		if st.Answers.Desa != want {
			t.Errorf("desa %q: %q, want %q", in, st.Answers.Desa, want)
		}
	}

	// A desa list in pages: the words for "the next page", and any page's number or name.
	for _, in := range []string{"0", "lainnya", "lain", "desa lain", "berikutnya", "lagi", "Lainnya pak", "dak ade"} {
		st := &State{Step: StepDesa, From: "+6281234567890", IntakeID: "x", Answers: Answers{Kecamatan: "Sungai Selan"}}
		res := d.Handle(st, Input{Text: in, From: "+6281234567890", MessageID: "m"})
		if st.Step != StepDesa || st.DesaPage != 1 || st.Strikes != 0 || len(res.Replies) != 1 {
			t.Errorf("desa, %q: step %s page %d strikes %d; want the next page", in, st.Step, st.DesaPage, st.Strikes)
		}
	}
	for in, want := range map[string]string{"10": "Romadhon", "no 10": "Romadhon", "romadhon": "Romadhon", "2": "Kerantai", "keretak atas": "Keretak Atas"} {
		st := &State{Step: StepDesa, DesaPage: 1, From: "+6281234567890", IntakeID: "x", Answers: Answers{Kecamatan: "Sungai Selan"}}
		d.Handle(st, Input{Text: in, From: "+6281234567890", MessageID: "m"})
		if st.Answers.Desa != want {
			t.Errorf("desa on page 2, %q: %q; want %q", in, st.Answers.Desa, want)
		}
	}

	// Where option 1 is yes, a yes-word continues.
	for _, in := range []string{"1", "ya", "iya", "lanjut", "lanjutkan", "ok"} {
		st := &State{Step: StepResume, Paused: StepAddress, From: "+6281234567890", IntakeID: "x"}
		d.Handle(st, Input{Text: in, From: "+6281234567890", MessageID: "m"})
		if st.Step != StepAddress {
			t.Errorf("resume, %q: step %s; want %s", in, st.Step, StepAddress)
		}
	}
	for _, in := range []string{"2", "mulai baru", "ulang"} {
		st := &State{Step: StepResume, Paused: StepAddress, From: "+6281234567890", IntakeID: "x"}
		d.Handle(st, Input{Text: in, From: "+6281234567890", MessageID: "m"})
		if st.Step != StepRelation {
			t.Errorf("resume, %q: step %s; want a new intake at %s", in, st.Step, StepRelation)
		}
	}
	// At the menu, the labels start what they name.
	for in, want := range map[string]string{"ajukan": StepRelation, "minta bantuan": StepRelation, "1": StepRelation, "no 1": StepRelation} {
		st := &State{Step: StepMenu}
		d.Handle(st, Input{Text: in, From: "+6281234567890", MessageID: "m"})
		if st.Step != want {
			t.Errorf("menu, %q: step %s; want %s", in, st.Step, want)
		}
	}
	// What must not be taken: another option's number, or words that name nothing.
	for _, tc := range []struct{ step, in string }{
		{StepRelation, "4"}, {StepRelation, "no 4"}, {StepRelation, "jauh"}, {StepContact, "tidak"},
		{StepNeed, "11"}, {StepNeed, "saya mau"},
	} {
		st := &State{Step: tc.step, From: "+6281234567890", IntakeID: "x"}
		d.Handle(st, Input{Text: tc.in, From: "+6281234567890", MessageID: "m"})
		if st.Strikes != 1 {
			t.Errorf("step %s, %q was taken (answers %+v)", tc.step, tc.in, st.Answers)
		}
	}
}

// A NIK typed where it does not belong (the address, the description) is masked in the
// summary, like the NIK line itself.
func TestSummaryMasksStrayNIK(t *testing.T) {
	regions, err := LoadRegions()
	if err != nil {
		t.Fatal(err)
	}
	d := NewIntake(regions, NewKeywords(fakeVocabulary{}))
	m := d.Summary(Answers{Relation: "self", Name: "Siti", NIK: "1904014507850001", Address: "1904014507850001",
		Description: "NIK 1904014507850001 hilang", Kecamatan: "Koba", Desa: "Nibung", Need: "food", Contact: "+6281234567890"})
	for k, v := range m.Data {
		if s, ok := v.(string); ok && fullNIK.MatchString(s) {
			t.Errorf("summary field %s carries a full NIK: %q", k, s)
		}
	}
}

var fullNIK = regexp.MustCompile(`\d{16}`)

// Greetings are told from everything else: a greeting alone gets the menu again, with no
// mark against the resident, while a greeting that goes on is read for what it says.
func TestGreetings(t *testing.T) {
	catalog, err := locales.Load()
	if err != nil {
		t.Fatal(err)
	}
	kw := NewKeywords(catalog)
	for _, in := range []string{"halo", "Halo pak", "P", "p", "assalamualaikum", "Assalamualaikum Wr. Wb.", "selamat pagi bu",
		"pagi", "Met malam", "permisi pak", "hello"} {
		if !kw.IsGreeting(in) {
			t.Errorf("%q is not taken for a greeting", in)
		}
	}
	for _, in := range []string{"halo saya butuh beras", "pagi tadi rumah kebanjiran", "1", "koba", "pak", ""} {
		if kw.IsGreeting(in) {
			t.Errorf("%q is taken for a greeting", in)
		}
	}
}

// A request in the resident's own words is told from one that only asks: the first
// is kept as the description, the second starts the intake and the description is
// asked for.
func TestRequestsSayWhat(t *testing.T) {
	catalog, err := locales.Load()
	if err != nil {
		t.Fatal(err)
	}
	kw := NewKeywords(catalog)
	for _, tc := range []struct {
		text           string
		request, tells bool
	}{
		{"Tolong pak saya butuh bantuan beras, suami sakit", true, true},
		{"saya mau minta bantuan pak", true, false},
		{"Saya mau mengajukan permohonan bantuan", true, false},
		{"mohon bantuan pak rumah saya bocor", true, true},
		{"halo", false, false},
	} {
		if got := kw.IsRequest(tc.text); got != tc.request {
			t.Errorf("IsRequest(%q) = %v, want %v", tc.text, got, tc.request)
		}
		if got := kw.IsRequest(tc.text) && kw.SaysWhat(tc.text); got != tc.tells {
			t.Errorf("%q says what is needed: %v, want %v", tc.text, got, tc.tells)
		}
	}
}

// A keyword with words of address around it is still the keyword, at any step.
func TestKeywordsWithCourtesy(t *testing.T) {
	catalog, err := locales.Load()
	if err != nil {
		t.Fatal(err)
	}
	kw := NewKeywords(catalog)
	for in, want := range map[string]Command{"batal pak": Cancel, "menu bu": Menu, "kembali pak": Back, "pak menu": Menu,
		"cek 2600017 pak": Status, "pak": None, "batal rumah saya pak": None} {
		for _, tolerant := range []bool{true, false} {
			if got := kw.Parse(in, tolerant).Cmd; got != want {
				t.Errorf("Parse(%q, %v) = %v, want %v", in, tolerant, got, want)
			}
		}
	}
}
