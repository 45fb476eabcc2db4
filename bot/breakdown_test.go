package bot_test

// Where an update's time goes, measured: the database round trips and
// statements, Bot API calls and allocations of each kind of update through
// the whole bot (BenchmarkUpdate), and the time of each stage apart
// (BenchmarkStage: the engine's turn with its store, rendering, sending).
// TestRoundTripsPerUpdate holds the counts where they are. The README's
// "Where an update's time goes" has the figures and the command.

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"tianbao/bot"
	"tianbao/bot/telegramtest"
	"tianbao/campaigns"
	"tianbao/dialogs"
	"tianbao/reports/reportstest"
	"tianbao/store"
	"tianbao/store/storetest"
)

// The kinds of update a contact filling 附件3 sends: /start with an invite
// (start), pressing 附件3 on the home screen (press), a typed figure
// accepted (answer), and ✅ 提交 (submit).
const (
	kindStart  = "start"
	kindPress  = "press"
	kindAnswer = "answer"
	kindSubmit = "submit"
)

// updateCost is what one update cost, counted once everything it causes
// was done: its reply delivered, marked sent, and its row gone from the
// inbox.
type updateCost struct {
	kind  string
	db    storetest.Counts
	calls int      // Bot API calls for its replies (sendMessage, editMessageText, answerCallbackQuery)
	polls int      // getUpdates calls
	sql   []string // the statements, in order
	// onPath is the time of the round trips made before the reply came:
	// the inbox's insert and the turn's (the rest is batched after).
	onPath time.Duration
}

// e2e is the whole bot on a counting database and the fake Bot API, as
// serve runs it (polling), for one contact at a time.
type e2e struct {
	fake   *telegramtest.Server
	db     *store.DB
	count  *storetest.Counter
	camp   string
	next   int // the next unit to invite
	userID int64
}

func newE2E(tb testing.TB) *e2e {
	tb.Helper()
	ctx := context.Background()
	h := &e2e{fake: telegramtest.NewServer(token), camp: "bd-a3", userID: 300000}
	tb.Cleanup(h.fake.Close)
	h.db, h.count = storetest.NewCountingDB(tb)
	if _, _, err := campaigns.Install(ctx, h.db, reportstest.Country(tb, h.camp, 2900, 290)); err != nil {
		tb.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	cfg := bot.Config{Token: token, APIURL: h.fake.URL, Listener: ln, PollTimeout: 5 * time.Second,
		Now: func() time.Time { return now }, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), NoReminders: true}
	runCtx, stop := context.WithCancel(ctx)
	b, err := bot.New(runCtx, cfg, h.db, campaigns.NewRegistry(h.db))
	if err != nil {
		tb.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- b.Run(runCtx) }()
	tb.Cleanup(func() { stop(); <-done })
	if !h.fake.WaitFor(5*time.Second, func() bool { return len(h.fake.Commands()) > 0 }) {
		tb.Fatal("bot did not start")
	}
	return h
}

// replyCalls is how many calls the bot made for what it says.
func (h *e2e) replyCalls() int {
	return h.fake.Calls("sendMessage") + h.fake.Calls("editMessageText") + h.fake.Calls("answerCallbackQuery")
}

