package store

import (
	"math"

	"github.com/dinsospmd-bateng/silakso/bot/domain"
)

// IKM is the Indeks Kepuasan Masyarakat of Permenpan RB 14/2017 from the survey's
// answers: each element's average score (nilai rata-rata, 1 to 4) is weighted by one
// over the number of elements and summed, and the sum times 25 is the index (25 to
// 100). SILAKSO asks one element, so the index is the average score times 25; more
// elements would each get their own tally, and the weights 1/n. ok is false when
// nobody answered.
func (t SurveyTally) IKM() (index float64, ok bool) {
	answers, sum := 0, 0
	for i, n := range t.Scores {
		answers += n
		sum += n * (i + domain.ScoreMin)
	}
	if answers == 0 {
		return 0, false
	}
	const elements = 1
	weighted := float64(sum) / float64(answers) / elements
	return weighted * 25, true
}

// IKMGrade is the regulation's grade of an index: A (sangat baik) from 88.31, B
// (baik) from 76.61, C (kurang baik) from 65.00, D (tidak baik) below; the label is
// the catalog's key report.grade_<grade>.
func IKMGrade(index float64) string {
	// Graded as shown: an index of 88.305 reads 88.31, and is an A.
	index = math.Round(index*100) / 100
	switch {
	case index >= 88.31:
		return "A"
	case index >= 76.61:
		return "B"
	case index >= 65:
		return "C"
	}
	return "D"
}
