package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"unicode/utf8"
)

// tableSink prints the report on a terminal: each sheet a titled section of aligned
// columns, one after another. A section is aligned as a whole, so its lines are held
// until it ends; a long cases section is better asked for as csv or xlsx.
type tableSink struct {
	out    io.Writer
	tw     *tabwriter.Writer
	sheets int
}

func newTableSink(out io.Writer) *tableSink { return &tableSink{out: out} }

func (t *tableSink) beginSheet(s sheetSpec) error {
	if t.sheets > 0 {
		fmt.Fprintln(t.out)
	}
	t.sheets++
	fmt.Fprintf(t.out, "%s\n%s\n", s.name, strings.Repeat("=", utf8.RuneCountInString(s.name)))
	t.tw = tabwriter.NewWriter(t.out, 0, 4, 2, ' ', 0)
	return t.line(s.header)
}

func (t *tableSink) row(cells []any) error {
	text := make([]string, len(cells))
	for i, c := range cells {
		text[i] = cellText(c)
	}
	return t.line(text)
}

// cleanCell keeps a resident's text from breaking the layout: tabs and line breaks
// become spaces.
var cleanCell = strings.NewReplacer("\t", " ", "\n", " ", "\r", " ")

func (t *tableSink) line(cells []string) error {
	for i, c := range cells {
		cells[i] = cleanCell.Replace(c)
	}
	// Empty cells at the end would only pad the line with spaces.
	for len(cells) > 0 && cells[len(cells)-1] == "" {
		cells = cells[:len(cells)-1]
	}
	if _, err := io.WriteString(t.tw, strings.Join(cells, "\t")+"\n"); err != nil {
		return fmt.Errorf("table: %w", err)
	}
	return nil
}

func (t *tableSink) endSheet() error {
	if err := t.tw.Flush(); err != nil {
		return fmt.Errorf("table: %w", err)
	}
	return nil
}

func (t *tableSink) finish() error { return nil }

func (t *tableSink) discard() {}
