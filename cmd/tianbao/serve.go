package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"runtime/debug"
	"strings"
	"time"

	tgbot "github.com/go-telegram/bot"

	"tianbao/bot"
	"tianbao/campaigns"
	"tianbao/dialogs"
	"tianbao/reminders"
	"tianbao/reports"
	"tianbao/store"
	"tianbao/wecom"
	"tianbao/wecombot"
)

// secret reads a secret from NAME, or from the file NAME_FILE names
// (compose and Kubernetes mount secrets as files).
func secret(name string) (string, error) {
	if v := os.Getenv(name); v != "" {
		return v, nil
	}
	if path := os.Getenv(name + "_FILE"); path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return "", fmt.Errorf("%s_FILE: %w", name, err)
		}
		return strings.TrimSpace(string(b)), nil
	}
	return "", nil
}

func runServe(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "serve", `serve

Runs the Telegram bot until SIGTERM or Ctrl-C, then finishes the updates in
flight and exits. Long polling by default; a webhook when WEBHOOK_URL is set
(WEBHOOK_SECRET is then required and checked on every request). Several
processes may poll one bot: one polls, the others stand by and take over
within seconds when it stops. Serves /healthz (and the webhook) on
LISTEN_ADDR, /metrics on METRICS_ADDR, the desk's Mini App under /app/ on
LISTEN_ADDR (APP_URL: its public https address, for the chats' buttons).
With WECOM_CORP_ID, WECOM_AGENT_ID, WECOM_SECRET(_FILE), WECOM_TOKEN and
WECOM_AES_KEY(_FILE), the WeCom app too (/wecom/ on LISTEN_ADDR, at
APP_URL's host); without a Telegram token, WeCom alone.
See the README for every variable.`)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := botConfig(e)
	if err != nil {
		return err
	}
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(bot.ServeGCPercent)
	}
	db, err := e.connect(ctx, false)
	if err != nil {
		return err
	}
	defer db.Close()
	if db.cluster != nil {
		// The private cluster comes back by itself after a crash or a full
		// disk, and users are told a full disk for what it is.
		db.DB.DiskFull = db.cluster.DiskFull
		go db.cluster.Supervise(ctx, 2*time.Second, func(f string, a ...any) { e.log.Warn(fmt.Sprintf(f, a...)) })
	}
	// The built-in campaigns follow the release (a replica that starts
	// after an upgrade without `migrate` brings them up to date too), and
	// the first is installed if this is the first run.
	if err := e.refreshBuiltins(ctx, db); err != nil {
		return err
	}
	reg := campaigns.NewRegistry(db.DB)
	if _, err := reg.Campaign(ctx, campaigns.BuiltinID); err != nil {
		return err
	}
	cfg.Summaries, cfg.Nudges = reports.Summarizer{DB: db.DB}, reminders.Nudger{DB: db.DB}
	cfg.Collectors, cfg.WrapDesk = serveMetrics(db.DB, e.log)
	if cfg.WeCom != nil {
		ch, err := wecomChannel(ctx, cfg, db.DB, reg)
		if err != nil {
			return err
		}
		cfg.Channels = append(cfg.Channels, ch)
		cfg.DeskSessions = append(cfg.DeskSessions, ch)
	}
	b, err := bot.New(ctx, cfg.Config, db.DB, reg)
	if err != nil {
		return err
	}
	return b.Run(ctx)
}

// wecomChannel is the WeCom app as a channel of the bot.
func wecomChannel(ctx context.Context, cfg serveConfig, db *store.DB, reg *campaigns.Registry) (*wecombot.Channel, error) {
	w := cfg.WeCom
	client, err := wecom.New(wecom.Config{CorpID: w.CorpID, AgentID: w.AgentID, Secret: w.Secret, BaseURL: w.APIURL, OAuthURL: w.OAuthURL})
	if err != nil {
		return nil, err
	}
	recv, err := wecom.NewReceiver(w.Token, w.AESKey, w.CorpID, w.AgentID)
	if err != nil {
		return nil, err
	}
	return wecombot.New(ctx, wecombot.Config{Client: client, Receiver: recv, PublicURL: w.PublicURL, SessionMaxAge: cfg.AppAuthMaxAge,
		Summaries: cfg.Summaries, Nudges: cfg.Nudges, Log: cfg.Log}, db, reg)
}

