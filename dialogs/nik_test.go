package dialogs

import (
	"errors"
	"testing"
)

var noNIK = []string{"0", "TIDAK PUNYA", "NONE"}

func TestParseNIK(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		reject string // message key, "" for accepted
		female bool
		local  bool
	}{
		{"man, Koba", "1904010101850001", "", false, true},
		{"woman: day + 40", "1904014501850001", "", true, true},
		{"woman on the 31st", "1904017112850001", "", true, true},
		{"spaces dots dashes", "1904.0145-0185 0001", "", true, true},
		{"outside Bangka Tengah is accepted", "3171010101900001", "", false, false},
		{"leap day in a leap year", "1904012902840001", "", false, true},
		{"leap day of a woman", "1904016902000001", "", true, true},
		{"leap day in a common year", "1904012902850001", "error.nik_date", false, false},
		{"31 April", "1904013104850001", "error.nik_date", false, false},
		{"day 32", "1904013201850001", "error.nik_date", false, false},
		{"day 00", "1904010001850001", "error.nik_date", false, false},
		{"day 40 (woman day 0)", "1904014001850001", "error.nik_date", false, false},
		{"day 72 (woman day 32)", "1904017201850001", "error.nik_date", false, false},
		{"month 13", "1904010113850001", "error.nik_date", false, false},
		{"month 00", "1904010100850001", "error.nik_date", false, false},
		{"serial 0000", "1904010101850000", "error.nik_serial", false, false},
		{"province 99", "9904010101850001", "error.nik_region", false, false},
		{"province 20", "2004010101850001", "error.nik_region", false, false},
		{"regency 00", "1900010101850001", "error.nik_region", false, false},
		{"district 00", "1904000101850001", "error.nik_region", false, false},
		{"15 digits", "190401010185000", "error.nik_length", false, false},
		{"17 digits", "19040101018500011", "error.nik_length", false, false},
		{"letters", "19040101018500O1", "error.nik_digits", false, false},
		{"empty", "", "error.nik_digits", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			nik, err := ParseNIK(tt.in, noNIK)
			if tt.reject == "" {
				if err != nil {
					t.Fatalf("rejected: %v", err)
				}
				if nik.Female != tt.female || nik.Local != tt.local || len(nik.Number) != 16 {
					t.Fatalf("got %+v", nik)
				}
				return
			}
			var ie *InputError
			if !errors.As(err, &ie) || ie.Msg.Key != tt.reject {
				t.Fatalf("err = %v, want %s", err, tt.reject)
			}
		})
	}
}

func TestParseNIKWithout(t *testing.T) {
	for _, in := range []string{"0", "tidak punya", " Tidak  Punya. ", "none"} {
		nik, err := ParseNIK(in, noNIK)
		if err != nil || !nik.Missing || nik.Number != "" {
			t.Errorf("ParseNIK(%q) = %+v, %v", in, nik, err)
		}
	}
}

func TestMaskNIK(t *testing.T) {
	if got := MaskNIK("1904014507850001"); got != "1904**********01" {
		t.Fatalf("MaskNIK = %s", got)
	}
	if got := MaskNIK("123"); got != "***" {
		t.Fatalf("MaskNIK(short) = %s", got)
	}
}

// Every day of every month, for men and women, in a leap and a common year.
func TestValidBirthDateCalendar(t *testing.T) {
	days := []int{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}
	for _, yy := range []int{0, 84, 85, 99} {
		for m := 1; m <= 12; m++ {
			last := days[m-1]
			if m == 2 && yy%4 == 0 {
				last = 29
			}
			for d := 0; d <= 32; d++ {
				want := d >= 1 && d <= last
				if got := validBirthDate(d, m, yy); got != want {
					t.Errorf("validBirthDate(%d, %d, %02d) = %v, want %v", d, m, yy, got, want)
				}
			}
		}
	}
}

// A NIK is masked however it is written inside a text: in a row, or grouped with
// spaces, dots or dashes as people copy it from a KTP. Phone numbers are left alone.
func TestMaskNIKs(t *testing.T) {
	for in, want := range map[string]string{
		"NIK 1904014507850002 hilang":             "NIK 1904**********02 hilang",
		"NIK suami 1904 0145 0785 0002 ya pak":    "NIK suami 1904**********02 ya pak",
		"1904.0145.0785.0002":                     "1904**********02",
		"no 19-04-01-45-07-85-00-02":              "no 1904**********02",
		"hubungi 0812-3456-7890 atau 08123456789": "hubungi 0812-3456-7890 atau 08123456789",
		"RT 03 RW 01":                             "RT 03 RW 01",
	} {
		if got := MaskNIKs(in); got != want {
			t.Errorf("MaskNIKs(%q) = %q, want %q", in, got, want)
		}
	}
}
