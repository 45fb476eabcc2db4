// Package telegramtest is a fake Telegram Bot API server for tests, as
// strict as Telegram: it refuses what Telegram refuses, with Telegram's own
// error shapes ({"ok":false,"error_code":400,"description":"Bad Request: …"})
// and words (see rules.go for each rule and where it comes from). It speaks
// the protocol as go-telegram/bot and tianbao use it (multipart, form or
// JSON POSTs to /bot<token>/<method>), serves long-polled getUpdates with
// offsets and Telegram's 409 conflicts, delivers updates to an https
// webhook with the secret header, keeps every chat and message, and gives
// tests a Phone: send text, press a button, upload a document, read what
// the bot showed.
//
// Lenient switches exist only where a test cannot do what Telegram needs
// (AllowHTTPWebhook: a test's bot listens on plain loopback HTTP); a test
// that uses one says why. Flood limits are off unless EnforceLimits turns
// them on: a load test sends far more than Telegram's 30 messages a second.
package telegramtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// BotUser is the bot's own account as getMe returns it.
const (
	BotID       = 7000001
	BotUsername = "tianbao_test_bot"
)

// CallbackTimeout is how long Telegram waits for a callback query's answer.
const CallbackTimeout = 15 * time.Second

// Button is an inline keyboard button as the bot sent it.
type Button struct {
	Text         string `json:"text"`
	CallbackData string `json:"callback_data,omitempty"`
	URL          string `json:"url,omitempty"`
	WebApp       string `json:"-"`
}

// Message is a message in a chat, as it currently stands.
type Message struct {
	ID       int
	ChatID   int64
	Text     string
	Buttons  [][]Button
	Document *Document
	Edits    int
	FromBot  bool
}

// Document is a file the bot sent (a photo, with Photo).
type Document struct {
	Name    string
	Content []byte
	Photo   bool
}

// Event is one thing the bot did in a chat: a new message or an edit.
type Event struct {
	MessageID int
	Text      string
	Buttons   [][]Button
	Edit      bool
	Document  *Document
}

// CallbackAnswer is an answerCallbackQuery call.
type CallbackAnswer struct {
	ID, Text string
}

// MenuButton is what setChatMenuButton set for a chat (0: the default).
type MenuButton struct {
	Type   string // commands, web_app, default
	Text   string
	WebApp string
}

// WebhookInfo is what getWebhookInfo answers.
type WebhookInfo struct {
	URL                string `json:"url"`
	HasCustomCert      bool   `json:"has_custom_certificate"`
	PendingUpdateCount int    `json:"pending_update_count"`
	LastErrorDate      int64  `json:"last_error_date,omitempty"`
	LastErrorMessage   string `json:"last_error_message,omitempty"`
	MaxConnections     int    `json:"max_connections,omitempty"`
}

// chat is one chat the bot can reach: a private chat with a user who opened
// the bot, or a group it is in.
type chat struct {
	id       int64
	typ      string
	nextMsg  int
	messages map[int]*Message
	blocked  bool
	left     bool // the bot left the group (leaveChat)
}

type callbackQuery struct {
	at       time.Time
	answered bool
}

type file struct {
	content []byte
	size    int64 // as Telegram reports it
}

// refusal is a canned answer for the next calls of a method.
type refusal struct {
	n          int
	code       int
	desc       string
	retryAfter int
}

// Server is the fake Bot API.
type Server struct {
	*httptest.Server
	Token string

	mu            sync.Mutex
	changed       chan struct{} // closed and replaced on every change
	pending       []json.RawMessage
	pendingIDs    []int64
	nextUpdate    int64
	chats         map[int64]*chat
	events        map[int64][]Event
	answers       map[string]CallbackAnswer
	queries       map[string]*callbackQuery
	files         map[string]file
	webhookURL    string
	webhookSecret string
	webhookHTTP   bool
	webhookErr    string
	webhookErrAt  time.Time
	commands      map[string][]map[string]string // by scope
	menus         map[int64]MenuButton
	calls         map[string]int
	webhookClient *http.Client
	refusals      map[string]*refusal
	delay         map[string]time.Duration
	subscribers   map[int64]chan Event
	autoDeliver   bool
	chatLocks     map[int64]*sync.Mutex
	pollGen       int // each getUpdates takes a number; an older poll still waiting is terminated
	refused       []string
	filter        updateFilter // allowed_updates, as the bot last set them
	downloads     int          // files fetched from /file/bot<token>/

	// Telegram's limits, when enforced: at most perSecond sends in any
	// second, and perChat between two sends to one chat.
	perSecond int
	perChat   time.Duration
	recent    []time.Time
	lastChat  map[int64]time.Time
	tooMany   int
}

