package main

import (
	"context"
	crand "crypto/rand"
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

	"github.com/dinsospmd-bateng/silakso/bot"
	"github.com/dinsospmd-bateng/silakso/channels"
	"github.com/dinsospmd-bateng/silakso/channels/delivery"
	"github.com/dinsospmd-bateng/silakso/channels/gammu"
	"github.com/dinsospmd-bateng/silakso/channels/smsgate"
	"github.com/dinsospmd-bateng/silakso/channels/twilio"
	"github.com/dinsospmd-bateng/silakso/channels/whatsapp"
	"github.com/dinsospmd-bateng/silakso/locales"
	"github.com/dinsospmd-bateng/silakso/store"
	"github.com/dinsospmd-bateng/silakso/store/memory"
	"github.com/dinsospmd-bateng/silakso/store/redis"
	"github.com/dinsospmd-bateng/silakso/store/spool"
)

// Limits of the HTTP server. A turn is cut off at turnTimeout, inside Twilio's 15 s
// (the engine itself gives up at 8 s, so a failed turn answers in time for a retry).
// On SIGTERM the turns in flight finish, then the courier sends what it holds until
// shutdownGrace has passed since the signal; what is left then waits in the outbox for
// the next process.
const (
	turnTimeout   = 10 * time.Second
	shutdownGrace = 25 * time.Second
	// handOffTime is kept at the end of the grace for writing what is unsent to the
	// outbox, and closeTime after it for the message records still queued and for
	// closing the clients: a database or Redis that hangs costs records (bookkeeping),
	// never the grace.
	handOffTime      = 3 * time.Second
	recordsCloseTime = 2 * time.Second
	clientCloseTime  = 500 * time.Millisecond
	closeTime        = recordsCloseTime + 2*clientCloseTime
	// retryFilingsEvery is how often parked filings are tried: a round costs a look at
	// the spool and one Redis call when nothing is parked.
	retryFilingsEvery = 10 * time.Second
)

// readyFunc checks one dependency for /readyz.
type readyFunc func(ctx context.Context) error

