// Package gsm7 knows the GSM 03.38 alphabet: which texts an SMS can carry in 7-bit
// encoding and how many segments a text costs. A single character outside the alphabet
// (an emoji, a curly quote) switches the whole message to UCS-2 and shrinks each segment
// from 160 to 70 characters, which is why resident-facing texts are checked against it.
package gsm7

import "strings"

// basic is the GSM 03.38 default alphabet (one septet each).
const basic = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
	"¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"

// extension characters cost two septets (escape + character).
const extension = "\f^{}\\[~]|€"

var table = func() map[rune]int {
	m := make(map[rune]int, 140)
	for _, r := range basic {
		m[r] = 1
	}
	for _, r := range extension {
		m[r] = 2
	}
	return m
}()

// Valid reports whether every character of s can be sent in GSM-7.
func Valid(s string) bool {
	for _, r := range s {
		if table[r] == 0 {
			return false
		}
	}
	return true
}

// Invalid returns the characters of s that GSM-7 cannot carry, for error messages.
func Invalid(s string) []rune {
	var bad []rune
	for _, r := range s {
		if table[r] == 0 {
			bad = append(bad, r)
		}
	}
	return bad
}

// Septets is the GSM-7 length of s, counting extension characters twice. It is only
// meaningful when Valid(s).
func Septets(s string) int {
	n := 0
	for _, r := range s {
		n += max(table[r], 1)
	}
	return n
}

// Segments is how many SMS segments s needs: GSM-7 160 per single segment, 153 per part
// of a concatenated message; UCS-2 70 and 67 (counted in UTF-16 code units).
func Segments(s string) (segments int, unicode bool) {
	if s == "" {
		return 1, false
	}
	single, multi, n := 160, 153, 0
	if Valid(s) {
		n = Septets(s)
	} else {
		unicode = true
		single, multi = 70, 67
		for _, r := range s {
			if r > 0xFFFF {
				n += 2
			} else {
				n++
			}
		}
	}
	if n <= single {
		return 1, unicode
	}
	return (n + multi - 1) / multi, unicode
}

// replacements maps common typographic characters to their GSM-7 look-alikes.
var replacements = strings.NewReplacer(
	"\u2018", "'", "\u2019", "'", "\u201a", "'", "\u201b", "'",
	"\u201c", "\"", "\u201d", "\"", "\u201e", "\"",
	"\u2013", "-", "\u2014", "-", "\u2212", "-",
	"\u2026", "...", "\u00a0", " ", "\u2022", "-", "\t", " ",
)

// Replace gives typographic characters (curly quotes, dashes, ellipsis, non-breaking
// space) their GSM-7 look-alikes and leaves everything else as it is.
func Replace(s string) string { return replacements.Replace(s) }

// Shape replaces typographic characters with GSM-7 equivalents and drops whatever still
// cannot be sent (emoji, pictographs), so that an SMS stays in 7-bit encoding.
func Shape(s string) string {
	s = replacements.Replace(s)
	if Valid(s) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if table[r] != 0 {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Split cuts s into the parts of a concatenated SMS: at most 153 septets each in GSM-7
// (an extension character is never cut from its escape), at most 67 UTF-16 code units
// in UCS-2 (a surrogate pair is never cut). A text that fits one SMS is one part. A
// gateway that sends the parts with the same reference lets the phone show one message.
func Split(s string) (parts []string, unicode bool) {
	n, unicode := Segments(s)
	if n == 1 {
		return []string{s}, unicode
	}
	limit := 153
	if unicode {
		limit = 67
	}
	parts = make([]string, 0, n)
	start, used := 0, 0
	for i, r := range s {
		w := max(table[r], 1)
		if unicode {
			w = 1
			if r > 0xFFFF {
				w = 2
			}
		}
		if used+w > limit {
			parts = append(parts, s[start:i])
			start, used = i, 0
		}
		used += w
	}
	return append(parts, s[start:]), unicode
}
