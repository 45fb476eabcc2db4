package wecom

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// DefaultBaseURL is WeCom's server API; DefaultOAuthURL serves the web
// OAuth authorize page.
const (
	DefaultBaseURL  = "https://qyapi.weixin.qq.com"
	DefaultOAuthURL = "https://open.weixin.qq.com"
)

// maxAnswer bounds what is read of an API answer (agent/get's is the
// largest the bot reads: a few KB).
const maxAnswer = 4 << 20

// Config is one self-built app (企业自建应用) of one organisation.
type Config struct {
	CorpID   string
	AgentID  int64
	Secret   string // the app's Secret (never logged, never in an error)
	BaseURL  string // default DefaultBaseURL; a test's fake
	OAuthURL string // default DefaultOAuthURL
	HTTP     *http.Client
	Now      func() time.Time
}

// Client calls WeCom's server API for one app. It is safe for concurrent
// use; one access token is shared by all calls.
type Client struct {
	cfg   Config
	base  string
	oauth string

	mu       sync.Mutex
	tok      cachedToken
	fetching chan struct{} // closed when the gettoken in flight ends
	retryAt  time.Time     // after a failed early renewal, the old token serves until then
}

type cachedToken struct {
	value     string
	expiresAt time.Time
	renewAt   time.Time
}

