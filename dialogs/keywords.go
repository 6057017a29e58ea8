package dialogs

import (
	"slices"
	"strconv"
	"strings"

	"github.com/hbollon/go-edlib"
)

// Command is an always-on keyword, recognised before the current step's answer.
type Command int

// The always-on keywords (docs/architecture.md, Intake).
const (
	None Command = iota
	Menu
	Cancel
	Back
	Help
	Status
	Stop
	Language
	Privacy
	// MyData asks what is held about the sender (DATA); Erase asks for it to be
	// erased (HAPUS).
	MyData
	Erase
)

// Keyword is a recognised command with its argument (a ticket for Status, a language
// code for Language; "?" when the language is not one we speak).
type Keyword struct {
	Cmd Command
	Arg string
}

// Vocabulary gives the words of a keyword list, in every language (locales.Catalog).
type Vocabulary interface {
	Words(key string) []string
}

// Keywords recognises commands and the fixed answers (yes, edit, no NIK) in the words
// the catalogs define.
type Keywords struct {
	commands map[Command][]string
	// statusFiller are the words people put around CEK ("CEK TIKET 2600017", "CEK
	// STATUS SAYA"), dropped before the ticket is read.
	statusFiller []string
	// choiceFiller are the words people put around a number ("no 2", "pilih 3",
	// "yang 1 saja").
	choiceFiller []string
	// placeFiller are the words around a place's name ("di koba", "kec. koba",
	// "desa nibung").
	placeFiller []string
	// optionFiller are the words around an option's name ("untuk anak saya" names
	// "anak"), tried without when the whole answer names nothing.
	optionFiller []string
	// shorthand maps the short forms of SMS writing to the words they stand for
	// ("sy" is "saya", "utk" is "untuk").
	shorthand map[string]string
	// options are the words each numbered option may be answered with, by list.
	options map[string][]option
	// request are the words of a message asking for help in the sender's own words;
	// requestPlain those that only ask ("saya mau minta bantuan"), saying nothing of
	// what is needed.
	request      []string
	requestPlain []string
	// courtesy are the words of address people add to an answer ("ya pak").
	courtesy []string
	// numbers are the numbers written as words, from zero ("satu" for 1).
	numbers []string
	yes     []string
	// more asks for the next page of a list ("0", "lainnya").
	more []string
	// greeting are the words people open a conversation with ("halo", "P",
	// "assalamualaikum").
	greeting []string
	edit     []string
	noNIK    []string
	langs    map[string][]string
}

// NewKeywords reads the keyword lists from v.
func NewKeywords(v Vocabulary) *Keywords {
	return &Keywords{
		commands: map[Command][]string{
			Menu:     v.Words("word.menu"),
			Cancel:   v.Words("word.cancel"),
			Back:     v.Words("word.back"),
			Help:     v.Words("word.help"),
			Status:   v.Words("word.status"),
			Stop:     v.Words("word.stop"),
			Language: v.Words("word.language"),
			Privacy:  v.Words("word.privacy"),
			MyData:   v.Words("word.my_data"),
			Erase:    v.Words("word.erase"),
		},
		statusFiller: v.Words("word.status_filler"),
		choiceFiller: v.Words("word.choice_filler"),
		optionFiller: v.Words("word.option_filler"),
		placeFiller:  v.Words("word.place_filler"),
		shorthand:    pairs(v.Words("word.shorthand")),
		options:      optionWords(v),
		request:      v.Words("word.request"),
		requestPlain: v.Words("word.request_plain"),
		courtesy:     v.Words("word.courtesy"),
		numbers:      v.Words("word.numbers"),
		yes:          v.Words("word.yes"),
		more:         v.Words("word.more"),
		greeting:     v.Words("word.greeting"),
		edit:         v.Words("word.edit"),
		noNIK:        v.Words("word.no_nik"),
		langs:        map[string][]string{"id": v.Words("word.lang_id"), "en": v.Words("word.lang_en")},
	}
}

