// Package wecomtest is a fake of WeCom's (企业微信) side for tests, as strict
// as WeCom's documentation: the server API a self-built app calls
// (gettoken, message/send, auth/getuserinfo, agent/get), the web OAuth
// authorize page, and the callbacks WeCom posts to the app, encrypted and
// signed, for the members a test plays.
//
// Each rule cites the page it comes from. Where the docs say WeCom answers
// with an error code, the fake answers with it; where they say WeCom cuts a
// text ("超过会自动截断"), only recommends a length ("建议不超过") or drops
// a message silently (the per-member rate), the fake does that too, and
// records it (Received.Cut, Dropped, Violations) so that a test can insist
// none happened. A request the fake does not model (a message type or card
// kind tianbao never sends) is answered HTTP 501, never accepted blindly.
//
// The errmsg wordings are the fake's own (several match answers seen in
// public reports: 40001, 40013, 40029, 42001, 45009, 81013); the docs tell
// clients to act on errcode.
package wecomtest

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"
)

// App is a self-built app (企业自建应用) as its admin console page sets it.
type App struct {
	AgentID int64
	Secret  string
	Name    string
	// The callback (接收消息服务器配置): URL, Token and EncodingAESKey.
	CallbackURL string
	Token       string
	AESKey      string
	// TrustedDomain is the 可信域名 of its web pages (host[:port], matched
	// exactly): OAuth redirects anywhere else are refused.
	TrustedDomain string
	HomeURL       string
	// Visible lists the members in the app's visible range (可见范围); nil
	// is the whole organisation.
	Visible []string
	Closed  bool // disabled in the admin console
}

// Limits are WeCom's rates (访问频率限制,
// https://developer.work.weixin.qq.com/document/path/90454) and lifetimes;
// tests shrink them.
type Limits struct {
	AccountLimit int           // the organisation's account limit: a day's message/send recipients per app are 200×
	MemberMinute int           // messages per app and member per minute (30), past which they are dropped
	MemberHour   int           // … per hour (1,000)
	APIMinute    int           // calls of one API per organisation per minute (10,000), past which 45009 for 60 s
	APIHour      int           // … per hour (150,000), 45009 for an hour
	TokenTTL     time.Duration // access_token: expires_in 7200
	CodeTTL      time.Duration // OAuth code: 5 minutes (全局错误码 40029)
}

// DefaultLimits are the documented ones.
func DefaultLimits() Limits {
	return Limits{AccountLimit: 500, MemberMinute: 30, MemberHour: 1000, APIMinute: 10000, APIHour: 150000,
		TokenTTL: 7200 * time.Second, CodeTTL: 5 * time.Minute}
}

type member struct {
	id   string // as created
	name string
	left bool
}

type token struct {
	value   string
	agent   int64
	expires time.Time
	invalid bool
}

type refusal struct{ code, n int }

// Server is the fake.
type Server struct {
	*httptest.Server
	CorpID string
	Limits Limits

	mu         sync.Mutex
	changed    chan struct{}
	offset     time.Duration // the fake's clock: real time + offset
	apps       map[int64]*App
	order      []int64
	members    map[string]*member // by lower-cased UserID: WeCom compares them case-insensitively
	tokens     map[string]*token
	current    map[int64]*token
	codes      map[string]*code
	inbox      map[string][]*Received // by lower-cased UserID
	dropped    map[string][]*Received
	sent       map[string][]time.Time // per agent and member: deliveries, for the per-member rate
	taskIDs    map[int64]map[string]bool
	dupes      map[string]time.Time // enable_duplicate_check: request bodies seen, until when
	api        map[string]*counter
	daily      map[string]int // per agent and day (Asia/Shanghai): recipients
	dailyBlock map[int64]time.Time
	refusals   map[string]*refusal
	calls      map[string]int
	violations []string
	seq        int
	nextMsgID  uint64
}

