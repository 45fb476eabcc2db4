// Package telegramtest is a fake Telegram Bot API server for tests. It
// speaks the protocol as go-telegram/bot uses it (multipart POSTs to
// /bot<token>/<method>, JSON answers), serves long-polled getUpdates with
// offsets, delivers updates to a webhook with the secret header, keeps every
// message the bot showed, and gives tests a Phone: send text, press a
// button, upload a document, read what the bot showed.
package telegramtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf16"
)

// BotUser is the bot's own account as getMe returns it.
const (
	BotID       = 7000001
	BotUsername = "tianbao_test_bot"
)

// Button is an inline keyboard button as the bot sent it.
type Button struct {
	Text         string `json:"text"`
	CallbackData string `json:"callback_data,omitempty"`
	URL          string `json:"url,omitempty"`
}

// Message is a message the bot shows in a chat, as it currently stands.
type Message struct {
	ID       int
	ChatID   int64
	Text     string
	Buttons  [][]Button
	Document *Document
	Edits    int
}

// Document is a file the bot sent.
type Document struct {
	Name    string
	Content []byte
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

// Server is the fake Bot API.
type Server struct {
	*httptest.Server
	Token string

	mu            sync.Mutex
	changed       chan struct{} // closed and replaced on every change
	pending       []json.RawMessage
	pendingIDs    []int64
	nextUpdate    int64
	nextMessage   map[int64]int
	messages      map[int64]map[int]*Message
	events        map[int64][]Event
	answers       map[string]CallbackAnswer
	files         map[string][]byte
	webhookURL    string
	webhookSecret string
	commands      []map[string]string
	calls         map[string]int
	webhookClient *http.Client
	blocked       map[int64]bool
	failNext      map[string]int
	delay         map[string]time.Duration
	subscribers   map[int64]chan Event
	autoDeliver   bool
	chatLocks     map[int64]*sync.Mutex

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
		nextMessage: map[int64]int{}, messages: map[int64]map[int]*Message{}, events: map[int64][]Event{},
		answers: map[string]CallbackAnswer{}, files: map[string][]byte{}, calls: map[string]int{},
		webhookClient: webhookClient(), blocked: map[int64]bool{}, failNext: map[string]int{},
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

// URL is what TELEGRAM_API_URL should be set to.
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

func fail(w http.ResponseWriter, code int, desc string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(apiResult{OK: false, ErrorCode: code, Description: desc})
}

// params reads a request's parameters: multipart, urlencoded or JSON. File
// parts are returned separately.
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
		// Values stay raw JSON but for strings, which are unquoted: the
		// handlers parse numbers and keyboards themselves.
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
		b, found := s.files[rest]
		s.mu.Unlock()
		if !found {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write(b)
		return
	}
	rest, ok := strings.CutPrefix(r.URL.Path, "/bot")
	token, method, ok2 := strings.Cut(rest, "/")
	if !ok || !ok2 || token != s.Token {
		fail(w, http.StatusUnauthorized, "Unauthorized")
		return
	}
	p, files, err := params(r)
	if err != nil {
		fail(w, http.StatusBadRequest, "Bad Request: "+err.Error())
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
	if n := s.failNext[method]; n > 0 {
		s.failNext[method] = n - 1
		s.mu.Unlock()
		fail(w, http.StatusInternalServerError, "Internal Server Error")
		return
	}
	s.mu.Unlock()
	switch method {
	case "getMe":
		reply(w, map[string]any{"id": BotID, "is_bot": true, "first_name": "填报", "username": BotUsername})
	case "getUpdates":
		s.getUpdates(w, r, p)
	case "setWebhook":
		s.mu.Lock()
		s.webhookURL, s.webhookSecret = p["url"], p["secret_token"]
		s.mu.Unlock()
		reply(w, true)
	case "deleteWebhook":
		s.mu.Lock()
		s.webhookURL, s.webhookSecret = "", ""
		s.mu.Unlock()
		reply(w, true)
	case "setMyCommands":
		var cmds []map[string]string
		if err := json.Unmarshal([]byte(p["commands"]), &cmds); err != nil {
			fail(w, http.StatusBadRequest, "Bad Request: can't parse commands")
			return
		}
		s.mu.Lock()
		s.commands = cmds
		s.mu.Unlock()
		reply(w, true)
	case "sendMessage":
		s.sendMessage(w, p, nil)
	case "sendDocument":
		doc := &Document{Name: p["document#name"], Content: files["document"]}
		s.sendMessage(w, p, doc)
	case "editMessageText", "editMessageReplyMarkup":
		s.editMessage(w, method, p)
	case "answerCallbackQuery":
		s.mu.Lock()
		s.answers[p["callback_query_id"]] = CallbackAnswer{ID: p["callback_query_id"], Text: p["text"]}
		s.notify()
		s.mu.Unlock()
		reply(w, true)
	case "getFile":
		s.mu.Lock()
		b, found := s.files[p["file_id"]]
		s.mu.Unlock()
		if !found {
			fail(w, http.StatusBadRequest, "Bad Request: invalid file_id")
			return
		}
		reply(w, map[string]any{"file_id": p["file_id"], "file_unique_id": "u" + p["file_id"], "file_size": len(b), "file_path": p["file_id"]})
	default:
		fail(w, http.StatusNotFound, "Not Found: method "+method)
	}
}

func (s *Server) getUpdates(w http.ResponseWriter, r *http.Request, p map[string]string) {
	offset, _ := strconv.ParseInt(p["offset"], 10, 64)
	limit, _ := strconv.Atoi(p["limit"])
	if limit <= 0 || limit > 100 {
		limit = 100
	}
	timeout, _ := strconv.Atoi(p["timeout"])
	deadline := time.Now().Add(time.Duration(timeout) * time.Second)
	for {
		s.mu.Lock()
		if s.webhookURL != "" {
			s.mu.Unlock()
			fail(w, http.StatusConflict, "Conflict: can't use getUpdates method while webhook is active")
			return
		}
		// An offset confirms every update before it.
		for len(s.pendingIDs) > 0 && offset > 0 && s.pendingIDs[0] < offset {
			s.pendingIDs, s.pending = s.pendingIDs[1:], s.pending[1:]
		}
		if n := min(len(s.pending), limit); n > 0 {
			out := append([]json.RawMessage(nil), s.pending[:n]...)
			s.mu.Unlock()
			reply(w, out)
			return
		}
		wait := s.changed
		s.mu.Unlock()
		left := time.Until(deadline)
		if left <= 0 {
			reply(w, []json.RawMessage{})
			return
		}
		select {
		case <-wait:
		case <-time.After(left):
		case <-r.Context().Done():
			return
		}
	}
}

func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

func parseKeyboard(raw string) ([][]Button, error) {
	if raw == "" {
		return nil, nil
	}
	var kb struct {
		InlineKeyboard [][]Button `json:"inline_keyboard"`
	}
	if err := json.Unmarshal([]byte(raw), &kb); err != nil {
		return nil, err
	}
	for _, row := range kb.InlineKeyboard {
		for _, b := range row {
			if len(b.CallbackData) > 64 || (b.CallbackData == "" && b.URL == "") {
				return nil, fmt.Errorf("BUTTON_DATA_INVALID")
			}
		}
	}
	return kb.InlineKeyboard, nil
}

// EnforceLimits makes sendMessage answer 429 (retry_after 1) past perSecond
// messages in any second overall, or closer than perChat in one chat, as
// Telegram does (about 30/s and 1/s).
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
	if len(s.recent) >= s.perSecond || (s.perChat > 0 && now.Sub(s.lastChat[chat]) < s.perChat) {
		s.tooMany++
		return true
	}
	s.recent = append(s.recent, now)
	s.lastChat[chat] = now
	return false
}

func (s *Server) sendMessage(w http.ResponseWriter, p map[string]string, doc *Document) {
	chat, err := strconv.ParseInt(p["chat_id"], 10, 64)
	if err != nil {
		fail(w, http.StatusBadRequest, "Bad Request: chat not found")
		return
	}
	text := p["text"]
	if doc != nil {
		text = p["caption"]
	} else if strings.TrimSpace(text) == "" {
		fail(w, http.StatusBadRequest, "Bad Request: message text is empty")
		return
	}
	if utf16Len(text) > 4096 {
		fail(w, http.StatusBadRequest, "Bad Request: message is too long")
		return
	}
	kb, err := parseKeyboard(p["reply_markup"])
	if err != nil {
		fail(w, http.StatusBadRequest, "Bad Request: "+err.Error())
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.blocked[chat] {
		fail(w, http.StatusForbidden, "Forbidden: bot was blocked by the user")
		return
	}
	if s.limited(chat) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusTooManyRequests)
		_ = json.NewEncoder(w).Encode(apiResult{OK: false, ErrorCode: 429, Description: "Too Many Requests: retry after 1", Parameters: map[string]int{"retry_after": 1}})
		return
	}
	s.nextMessage[chat]++
	m := &Message{ID: s.nextMessage[chat], ChatID: chat, Text: text, Buttons: kb, Document: doc}
	if s.messages[chat] == nil {
		s.messages[chat] = map[int]*Message{}
	}
	s.messages[chat][m.ID] = m
	s.record(chat, Event{MessageID: m.ID, Text: text, Buttons: kb, Document: doc})
	reply(w, map[string]any{"message_id": m.ID, "date": time.Now().Unix(), "chat": map[string]any{"id": chat, "type": "private"}, "text": text})
}