// fill has a new contact go from its invite to a submitted 附件3. The
// updates of kind measure (all of them: "") are counted, each once
// everything it caused was done, and timed runs around the part of each
// from its arrival at the Bot API to the bot's reply (a benchmark times
// it). Before a counted update the bot is left quiet, so that nothing of
// the one before (its marks and the inbox's deletion, batched 20 ms later)
// is counted with it.
func (h *e2e) fill(tb testing.TB, measure string, timed func(run func())) []updateCost {
	tb.Helper()
	ctx := context.Background()
	unit := fmt.Sprintf("5%05d", h.next)
	h.next++
	h.userID++
	tok, err := h.db.CreateInvite(ctx, store.Invite{Campaign: h.camp, Unit: unit, Role: dialogs.Filler, ExpiresAt: now.Add(time.Hour)}, 0, now)
	if err != nil {
		tb.Fatal(err)
	}
	p := h.fake.Phone(tb, h.userID, "联系人")
	events := h.fake.Subscribe(p.UserID)
	var costs []updateCost
	counted := func(kind string) bool { return measure == "" || measure == kind }
	step := func(kind, next string, update map[string]any, want string) telegramtest.Event {
		count := counted(kind)
		h.count.Record()
		calls0, polls0 := h.replyCalls(), h.fake.Calls("getUpdates")
		var got telegramtest.Event
		run := func() {
			h.fake.Push(update)
			for {
				select {
				case e := <-events:
					if strings.Contains(e.Text, want) {
						got = e
						return
					}
				case <-time.After(30 * time.Second):
					tb.Fatalf("contact %d: no %q; the chat shows %q", p.UserID, want, lastText(h.fake, p.UserID))
				}
			}
		}
		if count {
			timed(run)
			_, before := ofUpdate(h.count.Recorded())
			h.settle(tb)
			c := updateCost{kind: kind, calls: h.replyCalls() - calls0, polls: h.fake.Calls("getUpdates") - polls0, onPath: before.Wait}
			c.sql, c.db = ofUpdate(h.count.Recorded())
			costs = append(costs, c)
		} else {
			run()
		}
		if next != "" && counted(next) {
			h.quiet(tb)
		}
		return got
	}
	home := step(kindStart, kindPress, p.TextUpdate("/start "+tok), "请选择要填写的表格")
	step(kindPress, kindAnswer, p.PressUpdate(home.MessageID, home.Buttons[2][0].CallbackData), "新建成（家）")
	var review telegramtest.Event
	for j, v := range a3Answers {
		want, next := "第 ", kindAnswer
		if j == len(a3Answers)-1 {
			want, next = "全部填写完毕", kindSubmit
		}
		review = step(kindAnswer, next, p.TextUpdate(v), want)
	}
	submit := review.Buttons[len(review.Buttons)-1][0]
	step(kindSubmit, "", p.PressUpdate(review.MessageID, submit.CallbackData), "已提交")
	return costs
}

// The statements by which an update's work is known to be done.
const (
	sqlInboxDone = "DELETE FROM inbox WHERE bot_id = $1 AND update_id = ANY($2)"
	sqlMarkSent  = "UPDATE processed_inputs SET sent = true WHERE key = ANY($1)"
)

// settle waits until the update's batched writes were made: its row
// deleted from the inbox and its replies marked sent.
func (h *e2e) settle(tb testing.TB) {
	tb.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var rec []string
		for _, r := range h.count.Recorded() {
			rec = append(rec, r.Text)
		}
		if slices.Contains(rec, sqlInboxDone) && slices.Contains(rec, sqlMarkSent) {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("the update's writes were not made: %q", rec)
		}
		time.Sleep(time.Millisecond)
	}
}

// quiet waits until no round trip was made for longer than the batches
// gather (markEvery, 20 ms): what the last update caused is written.
func (h *e2e) quiet(tb testing.TB) {
	tb.Helper()
	deadline := time.Now().Add(10 * time.Second)
	last, since := h.count.Counts().RoundTrips, time.Now()
	for time.Since(since) < 30*time.Millisecond {
		if time.Now().After(deadline) {
			tb.Fatal("the database was never quiet")
		}
		time.Sleep(2 * time.Millisecond)
		if n := h.count.Counts().RoundTrips; n != last {
			last, since = n, time.Now()
		}
	}
}

// background tells the bot's periodic and shared work apart from an
// update's: the sender's (charging the replies sent to the bot's send
// budget, at most every half second; after a submission queued
// notifications, its claim and its look at the next due message; its
// safety net every 30 s), the sweep of unsent replies (every 5 s), the
// polling lock's check (a ping, every 2 s), and the campaign registry's
// check that the campaign was not reloaded (every 5 s, made by whichever
// update comes first).
func background(q string) bool {
	for _, p := range []string{"WITH bud AS MATERIALIZED", "SELECT extract(epoch FROM greatest(p.at", "UPDATE send_budget SET next_slot",
		"WITH due AS (", "SELECT max(version) FROM campaigns WHERE id = $1"} {
		if strings.HasPrefix(q, p) {
			return true
		}
	}
	return q == "PING"
}

// ofUpdate counts what an update made from the round trips recorded while
// it was handled, without the bot's periodic work.
func ofUpdate(rec []storetest.RoundTrip) ([]string, storetest.Counts) {
	var mine []string
	var c storetest.Counts
	for _, r := range rec {
		q := r.Text
		if background(q) {
			continue
		}
		mine = append(mine, q)
		c.RoundTrips++
		c.Wait += r.Wait
		switch {
		case q == "BEGIN":
			c.Begins++
		case q == "COMMIT":
			c.Commits++
		case q == "ROLLBACK":
			c.Rollbacks++
		case strings.HasPrefix(q, "PREPARE "):
			c.Prepares++
		case strings.HasPrefix(q, "CLOSE "):
		default:
			c.Statements++
		}
	}
	return mine, c
}

