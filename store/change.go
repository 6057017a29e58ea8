package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/dinsospmd-bateng/silakso/bot/domain"
)

// The ways a case is filed and changed. Each decides on data read before any
// transaction and hands the store what to write: no code of the caller runs inside a
// transaction, so a decision may read the store (on SQLite's one connection it would
// otherwise wait on itself), and a slow decision holds no lock.

// changeTries bounds how often Change reads and decides again after a conflict. Every
// conflict means another change of the case was written meanwhile, so with n changes
// at once none loses more than n-1 times; officers change one case a few at a time.
const changeTries = 20

// File files f: it draws the case's number, makes the case, asks notify (if not nil)
// for the messages to store with it, and stores both. A repeat of an intake already
// filed returns the first case and created=false.
func File(ctx context.Context, cases Cases, f domain.Filing, notify func(domain.Case) []domain.OutboxMessage) (_ domain.Case, created bool, err error) {
	id, err := cases.NextCaseID(ctx)
	if err != nil {
		return domain.Case{}, false, err
	}
	// The ticket's year is the filing's in its own zone (the office's clock: a filing
	// at 03:00 WIB on 1 January is the new year's); FileCase cuts the times to what the
	// engine stores.
	c := domain.NewCase(f, id)
	var msgs []domain.OutboxMessage
	if notify != nil {
		msgs = notify(c)
	}
	return cases.FileCase(ctx, c, msgs)
}

// Change makes one change to the case with the ticket: it reads the case, decide
// returns the change for it (or an error, which Change returns as is, writing
// nothing), and UpdateCase writes it if the case has not changed since. After a
// conflict it reads and decides again. ErrNotFound if there is no such ticket.
func Change(ctx context.Context, cases Cases, ticket string, at time.Time, decide func(domain.Case) (domain.CaseUpdate, error)) (domain.Case, error) {
	for try := 1; ; try++ {
		c, err := cases.CaseByTicket(ctx, ticket)
		if err != nil {
			return c, err
		}
		u, err := decide(c)
		if err != nil {
			return c, err
		}
		c, err = cases.UpdateCase(ctx, c, u, at)
		if !errors.Is(err, ErrConflict) || try == changeTries {
			return c, err
		}
	}
}

// markBatch is how many cases Escalate and RemindSurveys take per read.
const markBatch = 100

// Escalate marks, once, every case still "baru" and untaken that was filed before
// filedBefore, with an "escalated" event and the messages notify returns for it, each
// case in its own transaction. Instances may run it together: a case another
// instance marked (or an officer took) since the list was read is a conflict, and is
// left to the next round, which no longer lists it if it was marked. It returns how
// many it escalated.
func Escalate(ctx context.Context, cases Cases, filedBefore, now time.Time, notify func(domain.Case) []domain.OutboxMessage) (int, error) {
	return markAll(func() ([]domain.Case, error) { return cases.Unescalated(ctx, filedBefore, markBatch) },
		func(c domain.Case) error {
			_, err := cases.UpdateCase(ctx, c, domain.CaseUpdate{Escalate: true,
				Events: []domain.Event{{Actor: "system", Kind: "escalated"}}, Messages: notify(c)}, now)
			return err
		})
}

// RemindSurveys sends, once, the reminder of every open survey asked before
// askedBefore and not before notBefore, with the messages notify returns, each case in
// its own transaction, as Escalate does. It returns how many were reminded.
func RemindSurveys(ctx context.Context, reports Reports, cases Cases, askedBefore, notBefore, now time.Time, notify func(domain.Case) []domain.OutboxMessage) (int, error) {
	return markAll(func() ([]domain.Case, error) { return reports.SurveysToRemind(ctx, askedBefore, notBefore, markBatch) },
		func(c domain.Case) error {
			_, err := cases.UpdateCase(ctx, c, domain.CaseUpdate{RemindSurvey: true, Messages: notify(c)}, now)
			return err
		})
}

// markAll marks what list returns, batch after batch, until a batch marks nothing
// new: a marked case leaves the list, and a conflict is skipped (another instance or
// an officer got there first). A case the database refuses as such (ErrInvalid) is
// skipped too, and reported at the end, so that one bad row never holds up the others;
// any other failure (the database away) ends the run at once.
func markAll(list func() ([]domain.Case, error), mark func(domain.Case) error) (int, error) {
	n := 0
	var refused []error
	for {
		batch, err := list()
		if err != nil {
			return n, errors.Join(append(refused, err)...)
		}
		marked := 0
		for _, c := range batch {
			switch err := mark(c); {
			case errors.Is(err, ErrConflict):
			case errors.Is(err, ErrInvalid):
				refused = append(refused, fmt.Errorf("case %s: %w", c.Ticket, err))
			case err != nil:
				return n, errors.Join(append(refused, err)...)
			default:
				marked++
			}
		}
		n += marked
		if len(batch) < markBatch || marked == 0 {
			return n, errors.Join(refused...)
		}
	}
}