// pairs reads "SHORT=LONG" variants.
func pairs(words []string) map[string]string {
	m := make(map[string]string, len(words))
	for _, w := range words {
		if short, long, ok := strings.Cut(w, "="); ok {
			m[strings.TrimSpace(short)] = strings.TrimSpace(long)
		}
	}
	return m
}

// expand writes out the short forms in text ("utk sy" is "UNTUK SAYA").
func (k *Keywords) expand(text string) string {
	words := strings.Fields(normalise(text))
	for i, w := range words {
		if long, ok := k.shorthand[w]; ok {
			words[i] = long
		}
	}
	return strings.Join(words, " ")
}

// optionLists are the numbered questions whose options have words besides their
// number, with how many options each has (word.opt_<list>_<n> in the catalogs).
var optionLists = map[string]int{"menu": 4, "resume": 2, "relation": len(relations), "need": len(needs), "contact": 2,
	"cancel": 2, "meant": 2, "line": len(summaryLines)}

func optionWords(v Vocabulary) map[string][]option {
	m := map[string][]option{}
	for list, n := range optionLists {
		opts := make([]option, n)
		for i := range opts {
			opts[i].names = v.Words("word.opt_" + list + "_" + strconv.Itoa(i+1))
		}
		m[list] = opts
	}
	return m
}

// number finds the number in an answer such as "no 2", "pilih 3" or "yang 1 saja":
// the answer without the words around it, when that is a number.
func (k *Keywords) number(text string) (string, bool) {
	kept := without(normalise(text), k.choiceFiller)
	if len(kept) != 1 {
		return "", false
	}
	if i := slices.Index(k.numbers, kept[0]); i >= 0 {
		return strconv.Itoa(i % numberWords), true // "satu" (and "one") is 1
	}
	if !IsNumber(kept[0]) {
		return "", false
	}
	return kept[0], true
}

// place is text without the words people put around a place's name and the words of
// address ("di koba pak" is "KOBA"), or text itself when nothing else is left.
func (k *Keywords) place(text string) string {
	kept := without(strings.NewReplacer(".", " ", ",", " ").Replace(normalise(text)), append(append([]string{}, k.placeFiller...), k.choiceFiller...))
	if len(kept) == 0 {
		return text
	}
	return strings.Join(kept, " ")
}

// numberOr is the number in text (numberOr("no 2") is "2"), or text itself.
func (k *Keywords) numberOr(text string) string {
	if n, ok := k.number(text); ok {
		return n
	}
	return text
}

// choice reads the answer to a numbered question of list: the number (with words
// around it), an option's words, or, when yesFirst, a yes-word for option 1 ("1 Ya,
// lanjutkan", "1 Nomor ini"). It returns the 0-based option.
func (k *Keywords) choice(text, list string, yesFirst bool) (int, error) {
	if yesFirst && k.isYes(text) {
		return 0, nil
	}
	if n, ok := k.number(text); ok {
		text = n
	}
	i, err := parseChoice(text, k.options[list])
	if err == nil {
		return i, nil
	}
	text = k.expand(text)
	if i, e := parseChoice(text, k.options[list]); e == nil {
		return i, nil
	}
	if kept := without(text, k.optionFiller); len(kept) > 0 {
		if i, e := parseChoice(strings.Join(kept, " "), k.options[list]); e == nil {
			return i, nil
		}
	}
	// "untuk ibu saya": an option named inside a sentence, when only one is.
	found := -1
	for j := range k.options[list] {
		if k.Mentions(text, list, j) {
			if found >= 0 {
				return 0, err
			}
			found = j
		}
	}
	if found >= 0 {
		return found, nil
	}
	return 0, err
}

// numberWords is how many numbers each language writes in word.numbers (0 to 10).
const numberWords = 11

// IsRequest reports whether a message that is no command and no menu choice reads as
// a request for help ("tolong pak saya butuh bantuan beras, suami sakit"): a few words,
// some of them the words people ask for help with. Such a message starts an intake,
// and is kept as its description.
func (k *Keywords) IsRequest(text string) bool {
	words := strings.Fields(strings.ToUpper(stripSymbols(Clean(text))))
	if len(words) < 4 {
		return false
	}
	hits := 0
	for i, w := range words {
		if contains(k.request, w) || i+1 < len(words) && contains(k.request, w+" "+words[i+1]) {
			hits++
		}
	}
	return hits >= 2
}

