package bot_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"os"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"sync"
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

// a3Answers fill 附件3 without a warning: 3 = 2 + 1 parks, 100 ≥ 50 + 20.
var a3Answers = []string{"3", "0", "2", "100", "50", "1", "5", "20", "100"}

type loadResult struct {
	updates   int
	elapsed   time.Duration
	goTicks   int64 // CPU of this process while it ran (bot, fake API, contacts)
	pgTicks   int64 // CPU of PostgreSQL while it ran
	latencies []time.Duration
	byStep    map[string][]time.Duration // the same, by kind of step
}

// runLoad has n contacts go from invite to submitted 附件3 at once, each
// waiting for the bot's reply before its next message, and measures the
// time from each update's arrival at the Bot API to the bot's reply.
// pace is how simulated contacts time their messages: after a pause of
// 0.5x to 1.5x think once the reply came, or one every 0.8x to 1.2x every
// from the previous (or at once after the reply, if that came later), the
// first at a random moment within every. Neither: at once after each reply.
type pace struct {
	think, every time.Duration
}

func runLoad(b *testing.B, mode string, n int, pc pace) loadResult {
	b.StopTimer()
	ctx := context.Background()
	fake := telegramtest.NewServer(token)
	defer fake.Close()
	db := storetest.NewDB(b)
	reg := campaigns.NewRegistry(db)
	if _, _, err := campaigns.Install(ctx, db, reportstest.Country(b, "load-a3", 2900, 290)); err != nil {
		b.Fatal(err)
	}
	tokens := make([]string, n)
	for i := range tokens {
		tok, err := db.CreateInvite(ctx, store.Invite{Campaign: "load-a3", Unit: fmt.Sprintf("5%05d", i), Role: dialogs.Filler, ExpiresAt: now.Add(time.Hour)}, 0, now)
		if err != nil {
			b.Fatal(err)
		}
		tokens[i] = tok
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	cfg := bot.Config{Token: token, APIURL: fake.URL, Listener: ln, PollTimeout: 5 * time.Second,
		Now: func() time.Time { return now }, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), NoReminders: true, Workers: benchWorkers}
	if mode == "webhook" {
		fake.AllowHTTPWebhook() // the bot under test listens on plain loopback HTTP
		cfg.WebhookURL, cfg.WebhookSecret = "http://"+ln.Addr().String()+"/telegram", "load-secret"
		fake.AutoDeliver(true)
	}
	runCtx, stop := context.WithCancel(ctx)
	bb, err := bot.New(runCtx, cfg, db, reg)
	if err != nil {
		b.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- bb.Run(runCtx) }()
	defer func() { stop(); <-done }()
	if !fake.WaitFor(5*time.Second, func() bool {
		url, _ := fake.Webhook()
		return len(fake.Commands()) > 0 && (mode != "webhook" || url != "")
	}) {
		b.Fatal("bot did not start")
	}

	// Warm up first, as a bot that has been running is: connections open,
	// statements prepared on them, PostgreSQL's caches and Go's heap sized.
	// Sixteen other contacts (units at the end of the table) fill 附件3 at
	// full speed, unmeasured.
	warm := 16
	if os.Getenv("TIANBAO_BENCH_WARM") == "0" {
		warm = 0 // a bot just started
	}
	var wg sync.WaitGroup
	for i := 0; i < warm; i++ {
		tok, err := db.CreateInvite(ctx, store.Invite{Campaign: "load-a3", Unit: fmt.Sprintf("5%05d", 2899-i), Role: dialogs.Filler, ExpiresAt: now.Add(time.Hour)}, 0, now)
		if err != nil {
			b.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			fillA3(b, fake, int64(900000+i), tok, pace{}, nil)
		}()
	}
	wg.Wait()

	var mu sync.Mutex
	var res loadResult
	b.StartTimer()
	start := time.Now()
	goBefore, pgBefore := cpuTicks()
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			fillA3(b, fake, int64(100000+i), tokens[i], pc, func(lat []time.Duration, steps map[string][]time.Duration) {
				mu.Lock()
				defer mu.Unlock()
				res.latencies = append(res.latencies, lat...)
				res.updates += len(lat)
				if res.byStep == nil {
					res.byStep = map[string][]time.Duration{}
				}
				for k, v := range steps {
					res.byStep[k] = append(res.byStep[k], v...)
				}
			})
		}(i)
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	goAfter, pgAfter := cpuTicks()
	res.goTicks, res.pgTicks = goAfter-goBefore, pgAfter-pgBefore
	b.StopTimer()
	var submitted int
	if err := db.GetContext(ctx, &submitted, `SELECT count(*) FROM drafts WHERE campaign_id = 'load-a3' AND status = 'submitted'`); err != nil || submitted != n+warm {
		b.Fatalf("%d of %d contacts submitted (%v)", submitted, n+warm, err)
	}
	return res
}

