package twilio_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dinsospmd-bateng/silakso/channels"
	"github.com/dinsospmd-bateng/silakso/channels/delivery"
	"github.com/dinsospmd-bateng/silakso/channels/gsm7"
	"github.com/dinsospmd-bateng/silakso/channels/twilio"
	"github.com/dinsospmd-bateng/silakso/channels/twilio/twiliotest"
)

func fakeAPI(t *testing.T) (*twiliotest.API, string) {
	t.Helper()
	api := twiliotest.NewAPI(accountSID, authToken)
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	return api, srv.URL
}

func newSender(t *testing.T, cfg twilio.Config, window twilio.WindowStore, rec channels.Recorder) *twilio.Sender {
	t.Helper()
	cfg.AccountSID, cfg.AuthToken, cfg.PublicURL = accountSID, authToken, publicURL
	s, err := twilio.NewSender(cfg, window, rec, nil, quiet)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSendFormFields(t *testing.T) {
	window := twilio.NewMemoryWindow()
	window.Touch(context.Background(), "+6281234567890", time.Now())
	tests := []struct {
		name   string
		cfg    twilio.Config
		out    channels.Outbound
		want   url.Values
		absent []string
	}{
		{"sms from a number", twilio.Config{SMSFrom: "+6281100001111"},
			channels.Outbound{Channel: twilio.ChannelSMS, To: "+6281234567890", Text: "Halo"},
			url.Values{"To": {"+6281234567890"}, "From": {"+6281100001111"}, "Body": {"Halo"}, "StatusCallback": {publicURL + "/twilio/status"}},
			[]string{"MessagingServiceSid"}},
		{"sms from a messaging service", twilio.Config{SMSFrom: "MG0123456789abcdef0123456789abcdef"},
			channels.Outbound{Channel: twilio.ChannelSMS, To: "+6281234567890", Text: "Halo"},
			url.Values{"To": {"+6281234567890"}, "MessagingServiceSid": {"MG0123456789abcdef0123456789abcdef"}, "Body": {"Halo"}, "StatusCallback": {publicURL + "/twilio/status"}},
			[]string{"From"}},
		{"sms is shaped to GSM-7", twilio.Config{SMSFrom: "+6281100001111"},
			channels.Outbound{Channel: twilio.ChannelSMS, To: "+6281234567890", Text: "\u201cTerima kasih\u201d \u2013 Anda\u2019s \U0001F64F"},
			url.Values{"Body": {"\"Terima kasih\" - Anda's "}}, nil},
		{"whatsapp inside the window", twilio.Config{WhatsAppFrom: "+6281100001111"},
			channels.Outbound{Channel: twilio.ChannelWhatsApp, To: "+6281234567890", Text: "Halo \U0001F64F"},
			url.Values{"To": {"whatsapp:+6281234567890"}, "From": {"whatsapp:+6281100001111"}, "Body": {"Halo \U0001F64F"}, "StatusCallback": {publicURL + "/twilio/status"}},
			[]string{"ContentSid"}},
		{"whatsapp outside the window uses the template", twilio.Config{WhatsAppFrom: "+6281100001111", WhatsAppTemplateSID: "HX0123456789abcdef0123456789abcdef"},
			channels.Outbound{Channel: twilio.ChannelWhatsApp, To: "+6289999999999", Text: "Status berubah"},
			url.Values{"To": {"whatsapp:+6289999999999"}, "ContentSid": {"HX0123456789abcdef0123456789abcdef"}},
			[]string{"Body"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api, base := fakeAPI(t)
			tt.cfg.APIBaseURL = base
			r := &recorded{}
			s := newSender(t, tt.cfg, window, r)
			receipt, err := s.Send(context.Background(), tt.out)
			if err != nil {
				t.Fatal(err)
			}
			msgs := api.Messages()
			if len(msgs) != 1 || receipt.ProviderID != msgs[0].SID {
				t.Fatalf("sent %d, receipt %+v", len(msgs), receipt)
			}
			for k, v := range tt.want {
				if got := msgs[0].Form.Get(k); got != v[0] {
					t.Errorf("%s = %q, want %q", k, got, v[0])
				}
			}
			for _, k := range tt.absent {
				if _, ok := msgs[0].Form[k]; ok {
					t.Errorf("%s sent: %q", k, msgs[0].Form.Get(k))
				}
			}
			if len(r.Records) != 1 || r.Records[0].ProviderID != receipt.ProviderID || r.Records[0].Status != "queued" {
				t.Fatalf("records %+v", r.Records)
			}
		})
	}
}

func TestSMSSegmentsAndLimit(t *testing.T) {
	api, base := fakeAPI(t)
	s := newSender(t, twilio.Config{SMSFrom: "+6281100001111", APIBaseURL: base}, nil, nil)
	for _, tt := range []struct {
		text     string
		segments int
	}{
		{strings.Repeat("a", 160), 1},
		{strings.Repeat("a", 161), 2},
		{strings.Repeat("a", 306), 2},
		{strings.Repeat("a", 5000), 11}, // cut to 1,600 characters
	} {
		r, err := s.Send(context.Background(), channels.Outbound{Channel: twilio.ChannelSMS, To: "+6281234567890", Text: tt.text})
		if err != nil {
			t.Fatal(err)
		}
		if r.Segments != tt.segments {
			t.Errorf("%d characters: %d segments, want %d", len(tt.text), r.Segments, tt.segments)
		}
	}
	msgs := api.Messages()
	if body := msgs[len(msgs)-1].Form.Get("Body"); len(body) != 1600 || !gsm7.Valid(body) {
		t.Fatalf("long body sent with %d characters", len(body))
	}
}

func TestWhatsAppOutsideWindowWithoutTemplate(t *testing.T) {
	api, base := fakeAPI(t)
	s := newSender(t, twilio.Config{WhatsAppFrom: "+6281100001111", APIBaseURL: base}, twilio.NewMemoryWindow(), nil)
	_, err := s.Send(context.Background(), channels.Outbound{Channel: twilio.ChannelWhatsApp, To: "+6281234567890", Text: "Halo"})
	if !errors.Is(err, twilio.ErrOutsideWindow) || !channels.IsPermanent(err) {
		t.Fatalf("err = %v, want permanent ErrOutsideWindow", err)
	}
	if n, _ := api.Count(); n != 0 {
		t.Fatal("message sent outside the window")
	}
}

func TestSendErrors(t *testing.T) {
	tests := []struct {
		name      string
		failure   twiliotest.Failure
		permanent bool
		code      string
	}{
		{"opted out", twiliotest.Failure{HTTPStatus: 400, Code: 21610, Message: "Attempt to send to unsubscribed recipient"}, true, "21610"},
		{"invalid number", twiliotest.Failure{HTTPStatus: 400, Code: 21211, Message: "The 'To' number is not a valid phone number."}, true, "21211"},
		{"not a mobile", twiliotest.Failure{HTTPStatus: 400, Code: 21614, Message: "'To' number is not a valid mobile number"}, true, "21614"},
		{"too many requests", twiliotest.Failure{HTTPStatus: 429, Code: 20429, Message: "Too Many Requests"}, false, "20429"},
		{"server error", twiliotest.Failure{HTTPStatus: 503, Code: 20500, Message: "Service Unavailable"}, false, "20500"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api, base := fakeAPI(t)
			api.Fail = func(url.Values) *twiliotest.Failure { return &tt.failure }
			r := &recorded{}
			s := newSender(t, twilio.Config{SMSFrom: "+6281100001111", APIBaseURL: base}, nil, r)
			s.OptOuts = r
			_, err := s.Send(context.Background(), channels.Outbound{Channel: twilio.ChannelSMS, To: "+6281234567890", Text: "x"})
			var se *channels.SendError
			if !errors.As(err, &se) || se.Permanent != tt.permanent || se.Code != tt.code {
				t.Fatalf("err = %#v", err)
			}
			// Permanent refusals are recorded with a readable reason; retryable ones are not
			// (yet) failures.
			if tt.permanent != (len(r.Records) == 1) {
				t.Fatalf("records %+v", r.Records)
			}
			if tt.permanent && (r.Records[0].Status != "failed" || r.Records[0].ErrorCode != tt.code || r.Records[0].Error == "") {
				t.Fatalf("record %+v", r.Records[0])
			}
			if (tt.code == "21610") != (len(r.optedOut) == 1) {
				t.Fatalf("opted out %v", r.optedOut)
			}
		})
	}
	t.Run("server down", func(t *testing.T) {
		srv := httptest.NewServer(http.NotFoundHandler())
		base := srv.URL
		srv.Close()
		s := newSender(t, twilio.Config{SMSFrom: "+6281100001111", APIBaseURL: base, HTTPTimeout: time.Second}, nil, nil)
		_, err := s.Send(context.Background(), channels.Outbound{Channel: twilio.ChannelSMS, To: "+6281234567890", Text: "x"})
		if err == nil || channels.IsPermanent(err) {
			t.Fatalf("err = %v, want retryable", err)
		}
	})
}

