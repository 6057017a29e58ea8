package bot_test

import (
	"context"
	"testing"

	"github.com/dinsospmd-bateng/silakso/bot"
)

// Every case records the privacy notice its resident was shown, and when: for a
// request and for a question alike, whatever the resident first wrote.
func TestCasesRecordTheNotice(t *testing.T) {
	h := newHarnessForScript(t, "> halo\n> 1\n> 1\n> Siti Aminah\n> 0\n> 1\n> 6\n> Dusun 2 RT 03\n> 1\n> Suami sakit, beras habis.\n> YA\n"+
		"/from +6281299990000\n> CEK 2600017\n> 4\n> Kapan bantuan beras dibagi di desa kami?\n")
	for _, from := range []string{"+6281234567890", "+6281299990000"} {
		cases, err := h.db.CasesByFiler(context.Background(), from, 1)
		if err != nil || len(cases) != 1 {
			t.Fatalf("%s: %v, %v", from, cases, err)
		}
		if c := cases[0]; c.Notice != bot.NoticeVersion || c.NoticeAt.IsZero() || c.NoticeAt.After(c.FiledAt) {
			t.Errorf("%s: notice %q at %v, filed %v", from, c.Notice, c.NoticeAt, c.FiledAt)
		}
	}
}