// SaysWhat reports whether a request says something of what is needed: a word beyond
// those that only ask. "Saya mau minta bantuan" does not, and is no description.
func (k *Keywords) SaysWhat(text string) bool {
	for _, w := range strings.Fields(strings.ToUpper(stripSymbols(Clean(text)))) {
		if !contains(k.requestPlain, w) {
			return true
		}
	}
	return false
}

// Near finds the keyword a single word at a free-text step is one typing mistake away
// from ("MENUU", "KEMBLI"): such an answer is asked about, not stored.
func (k *Keywords) Near(text string) Keyword {
	t := normalise(text)
	// Five letters at least: shorter words ("baik", "back") are too close to too much.
	if t == "" || strings.Contains(t, " ") || len(t) < 5 {
		return Keyword{}
	}
	for _, c := range commandOrder {
		if c == Language || c == Status {
			continue
		}
		for _, w := range k.commands[c] {
			if len(w) >= 4 && !strings.Contains(w, " ") && edlib.OSADamerauLevenshteinDistance(t, w) == 1 {
				return Keyword{Cmd: c, Arg: w}
			}
		}
	}
	return Keyword{}
}

// Meant reads the answer to "did you mean <keyword>?": yes (1), no (2), or neither.
func (k *Keywords) Meant(text string) (yes, no bool) {
	n, err := k.choice(text, "meant", true)
	if err != nil {
		return false, false
	}
	return n == 0, n == 1
}

// Mentions reports whether text names option i (0-based) of list in so many words
// ("saya mau bicara dengan petugas" names menu 4): a phrase of the option's that is two
// words or six letters long appears in it.
func (k *Keywords) Mentions(text, list string, i int) bool {
	t := " " + normalise(stripSymbols(text)) + " "
	for _, w := range k.options[list][i].names {
		if (strings.Contains(w, " ") || len(w) >= 6) && strings.Contains(t, " "+w+" ") {
			return true
		}
	}
	return false
}

// commandOrder fixes the order in which lists are searched, so a word that appears in
// two lists always means the same thing.
var commandOrder = []Command{Menu, Cancel, Back, Help, Status, Stop, Language, Privacy, MyData, Erase}

// normalise upper-cases, collapses space and drops closing punctuation.
func normalise(text string) string {
	return strings.TrimRight(strings.ToUpper(Clean(text)), ".!?,")
}

// Parse recognises a keyword. A message is a keyword only when it is clearly one: the
// word alone, CEK followed by something shaped like a ticket, or BAHASA followed by one
// word. With tolerant set, a single word one typing mistake away from a keyword of five
// letters or more counts too ("KEMBLAI"); free-text steps pass tolerant=false so that
// an answer such as "Mulia" is never taken for a command.
func (k *Keywords) Parse(text string, tolerant bool) Keyword {
	t := normalise(text)
	if t == "" {
		return Keyword{}
	}
	for _, c := range commandOrder {
		for _, w := range k.commands[c] {
			if t == w {
				return Keyword{Cmd: c}
			}
			rest, ok := strings.CutPrefix(t, w+" ")
			if !ok && c == Status {
				// CEK2600017: the ticket typed against the word.
				rest, ok = strings.CutPrefix(t, w)
				ok = ok && rest != "" && rest[0] >= '0' && rest[0] <= '9'
			}
			if !ok {
				continue
			}
			switch {
			case c == Status:
				if arg, ok := k.statusArg(rest); ok {
					return Keyword{Cmd: Status, Arg: arg}
				}
			case c == Language && !strings.Contains(rest, " "):
				return Keyword{Cmd: Language, Arg: k.language(rest)}
			}
		}
	}
	if kept := without(t, k.courtesy); len(kept) > 0 && len(kept) < len(strings.Fields(t)) {
		// "batal pak", "menu bu": the keyword with the words of address around it.
		if kw := k.Parse(strings.Join(kept, " "), tolerant); kw.Cmd != None {
			return kw
		}
	}
	if tolerant && !strings.Contains(t, " ") && len(t) >= 5 {
		for _, c := range commandOrder {
			for _, w := range k.commands[c] {
				if len(w) >= 5 && !strings.Contains(w, " ") && edlib.OSADamerauLevenshteinDistance(t, w) == 1 {
					return Keyword{Cmd: c}
				}
			}
		}
	}
	return Keyword{}
}