// NewServer starts a fake Bot API accepting token.
func NewServer(token string) *Server {
	s := &Server{
		Token: token, changed: make(chan struct{}), nextUpdate: 1000,
		chats: map[int64]*chat{}, events: map[int64][]Event{}, answers: map[string]CallbackAnswer{},
		queries: map[string]*callbackQuery{}, files: map[string]file{}, calls: map[string]int{},
		commands: map[string][]map[string]string{}, menus: map[int64]MenuButton{},
		webhookClient: webhookClient(), refusals: map[string]*refusal{},
		delay: map[string]time.Duration{}, subscribers: map[int64]chan Event{}, chatLocks: map[int64]*sync.Mutex{},
	}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// webhookClient posts updates as Telegram does: over at most 40 connections
// to the bot (setWebhook's max_connections), kept open between updates.
func webhookClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxConnsPerHost, t.MaxIdleConnsPerHost = 40, 40
	return &http.Client{Timeout: 30 * time.Second, Transport: t}
}

// APIURL is what TELEGRAM_API_URL should be set to.
func (s *Server) APIURL() string { return s.Server.URL }

func (s *Server) notify() {
	close(s.changed)
	s.changed = make(chan struct{})
}

type apiResult struct {
	OK          bool   `json:"ok"`
	Result      any    `json:"result,omitempty"`
	ErrorCode   int    `json:"error_code,omitempty"`
	Description string `json:"description,omitempty"`
	Parameters  any    `json:"parameters,omitempty"`
}

func reply(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(apiResult{OK: true, Result: v})
}

// refuse answers as Telegram does when it refuses a request, and keeps the
// refusal for Refused.
func (s *Server) refuse(w http.ResponseWriter, method string, code int, desc string) {
	s.mu.Lock()
	s.refused = append(s.refused, method+": "+desc)
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(apiResult{OK: false, ErrorCode: code, Description: desc})
}

func (s *Server) tooManyRequests(w http.ResponseWriter, method string, after int) {
	s.mu.Lock()
	s.refused = append(s.refused, method+": 429")
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusTooManyRequests)
	_ = json.NewEncoder(w).Encode(apiResult{OK: false, ErrorCode: 429, Description: fmt.Sprintf("Too Many Requests: retry after %d", after),
		Parameters: map[string]int{"retry_after": after}})
}

