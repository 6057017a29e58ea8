package dialogs

import (
	"regexp"
	"strconv"
	"strings"
)

// NIK is a Nomor Induk Kependudukan as the intake understood it.
type NIK struct {
	// Number is the 16 digits, empty when the person has none.
	Number string
	// Missing marks a person without a NIK: the case is also a referral to civil
	// registration (Disdukcapil).
	Missing bool
	// Female is read from the birth-day part (day + 40 for women).
	Female bool
	// Local is true for a NIK issued in Kabupaten Bangka Tengah (region 19.04).
	Local bool
}

// provinces are the two-digit province codes in use (Kemendagri).
var provinces = map[string]bool{
	"11": true, "12": true, "13": true, "14": true, "15": true, "16": true, "17": true, "18": true,
	"19": true, "21": true, "31": true, "32": true, "33": true, "34": true, "35": true, "36": true,
	"51": true, "52": true, "53": true, "61": true, "62": true, "63": true, "64": true, "65": true,
	"71": true, "72": true, "73": true, "74": true, "75": true, "76": true, "81": true, "82": true,
	"91": true, "92": true, "93": true, "94": true, "95": true, "96": true,
}

// bangkaTengah is the region prefix (province 19, regency 04) of local NIKs.
const bangkaTengah = "1904"

// ParseNIK checks a NIK as typed: spaces, dots and dashes are ignored; a word from
// noNIK (such as "0" or "tidak punya") means the person has none. The structure is
// checked (region code, birth date with +40 for women, serial not 0000); there is no
// check digit in a NIK, so a valid structure is all that can be verified offline.
func ParseNIK(text string, noNIK []string) (NIK, error) {
	t := strings.ToUpper(strings.Join(strings.Fields(text), " "))
	t = strings.TrimRight(t, ".!")
	for _, w := range noNIK {
		if t == w {
			return NIK{Missing: true}, nil
		}
	}
	digits := strings.Map(func(r rune) rune {
		switch {
		case r == ' ' || r == '.' || r == '-':
			return -1
		case r >= '0' && r <= '9':
			return r
		}
		return 'x'
	}, t)
	if strings.ContainsRune(digits, 'x') || digits == "" {
		return NIK{}, reject("error.nik_digits")
	}
	if len(digits) != 16 {
		return NIK{}, reject("error.nik_length", "Got", len(digits))
	}
	if !provinces[digits[0:2]] || digits[2:4] == "00" || digits[4:6] == "00" {
		return NIK{}, reject("error.nik_region")
	}
	day, _ := strconv.Atoi(digits[6:8])
	month, _ := strconv.Atoi(digits[8:10])
	year, _ := strconv.Atoi(digits[10:12])
	female := day > 40
	if female {
		day -= 40
	}
	if !validBirthDate(day, month, year) {
		return NIK{}, reject("error.nik_date")
	}
	if digits[12:16] == "0000" {
		return NIK{}, reject("error.nik_serial")
	}
	return NIK{Number: digits, Female: female, Local: digits[:4] == bangkaTengah}, nil
}

// validBirthDate checks a day and month; the two-digit year only matters for 29
// February, which is accepted when either century makes it a leap year (only 00 is
// ambiguous, and 2000 was a leap year).
func validBirthDate(day, month, yy int) bool {
	if month < 1 || month > 12 || day < 1 {
		return false
	}
	days := [...]int{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}[month-1]
	if month == 2 && yy%4 == 0 {
		days = 29
	}
	return day <= days
}

// MaskNIK hides all but the first 4 and last 2 digits, the only form in which a NIK may
// appear in a message or a log line.
func MaskNIK(nik string) string {
	if len(nik) <= 6 {
		return strings.Repeat("*", len(nik))
	}
	return nik[:4] + strings.Repeat("*", len(nik)-6) + nik[len(nik)-2:]
}

// nikRun is sixteen digits, in a row or grouped as people write them ("1904 0145 0785
// 0002", with dots or dashes): a NIK inside someone's words. Longer runs of digits
// are masked too.
var nikRun = regexp.MustCompile(`\d(?:[ .-]?\d){15,}`)

// MaskNIKs masks every NIK inside a text (a question, a description, a forwarded
// message, an officer's reply), so that no message carries one in full.
func MaskNIKs(s string) string {
	return nikRun.ReplaceAllStringFunc(s, func(run string) string { return MaskNIK(Digits(run)) })
}
