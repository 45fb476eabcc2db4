package main

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"tianbao/bot"
	"tianbao/campaigns"
	"tianbao/store"
	"tianbao/store/pgcluster"
)

// check is one line of tianbao doctor's list: what was looked at, how it
// stands, and for a failure what to do.
type check struct {
	ok     bool
	what   string
	detail string
	fix    string
}

// checklist collects checks and prints them as it goes.
type checklist struct {
	w      io.Writer
	failed int
}

func (c *checklist) add(ch check) {
	mark := "✔"
	if !ch.ok {
		mark = "✘"
		c.failed++
	}
	line := fmt.Sprintf("%s %s", mark, ch.what)
	if ch.detail != "" {
		line += ": " + ch.detail
	}
	fmt.Fprintln(c.w, line)
	if !ch.ok && ch.fix != "" {
		fmt.Fprintln(c.w, "    → "+ch.fix)
	}
}

func runDoctor(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "doctor", `doctor

Checks what serve needs, with the real token and database, and prints a
checklist: ✔ what is right, ✘ what is not and what to do about it. Every
setting serve would refuse (the same checks as serve's), the bot (getMe),
its webhook as Telegram holds it (URL, updates waiting, the last delivery
error), its command menu, the desk's APP_URL, the database and its schema,
the campaigns and their units. Exit 0 when everything is ✔, 1 otherwise.
It changes nothing: no cluster is created, no migration applied, no
campaign loaded; it says what serve or migrate would do. (An existing
private cluster that is not running is started for the check and stopped.)`)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	list := &checklist{w: e.stdout}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	cfg, probs := serveSettings(e)
	refused := map[string]bool{}
	for _, p := range probs {
		refused[p.Var] = true
		list.add(check{what: p.Var, detail: p.Err.Error(), fix: p.Fix})
	}
	if len(probs) == 0 {
		list.add(check{ok: true, what: "settings", detail: settingsSummary(cfg)})
	}
	switch {
	case cfg.Token == "" && !refused["TELEGRAM_BOT_TOKEN"] && !refused["TELEGRAM_BOT_TOKEN_FILE"]:
		list.add(check{ok: true, what: "Telegram", detail: "off (no TELEGRAM_BOT_TOKEN): WeCom alone"})
	case !refused["TELEGRAM_BOT_TOKEN"] && !refused["TELEGRAM_BOT_TOKEN_FILE"] && !refused["TELEGRAM_API_URL"]:
		doctorTelegram(ctx, list, cfg.Config, refused)
	}
	if cfg.WeCom != nil {
		doctorWeCom(ctx, list, cfg.WeCom)
	}
	if !refused["APP_URL"] {
		doctorDesk(ctx, list, cfg.AppURL)
	}
	doctorDatabase(ctx, e, list)
	if list.failed > 0 {
		fmt.Fprintf(e.stdout, "\n%d problem(s) to fix before `tianbao serve`.\n", list.failed)
		return exitError{1}
	}
	fmt.Fprintln(e.stdout, "\nEverything is ready: `tianbao serve`.")
	return nil
}

// settingsSummary is serve's configuration in one line, defaults filled in.
func settingsSummary(sc serveConfig) string {
	cfg := sc.Config
	mode := "long polling"
	if cfg.WebhookURL != "" {
		mode = "webhook"
	}
	if cfg.Token == "" {
		mode = "Telegram off"
	}
	if sc.WeCom != nil {
		mode += fmt.Sprintf(", WeCom app %d of %s", sc.WeCom.AgentID, sc.WeCom.CorpID)
	}
	workers, rate, reminders, age, metrics := cfg.Workers, cfg.SendRate, "on", cfg.AppAuthMaxAge, cfg.MetricsAddr
	if workers == 0 {
		workers = 8
	}
	if rate == 0 {
		rate = 25
	}
	if cfg.NoReminders {
		reminders = "off"
	}
	if age == 0 {
		age = time.Hour
	}
	if metrics == "" {
		metrics = "off"
	}
	return fmt.Sprintf("%s; LISTEN_ADDR %s, METRICS_ADDR %s, WORKERS %d, SEND_RATE %g/s, REMINDERS %s, APP_AUTH_MAX_AGE %s",
		mode, cfg.ListenAddr, metrics, workers, rate, reminders, age)
}

