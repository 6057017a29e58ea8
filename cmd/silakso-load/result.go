package main

import (
	"fmt"
	"io"
	"slices"
	"time"
)

// result is what a run's residents went through, together.
type result struct {
	concurrency                                int
	elapsed                                    time.Duration
	started, completed, confirmed, ticketed    int
	stuck, retries, fallbacks, noReply, errors int
	firstErr                                   string
	endToEnd, webhook                          []time.Duration
}

func (r *result) add(res resident) {
	count := func(n *int, yes bool) {
		if yes {
			*n++
		}
	}
	count(&r.started, res.started)
	count(&r.completed, res.completed)
	count(&r.confirmed, res.confirmed)
	count(&r.ticketed, res.ticketed && res.confirmed)
	count(&r.stuck, res.stuck)
	r.retries += res.retries
	r.fallbacks += res.fallbacks
	r.noReply += res.noReply
	r.errors += res.errors
	if r.firstErr == "" {
		r.firstErr = res.firstErr
	}
	r.endToEnd = append(r.endToEnd, res.endToEnd...)
	r.webhook = append(r.webhook, res.webhook...)
}

func (r result) turns() int { return len(r.endToEnd) }

func (r result) turnsPerSecond() float64 {
	if r.elapsed <= 0 {
		return 0
	}
	return float64(r.turns()) / r.elapsed.Seconds()
}

// percentiles formats p50, p95, p99 and max of ds.
func percentiles(ds []time.Duration) string {
	if len(ds) == 0 {
		return "none"
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	at := func(p float64) float64 {
		return float64(s[min(len(s)-1, int(p*float64(len(s))))]) / float64(time.Millisecond)
	}
	return fmt.Sprintf("p50 %.1f ms  p95 %.1f ms  p99 %.1f ms  max %.1f ms", at(.50), at(.95), at(.99), at(1))
}

func (r result) print(out io.Writer) {
	fmt.Fprintf(out, "residents          %d completed of %d started, %d writing at once\n", r.completed, r.started, r.concurrency)
	fmt.Fprintf(out, "turns              %d in %.2f s = %.0f turns/s\n", r.turns(), r.elapsed.Seconds(), r.turnsPerSecond())
	fmt.Fprintf(out, "end to end         %s  (message posted -> its last reply accepted by the provider)\n", percentiles(r.endToEnd))
	fmt.Fprintf(out, "webhook            %s  (request -> answer)\n", percentiles(r.webhook))
	fmt.Fprintf(out, "webhook retries    %d, fallback deliveries %d, failed for good %d\n", r.retries, r.fallbacks, r.errors)
	if r.firstErr != "" {
		fmt.Fprintf(out, "first error        %s\n", r.firstErr)
	}
	fmt.Fprintf(out, "no reply           %d messages written again, %d residents gave up\n", r.noReply, r.stuck)
}

// check fails the run when a resident who confirmed has no case or never got the
// ticket, or when a webhook failed for good. cases < 0: not counted.
func (r result) check(cases int64) error {
	switch {
	case r.errors > 0:
		return fmt.Errorf("check failed: %d webhooks failed for good", r.errors)
	case cases >= 0 && cases != int64(r.confirmed):
		return fmt.Errorf("check failed: %d cases for %d residents who confirmed", cases, r.confirmed)
	case cases >= 0 && r.ticketed != r.confirmed:
		return fmt.Errorf("check failed: %d of %d residents who confirmed received their ticket", r.ticketed, r.confirmed)
	}
	return nil
}
