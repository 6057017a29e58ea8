package twilio

import (
	"errors"
	"net"
	"strconv"

	"github.com/twilio/twilio-go/client"

	"github.com/dinsospmd-bateng/silakso/channels"
)

// Error codes with a meaning for us (https://www.twilio.com/docs/api/errors).
const (
	codeOptedOut = 21610
)

// reasons are readable explanations of the codes operators meet most, for records and
// logs (not for residents).
var reasons = map[string]string{
	"21610": "recipient opted out (replied STOP)",
	"21211": "invalid To number",
	"21614": "To number is not a mobile number",
	"21408": "no permission to send to this region",
	"21612": "To number cannot be reached from this sender",
	"30003": "unreachable destination handset",
	"30004": "message blocked by the recipient or carrier",
	"30005": "unknown destination handset",
	"30006": "landline or unreachable carrier",
	"30007": "filtered by the carrier",
	"30008": "unknown error from the carrier",
	"63016": "outside the WhatsApp 24-hour window; a template is required",
}

// Reason explains an error code, or returns "" for codes without an explanation.
func Reason(code string) string { return reasons[code] }

// permanentCodes will fail the same way however often they are retried.
var permanentCodes = map[int]bool{21610: true, 21211: true, 21614: true, 21408: true, 21612: true, 63016: true}

// classify turns a twilio-go error into a channels.SendError: 429, 5xx, time-outs and
// network errors are retryable; opted-out and invalid numbers (and other 4xx) are not.
func classify(err error) error {
	var rest *client.TwilioRestError
	if errors.As(err, &rest) {
		code := strconv.Itoa(rest.Code)
		retryable := rest.Status == 429 || rest.Status >= 500
		if permanentCodes[rest.Code] {
			retryable = false
		}
		return &channels.SendError{Permanent: !retryable, Code: code, Err: err}
	}
	var netErr net.Error
	if errors.As(err, &netErr) {
		return &channels.SendError{Err: err}
	}
	// Anything else (a proxy's HTML error page twilio-go cannot decode, a reset
	// connection) is worth another try.
	return &channels.SendError{Err: err}
}
