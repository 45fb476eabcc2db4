// Package bot is the Telegram transport: it takes updates in (by long
// polling or a webhook), turns them into dialogs.Inputs for the engine, and
// renders the engine's replies as messages with inline keyboards. It owns
// delivery guarantees the Telegram library does not give: an update is
// acknowledged only after it was handled durably, applied once however often
// it arrives, one chat's updates are handled in order and different chats in
// parallel, and a panic costs one apology, not the process.
package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
	"github.com/prometheus/client_golang/prometheus"

	"tianbao/campaigns"
	"tianbao/dialogs"
	"tianbao/reminders"
	"tianbao/reports"
	"tianbao/store"
	"tianbao/webapp"
)

// Config is what serve needs from the environment.
type Config struct {
	Token         string
	APIURL        string // https://api.telegram.org, a self-hosted Bot API, or a test double
	WebhookURL    string // empty: long polling
	WebhookSecret string
	ListenAddr    string       // /healthz and the webhook
	Listener      net.Listener // if set, used instead of ListenAddr (tests)
	// MetricsAddr serves /metrics apart, on a port that is not published
	// (METRICS_ADDR); empty with no MetricsListener: not served.
	MetricsAddr     string
	MetricsListener net.Listener
	// PollRetry is how often a process that does not poll (another holds
	// the polling lock) asks to; it takes over within about that long
	// after the poller dies. Default 2 s.
	PollRetry   time.Duration
	Workers     int           // chats handled at once
	PollTimeout time.Duration // long-poll wait
	SendRate    float64       // outbox messages per second, overall (SEND_RATE)
	PerChat     time.Duration // least time between two messages to one chat (1 s)
	NoReminders bool          // do not take part in the reminder schedule (REMINDERS=off)
	// AppURL is the public https URL of the desk's page, /app/ (APP_URL):
	// every contact's menu button opens it, and reviewers get a button to
	// it under /start and /summary. Empty: the chat has no such buttons
	// (the page is served at /app/ all the same).
	AppURL string
	// AppAuthMaxAge is how old a Mini App's initData may be (1 h).
	AppAuthMaxAge time.Duration
	// FileQuota bounds each unit's files (FILE_QUOTA_MB, FILES_PER_FIELD;
	// zero: the engine's defaults); FileGrace is how long a file no answer
	// refers to is kept (FILE_GRACE, 24 h).
	FileQuota dialogs.FileQuota
	FileGrace time.Duration
	Summaries dialogs.Summarizer
	Nudges    dialogs.Nudger
	Now       func() time.Time
	Log       *slog.Logger
	// Collectors are more series for /metrics (serve adds the build, the
	// database pool and the outbox).
	Collectors []prometheus.Collector
	// WrapDesk, if set, wraps the desk's handler under /app/ (serve counts
	// its requests so).
	WrapDesk func(http.Handler) http.Handler
	// Channels are the other ways in beside Telegram (WeCom): served on
	// the same listener, run while the bot runs, told when notifications
	// were queued. With channels, Token may be empty: Telegram is off.
	Channels []Channel
	// DeskSessions sign the desk in besides Telegram's initData (a WeCom
	// member's session).
	DeskSessions []webapp.Session
}

// Channel is another way people reach the service (WeCom): its routes on
// the bot's listener, what it runs until the bot stops, and a poke when
// notifications were queued for it to deliver.
type Channel interface {
	Mount(mux *http.ServeMux)
	Run(ctx context.Context)
	Poke()
}

// DefaultWorkers is how many chats are handled at once (WORKERS). Turns
// that reach the database together are written together (store's
// turnbatch.go), so more workers make fuller batches: at 600 contacts 64
// gave about 1.15x the steps of 32, and 8 fell far behind.
const DefaultWorkers = 64

// DefaultAPIURL is Telegram's Bot API.
const DefaultAPIURL = "https://api.telegram.org"

