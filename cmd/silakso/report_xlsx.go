package main

import (
	"archive/zip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/xuri/excelize/v2"
)

// xlsxSink writes the report as one workbook, a worksheet per sheet. Every sheet goes
// through excelize's StreamWriter, which keeps at most 16 MB of a sheet in memory and
// the rest in a temporary file, so that 100,000 cases do not sit in memory. Counts and
// hours are numbers; dates are text in WIB ("2006-01-02 15:04"), as in the other
// formats: they sort as they read, and no spreadsheet shifts them to its own zone or
// date order.
type xlsxSink struct {
	path string
	file *excelize.File
	sw   *excelize.StreamWriter
	// sheets counts the worksheets begun, rows the rows of the current one.
	sheets, rows int
	sheetName    string
	tmpDir       string
	// Styles: the header's, and numbers by their count of decimals.
	bold     int
	decimals map[int]int
}

func newXLSXSink(path string) (*xlsxSink, error) {
	dir := filepath.Dir(path)
	if info, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("xlsx: folder of %s: %w", path, err)
	} else if !info.IsDir() {
		return nil, fmt.Errorf("xlsx: %s is not a folder", dir)
	}
	// excelize's temporary files hold the cases in clear while the workbook is made:
	// next to the workbook, not in a shared /tmp.
	f := excelize.NewFile(excelize.Options{TmpDir: dir})
	s := &xlsxSink{path: path, file: f, decimals: map[int]int{}, tmpDir: dir}
	var err error
	if s.bold, err = f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}}); err != nil {
		f.Close()
		return nil, fmt.Errorf("xlsx: %w", err)
	}
	for _, places := range []int{1, 2} {
		format := "0." + strings.Repeat("0", places)
		if s.decimals[places], err = f.NewStyle(&excelize.Style{CustomNumFmt: &format}); err != nil {
			f.Close()
			return nil, fmt.Errorf("xlsx: %w", err)
		}
	}
	return s, nil
}

func (x *xlsxSink) beginSheet(s sheetSpec) error {
	var err error
	if x.sheets == 0 {
		// A new workbook comes with one empty sheet: it becomes the first, so that the
		// workbook opens on the summary.
		err = x.file.SetSheetName(x.file.GetSheetName(0), s.name)
	} else {
		_, err = x.file.NewSheet(s.name)
	}
	if err != nil {
		return fmt.Errorf("xlsx: sheet %q: %w", s.name, err)
	}
	x.sheets++
	x.sheetName = s.name
	if x.sw, err = x.file.NewStreamWriter(s.name); err != nil {
		return fmt.Errorf("xlsx: sheet %q: %w", s.name, err)
	}
	// Widths and the frozen header row must come before the first row.
	for i, w := range s.widths {
		if err := x.sw.SetColWidth(i+1, i+1, w); err != nil {
			return fmt.Errorf("xlsx: sheet %q: %w", s.name, err)
		}
	}
	if err := x.sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return fmt.Errorf("xlsx: sheet %q: %w", s.name, err)
	}
	header := make([]any, len(s.header))
	for i, h := range s.header {
		header[i] = excelize.Cell{StyleID: x.bold, Value: h}
	}
	x.rows = 0
	return x.setRow(header)
}

func (x *xlsxSink) row(cells []any) error {
	out := make([]any, len(cells))
	for i, v := range cells {
		switch v := v.(type) {
		case fixed:
			out[i] = excelize.Cell{StyleID: x.decimals[v.places], Value: v.rounded()}
		default:
			out[i] = v // strings as text (never formulas), ints as numbers, nil empty
		}
	}
	return x.setRow(out)
}

func (x *xlsxSink) setRow(cells []any) error {
	x.rows++
	cell, err := excelize.CoordinatesToCellName(1, x.rows)
	if err == nil {
		err = x.sw.SetRow(cell, cells)
	}
	if err != nil {
		return fmt.Errorf("xlsx: sheet %q row %d: %w", x.sheetName, x.rows, err)
	}
	return nil
}

func (x *xlsxSink) endSheet() error {
	if err := x.sw.Flush(); err != nil {
		return fmt.Errorf("xlsx: sheet %q: %w", x.sheetName, err)
	}
	return nil
}

// finish writes the workbook to a temporary file beside the target and renames it, so
// that a report that fails half way leaves no half workbook, and an earlier one with
// the same name stays until the new one is whole. The file is the operator's alone.
func (x *xlsxSink) finish() error {
	defer x.file.Close()
	tmp, err := os.CreateTemp(x.tmpDir, ".silakso-report-*.xlsx")
	if err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	defer os.Remove(tmp.Name()) // after the rename, there is nothing left to remove
	// excelize's Write zips the whole workbook into memory before copying it out (tens
	// of MB for 100,000 cases); its zip writer, pointed at the file, writes it there
	// directly, and what Write copies is empty. (Its only later touch of that buffer
	// marks entries over 4 GB, which a report never has.)
	x.file.SetZipWriter(func(io.Writer) excelize.ZipWriter { return zip.NewWriter(tmp) })
	if err := x.file.Write(io.Discard); err != nil {
		tmp.Close()
		return fmt.Errorf("xlsx: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	if err := os.Rename(tmp.Name(), x.path); err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	return nil
}

// discard drops the workbook and excelize's temporary files.
func (x *xlsxSink) discard() { x.file.Close() }
