package locales_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// goStrings returns the string literals of the project's non-test Go files outside
// locales, by file.
func goStrings(t *testing.T) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		// Test-support packages (storetest, twiliotest, bottest) type what residents type;
		// like testdata, their Indonesian is input, not text the bot says.
		if d.IsDir() && (d.Name() == "testdata" || d.Name() == "locales" || strings.HasSuffix(d.Name(), "test") ||
			strings.HasPrefix(d.Name(), ".") && d.Name() != "..") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
				if s, err := strconv.Unquote(lit.Value); err == nil {
					out[path] = append(out[path], s)
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) == 0 {
		t.Fatal("no Go files found")
	}
	return out
}

// Words that only Indonesian text has. Identifiers the design fixes (status values such
// as "baru", "selesai", the role "petugas") are data, not text, and are not listed.
var indonesian = regexp.MustCompile(`(?i)\b(anda|silakan|balas|tidak|permohonan|bantuan|kirim|nomor|terima kasih|maaf|pilih|tulis|ketik|pengajuan|lanjutkan|sedang)\b`)

func TestNoIndonesianInGo(t *testing.T) {
	for path, strs := range goStrings(t) {
		for _, s := range strs {
			// Single words are identifiers (the role "petugas", the status "baru"): data the
			// design names, not text. Text has at least two words.
			if strings.Contains(strings.TrimSpace(s), " ") && indonesian.MatchString(s) {
				t.Errorf("%s: Indonesian text belongs in locales: %q", path, s)
			}
		}
	}
}

var keyLiteral = regexp.MustCompile(`^[a-z_]+(\.[a-z_]+)+\.?$`)

// Every message key written in Go exists in every catalog. Keys built at run time
// ("need." + code) are covered by the transcripts, which fail on an unrendered key.
func TestKeysUsedInGoExist(t *testing.T) {
	c := load(t)
	// Every section of the catalogs, so that a key of any of them (officer.*, push.*,
	// survey.*, ...) written in Go is checked, and a new section is without a list to
	// keep up to date.
	known, sections := map[string]bool{}, map[string]bool{}
	for _, e := range c.Entries("id") {
		known[e.Key] = true
		sections[strings.Split(e.Key, ".")[0]] = true
	}
	used := 0
	for path, strs := range goStrings(t) {
		for _, s := range strs {
			if !keyLiteral.MatchString(s) || !sections[strings.Split(s, ".")[0]] {
				continue
			}
			used++
			if strings.HasSuffix(s, ".") || strings.HasSuffix(s, "_") {
				// A key's start, completed at run time ("word.opt_" + list + "_1"): some
				// key must start so.
				found := false
				for k := range known {
					found = found || strings.HasPrefix(k, s)
				}
				if !found {
					t.Errorf("%s builds message keys from %q, and no catalog key starts so", path, s)
				}
				continue
			}
			if !known[s] {
				t.Errorf("%s uses message key %q, which no catalog has", path, s)
			}
		}
	}
	if used < 30 {
		t.Fatalf("only %d message keys found in Go code; is the scan broken?", used)
	}
}