// ServeGCPercent is the garbage collector's target that serve runs with
// when GOGC is not set. The bot's live heap is a few megabytes and it
// allocates per update (JSON, SQL arguments), so at Go's default of 100 the
// collector ran every few milliseconds under load, about a tenth of the
// CPU; 400 gives most of that back for a few more megabytes.
const ServeGCPercent = 400

// turnCacheSize is how many contacts' last turns are kept (see
// store.TurnCache): more than the counties of a province are ever active
// at once, and a few megabytes.
const turnCacheSize = 4096

// allowedUpdates are the update kinds the bot asks for: messages, their
// edits (an answer corrected by editing it, see edits.go) and presses.
var allowedUpdates = []string{"message", "edited_message", "callback_query"}

// Bot is a running Telegram bot.
type Bot struct {
	cfg      Config
	log      *slog.Logger
	db       *store.DB
	reg      *campaigns.Registry
	engine   *dialogs.Engine
	tg       *tgbot.Bot
	http     *http.Client // getUpdates: a long poll
	api      *http.Client // every other call
	username string
	id       int64 // the bot's user id: names its polling lock
	dispatch *dispatcher
	lane     *lane // what the bot says, per chat, off the updates' path
	metrics  *metrics
	sender   *sender
	turns    *store.TurnCache
	marks    *batcher[string] // inputs whose replies went out
	settled  *batcher[int64]  // updates handled, gone from the inbox
	inq      inq              // the inbox's updates queued in memory, while polling
	faults   faults           // chats whose updates fail for now
	halting  atomic.Bool      // Run's context ended: failing updates are left for later
	offset   atomic.Int64     // the offset this process confirmed last, polling
	desk     *webapp.Server
	// menuButton is what the sender sets a chat's menu button to: the
	// desk's page, the commands again (APP_URL was set once, and is no
	// longer), or nothing at all.
	menuButton *menuButton

	chatKey   []byte   // keys the chat hashes of the debug trace (see trace.go)
	people    sync.Map // Telegram user id -> cachedPerson: the person and their places
	strangers sync.Map // Telegram user id -> time.Time last told what the bot is
	badLinks  sync.Map // Telegram user id -> time.Time last told a link did not work
	groups    sync.Map // group chat id -> time.Time its messages were last looked at
}

