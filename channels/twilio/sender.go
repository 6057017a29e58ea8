package twilio

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/twilio/twilio-go/client"
	openapi "github.com/twilio/twilio-go/rest/api/v2010"

	"github.com/dinsospmd-bateng/silakso/bot/domain"
	"github.com/dinsospmd-bateng/silakso/channels"
)

// Sender sends messages through Twilio's REST API. It implements channels.Sender for
// both Twilio channels.
type Sender struct {
	cfg Config
	// transport is shared by every send (connections to Twilio stay open); each send
	// gets a client of its own around it, bound to the send's context.
	transport http.RoundTripper
	window    WindowStore
	records   channels.Recorder
	metrics   Metrics
	log       *slog.Logger
	now       func() time.Time
	callback  string
	// OptOuts, if set, is told about numbers Twilio refuses with 21610 (opted out).
	OptOuts OptOuts
}

// NewSender makes a sender for cfg. Records of sent messages go to records.
func NewSender(cfg Config, window WindowStore, records channels.Recorder, metrics Metrics, log *slog.Logger) (*Sender, error) {
	if cfg.HTTPTimeout == 0 {
		cfg.HTTPTimeout = 10 * time.Second
	}
	// Keep connections to Twilio open for every dispatcher worker: the default of two
	// idle connections per host means a new TLS handshake for most messages under load.
	pooled := http.DefaultTransport.(*http.Transport).Clone()
	pooled.MaxIdleConns, pooled.MaxIdleConnsPerHost = 128, 64
	var transport http.RoundTripper = pooled
	if cfg.APIBaseURL != "" {
		base, err := url.Parse(cfg.APIBaseURL)
		if err != nil || base.Scheme == "" || base.Host == "" {
			return nil, fmt.Errorf("TWILIO_API_BASE_URL=%q: use a URL such as https://api.twilio.com", cfg.APIBaseURL)
		}
		transport = &rebase{base: base, next: pooled}
	}
	if metrics == nil {
		metrics = NopMetrics{}
	}
	return &Sender{
		cfg: cfg, transport: transport, window: window, records: records,
		metrics: metrics, log: log, now: time.Now,
		callback: strings.TrimSuffix(cfg.PublicURL, "/") + StatusPath,
	}, nil
}

// api is the twilio-go REST client for one send. twilio-go takes no context, so the
// send's context reaches the HTTP request through the transport: a courier that stops
// at its shutdown deadline cuts the request off instead of waiting for its time-out.
func (s *Sender) api(ctx context.Context) *openapi.ApiService {
	c := &client.Client{
		Credentials: client.NewCredentials(s.cfg.AccountSID, s.cfg.AuthToken),
		HTTPClient: &http.Client{
			Timeout:   s.cfg.HTTPTimeout,
			Transport: withContext{ctx, s.transport},
			// Twilio answers directly; a redirect would be a misconfigured proxy.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
	}
	c.SetAccountSid(s.cfg.AccountSID)
	handler := client.NewRequestHandler(c)
	// Edges and regions come from our configuration, not from stray environment.
	handler.Edge, handler.Region = "", ""
	return openapi.NewApiService(handler)
}

// withContext ends a request when ctx ends, as well as when its own context does.
type withContext struct {
	ctx  context.Context
	next http.RoundTripper
}

func (w withContext) RoundTrip(r *http.Request) (*http.Response, error) {
	ctx, cancel := context.WithCancel(r.Context())
	stop := context.AfterFunc(w.ctx, cancel)
	resp, err := w.next.RoundTrip(r.WithContext(ctx))
	if err != nil {
		stop()
		cancel()
		return nil, err
	}
	resp.Body = cancelOnClose{resp.Body, func() { stop(); cancel() }}
	return resp, nil
}

// cancelOnClose releases a request's context once its body is read and closed.
type cancelOnClose struct {
	io.ReadCloser
	release func()
}

func (c cancelOnClose) Close() error {
	err := c.ReadCloser.Close()
	c.release()
	return err
}

// rebase sends requests meant for *.twilio.com to another base URL.
type rebase struct {
	base *url.URL
	next http.RoundTripper
}

func (r *rebase) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	req.URL.Scheme, req.URL.Host = r.base.Scheme, r.base.Host
	req.URL.Path = strings.TrimSuffix(r.base.Path, "/") + req.URL.Path
	req.Host = r.base.Host
	return r.next.RoundTrip(req)
}