// params reads a request's parameters: multipart, urlencoded or JSON. File
// parts are returned separately. JSON values stay raw JSON but for strings,
// which are unquoted: the handlers parse numbers and objects themselves.
func params(r *http.Request) (map[string]string, map[string][]byte, error) {
	out, files := map[string]string{}, map[string][]byte{}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "multipart/form-data":
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return nil, nil, err
		}
		if len(bytes.TrimSpace(body)) == 0 {
			return out, files, nil // a parameterless call: an empty multipart body
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		if err := r.ParseMultipartForm(64 << 20); err != nil {
			return nil, nil, err
		}
		for k, v := range r.MultipartForm.Value {
			out[k] = v[0]
		}
		for k, fhs := range r.MultipartForm.File {
			f, err := fhs[0].Open()
			if err != nil {
				return nil, nil, err
			}
			b, _ := io.ReadAll(f)
			f.Close()
			files[k] = b
			out[k+"#name"] = fhs[0].Filename
		}
	case "application/json":
		var m map[string]json.RawMessage
		if err := json.NewDecoder(r.Body).Decode(&m); err != nil && err != io.EOF {
			return nil, nil, err
		}
		for k, v := range m {
			var s string
			if len(v) > 0 && v[0] == '"' && json.Unmarshal(v, &s) == nil {
				out[k] = s
			} else {
				out[k] = string(v)
			}
		}
	default:
		if err := r.ParseForm(); err != nil {
			return nil, nil, err
		}
		for k, v := range r.Form {
			out[k] = v[0]
		}
	}
	return out, files, nil
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if rest, ok := strings.CutPrefix(r.URL.Path, "/file/bot"+s.Token+"/"); ok {
		s.mu.Lock()
		f, found := s.files[rest]
		if found {
			s.downloads++
		}
		s.mu.Unlock()
		if !found {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write(f.content)
		return
	}
	rest, ok := strings.CutPrefix(r.URL.Path, "/bot")
	token, method, ok2 := strings.Cut(rest, "/")
	if !ok || !ok2 || token != s.Token {
		s.refuse(w, method, http.StatusUnauthorized, ErrUnauthorized)
		return
	}
	p, files, err := params(r)
	if err != nil {
		s.refuse(w, method, http.StatusBadRequest, "Bad Request: "+err.Error())
		return
	}
	s.mu.Lock()
	s.calls[method]++
	s.notify()
	if d := s.delay[method]; d > 0 {
		s.mu.Unlock()
		select {
		case <-time.After(d):
		case <-r.Context().Done():
			return // the client went away (crashed): nothing happens
		}
		s.mu.Lock()
	}
	if f := s.refusals[method]; f != nil && f.n > 0 {
		f.n--
		s.mu.Unlock()
		if f.code == http.StatusTooManyRequests {
			s.tooManyRequests(w, method, f.retryAfter)
			return
		}
		s.refuse(w, method, f.code, f.desc)
		return
	}
	if perChat, limited := limitedMethods[method]; limited && s.perSecond > 0 {
		var chat int64
		if perChat {
			chat, _ = strconv.ParseInt(p["chat_id"], 10, 64)
		}
		if s.limited(chat) {
			s.mu.Unlock()
			s.tooManyRequests(w, method, 1)
			return
		}
	}
	s.mu.Unlock()
	switch method {
	case "getMe":
		reply(w, map[string]any{"id": BotID, "is_bot": true, "first_name": "填报", "username": BotUsername})
	case "getUpdates":
		s.allow(p)
		s.getUpdates(w, r, p)
	case "setWebhook":
		s.allow(p)
		s.setWebhook(w, p)
	case "deleteWebhook":
		s.mu.Lock()
		s.webhookURL, s.webhookSecret = "", ""
		if p["drop_pending_updates"] == "true" {
			s.pending, s.pendingIDs = nil, nil
		}
		s.notify()
		s.mu.Unlock()
		reply(w, true)
	case "getWebhookInfo":
		reply(w, s.WebhookInfo())
	case "setMyCommands", "getMyCommands", "deleteMyCommands":
		s.myCommands(w, method, p)
	case "setChatMenuButton", "getChatMenuButton":
		s.menuButton(w, method, p)
	case "sendMessage":
		s.sendMessage(w, method, p, nil)
	case "sendDocument":
		name := p["document#name"]
		if files["document"] == nil {
			s.refuse(w, method, http.StatusBadRequest, ErrNoDocument)
			return
		}
		s.sendMessage(w, method, p, &Document{Name: name, Content: files["document"]})
	case "sendPhoto":
		if files["photo"] == nil {
			s.refuse(w, method, http.StatusBadRequest, "Bad Request: there is no photo in the request")
			return
		}
		s.sendMessage(w, method, p, &Document{Name: p["photo#name"], Content: files["photo"], Photo: true})
	case "editMessageText", "editMessageReplyMarkup":
		s.editMessage(w, method, p)
	case "answerCallbackQuery":
		s.answerCallback(w, method, p)
	case "leaveChat":
		s.leaveChat(w, method, p)
	case "getFile":
		s.mu.Lock()
		f, found := s.files[p["file_id"]]
		s.mu.Unlock()
		switch {
		case !found:
			s.refuse(w, method, http.StatusBadRequest, ErrInvalidFileID)
		case f.size > MaxDownload:
			s.refuse(w, method, http.StatusBadRequest, ErrFileTooBig)
		default:
			reply(w, map[string]any{"file_id": p["file_id"], "file_unique_id": "u" + p["file_id"], "file_size": f.size, "file_path": p["file_id"]})
		}
	default:
		s.refuse(w, method, http.StatusNotFound, ErrMethodNotFound)
	}
}

