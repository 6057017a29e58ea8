package whatsapp

import (
	"context"
	"fmt"
	"log/slog"

	waLog "go.mau.fi/whatsmeow/util/log"

	"github.com/dinsospmd-bateng/silakso/channels"
)

// Logger routes whatsmeow's logging into slog, one line per event, with every run of
// eight or more digits masked like a phone number.
func Logger(log *slog.Logger) waLog.Logger { return logger{log: log} }

type logger struct{ log *slog.Logger }

func (l logger) emit(level slog.Level, format string, args []any) {
	if !l.log.Enabled(context.Background(), level) {
		return
	}
	l.log.Log(context.Background(), level, Mask(fmt.Sprintf(format, args...)))
}

func (l logger) Errorf(format string, args ...any) { l.emit(slog.LevelError, format, args) }
func (l logger) Warnf(format string, args ...any)  { l.emit(slog.LevelWarn, format, args) }
func (l logger) Infof(format string, args ...any)  { l.emit(slog.LevelInfo, format, args) }
func (l logger) Debugf(format string, args ...any) { l.emit(slog.LevelDebug, format, args) }
func (l logger) Sub(module string) waLog.Logger    { return logger{log: l.log.With("component", module)} }

// Mask hides the middle of every run of eight or more digits in s: whatsmeow names
// senders by JID (6281234567890@s.whatsapp.net).
func Mask(s string) string { return channels.MaskDigits(s) }
