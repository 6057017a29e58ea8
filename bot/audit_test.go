package bot_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/dinsospmd-bateng/silakso/bot/domain"
)

// Every officer action on a case is on its audit trail: who, what, from and to.
func TestOfficerActionsAreAudited(t *testing.T) {
	script, err := os.ReadFile("testdata/transcripts/officer_basics.txt")
	if err != nil {
		t.Fatal(err)
	}
	h := newHarnessForScript(t, string(script))
	c, err := h.db.CaseByTicket(context.Background(), "2600017")
	if err != nil {
		t.Fatal(err)
	}
	events, err := h.db.Events(context.Background(), c.ID)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range events {
		got = append(got, e.Kind+":"+string(e.From)+">"+string(e.To)+"@"+e.Actor)
	}
	want := []string{
		"filed:>baru@+6281234567890",
		"view:>@+6281100000001",
		"assign:baru>baru@+6281100000001",
		"status:baru>diproses@+6281100000001",
		"reply:>@+6281100000001",
		"note:>@+6281100000001",
		"view:>@+6281100000001",
		"status:diproses>selesai@+6281100000001",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("audit trail:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if events[5].Note != "Rumah sudah disurvei, layak dibantu sembako." || c.Status != domain.StatusDone || c.AssignedTo != "+6281100000001" {
		t.Fatalf("note %q, case %+v", events[5].Note, c)
	}
}
