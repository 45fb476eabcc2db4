package telegramtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// call posts a JSON request and returns Telegram's answer.
func call(t *testing.T, s *Server, token, method string, body any) (int, apiAnswer) {
	t.Helper()
	b, _ := json.Marshal(body)
	resp, err := http.Post(s.URL+"/bot"+token+"/"+method, "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var a apiAnswer
	if err := json.Unmarshal(raw, &a); err != nil {
		t.Fatalf("%s: unreadable answer %q", method, raw)
	}
	return resp.StatusCode, a
}

type apiAnswer struct {
	OK          bool            `json:"ok"`
	ErrorCode   int             `json:"error_code"`
	Description string          `json:"description"`
	Result      json.RawMessage `json:"result"`
	Parameters  struct {
		RetryAfter int `json:"retry_after"`
	} `json:"parameters"`
}

const tok = "1:strict"

func kb(buttons ...map[string]any) map[string]any {
	row := make([]any, len(buttons))
	for i, b := range buttons {
		row[i] = b
	}
	return map[string]any{"inline_keyboard": []any{row}}
}

// TestRefusesWhatTelegramRefuses: every rule the double enforces, each
// broken once, answered with Telegram's code and words; and the same
// request made right is accepted, so a rule cannot quietly become a refusal
// of everything.
func TestRefusesWhatTelegramRefuses(t *testing.T) {
	s := NewServer(tok)
	defer s.Close()
	s.OpenChat(10)
	s.mu.Lock()
	s.openChat(-100777, "supergroup")
	s.mu.Unlock()
	sent := func() int {
		_, a := call(t, s, tok, "sendMessage", map[string]any{"chat_id": 10, "text": "问题", "reply_markup": kb(map[string]any{"text": "甲", "callback_data": "1:a"})})
		var m struct {
			ID int `json:"message_id"`
		}
		_ = json.Unmarshal(a.Result, &m)
		return m.ID
	}
	msg := sent()
	user := s.Update(map[string]any{"message": map[string]any{"chat": map[string]any{"id": 10, "type": "private"}, "from": map[string]any{"id": 10}, "text": "用户的话"}})
	var um struct {
		Message struct {
			ID int `json:"message_id"`
		} `json:"message"`
	}
	_ = json.Unmarshal(user, &um)
	long := strings.Repeat("字", MaxText+1)
	emoji := strings.Repeat("😀", MaxText/2+1) // two UTF-16 units each: 4098 units in 2049 characters
	var hundred []any
	for i := 0; i < 101; i++ {
		hundred = append(hundred, []any{map[string]any{"text": "x", "callback_data": fmt.Sprint(i)}})
	}
	cmd := func(c, d string) []map[string]string { return []map[string]string{{"command": c, "description": d}} }
	var many []map[string]string
	for i := 0; i < 101; i++ {
		many = append(many, map[string]string{"command": fmt.Sprintf("c%d", i), "description": "说明"})
	}
	cases := []struct {
		name   string
		token  string
		method string
		body   any
		code   int
		desc   string
	}{
		{"wrong token", "1:other", "getMe", map[string]any{}, 401, ErrUnauthorized},
		{"unknown method", tok, "sendTelepathy", map[string]any{}, 404, ErrMethodNotFound},
		{"empty command description", tok, "setMyCommands", map[string]any{"commands": cmd("extend", "")}, 400, ErrDescriptionEmpty},
		{"blank command description", tok, "setMyCommands", map[string]any{"commands": cmd("extend", "   ")}, 400, ErrDescriptionEmpty},
		{"command description of 257", tok, "setMyCommands", map[string]any{"commands": cmd("start", strings.Repeat("长", 257))}, 400, ErrDescriptionLong},
		{"empty command", tok, "setMyCommands", map[string]any{"commands": cmd("", "说明")}, 400, ErrCommandEmpty},
		{"command of 33", tok, "setMyCommands", map[string]any{"commands": cmd(strings.Repeat("a", 33), "说明")}, 400, ErrCommandTooLong},
		{"command in upper case", tok, "setMyCommands", map[string]any{"commands": cmd("Start", "说明")}, 400, ErrCommandInvalid},
		{"command with a dash", tok, "setMyCommands", map[string]any{"commands": cmd("my-cmd", "说明")}, 400, ErrCommandInvalid},
		{"101 commands", tok, "setMyCommands", map[string]any{"commands": many}, 400, ErrTooManyCommands},
		{"commands for an unknown chat", tok, "setMyCommands", map[string]any{"commands": cmd("start", "首页"), "scope": map[string]any{"type": "chat", "chat_id": 99}}, 400, ErrChatNotFound},
		{"a chat the bot cannot reach", tok, "sendMessage", map[string]any{"chat_id": 99, "text": "你好"}, 400, ErrChatNotFound},
		{"empty text", tok, "sendMessage", map[string]any{"chat_id": 10, "text": ""}, 400, ErrTextEmpty},
		{"blank text", tok, "sendMessage", map[string]any{"chat_id": 10, "text": " \n "}, 400, ErrTextEmpty},
		{"text of 4097", tok, "sendMessage", map[string]any{"chat_id": 10, "text": long}, 400, ErrTextTooLong},
		{"text of 4098 UTF-16 units", tok, "sendMessage", map[string]any{"chat_id": 10, "text": emoji}, 400, ErrTextTooLong},
		{"HTML that does not close", tok, "sendMessage", map[string]any{"chat_id": 10, "text": "<b>加粗", "parse_mode": "HTML"}, 400, `Bad Request: can't parse entities: Can't find end tag corresponding to start tag "b"`},
		{"HTML with an unknown tag", tok, "sendMessage", map[string]any{"chat_id": 10, "text": "<script>x</script>", "parse_mode": "HTML"}, 400, `Bad Request: can't parse entities: Unsupported start tag "script" at byte offset 0`},
		{"MarkdownV2 with an unescaped dot", tok, "sendMessage", map[string]any{"chat_id": 10, "text": "共 5.5 亩", "parse_mode": "MarkdownV2"}, 400, `Bad Request: can't parse entities: Character '.' is reserved and must be escaped with the preceding '\'`},
		{"unknown parse mode", tok, "sendMessage", map[string]any{"chat_id": 10, "text": "x", "parse_mode": "BBCode"}, 400, ErrUnsupportedParse},
		{"callback data of 65 bytes", tok, "sendMessage", map[string]any{"chat_id": 10, "text": "x", "reply_markup": kb(map[string]any{"text": "甲", "callback_data": strings.Repeat("d", 65)})}, 400, ErrButtonData},
		{"callback data empty", tok, "sendMessage", map[string]any{"chat_id": 10, "text": "x", "reply_markup": kb(map[string]any{"text": "甲", "callback_data": ""})}, 400, ErrTextButton},
		{"button without an action", tok, "sendMessage", map[string]any{"chat_id": 10, "text": "x", "reply_markup": kb(map[string]any{"text": "甲"})}, 400, ErrTextButton},
		{"button with two actions", tok, "sendMessage", map[string]any{"chat_id": 10, "text": "x", "reply_markup": kb(map[string]any{"text": "甲", "callback_data": "a", "url": "https://example.org"})}, 400, ErrButtonTwoActions},
		{"button with an empty label", tok, "sendMessage", map[string]any{"chat_id": 10, "text": "x", "reply_markup": kb(map[string]any{"text": " ", "callback_data": "a"})}, 400, ErrButtonText},
		{"web app over http", tok, "sendMessage", map[string]any{"chat_id": 10, "text": "x", "reply_markup": kb(map[string]any{"text": "工作台", "web_app": map[string]any{"url": "http://example.org/app/"}})}, 400, ErrWebAppURL},
		{"101 buttons", tok, "sendMessage", map[string]any{"chat_id": 10, "text": "x", "reply_markup": map[string]any{"inline_keyboard": hundred}}, 400, ErrMarkupTooLong},
		{"edit of a message that does not exist", tok, "editMessageText", map[string]any{"chat_id": 10, "message_id": 999, "text": "新"}, 400, ErrEditNotFound},
		{"edit of the user's message", tok, "editMessageText", map[string]any{"chat_id": 10, "message_id": um.Message.ID, "text": "新"}, 400, ErrCantEdit},
		{"edit to the same content", tok, "editMessageText", map[string]any{"chat_id": 10, "message_id": msg, "text": "问题", "reply_markup": kb(map[string]any{"text": "甲", "callback_data": "1:a"})}, 400, ErrNotModified},
		{"edit with 65-byte data", tok, "editMessageText", map[string]any{"chat_id": 10, "message_id": msg, "text": "新", "reply_markup": kb(map[string]any{"text": "甲", "callback_data": strings.Repeat("d", 65)})}, 400, ErrButtonData},
		{"caption of 1025", tok, "sendDocument", nil, 400, ErrCaptionTooLong},
		{"answer to an unknown query", tok, "answerCallbackQuery", map[string]any{"callback_query_id": "nope"}, 400, ErrQueryTooOld},
		{"webhook over http", tok, "setWebhook", map[string]any{"url": "http://bot.example.org/hook"}, 400, ErrWebhookNotHTTPS},
		{"webhook on port 9000", tok, "setWebhook", map[string]any{"url": "https://bot.example.org:9000/hook"}, 400, ErrWebhookPort},
		{"secret with a space", tok, "setWebhook", map[string]any{"url": "https://bot.example.org/hook", "secret_token": "not secret"}, 400, ErrSecretToken},
		{"web app in a group", tok, "sendMessage", map[string]any{"chat_id": -100777, "text": "x", "reply_markup": kb(map[string]any{"text": "工作台", "web_app": map[string]any{"url": "https://example.org/app/"}})}, 400, ErrButtonType},
		{"menu web app over http", tok, "setChatMenuButton", map[string]any{"chat_id": 10, "menu_button": map[string]any{"type": "web_app", "text": "工作台", "web_app": map[string]any{"url": "http://x/app/"}}}, 400, ErrMenuWebAppURL},
		{"file id unknown", tok, "getFile", map[string]any{"file_id": "nope"}, 400, ErrInvalidFileID},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var code int
			var a apiAnswer
			if c.method == "sendDocument" {
				code, a = sendDocument(t, s, strings.Repeat("字", MaxCaption+1))
			} else {
				code, a = call(t, s, c.token, c.method, c.body)
			}
			if code != c.code || a.OK || a.ErrorCode != c.code || a.Description != c.desc {
				t.Errorf("%s: HTTP %d %+v, want %d %q", c.method, code, a, c.code, c.desc)
			}
		})
	}
	// Within the limits, accepted.
	for _, ok := range []struct {
		method string
		body   any
	}{
		{"setMyCommands", map[string]any{"commands": cmd("start", strings.Repeat("长", 256))}},
		{"setMyCommands", map[string]any{"commands": many[:100]}},
		{"setMyCommands", map[string]any{"commands": cmd(strings.Repeat("a", 32), "说明"), "scope": map[string]any{"type": "chat", "chat_id": 10}}},
		{"sendMessage", map[string]any{"chat_id": 10, "text": strings.Repeat("字", MaxText)}},
		{"sendMessage", map[string]any{"chat_id": 10, "text": "x", "reply_markup": kb(map[string]any{"text": "甲", "callback_data": strings.Repeat("d", 64)})}},
		{"sendMessage", map[string]any{"chat_id": 10, "text": "<b>加粗</b> &lt;", "parse_mode": "HTML"}},
		{"sendMessage", map[string]any{"chat_id": 10, "text": "x", "reply_markup": map[string]any{"inline_keyboard": hundred[:100]}}},
		{"sendMessage", map[string]any{"chat_id": 10, "text": "x", "reply_markup": kb(map[string]any{"text": "工作台", "web_app": map[string]any{"url": "https://example.org/app/"}})}},
		{"setWebhook", map[string]any{"url": "https://bot.example.org:8443/hook", "secret_token": "A-z_09"}},
		{"setChatMenuButton", map[string]any{"chat_id": 10, "menu_button": map[string]any{"type": "web_app", "text": "工作台", "web_app": map[string]any{"url": "https://example.org/app/"}}}},
		{"setChatMenuButton", map[string]any{"chat_id": 10, "menu_button": map[string]any{"type": "commands"}}},
		{"setChatMenuButton", map[string]any{"chat_id": 10, "menu_button": map[string]any{"type": "web_app", "text": "工作台", "web_app": map[string]any{"url": "https://x/app/"}}}},
	} {
		if code, a := call(t, s, tok, ok.method, ok.body); code != 200 || !a.OK {
			t.Errorf("%s within the limits refused: %d %+v", ok.method, code, a)
		}
	}
	if code, a := sendDocument(t, s, strings.Repeat("字", MaxCaption)); code != 200 || !a.OK {
		t.Errorf("a caption of 1024 refused: %+v", a)
	}
	// With a webhook set, polling is refused.
	if code, a := call(t, s, tok, "getUpdates", map[string]any{"timeout": 0}); code != 409 || a.Description != ErrWebhookActive {
		t.Errorf("getUpdates with a webhook: %d %+v", code, a)
	}
}