// fillA3 has one contact go from its invite to a submitted 附件3, each
// message sent as pc says once the reply to the last came, and hands the
// time from each message to the bot's first reply (all, and by kind of
// step) to record, if any.
func fillA3(b *testing.B, fake *telegramtest.Server, user int64, invite string, pc pace, record func([]time.Duration, map[string][]time.Duration)) {
	p := fake.Phone(b, user, "联系人")
	events := fake.Subscribe(p.UserID)
	var lat []time.Duration
	steps := map[string][]time.Duration{}
	var next time.Time // when the next message is due (pace.every)
	if pc.every > 0 {
		next = time.Now().Add(time.Duration(rand.Int64N(int64(pc.every))))
	}
	// step sends an update and waits for the reply that contains want.
	step := func(kind string, update map[string]any, want string) telegramtest.Event {
		// Reading the question and typing the answer takes people
		// different times, not in lockstep.
		switch {
		case pc.think > 0:
			time.Sleep(pc.think/2 + time.Duration(rand.Int64N(int64(pc.think))))
		case pc.every > 0:
			time.Sleep(time.Until(next))
		}
		sent := time.Now()
		if pc.every > 0 {
			next = sent.Add(pc.every*4/5 + time.Duration(rand.Int64N(int64(pc.every*2/5))))
		}
		fake.Push(update)
		first := true
		for {
			select {
			case e := <-events:
				if first {
					lat = append(lat, time.Since(sent))
					steps[kind] = append(steps[kind], time.Since(sent))
					first = false
				}
				if strings.Contains(e.Text, want) {
					return e
				}
			case <-time.After(30 * time.Second):
				b.Errorf("contact %d: no %q; the chat shows %q", user, want, lastText(fake, p.UserID))
				return telegramtest.Event{}
			}
		}
	}
	home := step("start", p.TextUpdate("/start "+invite), "请选择要填写的表格")
	if len(home.Buttons) < 3 {
		return
	}
	step("open", p.PressUpdate(home.MessageID, home.Buttons[2][0].CallbackData), "新建成（家）")
	var review telegramtest.Event
	for j, v := range a3Answers {
		want := "第 "
		if j == len(a3Answers)-1 {
			want = "全部填写完毕"
		}
		review = step("answer", p.TextUpdate(v), want)
	}
	if len(review.Buttons) == 0 {
		return
	}
	submit := review.Buttons[len(review.Buttons)-1][0]
	step("submit", p.PressUpdate(review.MessageID, submit.CallbackData), "已提交")
	if record != nil {
		record(lat, steps)
	}
}

func percentile(d []time.Duration, p float64) time.Duration {
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	return d[int(float64(len(d)-1)*p)]
}

// BenchmarkContactsFillA3 is 200 contacts filling 附件3 at once through the
// fake Bot API, from invite to submit: updates/s and the time from a
// contact's message to the bot's reply. Run with -benchtime 1x.
func BenchmarkContactsFillA3(b *testing.B) {
	// TIANBAO_BENCH_CONTACTS changes the 200 (more make a longer run, for
	// profiling the steady state).
	defer debug.SetGCPercent(debug.SetGCPercent(bot.ServeGCPercent)) // as serve runs
	contacts := 200
	if n, err := strconv.Atoi(os.Getenv("TIANBAO_BENCH_CONTACTS")); err == nil && n > 0 {
		contacts = n
	}
	for _, run := range []struct {
		name, mode string
		pace       pace
	}{
		// Every contact sends its next message the moment the reply comes:
		// the most the bot can do, and (200 ÷ that rate) the reply time.
		{"polling", "polling", pace{}},
		{"webhook", "webhook", pace{}},
		// Every contact sends ten messages a second (one per 80-120 ms, or
		// at once after a slower reply): 2,000 updates/s offered.
		{"polling-2000-per-s", "polling", pace{every: 100 * time.Millisecond}},
		{"polling-paced-90ms", "polling", pace{every: 90 * time.Millisecond}},
		{"webhook-2000-per-s", "webhook", pace{every: 100 * time.Millisecond}},
		// As people do: a pause of 0.25-0.75 s before each message.
		{"polling-think-500ms", "polling", pace{think: 500 * time.Millisecond}},
	} {
		b.Run(run.name, func(b *testing.B) {
			var all []time.Duration
			var updates int
			var elapsed time.Duration
			var goTicks, pgTicks int64
			byStep := map[string][]time.Duration{}
			for i := 0; i < b.N; i++ {
				r := runLoad(b, run.mode, contacts, run.pace)
				all = append(all, r.latencies...)
				updates += r.updates
				elapsed += r.elapsed
				goTicks, pgTicks = goTicks+r.goTicks, pgTicks+r.pgTicks
				for k, v := range r.byStep {
					byStep[k] = append(byStep[k], v...)
				}
			}
			for _, k := range []string{"start", "open", "answer", "submit"} {
				if d := byStep[k]; len(d) > 0 {
					b.Logf("%-6s p50 %v  p99 %v  (%d)", k, percentile(d, 0.5).Round(time.Millisecond), percentile(d, 0.99).Round(time.Millisecond), len(d))
				}
			}
			b.ReportMetric(float64(updates)/elapsed.Seconds(), "updates/s")
			b.ReportMetric(float64(percentile(all, 0.50).Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(percentile(all, 0.99).Microseconds())/1000, "p99-ms")
			// CPU per update, in microseconds (a tick is 10 ms): PostgreSQL's,
			// and this process's (the bot, but also the fake Bot API and the
			// simulated contacts).
			b.ReportMetric(float64(pgTicks)*1e4/float64(updates), "pg-µs/update")
			b.ReportMetric(float64(goTicks)*1e4/float64(updates), "go-µs/update")
		})
	}
}

func lastText(fake *telegramtest.Server, chat int64) string {
	ev := fake.Events(chat, 0)
	if len(ev) == 0 {
		return ""
	}
	return ev[len(ev)-1].Text
}

var benchWorkers, _ = strconv.Atoi(os.Getenv("TIANBAO_BENCH_WORKERS"))