// Send implements channels.Sender.
func (s *Sender) Send(ctx context.Context, out channels.Outbound) (channels.Receipt, error) {
	params := &openapi.CreateMessageParams{}
	params.SetTo(address(out.Channel, out.To))
	params.SetStatusCallback(s.callback)
	body, segments := out.Text, 0
	switch out.Channel {
	case ChannelWhatsApp:
		if s.cfg.WhatsAppFrom == "" {
			return channels.Receipt{}, &channels.SendError{Permanent: true, Err: fmt.Errorf("twilio: TWILIO_WHATSAPP_FROM is not set")}
		}
		params.SetFrom(whatsappPrefix + s.cfg.WhatsAppFrom)
		body = truncate(body)
		open, err := s.window.Open(ctx, out.To, s.now())
		if err != nil {
			return channels.Receipt{}, &channels.SendError{Err: fmt.Errorf("twilio: whatsapp window: %w", err)}
		}
		if !open {
			if s.cfg.WhatsAppTemplateSID == "" {
				return channels.Receipt{}, s.failed(ctx, out, &channels.SendError{Permanent: true, Code: "63016", Err: ErrOutsideWindow})
			}
			// The template asks the resident to write back; their reply reopens the window
			// and the news is waiting for them (CEK).
			params.SetContentSid(s.cfg.WhatsAppTemplateSID)
			body = ""
		}
	case ChannelSMS:
		if strings.HasPrefix(s.cfg.SMSFrom, "MG") {
			params.SetMessagingServiceSid(s.cfg.SMSFrom)
		} else {
			params.SetFrom(s.cfg.SMSFrom)
		}
		body, segments = shapeSMS(body)
	default:
		return channels.Receipt{}, &channels.SendError{Permanent: true, Err: fmt.Errorf("twilio: unknown channel %q", out.Channel)}
	}
	if body != "" {
		params.SetBody(body)
	}

	msg, err := s.api(ctx).CreateMessage(params)
	if err != nil {
		if s.cfg.APIBaseURL != "" {
			// twilio-go's errors name api.twilio.com whatever host was dialled.
			err = fmt.Errorf("TWILIO_API_BASE_URL %s: %w", s.cfg.APIBaseURL, err)
		}
		return channels.Receipt{}, s.failed(ctx, out, classify(err))
	}
	sid, status := "", "queued"
	if msg.Sid != nil {
		sid = *msg.Sid
	}
	if msg.Status != nil {
		status = *msg.Status
	}
	s.metrics.Sent(out.Channel, "sent", segments)
	if s.records != nil && sid != "" {
		if err := s.records.Add(ctx, domain.MessageRecord{
			Channel: out.Channel, Direction: domain.Outbound, ProviderID: sid, Peer: out.To,
			Segments: segments, Status: status, At: s.now(),
		}); err != nil {
			s.log.Warn("message record dropped", "err", err)
		}
	}
	return channels.Receipt{ProviderID: sid, Segments: segments}, nil
}

// failed reports a refused send. A permanent refusal is recorded with its reason (it has
// no Twilio id, so it gets a local one), and an opted-out number is marked as such.
func (s *Sender) failed(ctx context.Context, out channels.Outbound, err error) error {
	var se *channels.SendError
	errors.As(err, &se)
	if !se.Permanent {
		s.metrics.Sent(out.Channel, "retryable", 0)
		s.log.Warn("twilio send failed, will retry", "to", channels.MaskPhone(out.To), "channel", out.Channel, "err", err)
		return err
	}
	s.metrics.Sent(out.Channel, "permanent", 0)
	s.log.Warn("twilio refused message", "to", channels.MaskPhone(out.To), "channel", out.Channel, "code", se.Code, "reason", Reason(se.Code))
	if s.records != nil {
		rec := domain.MessageRecord{Channel: out.Channel, Direction: domain.Outbound, ProviderID: "local-" + localID(),
			Peer: out.To, Status: "failed", ErrorCode: se.Code, Error: Reason(se.Code), At: s.now()}
		if rec.Error == "" {
			rec.Error = channels.MaskDigits(se.Err.Error()) // Twilio's words may quote the number
		}
		if err := s.records.Add(ctx, rec); err != nil {
			s.log.Warn("message record dropped", "err", err)
		}
	}
	if se.Code == strconv.Itoa(codeOptedOut) && s.OptOuts != nil {
		if err := s.OptOuts.SetOptOut(ctx, out.To, true, s.now()); err != nil {
			s.log.Error("opt-out not recorded", "to", channels.MaskPhone(out.To), "err", err)
		}
	}
	return err
}

// localID names a message Twilio refused, for its record.
func localID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