// scopeKey names a BotCommandScope: default, all_private_chats, chat:ID …
func scopeKey(raw string) (key string, chat int64, err error) {
	if raw == "" || raw == "null" {
		return "default", 0, nil
	}
	var sc struct {
		Type   string          `json:"type"`
		ChatID json.RawMessage `json:"chat_id"`
	}
	if err := json.Unmarshal([]byte(raw), &sc); err != nil {
		return "", 0, fmt.Errorf("can't parse BotCommandScope JSON object")
	}
	switch sc.Type {
	case "default", "all_private_chats", "all_group_chats", "all_chat_administrators":
		return sc.Type, 0, nil
	case "chat", "chat_administrators":
		id, err := strconv.ParseInt(strings.Trim(string(sc.ChatID), `"`), 10, 64)
		if err != nil {
			return "", 0, fmt.Errorf("chat not found")
		}
		return sc.Type + ":" + strconv.FormatInt(id, 10), id, nil
	}
	return "", 0, fmt.Errorf("unsupported bot command scope type specified")
}

func (s *Server) myCommands(w http.ResponseWriter, method string, p map[string]string) {
	key, chatID, err := scopeKey(p["scope"])
	if err != nil {
		s.refuse(w, method, http.StatusBadRequest, "Bad Request: "+err.Error())
		return
	}
	s.mu.Lock()
	if chatID != 0 && s.chats[chatID] == nil {
		s.mu.Unlock()
		s.refuse(w, method, http.StatusBadRequest, ErrChatNotFound)
		return
	}
	s.mu.Unlock()
	switch method {
	case "getMyCommands":
		s.mu.Lock()
		cmds := s.commands[key]
		s.mu.Unlock()
		if cmds == nil {
			cmds = []map[string]string{}
		}
		reply(w, cmds)
		return
	case "deleteMyCommands":
		s.mu.Lock()
		delete(s.commands, key)
		s.notify()
		s.mu.Unlock()
		reply(w, true)
		return
	}
	cmds, bad := checkCommands(p["commands"])
	if bad != "" {
		s.refuse(w, method, http.StatusBadRequest, bad)
		return
	}
	s.mu.Lock()
	s.commands[key] = cmds
	s.notify()
	s.mu.Unlock()
	reply(w, true)
}

func (s *Server) menuButton(w http.ResponseWriter, method string, p map[string]string) {
	var chatID int64
	if v := p["chat_id"]; v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		s.mu.Lock()
		known := err == nil && s.chats[id] != nil
		s.mu.Unlock()
		if !known {
			s.refuse(w, method, http.StatusBadRequest, ErrChatNotFound)
			return
		}
		chatID = id
	}
	if method == "getChatMenuButton" {
		s.mu.Lock()
		m, ok := s.menus[chatID]
		s.mu.Unlock()
		if !ok {
			m = MenuButton{Type: "commands"}
		}
		out := map[string]any{"type": m.Type}
		if m.Type == "web_app" {
			out["text"], out["web_app"] = m.Text, map[string]string{"url": m.WebApp}
		}
		reply(w, out)
		return
	}
	var mb struct {
		Type   string `json:"type"`
		Text   string `json:"text"`
		WebApp *struct {
			URL string `json:"url"`
		} `json:"web_app"`
	}
	if raw := p["menu_button"]; raw != "" {
		if err := json.Unmarshal([]byte(raw), &mb); err != nil {
			s.refuse(w, method, http.StatusBadRequest, "Bad Request: can't parse menu button JSON object")
			return
		}
	} else {
		mb.Type = "default"
	}
	m := MenuButton{Type: mb.Type, Text: mb.Text}
	switch mb.Type {
	case "default", "commands":
	case "web_app":
		if strings.TrimSpace(mb.Text) == "" {
			s.refuse(w, method, http.StatusBadRequest, "Bad Request: text must be non-empty")
			return
		}
		if mb.WebApp == nil || !strings.HasPrefix(mb.WebApp.URL, "https://") {
			s.refuse(w, method, http.StatusBadRequest, ErrMenuWebAppURL)
			return
		}
		m.WebApp = mb.WebApp.URL
	default:
		s.refuse(w, method, http.StatusBadRequest, "Bad Request: unsupported menu button type")
		return
	}
	s.mu.Lock()
	s.menus[chatID] = m
	s.notify()
	s.mu.Unlock()
	reply(w, true)
}

