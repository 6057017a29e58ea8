package store_test

import (
	"math"
	"testing"

	"github.com/dinsospmd-bateng/silakso/store"
)

func TestIKM(t *testing.T) {
	for _, c := range []struct {
		scores [4]int
		index  float64
		grade  string
	}{
		{[4]int{0, 0, 0, 3}, 100, "A"},
		{[4]int{1, 0, 0, 0}, 25, "D"},
		{[4]int{0, 1, 0, 1}, 75, "C"},   // (2+4)/2 = 3.0 -> 75
		{[4]int{0, 0, 1, 1}, 87.5, "B"}, // 3.5 -> 87.5
		{[4]int{0, 0, 3, 7}, 92.5, "A"}, // 3.7 -> 92.5
		{[4]int{0, 3, 1, 0}, 56.25, "D"},
	} {
		got, ok := store.SurveyTally{Scores: c.scores}.IKM()
		if !ok || math.Abs(got-c.index) > 1e-9 || store.IKMGrade(got) != c.grade {
			t.Errorf("%v: IKM %v %v grade %s, want %v %s", c.scores, got, ok, store.IKMGrade(got), c.index, c.grade)
		}
	}
	if _, ok := (store.SurveyTally{Asked: 5}).IKM(); ok {
		t.Error("an index without answers")
	}
	// The regulation's bounds.
	for v, g := range map[float64]string{88.31: "A", 88.305: "A", 88.30: "B", 76.61: "B", 76.60: "C", 65: "C", 64.99: "D", 64.994: "D"} {
		if store.IKMGrade(v) != g {
			t.Errorf("grade of %v = %s, want %s", v, store.IKMGrade(v), g)
		}
	}
}
