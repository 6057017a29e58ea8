package gsm7

import (
	"strings"
	"testing"
	"unicode/utf16"
	"unicode/utf8"
)

func TestSegments(t *testing.T) {
	tests := []struct {
		name    string
		text    string
		want    int
		unicode bool
	}{
		{"empty", "", 1, false},
		{"160 gsm", strings.Repeat("a", 160), 1, false},
		{"161 gsm", strings.Repeat("a", 161), 2, false},
		{"306 gsm", strings.Repeat("a", 306), 2, false},
		{"307 gsm", strings.Repeat("a", 307), 3, false},
		{"extension counts twice", strings.Repeat("€", 80), 1, false},
		{"extension over", strings.Repeat("€", 81), 2, false},
		{"70 ucs2", strings.Repeat("é", 10) + strings.Repeat("ж", 60), 1, true},
		{"71 ucs2", strings.Repeat("ж", 71), 2, true},
		{"emoji is two code units", strings.Repeat("\U0001F600", 35), 1, true},
		{"emoji over", strings.Repeat("\U0001F600", 36), 2, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, uni := Segments(tt.text)
			if got != tt.want || uni != tt.unicode {
				t.Errorf("Segments = %d,%v; want %d,%v", got, uni, tt.want, tt.unicode)
			}
		})
	}
}

func TestShape(t *testing.T) {
	in := "\u201cHalo\u201d \u2013 it\u2019s ok \U0001F600\u2026"
	got := Shape(in)
	if want := "\"Halo\" - it's ok ..."; got != want {
		t.Errorf("Shape = %q, want %q", got, want)
	}
	if !Valid(got) {
		t.Errorf("shaped text not valid GSM-7: %q", Invalid(got))
	}
}

func TestSplit(t *testing.T) {
	for _, tc := range []struct {
		name    string
		text    string
		parts   int
		unicode bool
	}{
		{"one SMS", strings.Repeat("a", 160), 1, false},
		{"two parts", strings.Repeat("a", 161), 2, false},
		{"three parts", strings.Repeat("a", 400), 3, false},
		{"escape not cut", strings.Repeat("a", 152) + "€" + strings.Repeat("b", 10), 2, false},
		{"ucs-2", strings.Repeat("ä", 100) + "好", 2, true},
		{"surrogate not cut", strings.Repeat("x", 66) + "😀" + strings.Repeat("y", 10), 2, true},
		{"empty", "", 1, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			parts, unicode := Split(tc.text)
			if len(parts) != tc.parts || unicode != tc.unicode {
				t.Fatalf("Split: %d parts (unicode %v), want %d (%v)", len(parts), unicode, tc.parts, tc.unicode)
			}
			if strings.Join(parts, "") != tc.text {
				t.Fatal("parts do not join back to the text")
			}
			n, _ := Segments(tc.text)
			if n != len(parts) {
				t.Errorf("Segments says %d, Split made %d", n, len(parts))
			}
			for i, p := range parts {
				if !utf8.ValidString(p) {
					t.Errorf("part %d is not valid UTF-8", i)
				}
				if len(parts) > 1 {
					if size := partSize(p, unicode); size > 153 || unicode && size > 67 {
						t.Errorf("part %d is %d long", i, size)
					}
				}
			}
		})
	}
}

// partSize is a part's length in septets (GSM-7) or UTF-16 code units (UCS-2).
func partSize(p string, unicode bool) int {
	if !unicode {
		return Septets(p)
	}
	return len(utf16.Encode([]rune(p)))
}
