package bot_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"tianbao/bot"
	"tianbao/bot/telegramtest"
	"tianbao/campaigns"
	"tianbao/dialogs"
	"tianbao/dialogs/dialogtest"
	"tianbao/reminders"
	"tianbao/reports"
	"tianbao/store"
	"tianbao/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

const token = "123456:TEST-token"

var shanghai, _ = time.LoadLocation("Asia/Shanghai")

// now is three days before the counties' deadline.
var now = time.Date(2018, 12, 2, 10, 0, 0, 0, shanghai)

type harness struct {
	t         testing.TB
	fake      *telegramtest.Server
	db        *store.DB
	reg       *campaigns.Registry
	reminders bool      // run the reminder schedule (off: its catch-up would message every test's phones)
	appURL    string    // APP_URL
	clock     time.Time // the bot's clock (zero: now)
	direct    *store.DB // the database as the test reads it, when the bot's goes through a proxy
}

func (h *harness) now() time.Time {
	if h.clock.IsZero() {
		return now
	}
	return h.clock
}

func newHarness(t testing.TB) *harness {
	t.Helper()
	fake := telegramtest.NewServer(token)
	t.Cleanup(fake.Close)
	db := storetest.NewDB(t)
	reg := campaigns.NewRegistry(db)
	if _, err := reg.Campaign(context.Background(), campaigns.BuiltinID); err != nil {
		t.Fatal(err)
	}
	return &harness{t: t, fake: fake, db: db, reg: reg}
}

// running is a bot started by a test.
type running struct {
	addr    string // /healthz and the webhook
	metrics string // /metrics, apart
	stop    func()
}

// start runs a bot the way serve does; the returned stop is a graceful
// shutdown (SIGTERM).
func (h *harness) start(webhook string) *running {
	h.t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		h.t.Fatal(err)
	}
	mln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		h.t.Fatal(err)
	}
	cfg := bot.Config{Token: token, APIURL: h.fake.URL, Listener: ln, MetricsListener: mln, PollTimeout: time.Second, Workers: 8, PollRetry: 200 * time.Millisecond,
		Now: h.now, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), NoReminders: !h.reminders,
		Summaries: reports.Summarizer{DB: h.db}, Nudges: reminders.Nudger{DB: h.db}, AppURL: h.appURL}
	if webhook != "" {
		// Lenient here only: Telegram wants an https URL on a standard
		// port, and a test's bot listens on plain HTTP on loopback.
		h.fake.AllowHTTPWebhook()
		cfg.WebhookURL = "http://" + ln.Addr().String() + "/telegram/hook"
		cfg.WebhookSecret = webhook
	}
	ctx, cancel := context.WithCancel(context.Background())
	b, err := bot.New(ctx, cfg, h.db, h.reg)
	if err != nil {
		cancel()
		h.t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx) }()
	r := &running{addr: ln.Addr().String(), metrics: mln.Addr().String()}
	var once sync.Once
	r.stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				h.t.Errorf("bot stopped with %v", err)
			}
		})
	}
	h.t.Cleanup(r.stop)
	// Ready once the commands are set (the first thing Run does).
	if !h.fake.WaitFor(5*time.Second, func() bool {
		url, _ := h.fake.Webhook()
		return len(h.fake.Commands()) > 0 && (webhook == "" || url != "")
	}) {
		h.t.Fatal("bot did not start")
	}
	return r
}

func (h *harness) invite(unit string, role dialogs.Role) string {
	h.t.Helper()
	tok, err := h.db.CreateInvite(context.Background(), store.Invite{Campaign: campaigns.BuiltinID, Unit: unit, Role: role, ExpiresAt: now.Add(time.Hour)}, 0, now)
	if err != nil {
		h.t.Fatal(err)
	}
	return tok
}

// member is a phone whose user redeemed an invite for unit.
func (h *harness) member(user int64, name, unit string) *telegramtest.Phone {
	h.t.Helper()
	p := h.fake.Phone(h.t, user, name)
	p.Say("/start "+h.invite(unit, dialogs.Filler)).Expect("欢迎！您已登记为", "请选择要填写的表格")
	return p
}

func (h *harness) count(q string, args ...any) int {
	h.t.Helper()
	var n int
	db := h.db
	if h.direct != nil {
		db = h.direct
	}
	if err := db.GetContext(context.Background(), &n, q, args...); err != nil {
		h.t.Fatal(err)
	}
	return n
}