// reportFunc describes the state of a device this instance does not need to answer
// requests (a modem, a gateway phone) for /readyz, without failing it: a load balancer
// that took every instance out because a phone is off would cut the other channels
// too, and the phone's own events, which are the only way it is heard again.
type reportFunc func(ctx context.Context) string

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
	reports := map[string]reportFunc{}

	db, err := openCases(ctx, cfg)
	if err != nil {
		return err
	}
	defer closeWithin(clientCloseTime, "case database", db.Close, log)
	ready["database"] = db.Ping

	var sessions store.Sessions
	var window twilio.WindowStore
	var phoneState smsgate.State = smsgate.NewMemoryState()
	if cfg.RedisURL != "" {
		rs, closeRedis, err := openRedisSessions(ctx, cfg, store.SessionOptions{}, log)
		if err != nil {
			return err
		}
		defer closeWithin(clientCloseTime, "redis", closeRedis, log)
		sessions = rs
		r := rs.(*redis.Sessions)
		ready["redis"] = r.Ping
		window = r.Window()
		phoneState = r.Gateway()
	} else {
		log.Warn("sessions are kept in this process: conversations in progress start over when it restarts, and only one instance may run; set SILAKSO_REDIS_URL to keep them")
		sessions = memory.NewSessions(store.SessionOptions{}, time.Now)
		window = twilio.NewMemoryWindow()
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m := newMetrics(reg)

	// Parked filings (confirmed while the case database was down) are kept on this
	// instance's disk, which no restart loses, and in Redis, where any instance can file
	// them.
	spooled, err := spool.Open(cfg.SpoolDir())
	if err != nil {
		return fmt.Errorf("parked filings folder: %w (set SILAKSO_DATA_DIR to a writable folder)", err)
	}
	parking := store.ParkingCopies{Copies: []store.Parking{spooled},
		OnError: func(err error) { log.Error("parked filing copy failed; another copy holds it", "err", err) }}
	if p, ok := sessions.(store.Parking); ok && cfg.RedisURL != "" {
		parking.Copies = append(parking.Copies, p)
	}
	engine, err := newEngine(cfg, sessions, parking, db, log, m)
	if err != nil {
		return err
	}
	if err := engine.Warm(ctx); err != nil {
		log.Warn("officer registry not loaded at start; it is loaded with the first message", "err", err)
	}

	// Message records are written in batches: one transaction per 500 records or per
	// 200 ms, not one per message.
	records := store.NewBatcher(db, 500, 200*time.Millisecond, func(err error, lost int) {
		log.Error("message records not written", "records", lost, "err", err)
	})
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), recordsCloseTime)
		defer cancel()
		records.Close(ctx)
	}()

	mux := http.NewServeMux()
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
		// Acknowledge a message only after its turn ran, so a crash mid-turn means
		// WhatsApp delivers it again; keep what was decrypted until then, since a
		// message cannot be decrypted twice; and keep trying when WhatsApp is
		// unreachable at start.
		client.SynchronousAck = true
		client.EnableDecryptedEventBuffer = true
		client.InitialAutoReconnect = true
		senders[whatsapp.Channel] = whatsapp.NewSender(client, records, m, log)
		wa = client
	}
	var gw *gammu.DB
	if cfg.GammuURL != "" {
		gctx, cancel := context.WithTimeout(ctx, startupTimeout)
		gw, err = gammu.Open(gctx, cfg.GammuURL)
		cancel()
		if err != nil {
			return fmt.Errorf("SILAKSO_GAMMU_DATABASE_URL: %v", oneLine(err))
		}
		defer closeWithin(clientCloseTime, "gammu database", func() error { gw.Close(); return nil }, log)
		senders[gammu.Channel] = gammu.NewSender(gw, cfg.Gammu, m)
		reports["gammu"] = func(ctx context.Context) string {
			if _, err := gw.Check(ctx, cfg.Gammu.PhoneID, cfg.Gammu.StaleAfter); err != nil {
				return err.Error()
			}
			return "ok"
		}
	}
	if cfg.smsgateEnabled() {
		s, err := smsgate.NewSender(cfg.SMSGate, records, m, log)
		if err != nil {
			return err
		}
		senders[smsgate.Channel] = s
	}
	courier := newCourier(cfg, db, senders, log)
	var webhook *twilio.Webhook
	if cfg.twilioEnabled() {
		webhook = twilio.NewWebhook(cfg.Twilio, engine, courier, records, db, window, m, log)
		webhook.TurnTimeout = turnTimeout
		webhook.Register(mux)
		ready["twilio"] = func(context.Context) error { return nil }
	}
	var waAdapter *whatsapp.Adapter
	if wa != nil {
		waAdapter = whatsapp.NewAdapter(engine, courier, records, wa.Store.LIDs, m, log)
		waAdapter.TurnTimeout = turnTimeout
		wa.AddEventHandlerWithSuccessStatus(waAdapter.HandleEvent)
		ready["whatsapp"] = func(context.Context) error { return waAdapter.Ready() }
	}
	var phoneHook *smsgate.Webhook
	var phone *smsgate.Monitor
	if cfg.smsgateEnabled() {
		phoneHook = smsgate.NewWebhook(cfg.SMSGate, engine, courier, records, phoneState, m, log)
		phoneHook.Register(mux)
		phone = smsgate.NewMonitor(phoneState, cfg.SMSGate, m, log)
		phone.OnSilent = alertSilence(engine, "officer.phone_silent", smsgate.Channel, "the gateway phone", log)
		reports["smsgate"] = phone.Report
	}
	var gammuIn *gammu.Adapter
	var gammuTrack *gammu.Tracker
	if gw != nil {
		gcfg := cfg.Gammu
		gcfg.TurnTimeout = turnTimeout
		gammuIn = gammu.NewAdapter(gw, gcfg, engine, courier, records, m, log)
		gammuTrack = gammu.NewTracker(gw, gcfg, records, m, log)
		gammuTrack.OnSilent = alertSilence(engine, "officer.modem_silent", gammu.Channel, "the modem", log)
	}
	if len(senders) == 0 {
		log.Warn("no channel configured: set TWILIO_AUTH_TOKEN and friends, SILAKSO_GAMMU_DATABASE_URL, SMSGATE_URL, or SILAKSO_WHATSAPP=on, to receive messages")
		ready["channels"] = func(context.Context) error { return errors.New("no channel configured") }
	}
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok\n") })
	metrics := promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
	var internal *http.Server
	if cfg.InternalAddr != "" {
		// The details (which dependency failed, with the error naming an internal host;
		// counts of cases and messages) only on the operators' side; the public side
		// answers the load balancer with the status alone.
		mux.HandleFunc("GET /readyz", readyHandler(ready, nil, false))
		imux := http.NewServeMux()
		imux.HandleFunc("GET /readyz", readyHandler(ready, reports, true))
		imux.Handle("GET /metrics", metrics)
		internal = &http.Server{Handler: imux, ReadHeaderTimeout: 5 * time.Second, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	} else {
		mux.HandleFunc("GET /readyz", readyHandler(ready, reports, true))
		mux.Handle("GET /metrics", metrics)
	}

	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 5 * time.Second,
		// Twilio's headers are a few hundred bytes; a forged request gains nothing
		// from a megabyte of them (the default).
		MaxHeaderBytes: 16 << 10,
		ReadTimeout:    10 * time.Second,
		WriteTimeout:   turnTimeout + 5*time.Second,
		IdleTimeout:    120 * time.Second,
		ErrorLog:       slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("SILAKSO_HTTP_ADDR=%q: %v", cfg.HTTPAddr, err)
	}
	if internal != nil {
		iln, err := net.Listen("tcp", cfg.InternalAddr)
		if err != nil {
			ln.Close()
			return fmt.Errorf("SILAKSO_INTERNAL_ADDR=%q: %v", cfg.InternalAddr, err)
		}
		log.Info("serving metrics and readiness details", "addr", iln.Addr().String())
		go func() {
			if err := internal.Serve(iln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				log.Error("internal listener", "err", err)
			}
		}()
		defer internal.Close()
	}
	log.Info("serving", "addr", ln.Addr().String(), "public_url", cfg.PublicURL, "twilio", cfg.twilioEnabled(),
		"whatsapp", cfg.WhatsApp, "gammu", gw != nil, "smsgate", cfg.smsgateEnabled(), "database", redact(cfg.DatabaseURL), "redis", cfg.RedisURL != "")
	fmt.Fprintf(stdout, "silakso serving on %s\n", ln.Addr())

	// Background work starts once nothing can fail any more, and stops before we return:
	// the courier delivers the outbox (status changes, officer replies, notices,
	// tickets), woken by LISTEN/NOTIFY on PostgreSQL; untaken cases escalate; parked
	// intakes are filed.
	bg, stopBackground := context.WithCancel(ctx)
	var background sync.WaitGroup
	if len(senders) > 0 {
		// Without a channel, pushes wait in the outbox rather than fail for good.
		background.Add(1)
		go func() { defer background.Done(); courier.Run(bg) }()
	}
	background.Add(3)
	go func() { defer background.Done(); escalateEvery(bg, engine, cfg.EscalateAfter, log) }()
	go func() { defer background.Done(); purgeEvery(bg, db, cfg.Retention, log) }()
	go func() { defer background.Done(); engine.RetryFilingsEvery(bg, retryFilingsEvery) }()
	if gammuTrack != nil {
		background.Add(1)
		go func() { defer background.Done(); gammuTrack.Run(bg) }()
	}
	if phone != nil {
		background.Add(1)
		go func() { defer background.Done(); phone.Run(bg) }()
	}
	// Gammu's inbox is read until SIGTERM; the turns running then finish before the
	// courier stops, like the webhooks'.
	gammuDone := make(chan struct{})
	if gammuIn != nil {
		go func() { defer close(gammuDone); gammuIn.Run(ctx) }()
	} else {
		close(gammuDone)
	}
	if l, ok := db.(interface {
		ListenOutbox(ctx context.Context, wake func())
	}); ok {
		background.Add(1)
		go func() { defer background.Done(); l.ListenOutbox(bg, courier.Wake) }()
	}
	stopped := false
	stop := func(deadline context.Context) {
		if stopped {
			return
		}
		stopped = true
		stopBackground()
		background.Wait()
		if err := courier.Close(deadline); err != nil {
			log.Warn("shutdown", "err", err)
		}
	}
	defer func() {
		// A start-up failure after this point: nothing was received, stop at once.
		ctx, cancel := context.WithTimeout(context.Background(), handOffTime)
		defer cancel()
		stop(ctx)
	}()

	if addr := cfg.DebugAddr; addr != "" {
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
	// Stop accepting, let the turns in flight finish, then send what the courier holds
	// until the grace is used up; the rest waits in the outbox for the next process.
	log.Info("shutting down")
	graceEnd := time.Now().Add(shutdownGrace)
	sendEnd := graceEnd.Add(-closeTime - handOffTime)
	turnsEnd := sendEnd.Add(-5 * time.Second)
	turnsCtx, cancelTurns := context.WithDeadline(context.Background(), turnsEnd)
	if waAdapter != nil {
		// Messages arriving from now on stay unacknowledged, and WhatsApp delivers them
		// to the next process.
		go func() {
			if err := waAdapter.Close(turnsCtx); err != nil {
				log.Warn("whatsapp turns still running at shutdown", "err", err)
			}
		}()
	}
	if err := srv.Shutdown(turnsCtx); err != nil {
		log.Warn("http connections still open at shutdown", "err", err)
	}
	if webhook != nil {
		if err := webhook.Close(turnsCtx); err != nil {
			log.Warn("twilio turns still running at shutdown", "err", err)
		}
	}
	if phoneHook != nil {
		if err := phoneHook.Close(turnsCtx); err != nil {
			log.Warn("smsgate turns still running at shutdown", "err", err)
		}
	}
	if waAdapter != nil {
		waAdapter.Close(turnsCtx)
	}
	if gammuIn != nil {
		<-gammuDone
		if err := gammuIn.Close(turnsCtx); err != nil {
			log.Warn("gammu turns still running at shutdown; their SMS stay unprocessed for the next process", "err", err)
		}
	}
	cancelTurns()
	sendCtx, cancelSend := context.WithDeadline(context.Background(), sendEnd)
	stop(sendCtx)
	cancelSend()
	log.Info("stopped")
	return nil
}