func (s *Server) setWebhook(w http.ResponseWriter, p map[string]string) {
	raw := p["url"]
	if raw == "" {
		s.mu.Lock()
		s.webhookURL, s.webhookSecret = "", ""
		s.mu.Unlock()
		reply(w, true)
		return
	}
	u, err := url.Parse(raw)
	s.mu.Lock()
	insecure := s.webhookHTTP
	s.mu.Unlock()
	if err != nil || (u.Scheme != "https" && !(insecure && u.Scheme == "http")) {
		s.refuse(w, "setWebhook", http.StatusBadRequest, ErrWebhookNotHTTPS)
		return
	}
	if port := u.Port(); !insecure && port != "" && port != "443" && port != "80" && port != "88" && port != "8443" {
		s.refuse(w, "setWebhook", http.StatusBadRequest, ErrWebhookPort)
		return
	}
	if sec, ok := p["secret_token"]; ok && !secretRe.MatchString(sec) {
		s.refuse(w, "setWebhook", http.StatusBadRequest, ErrSecretToken)
		return
	}
	if mc := p["max_connections"]; mc != "" {
		if n, err := strconv.Atoi(mc); err != nil || n < 1 || n > 100 {
			s.refuse(w, "setWebhook", http.StatusBadRequest, "Bad Request: max_connections must be between 1 and 100")
			return
		}
	}
	s.mu.Lock()
	s.webhookURL, s.webhookSecret = raw, p["secret_token"]
	s.notify()
	s.mu.Unlock()
	reply(w, true)
}

// AllowHTTPWebhook lets setWebhook take a plain-HTTP URL on any port. Only
// for tests whose bot listens on loopback: Telegram itself requires HTTPS
// on port 443, 80, 88 or 8443.
func (s *Server) AllowHTTPWebhook() {
	s.mu.Lock()
	s.webhookHTTP = true
	s.mu.Unlock()
}

// WebhookInfo is what getWebhookInfo says now.
func (s *Server) WebhookInfo() WebhookInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	info := WebhookInfo{URL: s.webhookURL, PendingUpdateCount: len(s.pending), LastErrorMessage: s.webhookErr}
	if !s.webhookErrAt.IsZero() {
		info.LastErrorDate = s.webhookErrAt.Unix()
	}
	if s.webhookURL != "" {
		info.MaxConnections = 40
	}
	return info
}

// SetWebhookError makes getWebhookInfo report a delivery error, as
// Telegram does after failing to reach the bot.
func (s *Server) SetWebhookError(msg string) {
	s.mu.Lock()
	s.webhookErr, s.webhookErrAt = msg, time.Now()
	s.mu.Unlock()
}

// limitedMethods are the methods the bot calls that EnforceLimits limits:
// every one counts toward the overall rate, and those that act on a chat
// (true) toward that chat's too. Telegram floods-controls every method; a
// bot must wait out any 429.
var limitedMethods = map[string]bool{
	"sendMessage": true, "sendDocument": true, "sendPhoto": true, "editMessageText": true, "editMessageReplyMarkup": true,
	"setChatMenuButton": true, "leaveChat": true, "answerCallbackQuery": false, "setMyCommands": false, "getFile": false,
}

// EnforceLimits makes every method the bot calls to act (see
// limitedMethods) answer 429 (retry_after 1) past perSecond calls in any
// second overall, or, for a chat's, closer than perChat in one chat, as
// Telegram does (about 30/s and 1/s). A chat's limit applies to chat ids
// only (0: the overall limit alone).
func (s *Server) EnforceLimits(perSecond int, perChat time.Duration) {
	s.mu.Lock()
	s.perSecond, s.perChat, s.lastChat = perSecond, perChat, map[int64]time.Time{}
	s.mu.Unlock()
}

// TooMany counts the 429s answered.
func (s *Server) TooMany() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tooMany
}