// New connects to the Bot API (getMe) and wires the engine.
func New(ctx context.Context, cfg Config, db *store.DB, reg *campaigns.Registry) (*Bot, error) {
	if cfg.Token == "" && len(cfg.Channels) == 0 {
		return nil, errors.New("TELEGRAM_BOT_TOKEN (or TELEGRAM_BOT_TOKEN_FILE) is not set")
	}
	if cfg.APIURL == "" {
		cfg.APIURL = DefaultAPIURL
	}
	cfg.APIURL = strings.TrimRight(cfg.APIURL, "/")
	if cfg.Workers <= 0 {
		cfg.Workers = DefaultWorkers
	}
	if cfg.PollTimeout <= 0 {
		cfg.PollTimeout = 50 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.WebhookURL != "" && cfg.WebhookSecret == "" {
		return nil, errors.New("WEBHOOK_URL is set but WEBHOOK_SECRET is not: every webhook request must be checked")
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConnsPerHost = 64
	m := newMetrics()
	m.registry.MustRegister(cfg.Collectors...)
	calls := m.countCalls(transport, cfg.Token) // every Bot API call, by method and result
	client := &http.Client{Transport: calls, Timeout: cfg.PollTimeout + 15*time.Second}
	api := &http.Client{Transport: calls, Timeout: 60 * time.Second}
	b := &Bot{cfg: cfg, log: cfg.Log, db: db, reg: reg, http: client, api: api, metrics: m, chatKey: chatKey(cfg.Token)}
	b.marks = newBatcher(b, "replies sent", b.db.MarkSent)
	b.settled = newBatcher(b, "updates handled", func(ctx context.Context, ids []int64) error { return b.db.InboxDone(ctx, b.id, ids) })
	b.faults.b = b
	b.turns = store.NewTurnCache(turnCacheSize)
	counts := &store.TurnCounts{}
	b.metrics.watchTurns(counts)
	b.metrics.watchTurnWrites(db)
	b.engine = &dialogs.Engine{Store: store.Dialogs{DB: db, Cache: b.turns, Counts: counts}, Campaigns: reg, Now: cfg.Now, Log: cfg.Log, Summaries: cfg.Summaries, Nudges: cfg.Nudges,
		Invites: store.Invites{DB: db}, InviteLink: func(token string) string { return InviteLink(b.username, token) }}
	b.engine.Notified = b.poke
	b.engine.AppURL = cfg.AppURL
	b.engine.FileQuota = cfg.FileQuota
	b.engine.Sheets = reports.Templates{DB: db} // /template, and the files that come back
	b.sender = newSender(b, cfg.SendRate, cfg.PerChat)
	b.dispatch = newDispatcher(cfg.Workers) // its workers run until Run ends
	b.lane = newLane(b)
	if !b.telegram() {
		b.desk = &webapp.Server{DB: db, Reg: reg, Engine: b.engine, Log: cfg.Log, Now: cfg.Now, Origin: webapp.OriginOf(cfg.AppURL), Sessions: cfg.DeskSessions}
		return b, nil
	}
	tg, err := tgbot.New(cfg.Token,
		tgbot.WithServerURL(cfg.APIURL),
		tgbot.WithSkipGetMe(),
		tgbot.WithHTTPClient(30*time.Second, api),
		// The library's own dispatch is not used (we own polling and the
		// webhook); its default handler would log whole updates.
		tgbot.WithDefaultHandler(func(context.Context, *tgbot.Bot, *models.Update) {}),
		tgbot.WithErrorsHandler(func(err error) { b.log.Debug("telegram library", "err", err) }),
	)
	if err != nil {
		return nil, fmt.Errorf("telegram client: %w", err)
	}
	b.tg = tg
	var me *models.User
	err = waitOutFloods(ctx, func() (err error) { me, err = tg.GetMe(ctx); return err })
	if err != nil {
		return nil, fmt.Errorf("getMe (is the token right?): %w", err)
	}
	b.username, b.id = me.Username, me.ID
	b.desk = &webapp.Server{Auth: webapp.Auth{Token: cfg.Token, MaxAge: cfg.AppAuthMaxAge}, DB: db, Reg: reg, Engine: b.engine,
		Log: cfg.Log, Now: cfg.Now, BotName: b.username, Origin: webapp.OriginOf(cfg.AppURL), Sessions: cfg.DeskSessions}
	return b, nil
}

// telegram says whether Telegram is on (a token is given).
func (b *Bot) telegram() bool { return b.cfg.Token != "" }

// poke tells every sender that notifications were queued.
func (b *Bot) poke() {
	if b.telegram() {
		b.sender.poke()
	}
	for _, c := range b.cfg.Channels {
		c.Poke()
	}
}

// Username is the bot's @name, for deep links.
func (b *Bot) Username() string { return b.username }

// Handler serves /healthz, the desk's page under /app/ and, in webhook
// mode, the webhook. /metrics is served apart (MetricsAddr): what goes
// through the public proxy never includes it.
func (b *Bot) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", b.healthz)
	desk := b.desk.Handler()
	if b.cfg.WrapDesk != nil {
		desk = b.cfg.WrapDesk(desk)
	}
	mux.Handle("/app/", desk)
	for _, c := range b.cfg.Channels {
		c.Mount(mux)
	}
	if b.cfg.WebhookURL != "" && b.telegram() {
		mux.HandleFunc(b.webhookPath(), b.webhook)
	}
	return mux
}

func (b *Bot) webhookPath() string {
	u, err := url.Parse(b.cfg.WebhookURL)
	if err != nil || u.Path == "" || u.Path == "/" {
		return "/telegram"
	}
	return u.Path
}

func (b *Bot) healthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := b.db.PingContext(ctx); err != nil {
		http.Error(w, "database unreachable", http.StatusServiceUnavailable)
		return
	}
	_, _ = w.Write([]byte("ok\n"))
}

