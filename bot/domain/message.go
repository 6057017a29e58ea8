package domain

import (
	"strings"
	"time"
	"unicode/utf8"
)

// Direction of a message record.
const (
	Inbound  = "in"
	Outbound = "out"
)

// MessageRecord is what is known about one message a provider carried: who, which
// channel, how many SMS segments it cost, and how far it got. Records are written in
// batches and merged: a status callback may arrive before the send is recorded.
type MessageRecord struct {
	Channel    string
	Direction  string
	ProviderID string
	// Peer is the resident's or officer's number in E.164 (never the text).
	Peer     string
	Segments int
	// Status is the provider's word: received, queued, sent, delivered, read, failed, ...
	Status    string
	ErrorCode string
	// Error is a readable reason for a failure.
	Error string
	At    time.Time
}

// statusRank orders delivery states so that a late callback never moves a message
// backwards ("sent" arriving after "delivered").
var statusRank = map[string]int{
	"accepted": 1, "scheduled": 1, "queued": 2, "sending": 3, "sent": 4,
	"receiving": 4, "received": 5, "delivered": 5, "read": 6,
	"undelivered": 7, "failed": 7, "canceled": 7,
}

// StatusRank is the rank of a delivery status; unknown statuses rank lowest.
func StatusRank(status string) int { return statusRank[status] }

// MergeRecords folds records about the same message into one, keeping the most
// advanced status and every field that is known. Storage writes a batch in one
// statement, which must not touch a row twice. Text fields come from providers and the
// network; they are cleaned of what a database cannot store (NUL bytes, invalid UTF-8).
func MergeRecords(recs []MessageRecord) []MessageRecord {
	type key struct{ dir, id string }
	index := make(map[key]int, len(recs))
	out := make([]MessageRecord, 0, len(recs))
	for _, r := range recs {
		r = r.clean()
		k := key{r.Direction, r.ProviderID}
		i, ok := index[k]
		if !ok {
			index[k] = len(out)
			out = append(out, r)
			continue
		}
		m := &out[i]
		if StatusRank(r.Status) >= StatusRank(m.Status) {
			m.Status, m.At = r.Status, r.At
			if r.ErrorCode != "" {
				m.ErrorCode, m.Error = r.ErrorCode, r.Error
			}
		}
		if m.Channel == "" {
			m.Channel = r.Channel
		}
		if m.Peer == "" {
			m.Peer = r.Peer
		}
		m.Segments = max(m.Segments, r.Segments)
	}
	return out
}

// clean returns r with every text field storable.
func (r MessageRecord) clean() MessageRecord {
	for _, f := range []*string{&r.Channel, &r.Direction, &r.ProviderID, &r.Peer, &r.Status, &r.ErrorCode, &r.Error} {
		*f = CleanText(*f)
	}
	return r
}

// CleanText drops what no database column should hold: NUL bytes and invalid UTF-8
// (PostgreSQL refuses both in text).
func CleanText(s string) string {
	if strings.IndexByte(s, 0) < 0 && utf8.ValidString(s) {
		return s
	}
	return strings.ReplaceAll(strings.ToValidUTF8(s, ""), "\x00", "")
}