// New checks the configuration.
func New(cfg Config) (*Client, error) {
	if cfg.CorpID == "" || cfg.Secret == "" || cfg.AgentID <= 0 {
		return nil, errors.New("wecom: corp ID, agent ID and secret are all needed")
	}
	if cfg.HTTP == nil {
		cfg.HTTP = &http.Client{Timeout: 15 * time.Second}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	base, err := baseURL(cfg.BaseURL, DefaultBaseURL)
	if err != nil {
		return nil, fmt.Errorf("wecom: API base URL: %w", err)
	}
	oauth, err := baseURL(cfg.OAuthURL, DefaultOAuthURL)
	if err != nil {
		return nil, fmt.Errorf("wecom: OAuth base URL: %w", err)
	}
	return &Client{cfg: cfg, base: base, oauth: oauth}, nil
}

func baseURL(s, def string) (string, error) {
	if s == "" {
		s = def
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("%q is not an http(s) base URL", s)
	}
	return strings.TrimRight(s, "/"), nil
}

// CorpID and AgentID are the app's identity.
func (c *Client) CorpID() string  { return c.cfg.CorpID }
func (c *Client) AgentID() int64  { return c.cfg.AgentID }
func (c *Client) now() time.Time  { return c.cfg.Now() }
func (c *Client) agentID() string { return strconv.FormatInt(c.cfg.AgentID, 10) }

// renewMargin: a token is renewed this long before it expires (10 minutes
// of the documented 7,200 seconds; a quarter of a shorter lifetime).
func renewMargin(lifetime time.Duration) time.Duration {
	return min(10*time.Minute, lifetime/4)
}

// failedRenewalPause: after an early renewal fails, the old (still valid)
// token serves this long before the next attempt.
const failedRenewalPause = 30 * time.Second

// Token returns the app's access token, from the cache while it is fresh.
// One gettoken runs at a time, whatever the number of callers; the others
// wait for it. The token is renewed ten minutes before it expires; if the
// renewal fails, the old token serves until it expires. WeCom may end a
// token early (获取access_token, https://developer.work.weixin.qq.com/document/path/91039):
// a call refused with 40014/42001/40001 invalidates it and is tried once
// more with a new one (call).
func (c *Client) Token(ctx context.Context) (string, error) {
	for {
		c.mu.Lock()
		now := c.now()
		if c.tok.value != "" && now.Before(c.tok.renewAt) {
			v := c.tok.value
			c.mu.Unlock()
			return v, nil
		}
		if wait := c.fetching; wait != nil {
			c.mu.Unlock()
			select {
			case <-wait:
				continue
			case <-ctx.Done():
				return "", fmt.Errorf("wecom gettoken: %w", ctx.Err())
			}
		}
		if c.tok.value != "" && now.Before(c.tok.expiresAt) && now.Before(c.retryAt) {
			v := c.tok.value
			c.mu.Unlock()
			return v, nil
		}
		done := make(chan struct{})
		c.fetching = done
		c.mu.Unlock()

		value, lifetime, err := c.getToken(ctx)

		c.mu.Lock()
		c.fetching = nil
		close(done)
		if err != nil {
			if c.tok.value != "" && now.Before(c.tok.expiresAt) && !errors.Is(err, ErrCredentials) {
				c.retryAt = now.Add(failedRenewalPause)
				v := c.tok.value
				c.mu.Unlock()
				return v, nil
			}
			c.mu.Unlock()
			return "", err
		}
		if value == c.tok.value && now.Before(c.tok.expiresAt) {
			// "有效期内重复获取返回相同结果": an early renewal may return the
			// same token, whose lifetime is not extended by it. It serves to
			// its end, when gettoken gives a new one.
			c.tok.renewAt = c.tok.expiresAt
		} else {
			// The lifetime counts from before the request, not after it.
			c.tok = cachedToken{value: value, expiresAt: now.Add(lifetime), renewAt: now.Add(lifetime - renewMargin(lifetime))}
		}
		c.mu.Unlock()
		return value, nil
	}
}

// Invalidate drops the cached token if it is still tok (a newer one is
// kept: another call may have renewed it meanwhile).
func (c *Client) Invalidate(tok string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.tok.value == tok {
		c.tok = cachedToken{}
		c.retryAt = time.Time{}
	}
}

type tokenAnswer struct {
	ErrCode     int    `json:"errcode"`
	ErrMsg      string `json:"errmsg"`
	AccessToken string `json:"access_token"`
	ExpiresIn   int64  `json:"expires_in"`
}

func (c *Client) getToken(ctx context.Context) (string, time.Duration, error) {
	q := url.Values{"corpid": {c.cfg.CorpID}, "corpsecret": {c.cfg.Secret}}
	var a tokenAnswer
	if err := c.do(ctx, "gettoken", http.MethodGet, "/cgi-bin/gettoken", q, nil, &a); err != nil {
		return "", 0, err
	}
	if a.ErrCode != 0 {
		return "", 0, &APIError{Op: "gettoken", Code: a.ErrCode, Msg: a.ErrMsg}
	}
	if a.AccessToken == "" || a.ExpiresIn <= 0 {
		return "", 0, &TransportError{Op: "gettoken", Err: errors.New("an answer without access_token or expires_in")}
	}
	return a.AccessToken, time.Duration(a.ExpiresIn) * time.Second, nil
}

// answer is any API answer: errcode and errmsg come with every one.
type answer interface{ status() (int, string) }

type baseAnswer struct {
	ErrCode int    `json:"errcode"`
	ErrMsg  string `json:"errmsg"`
}

func (b *baseAnswer) status() (int, string) { return b.ErrCode, b.ErrMsg }

// call makes an authenticated API call; out receives the answer. A token
// WeCom refuses (40014, 42001, 40001) is dropped and the call made once more
// with a new one; a second refusal is returned (ErrTokenRejected). The
// returned error is an *APIError for a non-zero errcode. out is filled in
// either case (message/send's invaliduser comes with errcode 81013).
func (c *Client) call(ctx context.Context, op, method, path string, query url.Values, body []byte, out answer) error {
	for attempt := 0; ; attempt++ {
		tok, err := c.Token(ctx)
		if err != nil {
			return err
		}
		q := url.Values{}
		for k, v := range query {
			q[k] = v
		}
		q.Set("access_token", tok)
		if err := c.do(ctx, op, method, path, q, body, out); err != nil {
			return err
		}
		code, msg := out.status()
		if code == CodeOK {
			return nil
		}
		if isTokenCode(code) && attempt == 0 {
			c.Invalidate(tok)
			continue
		}
		return &APIError{Op: op, Code: code, Msg: msg}
	}
}

// do sends one request and decodes the JSON answer. Its errors never carry
// the URL (the query holds a token or the secret).
func (c *Client) do(ctx context.Context, op, method, path string, q url.Values, body []byte, out any) error {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path+"?"+q.Encode(), rd)
	if err != nil {
		return &TransportError{Op: op, Err: errors.New("cannot build the request")}
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json; charset=utf-8")
	}
	resp, err := c.cfg.HTTP.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return &TransportError{Op: op, Err: err}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return &TransportError{Op: op, Err: err}
	}
	if resp.StatusCode != http.StatusOK {
		return &TransportError{Op: op, Err: fmt.Errorf("HTTP %d", resp.StatusCode)}
	}
	if err := json.Unmarshal(data, out); err != nil {
		return &TransportError{Op: op, Err: fmt.Errorf("the answer is not JSON: %v", err)}
	}
	return nil
}
