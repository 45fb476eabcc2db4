package wecomtest

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strconv"
	"strings"
	"time"

	"tianbao/wecom"
)

// Callbacks as WeCom posts them to an app (接收消息与事件,
// https://developer.work.weixin.qq.com/document/path/90930; 消息格式 90239,
// 事件格式 90240): POST callbackURL?msg_signature=&timestamp=&nonce= with
// <xml><ToUserName/><Encrypt/><AgentID/></xml>; 200 means received; no
// answer within five seconds, or another status, and WeCom tries again,
// three times.

// CallbackTimeout is how long WeCom waits for the app's answer.
const CallbackTimeout = 5 * time.Second

// CallbackRetries is how often WeCom tries again ("总共重试三次").
const CallbackRetries = 3

// ErrNotDelivered: the app never answered 200.
var ErrNotDelivered = errors.New("wecomtest: the app did not take the callback")

// ErrAlreadyPressed: the card's buttons were replaced by replace_text
// after the member's first press (按钮替换文案，填写本字段后会展现灰色不可点击按钮).
var ErrAlreadyPressed = errors.New("wecomtest: the card's buttons are greyed after the first press")

// Callback is one request WeCom makes to an app's callback URL.
type Callback struct {
	AgentID int64
	URL     string // the callback URL with msg_signature, timestamp and nonce
	Body    []byte // the encrypted envelope
	Plain   []byte // the message inside
}

// Delivery is what became of a callback.
type Delivery struct {
	Callback *Callback
	Attempts int
	Status   int    // the last answer's HTTP status (0: no answer)
	Reply    []byte // a passive reply (被动回复消息), decrypted
}

type cdata struct {
	Text string `xml:",cdata"`
}

// plainXML is a message or event as 消息格式 and 事件格式 show them.
type plainXML struct {
	XMLName      xml.Name `xml:"xml"`
	ToUserName   cdata
	FromUserName cdata
	CreateTime   int64
	MsgType      cdata
	Content      *cdata `xml:",omitempty"`
	MsgID        string `xml:"MsgId,omitempty"`
	Event        *cdata `xml:",omitempty"`
	EventKey     *cdata `xml:",omitempty"`
	TaskID       *cdata `xml:"TaskId,omitempty"`
	CardType     *cdata `xml:",omitempty"`
	ResponseCode *cdata `xml:",omitempty"`
	AgentID      int64
}

type envelopeXML struct {
	XMLName    xml.Name `xml:"xml"`
	ToUserName cdata
	Encrypt    cdata
	AgentID    cdata
}

func (s *Server) crypto(a *App) (*wecom.Crypto, error) {
	return wecom.NewCrypto(a.Token, a.AESKey, s.CorpID)
}

func digits(n int) string {
	b := []byte(randomToken(n))
	for i := range b {
		b[i] = '0' + b[i]%10
	}
	if b[0] == '0' {
		b[0] = '1'
	}
	return string(b)
}

// seal encrypts and signs a message for an app's callback URL.
func (s *Server) seal(a *App, msg *plainXML) (*Callback, error) {
	if a.CallbackURL == "" {
		return nil, fmt.Errorf("wecomtest: app %d has no callback URL", a.AgentID)
	}
	plain, err := xml.Marshal(msg)
	if err != nil {
		return nil, err
	}
	c, err := s.crypto(a)
	if err != nil {
		return nil, err
	}
	enc, err := c.Encrypt(plain)
	if err != nil {
		return nil, err
	}
	ts, nonce := strconv.FormatInt(msg.CreateTime, 10), digits(10)
	body, err := xml.Marshal(envelopeXML{ToUserName: cdata{s.CorpID}, Encrypt: cdata{enc}, AgentID: cdata{strconv.FormatInt(a.AgentID, 10)}})
	if err != nil {
		return nil, err
	}
	q := url.Values{"msg_signature": {c.Signature(ts, nonce, enc)}, "timestamp": {ts}, "nonce": {nonce}}
	return &Callback{AgentID: a.AgentID, URL: withQuery(a.CallbackURL, q), Body: body, Plain: plain}, nil
}

func withQuery(u string, q url.Values) string {
	sep := "?"
	if strings.Contains(u, "?") {
		sep = "&"
	}
	return u + sep + q.Encode()
}

// Post makes one callback request and returns the app's answer as is.
func (s *Server) Post(ctx context.Context, cb *Callback) (int, []byte, error) {
	ctx, cancel := context.WithTimeout(ctx, CallbackTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, cb.URL, strings.NewReader(string(cb.Body)))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "text/xml")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, body, err
}

