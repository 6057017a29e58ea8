package twilio

import (
	"unicode/utf8"

	"github.com/dinsospmd-bateng/silakso/channels/gsm7"
)

// maxBody is Twilio's limit for one message body, in characters.
const maxBody = 1600

// shapeSMS makes a text cheap and safe to send as SMS: GSM-7 look-alikes for curly
// quotes and dashes, no emoji, at most 1,600 characters. It returns the text and the
// segments it will be billed as.
func shapeSMS(text string) (string, int) {
	s := truncate(gsm7.Shape(text))
	n, _ := gsm7.Segments(s)
	return s, n
}

// truncate keeps a body within Twilio's limit, marking the cut.
func truncate(s string) string {
	if utf8.RuneCountInString(s) <= maxBody {
		return s
	}
	r := []rune(s)
	return string(r[:maxBody-3]) + "..."
}
