package bot_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"tianbao/bot"
	"tianbao/bot/telegramtest"
	"tianbao/catalog"
	"tianbao/dialogs"
)

// TestServesWhenTheMenuIsRefused: Telegram refuses setMyCommands at start
// (as it refused the empty descriptions): the bot serves anyway, and sets
// the menu on a later try.
func TestServesWhenTheMenuIsRefused(t *testing.T) {
	h := newHarness(t)
	h.fake.RefuseNext("setMyCommands", 2, http.StatusBadRequest, telegramtest.ErrDescriptionEmpty)
	h.startWithout()
	p := h.member(11001, "张三", "330106")
	p.Press("附件3").Expect("新建成（家）")
	if !h.fake.WaitFor(10*time.Second, func() bool { return len(h.fake.Commands()) > 0 }) {
		t.Fatal("the menu was never set after the refusals")
	}
	for _, c := range h.fake.Commands() {
		if c["description"] == "" {
			t.Errorf("command %s without a description", c["command"])
		}
		switch c["command"] {
		case "summary", "export", "invite", "forward":
			t.Errorf("the default menu (a filler's) has /%s", c["command"])
		}
	}
}

// TestMenusFitTheRole: every command of every menu has a Chinese
// description; a reviewer's chat gets /summary, /export and /invite (a
// city's also /forward), a filler's chat only the default menu.
func TestMenusFitTheRole(t *testing.T) {
	h := newHarness(t)
	h.start("")
	city := h.fake.Phone(t, 11101, "杭州审核")
	city.Say("/start " + h.invite("330100", dialogs.Reviewer)).Expect("欢迎")
	province := h.fake.Phone(t, 11102, "省审核")
	province.Say("/start " + h.invite("330000", dialogs.Reviewer)).Expect("欢迎")
	h.member(11103, "张三", "330106")
	names := func(scope string) string {
		var out []string
		for _, c := range h.fake.CommandsFor(scope) {
			out = append(out, c["command"])
			if c["description"] == "" || c["description"] == c["command"] {
				t.Errorf("%s: /%s has no description", scope, c["command"])
			}
		}
		return strings.Join(out, " ")
	}
	if !h.fake.WaitFor(10*time.Second, func() bool {
		return names("chat:11101") != "" && names("chat:11102") != ""
	}) {
		t.Fatal("the reviewers' menus were not set")
	}
	if got := names("chat:11101"); got != "start status summary forward export invite back skip cancel template extend help" {
		t.Errorf("the city reviewer's menu: %s", got)
	}
	if got := names("chat:11102"); got != "start status summary export invite back skip cancel template extend help" {
		t.Errorf("the province reviewer's menu: %s", got)
	}
	if got := names("default"); got != "start status back skip cancel template extend help" {
		t.Errorf("the default menu: %s", got)
	}
	if got := names("chat:11103"); got != "" {
		t.Errorf("a filler got a chat menu of its own: %s", got)
	}
	// A reviewer who is made a county's filler besides keeps the
	// reviewer's menu: a chat has the widest menu of its person's places.
	city.Say("/start " + h.invite("330106", dialogs.Filler)).Expect("欢迎！您已登记为西湖区的填报人")
	if !h.fake.WaitFor(10*time.Second, func() bool {
		return h.count(`SELECT count(*) FROM outbox WHERE kind = 'menu' AND sent_at IS NULL`) == 0
	}) {
		t.Fatal("the menus were not set")
	}
	if got := names("chat:11101"); got != "start status summary forward export invite back skip cancel template extend help" {
		t.Errorf("the reviewer and filler's menu: %s", got)
	}
	// Invited again to the city as a filler, the place is a filler's:
	// the filler's menu comes back.
	city.Say("/start " + h.invite("330100", dialogs.Filler)).Expect("欢迎！您已登记为杭州市的填报人")
	if !h.fake.WaitFor(10*time.Second, func() bool { return names("chat:11101") == "start status back skip cancel template extend help" }) {
		t.Errorf("the former reviewer's menu: %s", names("chat:11101"))
	}
}