// statusArg reads what follows CEK: the words people put around a ticket are dropped
// ("TIKET 2600017", "NO. 2600017", "STATUS SAYA"); what is left must be a ticket, or
// nothing (the sender's own cases).
func (k *Keywords) statusArg(rest string) (string, bool) {
	arg := strings.Join(without(rest, k.statusFiller), " ")
	return arg, arg == "" || looksLikeTicket(arg)
}

// BareNumber reads a message that is only a number, as a resident may send a ticket or
// a NIK without CEK ("2600017", "26-0001-7", "#2600017"): its digits, when there are
// at least seven (more than any numbered choice).
func BareNumber(text string) (string, bool) {
	var b strings.Builder
	for _, r := range strings.TrimSpace(text) {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '-' || r == ' ' || r == '#' || r == '.' || r == '/':
		default:
			return "", false
		}
	}
	return b.String(), b.Len() >= 7
}

func (k *Keywords) language(word string) string {
	for code, words := range k.langs {
		for _, w := range words {
			if word == w {
				return code
			}
		}
	}
	return "?"
}

// looksLikeTicket accepts what a resident may type as a ticket: digits with optional
// spaces, hyphens, a leading # or a short letter prefix.
func looksLikeTicket(s string) bool {
	digits := 0
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == '-' || r == ' ' || r == '#' || r == '.' || r == '/':
		case r >= 'A' && r <= 'Z' && i < 4:
		default:
			return false
		}
	}
	return digits >= 4
}

// isMore reads a request for the next page of a list ("0", "lainnya pak").
func (k *Keywords) isMore(text string) bool {
	return contains(k.more, strings.Join(without(normalise(text), k.courtesy), " "))
}

// IsGreeting reports whether text is only a greeting ("halo pak", "selamat pagi bu").
func (k *Keywords) IsGreeting(text string) bool {
	words := without(strings.NewReplacer(".", " ", ",", " ", "'", "").Replace(normalise(text)), k.courtesy)
	return len(words) > 0 && contains(k.greeting, strings.Join(words, " "))
}

// isYes reads a yes, also with the courtesy words people add ("ya pak", "iya bu").
func (k *Keywords) isYes(text string) bool {
	t := normalise(text)
	if contains(k.yes, t) {
		return true
	}
	kept := without(t, k.courtesy)
	return len(kept) > 0 && contains(k.yes, strings.Join(kept, " "))
}

// without returns the words of s but those in drop, each without the punctuation
// people type around words: "no. 2" is "2", "CEK TIKET 2600017" is "2600017" once the
// words around numbers are dropped.
func without(s string, drop []string) []string {
	var kept []string
	for _, f := range strings.Fields(s) {
		if w := strings.Trim(f, ".,:;!()"); w != "" && !contains(drop, w) {
			kept = append(kept, w)
		}
	}
	return kept
}

// Digits is the digits of s, whatever is around them ("CEK NIK 1904..." has sixteen).
func Digits(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}

// parseEdit reads "UBAH 3" and returns the line number text ("" when only UBAH was sent).
func (k *Keywords) parseEdit(text string) (string, bool) {
	t := normalise(text)
	for _, w := range k.edit {
		if t == w {
			return "", true
		}
		if rest, ok := strings.CutPrefix(t, w+" "); ok {
			return rest, true
		}
		if rest, ok := strings.CutPrefix(t, w); ok && rest[0] >= '0' && rest[0] <= '9' {
			return rest, true // "UBAH4"
		}
	}
	return "", false
}

func contains(list []string, s string) bool {
	for _, w := range list {
		if w == s {
			return true
		}
	}
	return false
}