// Sent counts the messages the bot sent to a chat.
func (s *Server) Sent(chat int64) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, e := range s.events[chat] {
		if !e.Edit {
			n++
		}
	}
	return n
}

// limited reports whether a send to chat now breaks a limit; s.mu is held.
func (s *Server) limited(chat int64) bool {
	if s.perSecond == 0 {
		return false
	}
	now := time.Now()
	cut := 0
	for cut < len(s.recent) && now.Sub(s.recent[cut]) >= time.Second {
		cut++
	}
	s.recent = s.recent[cut:]
	if len(s.recent) >= s.perSecond || (chat != 0 && s.perChat > 0 && now.Sub(s.lastChat[chat]) < s.perChat) {
		s.tooMany++
		return true
	}
	s.recent = append(s.recent, now)
	s.lastChat[chat] = now
	return false
}

// chatOf resolves chat_id to a chat the bot can write to; s.mu is held.
func (s *Server) chatOf(raw string) *chat {
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil {
		return nil
	}
	return s.chats[id]
}

func (s *Server) sendMessage(w http.ResponseWriter, method string, p map[string]string, doc *Document) {
	limit, text := MaxText, p["text"]
	if doc != nil {
		limit, text = MaxCaption, p["caption"]
	}
	shown := text
	if doc == nil || text != "" {
		var bad string
		if shown, bad = checkText(text, p["parse_mode"], limit); bad != "" {
			s.refuse(w, method, http.StatusBadRequest, bad)
			return
		}
	}
	kb, bad := checkKeyboard(p["reply_markup"])
	if bad != "" {
		s.refuse(w, method, http.StatusBadRequest, bad)
		return
	}
	s.mu.Lock()
	c := s.chatOf(p["chat_id"])
	switch {
	case c == nil:
		s.mu.Unlock()
		s.refuse(w, method, http.StatusBadRequest, ErrChatNotFound)
		return
	case c.blocked:
		s.mu.Unlock()
		s.refuse(w, method, http.StatusForbidden, ErrBlocked)
		return
	case c.typ != "private" && hasWebApp(kb):
		s.mu.Unlock()
		s.refuse(w, method, http.StatusBadRequest, ErrButtonType)
		return
	case c.left:
		s.mu.Unlock()
		s.refuse(w, method, http.StatusForbidden, ErrNotMember)
		return
	}
	defer s.mu.Unlock()
	m := c.add(shown, kb, doc, true)
	s.record(c.id, Event{MessageID: m.ID, Text: shown, Buttons: kb, Document: doc})
	reply(w, map[string]any{"message_id": m.ID, "date": time.Now().Unix(), "chat": map[string]any{"id": c.id, "type": c.typ}, "text": shown})
}

// hasWebApp reports a web_app button: Telegram takes them only in private
// chats between a user and the bot.
func hasWebApp(kb [][]Button) bool {
	for _, row := range kb {
		for _, b := range row {
			if b.WebApp != "" {
				return true
			}
		}
	}
	return false
}

// add puts a message in the chat with the chat's next id (user and bot
// messages share one sequence, as in Telegram).
func (c *chat) add(text string, kb [][]Button, doc *Document, fromBot bool) *Message {
	c.nextMsg++
	m := &Message{ID: c.nextMsg, ChatID: c.id, Text: text, Buttons: kb, Document: doc, FromBot: fromBot}
	c.messages[m.ID] = m
	return m
}