func TestInviteThenFillA3WithButtonsAndSubmit(t *testing.T) {
	h := newHarness(t)
	r := h.start("")
	if cmds := h.fake.Commands(); len(cmds) < 6 || cmds[0]["command"] != "start" || cmds[0]["description"] == "" {
		t.Errorf("setMyCommands: %v", cmds)
	}
	p := h.member(1001, "张三", "330106")
	p.Expect("欢迎！您已登记为西湖区的填报人。", "附件3 2018-2022年小微企业园建设规划目标", "还剩 3 天")
	home := p.Screen()
	p.Press("附件3").Expect("按建设方式 · 新建成（家）（第 1/9 项）")
	// The pressed message became the question: edited, not piled up.
	if m := h.fake.Message(1001, home.ID); m == nil || m.Edits != 1 || !strings.Contains(m.Text, "新建成（家）") {
		t.Errorf("the home message was not edited into the question: %+v", m)
	}
	p.Say("5").Expect("改造提升（家）（第 2/9 项）")
	p.Say("3").Expect("请确认").Press("确认无误").Expect("生产制造类 · 园区数量（个）")
	for _, v := range []string{"6", "600", "1200", "2", "12万平方米", "300", "2000"} {
		p.Say(v)
		p.Expect("✔")
	}
	p.Expect("请核对已填内容", "全部填写完毕").Press("✅ 提交").Expect("已提交《附件3 2018-2022年小微企业园建设规划目标》（第 1 版）")
	if n := h.count(`SELECT count(*) FROM drafts WHERE unit_code = '330106' AND form_id = 'a3' AND status = 'submitted'`); n != 1 {
		t.Errorf("a3 not submitted")
	}
	if n := h.count(`SELECT count(*) FROM answers WHERE unit_code = '330106' AND form_id = 'a3'`); n != 9 {
		t.Errorf("%d answers stored, want 9", n)
	}
	// Every callback was answered, so no spinner is left turning.
	if a, ok := h.fake.Answer(p.LastCB); !ok || a.Text != "" {
		t.Errorf("last callback answer: %+v %v", a, ok)
	}
	// One contact alone: every turn started from the last one's copy (the
	// first from the session the invite made), none read first or locked.
	turns := metric(t, r.metrics, "tianbao_turns_total")
	if turns[`path="read"`] != 0 || turns[`path="locked"`] != 0 || turns[`path="cached"`] != 13 {
		t.Errorf("turns by path: %v", turns)
	}
}

// metric reads a counter's series from a bot's /metrics, by their labels.
func metric(t *testing.T, addr, name string) map[string]float64 {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	out := map[string]float64{}
	for _, line := range strings.Split(string(body), "\n") {
		rest, ok := strings.CutPrefix(line, name+"{")
		if !ok {
			continue
		}
		labels, value, _ := strings.Cut(rest, "} ")
		v, err := strconv.ParseFloat(value, 64)
		if err != nil {
			t.Fatalf("%s: %v", line, err)
		}
		out[labels] = v
	}
	return out
}