// short names a statement by its first words, for a test's message.
func short(q string) string {
	f := strings.Fields(q)
	return strings.Join(f[:min(len(f), 6)], " ")
}

// roundTripsNow are the round trips (without preparing a statement on a
// connection new to it) and statements each kind of update makes now, all
// of it outside transactions: the inbox's insert, the turn's one save (its
// read comes from the turn cache; /start also redeems the invite and reads
// the unit's drafts for the home screen; ✅ 提交 also numbers the
// submission and reads the draft), the inbox's deletion and the mark.
// Lower them when a change saves one.
var roundTripsNow = map[string][2]int64{
	kindStart:  {6, 6},
	kindPress:  {4, 4},
	kindAnswer: {4, 4},
	kindSubmit: {6, 6},
}

// TestRoundTripsPerUpdate holds the database round trips of each kind of
// update where they are: a change that adds one fails here.
func TestRoundTripsPerUpdate(t *testing.T) {
	h := newE2E(t)
	h.fill(t, "", func(run func()) { run() }) // connections opened, statements prepared
	costs := h.fill(t, "", func(run func()) { run() })
	if len(costs) != 12 {
		t.Fatalf("%d updates counted, want 12", len(costs))
	}
	for i, c := range costs {
		var names []string
		for _, q := range c.sql {
			names = append(names, short(q))
		}
		want := roundTripsNow[c.kind]
		t.Logf("%-6s %d round trips (%d preparing), %d statements, %d calls: %s", c.kind, c.db.RoundTrips, c.db.Prepares, c.db.Statements, c.calls, strings.Join(names, " | "))
		if got := c.db.RoundTrips - c.db.Prepares; got > want[0] || c.db.Statements > want[1] || c.db.Begins > 0 {
			t.Errorf("update %d (%s): %d round trips, %d statements, %d transactions; want at most %d and %d, and none:\n%s",
				i, c.kind, got, c.db.Statements, c.db.Begins, want[0], want[1], strings.Join(c.sql, "\n"))
		}
		if wantCalls := map[string]int{kindStart: 1, kindPress: 2, kindAnswer: 1, kindSubmit: 2}[c.kind]; c.calls != wantCalls {
			t.Errorf("update %d (%s): %d Bot API calls, want %d", i, c.kind, c.calls, wantCalls)
		}
	}
}

// BenchmarkUpdate is one contact's updates of each kind through the whole
// bot (polling, the fake Bot API on loopback HTTP, PostgreSQL), the bot
// otherwise idle and warm: connections open, statements prepared, the
// contact's last turn in the turn cache. ns/op is from the update's
// arrival at the Bot API to the bot's reply there; allocs/op are this
// process's in that time, the fake Bot API's and the test's included;
// roundtrips/op (without preparing a statement on a connection new to
// it, which a bot running for a while has done) and stmts/op are counted once the update's batched writes
// were made (an update alone: under load they are shared), db-ns/op is
// their time and db-before-reply-ns/op the part of it before the reply
// came (the inbox's insert and the turn; the marks are batched after),
// calls/op are the Bot API calls of its replies.
func BenchmarkUpdate(b *testing.B) {
	h := newE2E(b)
	h.fill(b, "", func(run func()) { run() }) // warm up
	h.fill(b, "", func(run func()) { run() })
	for _, kind := range []string{kindAnswer, kindPress, kindSubmit} {
		b.Run(kind, func(b *testing.B) {
			b.ReportAllocs()
			b.StopTimer()
			var costs []updateCost
			for len(costs) < b.N {
				costs = append(costs, h.fill(b, kind, func(run func()) {
					b.StartTimer()
					run()
					b.StopTimer()
				})...)
			}
			var sum updateCost
			for _, c := range costs[:b.N] {
				sum.db.RoundTrips += c.db.RoundTrips - c.db.Prepares
				sum.db.Statements += c.db.Statements
				sum.db.Prepares += c.db.Prepares
				sum.calls += c.calls
				sum.db.Wait += c.db.Wait
				sum.onPath += c.onPath
			}
			n := float64(b.N)
			b.ReportMetric(float64(sum.db.RoundTrips)/n, "roundtrips/op")
			b.ReportMetric(float64(sum.db.Statements)/n, "stmts/op")
			b.ReportMetric(float64(sum.calls)/n, "calls/op")
			b.ReportMetric(float64(sum.db.Wait.Nanoseconds())/n, "db-ns/op")
			b.ReportMetric(float64(sum.onPath.Nanoseconds())/n, "db-before-reply-ns/op")
		})
	}
}