// Run serves until ctx ends, then finishes what is in flight and returns.
// Updates in flight are handled on a context that the shutdown does not
// cancel, so an answer being saved is saved.
func (b *Bot) Run(ctx context.Context) error {
	if b.telegram() {
		go b.setDefaultMenu(ctx)
		b.syncMenus(ctx)
	}
	if err := b.reg.Warm(ctx); err != nil {
		b.log.Warn("loading campaigns at start", "err", err)
	}
	// A connection for each worker, the sender and the poller, open before
	// the first update.
	if err := b.db.Warm(ctx, b.cfg.Workers+2); err != nil {
		b.log.Warn("opening database connections at start", "err", err)
	}
	ln := b.cfg.Listener
	if ln == nil {
		var err error
		if ln, err = net.Listen("tcp", b.cfg.ListenAddr); err != nil {
			return fmt.Errorf("listen on %s: %w", b.cfg.ListenAddr, err)
		}
	}
	// A slow or stalled client holds a connection no longer than this: a
	// request's body (a webhook update, the desk's small JSON) must arrive
	// within ReadTimeout; an idle keep-alive is closed after IdleTimeout.
	// The desk sets its answers' write deadlines itself (downloads take
	// longer on a phone).
	srv := &http.Server{Handler: b.Handler(), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, IdleTimeout: 2 * time.Minute}
	serveErr := make(chan error, 2)
	go func() { serveErr <- srv.Serve(ln) }()
	mln := b.cfg.MetricsListener
	if mln == nil && b.cfg.MetricsAddr != "" {
		var err error
		if mln, err = net.Listen("tcp", b.cfg.MetricsAddr); err != nil {
			_ = srv.Close()
			return fmt.Errorf("listen on %s for /metrics: %w", b.cfg.MetricsAddr, err)
		}
	}
	if mln != nil {
		mux := http.NewServeMux()
		mux.Handle("/metrics", b.metrics.handler())
		msrv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
		go func() { serveErr <- msrv.Serve(mln) }()
		defer msrv.Close()
	}
	b.log.Info("serving", "addr", ln.Addr().String(), "mode", b.mode(), "bot", b.username)

	work := context.WithoutCancel(ctx)
	pollDone := make(chan struct{})
	switch {
	case !b.telegram():
		close(pollDone)
	case b.cfg.WebhookURL != "":
		close(pollDone)
		if err := waitOutFloods(ctx, func() error {
			_, err := b.tg.SetWebhook(ctx, &tgbot.SetWebhookParams{
				URL: b.cfg.WebhookURL, SecretToken: b.cfg.WebhookSecret, AllowedUpdates: allowedUpdates, MaxConnections: 40,
			})
			return err
		}); err != nil {
			_ = srv.Close()
			return fmt.Errorf("setWebhook: %w", err)
		}
	default:
		if err := waitOutFloods(ctx, func() error {
			_, err := b.tg.DeleteWebhook(ctx, &tgbot.DeleteWebhookParams{})
			return err
		}); err != nil {
			_ = srv.Close()
			return fmt.Errorf("deleteWebhook: %w", err)
		}
		go func() {
			defer close(pollDone)
			b.pollWhenLeading(ctx, work)
		}()
	}
	go b.janitor(ctx)
	sweepDone := make(chan struct{})
	go func() {
		defer close(sweepDone)
		if b.telegram() {
			b.sweepReplies(ctx)
		}
	}()
	scheduleDone := make(chan struct{})
	go func() {
		defer close(scheduleDone)
		if b.cfg.NoReminders {
			return
		}
		schedule := &reminders.Scheduler{DB: b.db, Campaigns: b.reg, Now: b.cfg.Now, Log: b.log, OnQueued: b.poke}
		schedule.Run(ctx)
	}()
	marksCtx, stopMarks := context.WithCancel(work)
	defer stopMarks()
	marksDone := make(chan struct{})
	go func() {
		defer close(marksDone)
		b.marks.run(marksCtx)
	}()
	settledDone := make(chan struct{})
	go func() {
		defer close(settledDone)
		b.settled.run(marksCtx)
	}()
	senderDone := make(chan struct{})
	go func() {
		defer close(senderDone)
		if b.telegram() {
			b.sender.run(ctx)
		}
	}()
	var channels sync.WaitGroup
	for _, c := range b.cfg.Channels {
		channels.Add(1)
		go func() {
			defer channels.Done()
			c.Run(ctx)
		}()
	}

	select {
	case <-ctx.Done():
	case err := <-serveErr:
		return fmt.Errorf("http server: %w", err)
	}
	b.halting.Store(true)
	b.log.Info("shutting down: finishing updates in flight")
	<-pollDone
	shutdownCtx, cancel := context.WithTimeout(work, 30*time.Second)
	defer cancel()
	err := srv.Shutdown(shutdownCtx) // waits for webhook requests being handled
	b.dispatch.wait()
	b.dispatch.stop()
	// What the updates handled said goes out before the end, as far as
	// Telegram lets it within a while; the rest is sent from the database
	// by the next process (or another replica).
	drainCtx, stopDrain := context.WithTimeout(work, 10*time.Second)
	b.lane.drain(drainCtx)
	stopDrain()
	b.lane.stop()
	<-sweepDone
	stopMarks() // the last marks are written as it ends
	<-marksDone
	<-settledDone
	<-senderDone
	channels.Wait()
	<-scheduleDone
	b.log.Info("stopped")
	return err
}

