package store_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"tianbao/campaigns"
	"tianbao/store"
	"tianbao/store/storetest"
)

// replicas opens two handles on one new database (two replicas), with the
// built-in campaign and a Telegram contact to queue messages for.
func replicas(t *testing.T) (a, b *store.DB, contact int64) {
	t.Helper()
	ctx := context.Background()
	dbs := storetest.Replicas(t, 2)
	if _, err := campaigns.NewRegistry(dbs[0]).Campaign(ctx, campaigns.BuiltinID); err != nil {
		t.Fatal(err)
	}
	if err := dbs[0].GetContext(ctx, &contact, `WITH p AS (INSERT INTO people (display_name) VALUES ('张三') RETURNING id)
		INSERT INTO contacts (campaign_id, unit_code, role, telegram_user_id, chat_id, display_name, person_id)
		SELECT 'zj-2018-14', '330106', 'filler', 7001, 7001, '张三', id FROM p RETURNING id`); err != nil {
		t.Fatal(err)
	}
	return dbs[0], dbs[1], contact
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// woken waits up to d for a wake.
func woken(wake <-chan struct{}, d time.Duration) bool {
	select {
	case <-wake:
		return true
	case <-time.After(d):
		return false
	}
}

// TestOutboxListenerHearsOtherReplicas: a replica's listener wakes when
// another queues messages (once for a transaction's several inserts), or
// moves one earlier; not when one is put off or marked sent.
func TestOutboxListenerHearsOtherReplicas(t *testing.T) {
	a, b, contact := replicas(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	wake := a.ListenOutbox(ctx, quiet())
	if !woken(wake, 5*time.Second) {
		t.Fatal("no wake once listening")
	}
	// A transaction that queues for five contacts in five statements.
	err := b.Transact(ctx, func(tx *store.Tx) error {
		for i := 0; i < 5; i++ {
			if _, err := tx.ExecContext(ctx, `INSERT INTO outbox (contact_id, kind, payload, next_attempt_at)
				VALUES ($1, 'test', '{}', now() + interval '1 hour')`, contact); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !woken(wake, 3*time.Second) {
		t.Fatal("no wake after another replica queued messages")
	}
	// Put off (a claim's lease, a retry), marked sent, an insert of nothing:
	// nothing to wake for.
	exec(t, b, `UPDATE outbox SET next_attempt_at = next_attempt_at + interval '1 minute'`)
	exec(t, b, `INSERT INTO outbox (contact_id, kind, payload) SELECT contact_id, kind, payload FROM outbox WHERE false`)
	var first int64
	if err := b.GetContext(ctx, &first, `SELECT min(id) FROM outbox`); err != nil {
		t.Fatal(err)
	}
	exec(t, b, `UPDATE outbox SET sent_at = now() WHERE id = $1`, first)
	if woken(wake, time.Second) {
		t.Fatal("woken by messages put off, marked sent, or an insert of no rows")
	}
	// Moved earlier: a held reminder let out.
	exec(t, b, `UPDATE outbox SET next_attempt_at = now() WHERE id = $1 + 1`, first)
	if !woken(wake, 3*time.Second) {
		t.Fatal("no wake after a message was moved earlier")
	}
}

// listenerPID is the backend of a's outbox listener (0: none connected).
func listenerPID(t *testing.T, db *store.DB) int {
	t.Helper()
	var pids []int
	if err := db.SelectContext(context.Background(), &pids, `SELECT pid FROM pg_stat_activity
		WHERE datname = current_database() AND application_name = $1`, store.ListenerName); err != nil {
		t.Fatal(err)
	}
	if len(pids) > 1 {
		t.Fatalf("%d listener connections", len(pids))
	}
	if len(pids) == 0 {
		return 0
	}
	return pids[0]
}

// TestOutboxListenerReconnects: the listener's connection killed, it
// connects again by itself, says so with a wake (messages queued meanwhile
// were not heard), and hears what is queued after.
func TestOutboxListenerReconnects(t *testing.T) {
	a, b, contact := replicas(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	wake := a.ListenOutbox(ctx, quiet())
	if !woken(wake, 5*time.Second) {
		t.Fatal("no wake once listening")
	}
	pid := listenerPID(t, b)
	if pid == 0 {
		t.Fatal("no listener connection")
	}
	var killed bool
	if err := b.GetContext(ctx, &killed, `SELECT pg_terminate_backend($1)`, pid); err != nil || !killed {
		t.Fatalf("terminate the listener: %v %v", killed, err)
	}
	if !woken(wake, 10*time.Second) {
		t.Fatal("no wake after the listener reconnected")
	}
	if again := listenerPID(t, b); again == 0 || again == pid {
		t.Fatalf("listener pid %d after %d was killed", again, pid)
	}
	exec(t, b, `INSERT INTO outbox (contact_id, kind, payload) VALUES ($1, 'test', '{}')`, contact)
	if !woken(wake, 3*time.Second) {
		t.Fatal("no wake for a message queued after the reconnection")
	}
	// Ended with its context: the connection is closed.
	cancel()
	deadline := time.Now().Add(5 * time.Second)
	for listenerPID(t, b) != 0 {
		if time.Now().After(deadline) {
			t.Fatal("the listener's connection outlived its context")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestOutboxNext: when the earliest pending message for a Telegram
// contact is due, not before the budget has a slot; none pending, none.
func TestOutboxNext(t *testing.T) {
	a, _, contact := replicas(t)
	ctx := context.Background()
	budget := &store.Budget{Bot: 1, Rate: 10, Burst: 1, Debt: 10 * time.Second, Horizon: 2 * time.Second}
	if err := a.OpenBudget(ctx, budget.Bot); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := a.OutboxNext(ctx, budget); err != nil || ok {
		t.Fatalf("empty outbox: ok %v, %v", ok, err)
	}
	exec(t, a, `INSERT INTO outbox (contact_id, kind, payload, next_attempt_at) VALUES ($1, 'test', '{}', now() + interval '1 hour'),
		($1, 'test', '{}', now() + interval '20 seconds')`, contact)
	// A WeCom contact's message, and an unreachable chat's: not the
	// Telegram sender's to wait for.
	exec(t, a, `WITH p AS (INSERT INTO people (display_name) VALUES ('李四') RETURNING id)
		INSERT INTO contacts (campaign_id, unit_code, role, display_name, person_id) SELECT 'zj-2018-14', '330106', 'filler', '李四', id FROM p`)
	exec(t, a, `WITH p AS (INSERT INTO people (display_name) VALUES ('王五') RETURNING id)
		INSERT INTO contacts (campaign_id, unit_code, role, telegram_user_id, chat_id, display_name, unreachable_at, person_id)
		SELECT 'zj-2018-14', '330106', 'filler', 7002, 7002, '王五', now(), id FROM p`)
	exec(t, a, `INSERT INTO outbox (contact_id, kind, payload) SELECT id, 'test', '{}' FROM contacts WHERE telegram_user_id IS DISTINCT FROM 7001`)
	next, ok, err := a.OutboxNext(ctx, budget)
	if err != nil || !ok || next < 15*time.Second || next > 20*time.Second {
		t.Fatalf("next %v %v %v, want about 20 s", next, ok, err)
	}
	exec(t, a, `UPDATE outbox SET next_attempt_at = now() WHERE next_attempt_at < now() + interval '1 minute'`)
	// 50 replies at 10 a second charged: the budget's next slot 5 s ahead,
	// the next claim's when that is within the 2 s horizon.
	spent := *budget
	spent.Spent = 50
	if err := a.SpendBudget(ctx, &spent); err != nil {
		t.Fatal(err)
	}
	next, ok, err = a.OutboxNext(ctx, budget)
	if err != nil || !ok || next < 2*time.Second || next > 3100*time.Millisecond {
		t.Fatalf("next %v %v %v, want about 3.1 s (the slot 5 s ahead, less the 2 s horizon, plus one slot)", next, ok, err)
	}
	// The budget spent 30 s ahead: nothing before its horizon has a slot.
	exec(t, a, `UPDATE send_budget SET next_slot = now() + interval '30 seconds'`)
	next, ok, err = a.OutboxNext(ctx, budget)
	if err != nil || !ok || next < 25*time.Second || next > 28200*time.Millisecond {
		t.Fatalf("next %v %v %v, want about 28 s (the slot 30 s ahead, less the 2 s horizon, plus one slot)", next, ok, err)
	}
	if _, ok, err := a.WeComOutboxNext(ctx); err != nil || ok {
		t.Fatalf("WeCom: ok %v, %v with no WeCom member", ok, err)
	}
}
