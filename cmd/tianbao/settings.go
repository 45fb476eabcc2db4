package main

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"tianbao/bot"
)

// problem is one setting serve refuses: the variable, why, and what to do.
type problem struct {
	Var string // the environment variable at fault
	Err error
	Fix string // for doctor's → line; empty when the message says it
}

// serveSettings reads serve's configuration from the environment and checks
// every setting, as Telegram and the program will take it. serve refuses to
// start on any problem; doctor shows each as ✘. Both call this one function,
// so that doctor never says "ready" for settings serve refuses.
func serveSettings(e *env) (bot.Config, []problem) {
	var probs []problem
	refuse := func(name, fix, format string, args ...any) {
		probs = append(probs, problem{Var: name, Err: fmt.Errorf(format, args...), Fix: fix})
	}
	cfg := bot.Config{APIURL: os.Getenv("TELEGRAM_API_URL"), WebhookURL: os.Getenv("WEBHOOK_URL"),
		ListenAddr: os.Getenv("LISTEN_ADDR"), Log: e.log}

	token, err := secret("TELEGRAM_BOT_TOKEN")
	switch {
	case err != nil:
		refuse("TELEGRAM_BOT_TOKEN_FILE", "make TELEGRAM_BOT_TOKEN_FILE name a file this user can read (in compose: the secret's file must be readable by uid 65532, see the README)", "%v", err)
	case token == "":
		refuse("TELEGRAM_BOT_TOKEN", "create the bot with @BotFather (/newbot) and put its token in TELEGRAM_BOT_TOKEN, or in a file named by TELEGRAM_BOT_TOKEN_FILE",
			"set TELEGRAM_BOT_TOKEN (or TELEGRAM_BOT_TOKEN_FILE) to the token @BotFather gave you")
	}
	cfg.Token = token
	if cfg.APIURL != "" {
		if u, err := url.Parse(cfg.APIURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			refuse("TELEGRAM_API_URL", "", "TELEGRAM_API_URL=%q: want the Bot API server's address, e.g. https://api.telegram.org", cfg.APIURL)
		}
	}

	webhookSecret, err := secret("WEBHOOK_SECRET")
	if err != nil {
		refuse("WEBHOOK_SECRET_FILE", "make WEBHOOK_SECRET_FILE name a readable file", "%v", err)
	}
	cfg.WebhookSecret = webhookSecret
	if cfg.WebhookURL != "" {
		if err := checkWebhookURL(cfg.WebhookURL); err != nil {
			refuse("WEBHOOK_URL", "Telegram posts only to https:// addresses on ports 443, 80, 88 or 8443: put a TLS proxy (the compose file's Caddy) in front and give its public https URL", "%v", err)
		}
		if err := checkWebhookSecret(webhookSecret); err != nil {
			refuse("WEBHOOK_SECRET", "openssl rand -hex 32 > secrets/webhook_secret", "%v", err)
		}
	}

	if cfg.ListenAddr == "" {
		cfg.ListenAddr = ":8080"
	}
	if err := checkAddr(cfg.ListenAddr); err != nil {
		refuse("LISTEN_ADDR", "", "LISTEN_ADDR=%q: %v", cfg.ListenAddr, err)
	}
	switch cfg.MetricsAddr = os.Getenv("METRICS_ADDR"); cfg.MetricsAddr {
	case "":
		cfg.MetricsAddr = ":9090"
	case "off":
		cfg.MetricsAddr = ""
	}
	if cfg.MetricsAddr != "" {
		if err := checkAddr(cfg.MetricsAddr); err != nil {
			refuse("METRICS_ADDR", "", "METRICS_ADDR=%q: %v (or off)", cfg.MetricsAddr, err)
		} else if cfg.MetricsAddr == cfg.ListenAddr {
			refuse("METRICS_ADDR", "", "METRICS_ADDR and LISTEN_ADDR are both %s: /metrics has a port of its own, which is not published", cfg.ListenAddr)
		}
	}
	if w := os.Getenv("WORKERS"); w != "" {
		n, err := strconv.Atoi(w)
		if err != nil || n < 1 || n > 1024 {
			refuse("WORKERS", "", "WORKERS=%q: want the number of chats handled at once, 1 to 1024 (default 8)", w)
		}
		cfg.Workers = n
	}
	switch r := os.Getenv("REMINDERS"); r {
	case "", "on":
	case "off":
		cfg.NoReminders = true
	default:
		refuse("REMINDERS", "", "REMINDERS=%q: want on or off", r)
	}
	if r := os.Getenv("SEND_RATE"); r != "" {
		v, err := strconv.ParseFloat(r, 64)
		if err != nil || !(v > 0 && v <= 30) {
			refuse("SEND_RATE", "", "SEND_RATE=%q: want messages per second, above 0 and at most 30 (Telegram's limit), e.g. 25", r)
		}
		cfg.SendRate = v
	}
	if v := os.Getenv("FILE_QUOTA_MB"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1<<20 {
			refuse("FILE_QUOTA_MB", "", "FILE_QUOTA_MB=%q: want the megabytes of files each unit may store, e.g. 200", v)
		}
		cfg.FileQuota.UnitBytes = int64(n) << 20
	}
	if v := os.Getenv("FILES_PER_FIELD"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100000 {
			refuse("FILES_PER_FIELD", "", "FILES_PER_FIELD=%q: want how many files one field of a unit may hold, e.g. 100", v)
		}
		cfg.FileQuota.PerField = n
	}
	if v := os.Getenv("FILE_GRACE"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Minute {
			refuse("FILE_GRACE", "", "FILE_GRACE=%q: want how long a file no answer refers to is kept, at least 1m, e.g. 24h", v)
		}
		cfg.FileGrace = d
	}
	if cfg.AppURL, err = appURL(os.Getenv("APP_URL")); err != nil {
		refuse("APP_URL", "give the public https address the proxy serves /app/ at, e.g. https://tianbao.example.org/app/", "%v", err)
	}
	if v := os.Getenv("APP_AUTH_MAX_AGE"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Minute || d > 7*24*time.Hour {
			refuse("APP_AUTH_MAX_AGE", "", "APP_AUTH_MAX_AGE=%q: want a duration from 1m to 168h, e.g. 1h", v)
		}
		cfg.AppAuthMaxAge = d
	}
	return cfg, probs
}