func TestStrangerGetsOnePoliteExplanation(t *testing.T) {
	h := newHarness(t)
	h.start("")
	p := h.fake.Phone(t, 2002, "路人")
	p.Say("/start").Expect("只为受邀的各地联系人服务")
	p.Say("你好")
	time.Sleep(300 * time.Millisecond)
	if got := h.fake.EventCount(2002); got != 1 {
		t.Errorf("a stranger got %d messages, want one explanation", got)
	}
	p.Say("/start not-a-real-token").Expect("这个邀请链接无效")
	// Trying link after link is answered once in ten minutes, not each time (D19).
	p.Say("/start another-guess")
	time.Sleep(300 * time.Millisecond)
	if got := h.fake.EventCount(2002); got != 2 {
		t.Errorf("a stranger guessing links got %d messages, want 2", got)
	}
	if n := h.count(`SELECT count(*) FROM contacts WHERE telegram_user_id = 2002`); n != 0 {
		t.Errorf("a stranger became a contact")
	}
	// An invite works once.
	tok := h.invite("330106", dialogs.Filler)
	h.fake.Phone(t, 2003, "甲").Say("/start " + tok).Expect("欢迎")
	h.fake.Phone(t, 2004, "乙").Say("/start " + tok).Expect("这个邀请链接已经被使用过了")
	// An expired one does not.
	expired, err := h.db.CreateInvite(context.Background(), store.Invite{Campaign: campaigns.BuiltinID, Unit: "330106", Role: dialogs.Filler, ExpiresAt: now.Add(-time.Minute)}, 0, now.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	h.fake.Phone(t, 2005, "丙").Say("/start " + expired).Expect("这个邀请链接已过期")
	// Tokens are stored hashed.
	if n := h.count(`SELECT count(*) FROM invites WHERE position(convert_to($1, 'UTF8') in token_hash) > 0`, tok); n != 0 {
		t.Errorf("a token is stored in clear")
	}
}

func TestStaleAndForgedButtons(t *testing.T) {
	h := newHarness(t)
	h.start("")
	a := h.member(3001, "张三", "330106")
	b := h.member(3002, "李四", "330102")
	homeA := a.Screen()
	a.Press("附件3").Expect("新建成（家）")
	a.Say("5").Expect("改造提升（家）")
	// The start screen's button again: it opens the form whenever (the
	// form is its item, not the screen), where the draft stands.
	a.PressData(homeA.ID, homeA.Buttons[2][0].CallbackData)
	a.Expect("改造提升（家）（第 2/9 项）")
	if ans, ok := h.fake.Answer(a.LastCB); !ok || ans.Text != "" {
		t.Errorf("a start screen's button again answered %+v", ans)
	}
	// A button of a screen that has moved on (its number is old): stale.
	placeA, _, _ := dialogs.Bound(homeA.Buttons[2][0].CallbackData)
	a.PressData(homeA.ID, dialogs.Bind(placeA, "1:open:2"))
	a.Expect("改造提升（家）（第 2/9 项）")
	if ans, ok := h.fake.Answer(a.LastCB); !ok || ans.Text != "此按钮已失效，请按最新的提问操作。" {
		t.Errorf("stale press answered %+v", ans)
	}
	// B presses a button made for A's screen: it names A's place, which
	// is not B's, so nothing is done (and nothing is written into B's
	// chat but the refusal).
	events := h.fake.EventCount(3002)
	b.PressData(b.Screen().ID, homeA.Buttons[2][0].CallbackData)
	if !h.fake.WaitFor(5*time.Second, func() bool {
		ans, ok := h.fake.Answer(b.LastCB)
		return ok && ans.Text == "此按钮不属于您的填报，未执行。"
	}) {
		t.Errorf("a press of another person's button was not refused")
	}
	if n := h.fake.EventCount(3002); n != events {
		t.Errorf("another person's button made %d messages in B's chat", n-events)
	}
	// Without the place it names (as a hand-made one, or one from before
	// places were named), it acts on B's own current place at most.
	_, bare, _ := dialogs.Bound(homeA.Buttons[2][0].CallbackData)
	b.PressData(b.Screen().ID, bare)
	b.Expect("附件3")
	b.Say("/start").Expect("上城区")
	b.PressData(b.Screen().ID, "inv:r:330106:reviewer")
	b.Expect("您只能邀请本单位及下级单位的联系人。")
	if n := h.count(`SELECT count(*) FROM invites WHERE created_by IS NOT NULL`); n != 0 {
		t.Errorf("a filler made an invite")
	}
	if n := h.count(`SELECT count(*) FROM answers WHERE unit_code = '330102'`); n != 0 {
		t.Errorf("B's unit got answers from forged buttons")
	}
	if n := h.count(`SELECT count(*) FROM answers WHERE unit_code = '330106'`); n != 1 {
		t.Errorf("A's unit has %d answers, want 1", n)
	}
}

func TestRedeliveredUpdateAppliedOnce(t *testing.T) {
	h := newHarness(t)
	h.start("")
	p := h.member(4001, "张三", "330106")
	p.Press("附件3").Expect("新建成（家）")
	p.Say("5").Expect("改造提升（家）")
	events := h.fake.EventCount(4001)
	h.fake.Redeliver(p.LastRaw)
	p.Say("3").Expect("请确认")
	if n := h.count(`SELECT count(*) FROM audit_log WHERE unit_code = '330106' AND target = 'main//built'`); n != 1 {
		t.Errorf("the redelivered answer was applied %d times", n)
	}
	// The replies of the first delivery went out, so nothing is sent again.
	for _, e := range h.fake.Events(4001, events) {
		if strings.Contains(e.Text, "✔ 按建设方式 · 新建成（家）") {
			t.Errorf("the redelivery was answered again: %q", e.Text)
		}
	}
}

func TestTwoFastTapsAppliedInOrder(t *testing.T) {
	h := newHarness(t)
	p := h.fake.Phone(t, 5001, "张三")
	p.Say("/start " + h.invite("330106", dialogs.Filler))
	// Everything arrives before the bot starts: one batch, one chat.
	h.start("")
	p.Expect("欢迎")
	p.Press("附件3").Expect("新建成（家）")
	p.Say("5")
	p.Say("0")
	p.Say("7")
	p.Expect("占地面积（亩）（第 4/9 项）")
	var got []string
	if err := h.db.SelectContext(context.Background(), &got, `SELECT field_id || '=' || value FROM answers WHERE unit_code = '330106' ORDER BY updated_at, field_id`); err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, ",") != "built=5,upgraded=0,mfg_count=7" {
		t.Errorf("answers %v, want built=5, upgraded=0, mfg_count=7 in that order", got)
	}
	// Two quick taps on the same button: the first applies, the second is
	// stale and changes nothing.
	p.Say("/back").Expect("生产制造类 · 园区数量（个）（第 3/9 项）", "当前答案：7")
	q := p.Screen()
	data := buttonData(t, q, "保留当前答案")
	p.PressData(q.ID, data)
	first := p.LastCB
	p.PressData(q.ID, data)
	p.Expect("占地面积（亩）（第 4/9 项）")
	if !h.fake.WaitFor(5*time.Second, func() bool { _, ok := h.fake.Answer(p.LastCB); return ok }) {
		t.Fatal("second tap not answered")
	}
	if a, _ := h.fake.Answer(first); a.Text != "" {
		t.Errorf("first tap answered %q", a.Text)
	}
	if a, _ := h.fake.Answer(p.LastCB); a.Text != "此按钮已失效，请按最新的提问操作。" {
		t.Errorf("second tap answered %q", a.Text)
	}
}