func (s *Server) editMessage(w http.ResponseWriter, method string, p map[string]string) {
	chat, _ := strconv.ParseInt(p["chat_id"], 10, 64)
	id, _ := strconv.Atoi(p["message_id"])
	kb, err := parseKeyboard(p["reply_markup"])
	if err != nil {
		fail(w, http.StatusBadRequest, "Bad Request: "+err.Error())
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.messages[chat][id]
	if m == nil {
		fail(w, http.StatusBadRequest, "Bad Request: message to edit not found")
		return
	}
	text := m.Text
	if method == "editMessageText" {
		text = p["text"]
		if utf16Len(text) > 4096 {
			fail(w, http.StatusBadRequest, "Bad Request: message is too long")
			return
		}
	}
	if text == m.Text && keyboardsEqual(kb, m.Buttons) {
		fail(w, http.StatusBadRequest, "Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message")
		return
	}
	m.Text, m.Buttons = text, kb
	m.Edits++
	s.record(chat, Event{MessageID: m.ID, Text: text, Buttons: kb, Edit: true})
	reply(w, map[string]any{"message_id": m.ID, "chat": map[string]any{"id": chat, "type": "private"}, "text": text})
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

// AutoDeliver makes Enqueue post updates to the webhook once one is set, as
// Telegram does: one chat's updates one after another, chats in parallel,
// retrying until the bot answers 200.
func (s *Server) AutoDeliver(on bool) {
	s.mu.Lock()
	s.autoDeliver = on
	s.mu.Unlock()
}

func (s *Server) deliver(url, secret string, chat int64, raw json.RawMessage) {
	s.mu.Lock()
	l := s.chatLocks[chat]
	if l == nil {
		l = &sync.Mutex{}
		s.chatLocks[chat] = l
	}
	s.mu.Unlock()
	l.Lock()
	defer l.Unlock()
	for attempt := 0; attempt < 20; attempt++ {
		code, err := s.PostWebhook(context.Background(), url, secret, raw)
		if err == nil && code == http.StatusOK {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func keyboardsEqual(a, b [][]Button) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

// Push gives an update (a JSON object without update_id) its id and queues
// it, in one step, as Telegram does: ids increase in the order updates are
// queued. It returns the update as sent, for redelivery tests.
func (s *Server) Push(update map[string]any) json.RawMessage {
	s.mu.Lock()
	s.nextUpdate++
	update["update_id"] = s.nextUpdate
	raw, _ := json.Marshal(update)
	if !(s.autoDeliver && s.webhookURL != "") {
		s.pending = append(s.pending, raw)
		s.pendingIDs = append(s.pendingIDs, s.nextUpdate)
		s.notify()
		s.mu.Unlock()
		return raw
	}
	s.mu.Unlock()
	s.Enqueue(raw)
	return raw
}

// Enqueue queues an update built by Update for getUpdates (or posts it to
// the webhook, with AutoDeliver). Updates built and queued from several
// goroutines may be queued out of id order; use Push for those.
func (s *Server) Enqueue(raw json.RawMessage) {
	var head struct {
		ID      int64 `json:"update_id"`
		Message *struct {
			Chat struct {
				ID int64 `json:"id"`
			} `json:"chat"`
		} `json:"message"`
		Callback *struct {
			From struct {
				ID int64 `json:"id"`
			} `json:"from"`
		} `json:"callback_query"`
	}
	_ = json.Unmarshal(raw, &head)
	s.mu.Lock()
	if s.autoDeliver && s.webhookURL != "" {
		url, secret := s.webhookURL, s.webhookSecret
		s.mu.Unlock()
		chat := int64(0)
		if head.Message != nil {
			chat = head.Message.Chat.ID
		} else if head.Callback != nil {
			chat = head.Callback.From.ID
		}
		go s.deliver(url, secret, chat, raw)
		return
	}
	s.pending = append(s.pending, raw)
	s.pendingIDs = append(s.pendingIDs, head.ID)
	s.notify()
	s.mu.Unlock()
}

// Redeliver queues an already delivered update again, as Telegram does when
// it is not sure the bot got it.
func (s *Server) Redeliver(raw json.RawMessage) {
	var head struct {
		ID int64 `json:"update_id"`
	}
	_ = json.Unmarshal(raw, &head)
	s.mu.Lock()
	s.pending = append([]json.RawMessage{raw}, s.pending...)
	s.pendingIDs = append([]int64{head.ID}, s.pendingIDs...)
	s.notify()
	s.mu.Unlock()
}

// Update builds the JSON of an update as Push would send it, without queueing it.
func (s *Server) Update(update map[string]any) json.RawMessage {
	s.mu.Lock()
	s.nextUpdate++
	update["update_id"] = s.nextUpdate
	s.mu.Unlock()
	raw, _ := json.Marshal(update)
	return raw
}

// PostWebhook posts an update to url with the secret header, as Telegram
// does, and returns the HTTP status.
func (s *Server) PostWebhook(ctx context.Context, url, secret string, raw json.RawMessage) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(raw))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	if secret != "" {
		req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secret)
	}
	resp, err := s.webhookClient.Do(req)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

// Webhook returns the URL and secret the bot set.
func (s *Server) Webhook() (string, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.webhookURL, s.webhookSecret
}

// Commands returns what setMyCommands set.
func (s *Server) Commands() []map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]map[string]string(nil), s.commands...)
}

// Calls counts the calls of a method.
func (s *Server) Calls(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[method]
}

// FailNext makes the next n calls of method answer 500.
func (s *Server) FailNext(method string, n int) {
	s.mu.Lock()
	s.failNext[method] = n
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
func (s *Server) Block(chat int64) {
	s.mu.Lock()
	s.blocked[chat] = true
	s.mu.Unlock()
}

// AddFile stores content as a Telegram file and returns its file_id.
func (s *Server) AddFile(content []byte) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := fmt.Sprintf("file%d", len(s.files)+1)
	s.files[id] = content
	return id
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
func (s *Server) Message(chat int64, id int) *Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m := s.messages[chat][id]; m != nil {
		c := *m
		return &c
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

// Close shuts the server down without waiting for long polls to time out.
func (s *Server) Close() {
	s.Server.CloseClientConnections()
	s.Server.Close()
}