// New starts a fake organisation with no apps and no members.
func New() *Server {
	s := &Server{
		CorpID: "ww" + randomHex(8), Limits: DefaultLimits(), changed: make(chan struct{}),
		apps: map[int64]*App{}, members: map[string]*member{}, tokens: map[string]*token{},
		current: map[int64]*token{}, codes: map[string]*code{}, inbox: map[string][]*Received{},
		dropped: map[string][]*Received{}, sent: map[string][]time.Time{}, taskIDs: map[int64]map[string]bool{},
		dupes: map[string]time.Time{}, api: map[string]*counter{}, daily: map[string]int{},
		dailyBlock: map[int64]time.Time{}, refusals: map[string]*refusal{}, calls: map[string]int{},
		nextMsgID: 7_000_000_000_000_000_000,
	}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// AddApp adds a self-built app. Its secret, callback token and AES key
// are made up when empty.
func (s *Server) AddApp(a App) *App {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a.AgentID == 0 {
		a.AgentID = 1000002 + int64(len(s.apps))
	}
	if a.Secret == "" {
		a.Secret = randomToken(43)
	}
	if a.Token == "" {
		a.Token = randomToken(32)
	}
	if a.AESKey == "" {
		a.AESKey = randomToken(43)
	}
	if a.Name == "" {
		a.Name = "填报助手"
	}
	p := &a
	s.apps[a.AgentID] = p
	s.order = append(s.order, a.AgentID)
	return p
}

// App returns an app by agent ID (0: the first added).
func (s *Server) App(agentID int64) *App {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.app(agentID)
}

func (s *Server) app(agentID int64) *App {
	if agentID == 0 && len(s.order) > 0 {
		agentID = s.order[0]
	}
	return s.apps[agentID]
}

// AddMember adds a member to the organisation's directory.
func (s *Server) AddMember(userID, name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.members[strings.ToLower(userID)] = &member{id: userID, name: name}
}

// RemoveMember is a member leaving the organisation (离职): their UserID
// leaves the directory and no app reaches them.
func (s *Server) RemoveMember(userID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m := s.members[strings.ToLower(userID)]; m != nil {
		m.left = true
	}
}

// reachable: a member in the directory and in the app's visible range.
func (s *Server) reachable(a *App, userID string) bool {
	m := s.members[strings.ToLower(userID)]
	if m == nil || m.left {
		return false
	}
	if a.Visible == nil {
		return true
	}
	for _, v := range a.Visible {
		if strings.EqualFold(v, userID) {
			return true
		}
	}
	return false
}

// Now is the fake's clock: real time, moved by Advance and SetNow.
func (s *Server) Now() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.now()
}

func (s *Server) now() time.Time { return time.Now().Add(s.offset) }

// Advance moves the fake's clock forward.
func (s *Server) Advance(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.offset += d
}

// SetNow sets the fake's clock (it runs on from there).
func (s *Server) SetNow(t time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.offset = time.Until(t)
}

// ExpireTokens makes every access token expire now: the next calls with
// them get 42001.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range s.tokens {
		t.expires = s.now()
	}
}

// InvalidateTokens ends every access token early, as WeCom may ("企业微信可能
// 会出于运营需要，提前使access_token失效"): calls with them get 40014.
func (s *Server) InvalidateTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range s.tokens {
		t.invalid = true
	}
}

// FailNext answers the next n calls of path ("/cgi-bin/message/send") with
// errcode, whatever they ask: -1 (busy), 45033 (concurrency) and the like,
// which a test cannot provoke otherwise.
func (s *Server) FailNext(path string, errcode, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refusals[path] = &refusal{code: errcode, n: n}
}

// Calls counts the requests made to path.
func (s *Server) Calls(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[path]
}

// Violations lists what WeCom would have accepted only by cutting, dropping
// or defaulting: texts over their lengths, messages past a member's rate,
// buttons with an unknown style. A test of a well-behaved client expects
// none.
func (s *Server) Violations() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.violations...)
}

func (s *Server) violate(format string, a ...any) {
	s.violations = append(s.violations, fmt.Sprintf(format, a...))
}

func (s *Server) notify() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// errmsg words an error as WeCom does: a text, a hint, the caller's IP and
// the link to the code's explanation.
func errmsg(code int, text string) string {
	return fmt.Sprintf("%s, hint: [%d_%s], from ip: 127.0.0.1, more info at https://open.work.weixin.qq.com/devtool/query?e=%d",
		text, time.Now().Unix(), randomHex(16), code)
}

