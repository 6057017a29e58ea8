// Package console is the terminal channel behind `silakso chat`: one message per input
// line, every reply printed. It works the same with a person at the keyboard and with a
// script on a pipe, so whole conversations can be replayed.
package console

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/dinsospmd-bateng/silakso/channels"
)

// Channel is the channel name of console messages.
const Channel = "console"

// Console reads messages from In and writes replies to Out.
type Console struct {
	Handler channels.Handler
	In      io.Reader
	Out     io.Writer
	// From is the sender's number in E.164; "/from <number>" changes it.
	From string
	// Normalize turns a typed number into E.164, or says why it cannot.
	Normalize func(string) (string, error)
	// Echo prints each input line before its replies, so that output from a pipe reads
	// as a conversation. A person at a terminal sees their own typing already.
	Echo bool
	// Now is the clock (time.Now if nil).
	Now func() time.Time
	// AfterTurn, if set, runs after each message's replies are printed; silakso chat
	// delivers the pushes the turn queued, so they print in order.
	AfterTurn func(ctx context.Context)
	// Wait, if set, moves the clock on ("/wait 45m"), so that what happens after a
	// while (resuming an abandoned intake) can be tried by hand.
	Wait func(d time.Duration)

	sent int
}

// maxLine is the longest input line read; longer lines are an error, not a hang.
const maxLine = 1 << 20

// Run processes lines until the input ends, "/quit", or ctx is done.
func (c *Console) Run(ctx context.Context) error {
	now := c.Now
	if now == nil {
		now = time.Now
	}
	// Message ids must be unique across runs: the session store remembers them.
	runID := now().UnixNano()
	sc := bufio.NewScanner(c.In)
	sc.Buffer(make([]byte, 64*1024), maxLine)
	for n := 1; sc.Scan(); n++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		line := strings.TrimSuffix(sc.Text(), "\r")
		if c.Echo {
			fmt.Fprintf(c.Out, "> %s\n", line)
		}
		switch {
		case line == "/quit":
			return nil
		case strings.HasPrefix(line, "/from"):
			c.switchSender(strings.TrimSpace(strings.TrimPrefix(line, "/from")))
			continue
		case strings.HasPrefix(line, "/wait") && c.Wait != nil:
			d, err := waitFor(strings.TrimSpace(strings.TrimPrefix(line, "/wait")))
			if err != nil || d <= 0 {
				fmt.Fprintf(c.Out, "! /wait takes a duration, e.g. /wait 45m, /wait 8h or /wait 4d\n")
				continue
			}
			c.Wait(d)
			fmt.Fprintf(c.Out, "# %s later\n", d)
			continue
		}
		in := channels.Inbound{
			Channel: Channel, ID: fmt.Sprintf("%d-%d", runID, n),
			From: c.From, Text: line, Time: now(),
		}
		replies, err := c.Handler.Handle(ctx, in)
		for _, r := range replies {
			c.print(r)
		}
		if err != nil && !errors.Is(err, channels.ErrDuplicate) && !errors.Is(err, channels.ErrThrottled) {
			fmt.Fprintf(c.Out, "! %v\n", err)
		}
		if c.AfterTurn != nil {
			c.AfterTurn(ctx)
		}
	}
	return sc.Err()
}

func (c *Console) switchSender(number string) {
	p, err := c.Normalize(number)
	if err != nil {
		fmt.Fprintf(c.Out, "! not a phone number: %q (example: /from 081234567890)\n", number)
		return
	}
	c.From = p
	fmt.Fprintf(c.Out, "# now writing as %s\n", p)
}

// print shows a reply like the golden transcripts do: "< " for the current sender,
// "<+62...> " for a message to someone else, continuation lines indented.
func (c *Console) print(r channels.Outbound) {
	prefix := "< "
	if r.To != c.From {
		prefix = "<" + r.To + "> "
	}
	fmt.Fprintln(c.Out, prefix+strings.ReplaceAll(r.Text, "\n", "\n  "))
}

// Send implements channels.Sender for what the outbox delivers (tickets, status
// changes, officer messages, notices), printed like replies: in the terminal every
// message is shown, whatever channel it would use.
func (c *Console) Send(_ context.Context, out channels.Outbound) (channels.Receipt, error) {
	c.sent++
	c.print(out)
	return channels.Receipt{ProviderID: fmt.Sprintf("console-push-%d", c.sent)}, nil
}

// waitFor reads /wait's duration: days ("4d", as the settings write them) or what Go
// reads ("45m", "8h").
func waitFor(s string) (time.Duration, error) {
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		return time.Duration(n) * 24 * time.Hour, err
	}
	return time.ParseDuration(s)
}
