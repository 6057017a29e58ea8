package main

import (
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"unicode"
)

// csvSink writes one CSV file per sheet into a folder: 01-<sheet>.csv, 02-..., in
// report order, so that a file browser lists them as the report reads. Files are
// UTF-8, comma-separated, numbers with a decimal point, for tools rather than for
// double-clicking (a spreadsheet set to Indonesian expects semicolons: use xlsx).
type csvSink struct {
	dir    string
	sheets int
	file   *os.File
	w      *csv.Writer
}

// newCSVSink makes the folder if needed. It and its files are the operator's alone:
// the cases sheet names residents.
func newCSVSink(dir string) (*csvSink, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("csv folder: %w", err)
	}
	// A folder that was there keeps its mode: it is made the operator's alone too.
	if err := os.Chmod(dir, 0o700); err != nil {
		return nil, fmt.Errorf("csv folder: %w", err)
	}
	return &csvSink{dir: dir}, nil
}

// csvFileName is a sheet's file: its number and its name in lower case, words joined
// by dashes ("05-jenis-bantuan.csv").
func csvFileName(n int, sheet string) string {
	words := strings.FieldsFunc(strings.ToLower(sheet), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	return fmt.Sprintf("%02d-%s.csv", n, strings.Join(words, "-"))
}

func (c *csvSink) beginSheet(s sheetSpec) error {
	c.sheets++
	path := filepath.Join(c.dir, csvFileName(c.sheets, s.name))
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err == nil {
		// A file that was there keeps its mode when truncated: made owner-only too.
		err = f.Chmod(0o600)
	}
	if err != nil {
		return fmt.Errorf("csv: %w", err)
	}
	c.file, c.w = f, csv.NewWriter(f)
	return c.write(s.header)
}

func (c *csvSink) row(cells []any) error {
	text := make([]string, len(cells))
	for i, v := range cells {
		text[i] = cellText(v)
		if _, isText := v.(string); isText {
			text[i] = defuseFormula(text[i])
		}
	}
	return c.write(text)
}

// defuseFormula keeps a spreadsheet from running text as a formula: a resident who
// types "=HYPERLINK(...)" as their name gets it shown, not run, when the office opens
// the file (the usual quote prefix). A sign before digits only (an officer's number,
// "-" for no value) is a number at worst, and stays as it is.
func defuseFormula(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '@', '\t', '\r':
		return "'" + s
	case '+', '-':
		if strings.TrimLeft(s[1:], "0123456789") != "" {
			return "'" + s
		}
	}
	return s
}

func (c *csvSink) write(cells []string) error {
	if err := c.w.Write(cells); err != nil {
		return fmt.Errorf("csv %s: %w", c.file.Name(), err)
	}
	return nil
}

func (c *csvSink) endSheet() error {
	c.w.Flush()
	err := c.w.Error()
	if cerr := c.file.Close(); err == nil {
		err = cerr
	}
	c.file = nil
	if err != nil {
		return fmt.Errorf("csv: %w", err)
	}
	return nil
}

func (c *csvSink) finish() error { return nil }

// discard closes the file being written; the files already written stay, each whole.
func (c *csvSink) discard() {
	if c.file != nil {
		c.file.Close()
		c.file = nil
	}
}
