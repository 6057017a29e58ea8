package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.mau.fi/whatsmeow"
	"golang.org/x/time/rate"

	"github.com/dinsospmd-bateng/silakso/bot"
	"github.com/dinsospmd-bateng/silakso/channels"
	"github.com/dinsospmd-bateng/silakso/channels/twilio"
	"github.com/dinsospmd-bateng/silakso/channels/whatsapp"
	"github.com/dinsospmd-bateng/silakso/store"
	"github.com/dinsospmd-bateng/silakso/store/memory"
	"github.com/dinsospmd-bateng/silakso/store/redis"
)

// Limits of the HTTP server. A turn is cut off at turnTimeout, inside Twilio's 15 s.
const (
	turnTimeout   = 10 * time.Second
	shutdownGrace = 25 * time.Second
)

// readyFunc checks one dependency for /readyz.
type readyFunc func(ctx context.Context) error

func runServe(ctx context.Context, env func(string) string, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	if err := fs.Parse(args); err != nil {
		return usageError{err}
	}
	cfg, err := loadConfig(env, slog.LevelInfo)
	if err != nil {
		return err
	}
	if err := cfg.checkServe(); err != nil {
		return err
	}
	log := newLogger(stderr, cfg.LogLevel)
	ready := map[string]readyFunc{}

	db, err := openCases(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	ready["database"] = db.Ping

	var sessions store.Sessions
	var window twilio.WindowStore
	if cfg.RedisURL != "" {
		rs, closeRedis, err := openRedisSessions(ctx, cfg, store.SessionOptions{}, log)
		if err != nil {
			return err
		}
		defer closeRedis()
		sessions = rs
		r := rs.(*redis.Sessions)
		ready["redis"] = r.Ping
		window = r.Window()
	} else {
		log.Warn("sessions are kept in this process: run one instance only, or set SILAKSO_REDIS_URL")
		sessions = memory.NewSessions(store.SessionOptions{}, time.Now)
		window = twilio.NewMemoryWindow()
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m := newMetrics(reg)

	engine, err := newEngine(sessions, db, log, m)
	if err != nil {
		return err
	}

	// Message records are written in batches: one transaction per 500 records or per
	// 200 ms, not one per message.
	records := store.NewBatcher(db, 500, 200*time.Millisecond, func(err error, lost int) {
		log.Error("message records not written", "records", lost, "err", err)
	})
	defer records.Close()

	mux := http.NewServeMux()
	var dispatcher *channels.Dispatcher
	senders := map[string]channels.Sender{}
	if cfg.twilioEnabled() {
		twilioSender, err := twilio.NewSender(cfg.Twilio, window, records, m, log)
		if err != nil {
			return err
		}
		twilioSender.OptOuts = db
		if cfg.Twilio.SMSFrom != "" {
			senders[twilio.ChannelSMS] = twilioSender
		}
		if cfg.Twilio.WhatsAppFrom != "" {
			senders[twilio.ChannelWhatsApp] = twilioSender
		}
	}
	var wa *whatsmeow.Client
	if cfg.WhatsApp {
		client, devices, err := openWhatsApp(ctx, cfg, log)
		if err != nil {
			return err
		}
		defer devices.Close()
		if client.Store.ID == nil {
			return errors.New("SILAKSO_WHATSAPP=on but no WhatsApp number is linked: run silakso whatsapp link first")
		}
		// Acknowledge a message only after its turn ran (a crash mid-turn means WhatsApp
		// delivers it again), and keep trying when WhatsApp is unreachable at start.
		client.SynchronousAck = true
		client.InitialAutoReconnect = true
		senders[whatsapp.Channel] = whatsapp.NewSender(client, records, m, log)
		wa = client
	}
	if len(senders) > 0 {
		// 32 queues keep each resident's replies in order while 32 sends run at once.
		dispatcher = channels.NewDispatcher(senders, 32, 256, 4, 500*time.Millisecond, log)
	}
	if cfg.twilioEnabled() {
		webhook := twilio.NewWebhook(cfg.Twilio, engine, dispatcher, records, db, window, m, log)
		webhook.TurnTimeout = turnTimeout
		webhook.Register(mux)
		ready["twilio"] = func(context.Context) error { return nil }
	}
	var waAdapter *whatsapp.Adapter
	if wa != nil {
		waAdapter = whatsapp.NewAdapter(engine, dispatcher, records, wa.Store.LIDs, m, log)
		waAdapter.TurnTimeout = turnTimeout
		wa.AddEventHandlerWithSuccessStatus(waAdapter.HandleEvent)
		ready["whatsapp"] = func(context.Context) error { return waAdapter.Ready() }
	}
	if len(senders) == 0 {
		log.Warn("no channel configured: set TWILIO_AUTH_TOKEN and friends, or SILAKSO_WHATSAPP=on, to receive messages")
		ready["channels"] = func(context.Context) error { return errors.New("no channel configured") }
	}
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok\n") })
	mux.HandleFunc("GET /readyz", readyHandler(ready))
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))

	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      turnTimeout + 5*time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("SILAKSO_HTTP_ADDR=%q: %v", cfg.HTTPAddr, err)
	}
	log.Info("serving", "addr", ln.Addr().String(), "public_url", cfg.PublicURL, "twilio", cfg.twilioEnabled(),
		"whatsapp", cfg.WhatsApp, "database", redact(cfg.DatabaseURL), "redis", cfg.RedisURL != "")
	fmt.Fprintf(stdout, "silakso serving on %s\n", ln.Addr())

	// Background work starts once nothing can fail any more, and stops before we return:
	// outbox workers deliver status changes, officer replies and notices (at most
	// SILAKSO_SEND_RATE per second per channel); untaken cases escalate; parked intakes
	// are filed.
	bg, stopBackground := context.WithCancel(ctx)
	var background sync.WaitGroup
	workersDone := startOutbox(bg, cfg, env, db, senders, log)
	background.Add(2)
	go func() { defer background.Done(); escalateEvery(bg, engine, cfg.EscalateAfter, log) }()
	go func() { defer background.Done(); engine.RetryFilingsEvery(bg, 30*time.Second) }()
	defer func() {
		stopBackground()
		background.Wait()
		<-workersDone
	}()

	if addr := env("SILAKSO_DEBUG_ADDR"); addr != "" {
		// Profiling (go tool pprof http://ADDR/debug/pprof/profile) on its own listener,
		// never on the public one.
		debug := http.NewServeMux()
		debug.HandleFunc("/debug/pprof/", pprof.Index)
		debug.HandleFunc("/debug/pprof/profile", pprof.Profile)
		debug.HandleFunc("/debug/pprof/trace", pprof.Trace)
		debug.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
		go func() {
			if err := http.ListenAndServe(addr, debug); err != nil {
				log.Error("debug listener", "err", err)
			}
		}()
	}

	if wa != nil {
		if err := wa.Connect(); err != nil {
			return fmt.Errorf("connect to WhatsApp: %v", oneLine(err))
		}
		defer wa.Disconnect()
	}

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	// Stop accepting, let the turns in flight finish, then send their queued replies.
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		log.Error("shutdown", "err", err)
	}
	if waAdapter != nil {
		// Messages arriving from now on stay unacknowledged, and WhatsApp delivers them
		// to the next process; the replies already queued still go out below.
		waAdapter.Close()
	}
	if dispatcher != nil {
		dispatcher.Close()
	}
	log.Info("stopped")
	return nil
}

