package main

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"tianbao/bot"
	"tianbao/wecom"
)

// problem is one setting serve refuses: the variable, why, and what to do.
type problem struct {
	Var string // the environment variable at fault
	Err error
	Fix string // for doctor's → line; empty when the message says it
}

// serveConfig is serve's configuration: the Telegram bot's (its token
// empty when Telegram is off) and the WeCom app's (nil when WeCom is off).
type serveConfig struct {
	bot.Config
	WeCom *wecomSettings
}

// wecomSettings is the WeCom self-built app (企业自建应用) serve runs as a
// channel.
type wecomSettings struct {
	CorpID, Secret, Token, AESKey string
	AgentID                       int64
	APIURL, OAuthURL              string // empty: WeCom's own
	PublicURL                     string // APP_URL's origin: the app's trusted domain
}

// serveSettings reads serve's configuration from the environment and checks
// every setting, as Telegram, WeCom and the program will take it. serve
// refuses to start on any problem; doctor shows each as ✘. Both call this
// one function, so that doctor never says "ready" for settings serve
// refuses.
func serveSettings(e *env) (serveConfig, []problem) {
	var probs []problem
	refuse := func(name, fix, format string, args ...any) {
		probs = append(probs, problem{Var: name, Err: fmt.Errorf(format, args...), Fix: fix})
	}
	cfg := bot.Config{APIURL: os.Getenv("TELEGRAM_API_URL"), WebhookURL: os.Getenv("WEBHOOK_URL"),
		ListenAddr: os.Getenv("LISTEN_ADDR"), Log: e.log}
	wc, wecomProbs := wecomConfig()
	probs = append(probs, wecomProbs...)
	wecomOn := wc != nil || len(wecomProbs) > 0

	token, err := secret("TELEGRAM_BOT_TOKEN")
	switch {
	case err != nil:
		refuse("TELEGRAM_BOT_TOKEN_FILE", "make TELEGRAM_BOT_TOKEN_FILE name a file this user can read (in compose: the secret's file must be readable by uid 65532, see the README)", "%v", err)
	case token == "" && !wecomOn:
		refuse("TELEGRAM_BOT_TOKEN", "create the bot with @BotFather (/newbot) and put its token in TELEGRAM_BOT_TOKEN, or in a file named by TELEGRAM_BOT_TOKEN_FILE; or run in WeCom alone (WECOM_CORP_ID and the rest, see the README)",
			"set TELEGRAM_BOT_TOKEN (or TELEGRAM_BOT_TOKEN_FILE) to the token @BotFather gave you, or configure WeCom (WECOM_CORP_ID …)")
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
	} else if wc != nil {
		if cfg.AppURL == "" {
			refuse("APP_URL", "set APP_URL=https://<the app's trusted domain>/app/: WeCom's callback (/wecom/callback), its sign-in and the desk are served there",
				"APP_URL is not set, and WeCom needs it: the app's pages and its callback URL are at its address")
		} else {
			u, _ := url.Parse(cfg.AppURL)
			wc.PublicURL = u.Scheme + "://" + u.Host
		}
	}
	if v := os.Getenv("APP_AUTH_MAX_AGE"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Minute || d > 7*24*time.Hour {
			refuse("APP_AUTH_MAX_AGE", "", "APP_AUTH_MAX_AGE=%q: want a duration from 1m to 168h, e.g. 1h", v)
		}
		cfg.AppAuthMaxAge = d
	}
	return serveConfig{Config: cfg, WeCom: wc}, probs
}

// wecomVars are the WeCom app's settings; all of them or none.
var wecomVars = []string{"WECOM_CORP_ID", "WECOM_AGENT_ID", "WECOM_SECRET", "WECOM_TOKEN", "WECOM_AES_KEY"}

var (
	corpIDRe      = regexp.MustCompile(`^[A-Za-z0-9]{1,64}$`)
	wecomTokenRe  = regexp.MustCompile(`^[A-Za-z0-9]{1,32}$`)
	wecomSecretRe = regexp.MustCompile(`^[A-Za-z0-9_-]{1,128}$`)
)