func TestWebhookSecretAndTwoReplicas(t *testing.T) {
	h := newHarness(t)
	const secret = "s3cret-of-the-webhook"
	r1 := h.start(secret)
	r2 := h.start(secret)
	url1, got := h.fake.Webhook()
	if got != secret || !strings.HasSuffix(url1, "/telegram/hook") {
		t.Fatalf("setWebhook: %q %q", url1, got)
	}
	ctx := context.Background()
	post := func(addr, secret string, update map[string]any) int {
		t.Helper()
		code, err := h.fake.PostWebhook(ctx, "http://"+addr+"/telegram/hook", secret, h.fake.Update(update))
		if err != nil {
			t.Fatal(err)
		}
		return code
	}
	p := h.fake.Phone(t, 6001, "张三")
	if code := post(r1.addr, "wrong", p.TextUpdate("/start "+h.invite("330106", dialogs.Filler))); code != http.StatusUnauthorized {
		t.Errorf("wrong secret: HTTP %d, want 401", code)
	}
	if code := post(r1.addr, "", p.TextUpdate("/start")); code != http.StatusUnauthorized {
		t.Errorf("no secret: HTTP %d, want 401", code)
	}
	if n := h.count(`SELECT count(*) FROM contacts WHERE telegram_user_id = 6001`) + h.fake.EventCount(6001); n != 0 {
		t.Fatalf("a request with a wrong secret changed something")
	}
	// One chat's updates, alternately to two replicas on one database.
	addrs := []string{r1.addr, r2.addr}
	steps := []map[string]any{p.TextUpdate("/start " + h.invite("330106", dialogs.Filler))}
	if code := post(addrs[0], secret, steps[0]); code != http.StatusOK {
		t.Fatalf("webhook: HTTP %d", code)
	}
	// 200 once applied; the reply follows from the lane.
	h.fake.WaitFor(5*time.Second, func() bool { return p.Screen() != nil })
	home := p.Screen()
	post(addrs[1], secret, p.PressUpdate(home.ID, home.Buttons[2][0].CallbackData))
	for i, v := range []string{"5", "0", "5", "600", "300", "0", "0", "0", "400"} {
		if code := post(addrs[i%2], secret, p.TextUpdate(v)); code != http.StatusOK {
			t.Fatalf("webhook step %d: HTTP %d", i, code)
		}
	}
	if n := h.count(`SELECT count(*) FROM answers WHERE unit_code = '330106' AND form_id = 'a3'`); n != 9 {
		t.Errorf("%d answers after alternating replicas, want 9", n)
	}
	h.fake.WaitFor(5*time.Second, func() bool {
		return strings.Contains(h.fake.Events(6001, 0)[h.fake.EventCount(6001)-1].Text, "全部填写完毕")
	})
	if !strings.Contains(p.Text(), "全部填写完毕") && !strings.Contains(h.fake.Events(6001, 0)[h.fake.EventCount(6001)-1].Text, "全部填写完毕") {
		t.Errorf("not at the review: %q", h.fake.Events(6001, 0)[h.fake.EventCount(6001)-1].Text)
	}
	// Metrics (apart, never on the webhook's port) and health on both.
	for i, r := range []*running{r1, r2} {
		addr := addrs[i]
		if resp, err := http.Get("http://" + addr + "/metrics"); err != nil || resp.StatusCode != http.StatusNotFound {
			t.Errorf("/metrics on the public port: %v %v", resp, err)
		} else {
			resp.Body.Close()
		}
		resp, err := http.Get("http://" + r.metrics + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(body), "tianbao_updates_total") || !strings.Contains(string(body), "tianbao_update_duration_seconds_bucket") {
			t.Errorf("metrics of %s lack the series", addr)
		}
		resp, err = http.Get("http://" + addr + "/healthz")
		if err != nil || resp.StatusCode != 200 {
			t.Errorf("healthz: %v %v", resp, err)
		}
		resp.Body.Close()
	}
}

