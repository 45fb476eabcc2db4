package wecombot_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"tianbao/bot"
	"tianbao/bot/telegramtest"
	"tianbao/campaign"
	"tianbao/campaigns"
	"tianbao/reminders"
	"tianbao/reports"
	"tianbao/store"
	"tianbao/store/storetest"
	"tianbao/webapp"
	"tianbao/wecom"
	"tianbao/wecom/wecomtest"
	"tianbao/wecombot"
)

func TestMain(m *testing.M) { storetest.Main(m) }

var shanghai, _ = time.LoadLocation("Asia/Shanghai")

// now is three days before the counties' deadline (the engine's clock; WeCom's
// and the sessions' run on real time).
var now = time.Date(2018, 12, 2, 10, 0, 0, 0, shanghai)

// harness is tianbao served with WeCom alone (Telegram off), against the
// strict fake of WeCom.
type harness struct {
	t    *testing.T
	fake *wecomtest.Server
	app  *wecomtest.App
	db   *store.DB
	reg  *campaigns.Registry
	camp *campaign.Campaign
	ch   *wecombot.Channel
	addr string // host:port of the server (the app's trusted domain)
	stop func()
	tg   *telegramtest.Server // Telegram beside WeCom (nil: Telegram off)
}

// tgToken is the Telegram bot's token when Telegram is on beside WeCom.
const tgToken = "7700:wecom-beside"

// newHarness serves WeCom alone (Telegram off).
func newHarness(t *testing.T) *harness { return start(t, false) }

// withTelegram serves Telegram beside WeCom.
func withTelegram(t *testing.T) *harness { return start(t, true) }

func start(t *testing.T, telegram bool) *harness {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	fake := wecomtest.New()
	t.Cleanup(fake.Close)
	app := fake.AddApp(wecomtest.App{Name: "填报助手", CallbackURL: "http://" + addr + wecombot.CallbackPath, TrustedDomain: addr})
	db := storetest.NewDB(t)
	reg := campaigns.NewRegistry(db)
	ctx, cancel := context.WithCancel(context.Background())
	camp, err := reg.Campaign(ctx, campaigns.BuiltinID)
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, fake: fake, app: app, db: db, reg: reg, camp: camp, addr: addr}
	client, err := wecom.New(wecom.Config{CorpID: fake.CorpID, AgentID: app.AgentID, Secret: app.Secret, BaseURL: fake.URL, OAuthURL: fake.URL})
	if err != nil {
		t.Fatal(err)
	}
	recv, err := wecom.NewReceiver(app.Token, app.AESKey, fake.CorpID, app.AgentID)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if os.Getenv("TIANBAO_TEST_LOG") != "" {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	clock := func() time.Time { return now }
	h.ch, err = wecombot.New(ctx, wecombot.Config{Client: client, Receiver: recv, PublicURL: "http://" + addr, Now: clock, Log: log,
		Summaries: reports.Summarizer{DB: db}, Nudges: reminders.Nudger{DB: db}}, db, reg)
	if err != nil {
		t.Fatal(err)
	}
	cfg := bot.Config{Listener: ln, Now: clock, Log: log, NoReminders: true, Summaries: reports.Summarizer{DB: db},
		Nudges: reminders.Nudger{DB: db}, Channels: []bot.Channel{h.ch}, DeskSessions: []webapp.Session{h.ch}}
	if telegram {
		h.tg = telegramtest.NewServer(tgToken)
		t.Cleanup(h.tg.Close)
		cfg.Token, cfg.APIURL, cfg.PollTimeout, cfg.PollRetry = tgToken, h.tg.URL, time.Second, 200*time.Millisecond
	}
	b, err := bot.New(ctx, cfg, db, reg)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx) }()
	var once sync.Once
	h.stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("the server stopped with %v", err)
			}
		})
	}
	t.Cleanup(h.stop)
	for i := 0; ; i++ {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if i > 100 {
			t.Fatal("the server did not start")
		}
		time.Sleep(50 * time.Millisecond)
	}
	return h
}

// url is an address on the server.
func (h *harness) url(path string) string { return "http://" + h.addr + path }

// enrol enrols members from an enrolment file's text, as `tianbao wecom
// enrol` does, adding each to WeCom's address book.
func (h *harness) enrol(file string) []store.Enrolled {
	h.t.Helper()
	list, probs := wecombot.ParseEnrolment(strings.NewReader(file), h.camp)
	if len(probs) > 0 {
		h.t.Fatalf("enrolment file: %v", probs)
	}
	for _, e := range list {
		h.fake.AddMember(e.UserID, e.Name)
	}
	done, err := h.db.EnrolWeCom(context.Background(), h.camp.ID, list, wecombot.Welcome(h.camp))
	if err != nil {
		h.t.Fatal(err)
	}
	h.ch.Poke()
	return done
}

