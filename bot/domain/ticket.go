package domain

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Ticket errors, so a status reply can tell a typo from an unknown ticket.
var (
	ErrTicketFormat   = errors.New("domain: not a ticket number")
	ErrTicketMistyped = errors.New("domain: ticket check digit does not match")
)

// damm is the quasigroup table of the Damm algorithm. Its check digit catches every
// single wrong digit and every swap of two neighbouring digits, the two mistakes people
// make typing numbers on a keypad, with one digit and no letters.
var damm = [10][10]byte{
	{0, 3, 1, 7, 5, 9, 8, 6, 4, 2},
	{7, 0, 9, 2, 1, 5, 4, 8, 6, 3},
	{4, 2, 0, 6, 8, 7, 1, 3, 5, 9},
	{1, 7, 5, 0, 9, 8, 3, 4, 2, 6},
	{6, 1, 2, 3, 0, 4, 5, 9, 7, 8},
	{3, 6, 7, 4, 2, 0, 9, 5, 8, 1},
	{5, 8, 6, 9, 7, 2, 0, 1, 3, 4},
	{8, 9, 4, 5, 3, 6, 2, 0, 1, 7},
	{9, 4, 3, 8, 6, 1, 7, 2, 0, 5},
	{2, 5, 8, 1, 4, 3, 6, 7, 9, 0},
}

// dammDigit returns the interim digit of a digit string; appending it makes the result 0.
func dammDigit(digits string) byte {
	var interim byte
	for i := 0; i < len(digits); i++ {
		interim = damm[interim][digits[i]-'0']
	}
	return interim
}

// NewTicket makes the ticket of the seq-th case, filed at t: two digits of the year,
// the sequence (at least four digits), and a check digit. Sequence numbers are unique,
// so tickets are too; the year only helps people read them. Example: 2600017.
func NewTicket(t time.Time, seq int64) string {
	body := fmt.Sprintf("%02d%04d", t.Year()%100, seq)
	return body + string('0'+dammDigit(body))
}

// ParseTicket turns what someone typed ("2600017", "26-0001-7", "#26 0001 7",
// "SLK2600017") into the canonical ticket, or says why it is not one.
func ParseTicket(s string) (string, error) {
	t := strings.ToUpper(strings.TrimSpace(s))
	t = strings.TrimLeft(t, "#ABCDEFGHIJKLMNOPQRSTUVWXYZ:. ")
	var b strings.Builder
	for _, r := range t {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '-' || r == ' ' || r == '.' || r == '/':
		default:
			return "", ErrTicketFormat
		}
	}
	digits := b.String()
	if len(digits) < 7 || len(digits) > 14 {
		return "", ErrTicketFormat
	}
	if dammDigit(digits) != 0 {
		return "", ErrTicketMistyped
	}
	return digits, nil
}
