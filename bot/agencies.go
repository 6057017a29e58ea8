package bot

import (
	_ "embed"
	"strings"
)

// agencies.txt lists where a case can be referred (proper names, not text).
//
//go:embed agencies.txt
var agenciesTxt string

var agencies = strings.Fields(strings.ReplaceAll(strings.TrimSpace(agenciesTxt), " ", "_"))

// agencyName finds the agency a typed word names ("dinkes", "bpjs", "desa").
func agencyName(word string) (string, bool) {
	for _, a := range agencies {
		for _, part := range strings.Split(a, "_") {
			if strings.EqualFold(part, word) {
				return strings.ReplaceAll(a, "_", " "), true
			}
		}
	}
	return "", false
}

func agencyList() string { return strings.ReplaceAll(strings.Join(agencies, ", "), "_", " ") }
