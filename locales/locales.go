// Package locales holds every text a resident or officer reads, in message catalogs
// (id.toml is the primary language, en.toml the second), and turns a message key plus
// data into words. Go code elsewhere speaks in keys (Msg), never in Indonesian.
//
// Each catalog entry declares its SMS budget in its description: "sms N" means the
// rendered text must be GSM-7 and fit N SMS segments; "words" marks keyword lists that
// are matched, never sent; "format" marks layout strings such as the date format;
// "report" marks the headings and labels of the office's reports (silakso report),
// which are read on a screen or in a spreadsheet, never sent as SMS.
package locales

import (
	"embed"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/BurntSushi/toml"
	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

//go:embed *.toml
var files embed.FS

// Default is the language used for a resident who has not chosen one.
const Default = "id"

// Msg is a message key with the data its template needs. Data values may themselves be
// Msg (rendered first, in the same language) or List (rendered as lines).
type Msg struct {
	Key  string
	Data map[string]any
}

// M builds a Msg from a key and alternating name/value pairs.
func M(key string, kv ...any) Msg {
	m := Msg{Key: key}
	if len(kv) > 0 {
		m.Data = make(map[string]any, len(kv)/2)
		for i := 0; i+1 < len(kv); i += 2 {
			m.Data[kv[i].(string)] = kv[i+1]
		}
	}
	return m
}

// List renders as one line per item. Items are strings or Msg.
type List []any

// Numbered renders as "1 first\n2 second ...": the numbered choices a keypad phone can
// answer with one digit.
type Numbered []any

// NumberedFrom is Numbered counting from First: a later page of a long list keeps the
// numbers of the whole list.
type NumberedFrom struct {
	First int
	Items []any
}

// Entry is one catalog entry as declared in a file.
type Entry struct {
	Key string
	// Kind is "sms", "words", "format" or "report".
	Kind string
	// Segments is the SMS budget for Kind "sms".
	Segments int
	Text     string
}

// Catalog renders messages in the supported languages.
type Catalog struct {
	bundle     *i18n.Bundle
	localizers map[string]*i18n.Localizer
	entries    map[string]map[string]Entry // lang -> key -> entry
	langs      []string

	wordsOnce sync.Once
	words     map[string][]string
}

// Load reads the embedded catalogs.
func Load() (*Catalog, error) {
	c := &Catalog{
		bundle:     i18n.NewBundle(language.Indonesian),
		localizers: map[string]*i18n.Localizer{},
		entries:    map[string]map[string]Entry{},
	}
	c.bundle.RegisterUnmarshalFunc("toml", toml.Unmarshal)
	names, err := files.ReadDir(".")
	if err != nil {
		return nil, err
	}
	for _, f := range names {
		buf, err := files.ReadFile(f.Name())
		if err != nil {
			return nil, err
		}
		mf, err := c.bundle.ParseMessageFileBytes(buf, f.Name())
		if err != nil {
			return nil, fmt.Errorf("locales: %s: %w", f.Name(), err)
		}
		lang := strings.TrimSuffix(f.Name(), ".toml")
		entries := make(map[string]Entry, len(mf.Messages))
		for _, m := range mf.Messages {
			e, err := parseEntry(m)
			if err != nil {
				return nil, fmt.Errorf("locales: %s: %w", f.Name(), err)
			}
			entries[m.ID] = e
		}
		c.entries[lang] = entries
		c.langs = append(c.langs, lang)
		c.localizers[lang] = i18n.NewLocalizer(c.bundle, lang, Default)
	}
	sort.Strings(c.langs)
	if _, ok := c.entries[Default]; !ok {
		return nil, fmt.Errorf("locales: no catalog for the default language %q", Default)
	}
	return c, nil
}

func parseEntry(m *i18n.Message) (Entry, error) {
	e := Entry{Key: m.ID, Text: m.Other}
	kind, n, _ := strings.Cut(strings.TrimSpace(m.Description), " ")
	switch kind {
	case "sms":
		seg, err := strconv.Atoi(strings.Fields(n + " x")[0])
		if err != nil || seg < 1 {
			return e, fmt.Errorf("%s: description must start with \"sms N\", got %q", m.ID, m.Description)
		}
		e.Kind, e.Segments = kind, seg
	case "words", "format", "report":
		e.Kind = kind
	default:
		return e, fmt.Errorf("%s: description must start with \"sms N\", \"words\", \"format\" or \"report\", got %q", m.ID, m.Description)
	}
	return e, nil
}

// Languages lists the catalog languages, sorted.
func (c *Catalog) Languages() []string { return c.langs }

// Has reports whether lang has a catalog.
func (c *Catalog) Has(lang string) bool { _, ok := c.entries[lang]; return ok }

// Entries returns the entries of one language, sorted by key.
func (c *Catalog) Entries(lang string) []Entry {
	out := make([]Entry, 0, len(c.entries[lang]))
	for _, e := range c.entries[lang] {
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

// Text renders m in lang. A key missing from the catalog renders as the key itself, so
// that a mistake is visible in transcripts instead of sending an empty message; the
// catalog tests make sure no key is missing.
func (c *Catalog) Text(lang string, m Msg) string {
	loc, ok := c.localizers[lang]
	if !ok {
		loc = c.localizers[Default]
	}
	var data map[string]any
	if len(m.Data) > 0 {
		data = make(map[string]any, len(m.Data))
		for k, v := range m.Data {
			data[k] = c.value(lang, v)
		}
	}
	s, err := loc.Localize(&i18n.LocalizeConfig{MessageID: m.Key, TemplateData: data})
	if err != nil || s == "" {
		return m.Key
	}
	return s
}

func (c *Catalog) value(lang string, v any) any {
	switch v := v.(type) {
	case Msg:
		return c.Text(lang, v)
	case List:
		lines := make([]string, len(v))
		for i, item := range v {
			lines[i] = fmt.Sprint(c.value(lang, item))
		}
		return strings.Join(lines, "\n")
	case Numbered:
		return c.value(lang, NumberedFrom{First: 1, Items: v})
	case NumberedFrom:
		lines := make([]string, len(v.Items))
		for i, item := range v.Items {
			lines[i] = strconv.Itoa(v.First+i) + " " + fmt.Sprint(c.value(lang, item))
		}
		return strings.Join(lines, "\n")
	default:
		return v
	}
}

// Words returns every variant of a keyword list (a "words" entry, variants separated by
// "|") across all languages, upper-cased, so that a resident may use a keyword of any
// language whatever language they chose.
func (c *Catalog) Words(key string) []string {
	c.wordsOnce.Do(func() {
		c.words = map[string][]string{}
		for _, lang := range c.langs {
			for k, e := range c.entries[lang] {
				if e.Kind != "words" {
					continue
				}
				for _, w := range strings.Split(e.Text, "|") {
					if w = strings.ToUpper(strings.TrimSpace(w)); w != "" {
						c.words[k] = append(c.words[k], w)
					}
				}
			}
		}
	})
	return c.words[key]
}

// Format returns a "format" entry (such as a date layout) in lang.
func (c *Catalog) Format(lang, key string) string {
	if e, ok := c.entries[lang][key]; ok {
		return e.Text
	}
	return c.entries[Default][key].Text
}