// engineRun is the engine as the bot wires it (store.Dialogs with a turn
// cache) on a counting database, driven directly: no Telegram, no lane.
type engineRun struct {
	db     *store.DB
	count  *storetest.Counter
	reg    *campaigns.Registry
	cache  *store.TurnCache
	engine *dialogs.Engine
	camp   string
	next   int
	keys   int
}

func newEngineRun(tb testing.TB) *engineRun {
	tb.Helper()
	e := &engineRun{camp: "bd-a3", cache: store.NewTurnCache(10000)}
	e.db, e.count = storetest.NewCountingDB(tb)
	if _, _, err := campaigns.Install(context.Background(), e.db, reportstest.Country(tb, e.camp, 2900, 290)); err != nil {
		tb.Fatal(err)
	}
	e.reg = campaigns.NewRegistry(e.db)
	e.engine = &dialogs.Engine{Store: store.Dialogs{DB: e.db, Cache: e.cache}, Campaigns: e.reg, Now: func() time.Time { return now },
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Invites: store.Invites{DB: e.db}}
	return e
}

// turnOf is one turn of the engine: its input and the replies it gave.
type turnOf struct {
	kind    string
	in      dialogs.Input
	replies []dialogs.Reply
}

// fill has a new contact go from its invite to a submitted 附件3 through
// the engine; timed runs around each Handle, given its kind.
func (e *engineRun) fill(tb testing.TB, timed func(kind string, run func())) (user int64, turns []turnOf) {
	tb.Helper()
	ctx := context.Background()
	unit := fmt.Sprintf("5%05d", e.next)
	e.next++
	user = int64(400000 + e.next)
	tok, err := e.db.CreateInvite(ctx, store.Invite{Campaign: e.camp, Unit: unit, Role: dialogs.Filler, ExpiresAt: now.Add(time.Hour)}, 0, now)
	if err != nil {
		tb.Fatal(err)
	}
	r, err := e.db.RedeemInvite(ctx, tok, user, user, "联系人", now)
	if err != nil {
		tb.Fatal(err)
	}
	e.cache.Started(dialogs.Contact{ID: r.ContactID, Campaign: r.Campaign, Unit: r.Unit, Role: r.Role, Name: "联系人", Person: r.Person, Current: r.Current}, r.SessionVersion)
	handle := func(kind string, in dialogs.Input) []dialogs.Reply {
		e.keys++
		in.ContactID, in.Places, in.Key = r.ContactID, 1, fmt.Sprintf("bench:%d", e.keys)
		var replies []dialogs.Reply
		timed(kind, func() { replies, err = e.engine.Handle(ctx, in) })
		if err != nil || len(replies) == 0 {
			tb.Fatalf("%s: %v (%d replies)", kind, err, len(replies))
		}
		turns = append(turns, turnOf{kind: kind, in: in, replies: replies})
		return replies
	}
	home := handle(kindStart, dialogs.Input{Route: dialogs.RouteCurrent, Text: "/start", Arrived: true})
	handle(kindPress, dialogs.Input{Route: dialogs.RouteSwitch, Button: home[0].Buttons[2][0].Data})
	var review []dialogs.Reply
	for _, v := range a3Answers {
		review = handle(kindAnswer, dialogs.Input{Route: dialogs.RouteCurrent, Text: v})
	}
	last := review[len(review)-1].Buttons
	submit := handle(kindSubmit, dialogs.Input{Route: dialogs.RouteSwitch, Button: last[len(last)-1][0].Data})
	if !strings.Contains(submit[0].Text, "已提交") {
		tb.Fatalf("submit says %q", submit[0].Text)
	}
	return user, turns
}

