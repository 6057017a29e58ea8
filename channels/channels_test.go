package channels

import (
	"strings"
	"testing"
)

func TestMaskPhone(t *testing.T) {
	if got := MaskPhone("+6281234567890"); got != "+62812****7890" {
		t.Errorf("MaskPhone = %s", got)
	}
	for _, p := range []string{"1", "123", "12345678", "+621234567", "+6281234567890123"} {
		if got := MaskPhone(p); !strings.Contains(got, "*") {
			t.Errorf("MaskPhone(%q) = %q shows everything", p, got)
		}
	}
}

func TestMaskDigits(t *testing.T) {
	for in, want := range map[string]string{
		"Invalid recipient +6281234567890":       "Invalid recipient +62812****7890",
		"Invalid recipient 0812 3456 7890 sent":  "Invalid recipient 081234**7890 sent",
		"from +1 (415) 555-0100":                 "from +14155**0100",
		"62-812-3456-7890x":                      "628123***7890x",
		"NIK 1904014507850001":                   "NIK 190401******0001",
		"error 21610 at 10:15":                   "error 21610 at 10:15",
		"HTTP 503, retry in 5 s":                 "HTTP 503, retry in 5 s",
		"dial tcp 192.168.100.200:8080: refused": "dial tcp 192.168.100.200:8080: refused",
	} {
		if got := MaskDigits(in); got != want {
			t.Errorf("MaskDigits(%q) = %q, want %q", in, got, want)
		}
	}
}