func runInvite(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "invite", `invite --campaign ID --unit CODE --role filler|reviewer|admin [--expires 168h] [--bot USERNAME]

Prints a one-time deep link https://t.me/<bot>?start=<token> that makes
whoever opens it a contact of the unit with the role. The token has 128
random bits, is stored only as a hash, and expires. The bot's name comes from
--bot, TELEGRAM_BOT_USERNAME, or the Bot API (TELEGRAM_BOT_TOKEN).`)
	campaignID := fs.String("campaign", campaigns.BuiltinID, "the campaign's `ID`")
	unit := fs.String("unit", "", "the unit's `CODE`")
	role := fs.String("role", "filler", "`ROLE`: filler, reviewer or admin")
	expires := fs.Duration("expires", 168*time.Hour, "how long the link stays valid (a `DURATION`: 168h)")
	botName := fs.String("bot", os.Getenv("TELEGRAM_BOT_USERNAME"), "the bot's `USERNAME`")
	inWeCom := fs.Bool("wecom", false, "print the link that opens the invitation in WeCom (needs APP_URL)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	r := dialogs.Role(*role)
	switch {
	case *unit == "":
		return badUsage(fs, "--unit is required (the unit codes: tianbao units)")
	case r != dialogs.Filler && r != dialogs.Reviewer && r != dialogs.Admin:
		return badUsage(fs, "--role %q: want filler, reviewer or admin", *role)
	case *expires <= 0:
		return badUsage(fs, "--expires %s: want a positive duration, e.g. 168h", *expires)
	}
	name := strings.TrimPrefix(*botName, "@")
	origin := ""
	if *inWeCom {
		app, err := appURL(os.Getenv("APP_URL"))
		if err != nil || app == "" {
			return errors.New("--wecom needs APP_URL (https://<the WeCom app's trusted domain>/app/): the link is at its host")
		}
		u, _ := url.Parse(app)
		origin = u.Scheme + "://" + u.Host
	} else if name == "" {
		var err error
		if name, err = botUsername(ctx); err != nil {
			return err
		}
	}
	db, _, camp, err := e.openCampaign(ctx, *campaignID, *unit)
	if err != nil {
		return err
	}
	defer db.Close()
	now := time.Now()
	token, err := db.CreateInvite(ctx, store.Invite{Campaign: camp.ID, Unit: *unit, Role: r, ExpiresAt: now.Add(*expires)}, 0, now)
	if err != nil {
		return err
	}
	if *inWeCom {
		fmt.Fprintln(e.stdout, wecombot.InviteLink(origin, token))
	} else {
		fmt.Fprintln(e.stdout, bot.InviteLink(name, token))
	}
	fmt.Fprintf(e.stderr, "%s %s, valid until %s, one use\n", camp.Units[*unit].Name, dialogs.RoleName(r), zoned(now.Add(*expires), camp.TimeZone))
	return nil
}

// botUsername asks the Bot API for the bot's name.
func botUsername(ctx context.Context) (string, error) {
	token, err := secret("TELEGRAM_BOT_TOKEN")
	if err != nil {
		return "", err
	}
	if token == "" {
		return "", errors.New("give --bot USERNAME, or set TELEGRAM_BOT_USERNAME or TELEGRAM_BOT_TOKEN")
	}
	api := os.Getenv("TELEGRAM_API_URL")
	if api == "" {
		api = bot.DefaultAPIURL
	}
	c, err := tgbot.New(token, tgbot.WithServerURL(api), tgbot.WithSkipGetMe())
	if err != nil {
		return "", err
	}
	me, err := c.GetMe(ctx)
	if err != nil {
		return "", fmt.Errorf("getMe: %w", err)
	}
	return me.Username, nil
}

