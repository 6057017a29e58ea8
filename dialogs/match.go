package dialogs

import (
	"bytes"
	_ "embed"
	"encoding/csv"
	"strconv"
	"strings"
	"unicode"

	"github.com/hbollon/go-edlib"
)

// aliases.csv holds the abbreviations people type for place names ("Sg." for Sungai,
// "Tj." for Tanjung) and the words they put in front of them ("desa", "kec.") which are
// dropped before comparing.
//
//go:embed aliases.csv
var aliasesCSV []byte

var aliases = func() map[string]string {
	rows, err := csv.NewReader(bytes.NewReader(aliasesCSV)).ReadAll()
	if err != nil {
		panic("dialogs: aliases.csv: " + err.Error())
	}
	m := make(map[string]string, len(rows))
	for _, row := range rows[1:] {
		m[row[0]] = row[1]
	}
	return m
}()

// matchKey reduces a place name to what matters for comparing: lower case, no
// punctuation, abbreviations expanded, filler words dropped, no spaces, so that
// "Sg. Selan", "sungai selan" and "sungaiselan" all become "sungaiselan".
func matchKey(s string) string {
	fields := strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
	var b strings.Builder
	for _, f := range fields {
		if a, ok := aliases[f]; ok {
			f = a
		}
		b.WriteString(f)
	}
	return b.String()
}

// option is one numbered choice with the names it may be typed as.
type option struct {
	names []string
}

// parseChoice reads a numbered choice: a number 1..len(opts) (with stray punctuation
// such as "2." allowed) or, when the options have names, a name typed with small
// mistakes. It returns the 0-based index.
func parseChoice(text string, opts []option) (int, error) {
	t := strings.TrimSpace(strings.TrimRight(strings.TrimSpace(text), ".)"))
	if n, err := strconv.Atoi(t); err == nil {
		if n >= 1 && n <= len(opts) {
			return n - 1, nil
		}
		return 0, reject("error.choice", "Max", len(opts))
	}
	key := matchKey(t)
	if key == "" || len(opts) == 0 || len(opts[0].names) == 0 || len(key) > maxFuzzy {
		// A sentence is no option's name: edit distances over long texts would only
		// cost time (a forged or pasted message of thousands of characters).
		return 0, reject("error.choice", "Max", len(opts))
	}
	bestDist, ties := 1<<30, []int(nil)
	for i, o := range opts {
		d := 1 << 30
		for _, name := range o.names {
			d = min(d, edlib.OSADamerauLevenshteinDistance(key, matchKey(name)))
		}
		switch {
		case d < bestDist:
			bestDist, ties = d, []int{i}
		case d == bestDist:
			ties = append(ties, i)
		}
	}
	if bestDist > tolerance(key) {
		if i, ok := uniquePrefix(key, opts); ok {
			return i, nil
		}
		return 0, reject("error.choice", "Max", len(opts))
	}
	if len(ties) > 1 {
		names := make([]string, len(ties))
		for j, i := range ties {
			names[j] = strconv.Itoa(i+1) + " " + opts[i].names[0]
		}
		return 0, reject("error.ambiguous", "Names", strings.Join(names, ", "))
	}
	return ties[0], nil
}

// maxFuzzy is the longest answer compared with the options' names, in bytes: the
// longest name with a few words around it.
const maxFuzzy = 60

// tolerance is how many typing mistakes a name of this length may carry: none for very
// short names (they would match everything), one for most, two for long ones.
func tolerance(key string) int {
	switch n := len([]rune(key)); {
	case n <= 3:
		return 0
	case n <= 8:
		return 1
	default:
		return 2
	}
}

// uniquePrefix accepts the start of a name ("kerant" for Kerantai) when only one option
// starts that way and enough was typed to mean it.
func uniquePrefix(key string, opts []option) (int, bool) {
	if len([]rune(key)) < 4 {
		return 0, false
	}
	found := -1
	for i, o := range opts {
		for _, name := range o.names {
			if strings.HasPrefix(matchKey(name), key) {
				if found >= 0 && found != i {
					return 0, false
				}
				found = i
			}
		}
	}
	return found, found >= 0
}

// placeNames lists the ways a place may be typed: its official name and, for names with
// a part in brackets such as "Kurau (Timur)", the name without that part.
func placeNames(name string) []string {
	names := []string{name}
	if i := strings.IndexByte(name, '('); i > 0 {
		names = append(names, strings.TrimSpace(name[:i]))
	}
	return names
}