func TestDocumentUpload(t *testing.T) {
	h := newHarness(t)
	h.start("")
	p := h.member(7001, "张三", "330106")
	p.Press("附件4").Expect("规划编制方式（第 1/2 项）").Press("本地单独编制").Expect("正式规划文本（第 2/2 项）")
	p.Upload("规划.pdf", "application/pdf", []byte("just some text, not a pdf")).Expect("文件类型不符：「规划.pdf」的类型无法识别")
	p.Photo([]byte("\xff\xd8\xff\xe0 a photo")).Expect("文件类型不符：「照片.jpg」看起来是 jpg 文件")
	p.Upload("西湖区小微企业园五年规划.docx", "application/octet-stream", docx(t)).Expect("✔ 正式规划文本：西湖区小微企业园五年规划.docx", "2018年（基期）")
	var name, kind string
	if err := h.db.QueryRowContext(context.Background(), `SELECT name, kind FROM files WHERE unit_code = '330106' ORDER BY id DESC LIMIT 1`).Scan(&name, &kind); err != nil {
		t.Fatal(err)
	}
	if name != "西湖区小微企业园五年规划.docx" || kind != "docx" {
		t.Errorf("stored file %q (%s)", name, kind)
	}
	// A PDF that calls itself a .docx is stored as what it is; a name with
	// NUL and a right-to-left override is stored cleaned (D2, D16).
	p.Say("/back").Expect("正式规划文本（第 2/2 项）")
	p.Upload("规划\x00\u202efdp.docx", "application/pdf", []byte("%PDF-1.7 plan")).Expect("✔ 正式规划文本：规划fdp.pdf")
	if err := h.db.QueryRowContext(context.Background(), `SELECT name, kind FROM files WHERE unit_code = '330106' ORDER BY id DESC LIMIT 1`).Scan(&name, &kind); err != nil {
		t.Fatal(err)
	}
	if name != "规划fdp.pdf" || kind != "pdf" {
		t.Errorf("stored file %q (%s)", name, kind)
	}
	for _, e := range h.fake.Events(7001, 0) {
		if strings.Contains(e.Text, "抱歉") {
			t.Errorf("apology: %q", e.Text)
		}
	}
}