func doctorTelegram(ctx context.Context, list *checklist, cfg bot.Config, refused map[string]bool) {
	apiURL := strings.TrimRight(cfg.APIURL, "/")
	if apiURL == "" {
		apiURL = bot.DefaultAPIURL
	}
	api := bot.API{URL: apiURL, Token: cfg.Token}
	var me struct {
		ID       int64  `json:"id"`
		Username string `json:"username"`
	}
	if err := api.Call(ctx, "getMe", nil, &me); err != nil {
		list.add(check{what: "the bot at " + apiURL, detail: err.Error(),
			fix: "check the token (@BotFather → /mybots → API Token) and that " + apiURL + " can be reached from here"})
		return
	}
	list.add(check{ok: true, what: "bot", detail: fmt.Sprintf("@%s (id %d) at %s", me.Username, me.ID, apiURL)})

	var info struct {
		URL          string `json:"url"`
		Pending      int    `json:"pending_update_count"`
		LastErrorAt  int64  `json:"last_error_date"`
		LastError    string `json:"last_error_message"`
		MaxConnCount int    `json:"max_connections"`
	}
	webhookURL := cfg.WebhookURL
	if err := api.Call(ctx, "getWebhookInfo", nil, &info); err != nil {
		list.add(check{what: "webhook at Telegram", detail: err.Error(), fix: "try again; Telegram did not answer"})
	} else {
		detail := "none (long polling)"
		if info.URL != "" {
			detail = info.URL
		}
		detail += fmt.Sprintf("; %d update(s) waiting", info.Pending)
		ok := true
		fix := ""
		switch {
		case webhookURL == "" && info.URL != "":
			detail += "; WEBHOOK_URL is unset, so serve will delete it and poll"
		case webhookURL != "" && info.URL != "" && info.URL != webhookURL:
			ok, fix = false, "serve sets the webhook to WEBHOOK_URL ("+webhookURL+") when it starts; start it, or correct WEBHOOK_URL"
		}
		if info.LastError != "" {
			at := time.Unix(info.LastErrorAt, 0).Format("2006-01-02 15:04 MST")
			detail += fmt.Sprintf("; last delivery error at %s: %s", at, info.LastError)
			if info.URL != "" {
				ok, fix = false, "Telegram cannot deliver to "+info.URL+": check that it is public, served over https with a valid certificate on port 443, 80, 88 or 8443, and proxied to tianbao's LISTEN_ADDR"
			}
		}
		list.add(check{ok: ok, what: "webhook at Telegram", detail: detail, fix: fix})
	}
	if webhookURL != "" {
		if !refused["WEBHOOK_URL"] {
			list.add(check{ok: true, what: "WEBHOOK_URL", detail: webhookURL})
		}
		if !refused["WEBHOOK_SECRET"] && !refused["WEBHOOK_SECRET_FILE"] {
			list.add(check{ok: true, what: "WEBHOOK_SECRET", detail: fmt.Sprintf("%d characters", len(cfg.WebhookSecret))})
		}
	}
	var menu []struct {
		Command string `json:"command"`
	}
	if err := api.Call(ctx, "getMyCommands", map[string]any{"scope": map[string]string{"type": "default"}}, &menu); err != nil {
		list.add(check{what: "command menu", detail: err.Error(), fix: "try again; Telegram did not answer"})
	} else if len(menu) == 0 {
		list.add(check{ok: true, what: "command menu", detail: "not set yet (serve sets it when it starts)"})
	} else {
		names := make([]string, len(menu))
		for i, c := range menu {
			names[i] = "/" + c.Command
		}
		list.add(check{ok: true, what: "command menu", detail: strings.Join(names, " ")})
	}
}

// doctorDesk checks APP_URL (already found well-formed): an address that
// answers with the desk's page, as a phone in Telegram would fetch it.
func doctorDesk(ctx context.Context, list *checklist, raw string) {
	if raw == "" {
		list.add(check{ok: true, what: "APP_URL", detail: "not set: no desk (Mini App) buttons in the chat"})
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, raw, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		list.add(check{what: "APP_URL", detail: raw + ": " + err.Error(), fix: "the phones open this address: proxy it (with a valid certificate) to tianbao's LISTEN_ADDR, path /app/"})
		return
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "tianbao-desk") {
		list.add(check{what: "APP_URL", detail: fmt.Sprintf("%s answered HTTP %d, not the desk's page", raw, resp.StatusCode), fix: "proxy " + raw + " to tianbao's LISTEN_ADDR, path /app/"})
		return
	}
	list.add(check{ok: true, what: "APP_URL", detail: raw + " serves the desk"})
}

// doctorDatabase looks at the database as serve would find it, and says
// what serve (or migrate) would do to it without doing it.
func doctorDatabase(ctx context.Context, e *env, list *checklist) {
	where, url, private := "DATABASE_URL", e.cfg.DatabaseURL, e.cfg.DatabaseURL == ""
	if private {
		where = "the private cluster in " + e.cfg.DataDir
		u, stop, ok := doctorPrivateCluster(ctx, e, list)
		if !ok {
			return
		}
		defer stop()
		url = u
	}
	db, err := store.Connect(ctx, url)
	if err != nil {
		list.add(check{what: "database (" + where + ")", detail: firstLine(err.Error()),
			fix: "check DATABASE_URL (and the password file), and that the server accepts connections from here"})
		return
	}
	defer db.Close()
	s, err := db.SchemaStatus(ctx)
	if err != nil {
		list.add(check{what: "database (" + where + ")", detail: firstLine(err.Error())})
		return
	}
	switch {
	case len(s.Unknown) > 0:
		list.add(check{what: "database (" + where + ")", detail: fmt.Sprintf("schema at version %d, newer than this program (%d): a newer release migrated it", s.Current, s.Target),
			fix: "run that release or a newer one; to go back to this one, restore the backup taken before the upgrade (README: \"Upgrading, rollback, backup and restore\")"})
		return
	case len(s.Pending) > 0 && private:
		list.add(check{ok: true, what: "database (" + where + ")", detail: fmt.Sprintf("schema at version %d; serve will apply migrations %s when it starts", s.Current, versions(s.Pending))})
		return
	case len(s.Pending) > 0:
		list.add(check{what: "database (" + where + ")", detail: fmt.Sprintf("schema at version %d, this program needs %d (migrations %s not applied)", s.Current, s.Target, versions(s.Pending)),
			fix: "run `tianbao migrate` (once per deploy; safe to repeat)"})
		return
	}
	list.add(check{ok: true, what: "database (" + where + ")", detail: fmt.Sprintf("schema at version %d of %d", s.Current, s.Target)})
	doctorCampaigns(ctx, db, list)
}

