// Package msisdn reads the sender numbers SMS gateways report (a modem through Gammu,
// an Android phone) as E.164, and says which of them may be answered.
package msisdn

import (
	"strings"

	"github.com/nyaruka/phonenumbers"
)

// Region is where numbers written without a country code are from.
const Region = "ID"

// Parse turns a sender number into E.164: +62..., 62... and the national 08... all
// become +62... (read by libphonenumber, as the dialogs read numbers residents type).
// Names, short codes and numbers that are not phones are refused: a service or premium
// number (1500..., 0800...) may be a machine that answers back, and the two would write
// to each other on the office's credit.
func Parse(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "62") {
		s = "+" + s
	}
	if s == "" || strings.Trim(s, "+0123456789 -") != "" {
		return "", false
	}
	num, err := phonenumbers.Parse(s, Region)
	if err != nil || !phonenumbers.IsValidNumber(num) {
		return "", false
	}
	switch phonenumbers.GetNumberType(num) {
	case phonenumbers.MOBILE, phonenumbers.FIXED_LINE_OR_MOBILE:
	default:
		return "", false
	}
	return phonenumbers.Format(num, phonenumbers.E164), true
}
