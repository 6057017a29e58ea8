package gammu

import (
	"context"
	"database/sql"
	"errors"
)

// maxSends is how often SILAKSO hands one message to gammu-smsd in all; each time the
// modem makes its own tries (the smsdrc's MaxRetries) before it reports SendingError.
const maxSends = 3

// resend gives a message gammu-smsd failed to send (id, from sentitems) to it again
// after ResendAfter, as new outbox rows with the same parts, unless it was given again
// already (a row with its text to the same number, newer than it, in outbox or
// sentitems) or has failed maxSends times. Everything it decides by is in Gammu's
// tables, so a restart neither loses nor doubles a resend. It reports whether the
// message was given up.
func (t *Tracker) resend(ctx context.Context, id int64, to string) (gaveUp bool, err error) {
	d := t.db.d
	tx, err := t.db.sql.BeginTx(ctx, nil)
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, d.q(`
SELECT "SequencePosition", "TextDecoded", "UDH", "Coding" FROM sentitems WHERE "ID" = $1 ORDER BY "SequencePosition"`), id)
	if err != nil {
		return false, err
	}
	type part struct {
		seq               int
		text, udh, coding string
	}
	var parts []part
	for rows.Next() {
		var p part
		if err := rows.Scan(&p.seq, &p.text, &p.udh, &p.coding); err != nil {
			rows.Close()
			return false, err
		}
		parts = append(parts, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return false, err
	}
	if len(parts) == 0 || parts[0].seq != 1 {
		return false, errors.New("gammu: failed message without its first part in sentitems")
	}
	var again, failures int
	err = tx.QueryRowContext(ctx, d.q(`
SELECT
  (SELECT count(*) FROM outbox WHERE "DestinationNumber" = $1 AND "TextDecoded" = $2 AND `+ours+`)
  + (SELECT count(*) FROM sentitems WHERE "DestinationNumber" = $1 AND "TextDecoded" = $2 AND `+ours+`
     AND "SequencePosition" = 1 AND "ID" > $3),
  (SELECT count(*) FROM sentitems WHERE "DestinationNumber" = $1 AND "TextDecoded" = $2 AND `+ours+`
     AND "SequencePosition" = 1 AND "Status" IN ('SendingError', 'Error'))`),
		to, parts[0].text, id).Scan(&again, &failures)
	switch {
	case err != nil:
		return false, err
	case again > 0:
		return false, nil
	case failures >= maxSends:
		return true, nil
	}
	later := d.since(-int(t.cfg.ResendAfter.Seconds()))
	var newID int64
	err = tx.QueryRowContext(ctx, d.q(`
INSERT INTO outbox ("DestinationNumber", "TextDecoded", "Coding", "MultiPart", "UDH", "DeliveryReport", "SenderID", "CreatorID", "SendingDateTime")
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, `+later+`) RETURNING "ID"`),
		to, parts[0].text, parts[0].coding, boolOf(d, len(parts) > 1), parts[0].udh, t.report(), t.sender(), creatorID()).Scan(&newID)
	if err != nil {
		return false, err
	}
	for _, p := range parts[1:] {
		_, err := tx.ExecContext(ctx, d.q(`
INSERT INTO outbox_multipart ("ID", "SequencePosition", "TextDecoded", "Coding", "UDH") VALUES ($1, $2, $3, $4, $5)`),
			newID, p.seq, p.text, p.coding, p.udh)
		if err != nil {
			return false, err
		}
	}
	return false, tx.Commit()
}

func boolOf(d dialect, b bool) any {
	if b {
		return d.yes
	}
	return d.no
}

func (t *Tracker) report() string {
	if t.cfg.DeliveryReports {
		return "yes"
	}
	return "default"
}

func (t *Tracker) sender() any {
	if t.cfg.PhoneID == "" {
		return sql.NullString{}
	}
	return t.cfg.PhoneID
}
