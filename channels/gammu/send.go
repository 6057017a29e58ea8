package gammu

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"unicode"

	"github.com/dinsospmd-bateng/silakso/channels"
	"github.com/dinsospmd-bateng/silakso/channels/gsm7"
)

// maxParts caps one message at ten parts of a concatenated SMS: phones show up to a
// few thousand characters, but every part costs the office one SMS.
const maxParts = 10

// Sender hands messages to gammu-smsd by inserting them into its outbox. gammu-smsd
// sends them through the modem, in the order they were inserted, and moves each to
// sentitems, where the Tracker reads what became of it.
type Sender struct {
	db  *DB
	cfg Config
	m   Metrics
}

// NewSender returns a Sender over Gammu's database.
func NewSender(db *DB, cfg Config, m Metrics) *Sender {
	if m == nil {
		m = NopMetrics{}
	}
	return &Sender{db: db, cfg: cfg.WithDefaults(), m: m}
}

// Send queues out with gammu-smsd: one outbox row, or for a text longer than one SMS a
// concatenated SMS (the first part in outbox, the others in outbox_multipart, with the
// user data header that makes the phone show one message), in one transaction so that
// gammu-smsd never sees half of it. The receipt's provider id is "gammu:" and the outbox
// row's ID, which sentitems keeps.
func (s *Sender) Send(ctx context.Context, out channels.Outbound) (channels.Receipt, error) {
	if !channels.IsE164(out.To) {
		return channels.Receipt{}, &channels.SendError{Permanent: true, Code: "number", Err: errors.New("gammu: recipient is not a phone number")}
	}
	text, parts, unicode := shape(out.Text)
	if strings.TrimSpace(text) == "" {
		return channels.Receipt{}, &channels.SendError{Permanent: true, Code: "empty", Err: errors.New("gammu: nothing to send once emoji and symbols are left out")}
	}
	coding := "Default_No_Compression"
	if unicode {
		coding = "Unicode_No_Compression"
	}
	report := "default"
	if s.cfg.DeliveryReports {
		report = "yes"
	}
	var sender any
	if s.cfg.PhoneID != "" {
		sender = s.cfg.PhoneID
	}
	token := creatorID()
	id, err := s.insert(ctx, out.To, parts, coding, report, sender, token)
	if err != nil {
		// The answer to COMMIT may be what was lost: a message gammu-smsd has is not
		// handed to it a second time (the resident would get it twice).
		id, err = s.find(ctx, token, err)
	}
	if err != nil {
		s.m.Sent(out.Channel, "retryable", 0)
		return channels.Receipt{}, &channels.SendError{Err: fmt.Errorf("gammu outbox: %s", strings.Join(strings.Fields(err.Error()), " "))}
	}
	s.m.Sent(out.Channel, "sent", len(parts))
	return channels.Receipt{ProviderID: providerID(id), Segments: len(parts)}, nil
}

// insert writes the message's rows in one transaction, so that gammu-smsd never sees
// half of it.
func (s *Sender) insert(ctx context.Context, to string, parts []string, coding, report string, sender any, token string) (int64, error) {
	d := s.db.d
	tx, err := s.db.sql.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	udh := ""
	// An 8-bit reference keeps 153 characters a part (a 16-bit one takes one more). Two
	// messages with the same reference are joined only if their parts arrive mixed,
	// and gammu-smsd sends a message's parts one after the other.
	ref := rand.IntN(256)
	multi := d.no
	if len(parts) > 1 {
		udh, multi = concatUDH(ref, len(parts), 1), d.yes
	}
	var id int64
	err = tx.QueryRowContext(ctx, d.q(`
INSERT INTO outbox ("DestinationNumber", "TextDecoded", "Coding", "MultiPart", "UDH", "DeliveryReport", "SenderID", "CreatorID")
VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING "ID"`),
		to, parts[0], coding, multi, udh, report, sender, token).Scan(&id)
	if err != nil {
		return 0, err
	}
	for i := 1; i < len(parts); i++ {
		_, err := tx.ExecContext(ctx, d.q(`
INSERT INTO outbox_multipart ("ID", "SequencePosition", "TextDecoded", "Coding", "UDH") VALUES ($1, $2, $3, $4, $5)`),
			id, i+1, parts[i], coding, concatUDH(ref, len(parts), i+1))
		if err != nil {
			return 0, err
		}
	}
	return id, tx.Commit()
}

// find looks for the rows of a send that seemed to fail, on a connection of its own:
// if they are there, the send worked and only its answer was lost.
func (s *Sender) find(ctx context.Context, token string, failed error) (int64, error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), callTimeout)
	defer cancel()
	var id int64
	err := s.db.sql.QueryRowContext(ctx, s.db.d.q(`
SELECT "ID" FROM outbox WHERE "CreatorID" = $1 UNION ALL SELECT "ID" FROM sentitems WHERE "CreatorID" = $1 LIMIT 1`), token).Scan(&id)
	if err != nil {
		return 0, failed
	}
	return id, nil
}

// providerID names an outbox row in message records.
func providerID(id int64) string { return "gammu:" + strconv.FormatInt(id, 10) }

// concatUDH is the user data header of part seq of total of a concatenated SMS with an
// 8-bit reference (information element 00, as gammu-smsd-inject writes it).
func concatUDH(ref, total, seq int) string {
	return fmt.Sprintf("050003%02X%02X%02X", ref&0xff, total, seq)
}

// shape keeps a text cheap on a SIM card and returns it with its parts: GSM-7
// look-alikes for typographic characters, no emoji or symbols GSM-7 lacks; only a
// letter GSM-7 lacks (a name in another script) keeps the text whole, in UCS-2, at a
// third of the characters per part. At most maxParts parts, the cut marked.
func shape(text string) (string, []string, bool) {
	s := gsm7.Replace(text)
	keepLetters := false
	for _, r := range gsm7.Invalid(s) {
		if unicode.IsLetter(r) {
			keepLetters = true
			break
		}
	}
	if !keepLetters {
		s = gsm7.Shape(s)
	}
	parts, ucs2 := gsm7.Split(s)
	if len(parts) <= maxParts {
		return s, parts, ucs2
	}
	cut := []rune(strings.Join(parts[:maxParts], ""))
	s = string(cut[:len(cut)-3]) + "..."
	parts, ucs2 = gsm7.Split(s)
	return s, parts, ucs2
}