// alertSilence tells the supervisors, on another channel than the silent device's, that
// an SMS device (what) has been silent: message key is the alert's text.
func alertSilence(engine *bot.Engine, key, channel, what string, log *slog.Logger) func(context.Context, time.Duration) {
	return func(ctx context.Context, silence time.Duration) {
		msg := locales.M(key, "Minutes", int(silence.Minutes()))
		if n, err := engine.AlertSupervisors(ctx, msg, channel); err != nil {
			log.Error("supervisors not alerted of a silent SMS device", "device", what, "err", err)
		} else {
			log.Info("supervisors alerted of a silent SMS device", "device", what, "supervisors", n)
		}
	}
}

// readyHandler answers 200 when every dependency answers within 2 s, else 503 with
// what failed; the reports are added to the answer and never fail it.
func readyHandler(checks map[string]readyFunc, reports map[string]reportFunc, details bool) http.HandlerFunc {
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
		if !details {
			status = map[string]string{"status": "ok"}
			if code != http.StatusOK {
				status["status"] = "unavailable"
			}
		}
		for name, report := range reports {
			status[name] = report(ctx)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		json.NewEncoder(w).Encode(status)
	}
}

// newCourier makes the send path: every reply and push goes through it, at most
// SILAKSO_SEND_CONCURRENCY at once and SILAKSO_SEND_RATE per second per channel.
func newCourier(cfg config, db database, senders map[string]channels.Sender, log *slog.Logger) *delivery.Courier {
	rates := map[string]float64{}
	if cfg.SendRate > 0 {
		for ch := range senders {
			rates[ch] = cfg.SendRate
		}
	}
	d := delivery.Deps{Senders: senders, Outbox: db, Owner: instanceName(), Log: log}
	// A push for a channel that is not running here (the WhatsApp number was unlinked,
	// a channel was switched off) still reaches the resident's phone by SMS when an SMS
	// sender is configured, instead of failing.
	for _, ch := range []string{twilio.ChannelSMS, gammu.Channel, smsgate.Channel} {
		if sms, ok := senders[ch]; ok {
			d.Fallback, d.FallbackChannel = asSMS{sms, ch}, ch
			break
		}
	}
	if _, ok := senders[gammu.Channel]; ok {
		// One SIM card, whichever instance sends: each takes its share.
		rates[gammu.Channel] = cfg.GammuRate / 60 / float64(cfg.Instances)
	}
	if _, ok := senders[smsgate.Channel]; ok {
		rates[smsgate.Channel] = cfg.SMSGateRate / 60 / float64(cfg.Instances)
	}
	return delivery.New(delivery.Config{Concurrency: cfg.SendConcurrency, Rates: rates, Countries: cfg.Countries}, d)
}

