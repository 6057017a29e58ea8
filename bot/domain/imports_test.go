package domain_test

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/dinsospmd-bateng/silakso/"

// The layers hold: the domain imports nothing of this repository; the channel
// adapters import only the domain and the channels' own packages (never the engine,
// the dialogs or the stores); the dialogs import only the domain and the locales.
// Tests, and the test-support packages (named ...test), may reach further: they run
// adapters against real stores and engines.
func TestLayers(t *testing.T) {
	allowed := map[string][]string{
		"bot/domain": nil,
		"channels":   {"bot/domain", "channels"},
		"dialogs":    {"bot/domain", "dialogs", "locales"},
	}
	root := filepath.Join("..", "..")
	checked := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		dir := filepath.ToSlash(filepath.Dir(rel))
		if strings.HasSuffix(filepath.Base(dir), "test") {
			return nil
		}
		var rule []string
		found := false
		for layer, may := range allowed {
			if dir == layer || strings.HasPrefix(dir, layer+"/") {
				rule, found = may, true
			}
		}
		if !found {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		checked++
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if !strings.HasPrefix(p, module) {
				continue
			}
			ours := strings.TrimPrefix(p, module)
			ok := false
			for _, may := range rule {
				ok = ok || ours == may || strings.HasPrefix(ours, may+"/")
			}
			if !ok {
				t.Errorf("%s imports %s", rel, ours)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 20 {
		t.Fatalf("only %d files checked: the walk did not find the repository", checked)
	}
}
