// Package wecombot is the WeCom (企业微信) channel, beside the Telegram bot
// (package bot): the same engine, reached through a self-built app. It turns
// the app's callbacks into dialogs.Inputs (a member's text; a card's button
// press, the same button data the engine gave; a menu click, a command;
// redeliveries applied once through the processed inputs), renders the
// engine's replies as application messages (render.go), delivers the
// outbox's notifications to the contacts it routes to WeCom, within WeCom's
// rates per member and per app (send.go), and serves what WeCom's web OAuth
// signs in: invitations opened in WeCom and the desk (web.go).
package wecombot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"tianbao/campaigns"
	"tianbao/dialogs"
	"tianbao/store"
	"tianbao/wecom"
)

// Config is the channel's configuration.
type Config struct {
	Client   *wecom.Client
	Receiver *wecom.Receiver
	// PublicURL is the https origin WeCom and the members' phones reach
	// this server at (APP_URL's scheme and host): the app's trusted domain
	// (可信域名), where the callback, the sign-in and the desk are.
	PublicURL string
	// DeskPath is where the desk is served (/app/).
	DeskPath string
	// SessionMaxAge is how long a desk session opened by WeCom's sign-in
	// lasts (APP_AUTH_MAX_AGE, 1 h).
	SessionMaxAge time.Duration
	// SendRate bounds message/send calls per second, overall (WeCom counts
	// a day's recipients per app and refuses calls at once past a
	// concurrency; 20/s stays clear of both).
	SendRate  float64
	Summaries dialogs.Summarizer
	Nudges    dialogs.Nudger
	Now       func() time.Time
	Log       *slog.Logger
}

// Paths the channel serves on the bot's listener.
const (
	CallbackPath = "/wecom/callback"
	EntryPath    = "/wecom/app"     // the desk, signed in by WeCom's OAuth first
	OAuthPath    = "/wecom/oauth"   // where WeCom's authorize page sends the member back
	InvitePath   = "/wecom/invite/" // + token: an invitation opened in WeCom
)

// DefaultSendRate is message/send calls per second, overall.
const DefaultSendRate = 20

// Channel is the running WeCom channel.
type Channel struct {
	cfg     Config
	db      *store.DB
	reg     *campaigns.Registry
	engine  *dialogs.Engine
	client  *wecom.Client
	log     *slog.Logger
	origin  string
	appName string

	limiter *rate.Limiter
	wake    chan struct{}
	claims  atomic.Int64 // claims of the outbox (Claims)
	members sync.Map     // lower-cased UserID -> *sync.Mutex: one member's callbacks in order
	told    sync.Map     // lower-cased UserID -> time.Time: strangers told what the app is
	hold    struct {
		sync.Mutex
		until time.Time // the app's sends are refused (45009) until then
	}
}

// New checks the app with WeCom (agent/get: the secret, the agent, that it
// is enabled) and wires the engine.
func New(ctx context.Context, cfg Config, db *store.DB, reg *campaigns.Registry) (*Channel, error) {
	if cfg.Client == nil || cfg.Receiver == nil {
		return nil, errors.New("wecombot: a client and a receiver are needed")
	}
	u, err := url.Parse(cfg.PublicURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("wecombot: public URL %q is not an http(s) origin", cfg.PublicURL)
	}
	if cfg.DeskPath == "" {
		cfg.DeskPath = "/app/"
	}
	if cfg.SessionMaxAge <= 0 {
		cfg.SessionMaxAge = time.Hour
	}
	if cfg.SendRate <= 0 {
		cfg.SendRate = DefaultSendRate
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	c := &Channel{cfg: cfg, db: db, reg: reg, client: cfg.Client, log: cfg.Log, origin: u.Scheme + "://" + u.Host,
		limiter: rate.NewLimiter(rate.Limit(cfg.SendRate), 1), wake: make(chan struct{}, 1)}
	agent, err := cfg.Client.Agent(ctx)
	if err != nil {
		return nil, fmt.Errorf("WeCom agent/get (are WECOM_CORP_ID, WECOM_AGENT_ID and the secret right?): %w", err)
	}
	if agent.Closed {
		return nil, fmt.Errorf("WeCom app %d (%s) is disabled in the admin console", agent.AgentID, agent.Name)
	}
	c.appName = agent.Name
	c.engine = &dialogs.Engine{Store: store.Dialogs{DB: db}, Campaigns: reg, Now: cfg.Now, Log: cfg.Log,
		Summaries: cfg.Summaries, Nudges: cfg.Nudges, Invites: store.Invites{DB: db},
		InviteLink: c.InviteLink, AppURL: c.origin + EntryPath}
	c.engine.Notified = c.Poke
	return c, nil
}

// Claims is how many times the channel's sender has claimed from the
// outbox: an idle channel does not.
func (c *Channel) Claims() int64 { return c.claims.Load() }

// InviteLink is the link that redeems an invitation in WeCom.
func (c *Channel) InviteLink(token string) string {
	return InviteLink(c.origin, token)
}

// InviteLink is the WeCom invitation link at a public origin.
func InviteLink(origin, token string) string {
	return strings.TrimRight(origin, "/") + InvitePath + url.PathEscape(token)
}

// Mount adds the channel's routes: the callback URL, the sign-in and the
// invitations.
func (c *Channel) Mount(mux *http.ServeMux) {
	mux.Handle(CallbackPath, &wecom.Handler{Receiver: c.cfg.Receiver, Handle: c.handle, Log: c.log})
	mux.HandleFunc("GET "+EntryPath, c.entry)
	mux.HandleFunc("GET "+OAuthPath, c.oauth)
	mux.HandleFunc("GET "+InvitePath+"{token}", c.invite)
}

// Poke makes the sender look at the outbox now.
func (c *Channel) Poke() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// Run delivers the outbox's WeCom messages, sends the replies nobody sent,
// and forgets old sessions and cards until ctx ends.
func (c *Channel) Run(ctx context.Context) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(time.Hour)
		defer t.Stop()
		for {
			if err := c.db.PruneWeCom(ctx, c.cfg.Now(), cardsKept); err != nil && ctx.Err() == nil {
				c.log.Warn("pruning WeCom sessions and cards failed", "err", err)
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	swept := make(chan struct{})
	go func() {
		defer close(swept)
		c.sweep(ctx)
	}()
	c.send(ctx)
	<-swept
	<-done
}

// cardsKept is how long a card's buttons are kept for 更多 and numbers.
const cardsKept = 7 * 24 * time.Hour

// member is the lock that keeps one member's callbacks in order.
func (c *Channel) member(user string) *sync.Mutex {
	m, _ := c.members.LoadOrStore(store.WeComKey(user), &sync.Mutex{})
	return m.(*sync.Mutex)
}

// deskURL is the link that opens the desk in WeCom at what a desk link of
// the engine names (its campaign, unit and place): through the sign-in.
func (c *Channel) deskURL(webApp string) string {
	u := c.origin + EntryPath
	if q := deskQuery(webApp); q != "" {
		u += "?" + q
	}
	return u
}

// placeURL is the desk at a place.
func (c *Channel) placeURL(m store.OutboxMessage) string {
	q := url.Values{"campaign": {m.Campaign}, "unit": {m.Unit}, "place": {fmt.Sprint(m.ContactID)}}
	return c.origin + EntryPath + "?" + q.Encode()
}
