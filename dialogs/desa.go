package dialogs

import (
	"strconv"

	"github.com/dinsospmd-bateng/silakso/locales"
)

// A kecamatan's desa list is one SMS when it fits, else pages of one SMS each, reached
// with 0 ("desa lainnya"); the numbers are those of the whole list on every page, so a
// number read on one page is still right on the next, and a desa's name is understood
// on any page.
const (
	// desaListBudget is how many characters of a page (its numbered names, the
	// kecamatan's name and, on a page with more after it, moreLine) fit one SMS beside
	// the prompt's own words. locales' TestSMSBudgets renders every page of every
	// kecamatan in every language.
	desaListBudget = 142
	moreLine       = 18
)

// desaPages splits the desa of k into pages: the index of the first desa of each.
func desaPages(k Kecamatan) []int {
	width := func(from, to int) int {
		n := len(k.Name) - 1 // no line break after the last
		for i := from; i < to; i++ {
			n += len(strconv.Itoa(i+1)) + 1 + len(k.Desa[i].Name) + 1
		}
		return n
	}
	if width(0, len(k.Desa)) <= desaListBudget {
		return []int{0}
	}
	pages := []int{0}
	for i := 1; i < len(k.Desa); i++ {
		if width(pages[len(pages)-1], i+1)+moreLine > desaListBudget {
			pages = append(pages, i)
		}
	}
	return pages
}

// desaPrompt is page p (wrapping round) of the desa list of k.
func desaPrompt(k Kecamatan, p int) locales.Msg {
	pages := desaPages(k)
	p %= len(pages)
	to := len(k.Desa)
	if p+1 < len(pages) {
		to = pages[p+1]
	}
	names := make([]any, 0, to-pages[p])
	for _, desa := range k.Desa[pages[p]:to] {
		names = append(names, desa.Name)
	}
	return locales.M("intake.desa", "Kecamatan", k.Name,
		"Options", locales.NumberedFrom{First: pages[p] + 1, Items: names}, "More", len(pages) > 1, "Last", p+1 == len(pages))
}

// DesaPrompts are every page of the desa list of every kecamatan, for the catalog's
// budget test.
func (r *Regions) DesaPrompts() []locales.Msg {
	var all []locales.Msg
	for _, k := range r.Kecamatan {
		for p := range desaPages(k) {
			all = append(all, desaPrompt(k, p))
		}
	}
	return all
}