// instanceName names this process in outbox leases.
func instanceName() string {
	host, _ := os.Hostname()
	var b [3]byte
	_, _ = crand.Read(b[:])
	return fmt.Sprintf("%s-%d-%x", host, os.Getpid(), b)
}

// asSMS sends a message by SMS whatever channel it was meant for, so the SMS sender
// shapes and counts it as SMS.
type asSMS struct {
	sms     channels.Sender
	channel string
}

func (f asSMS) Send(ctx context.Context, out channels.Outbound) (channels.Receipt, error) {
	out.Channel = f.channel
	return f.sms.Send(ctx, out)
}

// backgroundJobTimeout bounds one round of a background job.
const backgroundJobTimeout = 30 * time.Second

// escalateEvery sends cases nobody took within after to the supervisors, reminds
// residents of an unanswered survey, and sends the monthly summary when it is due,
// checking every minute. Several instances may do it at once; each case escalates
// once, each reminder and each month's summary goes once.
func escalateEvery(ctx context.Context, e *bot.Engine, after time.Duration, log *slog.Logger) {
	jobs := []struct {
		name, done string // what failed; what it did, when it did something
		run        func(ctx context.Context) (int, error)
	}{
		{"escalation", "cases escalated to supervisors", func(ctx context.Context) (int, error) { return e.Escalate(ctx, after) }},
		{"survey reminders", "residents reminded of the survey", e.RemindSurveys},
		{"monthly summary", "monthly summary queued for supervisors", func(ctx context.Context) (int, error) {
			sent, err := e.MonthlySummary(ctx)
			if sent {
				return 1, err
			}
			return 0, err
		}},
	}
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		for _, j := range jobs {
			// Each job has a deadline of its own: a database that hangs delays the
			// round, and no job stops the others.
			jctx, cancel := context.WithTimeout(ctx, backgroundJobTimeout)
			n, err := j.run(jctx)
			cancel()
			switch {
			case err != nil && ctx.Err() == nil:
				log.Error(j.name, "err", err)
			case err == nil && n > 0:
				log.Info(j.done, "count", n)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// closeWithin closes a client, waiting for it at most d: closing connections to a
// server that hangs must not hold the process past its grace (the process exits
// anyway, and the operating system closes what is left).
func closeWithin(d time.Duration, name string, closeFn func() error, log *slog.Logger) {
	done := make(chan error, 1)
	go func() { done <- closeFn() }()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case err := <-done:
		if err != nil {
			log.Warn("close", "client", name, "err", err)
		}
	case <-t.C:
		log.Warn("close: still closing; left to the exit", "client", name, "after", d)
	}
}
