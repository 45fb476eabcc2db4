package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"tianbao/bot"
	"tianbao/campaigns"
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
checklist: ✔ what is right, ✘ what is not and what to do about it. The bot
(getMe), its webhook as Telegram holds it (URL, updates waiting, the last
delivery error), its command menu, the configuration serve would refuse,
the database and its schema, the campaigns and their units. Exit 0 when
everything is ✔, 1 otherwise. It changes nothing.`)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	list := &checklist{w: e.stdout}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	doctorTelegram(ctx, list)
	doctorDatabase(ctx, e, list)
	if list.failed > 0 {
		fmt.Fprintf(e.stdout, "\n%d problem(s) to fix before `tianbao serve`.\n", list.failed)
		return exitError{1}
	}
	fmt.Fprintln(e.stdout, "\nEverything is ready: `tianbao serve`.")
	return nil
}

func doctorTelegram(ctx context.Context, list *checklist) {
	token, err := secret("TELEGRAM_BOT_TOKEN")
	switch {
	case err != nil:
		list.add(check{what: "bot token", detail: err.Error(), fix: "make TELEGRAM_BOT_TOKEN_FILE name a file this user can read"})
		return
	case token == "":
		list.add(check{what: "bot token", detail: "not set", fix: "create the bot with @BotFather (/newbot) and put its token in TELEGRAM_BOT_TOKEN, or in a file named by TELEGRAM_BOT_TOKEN_FILE"})
		return
	}
	apiURL := strings.TrimRight(os.Getenv("TELEGRAM_API_URL"), "/")
	if apiURL == "" {
		apiURL = bot.DefaultAPIURL
	}
	api := bot.API{URL: apiURL, Token: token}
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
	webhookURL := os.Getenv("WEBHOOK_URL")
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
		u, err := url.Parse(webhookURL)
		port := ""
		if err == nil {
			port = u.Port()
		}
		switch {
		case err != nil || u.Scheme != "https" || u.Host == "":
			list.add(check{what: "WEBHOOK_URL", detail: webhookURL, fix: "Telegram posts only to https:// addresses: put a TLS proxy (the compose file's Caddy) in front and give its public https URL"})
		case port != "" && port != "443" && port != "80" && port != "88" && port != "8443":
			list.add(check{what: "WEBHOOK_URL", detail: webhookURL, fix: "Telegram posts only to ports 443, 80, 88 and 8443"})
		default:
			list.add(check{ok: true, what: "WEBHOOK_URL", detail: webhookURL})
		}
		sec, err := secret("WEBHOOK_SECRET")
		switch {
		case err != nil:
			list.add(check{what: "WEBHOOK_SECRET", detail: err.Error(), fix: "make WEBHOOK_SECRET_FILE name a readable file"})
		case checkWebhookSecret(sec) != nil:
			list.add(check{what: "WEBHOOK_SECRET", detail: checkWebhookSecret(sec).Error(), fix: "openssl rand -hex 32 > secrets/webhook_secret"})
		default:
			list.add(check{ok: true, what: "WEBHOOK_SECRET", detail: fmt.Sprintf("%d characters", len(sec))})
		}
	}
	doctorDesk(ctx, list)
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

// doctorDesk checks APP_URL: an https address of /app/ that answers with
// the desk's page (as a phone in Telegram would fetch it).
func doctorDesk(ctx context.Context, list *checklist) {
	raw := os.Getenv("APP_URL")
	if raw == "" {
		list.add(check{ok: true, what: "APP_URL", detail: "not set: no desk (Mini App) buttons in the chat"})
		return
	}
	if _, err := appURL(raw); err != nil {
		list.add(check{what: "APP_URL", detail: err.Error(), fix: "give the public https address the proxy serves /app/ at, e.g. https://tianbao.example.org/app/"})
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

func doctorDatabase(ctx context.Context, e *env, list *checklist) {
	where := "DATABASE_URL"
	if e.cfg.DatabaseURL == "" {
		where = "the private cluster in " + e.cfg.DataDir
	}
	db, err := e.connect(ctx, false)
	if err != nil {
		fix := "check DATABASE_URL (and the password file), and that the server accepts connections from here"
		if strings.Contains(err.Error(), "tianbao migrate") {
			fix = "run `tianbao migrate` (once per deploy; safe to repeat)"
		}
		list.add(check{what: "database (" + where + ")", detail: firstLine(err.Error()), fix: fix})
		return
	}
	defer db.Close()
	current, target, err := db.SchemaVersion(ctx)
	if err != nil {
		list.add(check{what: "database schema", detail: err.Error(), fix: "run `tianbao migrate`"})
		return
	}
	list.add(check{ok: true, what: "database (" + where + ")", detail: fmt.Sprintf("schema at version %d of %d", current, target)})
	stored, err := db.ListCampaigns(ctx)
	if err != nil {
		list.add(check{what: "campaigns", detail: err.Error()})
		return
	}
	if len(stored) == 0 {
		list.add(check{ok: true, what: "campaigns", detail: "none loaded yet; serve installs the built-in " + campaigns.BuiltinID + " on first use"})
		return
	}
	reg := campaigns.NewRegistry(db.DB)
	for _, s := range stored {
		c, err := reg.Campaign(ctx, s.ID)
		if err != nil {
			list.add(check{what: "campaign " + s.ID, detail: firstLine(err.Error()), fix: "fix the file and `tianbao campaign load FILE` it again"})
			continue
		}
		list.add(check{ok: true, what: "campaign " + s.ID, detail: fmt.Sprintf("v%d, %d forms, %d units, %d contacts", c.Version, len(c.Forms), len(c.Units), s.Contacts)})
	}
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}
