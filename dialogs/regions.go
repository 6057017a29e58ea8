package dialogs

import (
	"bytes"
	_ "embed"
	"encoding/csv"
	"fmt"
	"strings"
)

// wilayah.csv holds the Kemendagri codes of the 6 kecamatan and 63 desa/kelurahan of
// Kabupaten Bangka Tengah (docs/architecture.md, Regions).
//
//go:embed wilayah.csv
var wilayahCSV []byte

// Desa is a desa or kelurahan.
type Desa struct {
	// Code is the Kemendagri code, e.g. 19.04.01.2003.
	Code      string
	Name      string
	Kecamatan string
	Kelurahan bool
}

// Kecamatan is a district with its villages in the official order.
type Kecamatan struct {
	Code string
	Name string
	Desa []Desa
}

// Regions is the administrative map the intake asks about.
type Regions struct {
	Kecamatan []Kecamatan
	byCode    map[string]Desa
}

// LoadRegions reads the embedded list.
func LoadRegions() (*Regions, error) {
	rows, err := csv.NewReader(bytes.NewReader(wilayahCSV)).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("dialogs: wilayah.csv: %w", err)
	}
	r := &Regions{byCode: map[string]Desa{}}
	index := map[string]int{}
	for i, row := range rows {
		if i == 0 {
			continue
		}
		if len(row) != 4 || len(row[0]) != len("19.04.01.2003") {
			return nil, fmt.Errorf("dialogs: wilayah.csv line %d: want code,kecamatan,desa,type", i+1)
		}
		d := Desa{Code: row[0], Kecamatan: row[1], Name: row[2], Kelurahan: row[3] == "kelurahan"}
		k, ok := index[d.Kecamatan]
		if !ok {
			k = len(r.Kecamatan)
			index[d.Kecamatan] = k
			r.Kecamatan = append(r.Kecamatan, Kecamatan{Code: d.Code[:8], Name: d.Kecamatan})
		}
		r.Kecamatan[k].Desa = append(r.Kecamatan[k].Desa, d)
		r.byCode[d.Code] = d
	}
	return r, nil
}

// Desa looks a village up by its code.
func (r *Regions) Desa(code string) (Desa, bool) {
	d, ok := r.byCode[code]
	return d, ok
}

// KecamatanByName finds a district by its exact name.
func (r *Regions) KecamatanByName(name string) (Kecamatan, bool) {
	for _, k := range r.Kecamatan {
		if strings.EqualFold(k.Name, name) {
			return k, true
		}
	}
	return Kecamatan{}, false
}