func (s *Server) editMessage(w http.ResponseWriter, method string, p map[string]string) {
	kb, bad := checkKeyboard(p["reply_markup"])
	if bad != "" {
		s.refuse(w, method, http.StatusBadRequest, bad)
		return
	}
	shown := ""
	if method == "editMessageText" {
		if shown, bad = checkText(p["text"], p["parse_mode"], MaxText); bad != "" {
			s.refuse(w, method, http.StatusBadRequest, bad)
			return
		}
	}
	id, _ := strconv.Atoi(p["message_id"])
	s.mu.Lock()
	c := s.chatOf(p["chat_id"])
	var m *Message
	if c != nil {
		m = c.messages[id]
	}
	switch {
	case c == nil:
		s.mu.Unlock()
		s.refuse(w, method, http.StatusBadRequest, ErrChatNotFound)
		return
	case c.blocked:
		s.mu.Unlock()
		s.refuse(w, method, http.StatusForbidden, ErrBlocked)
		return
	case m == nil:
		s.mu.Unlock()
		s.refuse(w, method, http.StatusBadRequest, ErrEditNotFound)
		return
	case !m.FromBot:
		s.mu.Unlock()
		s.refuse(w, method, http.StatusBadRequest, ErrCantEdit)
		return
	case c.typ != "private" && hasWebApp(kb):
		s.mu.Unlock()
		s.refuse(w, method, http.StatusBadRequest, ErrButtonType)
		return
	}
	text := m.Text
	if method == "editMessageText" {
		text = shown
	}
	if text == m.Text && keyboardsEqual(kb, m.Buttons) {
		s.mu.Unlock()
		s.refuse(w, method, http.StatusBadRequest, ErrNotModified)
		return
	}
	defer s.mu.Unlock()
	m.Text, m.Buttons = text, kb
	m.Edits++
	s.record(c.id, Event{MessageID: m.ID, Text: text, Buttons: kb, Edit: true})
	reply(w, map[string]any{"message_id": m.ID, "chat": map[string]any{"id": c.id, "type": c.typ}, "text": text})
}

func (s *Server) answerCallback(w http.ResponseWriter, method string, p map[string]string) {
	id, text := p["callback_query_id"], p["text"]
	if len([]rune(text)) > MaxCallbackAnswer {
		s.refuse(w, method, http.StatusBadRequest, ErrCallbackTextLong)
		return
	}
	s.mu.Lock()
	q := s.queries[id]
	if q == nil || q.answered || time.Since(q.at) > CallbackTimeout {
		s.mu.Unlock()
		s.refuse(w, method, http.StatusBadRequest, ErrQueryTooOld)
		return
	}
	q.answered = true
	s.answers[id] = CallbackAnswer{ID: id, Text: text}
	s.notify()
	s.mu.Unlock()
	reply(w, true)
}

// leaveChat takes the bot out of a group: it can no longer write there.
func (s *Server) leaveChat(w http.ResponseWriter, method string, p map[string]string) {
	s.mu.Lock()
	c := s.chatOf(p["chat_id"])
	switch {
	case c == nil:
		s.mu.Unlock()
		s.refuse(w, method, http.StatusBadRequest, ErrChatNotFound)
	case c.typ == "private":
		s.mu.Unlock()
		s.refuse(w, method, http.StatusBadRequest, ErrLeavePrivate)
	case c.left:
		s.mu.Unlock()
		s.refuse(w, method, http.StatusForbidden, ErrNotMember)
	default:
		c.left = true
		s.notify()
		s.mu.Unlock()
		reply(w, true)
	}
}

// Left reports whether the bot left a group.
func (s *Server) Left(chat int64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.chats[chat]
	return c != nil && c.left
}

// AgeCallback makes a callback query d older, as if the bot had taken that
// long to answer it.
func (s *Server) AgeCallback(id string, d time.Duration) {
	s.mu.Lock()
	if q := s.queries[id]; q != nil {
		q.at = q.at.Add(-d)
	}
	s.mu.Unlock()
}

// record keeps an event and tells whoever waits for it; s.mu is held.
func (s *Server) record(chat int64, e Event) {
	s.events[chat] = append(s.events[chat], e)
	if ch := s.subscribers[chat]; ch != nil {
		select {
		case ch <- e:
		default: // a subscriber that does not read loses events, not the server
		}
	}
	s.notify()
}

// Subscribe returns a channel that receives the chat's events from now on
// (for load tests, where waiting on every change of every chat would cost
// more than the bot).
func (s *Server) Subscribe(chat int64) <-chan Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := make(chan Event, 64)
	s.subscribers[chat] = ch
	return ch
}

func keyboardsEqual(a, b [][]Button) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

// OpenChat makes a private chat with a user who opened the bot (only such
// users can be written to: anyone else is "chat not found").
func (s *Server) OpenChat(user int64) {
	s.mu.Lock()
	s.openChat(user, "private")
	s.mu.Unlock()
}

