package bot_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"tianbao/bot/telegramtest"
	"tianbao/campaigns"
	"tianbao/store"
	"tianbao/store/storetest"
)

// replicaHarness is a harness whose database a second handle also opens:
// another replica's, writing to the outbox without poking this bot.
func replicaHarness(t *testing.T) (*harness, *store.DB) {
	t.Helper()
	ctx := context.Background()
	dbs := storetest.Replicas(t, 2)
	fake := telegramtest.NewServer(token)
	t.Cleanup(fake.Close)
	reg := campaigns.NewRegistry(dbs[0])
	if _, err := reg.Campaign(ctx, campaigns.BuiltinID); err != nil {
		t.Fatal(err)
	}
	return &harness{t: t, fake: fake, db: dbs[0], reg: reg}, dbs[1]
}

// claims is how many times the bot's sender has claimed from the outbox.
func claims(t *testing.T, r *running) float64 {
	t.Helper()
	n := 0.0
	for _, v := range metric(t, r.metrics, "tianbao_outbox_claims_total") {
		n += v
	}
	return n
}

// received waits up to d for a message containing text in chat, and says
// how many such the chat has then.
func received(h *harness, chat int64, text string, d time.Duration) int {
	count := func() int {
		n := 0
		for _, e := range h.fake.Events(chat, 0) {
			if strings.Contains(e.Text, text) {
				n++
			}
		}
		return n
	}
	h.fake.WaitFor(d, func() bool { return count() > 0 })
	return count()
}

// TestOutboxWakesWithoutPolling: the sender does not look at the outbox
// while nothing is due; a message another replica queues (no poke here,
// only its NOTIFY) goes out at once; a message held for a retry goes out
// when due, with nothing to wake the sender but that time; after the
// listener's connection is killed it listens again by itself. The
// sender's safety net is 30 s: the bounds of seconds below leave only the
// NOTIFY and the due time to explain what arrives.
func TestOutboxWakesWithoutPolling(t *testing.T) {
	h, other := replicaHarness(t)
	r := h.start("")
	const user = 9501
	h.member(user, "张三", "330106")
	contact := h.count(`SELECT id FROM contacts WHERE telegram_user_id = $1`, user)
	ctx := context.Background()
	queue := func(text string, after time.Duration) {
		t.Helper()
		if _, err := other.ExecContext(ctx, `INSERT INTO outbox (contact_id, kind, payload, next_attempt_at)
			VALUES ($1, 'test', jsonb_build_object('Text', $2::text), now() + make_interval(secs => $3))`, contact, text, after.Seconds()); err != nil {
			t.Fatal(err)
		}
	}
	settle := func() {
		t.Helper()
		if !h.fake.WaitFor(10*time.Second, func() bool { return h.count(`SELECT count(*) FROM outbox WHERE sent_at IS NULL`) == 0 }) {
			t.Fatal("the outbox was not emptied")
		}
		time.Sleep(300 * time.Millisecond) // the claim after the last messages
	}
	settle()

	// Idle: no claims (it claimed four times in two seconds polling).
	before := claims(t, r)
	time.Sleep(2 * time.Second)
	if n := claims(t, r) - before; n > 1 {
		t.Errorf("%v claims in 2 s idle, want at most 1", n)
	}

	// Another replica queues a notification: its NOTIFY wakes this sender.
	queue("另一副本排队的通知", 0)
	if n := received(h, user, "另一副本排队的通知", 3*time.Second); n != 1 {
		t.Fatalf("the other replica's notification arrived %d times within 3 s, want once", n)
	}
	settle()

	// Held for a retry in 2 s: the insert's NOTIFY wakes the sender, which
	// finds nothing due and waits for the message's time, not the safety
	// net.
	before = claims(t, r)
	queue("两秒后到期的通知", 2*time.Second)
	if n := received(h, user, "两秒后到期的通知", 10*time.Second); n != 1 {
		t.Fatalf("a message due in 2 s arrived %d times within 10 s, want once", n)
	}
	if early := h.count(`SELECT count(*) FROM outbox WHERE payload->>'Text' = '两秒后到期的通知' AND attempts = 0 AND created_at + interval '1.9 seconds' > now()`); early != 0 {
		t.Errorf("the held message went out before it was due")
	}
	if n := claims(t, r) - before; n > 4 {
		t.Errorf("%v claims around a message due in 2 s: polling?", n)
	}
	settle()

	// The listener's connection killed: it connects again, and hears.
	pid := func() int {
		return h.count(`SELECT coalesce(max(pid), 0) FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1`, store.ListenerName)
	}
	old := pid()
	if old == 0 {
		t.Fatal("no listener connection")
	}
	if n := h.count(`SELECT count(*) FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database()`, store.ListenerName); n != 1 {
		t.Fatalf("%d listener connections, want 1", n)
	}
	if h.count(`SELECT count(*) FROM (SELECT pg_terminate_backend($1)) x`, old) != 1 {
		t.Fatal("terminate")
	}
	if !h.fake.WaitFor(10*time.Second, func() bool { p := pid(); return p != 0 && p != old }) {
		t.Fatal("the listener did not connect again")
	}
	settle()
	queue("重连后的通知", 0)
	if n := received(h, user, "重连后的通知", 3*time.Second); n != 1 {
		t.Fatalf("a notification after the listener reconnected arrived %d times within 3 s, want once", n)
	}
}
