package gammu

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
)

// dialect is what differs between Gammu's PostgreSQL and SQLite schemas, and between
// the two engines, for the statements here. Statements are written for PostgreSQL
// (quoted CamelCase names work in both) and rebound for SQLite.
type dialect struct {
	sqlite bool
	// yes and no are Gammu's truth values: booleans in PostgreSQL, the text 'true' and
	// 'false' in SQLite (inbox.Processed, outbox.MultiPart).
	yes, no any
	// age is the seconds since a row's "UpdatedInDB", by the database's clock.
	age string
	// since is the database's time the given number of seconds ago (ahead, if negative).
	since func(seconds int) string
	// lock locks the rows a claim reads (PostgreSQL); SQLite has one writer at a time and
	// one SILAKSO instance, which keeps its claims in memory.
	lock string
}

var (
	postgresDialect = dialect{
		yes: true, no: false,
		age:   `extract(epoch FROM LOCALTIMESTAMP(0) - "UpdatedInDB")::float8`,
		since: func(s int) string { return fmt.Sprintf("LOCALTIMESTAMP(0) - interval '%d seconds'", s) },
		lock:  "FOR UPDATE SKIP LOCKED",
	}
	// Gammu's SQLite schema keeps times in UTC text (datetime('now')).
	sqliteDialect = dialect{
		sqlite: true, yes: "true", no: "false",
		age:   `(julianday('now') - julianday("UpdatedInDB")) * 86400.0`,
		since: func(s int) string { return fmt.Sprintf("datetime('now', '%+d seconds')", -s) },
	}
)

var placeholder = regexp.MustCompile(`\$(\d+)`)

// q adapts a statement to the engine: numbered parameters ?1 in SQLite.
func (d dialect) q(sql string) string {
	if !d.sqlite {
		return sql
	}
	return placeholder.ReplaceAllString(sql, "?$1")
}

// in is "column is one of the ids in parameter p": = ANY(array) in PostgreSQL, a JSON
// array in SQLite.
func (d dialect) in(column, p string) string {
	if d.sqlite {
		return column + " IN (SELECT value FROM json_each(" + p + "))"
	}
	return column + " = ANY(" + p + ")"
}

// notIn is the opposite of in.
func (d dialect) notIn(column, p string) string {
	if d.sqlite {
		return column + " NOT IN (SELECT value FROM json_each(" + p + "))"
	}
	return column + " <> ALL(" + p + ")"
}

// ids is a parameter for in and notIn.
func (d dialect) ids(ids []int64) any {
	if ids == nil {
		ids = []int64{} // PostgreSQL: a nil slice is NULL, and "<> ALL(NULL)" is never true
	}
	if d.sqlite {
		b, _ := json.Marshal(ids)
		return string(b)
	}
	return ids
}

// truth reads a yes/no column as either engine returns it ('t', 'true', 'yes', 1).
func truth(v any) bool {
	switch x := v.(type) {
	case bool:
		return x
	case int64:
		return x != 0
	case []byte:
		return truth(string(x))
	case string:
		switch strings.ToLower(x) {
		case "t", "true", "yes", "1":
			return true
		}
	}
	return false
}