// openChat finds or makes a chat; s.mu is held.
func (s *Server) openChat(id int64, typ string) *chat {
	c := s.chats[id]
	if c == nil {
		c = &chat{id: id, typ: typ, messages: map[int]*Message{}}
		s.chats[id] = c
	}
	return c
}

// Webhook returns the URL and secret the bot set.
func (s *Server) Webhook() (string, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.webhookURL, s.webhookSecret
}

// Commands returns what setMyCommands set for the default scope.
func (s *Server) Commands() []map[string]string {
	return s.CommandsFor("default")
}

// CommandsFor returns the commands of a scope: "default",
// "all_private_chats", "chat:ID" …; nil when none were set.
func (s *Server) CommandsFor(scope string) []map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]map[string]string(nil), s.commands[scope]...)
}

// Menu returns the menu button set for a chat (0: the default one).
func (s *Server) Menu(chat int64) (MenuButton, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.menus[chat]
	return m, ok
}

// Calls counts the calls of a method.
func (s *Server) Calls(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[method]
}

// Refused lists every refusal so far ("method: description").
func (s *Server) Refused() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.refused...)
}

// FailNext makes the next n calls of method answer 500.
func (s *Server) FailNext(method string, n int) {
	s.RefuseNext(method, n, http.StatusInternalServerError, "Internal Server Error")
}

// RefuseNext makes the next n calls of method answer code with the
// description, as Telegram words it (429 carries retry_after 1).
func (s *Server) RefuseNext(method string, n, code int, description string) {
	s.mu.Lock()
	s.refusals[method] = &refusal{n: n, code: code, desc: description, retryAfter: 1}
	s.mu.Unlock()
}

// Delay holds every call of method for d before answering it (0 removes
// the delay); a client that disconnects meanwhile changes nothing.
func (s *Server) Delay(method string, d time.Duration) {
	s.mu.Lock()
	s.delay[method] = d
	s.mu.Unlock()
}

// Block makes the chat's user block the bot: sends to it get 403.
func (s *Server) Block(chatID int64) {
	s.mu.Lock()
	s.openChat(chatID, "private").blocked = true
	s.mu.Unlock()
}

// AddFile stores content as a Telegram file and returns its file_id.
func (s *Server) AddFile(content []byte) string {
	return s.AddFileSized(content, int64(len(content)))
}

// AddFileSized stores a file whose size Telegram reports as size (a file
// too big to keep in a test's memory).
func (s *Server) AddFileSized(content []byte, size int64) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := fmt.Sprintf("file%d", len(s.files)+1)
	s.files[id] = file{content: content, size: size}
	return id
}

// fileSize is the size Telegram reports for a file (0 if unknown).
func (s *Server) fileSize(id string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.files[id].size
}

// Downloads counts the files the bot fetched.
func (s *Server) Downloads() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.downloads
}

// Events returns everything the bot did in a chat since event number from.
func (s *Server) Events(chat int64, from int) []Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	ev := s.events[chat]
	if from >= len(ev) {
		return nil
	}
	return append([]Event(nil), ev[from:]...)
}

// EventCount is the number of events in a chat so far.
func (s *Server) EventCount(chat int64) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.events[chat])
}

// Message returns a message as it stands now.
func (s *Server) Message(chatID int64, id int) *Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.chats[chatID]; c != nil {
		if m := c.messages[id]; m != nil {
			cp := *m
			return &cp
		}
	}
	return nil
}

// Answer returns the answer to a callback query, if any.
func (s *Server) Answer(id string) (CallbackAnswer, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.answers[id]
	return a, ok
}

// WaitFor blocks until cond holds (checked on every change) or timeout.
func (s *Server) WaitFor(timeout time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	for {
		s.mu.Lock()
		ch := s.changed
		s.mu.Unlock()
		if cond() {
			return true
		}
		left := time.Until(deadline)
		if left <= 0 {
			return false
		}
		select {
		case <-ch:
		case <-time.After(min(left, 50*time.Millisecond)):
		}
	}
}

// Chats lists the ids of the chats the fake knows, in order.
func (s *Server) Chats() []int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]int64, 0, len(s.chats))
	for id := range s.chats {
		out = append(out, id)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// Close shuts the server down without waiting for long polls to time out.
func (s *Server) Close() {
	s.Server.CloseClientConnections()
	s.Server.Close()
}