func sendDocument(t *testing.T, s *Server, caption string) (int, apiAnswer) {
	t.Helper()
	var body bytes.Buffer
	w := newMultipart(&body)
	w.field("chat_id", "10")
	w.field("caption", caption)
	w.file("document", "表.xlsx", []byte("PK"))
	w.close()
	resp, err := http.Post(s.URL+"/bot"+tok+"/sendDocument", w.contentType(), &body)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var a apiAnswer
	_ = json.NewDecoder(resp.Body).Decode(&a)
	return resp.StatusCode, a
}

// TestCallbackQueriesAnsweredOnceAndInTime: an answer is taken once, within
// 15 seconds, with at most 200 characters.
func TestCallbackQueriesAnsweredOnceAndInTime(t *testing.T) {
	s := NewServer(tok)
	defer s.Close()
	p := s.Phone(t, 20, "甲")
	ask := func() string {
		u := p.PressUpdate(1, "x")
		s.Update(u)
		return p.LastCB
	}
	id := ask()
	if code, a := call(t, s, tok, "answerCallbackQuery", map[string]any{"callback_query_id": id, "text": strings.Repeat("长", 201)}); code != 400 || a.Description != ErrCallbackTextLong {
		t.Errorf("201 characters: %d %+v", code, a)
	}
	if code, _ := call(t, s, tok, "answerCallbackQuery", map[string]any{"callback_query_id": id, "text": strings.Repeat("长", 200)}); code != 200 {
		t.Errorf("first answer refused")
	}
	if code, a := call(t, s, tok, "answerCallbackQuery", map[string]any{"callback_query_id": id}); code != 400 || a.Description != ErrQueryTooOld {
		t.Errorf("second answer: %d %+v", code, a)
	}
	late := ask()
	s.AgeCallback(late, CallbackTimeout+time.Second)
	if code, a := call(t, s, tok, "answerCallbackQuery", map[string]any{"callback_query_id": late}); code != 400 || a.Description != ErrQueryTooOld {
		t.Errorf("late answer: %d %+v", code, a)
	}
}

