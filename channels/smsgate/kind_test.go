package smsgate

import "testing"

func TestSenderKind(t *testing.T) {
	for in, want := range map[string]string{
		"":                "none",
		"TELKOMSEL":       "a name",
		"3636":            "a short code",
		"+62717421234":    "a 11-digit number that is not a mobile",
		"+62 717 4212 34": "a 11-digit number that is not a mobile",
	} {
		if got := senderKind(in); got != want {
			t.Errorf("senderKind(%q) = %q, want %q", in, got, want)
		}
	}
}