// BenchmarkStage times each stage of an update apart, by kind:
//   - engine: dialogs.Engine.Handle with its store turn (the turn cache
//     warm, so an answer or a press is its one save statement), with the
//     database's round trips it made and their time (db-ns/op);
//   - render: the engine's replies presented for the place and turned into
//     the lane's Bot API calls (bot.Render);
//   - send: those calls to the fake Bot API over loopback HTTP, JSON
//     encoding included, each a sendMessage of the reply's text and
//     keyboard (an edit costs as a send) and, for a press, the
//     answerCallbackQuery before it.
func BenchmarkStage(b *testing.B) {
	e := newEngineRun(b)
	for range 2 { // warm up: connections opened, statements prepared
		e.fill(b, func(_ string, run func()) { run() })
	}
	user, turns := e.fill(b, func(_ string, run func()) { run() })
	sample := map[string]turnOf{}
	for _, t := range turns {
		if _, ok := sample[t.kind]; !ok || t.kind == kindAnswer {
			sample[t.kind] = t // the last answer: the review, the longest
		}
	}
	kinds := []string{kindAnswer, kindPress, kindSubmit}
	for _, kind := range kinds {
		b.Run("engine/"+kind, func(b *testing.B) {
			b.ReportAllocs()
			b.StopTimer()
			var n int
			var rt, stmts int64
			var wait time.Duration
			for n < b.N {
				e.fill(b, func(k string, run func()) {
					if k != kind || n >= b.N {
						run()
						return
					}
					before := e.count.Counts()
					b.StartTimer()
					run()
					b.StopTimer()
					d := e.count.Counts().Sub(before)
					rt, stmts, wait, n = rt+d.RoundTrips-d.Prepares, stmts+d.Statements, wait+d.Wait, n+1
				})
			}
			b.ReportMetric(float64(rt)/float64(b.N), "roundtrips/op")
			b.ReportMetric(float64(stmts)/float64(b.N), "stmts/op")
			b.ReportMetric(float64(wait.Nanoseconds())/float64(b.N), "db-ns/op")
		})
	}
	ctx := context.Background()
	person, err := e.db.PersonOfTelegram(ctx, user)
	if err != nil {
		b.Fatal(err)
	}
	place := person.CurrentPlace()
	for _, kind := range kinds {
		t := sample[kind]
		pressed, callback := 0, ""
		if t.in.Button != "" {
			pressed, callback = 7, "cb"
		}
		b.Run("render/"+kind, func(b *testing.B) {
			b.ReportAllocs()
			var calls int
			for b.Loop() {
				calls = bot.Render(ctx, e.reg, person, place, user, pressed, callback, t.replies)
			}
			b.ReportMetric(float64(calls), "calls/op")
		})
	}
	fake := telegramtest.NewServer(token)
	defer fake.Close()
	p := fake.Phone(b, user, "联系人")
	api := bot.API{URL: fake.URL, Token: token, HTTP: &http.Client{}}
	for _, kind := range kinds {
		t := sample[kind]
		presented := dialogs.Present(ctx, e.reg, 1, 1, place, t.replies)
		b.Run("send/"+kind, func(b *testing.B) {
			b.ReportAllocs()
			calls := 0
			for i := 0; i < b.N; i++ {
				if t.in.Button != "" {
					b.StopTimer()
					p.Send(p.PressUpdate(0, "x")) // a query Telegram knows
					id := p.LastCB
					b.StartTimer()
					if err := api.Call(ctx, "answerCallbackQuery", map[string]string{"callback_query_id": id}, nil); err != nil {
						b.Fatal(err)
					}
					calls++
				}
				for _, r := range presented {
					if err := api.Call(ctx, "sendMessage", sendParams{ChatID: user, Text: r.Text, ReplyMarkup: markup(r.Buttons)}, nil); err != nil {
						b.Fatal(err)
					}
					calls++
				}
			}
			b.ReportMetric(float64(calls)/float64(b.N), "calls/op")
		})
	}
}

// sendParams and markup are sendMessage's parameters as the bot sends them.
type sendParams struct {
	ChatID      int64       `json:"chat_id"`
	Text        string      `json:"text"`
	ReplyMarkup *keyboardJS `json:"reply_markup,omitempty"`
}

type keyboardJS struct {
	InlineKeyboard [][]buttonJS `json:"inline_keyboard"`
}

type buttonJS struct {
	Text         string `json:"text"`
	CallbackData string `json:"callback_data,omitempty"`
}

func markup(rows [][]dialogs.Button) *keyboardJS {
	if len(rows) == 0 {
		return nil
	}
	kb := &keyboardJS{}
	for _, row := range rows {
		var r []buttonJS
		for _, b := range row {
			r = append(r, buttonJS{Text: b.Label, CallbackData: b.Data})
		}
		kb.InlineKeyboard = append(kb.InlineKeyboard, r)
	}
	return kb
}