var texts = map[int]string{
	-1:     "system busy",
	40001:  "invalid credential",
	40008:  "invalid message type",
	40013:  "invalid corpid",
	40014:  "invalid access_token",
	40029:  "invalid code",
	40032:  "invalid userid list size, at most 1000",
	40033:  "invalid charset. please check your request, if include \\uxxxx will create fail!",
	40056:  "invalid agentid",
	40058:  "invalid Request Parameter",
	40063:  "some parameters are empty",
	41001:  "access_token missing",
	41002:  "corpid missing",
	41004:  "corpsecret missing",
	41008:  "missing code",
	41010:  "url missing",
	41011:  "missing agentid",
	41016:  "title missing",
	42001:  "access_token expired",
	42018:  "invalid button key",
	42019:  "missing button key",
	42020:  "missing button name",
	44004:  "empty content",
	45002:  "content size out of limit",
	45009:  "api freq out of limit",
	45033:  "api concurrent out of limit",
	45034:  "url must have a protocol header",
	50001:  "redirect_url not authorised",
	50003:  "application is disabled",
	81013:  "user & party & tag all invalid",
	82001:  "All touser & toparty & totag invalid",
	301002: "not allow to operate another agent with this accesstoken",
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	_ = json.NewEncoder(w).Encode(v)
}

// fail answers errcode as WeCom does: HTTP 200 and a JSON body. extra adds
// fields (message/send's invaliduser comes with 81013).
func fail(w http.ResponseWriter, code int, detail string, extra map[string]any) {
	msg := texts[code]
	if detail != "" {
		msg += " (" + detail + ")"
	}
	body := map[string]any{"errcode": code, "errmsg": errmsg(code, msg)}
	for k, v := range extra {
		body[k] = v
	}
	writeJSON(w, body)
}

func ok(w http.ResponseWriter, fields map[string]any) {
	fields["errcode"] = 0
	fields["errmsg"] = "ok"
	writeJSON(w, fields)
}

// notModelled refuses a request the fake cannot judge.
func notModelled(w http.ResponseWriter, what string) {
	http.Error(w, "wecomtest: "+what+" is not modelled by the fake", http.StatusNotImplemented)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	s.mu.Lock()
	s.calls[path]++
	if strings.HasPrefix(path, "/cgi-bin/") {
		if f := s.refusals[path]; f != nil && f.n > 0 {
			f.n--
			s.mu.Unlock()
			fail(w, f.code, "wecomtest.FailNext", nil)
			return
		}
		if !s.apiAllowed(path) {
			s.mu.Unlock()
			fail(w, 45009, "", nil)
			return
		}
	}
	s.mu.Unlock()
	switch path {
	case "/cgi-bin/gettoken":
		s.gettoken(w, r)
	case "/cgi-bin/message/send":
		s.send(w, r)
	case "/cgi-bin/auth/getuserinfo":
		s.getUserInfo(w, r)
	case "/cgi-bin/agent/get":
		s.agentGet(w, r)
	case "/connect/oauth2/authorize":
		s.authorize(w, r)
	case "/wecomtest/as":
		s.signInBrowser(w, r)
	default:
		if strings.HasPrefix(path, "/cgi-bin/") {
			notModelled(w, path)
			return
		}
		http.NotFound(w, r)
	}
}

// gettoken: 获取access_token (https://developer.work.weixin.qq.com/document/path/91039).
// GET ?corpid=&corpsecret=; one token per app, "有效期内重复获取返回相同结果" —
// the same answer, expires_in included — and a new one once it expired or
// was ended early.
func (s *Server) gettoken(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case q.Get("corpid") == "":
		fail(w, 41002, "", nil)
		return
	case q.Get("corpsecret") == "":
		fail(w, 41004, "", nil)
		return
	case q.Get("corpid") != s.CorpID:
		fail(w, 40013, "", nil)
		return
	}
	var app *App
	for _, id := range s.order {
		if s.apps[id].Secret == q.Get("corpsecret") {
			app = s.apps[id]
		}
	}
	if app == nil {
		fail(w, 40001, "", nil)
		return
	}
	t := s.current[app.AgentID]
	if t == nil || t.invalid || !s.now().Before(t.expires) {
		t = &token{value: randomToken(86), agent: app.AgentID, expires: s.now().Add(s.Limits.TokenTTL)}
		s.tokens[t.value] = t
		s.current[app.AgentID] = t
	}
	ok(w, map[string]any{"access_token": t.value, "expires_in": int64(s.Limits.TokenTTL / time.Second)})
}