// Through the courier: 429 and 5xx are retried until they succeed; 21610 and 21211
// are tried once.
func TestSendRetries(t *testing.T) {
	tests := []struct {
		name         string
		failures     []twiliotest.Failure
		wantAttempts int
		wantSent     bool
	}{
		{"429 then success", []twiliotest.Failure{{HTTPStatus: 429, Code: 20429, Message: "Too Many Requests"}}, 2, true},
		{"5xx twice then success", []twiliotest.Failure{{HTTPStatus: 500, Code: 20500}, {HTTPStatus: 502, Code: 20500}}, 3, true},
		{"opted out is not retried", []twiliotest.Failure{{HTTPStatus: 400, Code: 21610}}, 1, false},
		{"invalid number is not retried", []twiliotest.Failure{{HTTPStatus: 400, Code: 21211}}, 1, false},
		{"gives up after the last attempt", []twiliotest.Failure{{HTTPStatus: 503}, {HTTPStatus: 503}, {HTTPStatus: 503}, {HTTPStatus: 503}, {HTTPStatus: 503}}, 4, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api, base := fakeAPI(t)
			var mu sync.Mutex
			calls := 0
			api.Fail = func(url.Values) *twiliotest.Failure {
				mu.Lock()
				defer mu.Unlock()
				calls++
				if calls <= len(tt.failures) {
					f := tt.failures[calls-1]
					return &f
				}
				return nil
			}
			s := newSender(t, twilio.Config{SMSFrom: "+6281100001111", APIBaseURL: base}, nil, nil)
			var result error
			d := delivery.New(delivery.Config{QuickRetries: 3, QuickBackoff: time.Millisecond}, delivery.Deps{
				Senders:  map[string]channels.Sender{twilio.ChannelSMS: s},
				OnResult: func(_ channels.Outbound, _ channels.Receipt, err error) { result = err },
				Log:      quiet,
			})
			if err := d.Enqueue(context.Background(), channels.Outbound{Channel: twilio.ChannelSMS, To: "+6281234567890", Text: "x"}); err != nil {
				t.Fatal(err)
			}
			d.Close(context.Background())
			sent, attempts := api.Count()
			if attempts != tt.wantAttempts || (sent == 1) != tt.wantSent || (result == nil) != tt.wantSent {
				t.Fatalf("attempts %d sent %d result %v; want %d attempts, sent %v", attempts, sent, result, tt.wantAttempts, tt.wantSent)
			}
		})
	}
}

// twilio-go takes no context; the sender's still ends a request when the send's context
// ends (a courier at its shutdown deadline), as a retryable failure, instead of
// waiting for the HTTP time-out.
func TestSendHonoursItsContext(t *testing.T) {
	api, base := fakeAPI(t)
	api.SetDelay(time.Hour)
	s := newSender(t, twilio.Config{SMSFrom: "+6281100001111", APIBaseURL: base, HTTPTimeout: time.Minute}, nil, nil)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	done := make(chan error)
	go func() {
		_, err := s.Send(ctx, channels.Outbound{Channel: twilio.ChannelSMS, To: "+6281234567890", Text: "x"})
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil || channels.IsPermanent(err) {
			t.Fatalf("err = %v; want a retryable failure", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the send went on after its context ended")
	}
	if sent, _ := api.Count(); sent != 0 {
		t.Fatalf("%d accepted", sent)
	}
}
