package dialogs

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Clean prepares any inbound text: control characters become spaces, runs of white
// space collapse, format characters (invisible joiners, bidi overrides) and variation
// selectors go away.
func Clean(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, " ")
	}
	s = strings.Map(func(r rune) rune {
		switch {
		case unicode.Is(unicode.Cf, r) || (r >= '\ufe00' && r <= '\ufe0f'):
			// Format characters (zero-width joiners and spaces, bidi overrides that
			// make an officer's screen show text in another order) and variation
			// selectors: invisible, and a way to disguise what a message says.
			return -1
		case unicode.IsControl(r) || unicode.IsSpace(r):
			return ' '
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

// stripSymbols drops emoji and other pictographs, which officers' screens and SMS
// cannot show reliably and which make any SMS echo of the text three times dearer.
func stripSymbols(s string) string {
	return strings.Join(strings.Fields(strings.Map(func(r rune) rune {
		if unicode.Is(unicode.So, r) || unicode.Is(unicode.Sk, r) || unicode.Is(unicode.Co, r) || unicode.Is(unicode.Cs, r) {
			return -1
		}
		return r
	}, s)), " ")
}

// ParseText accepts free text between min and max characters, counted after emoji are
// removed, so a message of only emoji counts as empty.
func ParseText(s string, min, max int) (string, error) {
	t := stripSymbols(Clean(s))
	n := utf8.RuneCountInString(t)
	switch {
	case n > max:
		return "", reject("error.text_long", "Got", n, "Max", max)
	case n < min:
		return "", reject("error.text_short", "Min", min)
	}
	return t, nil
}

// Name bounds: long enough to be a full name, short enough for a KTP line.
const (
	nameMinLetters = 3
	nameMaxRunes   = 60
)

// ParseName accepts a person's name as written on a KTP: Latin letters, spaces and the
// punctuation names carry (. , ' -). Letters with diacritics are Latin too.
func ParseName(s string) (string, error) {
	t := strings.NewReplacer("\u2019", "'", "`", "'").Replace(Clean(s))
	letters := 0
	for _, r := range t {
		switch {
		case unicode.Is(unicode.Latin, r):
			letters++
		case r == ' ' || r == '.' || r == ',' || r == '\'' || r == '-':
		default:
			return "", reject("error.name_chars")
		}
	}
	if n := utf8.RuneCountInString(t); n > nameMaxRunes {
		return "", reject("error.name_long", "Max", nameMaxRunes)
	}
	if letters < nameMinLetters {
		return "", reject("error.name_short")
	}
	return t, nil
}

// Shorten cuts s to at most n characters for a summary line, marking the cut.
func Shorten(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:n-3])) + "..."
}