// readyHandler answers 200 when every dependency answers within 2 s, else 503 with
// what failed.
func readyHandler(checks map[string]readyFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		status := map[string]string{}
		code := http.StatusOK
		for name, check := range checks {
			if err := check(ctx); err != nil {
				status[name] = err.Error()
				code = http.StatusServiceUnavailable
			} else {
				status[name] = "ok"
			}
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		json.NewEncoder(w).Encode(status)
	}
}

// startOutbox runs the outbox workers until ctx is done; the returned channel closes
// when they have stopped. On PostgreSQL they are woken by LISTEN/NOTIFY the moment a
// push is queued, and poll every 5 s besides; on SQLite one worker polls every second.
func startOutbox(ctx context.Context, cfg config, env func(string) string, db database, senders map[string]channels.Sender, log *slog.Logger) <-chan struct{} {
	limiters := map[string]*rate.Limiter{}
	for ch := range senders {
		limiters[ch] = rate.NewLimiter(rate.Limit(cfg.SendRate), max(1, int(cfg.SendRate)))
	}
	host, _ := os.Hostname()
	n, poll := cfg.OutboxWorkers, 5*time.Second
	listener, canListen := db.(interface {
		ListenOutbox(ctx context.Context, wake func())
	})
	if !canListen {
		n, poll = 1, time.Second
	}
	// A push for a channel that is not running here (the WhatsApp number was unlinked,
	// a channel was switched off) still reaches the resident's phone by SMS when an SMS
	// sender is configured, instead of failing.
	var fallback channels.Sender
	if sms, ok := senders[twilio.ChannelSMS]; ok {
		fallback = asSMS{sms: sms, limit: limiters[twilio.ChannelSMS]}
	}
	var workers []*bot.OutboxWorker
	var wg sync.WaitGroup
	for i := range n {
		w := &bot.OutboxWorker{
			Outbox: db, Senders: senders, Fallback: fallback, OptedOut: db.OptedOut, Limiters: limiters,
			Owner: fmt.Sprintf("%s-%d-%d", host, os.Getpid(), i), Log: log,
		}
		workers = append(workers, w)
		wg.Add(1)
		go func() { defer wg.Done(); w.Run(ctx, poll) }()
	}
	if canListen {
		wg.Add(1)
		go func() {
			defer wg.Done()
			listener.ListenOutbox(ctx, func() {
				for _, w := range workers {
					w.Wake()
				}
			})
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	return done
}

// asSMS sends a message by SMS whatever channel it was meant for, so the SMS sender
// shapes and counts it as SMS, within the SMS send rate.
type asSMS struct {
	sms   channels.Sender
	limit *rate.Limiter
}

func (f asSMS) Send(ctx context.Context, out channels.Outbound) (channels.Receipt, error) {
	if err := f.limit.Wait(ctx); err != nil {
		return channels.Receipt{}, &channels.SendError{Err: err}
	}
	out.Channel = twilio.ChannelSMS
	return f.sms.Send(ctx, out)
}

// escalateEvery sends cases nobody took within after to the supervisors, checking
// every minute. Several instances may do it at once; each case escalates once.
func escalateEvery(ctx context.Context, e *bot.Engine, after time.Duration, log *slog.Logger) {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		if n, err := e.Escalate(ctx, after); err != nil && ctx.Err() == nil {
			log.Error("escalation", "err", err)
		} else if n > 0 {
			log.Info("cases escalated to supervisors", "cases", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