// botConfig is serve's configuration, or every problem with it, one a line.
func botConfig(e *env) (bot.Config, error) {
	cfg, probs := serveSettings(e)
	if len(probs) == 0 {
		return cfg, nil
	}
	errs := make([]error, len(probs))
	for i, p := range probs {
		errs[i] = p.Err
	}
	return cfg, errors.Join(errs...)
}

// checkAddr refuses a listening address net.Listen would not take.
func checkAddr(addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return errors.New("want HOST:PORT or :PORT, e.g. :8080")
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("port %q is not a port number", port)
	}
	return nil
}

// checkWebhookURL refuses what setWebhook would: Telegram posts only to
// https, on ports 443, 80, 88 and 8443.
func checkWebhookURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return fmt.Errorf("WEBHOOK_URL=%q: Telegram posts updates only to an https:// address", raw)
	}
	switch u.Port() {
	case "", "443", "80", "88", "8443":
		return nil
	}
	return fmt.Errorf("WEBHOOK_URL=%q: Telegram posts only to ports 443, 80, 88 and 8443", raw)
}

// appURL checks APP_URL as Telegram will: a Mini App is opened only from
// an https URL. Its path ends in / (the page finds its api/ beside it).
func appURL(raw string) (string, error) {
	if raw == "" {
		return "", nil
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil || u.Host == "":
		return "", fmt.Errorf("APP_URL=%q is not a URL; want the public https address of /app/, e.g. https://tianbao.example.org/app/", raw)
	case u.Scheme != "https":
		return "", fmt.Errorf("APP_URL=%q: Telegram opens Mini Apps only over https", raw)
	case !strings.HasSuffix(u.Path, "/") || u.RawQuery != "" || u.Fragment != "":
		return "", fmt.Errorf("APP_URL=%q: want the address of /app/ itself, ending in /, without ? or #, e.g. https://%s/app/", raw, u.Host)
	}
	return raw, nil
}

// webhookSecretRe is what Telegram takes as a webhook's secret_token.
var webhookSecretRe = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`)

// checkWebhookSecret refuses a secret Telegram would refuse, at start and
// with the reason, rather than at setWebhook.
func checkWebhookSecret(s string) error {
	switch {
	case s == "":
		return errors.New("WEBHOOK_URL is set but WEBHOOK_SECRET is not: every webhook request must be checked")
	case !webhookSecretRe.MatchString(s):
		return fmt.Errorf("WEBHOOK_SECRET must be 1-256 of A-Z, a-z, 0-9, _ and - (it has %d characters, or others)", len(s))
	}
	return nil
}
