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