// noViolations: WeCom cut, dropped or defaulted nothing the app sent.
func (h *harness) noViolations() {
	h.t.Helper()
	if v := h.fake.Violations(); len(v) > 0 {
		h.t.Errorf("WeCom would have cut or dropped what the app sent:\n%s", strings.Join(v, "\n"))
	}
}

func (h *harness) count(q string, args ...any) int {
	h.t.Helper()
	var n int
	if err := h.db.GetContext(context.Background(), &n, q, args...); err != nil {
		h.t.Fatal(err)
	}
	return n
}

// phone plays a member in the app: what they send, press and read.
type phone struct {
	h    *harness
	m    *wecomtest.Member
	seen int // messages read so far
}

func (h *harness) phone(userID string) *phone {
	return &phone{h: h, m: h.fake.Member(userID)}
}

// show is a received message as the member reads it.
func show(r wecomtest.Received) string {
	switch {
	case r.Template != nil:
		var b strings.Builder
		b.WriteString(r.Template.Title + "\n" + r.Template.SubTitle)
		for _, x := range r.Template.Buttons {
			b.WriteString("\n[" + x.Text + "]")
		}
		return b.String()
	case r.Card != nil:
		return r.Card.Title + "\n" + r.Card.Description
	}
	return r.Text
}

// expect waits for a message, among those not read yet, that says every
// one of want; the messages up to it are read.
func (p *phone) expect(want ...string) wecomtest.Received {
	p.h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	for n := p.seen + 1; ; n++ {
		got, err := p.m.WaitReceived(ctx, n)
		if err != nil {
			var all []string
			for _, r := range got[min(p.seen, len(got)):] {
				all = append(all, show(r))
			}
			p.h.t.Fatalf("%s never read %q; got:\n%s", p.m.UserID, want, strings.Join(all, "\n---\n"))
		}
		r := got[n-1]
		text := show(r)
		ok := true
		for _, w := range want {
			ok = ok && strings.Contains(text, w)
		}
		if ok {
			p.seen = n
			return r
		}
	}
}

// say sends the app a text, which WeCom delivers to the callback.
func (p *phone) say(text string) *phone {
	p.h.t.Helper()
	d, err := p.m.Send(context.Background(), text)
	if err != nil || d.Status != http.StatusOK {
		p.h.t.Fatalf("%s said %q: %v (%+v)", p.m.UserID, text, err, d)
	}
	return p
}

// press presses the button of the newest card that shows label (in full, or
// numbered: "3 附件3…").
func (p *phone) press(label string) *phone {
	p.h.t.Helper()
	got := p.m.Received()
	for i := len(got) - 1; i >= 0; i-- {
		t := got[i].Template
		if t == nil {
			continue
		}
		for _, b := range t.Buttons {
			if b.Key != "" && (b.Text == label || fitsNumbered(b.Text, label)) {
				d, err := p.m.Press(context.Background(), t.TaskID, b.Key)
				if err != nil || d.Status != http.StatusOK {
					p.h.t.Fatalf("%s pressed %q: %v (%+v)", p.m.UserID, label, err, d)
				}
				return p
			}
		}
	}
	p.h.t.Fatalf("%s has no card with a button %q", p.m.UserID, label)
	return p
}

// fitsNumbered: a numbered button "3 补填：完成…" shows the beginning of label.
func fitsNumbered(text, label string) bool {
	_, rest, ok := strings.Cut(text, " ")
	if !ok {
		return false
	}
	rest = strings.TrimSuffix(rest, "…")
	return rest != "" && strings.HasPrefix(strings.TrimLeft(label, "✅↩️📄📤➕ "), rest)
}

// option is the number a numbered list in the member's newest messages gives
// the option that begins with label.
func (p *phone) option(label string) string {
	p.h.t.Helper()
	got := p.m.Received()
	for i := len(got) - 1; i >= 0; i-- {
		for _, line := range strings.Split(show(got[i]), "\n") {
			n, rest, ok := strings.Cut(line, ". ")
			if ok && strings.HasPrefix(rest, label) {
				return n
			}
		}
	}
	p.h.t.Fatalf("%s was shown no option %q", p.m.UserID, label)
	return ""
}

func (p *phone) dump() string {
	var all []string
	for _, r := range p.m.Received() {
		all = append(all, fmt.Sprintf("#%d %s", r.Seq, show(r)))
	}
	return strings.Join(all, "\n---\n")
}
