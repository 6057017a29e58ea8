package store

import "fmt"

// Wrap prefixes a function's returned error with what it was doing, once for every
// return: defer store.Wrap(&err, "postgres: file case"). The error stays matchable
// (errors.Is, errors.As); nil stays nil.
func Wrap(err *error, op string) {
	if *err != nil {
		*err = fmt.Errorf("%s: %w", op, *err)
	}
}
