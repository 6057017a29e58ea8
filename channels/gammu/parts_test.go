package gammu

import (
	"strings"
	"testing"
)

func TestParseConcat(t *testing.T) {
	for udh, want := range map[string]concat{
		"050003AB0301":             {0xAB, 3, 1},
		"050003ab0303":             {0xAB, 3, 3},
		"0608041234020002":         {}, // seq 0: not a part
		"06080412340201":           {0x1234, 2, 1},
		"0B0504158200000003AB0302": {0xAB, 3, 2}, // a port element first
	} {
		got, ok := parseConcat(udh)
		if ok != (want != concat{}) || got != want {
			t.Errorf("parseConcat(%s) = %+v, %v; want %+v", udh, got, ok, want)
		}
	}
	for _, udh := range []string{"", "zz", "05", "0500", "0700030102"} {
		if c, ok := parseConcat(udh); ok {
			t.Errorf("parseConcat(%q) = %+v, want not a part", udh, c)
		}
	}
}

func TestAssemble(t *testing.T) {
	hexText := func(s string) string {
		out := ""
		for _, r := range s {
			out += "00" + string("0123456789ABCDEF"[r>>4]) + string("0123456789ABCDEF"[r&15])
		}
		return out
	}
	head := row{ID: 5, Sender: "+62812", UDH: "050003AB0301", Coding: "Default_No_Compression", Text: hexText("Tolong ")}
	later := []row{
		{ID: 6, Sender: "+62812", UDH: "050003AB0303", Coding: "Default_No_Compression", Text: hexText("sakit.")},
		{ID: 7, Sender: "+62812", UDH: "050003CD0201", Coding: "Default_No_Compression", Text: hexText("other message")},
		{ID: 8, Sender: "+62899", UDH: "050003AB0302", Coding: "Default_No_Compression", Text: hexText("other sender")},
		{ID: 9, Sender: "+62812", UDH: "050003AB0302", Coding: "Default_No_Compression", Text: hexText("pak, suami ")},
	}
	m := assemble(head, later)
	if text, _ := m.Text(); !m.Complete || text != "Tolong pak, suami sakit." {
		t.Errorf("assembled %q (complete %v)", text, m.Complete)
	}
	if ids := m.IDs(); len(ids) != 3 || ids[0] != 5 || ids[1] != 9 || ids[2] != 6 {
		t.Errorf("rows %v, want 5 9 6", ids)
	}
	// The network delivers part 2 twice: one message, the copy processed with it.
	m = assemble(head, append(later, row{ID: 10, Sender: "+62812", UDH: "050003AB0302", Coding: "Default_No_Compression", Text: hexText("pak, suami ")}))
	if text, _ := m.Text(); text != "Tolong pak, suami sakit." || len(m.IDs()) != 4 || m.IDs()[3] != 10 {
		t.Errorf("with a part twice: %q, rows %v", text, m.IDs())
	}
	m = assemble(head, later[:1])
	if text, _ := m.Text(); m.Complete || text != "Tolong  sakit." {
		t.Errorf("with a part missing: %q (complete %v)", text, m.Complete)
	}
	bin := row{ID: 1, Coding: "8bit", Text: "DEADBEEF"}
	if text, binary := assemble(bin, nil).Text(); text != "" || !binary {
		t.Errorf("8-bit message: %q, binary %v", text, binary)
	}
}

func TestShape(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
		parts          int
		ucs2           bool
	}{
		{"typographic", "\u201cYa\u201d \u2013 ok\u2026", "\"Ya\" - ok...", 1, false},
		{"emoji dropped", "Terima kasih \U0001F64F", "Terima kasih ", 1, false},
		{"a name in another script kept", "Nama: Zhang 张伟", "Nama: Zhang 张伟", 1, true},
		{"ten parts at most, by septets", strings.Repeat("{x} ", 400), "", 10, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, parts, ucs2 := shape(tc.in)
			if tc.want != "" && s != tc.want || len(parts) != tc.parts || ucs2 != tc.ucs2 {
				t.Errorf("shape = %q, %d parts, ucs2 %v", s, len(parts), ucs2)
			}
			if strings.Join(parts, "") != s {
				t.Error("parts do not join to the text")
			}
		})
	}
}