// wecomConfig reads the WeCom app's settings: nil and no problem when none
// is set (WeCom off); every one missing named when some are (a half
// configuration), and each checked as WeCom takes it.
func wecomConfig() (*wecomSettings, []problem) {
	var probs []problem
	refuse := func(name, fix, format string, args ...any) {
		probs = append(probs, problem{Var: name, Err: fmt.Errorf(format, args...), Fix: fix})
	}
	vals := map[string]string{}
	var given []string
	for _, v := range wecomVars {
		val, err := secret(v)
		if err != nil {
			refuse(v+"_FILE", "make "+v+"_FILE name a file this user can read", "%v", err)
			given = append(given, v)
			continue
		}
		vals[v] = val
		if val != "" {
			given = append(given, v)
		}
	}
	apiURL, oauthURL := os.Getenv("WECOM_API_URL"), os.Getenv("WECOM_OAUTH_URL")
	if len(given) == 0 {
		if apiURL != "" || oauthURL != "" {
			refuse("WECOM_CORP_ID", "set WECOM_CORP_ID, WECOM_AGENT_ID, WECOM_SECRET(_FILE), WECOM_TOKEN and WECOM_AES_KEY(_FILE), or unset WECOM_API_URL and WECOM_OAUTH_URL",
				"WECOM_API_URL or WECOM_OAUTH_URL is set but the WeCom app is not configured")
		}
		return nil, probs
	}
	fixes := map[string]string{
		"WECOM_CORP_ID":  "the organisation's 企业ID: the admin console, 我的企业 → 企业信息",
		"WECOM_AGENT_ID": "the app's AgentId: 应用管理 → the app's page",
		"WECOM_SECRET":   "the app's Secret (应用管理 → the app → Secret, sent to the admin's WeCom when viewed), in a file named by WECOM_SECRET_FILE",
		"WECOM_TOKEN":    "the Token of the app's 接收消息 → 设置API接收 page (random letters and digits)",
		"WECOM_AES_KEY":  "the EncodingAESKey of the same page (43 characters), in a file named by WECOM_AES_KEY_FILE",
	}
	for _, v := range wecomVars {
		if vals[v] == "" && !slices.Contains(given, v) {
			refuse(v, fixes[v], "%s is not set, and WeCom needs it with %s: set all of %s, or none (WeCom off)",
				v, strings.Join(given, ", "), strings.Join(wecomVars, ", "))
		}
	}
	w := &wecomSettings{CorpID: vals["WECOM_CORP_ID"], Secret: vals["WECOM_SECRET"], Token: vals["WECOM_TOKEN"], AESKey: vals["WECOM_AES_KEY"]}
	if w.CorpID != "" && !corpIDRe.MatchString(w.CorpID) {
		refuse("WECOM_CORP_ID", fixes["WECOM_CORP_ID"], "WECOM_CORP_ID=%q: want the 企业ID, letters and digits (ww…)", w.CorpID)
	}
	if a := vals["WECOM_AGENT_ID"]; a != "" {
		n, err := strconv.ParseInt(a, 10, 64)
		if err != nil || n <= 0 {
			refuse("WECOM_AGENT_ID", fixes["WECOM_AGENT_ID"], "WECOM_AGENT_ID=%q: want the app's AgentId, a number such as 1000002", a)
		}
		w.AgentID = n
	}
	if w.Secret != "" && !wecomSecretRe.MatchString(w.Secret) {
		refuse("WECOM_SECRET", fixes["WECOM_SECRET"], "WECOM_SECRET: the app's Secret is letters, digits, - and _ (this one has %d characters, or others)", len(w.Secret))
	}
	if w.Token != "" && !wecomTokenRe.MatchString(w.Token) {
		refuse("WECOM_TOKEN", fixes["WECOM_TOKEN"], "WECOM_TOKEN: the callback's Token is 1-32 letters and digits, as the admin console makes it")
	}
	if w.AESKey != "" {
		if _, err := wecom.NewCrypto("t", w.AESKey, "c"); err != nil {
			refuse("WECOM_AES_KEY", fixes["WECOM_AES_KEY"], "WECOM_AES_KEY: %v", err)
		}
	}
	for _, v := range []struct{ name, val string }{{"WECOM_API_URL", apiURL}, {"WECOM_OAUTH_URL", oauthURL}} {
		if v.val == "" {
			continue
		}
		if u, err := url.Parse(v.val); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" {
			refuse(v.name, "", "%s=%q: want a server's address, e.g. https://qyapi.weixin.qq.com", v.name, v.val)
		}
	}
	w.APIURL, w.OAuthURL = apiURL, oauthURL
	if w.OAuthURL == "" {
		w.OAuthURL = apiURL // a test double (or a proxy) serves both
	}
	if len(probs) > 0 {
		return nil, probs
	}
	return w, nil
}

// botConfig is serve's configuration, or every problem with it, one a line.
func botConfig(e *env) (serveConfig, error) {
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