// doctorPrivateCluster finds the private cluster without creating it: a
// directory with no cluster is what serve would initialise. It returns the
// URL of the tianbao database and how to let go of the cluster, or false
// when there is nothing (yet) to look at.
func doctorPrivateCluster(ctx context.Context, e *env, list *checklist) (string, func(), bool) {
	where := "database (the private cluster in " + e.cfg.DataDir + ")"
	if _, err := pgcluster.FindBinaries(); err != nil {
		list.add(check{what: where, detail: firstLine(err.Error()), fix: "install PostgreSQL's server programs (Debian: apt-get install postgresql), or set DATABASE_URL"})
		return "", nil, false
	}
	files, _ := fs.Glob(store.Migrations(), "*.sql")
	n := len(files)
	if _, err := os.Stat(filepath.Join(e.cfg.DataDir, "pgdata", "PG_VERSION")); err != nil {
		list.add(check{ok: true, what: where, detail: fmt.Sprintf("none yet: serve will create it (initdb), with its database and the schema's %d migrations", n)})
		return "", nil, false
	}
	c, err := pgcluster.Start(ctx, e.cfg.DataDir, pgcluster.Options{Log: func(f string, a ...any) { e.log.Info(fmt.Sprintf(f, a...)) }})
	if err != nil {
		list.add(check{what: where, detail: firstLine(err.Error()), fix: "see the cluster's postgres.log in " + e.cfg.DataDir + ", or set DATABASE_URL"})
		return "", nil, false
	}
	stop := func() { _ = c.Stop(context.Background()) }
	exists, err := c.HasDatabase(ctx, "tianbao")
	if err != nil {
		stop()
		list.add(check{what: where, detail: firstLine(err.Error())})
		return "", nil, false
	}
	if !exists {
		stop()
		list.add(check{ok: true, what: where, detail: fmt.Sprintf("no database tianbao yet: serve will create it, with the schema's %d migrations", n)})
		return "", nil, false
	}
	return c.URL("tianbao"), stop, true
}

// doctorCampaigns loads every stored campaign (reading only: a built-in
// never stored is not installed here) and says which built-in campaigns
// this release would bring up to date.
func doctorCampaigns(ctx context.Context, db *store.DB, list *checklist) {
	stored, err := db.ListCampaigns(ctx)
	if err != nil {
		list.add(check{what: "campaigns", detail: err.Error()})
		return
	}
	have := map[string]bool{}
	for _, s := range stored {
		have[s.ID] = true
		c, err := campaigns.Stored(ctx, db, s.ID)
		if err != nil {
			list.add(check{what: "campaign " + s.ID, detail: firstLine(err.Error()), fix: "fix the file and `tianbao campaign load FILE` it again"})
			continue
		}
		detail := fmt.Sprintf("v%d, %d forms, %d units, %d contacts", c.Version, len(c.Forms), len(c.Units), s.Contacts)
		switch state, _, err := campaigns.BuiltinPlan(ctx, db, s.ID); {
		case err != nil:
		case state == campaigns.BuiltinOutdated:
			detail += fmt.Sprintf("; this release's built-in file differs: serve and migrate will store it as v%d", c.Version+1)
		case state == campaigns.BuiltinOwn:
			detail += "; loaded from a file of your own, which this release leaves alone (`tianbao campaign load " + s.ID + "` takes the release's)"
		}
		list.add(check{ok: true, what: "campaign " + s.ID, detail: detail})
	}
	var fresh []string
	for _, id := range campaigns.BuiltinIDs() {
		if !have[id] {
			fresh = append(fresh, id)
		}
	}
	if len(fresh) > 0 {
		list.add(check{ok: true, what: "built-in campaigns not stored yet", detail: strings.Join(fresh, ", ") + " (installed on first use)"})
	}
}

// versions writes migration versions as a list: 8, 9, 210.
func versions(vs []int64) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = fmt.Sprint(v)
	}
	return strings.Join(parts, ", ")
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}
