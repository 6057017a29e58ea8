package gammu

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/dinsospmd-bateng/silakso/channels"
	"github.com/dinsospmd-bateng/silakso/channels/gsm7"
)

// maxChars caps one message at ten parts of a concatenated SMS: phones show up to a
// few thousand characters, but every part costs the office one SMS.
const maxChars = 10 * 153

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
	return &Sender{db: db, cfg: cfg.withDefaults(), m: m}
}

// Send queues out with gammu-smsd: one outbox row, or for a text longer than one SMS a
// concatenated SMS (the first part in outbox, the others in outbox_multipart, with the
// user data header that makes the phone show one message), in one transaction so that
// gammu-smsd never sees half of it. The receipt's provider id is "gammu:" and the outbox
// row's ID, which sentitems keeps.
func (s *Sender) Send(ctx context.Context, out channels.Outbound) (channels.Receipt, error) {
	if !e164(out.To) {
		return channels.Receipt{}, &channels.SendError{Permanent: true, Code: "number", Err: errors.New("gammu: recipient is not a phone number")}
	}
	text := shape(out.Text)
	parts, unicode := gsm7.Split(text)
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
	id, err := s.insert(ctx, out.To, parts, coding, report, sender)
	if err != nil {
		s.m.Sent(out.Channel, "retryable", 0)
		return channels.Receipt{}, &channels.SendError{Err: fmt.Errorf("gammu outbox: %s", strings.Join(strings.Fields(err.Error()), " "))}
	}
	s.m.Sent(out.Channel, "sent", len(parts))
	return channels.Receipt{ProviderID: providerID(id), Segments: len(parts)}, nil
}

// insert writes the message's rows in one transaction, so that gammu-smsd never sees
// half of it.
func (s *Sender) insert(ctx context.Context, to string, parts []string, coding, report string, sender any) (int64, error) {
	d := s.db.d
	tx, err := s.db.sql.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	udh := ""
	ref := rand.IntN(256)
	multi := d.no
	if len(parts) > 1 {
		udh, multi = concatUDH(ref, len(parts), 1), d.yes
	}
	var id int64
	err = tx.QueryRowContext(ctx, d.q(`
INSERT INTO outbox ("DestinationNumber", "TextDecoded", "Coding", "MultiPart", "UDH", "DeliveryReport", "SenderID", "CreatorID")
VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING "ID"`),
		to, parts[0], coding, multi, udh, report, sender, CreatorID).Scan(&id)
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

// providerID names an outbox row in message records.
func providerID(id int64) string { return "gammu:" + strconv.FormatInt(id, 10) }

// concatUDH is the user data header of part seq of total of a concatenated SMS with an
// 8-bit reference (information element 00, as gammu-smsd-inject writes it).
func concatUDH(ref, total, seq int) string {
	return fmt.Sprintf("050003%02X%02X%02X", ref&0xff, total, seq)
}

// shape keeps a text cheap on a SIM card: GSM-7 look-alikes for typographic characters,
// no emoji, at most ten parts.
func shape(text string) string {
	s := gsm7.Shape(text)
	if utf8.RuneCountInString(s) <= maxChars {
		return s
	}
	r := []rune(s)
	return string(r[:maxChars-3]) + "..."
}

// e164 reports whether s is + and 8 to 15 digits.
func e164(s string) bool {
	d, ok := strings.CutPrefix(s, "+")
	return ok && len(d) >= 8 && len(d) <= 15 && strings.Trim(d, "0123456789") == ""
}
