package bot

import (
	"testing"

	"github.com/dinsospmd-bateng/silakso/locales"
)

// What residents write after the survey question, and how it is read.
func TestReadSurvey(t *testing.T) {
	cat, err := locales.Load()
	if err != nil {
		t.Fatal(err)
	}
	e := &Engine{shared: &shared{catalog: cat}}
	for _, c := range []struct {
		text  string
		reply surveyReply
		score int
		rest  string
	}{
		{"4", scored, 4, ""},
		{" 1. ", scored, 1, ""},
		{"nilai 3 pak", scored, 3, ""},
		{"Saya kasih 2", scored, 2, ""},
		{"4 bagus, petugasnya cepat", scored, 4, "bagus, petugasnya cepat"},
		{"3 ya pak", scored, 3, ""},
		{"sangat puas", scored, 4, ""},
		{"Baik pak", scored, 3, ""},
		{"kurang", scored, 2, ""},
		{"TIDAK PUAS", scored, 1, ""},
		{"5", notAScore, 0, ""},
		{"10", notAScore, 0, ""},
		{"0", notAScore, 0, ""},
		{"terima kasih pak", thanked, 0, ""},
		{"ok", thanked, 0, ""},
		{"👍", thanked, 0, ""},
		// Not for the survey: a ticket, a NIK, a sentence, a digit inside words.
		{"2600017", notForSurvey, 0, ""},
		{"1904014507850001", notForSurvey, 0, ""},
		{"kapan bantuan saya datang", notForSurvey, 0, ""},
		{"anak saya 3 orang", notForSurvey, 0, ""},
		{"", notForSurvey, 0, ""},
	} {
		reply, score, rest := e.readSurvey(c.text)
		if reply != c.reply || score != c.score || rest != c.rest {
			t.Errorf("%q: read %d %d %q, want %d %d %q", c.text, reply, score, rest, c.reply, c.score, c.rest)
		}
	}
}
