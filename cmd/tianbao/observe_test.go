package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"tianbao/bot/telegramtest"
	"tianbao/campaigns"
	"tianbao/dialogs"
	"tianbao/store"
	"tianbao/store/storetest"
)

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// scrape reads /metrics as name{labels} → value.
func scrape(t *testing.T, addr string) map[string]float64 {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	out := map[string]float64{}
	for _, line := range strings.Split(string(body), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("%s: %v", line, err)
		}
		out[line[:i]] = v
	}
	return out
}

// series finds the series of a metric whose labels include every given
// one, and sums them.
func series(m map[string]float64, name string, labels ...string) (float64, bool) {
	sum, found := 0.0, false
	for k, v := range m {
		rest, ok := strings.CutPrefix(k, name)
		if !ok || (rest != "" && rest[0] != '{') {
			continue
		}
		all := true
		for _, l := range labels {
			all = all && strings.Contains(rest, l)
		}
		if all {
			sum, found = sum+v, true
		}
	}
	return sum, found
}

// TestObservability: serve as an operator watches it. LOG_FORMAT=json gives
// one JSON object a line; LOG_LEVEL=debug traces every update (kind, a
// hash of the chat, duration, outcome) without a name, an answer, a chat
// id or the token; /metrics has the build, the database pool, the outbox's
// backlog, the desk's requests, the Bot API's calls by method and result,
// and the expected refusals (a stranger, a used invite) apart from errors
// (newcomer trial turn 3, D14: debug added nothing; logs were text only).
func TestObservability(t *testing.T) {
	const token = "81:observe"
	fake := telegramtest.NewServer(token)
	defer fake.Close()
	url := storetest.URL(t)
	ctx := context.Background()
	db, err := store.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := campaigns.NewRegistry(db).Campaign(ctx, campaigns.BuiltinID); err != nil {
		t.Fatal(err)
	}
	invite, err := db.CreateInvite(ctx, store.Invite{Campaign: campaigns.BuiltinID, Unit: "330106", Role: dialogs.Filler, ExpiresAt: time.Now().Add(time.Hour)}, 0, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	listen, metrics := freePort(t), freePort(t)
	var logs syncBuffer
	cmd := exec.Command(os.Args[0], "serve")
	cmd.Env = append(os.Environ(), "TIANBAO_BE_MAIN=1", "DATABASE_URL="+url, "TELEGRAM_BOT_TOKEN="+token, "TELEGRAM_API_URL="+fake.URL,
		"LISTEN_ADDR="+listen, "METRICS_ADDR="+metrics, "REMINDERS=off", "LOG_LEVEL=debug", "LOG_FORMAT=json")
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()

	const chat = 9101
	p := fake.Phone(t, chat, "王小明")
	p.Timeout = 20 * time.Second
	p.Say("/start " + invite).Expect("欢迎")
	p.Press("附件3").Expect("新建成（家）")
	p.Say("57").Expect("改造提升（家）")
	stranger := fake.Phone(t, 9102, "路人甲")
	stranger.Timeout = 20 * time.Second
	stranger.Say("你好").Expect("邀请")
	used := fake.Phone(t, 9103, "路人乙")
	used.Timeout = 20 * time.Second
	used.Say("/start " + invite).Expect("已经被使用过了")

	// A notification that has waited 90 s for a chat the sender can reach
	// (held back: due in an hour).
	if _, err := db.ExecContext(ctx, `INSERT INTO outbox (contact_id, kind, payload, created_at, next_attempt_at)
		SELECT id, 'notice', '{}', now() - interval '90 seconds', now() + interval '1 hour' FROM contacts WHERE chat_id = $1`, chat); err != nil {
		t.Fatal(err)
	}
	// The desk: its page, an API call without a signature, a made-up path.
	for path, want := range map[string]int{"/app/": 200, "/app/api/me": 401, "/app/no/such/page": 404} {
		resp, err := http.Get("http://" + listen + path)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("GET %s: %d, want %d", path, resp.StatusCode, want)
		}
	}

	// A request is counted as its handler returns, which may be a moment
	// after the client has read the answer.
	m := scrape(t, metrics)
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); m = scrape(t, metrics) {
		if n, _ := series(m, "tianbao_desk_requests_total"); n == 3 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	defer func() {
		if t.Failed() {
			t.Log(logs.String())
		}
	}()
	expect := func(what string, got float64, ok bool, want func(float64) bool) {
		t.Helper()
		if !ok || !want(got) {
			t.Errorf("%s: %v (found %v)", what, got, ok)
		}
	}
	atLeast := func(n float64) func(float64) bool { return func(v float64) bool { return v >= n } }
	exactly := func(n float64) func(float64) bool { return func(v float64) bool { return v == n } }
	v, ok := series(m, "tianbao_build_info", `goversion="go`, `schema="`)
	expect("tianbao_build_info", v, ok, exactly(1))
	v, ok = series(m, "go_sql_open_connections", `db_name="tianbao"`)
	expect("the pool's open connections", v, ok, atLeast(1))
	v, ok = series(m, "go_sql_max_open_connections", `db_name="tianbao"`)
	expect("the pool's size", v, ok, exactly(store.MaxConns))
	v, ok = series(m, "tianbao_outbox_depth")
	expect("tianbao_outbox_depth", v, ok, exactly(1))
	v, ok = series(m, "tianbao_outbox_oldest_age_seconds")
	expect("tianbao_outbox_oldest_age_seconds", v, ok, func(v float64) bool { return v >= 89 && v < 600 })
	v, ok = series(m, "tianbao_desk_requests_total", `route="page"`, `method="GET"`, `code="2xx"`)
	expect("the desk's page", v, ok, exactly(1))
	v, ok = series(m, "tianbao_desk_requests_total", `route="api/me"`, `code="4xx"`)
	expect("the desk's api/me refused", v, ok, exactly(1))
	v, ok = series(m, "tianbao_desk_requests_total", `route="not_found"`)
	expect("the desk's made-up path", v, ok, exactly(1))
	v, ok = series(m, "tianbao_desk_request_duration_seconds_count", `route="page"`)
	expect("the desk's page timed", v, ok, exactly(1))
	v, ok = series(m, "tianbao_telegram_api_calls_total", `method="getMe"`, `result="ok"`)
	expect("getMe", v, ok, atLeast(1))
	v, ok = series(m, "tianbao_telegram_api_calls_total", `method="sendMessage"`, `result="ok"`)
	expect("sendMessage", v, ok, atLeast(3))
	v, ok = series(m, "tianbao_telegram_api_calls_total", `method="getUpdates"`, `result="ok"`)
	expect("getUpdates", v, ok, atLeast(1))
	v, ok = series(m, "tianbao_refusals_total", `kind="stranger"`)
	expect("the stranger, a refusal", v, ok, exactly(1))
	v, ok = series(m, "tianbao_refusals_total", `kind="invite"`)
	expect("the used invite, a refusal", v, ok, exactly(1))
	if _, ok := series(m, "tianbao_errors_total"); ok {
		t.Errorf("expected refusals were counted as errors: %v", m)
	}
	for k := range m {
		if strings.Contains(k, token) || strings.Contains(k, "observe") {
			t.Errorf("the token in a series: %s", k)
		}
	}

	_ = cmd.Process.Signal(syscall.SIGTERM)
	_ = cmd.Wait()
	out := logs.String()
	var traced []map[string]any
	// The log without its timestamps and chat hashes, whose digits are no
	// one's (05:57 is a minute, a57f… a hash, neither the answer 57).
	var untimed strings.Builder
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("a log line is not JSON: %q (%v)", line, err)
		}
		if rec["msg"] == "update" {
			traced = append(traced, rec)
		}
		rest := maps.Clone(rec)
		delete(rest, "time")
		if h, ok := rest["chat"].(string); ok && regexp.MustCompile(`^[0-9a-f]{12}$`).MatchString(h) {
			delete(rest, "chat") // checked below to be a hash
		}
		b, _ := json.Marshal(rest)
		untimed.Write(append(b, '\n'))
	}
	// /start, the button, the answer, the stranger, the used invite.
	if len(traced) != 5 {
		t.Errorf("%d updates traced, want 5:\n%s", len(traced), out)
	}
	hashes := map[string]int{}
	outcomes := map[string]int{}
	for _, r := range traced {
		if r["level"] != "DEBUG" || r["kind"] == nil || r["duration"] == nil {
			t.Errorf("trace line %v", r)
		}
		h, _ := r["chat"].(string)
		if !regexp.MustCompile(`^[0-9a-f]{12}$`).MatchString(h) {
			t.Errorf("chat hash %q", h)
		}
		hashes[h]++
		outcomes[fmt.Sprint(r["outcome"])]++
	}
	if len(hashes) != 3 || outcomes["turn"] != 3 || outcomes["handled"] != 2 {
		t.Errorf("traced chats %v, outcomes %v", hashes, outcomes)
	}
	for _, private := range []string{"王小明", "路人甲", "改造提升", token, invite} {
		if strings.Contains(out, private) {
			t.Errorf("the log holds %q:\n%s", private, out)
		}
	}
	for _, number := range []string{"57", strconv.Itoa(chat), "9102", "9103"} { // the answer, the chats
		if regexp.MustCompile(`(^|[^0-9])` + number + `([^0-9]|$)`).MatchString(untimed.String()) {
			t.Errorf("the log holds %s:\n%s", number, untimed.String())
		}
	}
}