// Deliver posts a callback as WeCom does: again, up to three more times,
// while the app does not answer 200 within five seconds. A non-empty 200
// answer must be a passive reply sealed with the app's key; it is returned
// decrypted. Delivering the same Callback twice is a redelivery (the app
// must apply it once).
func (s *Server) Deliver(ctx context.Context, cb *Callback) (*Delivery, error) {
	s.mu.Lock()
	a := s.apps[cb.AgentID]
	s.mu.Unlock()
	d := &Delivery{Callback: cb}
	for d.Attempts < 1+CallbackRetries {
		d.Attempts++
		status, body, err := s.Post(ctx, cb)
		d.Status = status
		if err != nil || status != http.StatusOK {
			if ctx.Err() != nil {
				return d, ctx.Err()
			}
			continue
		}
		if len(body) > 0 {
			c, err := s.crypto(a)
			if err != nil {
				return d, err
			}
			if d.Reply, err = wecom.OpenReply(c, body); err != nil {
				return d, fmt.Errorf("wecomtest: the app's reply is not a sealed passive reply: %w", err)
			}
		}
		return d, nil
	}
	return d, ErrNotDelivered
}

// VerifyCallbackURL does what saving the callback in the admin console
// does (验证URL有效性): a GET with an encrypted echostr, whose plaintext the
// app must answer, exactly, with 200.
func (s *Server) VerifyCallbackURL(ctx context.Context, agentID int64) error {
	s.mu.Lock()
	a := s.app(agentID)
	now := s.now()
	s.mu.Unlock()
	if a == nil || a.CallbackURL == "" {
		return errors.New("wecomtest: no app with a callback URL")
	}
	c, err := s.crypto(a)
	if err != nil {
		return err
	}
	echo := digits(19)
	enc, err := c.Encrypt([]byte(echo))
	if err != nil {
		return err
	}
	ts, nonce := strconv.FormatInt(now.Unix(), 10), digits(10)
	q := url.Values{"msg_signature": {c.Signature(ts, nonce, enc)}, "timestamp": {ts}, "nonce": {nonce}, "echostr": {enc}}
	ctx, cancel := context.WithTimeout(ctx, time.Second) // "在1秒内响应GET请求"
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, withQuery(a.CallbackURL, q), nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("wecomtest: URL verification: %w", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode != http.StatusOK || string(body) != echo {
		// "响应内容为上一步得到的明文消息内容（不能加引号，不能带bom头，不能带换行符）"
		return fmt.Errorf("wecomtest: URL verification answered %d %q, want 200 %q", resp.StatusCode, body, echo)
	}
	return nil
}

// Member plays one member of the organisation in one app.
type Member struct {
	s       *Server
	UserID  string
	AgentID int64 // 0: the first app added
}

// Member returns a member to play (added with AddMember, or not: then WeCom
// knows nobody by that ID and the helpers say so).
func (s *Server) Member(userID string) *Member { return &Member{s: s, UserID: userID} }

// In plays the member in another app.
func (m *Member) In(agentID int64) *Member {
	return &Member{s: m.s, UserID: m.UserID, AgentID: agentID}
}

// message builds a callback from the member, who must be able to open the
// app (in the directory and its visible range).
func (m *Member) message(fill func(x *plainXML, a *App)) (*Callback, error) {
	s := m.s
	s.mu.Lock()
	a := s.app(m.AgentID)
	if a == nil {
		s.mu.Unlock()
		return nil, errors.New("wecomtest: no such app")
	}
	if !s.reachable(a, m.UserID) {
		s.mu.Unlock()
		return nil, fmt.Errorf("wecomtest: %s cannot open app %d (not a member, left, or outside its visible range)", m.UserID, a.AgentID)
	}
	x := &plainXML{ToUserName: cdata{s.CorpID}, FromUserName: cdata{s.members[strings.ToLower(m.UserID)].id},
		CreateTime: s.now().Unix(), AgentID: a.AgentID}
	fill(x, a)
	s.mu.Unlock()
	return s.seal(a, x)
}

// TextCallback is the callback of a text the member sends the app.
func (m *Member) TextCallback(content string) (*Callback, error) {
	return m.message(func(x *plainXML, _ *App) {
		m.s.nextMsgID++
		x.MsgType, x.Content, x.MsgID = cdata{"text"}, &cdata{content}, strconv.FormatUint(m.s.nextMsgID, 10)
	})
}

// Send is the member sending the app a text.
func (m *Member) Send(ctx context.Context, content string) (*Delivery, error) {
	cb, err := m.TextCallback(content)
	if err != nil {
		return nil, err
	}
	return m.s.Deliver(ctx, cb)
}

func event(x *plainXML, name, key string) {
	x.MsgType, x.Event, x.EventKey = cdata{"event"}, &cdata{name}, &cdata{key}
}

// PressCallback is the callback of the member pressing a button of a
// button_interaction card they received from the app. It fails as the
// member's phone would: no such card, no such button, or buttons greyed
// after a first press (replace_text).
func (m *Member) PressCallback(taskID, key string) (*Callback, error) {
	s := m.s
	s.mu.Lock()
	a := s.app(m.AgentID)
	var card *Template
	for _, r := range s.inbox[strings.ToLower(m.UserID)] {
		if a != nil && r.AgentID == a.AgentID && r.Template != nil && r.Template.TaskID == taskID {
			card = r.Template
		}
	}
	var found bool
	if card != nil {
		for _, b := range card.Buttons {
			found = found || (b.Key == key && b.URL == "")
		}
	}
	switch {
	case card == nil:
		s.mu.Unlock()
		return nil, fmt.Errorf("wecomtest: %s received no card with task_id %q", m.UserID, taskID)
	case !found:
		s.mu.Unlock()
		return nil, fmt.Errorf("wecomtest: card %q has no button with key %q", taskID, key)
	case card.pressed && card.ReplaceText != "":
		s.mu.Unlock()
		return nil, ErrAlreadyPressed
	}
	card.pressed = true
	s.mu.Unlock()
	return m.message(func(x *plainXML, _ *App) {
		event(x, wecom.EventTemplateCard, key)
		x.TaskID, x.CardType, x.ResponseCode = &cdata{taskID}, &cdata{wecom.CardButtonInteraction}, &cdata{randomToken(43)}
	})
}

// Press is the member pressing a card's button.
func (m *Member) Press(ctx context.Context, taskID, key string) (*Delivery, error) {
	cb, err := m.PressCallback(taskID, key)
	if err != nil {
		return nil, err
	}
	return m.s.Deliver(ctx, cb)
}

// Click is the member pressing a menu button of type click (EventKey: its key).
func (m *Member) Click(ctx context.Context, key string) (*Delivery, error) {
	cb, err := m.message(func(x *plainXML, _ *App) { event(x, wecom.EventClick, key) })
	if err != nil {
		return nil, err
	}
	return m.s.Deliver(ctx, cb)
}

// Enter is the member opening the app (enter_agent).
func (m *Member) Enter(ctx context.Context) (*Delivery, error) {
	cb, err := m.message(func(x *plainXML, _ *App) { event(x, wecom.EventEnterAgent, "") })
	if err != nil {
		return nil, err
	}
	return m.s.Deliver(ctx, cb)
}

// Received lists what the member received, oldest first.
func (m *Member) Received() []Received { return m.s.Received(m.UserID) }

// WaitReceived waits until the member has received at least n messages.
func (m *Member) WaitReceived(ctx context.Context, n int) ([]Received, error) {
	for {
		m.s.mu.Lock()
		got, ch := len(m.s.inbox[strings.ToLower(m.UserID)]), m.s.changed
		m.s.mu.Unlock()
		if got >= n {
			return m.Received(), nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return m.Received(), fmt.Errorf("wecomtest: %s received %d messages, not %d: %w", m.UserID, got, n, ctx.Err())
		}
	}
}

// oauthRequest turns an authorize link as the app made it into a request
// to the fake (the link may name open.weixin.qq.com or the fake).
func (m *Member) oauthRequest(ctx context.Context, link string) (*http.Request, error) {
	raw, ok := strings.CutSuffix(link, "#wechat_redirect")
	if !ok {
		// "#wechat_redirect: 终端使用此参数判断是否需要带上身份信息"
		return nil, errors.New("wecomtest: the link lacks #wechat_redirect; WeCom would open it without the member's identity")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, err
	}
	fake, _ := url.Parse(m.s.URL)
	if u.Host != "open.weixin.qq.com" && u.Host != fake.Host {
		return nil, fmt.Errorf("wecomtest: %s is not WeCom's authorize page", u.Host)
	}
	u.Scheme, u.Host = fake.Scheme, fake.Host
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	req.AddCookie(&http.Cookie{Name: MemberCookie, Value: url.QueryEscape(m.UserID)})
	return req, nil
}

// Authorize opens an authorize link as the member in WeCom and returns
// where WeCom sends them: the app's page with code and state, not yet
// opened.
func (m *Member) Authorize(ctx context.Context, link string) (*url.URL, error) {
	req, err := m.oauthRequest(ctx, link)
	if err != nil {
		return nil, err
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		page, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return nil, fmt.Errorf("wecomtest: the authorize page answered %d: %s", resp.StatusCode, strings.TrimSpace(string(page)))
	}
	return resp.Location()
}

// OpenOAuth opens an authorize link as the member and follows WeCom's
// redirect to the app's page with client (nil: a new one with a cookie
// jar), returning the page's response.
func (m *Member) OpenOAuth(ctx context.Context, client *http.Client, link string) (*http.Response, error) {
	target, err := m.Authorize(ctx, link)
	if err != nil {
		return nil, err
	}
	if client == nil {
		jar, _ := cookiejar.New(nil)
		client = &http.Client{Jar: jar}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target.String(), nil)
	if err != nil {
		return nil, err
	}
	return client.Do(req)
}