// TestNULAndInvisibleText: a NUL in a typed answer or in a Telegram name
// never reaches PostgreSQL (which refuses it): the answer is stored
// cleaned, the name too, and nobody gets an apology; a text of invisible
// characters only is refused as empty (D2, D5).
func TestNULAndInvisibleText(t *testing.T) {
	h := newHarness(t)
	h.start("")
	p := h.fake.Phone(t, 7011, "张\x00三")
	p.Say("/start " + h.invite("330106", dialogs.Filler)).Expect("欢迎！您已登记为西湖区的填报人。")
	if n := h.count(`SELECT count(*) FROM contacts WHERE telegram_user_id = 7011 AND display_name = '张三'`); n != 1 {
		t.Errorf("the contact with a NUL in its name was not registered as 张三")
	}
	p.Press("附件1").Expect("机构名称")
	p.Say("\u200b\u200b\u200b\u200b").Expect("「机构名称」不能为空")
	p.Say("西湖区\x00联席会议").Expect("✔ 机构名称：西湖区联席会议")
	for _, e := range h.fake.Events(7011, 0) {
		if strings.Contains(e.Text, "抱歉") {
			t.Errorf("apology: %q", e.Text)
		}
	}
}

func docx(t *testing.T) []byte { return dialogtest.Docx() }

// TestGracefulStopFinishesInFlight stops the bot (SIGTERM) while a reply is
// on its way: the reply still goes out, once, and a restart neither applies
// the update again nor repeats the reply.
func TestGracefulStopFinishesInFlight(t *testing.T) {
	h := newHarness(t)
	r := h.start("")
	p := h.member(8001, "张三", "330106")
	p.Press("附件3").Expect("新建成（家）")
	sends := h.fake.Calls("sendMessage")
	h.fake.Delay("sendMessage", 700*time.Millisecond)
	p.Say("5")
	if !h.fake.WaitFor(5*time.Second, func() bool { return h.fake.Calls("sendMessage") > sends }) {
		t.Fatal("no reply in flight")
	}
	r.stop()
	h.fake.Delay("sendMessage", 0)
	p.Expect("改造提升（家）")
	before := h.fake.EventCount(8001)
	h.start("")
	p.Say("0").Expect("生产制造类 · 园区数量")
	for _, e := range h.fake.Events(8001, before) {
		if strings.Contains(e.Text, "✔ 按建设方式 · 新建成（家）") {
			t.Errorf("the reply was sent again after the restart")
		}
	}
	if n := h.count(`SELECT count(*) FROM audit_log WHERE target = 'main//built'`); n != 1 {
		t.Errorf("applied %d times", n)
	}
}

func TestSendFailuresAreRetried(t *testing.T) {
	h := newHarness(t)
	h.start("")
	p := h.member(8101, "张三", "330106")
	p.Press("附件3").Expect("新建成（家）")
	// The Bot API fails the next sends: the update is retried until the
	// recorded reply goes out; the answer is applied once.
	h.fake.FailNext("sendMessage", 6)
	p.Say("5").Expect("改造提升（家）")
	if n := h.count(`SELECT count(*) FROM audit_log WHERE target = 'main//built'`); n != 1 {
		t.Errorf("applied %d times", n)
	}
	// A user who blocked the bot is marked unreachable, and nothing is retried.
	h.fake.Block(8101)
	p.Say("0")
	if !h.fake.WaitFor(5*time.Second, func() bool {
		return h.count(`SELECT count(*) FROM contacts WHERE telegram_user_id = 8101 AND unreachable_at IS NOT NULL`) == 1
	}) {
		t.Errorf("a blocked contact was not marked unreachable")
	}
}

