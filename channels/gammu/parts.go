package gammu

import (
	"encoding/hex"
	"sort"
	"strings"
	"unicode/utf16"
)

// concat is where one part sits in a concatenated SMS, from its user data header.
type concat struct {
	ref, total, seq int
}

// parseConcat reads the concatenation element of a user data header written as hex, as
// Gammu stores it: element 00 (8-bit reference) or 08 (16-bit reference). ok is false
// for a message that is not part of a concatenated one.
func parseConcat(udh string) (c concat, ok bool) {
	b, err := hex.DecodeString(udh)
	if err != nil || len(b) < 1 || int(b[0]) > len(b)-1 {
		return concat{}, false
	}
	ies := b[1 : 1+int(b[0])]
	for len(ies) >= 2 {
		id, n := ies[0], int(ies[1])
		if len(ies) < 2+n {
			return concat{}, false
		}
		data := ies[2 : 2+n]
		switch {
		case id == 0x00 && n == 3:
			c = concat{ref: int(data[0]), total: int(data[1]), seq: int(data[2])}
		case id == 0x08 && n == 4:
			c = concat{ref: int(data[0])<<8 | int(data[1]), total: int(data[2]), seq: int(data[3])}
		default:
			ies = ies[2+n:]
			continue
		}
		if c.total < 1 || c.seq < 1 || c.seq > c.total {
			return concat{}, false
		}
		return c, true
	}
	return concat{}, false
}

// row is one inbox row: a whole SMS, or one part of a concatenated one.
type row struct {
	ID          int64
	Sender      string
	UDH         string
	Coding      string
	Text        string // hex, as Gammu stores it
	TextDecoded string
	// Age is how long ago Gammu stored it, by the database's clock.
	AgeSeconds float64
}

// text is the row's text and whether it is binary (8-bit data: a picture, a ringtone,
// an operator's configuration message), which has no text for a turn.
func (r row) text() (string, bool) {
	if r.Coding == "8bit" {
		return "", true
	}
	// Gammu keeps each part's own text in Text as UTF-16 in hex; TextDecoded holds the
	// whole message on the first part only.
	if b, err := hex.DecodeString(r.Text); err == nil && len(b) > 0 && len(b)%2 == 0 {
		u := make([]uint16, len(b)/2)
		for i := range u {
			u[i] = uint16(b[2*i])<<8 | uint16(b[2*i+1])
		}
		return string(utf16.Decode(u)), false
	}
	return r.TextDecoded, false
}

// message is what one turn gets: a whole SMS, or the parts of a concatenated one that
// belong together.
type message struct {
	// ID is the claimed row's: the message is known by it, and a delivery of it again
	// (after a crash) is recognised by it.
	ID   int64
	rows []row // in part order
	// repeats are copies of a part the network delivered twice: processed with the
	// message, not read.
	repeats []int64
	// Complete is false when parts are missing.
	Complete bool
}

// assemble collects the parts of head's message from later rows of the same sender.
// A row that is not a part, or the only part, is a message by itself.
func assemble(head row, later []row) message {
	c, ok := parseConcat(head.UDH)
	if !ok || c.total == 1 {
		return message{ID: head.ID, rows: []row{head}, Complete: true}
	}
	bySeq := map[int]row{c.seq: head}
	var repeats []int64
	for _, r := range later {
		if r.Sender != head.Sender {
			continue
		}
		rc, ok := parseConcat(r.UDH)
		if !ok || rc.ref != c.ref || rc.total != c.total {
			continue
		}
		if _, dup := bySeq[rc.seq]; !dup {
			bySeq[rc.seq] = r
		} else {
			repeats = append(repeats, r.ID)
		}
	}
	seqs := make([]int, 0, len(bySeq))
	for s := range bySeq {
		seqs = append(seqs, s)
	}
	sort.Ints(seqs)
	m := message{ID: head.ID, Complete: len(seqs) == c.total, repeats: repeats}
	for _, s := range seqs {
		m.rows = append(m.rows, bySeq[s])
	}
	return m
}

// Text joins the parts' texts; binary reports whether any part was 8-bit data.
func (m message) Text() (text string, binary bool) {
	var b strings.Builder
	for _, r := range m.rows {
		t, bin := r.text()
		binary = binary || bin
		if !m.Complete && b.Len() > 0 && t != "" {
			// A part is missing between or after these: keep the words apart.
			b.WriteByte(' ')
		}
		b.WriteString(t)
	}
	return b.String(), binary
}

// IDs are the inbox rows the message was made of.
func (m message) IDs() []int64 {
	ids := make([]int64, 0, len(m.rows)+len(m.repeats))
	for _, r := range m.rows {
		ids = append(ids, r.ID)
	}
	return append(ids, m.repeats...)
}