// auth checks access_token (全局错误码 41001, 40014, 42001). It answers the
// refusal itself and returns nil then.
func (s *Server) auth(w http.ResponseWriter, r *http.Request) *token {
	v := r.URL.Query().Get("access_token")
	if v == "" {
		fail(w, 41001, "", nil)
		return nil
	}
	t := s.tokens[v]
	switch {
	case t == nil || t.invalid:
		fail(w, 40014, "", nil)
		return nil
	case !s.now().Before(t.expires):
		fail(w, 42001, "", nil)
		return nil
	}
	return t
}

// agentGet: 获取指定的应用详情 (https://developer.work.weixin.qq.com/document/path/90227).
func (s *Server) agentGet(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.auth(w, r)
	if t == nil {
		return
	}
	id, err := strconv.ParseInt(r.URL.Query().Get("agentid"), 10, 64)
	a := s.apps[id]
	switch {
	case err != nil || a == nil:
		fail(w, 40056, "", nil)
		return
	case id != t.agent:
		fail(w, 301002, "", nil)
		return
	}
	users := []map[string]string{}
	for _, m := range s.members {
		if !m.left && s.reachable(a, m.id) {
			users = append(users, map[string]string{"userid": m.id})
		}
	}
	closed := 0
	if a.Closed {
		closed = 1
	}
	reportEnter := 0
	if a.CallbackURL != "" {
		reportEnter = 1
	}
	ok(w, map[string]any{
		"agentid": a.AgentID, "name": a.Name, "square_logo_url": "", "description": "",
		"allow_userinfos": map[string]any{"user": users}, "allow_partys": map[string]any{"partyid": []int64{}},
		"allow_tags": map[string]any{"tagid": []int64{}}, "close": closed, "redirect_domain": a.TrustedDomain,
		"report_location_flag": 0, "isreportenter": reportEnter, "home_url": a.HomeURL, "customized_publish_status": 0,
	})
}

// counter counts one API's calls over sliding windows.
type counter struct {
	times        []time.Time
	blockedUntil time.Time
}

// apiAllowed applies the per-organisation rate of one API ("每企业调用单个
// cgi/api不可超过1万次/分，15万次/小时"); a tripped limit blocks the API
// for its window ("按分钟拦截则被屏蔽60秒，按小时拦截则被屏蔽60分钟"). Sending
// messages does not count ("发消息频率不计入基础频率"), nor a valid OAuth code
// ("根据code获取成员信息…若code合法则不受上述频率限制": getUserInfo counts
// the others).
func (s *Server) apiAllowed(path string) bool {
	if path == "/cgi-bin/message/send" || path == "/cgi-bin/auth/getuserinfo" {
		return true
	}
	return s.countCall(path)
}

func (s *Server) countCall(path string) bool {
	c := s.api[path]
	if c == nil {
		c = &counter{}
		s.api[path] = c
	}
	now := s.now()
	if now.Before(c.blockedUntil) {
		return false
	}
	keep := c.times[:0]
	for _, t := range c.times {
		if now.Sub(t) < time.Hour {
			keep = append(keep, t)
		}
	}
	c.times = keep
	inMinute := 0
	for _, t := range c.times {
		if now.Sub(t) < time.Minute {
			inMinute++
		}
	}
	switch {
	case inMinute >= s.Limits.APIMinute:
		c.blockedUntil = now.Add(time.Minute)
		return false
	case len(c.times) >= s.Limits.APIHour:
		c.blockedUntil = now.Add(time.Hour)
		return false
	}
	c.times = append(c.times, now)
	return true
}

const tokenChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

func randomToken(n int) string {
	b := make([]byte, n)
	for i := range b {
		x, _ := rand.Int(rand.Reader, big.NewInt(int64(len(tokenChars))))
		b[i] = tokenChars[x.Int64()]
	}
	return string(b)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