func runHealthcheck(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "healthcheck", "healthcheck\n\nAsks the running server's /healthz on LISTEN_ADDR; exit 0 when healthy (for container health checks).")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	addr := os.Getenv("LISTEN_ADDR")
	if addr == "" {
		addr = ":8080"
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+net.JoinHostPort(host, port)+"/healthz", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("unhealthy: HTTP %d", resp.StatusCode)
	}
	return nil
}

func runSummary(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "summary", `summary --campaign ID --unit CODE [--at "2018-12-07 09:30"]

Prints /summary for the unit's subtree: per form how many units are in each
state, the late units by name, key totals, days to the deadline.`)
	campaignID := fs.String("campaign", campaigns.BuiltinID, "the campaign's `ID`")
	unit := fs.String("unit", "", "the unit's `CODE` (the province: 330000)")
	at := fs.String("at", "", "the `MOMENT` to judge deadlines at, \"YYYY-MM-DD HH:MM\" in the campaign's time zone (default now)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *unit == "" {
		return badUsage(fs, "--unit is required (the province: 330000; the codes: tianbao units)")
	}
	db, _, camp, err := e.openCampaign(ctx, *campaignID, *unit)
	if err != nil {
		return err
	}
	defer db.Close()
	now := time.Now()
	if *at != "" {
		if now, err = time.ParseInLocation("2006-01-02 15:04", *at, camp.TimeZone); err != nil {
			return fmt.Errorf("--at %q: want YYYY-MM-DD HH:MM", *at)
		}
	}
	text, _, err := reports.Summarizer{DB: db.DB}.Summary(ctx, camp, *unit, now)
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, text)
	return nil
}

func runRemind(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "remind", `remind --campaign ID --at "2018-12-07 09:30" [--dry-run]

Works out the reminders due at that moment (the slots of the minute ending
then, in the campaign's time zone) and prints who, for which unit and forms,
and why. With --dry-run nothing is recorded or sent; without it they are
queued for the running bot to send (a slot already handled is not repeated).`)
	campaignID := fs.String("campaign", campaigns.BuiltinID, "the campaign's `ID`")
	atText := fs.String("at", "", "the `MOMENT`, \"YYYY-MM-DD HH:MM\" in the campaign's time zone (default now)")
	dry := fs.Bool("dry-run", false, "print only; record and send nothing")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	db, _, camp, err := e.openCampaign(ctx, *campaignID, "")
	if err != nil {
		return err
	}
	defer db.Close()
	at := time.Now().In(camp.TimeZone).Truncate(time.Minute)
	if *atText != "" {
		if at, err = time.ParseInLocation("2006-01-02 15:04", *atText, camp.TimeZone); err != nil {
			return fmt.Errorf("--at %q: want YYYY-MM-DD HH:MM", *atText)
		}
	}
	planned, err := reminders.Round(ctx, db.DB, camp, at.Add(-time.Minute), at, *dry)
	if err != nil {
		return err
	}
	if !*dry {
		// Out now (a person's places' reminders in one message), not when
		// the round's hold ends.
		if _, err := reminders.Release(ctx, db.DB, campaigns.NewRegistry(db.DB)); err != nil {
			return err
		}
	}
	names, err := db.ContactNames(ctx, camp.ID)
	if err != nil {
		return err
	}
	verb := "queued"
	if *dry {
		verb = "would send"
	}
	for _, p := range planned {
		u := camp.Units[p.Unit]
		what := "reminder of " + strings.Join(p.Forms, ", ")
		if p.Digest {
			what = "digest of late units below"
		}
		why := "before the due date"
		if strings.Contains(p.Reply.Text, "已逾期") || p.Digest {
			why = "overdue"
		}
		fmt.Fprintf(e.stdout, "%s  %s %s  contact %d (%s)  %s  slot %s  (%s)\n", verb, u.Code, u.Name, p.Contact, names[p.Contact], what,
			p.At.In(camp.TimeZone).Format("2006-01-02 15:04"), why)
	}
	fmt.Fprintf(e.stdout, "%d message(s) at %s\n", len(planned), zoned(at, camp.TimeZone))
	return nil
}