// startWithout starts a bot without waiting for its menu.
func (h *harness) startWithout() {
	h.t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		h.t.Fatal(err)
	}
	cfg := bot.Config{Token: token, APIURL: h.fake.URL, Listener: ln, PollTimeout: time.Second, Workers: 4,
		Now: func() time.Time { return now }, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), NoReminders: true}
	ctx, cancel := context.WithCancel(context.Background())
	b, err := bot.New(ctx, cfg, h.db, h.reg)
	if err != nil {
		cancel()
		h.t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx) }()
	h.t.Cleanup(func() { cancel(); <-done })
}

// TestStartRefusals: a token Telegram does not know stops start-up at
// getMe, and a webhook Telegram refuses stops it at setWebhook, each with
// one line that says which.
func TestStartRefusals(t *testing.T) {
	h := newHarness(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	_, err := bot.New(context.Background(), bot.Config{Token: "9:unknown", APIURL: h.fake.URL, Log: log}, h.db, h.reg)
	if err == nil || !strings.Contains(err.Error(), "getMe") || !strings.Contains(err.Error(), "Unauthorized") || strings.Contains(err.Error(), "\n") {
		t.Errorf("an unknown token: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	b, err := bot.New(context.Background(), bot.Config{Token: token, APIURL: h.fake.URL, Listener: ln, Log: log, NoReminders: true,
		WebhookURL: "http://bot.example.org/telegram", WebhookSecret: "s3cret"}, h.db, h.reg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err = b.Run(ctx)
	if err == nil || !strings.Contains(err.Error(), telegramtest.ErrWebhookNotHTTPS) || strings.Contains(err.Error(), "\n") {
		t.Errorf("a webhook Telegram refuses: %v", err)
	}
}

// TestDegradedCallsAreNotApologisedFor: each refusal Telegram makes of a
// cosmetic or late call is absorbed: the turn is applied once, nobody is
// told anything failed, and the update is not tried again.
func TestDegradedCallsAreNotApologisedFor(t *testing.T) {
	h := newHarness(t)
	h.start("")
	p := h.member(11201, "张三", "330106")
	noApology := func(when string) {
		t.Helper()
		for _, e := range h.fake.Events(11201, 0) {
			if strings.Contains(e.Text, "抱歉") {
				t.Fatalf("%s: the contact was told something failed: %q", when, e.Text)
			}
		}
	}
	// The answer to the press comes too late for Telegram.
	h.fake.RefuseNext("answerCallbackQuery", 1, http.StatusBadRequest, telegramtest.ErrQueryTooOld)
	p.Press("附件3").Expect("新建成（家）")
	noApology("query too old")
	p.Say("5").Expect("改造提升（家）")
	// A button of a message that is gone: the screen comes as a new message.
	home := p.Say("/start").Expect("草稿 1/9").Screen()
	sent := h.fake.Sent(11201)
	p.PressData(9999, home.Buttons[2][0].CallbackData).Expect("改造提升（家）")
	if h.fake.Sent(11201) != sent+1 {
		t.Errorf("the screen of a press on a gone message was not sent anew")
	}
	noApology("message to edit not found")
	// Telegram says the edit changes nothing: nothing to do.
	home = p.Say("/start").Expect("草稿 1/9").Screen()
	h.fake.RefuseNext("editMessageText", 1, http.StatusBadRequest, telegramtest.ErrNotModified)
	sent = h.fake.Sent(11201)
	p.Press("附件3")
	if !h.fake.WaitFor(5*time.Second, func() bool { _, ok := h.fake.Answer(p.LastCB); return ok }) {
		t.Fatal("press not answered")
	}
	time.Sleep(200 * time.Millisecond)
	if h.fake.Sent(11201) != sent {
		t.Errorf("a not-modified edit was followed by a new message")
	}
	noApology("not modified")
	p.Say("0").Expect("生产制造类 · 园区数量（个）")
	// Flooded: the reply waits retry_after and goes out once.
	h.fake.RefuseNext("sendMessage", 1, http.StatusTooManyRequests, "")
	before := h.fake.Sent(11201)
	p.Say("2").Expect("占地面积（亩）")
	if got := h.fake.Sent(11201) - before; got != 1 {
		t.Errorf("after a 429 the reply was sent %d times", got)
	}
	noApology("429")
	if n := h.count(`SELECT count(*) FROM audit_log WHERE unit_code = '330106' AND target IN ('main//built', 'main//upgraded', 'main//mfg_count')`); n != 3 {
		t.Errorf("%d answers applied, want 3", n)
	}
	for _, r := range h.fake.Refused() {
		if strings.Contains(r, "sendMessage: Bad Request") || strings.Contains(r, "editMessageText: Bad Request: BUTTON") {
			t.Errorf("the bot made a request Telegram refuses: %s", r)
		}
	}
}

// TestButtonsOnlyInThePressersOwnChat: a button pressed on a message in a
// group, or on a message of another user's chat, is refused as group
// messages are; nothing is approved, and nothing is written into the other
// chat.
func TestButtonsOnlyInThePressersOwnChat(t *testing.T) {
	h := newHarness(t)
	h.start("")
	a := h.member(11301, "张三", "330106")
	b := h.member(11302, "李四", "330102")
	a.Press("附件3").Expect("新建成（家）")
	// B's press on a message of A's chat.
	u := b.PressUpdate(a.Screen().ID, "1:open:0")
	u["callback_query"].(map[string]any)["message"].(map[string]any)["chat"] = map[string]any{"id": 11301, "type": "private"}
	eventsA := h.fake.EventCount(11301)
	b.Send(u)
	if !h.fake.WaitFor(5*time.Second, func() bool { a, ok := h.fake.Answer(b.LastCB); return ok && a.Text == catalog.Texts.NotPrivate }) {
		t.Errorf("a press on another user's message was not refused")
	}
	// B presses in a group.
	b.Send(b.PressInGroup(-100123, 1, "1:open:0"))
	if !h.fake.WaitFor(5*time.Second, func() bool { a, ok := h.fake.Answer(b.LastCB); return ok && a.Text == catalog.Texts.NotPrivate }) {
		t.Errorf("a press in a group was not refused")
	}
	// A message whose chat is not its sender's.
	forged := b.TextUpdate("/start")
	forged["message"].(map[string]any)["chat"] = map[string]any{"id": 11301, "type": "private"}
	b.Send(forged).Expect(catalog.Texts.NotPrivate)
	time.Sleep(200 * time.Millisecond)
	if got := h.fake.EventCount(11301); got != eventsA {
		t.Errorf("the bot wrote %d events into A's chat", got-eventsA)
	}
	if n := h.count(`SELECT count(*) FROM answers WHERE unit_code = '330102'`); n != 0 {
		t.Errorf("B's unit changed")
	}
}

// TestTwoPollersOneLeader: two processes polling one bot do not knock each
// other out (Telegram answers 409 to overlapping getUpdates): only the
// holder of the polling lock polls, the other stands by, and takes over
// when the first stops.
func TestTwoPollersOneLeader(t *testing.T) {
	h := newHarness(t)
	r1 := h.start("")
	r2 := h.start("")
	p := h.member(8101, "张三", "330106")
	p.Press("附件3").Expect("新建成（家）")
	for _, v := range []string{"5", "0", "5"} {
		p.Say(v)
	}
	p.Expect("占地面积（亩）")
	time.Sleep(1500 * time.Millisecond) // longer than a poll waits: two pollers would have met
	for _, r := range h.fake.Refused() {
		if strings.HasPrefix(r, "getUpdates") {
			t.Fatalf("two pollers overlapped: %s", r)
		}
	}
	// Whichever led stops; the chat goes on through the other.
	r1.stop()
	p.Say("600").Expect("入小微园企业数（家）")
	r2.stop()
	if n := h.count(`SELECT count(*) FROM answers WHERE unit_code = '330106' AND form_id = 'a3'`); n != 4 {
		t.Errorf("%d answers, want 4", n)
	}
}