func (b *Bot) mode() string {
	if !b.telegram() {
		return "telegram off"
	}
	if b.cfg.WebhookURL != "" {
		return "webhook"
	}
	return "polling"
}

// DefaultFileGrace is how long a file no answer refers to is kept.
const DefaultFileGrace = 24 * time.Hour

// waitOutFloods makes a call of the start-up (getMe, setWebhook,
// deleteWebhook), waiting out Telegram's 429s (retry_after) a few times:
// a flood wait is no reason not to start, a refusal is.
func waitOutFloods(ctx context.Context, call func() error) error {
	for attempt := 0; ; attempt++ {
		err := call()
		var tooMany *tgbot.TooManyRequestsError
		if !errors.As(err, &tooMany) || attempt == 5 {
			return err
		}
		if !sleep(ctx, time.Duration(max(tooMany.RetryAfter, 1))*time.Second) {
			return err
		}
	}
}

// stopping reports that Run is ending.
func (b *Bot) stopping() bool { return b.halting.Load() }

// janitor forgets applied updates older than a week, and removes files no
// answer refers to after their grace period, hourly.
func (b *Bot) janitor(ctx context.Context) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	grace := b.cfg.FileGrace
	if grace <= 0 {
		grace = DefaultFileGrace
	}
	for {
		if n, err := b.db.PruneInputs(ctx, inputsKept); err != nil && ctx.Err() == nil {
			b.log.Warn("pruning applied updates failed", "err", err)
		} else if n > 0 {
			b.log.Debug("pruned applied updates", "count", n)
		}
		if n, size, err := b.db.RemoveOrphanFiles(ctx, grace); err != nil && ctx.Err() == nil {
			b.log.Warn("removing files no answer refers to failed", "err", err)
		} else if n > 0 {
			b.log.Info("removed files no answer refers to", "files", n, "bytes", size, "grace", grace)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
