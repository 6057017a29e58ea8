package dialogs

import (
	"strings"

	"github.com/nyaruka/phonenumbers"
)

// ParsePhone reads an Indonesian phone number in any common form (0812..., +62812...,
// 62812..., with spaces or dashes) and returns it in E.164 (+62812...).
func ParsePhone(s string) (string, error) {
	t := Clean(s)
	if t == "" || len(t) > 32 {
		return "", reject("error.phone")
	}
	// "62812..." without a plus is common; phonenumbers reads it as a national number.
	if strings.HasPrefix(t, "62") {
		t = "+" + t
	}
	num, err := phonenumbers.Parse(t, "ID")
	if err != nil || !phonenumbers.IsValidNumberForRegion(num, "ID") {
		return "", reject("error.phone")
	}
	return phonenumbers.Format(num, phonenumbers.E164), nil
}

// LocalPhone shows an E.164 Indonesian number the way residents write it (0812...).
func LocalPhone(e164 string) string {
	if rest, ok := strings.CutPrefix(e164, "+62"); ok {
		return "0" + rest
	}
	return e164
}
