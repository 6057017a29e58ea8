package gsm7

import (
	"strings"
	"testing"
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
