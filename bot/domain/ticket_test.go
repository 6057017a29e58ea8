package domain

import (
	"errors"
	"testing"
	"time"
)

func TestNewTicket(t *testing.T) {
	at := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		seq  int64
		want string
	}{
		{1, "2600017"},
		{17, "2600171"},
		{12345, "26123455"},
	}
	for _, tt := range tests {
		got := NewTicket(at, tt.seq)
		if got != tt.want {
			t.Errorf("NewTicket(%d) = %s, want %s", tt.seq, got, tt.want)
		}
		if _, err := ParseTicket(got); err != nil {
			t.Errorf("ParseTicket(%s): %v", got, err)
		}
	}
}

func TestParseTicketForms(t *testing.T) {
	tests := []struct {
		in   string
		want string
		err  error
	}{
		{"2600017", "2600017", nil},
		{"26-0001-7", "2600017", nil},
		{" #26 0001 7 ", "2600017", nil},
		{"SLK2600017", "2600017", nil},
		{"tiket: 2600017", "2600017", nil},
		{"2600015", "", ErrTicketMistyped},
		{"12345", "", ErrTicketFormat},
		{"26OO014", "", ErrTicketFormat},
		{"", "", ErrTicketFormat},
		{"'; DROP TABLE cases;--", "", ErrTicketFormat},
	}
	for _, tt := range tests {
		got, err := ParseTicket(tt.in)
		if got != tt.want || !errors.Is(err, tt.err) {
			t.Errorf("ParseTicket(%q) = %q, %v; want %q, %v", tt.in, got, err, tt.want, tt.err)
		}
	}
}

// Every single wrong digit and every swap of two different neighbouring digits must be
// caught, for a spread of tickets across sequence lengths and years.
func TestTicketCatchesTypos(t *testing.T) {
	checked := 0
	for year := 2024; year <= 2040; year += 4 {
		for seq := int64(1); seq < 200000; seq = seq*3 + 7 {
			ticket := NewTicket(time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC), seq)
			b := []byte(ticket)
			for i := range b {
				orig := b[i]
				for d := byte('0'); d <= '9'; d++ {
					if d == orig {
						continue
					}
					b[i] = d
					if _, err := ParseTicket(string(b)); !errors.Is(err, ErrTicketMistyped) {
						t.Fatalf("%s with digit %d changed to %c: err %v", ticket, i, d, err)
					}
					checked++
				}
				b[i] = orig
			}
			for i := 0; i+1 < len(b); i++ {
				if b[i] == b[i+1] {
					continue
				}
				b[i], b[i+1] = b[i+1], b[i]
				if _, err := ParseTicket(string(b)); !errors.Is(err, ErrTicketMistyped) {
					t.Fatalf("%s with digits %d,%d swapped: err %v", ticket, i, i+1, err)
				}
				b[i], b[i+1] = b[i+1], b[i]
				checked++
			}
		}
	}
	if checked < 1000 {
		t.Fatalf("only %d typos checked", checked)
	}
}

func FuzzParseTicket(f *testing.F) {
	for _, s := range []string{"2600017", "26-0001-7", "#26 0001 7", "SLK2600017", "", "abc", "9999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseTicket(s)
		if err != nil {
			return
		}
		// Whatever parses is canonical and parses to itself.
		again, err := ParseTicket(got)
		if err != nil || again != got {
			t.Fatalf("ParseTicket(%q) = %q, reparse %q, %v", s, got, again, err)
		}
	})
}
