package msisdn

import "testing"

func TestParse(t *testing.T) {
	for in, want := range map[string]string{
		"+6281234567890":  "+6281234567890",
		"081234567890":    "+6281234567890",
		"6281234567890":   "+6281234567890",
		" 0812-3456-7890": "+6281234567890",
		"+6591234567":     "+6591234567", // a Singapore mobile is answered too
		"1500500":         "",            // a service number
		"+6280012345678":  "",            // toll-free
		"TELKOMSEL":       "",
		"3636":            "",
		"+62abc4567890":   "",
		"":                "",
		"81234567890":     "+6281234567890",
	} {
		got, ok := Parse(in)
		if got != want || ok != (want != "") {
			t.Errorf("Parse(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
}
