package bot

import (
	"regexp"
	"strings"
	"testing"

	"github.com/dinsospmd-bateng/silakso/locales"
)

// offersDigits finds a text that asks for a digit: "Balas 1 ...", "balas angka", or a
// numbered list.
var offersDigits = regexp.MustCompile(`(?i)\bbalas\b[^.\n]*\b(\d|angka)\b|\n\d `)

// Every reply that offers digits at the menu step is known to offersChoices, so that a
// digit after it is never taken as a survey score. Replies of the steps that take the
// next message themselves (the intake, a confirmation), of officers and of the survey
// itself are left out.
func TestChoicesAreKnown(t *testing.T) {
	c, err := locales.Load()
	if err != nil {
		t.Fatal(err)
	}
	ownStep := []string{"intake.", "officer.", "survey.", "privacy.erase", "error.", "lang.", "push."}
	found := 0
	for _, e := range c.Entries(locales.Default) {
		if e.Kind != "sms" || !offersDigits.MatchString(e.Text) {
			continue
		}
		skip := false
		for _, p := range ownStep {
			skip = skip || strings.HasPrefix(e.Key, p)
		}
		if e.Key == "intake.too_late" {
			skip = false // sent at the menu: "balas 4 di menu"
		}
		if skip {
			continue
		}
		found++
		if !offersChoices(e.Key) {
			t.Errorf("%s offers digits at the menu (%q) but offersChoices does not know it", e.Key, e.Text)
		}
	}
	if found < 5 {
		t.Fatalf("only %d replies offering digits found; is the pattern broken?", found)
	}
}
