package store

import (
	"strings"

	"github.com/dinsospmd-bateng/silakso/bot/domain"
)

// OpenSQL and ClosedSQL select cases by those lists, in either SQL dialect.
var (
	OpenSQL   = `status IN (` + SQLList(domain.OpenStatuses) + `)`
	ClosedSQL = `status IN (` + SQLList(domain.ClosedStatuses) + `)`
)

// SQLList writes values as a list of SQL string literals ('a', 'b'), so that queries
// name the fixed domain lists (statuses, kinds) from these constants.
func SQLList[T ~string](values []T) string {
	var b strings.Builder
	for i, v := range values {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("'" + strings.ReplaceAll(string(v), "'", "''") + "'")
	}
	return b.String()
}
