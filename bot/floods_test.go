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
	"tianbao/campaigns"
	"tianbao/dialogs"
	"tianbao/store/storetest"
)

// TestEveryMethodWaitsOut429: each method the bot calls is answered 429
// once (retry_after 1), as Telegram's flood control may answer any of them:
// the bot waits and does what it was doing, and no update waits with it.
func TestEveryMethodWaitsOut429(t *testing.T) {
	h := newHarness(t)
	h.appURL = "https://desk.example.org/app/"
	flood := func(methods ...string) {
		for _, m := range methods {
			h.fake.RefuseNext(m, 1, http.StatusTooManyRequests, "")
		}
	}
	flood("getMe", "deleteWebhook", "setMyCommands", "getUpdates")
	h.start("")
	// A reviewer: a menu of its own, and the menu button to the desk.
	flood("setChatMenuButton")
	city := h.fake.Phone(t, 13601, "杭州审核")
	city.Say("/start " + h.invite("330100", dialogs.Reviewer)).Expect("欢迎")
	if !h.fake.WaitFor(10*time.Second, func() bool { m, _ := h.fake.Menu(13601); return m.WebApp == h.appURL }) {
		t.Error("the reviewer's menu button was not set after a 429")
	}
	flood("sendMessage")
	p := h.member(13602, "张三", "330106")
	flood("answerCallbackQuery", "editMessageText")
	p.Press("附件4").Expect("规划编制方式（第 1/2 项）")
	if !h.fake.WaitFor(5*time.Second, func() bool { _, ok := h.fake.Answer(p.LastCB); return ok }) {
		t.Error("the press was not answered after a 429")
	}
	p.Press("本地单独编制").Expect("正式规划文本（第 2/2 项）")
	flood("getFile")
	p.Upload("规划.pdf", "application/pdf", []byte("%PDF-1.4 plan")).Expect("✔ 正式规划文本：规划.pdf")
	flood("sendDocument")
	city.Say("/export")
	flood("sendPhoto")
	city.Say("/summary").Expect("填报进度").Press("📈 进度图")
	if !h.fake.WaitFor(15*time.Second, func() bool {
		doc, photo := false, false
		for _, e := range h.fake.Events(13601, 0) {
			doc = doc || (e.Document != nil && !e.Document.Photo)
			photo = photo || (e.Document != nil && e.Document.Photo)
		}
		return doc && photo
	}) {
		t.Error("the export or the chart was not sent after a 429")
	}
	flood("leaveChat")
	stranger := h.fake.Phone(t, 13603, "路人")
	stranger.Send(stranger.InGroup(-100999, "/start@tianbao_test_bot"))
	if !h.fake.WaitFor(10*time.Second, func() bool { return h.fake.Left(-100999) }) {
		t.Error("the bot did not leave the group after a 429")
	}
	hit := map[string]bool{}
	for _, r := range h.fake.Refused() {
		if m, ok := strings.CutSuffix(r, ": 429"); ok {
			hit[m] = true
		}
	}
	for _, m := range []string{"getMe", "deleteWebhook", "setMyCommands", "getUpdates", "setChatMenuButton", "sendMessage",
		"answerCallbackQuery", "editMessageText", "getFile", "sendDocument", "sendPhoto", "leaveChat"} {
		if !hit[m] {
			t.Errorf("%s was never answered 429: the test did not prove its retry", m)
		}
	}
	for _, e := range h.fake.Events(13602, 0) {
		if strings.Contains(e.Text, "抱歉") {
			t.Errorf("apology after a 429: %q", e.Text)
		}
	}
}

// TestTwoReplicasShareTheSendRate: SEND_RATE is the bot's, not each
// replica's. Two replicas at SEND_RATE=100 deliver 600 notifications to a
// fake that answers 429 past 150 in any second: none is refused (each on
// its own rate, the two would send 200 a second), and together they keep
// to about 100 a second. (The margin is for timers a loaded machine fires
// late, which bunch a few slots.)
func TestTwoReplicasShareTheSendRate(t *testing.T) {
	db := storetest.NewDB(t)
	reg := campaigns.NewRegistry(db)
	if _, err := reg.Campaign(context.Background(), campaigns.BuiltinID); err != nil {
		t.Fatal(err)
	}
	fake := telegramtest.NewServer(token)
	defer fake.Close()
	const total = 600
	queueMessages(t, db, fake, total, 1)
	fake.EnforceLimits(150, 10*time.Millisecond)
	ctx, cancel := context.WithCancel(context.Background())
	var done []chan error
	start := time.Now()
	for i := 0; i < 2; i++ {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		cfg := bot.Config{Token: token, APIURL: fake.URL, Listener: ln, PollTimeout: time.Second, PollRetry: 200 * time.Millisecond,
			SendRate: 100, PerChat: 10 * time.Millisecond, Now: time.Now, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), NoReminders: true}
		b, err := bot.New(ctx, cfg, db, reg)
		if err != nil {
			t.Fatal(err)
		}
		ch := make(chan error, 1)
		go func() { ch <- b.Run(ctx) }()
		done = append(done, ch)
	}
	var left int
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if err := db.GetContext(context.Background(), &left, `SELECT count(*) FROM outbox WHERE sent_at IS NULL`); err != nil {
			t.Fatal(err)
		}
		if left == 0 {
			break
		}
	}
	elapsed := time.Since(start)
	cancel()
	for _, ch := range done {
		<-ch
	}
	if left != 0 {
		t.Fatalf("%d notifications unsent", left)
	}
	if n := fake.TooMany(); n != 0 {
		t.Errorf("%d answers 429: the replicas together sent past the rate", n)
	}
	if rate := float64(total) / elapsed.Seconds(); rate > 125 {
		t.Errorf("%.0f notifications a second, SEND_RATE 100", rate)
	}
	t.Logf("%d notifications in %v by two replicas at SEND_RATE=100", total, elapsed.Round(time.Millisecond))
}