// TestBlockedFilesAndFloods: 403 for a user who blocked the bot, getFile's
// 20 MB limit, 429 with retry_after past the flood limits.
func TestBlockedFilesAndFloods(t *testing.T) {
	s := NewServer(tok)
	defer s.Close()
	s.OpenChat(30)
	s.Block(31)
	if code, a := call(t, s, tok, "sendMessage", map[string]any{"chat_id": 31, "text": "你好"}); code != 403 || a.Description != ErrBlocked {
		t.Errorf("blocked: %d %+v", code, a)
	}
	big := s.AddFileSized([]byte("%PDF-"), MaxDownload+1)
	if code, a := call(t, s, tok, "getFile", map[string]any{"file_id": big}); code != 400 || a.Description != ErrFileTooBig {
		t.Errorf("21 MB file: %d %+v", code, a)
	}
	fits := s.AddFileSized([]byte("%PDF-"), MaxDownload)
	if code, _ := call(t, s, tok, "getFile", map[string]any{"file_id": fits}); code != 200 {
		t.Errorf("a 20 MB file refused")
	}
	s.EnforceLimits(30, time.Second)
	if code, _ := call(t, s, tok, "sendMessage", map[string]any{"chat_id": 30, "text": "一"}); code != 200 {
		t.Fatal("first message refused")
	}
	code, a := call(t, s, tok, "sendMessage", map[string]any{"chat_id": 30, "text": "二"})
	if code != 429 || a.Description != "Too Many Requests: retry after 1" || a.Parameters.RetryAfter != 1 {
		t.Errorf("second message in a second: %d %+v", code, a)
	}
}

// TestTwoPollersConflict: a second getUpdates terminates the first one
// waiting, with 409, as Telegram does.
func TestTwoPollersConflict(t *testing.T) {
	s := NewServer(tok)
	defer s.Close()
	first := make(chan apiAnswer, 1)
	poll := func(timeout int) apiAnswer {
		b, _ := json.Marshal(map[string]any{"timeout": timeout})
		resp, err := http.Post(s.URL+"/bot"+tok+"/getUpdates", "application/json", bytes.NewReader(b))
		if err != nil {
			return apiAnswer{Description: err.Error()}
		}
		defer resp.Body.Close()
		var a apiAnswer
		_ = json.NewDecoder(resp.Body).Decode(&a)
		return a
	}
	go func() { first <- poll(5) }()
	if !s.WaitFor(2*time.Second, func() bool { return s.Calls("getUpdates") == 1 }) {
		t.Fatal("first poll not started")
	}
	time.Sleep(50 * time.Millisecond)
	go poll(1)
	select {
	case a := <-first:
		if a.ErrorCode != 409 || a.Description != ErrPollConflict {
			t.Errorf("the older poll got %+v", a)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("the older poll was not terminated")
	}
}
