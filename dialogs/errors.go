package dialogs

import "github.com/dinsospmd-bateng/silakso/locales"

// InputError is a rejected answer. It carries the message that tells the resident what
// is expected, so callers can show it as is.
type InputError struct {
	Msg locales.Msg
}

func (e *InputError) Error() string { return "invalid answer: " + e.Msg.Key }

func reject(key string, kv ...any) *InputError { return &InputError{Msg: locales.M(key, kv...)} }
