package main

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/twilio/twilio-go/client"

	"github.com/dinsospmd-bateng/silakso/channels"
	"github.com/dinsospmd-bateng/silakso/channels/twilio"
)

// echoServer is the ceiling: a bare webhook that does what any Twilio bot must (read
// the form, check the signature, answer, send a reply through twilio-go to the same fake
// provider, in the background) and nothing else. serve's turns/s as a share of its
// turns/s is the cost of everything SILAKSO adds.
type echoServer struct {
	url string
	srv *http.Server
}

func startEcho(o options, providerBase string) (*echoServer, error) {
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	sender, err := twilio.NewSender(twilio.Config{
		AccountSID: o.accountSID, AuthToken: o.authToken, SMSFrom: "+6281100001111",
		PublicURL: o.publicURL, APIBaseURL: providerBase,
	}, twilio.NewMemoryWindow(), nil, nil, quiet)
	if err != nil {
		return nil, err
	}
	validator := client.NewRequestValidator(o.authToken)
	public := strings.TrimSuffix(o.publicURL, "/")
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+twilio.MessagesPath, func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 64<<10))
		if err != nil || !validator.ValidateBody(public+r.URL.RequestURI(), body, r.Header.Get("X-Twilio-Signature")) {
			http.Error(w, "forbidden", http.StatusForbidden)
			return
		}
		form, err := url.ParseQuery(string(body))
		if err != nil {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		out := channels.Outbound{Channel: twilio.ChannelSMS, To: form.Get("From"), Text: form.Get("Body")}
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			sender.Send(ctx, out)
		}()
		w.Header().Set("Content-Type", "text/xml")
		io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><Response></Response>`)
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	return &echoServer{url: "http://" + ln.Addr().String(), srv: srv}, nil
}

func (e *echoServer) close() { e.srv.Close() }
