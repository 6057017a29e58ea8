package smsgate

import (
	"context"
	"fmt"
	"log/slog"
	"time"
)

// Monitor watches how long the phone has been silent: /readyz says so, and the
// supervisors are told once, when nothing was heard from it (an SMS, a report, a
// ping) for AlertAfter. A phone never heard from counts from the monitor's start.
type Monitor struct {
	state   State
	cfg     Config
	metrics Metrics
	log     *slog.Logger
	now     func() time.Time
	start   time.Time
	// Every is how often Run looks (default a minute, or a quarter of AlertAfter when
	// that is shorter).
	Every time.Duration
	// OnSilent, if set, is called once per silence, by whichever instance claims it
	// first, with how long the phone has been silent.
	OnSilent func(ctx context.Context, silence time.Duration)
}

// NewMonitor watches the phone through state; each round reports the last time any
// instance heard from it to metrics (nil: none).
func NewMonitor(state State, cfg Config, metrics Metrics, log *slog.Logger) *Monitor {
	cfg = cfg.WithDefaults()
	if metrics == nil {
		metrics = NopMetrics{}
	}
	return &Monitor{state: state, cfg: cfg, metrics: metrics, log: log, now: time.Now, start: time.Now(),
		Every: min(time.Minute, cfg.AlertAfter/4)}
}

// silence is how long the phone has been silent, and since when.
func (m *Monitor) silence(ctx context.Context) (time.Duration, time.Time, error) {
	last, err := m.state.LastHeard(ctx)
	if err != nil {
		return 0, time.Time{}, err
	}
	since := last
	if since.Before(m.start) {
		since = m.start
	}
	return m.now().Sub(since), last, nil
}

// Report says how the phone is, for /readyz: "ok" while it was heard from within
// AlertAfter, else since when it is silent.
func (m *Monitor) Report(ctx context.Context) string {
	silence, last, err := m.silence(ctx)
	switch {
	case err != nil:
		return "last heard unknown: " + err.Error()
	case silence < m.cfg.AlertAfter:
		return "ok"
	case last.IsZero():
		return fmt.Sprintf("the SMS gateway phone has not been heard from since start, %s ago (is its ping on, and are the webhooks registered?)", silence.Round(time.Second))
	}
	return fmt.Sprintf("the SMS gateway phone was last heard from %s ago", silence.Round(time.Second))
}

// Run looks every Every until ctx ends.
func (m *Monitor) Run(ctx context.Context) {
	t := time.NewTicker(m.Every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		m.Once(ctx)
	}
}

// Once looks once, and alerts if the phone has been silent too long and nobody has
// alerted of this silence yet.
func (m *Monitor) Once(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	silence, last, err := m.silence(ctx)
	if err != nil {
		m.log.Warn("smsgate: last heard not read", "err", err)
		return
	}
	if !last.IsZero() {
		m.metrics.Phone(last, -1)
	}
	if silence < m.cfg.AlertAfter {
		return
	}
	// The silence is named by when the phone was last heard (zero: never), so every
	// instance claims the same one.
	first, err := m.state.ClaimAlert(ctx, last)
	if err != nil {
		m.log.Warn("smsgate: silence alert not claimed; trying again next round", "err", err)
		return
	}
	if !first {
		return
	}
	m.log.Error("smsgate: the gateway phone is silent; supervisors are told", "for", silence.Round(time.Second).String(), "never", last.IsZero())
	if m.OnSilent != nil {
		m.OnSilent(ctx, silence)
	}
}