func TestReviewerInvitesInChat(t *testing.T) {
	h := newHarness(t)
	h.start("")
	r := h.fake.Phone(t, 8201, "李四")
	r.Say("/start " + func() string {
		tok, err := h.db.CreateInvite(context.Background(), store.Invite{Campaign: campaigns.BuiltinID, Unit: "330100", Role: dialogs.Reviewer, ExpiresAt: now.Add(time.Hour)}, 0, now)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}()).Expect("欢迎！您已登记为杭州市的审核人。")
	r.Say("/invite").Expect("要邀请哪个单位的联系人？")
	r.Press("西湖区").Expect("邀请西湖区的：")
	r.Press("填报人").Expect("请把下面的邀请链接发给西湖区的填报人", "https://t.me/"+telegramtest.BotUsername+"?start=")
	text := r.Text()
	link := text[strings.Index(text, "https://t.me/"):]
	tok := strings.TrimSpace(link[strings.Index(link, "start=")+len("start="):])
	h.fake.Phone(t, 8202, "王五").Say("/start " + tok).Expect("欢迎！您已登记为西湖区的填报人。")
	// Outside the subtree: refused, even with a hand-made button.
	r.PressData(r.Screen().ID, "inv:r:330200:filler")
	r.Expect("您只能邀请本单位及下级单位的联系人。")
	// A role the menu does not offer for the unit: a county has no
	// reviewers (its city reviews it), and nobody mints admins in the chat.
	for _, forged := range []string{"inv:r:330106:reviewer", "inv:r:330100:admin", "inv:r:330106:boss"} {
		menu := r.Say("/invite").Expect("要邀请哪个单位的联系人？").Screen()
		r.PressData(menu.ID, forged)
		r.Expect("您只能邀请本单位及下级单位的联系人。")
	}
	if n := h.count(`SELECT count(*) FROM invites WHERE role <> 'filler' AND created_by IS NOT NULL`); n != 0 {
		t.Errorf("%d invites with a role the menu never offered", n)
	}
	r.Say("/invite").Expect("要邀请哪个单位的联系人？")
	r.Press("杭州市").Expect("邀请杭州市的：")
	r.Press("审核人").Expect("请把下面的邀请链接发给杭州市的审核人")
	// A filler has no /invite.
	f := h.member(8203, "赵六", "330106")
	f.Say("/invite").Expect("只有审核人可以邀请联系人。")
}

// TestCountyCityProvinceThroughTelegram is the whole path on phones: a
// county submits, the city returns it with a reason and a flagged field,
// the county corrects and resubmits, the city sees the change and
// approves, forwards the package, and the province approves it.
func TestCountyCityProvinceThroughTelegram(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	dialogtest.InstallMini(t, h.db)
	h.start("")
	join := func(user int64, name, unit string, role dialogs.Role) *telegramtest.Phone {
		tok, err := h.db.CreateInvite(ctx, store.Invite{Campaign: "mini", Unit: unit, Role: role, ExpiresAt: now.Add(time.Hour)}, 0, now)
		if err != nil {
			t.Fatal(err)
		}
		p := h.fake.Phone(t, user, name)
		p.Say("/start " + tok).Expect("欢迎")
		return p
	}
	city := join(9101, "杭州审核", "330100", dialogs.Reviewer)
	province := join(9102, "省办", "330000", dialogs.Admin)
	xh := join(9103, "西湖", "330106", dialogs.Filler)
	sc := join(9104, "上城", "330102", dialogs.Filler)
	fill := func(p *telegramtest.Phone, built string) {
		p.Press("附件3").Expect("新建成（家）")
		for _, v := range []string{built, "0", built, "100", "50", "0", "0", "0", "100"} {
			p.Say(v).Expect("✔")
		}
		p.Expect("全部填写完毕").Press("✅ 提交").Expect("已提交")
	}
	fill(xh, "2")
	city.Expect("【待审核】西湖区 提交了《附件3").Press("↩️ 退回").Expect("请输入退回理由")
	city.Say("新建成数量请核实").Expect("请勾选需要修改的项目")
	city.Press("☐ 按建设方式 · 新建成（家）").Expect("请勾选需要修改的项目")
	city.Press("确认退回（标记 1 项）").Expect("已退回西湖区")
	xh.Expect("被杭州市退回修改", "理由：新建成数量请核实").Press("去修改").Expect("按建设方式 · 新建成（家）", "当前答案：2 家")
	xh.Say("3").Expect("还不能提交")
	xh.Press("改：制造类园区").Expect("园区数量（个）")
	xh.Say("3").Expect("全部填写完毕").Press("✅ 提交").Expect("（第 2 版）")
	city.Expect("第 2 版", "按建设方式 · 新建成（家）：2 家 → 3 家").Press("✅ 通过").Expect("✅ 已通过：西湖区")
	xh.Expect("第 2 版已由杭州市审核通过")

	fill(sc, "1")
	city.Expect("上城区 提交了").Press("✅ 通过").Expect("✅ 已通过：上城区")
	city.Say("/forward").Expect("附件3：已审核通过 2/2").Press("📤 上报 附件3").Expect("已上报")
	province.Expect("杭州市 上报了《附件3")
	// The package's spreadsheet comes with it, as the package carries it.
	if !h.fake.WaitFor(10*time.Second, func() bool {
		for _, e := range h.fake.Events(9102, 0) {
			if e.Document != nil && strings.HasSuffix(e.Document.Name, ".xlsx") && len(e.Document.Content) > 1000 {
				return true
			}
		}
		return false
	}) {
		t.Errorf("the province did not get the package's XLSX")
	}
	province.Press("✅ 通过").Expect("✅ 已通过：杭州市")
	// The city's summary, and its chart as a photo.
	city.Say("/summary").Expect("📊 杭州市 填报进度", "西湖区：")
	city.Press("📈 进度图")
	if !h.fake.WaitFor(10*time.Second, func() bool {
		for _, e := range h.fake.Events(9101, 0) {
			if e.Document != nil && e.Document.Photo && len(e.Document.Content) > 1000 {
				return true
			}
		}
		return false
	}) {
		t.Errorf("the chart was not sent")
	}
	for _, r := range h.fake.Refused() {
		t.Errorf("Telegram would have refused: %s", r)
	}
	// The city is told, before or after its own /summary.
	if !h.fake.WaitFor(10*time.Second, func() bool {
		for _, e := range h.fake.Events(9101, 0) {
			if strings.Contains(e.Text, "汇总（第 1 次上报）已由浙江省审核通过") {
				return true
			}
		}
		return false
	}) {
		t.Errorf("the city was not told the province approved")
	}
	var history []string
	if err := h.db.SelectContext(ctx, &history, `SELECT s.unit_code || ' v' || s.version || ' ' || e.status FROM submission_events e
		JOIN submissions s ON s.id = e.submission_id WHERE s.campaign_id = 'mini' ORDER BY e.id`); err != nil {
		t.Fatal(err)
	}
	want := "330106 v1 submitted,330106 v1 returned,330106 v2 submitted,330106 v2 approved,330102 v1 submitted,330102 v1 approved,330100 v1 submitted,330100 v1 approved"
	if strings.Join(history, ",") != want {
		t.Errorf("history:\n%s\nwant:\n%s", strings.Join(history, ","), want)
	}
}

