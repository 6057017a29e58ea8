package main

import (
	"io"
	"log/slog"
	"regexp"

	"github.com/dinsospmd-bateng/silakso/channels"
	"github.com/dinsospmd-bateng/silakso/dialogs"
)

// Personal data that must never reach a log in full, whatever a log call passes:
// Indonesian phone numbers in any form, 16-digit NIKs, and any other run of eight or
// more digits.
var (
	phonePattern = regexp.MustCompile(`(?:\+?62|\b0)8\d{7,12}\b`)
	nikPattern   = regexp.MustCompile(`\b\d{16}\b`)
)

// maskPersonal masks phone numbers and NIKs inside a log value. The code already logs
// only masked values; this is the second lock on the door.
func maskPersonal(s string) string {
	s = nikPattern.ReplaceAllStringFunc(s, dialogs.MaskNIK)
	s = phonePattern.ReplaceAllStringFunc(s, channels.MaskPhone)
	// Numbers written in groups (0812 3456 7890) and foreign ones.
	return channels.MaskDigits(s)
}

func newLogger(w io.Writer, level slog.Level) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{
		Level: level,
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			switch a.Value.Kind() {
			case slog.KindString:
				a.Value = slog.StringValue(maskPersonal(a.Value.String()))
			case slog.KindAny:
				if err, ok := a.Value.Any().(error); ok {
					a.Value = slog.StringValue(maskPersonal(err.Error()))
				}
			}
			return a
		},
	}))
}
