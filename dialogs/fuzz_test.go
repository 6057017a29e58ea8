package dialogs

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/dinsospmd-bateng/silakso/locales"
)

// The fuzz targets check properties every input must keep: no panic, accepted answers
// are canonical (parsing them again gives the same result), bounds hold. Their seed
// corpora are in testdata/fuzz; run one with go test ./dialogs -fuzz FuzzParseNIK.

func FuzzParseNIK(f *testing.F) {
	f.Add("1904014507850001")
	f.Add("19 04 01 450785 0001")
	f.Add("tidak punya")
	f.Fuzz(func(t *testing.T, s string) {
		nik, err := ParseNIK(s, noNIK)
		if err != nil || nik.Missing {
			return
		}
		if len(nik.Number) != 16 || strings.Trim(nik.Number, "0123456789") != "" {
			t.Fatalf("accepted %q as %q", s, nik.Number)
		}
		again, err := ParseNIK(nik.Number, noNIK)
		if err != nil || again != nik {
			t.Fatalf("%q: reparse gives %+v, %v", nik.Number, again, err)
		}
		if m := MaskNIK(nik.Number); strings.Contains(m, nik.Number[4:14]) {
			t.Fatalf("mask %q shows the middle", m)
		}
	})
}

func FuzzParsePhone(f *testing.F) {
	f.Add("081234567890")
	f.Add("+62 812-3456-7890")
	f.Add("6281234567890")
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePhone(s)
		if err != nil {
			return
		}
		if !strings.HasPrefix(p, "+62") {
			t.Fatalf("accepted %q as %q", s, p)
		}
		if again, err := ParsePhone(LocalPhone(p)); err != nil || again != p {
			t.Fatalf("%q: local form %q reparses as %q, %v", p, LocalPhone(p), again, err)
		}
	})
}

func FuzzParseText(f *testing.F) {
	f.Add("Suami sakit, tidak bisa bekerja.")
	f.Add("\x00\x1b[31m🙏 long\u200d text")
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseText(s, 10, 500)
		if err != nil {
			return
		}
		n := utf8.RuneCountInString(got)
		if n < 10 || n > 500 || !utf8.ValidString(got) {
			t.Fatalf("accepted %d characters: %q", n, got)
		}
		if again, err := ParseText(got, 10, 500); err != nil || again != got {
			t.Fatalf("not idempotent: %q -> %q, %v", got, again, err)
		}
		for _, r := range got {
			if r < ' ' || r == 0x7f {
				t.Fatalf("control character %U kept in %q", r, got)
			}
		}
	})
}

func FuzzParseName(f *testing.F) {
	f.Add("Siti Aminah")
	f.Add("Nur'aini")
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseName(s)
		if err != nil {
			return
		}
		if again, err := ParseName(got); err != nil || again != got {
			t.Fatalf("not idempotent: %q -> %q, %v", got, again, err)
		}
	})
}

func FuzzParseChoice(f *testing.F) {
	f.Add("3")
	f.Add("Sg. Selan")
	f.Add("kurau")
	r, err := LoadRegions()
	if err != nil {
		f.Fatal(err)
	}
	d := NewIntake(r, NewKeywords(fakeVocabulary{}))
	opts := d.kecamatanOptions()
	f.Fuzz(func(t *testing.T, s string) {
		i, err := parseChoice(s, opts)
		if err == nil && (i < 0 || i >= len(opts)) {
			t.Fatalf("%q chose %d of %d", s, i, len(opts))
		}
		if desa, err := d.chooseDesa("Koba", s); err == nil && desa.Kecamatan != "Koba" {
			t.Fatalf("%q chose %s of Kec. %s while Koba was asked", s, desa.Name, desa.Kecamatan)
		}
	})
}

func FuzzKeywords(f *testing.F) {
	f.Add("cek 26-0001-7", true)
	f.Add("BAHASA EN", false)
	f.Add("kemblai", true)
	c, err := locales.Load()
	if err != nil {
		f.Fatal(err)
	}
	kw := NewKeywords(c)
	f.Fuzz(func(t *testing.T, s string, tolerant bool) {
		k := kw.Parse(s, tolerant)
		if k.Cmd == Status && k.Arg != "" && !looksLikeTicket(k.Arg) {
			t.Fatalf("%q: ticket argument %q", s, k.Arg)
		}
		if k.Cmd == None && k.Arg != "" {
			t.Fatalf("%q: argument without command", s)
		}
	})
}

// No kecamatan or desa name, typed alone at a numbered step, may be taken for a keyword.
func TestPlaceNamesAreNotKeywords(t *testing.T) {
	c, err := locales.Load()
	if err != nil {
		t.Fatal(err)
	}
	kw := NewKeywords(c)
	r, _ := LoadRegions()
	for _, k := range r.Kecamatan {
		if got := kw.Parse(k.Name, true); got.Cmd != None {
			t.Errorf("kecamatan %s parses as keyword %v", k.Name, got.Cmd)
		}
		for _, d := range k.Desa {
			for _, name := range placeNames(d.Name) {
				if got := kw.Parse(name, true); got.Cmd != None {
					t.Errorf("desa %s parses as keyword %v", name, got.Cmd)
				}
			}
		}
	}
}