// TestReminderScheduleInServe: with reminders on, a started bot takes the
// schedule's lead and catches up the slot of the morning: the county's
// contact gets a reminder that opens the form.
func TestReminderScheduleInServe(t *testing.T) {
	h := newHarness(t)
	h.reminders = true
	p := h.fake.Phone(t, 9401, "张三")
	tok := h.invite("330106", dialogs.Filler)
	if _, err := h.db.RedeemInvite(context.Background(), tok, 9401, 9401, "张三", now); err != nil {
		t.Fatal(err)
	}
	h.start("")
	p.Expect("⏰ 填报提醒：西湖区", "截止 12月5日，还剩 3 天")
	p.Press("填写 附件3").Expect("按建设方式 · 新建成（家）")
}

// TestDatabaseConnectionsDropped: every connection the bot holds is cut
// (a database restart or failover, as the bot sees it) while a contact is
// mid-form. The next answers are applied once each, the ones before stay,
// and the contact is not told anything failed.
func TestDatabaseConnectionsDropped(t *testing.T) {
	h := newHarness(t)
	h.start("")
	p := h.member(7101, "张三", "330106")
	p.Press("附件3").Say("5").Expect("改造提升（家）（第 2/9 项）")
	var cut int
	if err := h.db.GetContext(context.Background(), &cut, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE datname = current_database() AND pid <> pg_backend_pid()`); err != nil || cut == 0 {
		t.Fatalf("cut %d connections: %v", cut, err)
	}
	p.Say("0").Expect("生产制造类 · 园区数量（个）")
	p.Say("2").Expect("占地面积")
	// The test reads through the same pool: let go of the cut connections
	// still idle in it (each would fail once, as it did for the bot).
	h.db.SetMaxIdleConns(0)
	h.db.SetMaxIdleConns(32)
	if n := h.count(`SELECT count(*) FROM answers WHERE unit_code = '330106' AND form_id = 'a3'`); n != 3 {
		t.Errorf("%d answers stored, want 3", n)
	}
	for _, e := range h.fake.Events(7101, 0) {
		if strings.Contains(e.Text, "抱歉") {
			t.Errorf("the contact was told something failed: %q", e.Text)
		}
	}
}
