package main

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics implements bot.Metrics and twilio.Metrics on Prometheus.
type metrics struct {
	inbound  *prometheus.CounterVec
	outbound *prometheus.CounterVec
	segments *prometheus.CounterVec
	rejected *prometheus.CounterVec
	delivery *prometheus.CounterVec
	turns    *prometheus.HistogramVec
	filed    *prometheus.CounterVec
	modem    *prometheus.GaugeVec
	phone    *prometheus.GaugeVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		inbound: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "silakso_inbound_messages_total", Help: "Inbound messages by channel and result (accepted, duplicate, throttled, failed).",
		}, []string{"channel", "result"}),
		outbound: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "silakso_outbound_messages_total", Help: "Outbound send attempts by channel and result (sent, retryable, permanent).",
		}, []string{"channel", "result"}),
		segments: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "silakso_sms_segments_total", Help: "SMS segments sent (what the provider bills).",
		}, []string{"channel"}),
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "silakso_webhook_rejections_total", Help: "Webhooks refused, by reason (no_signature, bad_signature, bad_request).",
		}, []string{"reason"}),
		delivery: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "silakso_delivery_reports_total", Help: "Delivery status callbacks by status.",
		}, []string{"status"}),
		turns: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "silakso_turn_duration_seconds", Help: "Time to process one inbound message, by channel and result.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"channel", "result"}),
		filed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "silakso_cases_filed_total", Help: "Cases filed, by channel.",
		}, []string{"channel"}),
		modem: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "silakso_gammu_modem", Help: "The SMS modem as gammu-smsd last reported it: last_seen (unix seconds), signal and battery (per cent).",
		}, []string{"reading"}),
		phone: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "silakso_smsgate_phone", Help: "The Android SMS gateway phone: last_heard (unix seconds) and battery (per cent, from its ping).",
		}, []string{"reading"}),
	}
	reg.MustRegister(m.inbound, m.outbound, m.segments, m.rejected, m.delivery, m.turns, m.filed, m.modem, m.phone)
	return m
}

// bot.Metrics

func (m *metrics) Turn(channel, result string, d time.Duration) {
	m.turns.WithLabelValues(channel, result).Observe(d.Seconds())
}
func (m *metrics) CaseFiled(channel string) { m.filed.WithLabelValues(channel).Inc() }

// twilio.Metrics

func (m *metrics) Inbound(channel, result string) { m.inbound.WithLabelValues(channel, result).Inc() }
func (m *metrics) Rejected(reason string)         { m.rejected.WithLabelValues(reason).Inc() }
func (m *metrics) Status(status string)           { m.delivery.WithLabelValues(status).Inc() }
func (m *metrics) Sent(channel, result string, segments int) {
	m.outbound.WithLabelValues(channel, result).Inc()
	if segments > 0 {
		m.segments.WithLabelValues(channel).Add(float64(segments))
	}
}

// gammu.Metrics

func (m *metrics) Modem(lastSeen time.Time, signal, battery int) {
	m.modem.WithLabelValues("last_seen").Set(float64(lastSeen.Unix()))
	m.modem.WithLabelValues("signal").Set(float64(signal))
	m.modem.WithLabelValues("battery").Set(float64(battery))
}

// smsgate.Metrics

func (m *metrics) Phone(lastHeard time.Time, battery int) {
	m.phone.WithLabelValues("last_heard").Set(float64(lastHeard.Unix()))
	if battery >= 0 {
		m.phone.WithLabelValues("battery").Set(float64(battery))
	}
}
