package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"tianbao/dialogs"
	"tianbao/dialogs/dialogtest"
	"tianbao/store"
	"tianbao/store/storetest"
)

var batchNow = time.Date(2018, 11, 20, 10, 0, 0, 0, dialogtest.Shanghai)

// answerTogether has each chat answer text at the same moment, the writes
// held until all wait, so that they go to the database as one batch.
func answerTogether(t *testing.T, env *dialogtest.Env, inputs []dialogs.Input) []error {
	t.Helper()
	release := store.HoldTurnWrites(env.DB)
	errs := make([]error, len(inputs))
	var wg sync.WaitGroup
	for i, in := range inputs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = env.Engine.Handle(context.Background(), in)
		}()
	}
	deadline := time.Now().Add(10 * time.Second)
	for store.QueuedTurnWrites(env.DB) < len(inputs) && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if n := store.QueuedTurnWrites(env.DB); n != len(inputs) {
		t.Fatalf("%d turns wait to be written, want %d", n, len(inputs))
	}
	release()
	wg.Wait()
	return errs
}

// TestTurnsOfManyContactsWrittenTogether: answers of six units that reach
// the database while it is busy are written by one statement, and each is
// written whole: the answer, its audit entry, the session moved on, the
// draft's revision, the input's key with its replies.
func TestTurnsOfManyContactsWrittenTogether(t *testing.T) {
	env := dialogtest.New(t, storetest.NewDB(t), batchNow)
	ctx := context.Background()
	units := []string{"330102", "330105", "330106", "330108", "330109", "330110"}
	var chats []*dialogtest.Chat
	var inputs []dialogs.Input
	for i, u := range units {
		c := env.Contact(u, fmt.Sprint("联系人", i)).Say("/start").Press("附件3").Say("12").Say("3").Press("确认无误")
		c.Expect("园区数量（个）")
		chats = append(chats, c)
		inputs = append(inputs, dialogs.Input{ContactID: c.ID, Text: fmt.Sprint(i + 1), Key: fmt.Sprint("tg:batch", i)})
	}
	before := env.DB.TurnBatchCounts()
	for i, err := range answerTogether(t, env, inputs) {
		if err != nil {
			t.Errorf("%s: %v", units[i], err)
		}
	}
	got := env.DB.TurnBatchCounts()
	if got.Batches-before.Batches != 1 || got.Batched-before.Batched != int64(len(units)) || got.FellBack != before.FellBack {
		t.Fatalf("written as %+v (before %+v), want one batch of %d", got, before, len(units))
	}
	for i, c := range chats {
		c.Send(dialogs.Input{}).Expect("占地面积（亩）") // the session moved on
		var value string
		if err := env.DB.GetContext(ctx, &value, `SELECT value FROM answers WHERE unit_code = $1 AND form_id = 'a3' AND field_id = 'mfg_count'`, units[i]); err != nil {
			t.Fatalf("%s: %v", units[i], err)
		}
		if value != fmt.Sprint(i+1) {
			t.Errorf("%s: mfg_count = %q, want %d", units[i], value, i+1)
		}
		var audited int
		if err := env.DB.GetContext(ctx, &audited, `SELECT count(*) FROM audit_log WHERE unit_code = $1 AND target LIKE '%mfg_count' AND new_value = $2`, units[i], value); err != nil || audited != 1 {
			t.Errorf("%s: %d audit entries of the answer (%v)", units[i], audited, err)
		}
		var replies string
		if err := env.DB.GetContext(ctx, &replies, `SELECT replies::text FROM processed_inputs WHERE key = $1 AND contact_id = $2`, inputs[i].Key, c.ID); err != nil || replies == "[]" {
			t.Errorf("%s: the input's replies: %q (%v)", units[i], replies, err)
		}
	}
	// Redelivered, each is recognised as applied.
	for _, in := range inputs {
		var dup *dialogs.DuplicateError
		if _, err := env.Engine.Handle(ctx, in); !errors.As(err, &dup) {
			t.Errorf("redelivered %s: %v", in.Key, err)
		}
	}
}

// TestBatchWithAConflictWritesEachTurnAlone: two contacts of one unit answer
// the same field in the same batch as four other units. The batch cannot
// be written (the draft would move twice from one revision); nothing of it
// is, and every turn is written again by itself: the four and one of the
// two at once, the other after reading what the first wrote, so that its
// audit entry's old value is the first one's new value.
func TestBatchWithAConflictWritesEachTurnAlone(t *testing.T) {
	env := dialogtest.New(t, storetest.NewDB(t), batchNow)
	ctx := context.Background()
	units := []string{"330102", "330105", "330108", "330109"}
	var inputs []dialogs.Input
	for i, u := range units {
		c := env.Contact(u, fmt.Sprint("联系人", i)).Say("/start").Press("附件3").Say("12").Say("3").Press("确认无误")
		inputs = append(inputs, dialogs.Input{ContactID: c.ID, Text: "7"})
	}
	a := env.Contact("330106", "张三").Say("/start").Press("附件3").Say("12").Say("3").Press("确认无误").Expect("园区数量（个）")
	b := env.Contact("330106", "王五").Say("/start").Press("附件3").Expect("园区数量（个）")
	inputs = append(inputs, dialogs.Input{ContactID: a.ID, Text: "8"}, dialogs.Input{ContactID: b.ID, Text: "9"})
	before := env.DB.TurnBatchCounts()
	for i, err := range answerTogether(t, env, inputs) {
		if err != nil {
			t.Errorf("input %d: %v", i, err)
		}
	}
	got := env.DB.TurnBatchCounts()
	if got.FellBack-before.FellBack != int64(len(inputs)) || got.Batches != before.Batches {
		t.Errorf("written as %+v (before %+v): want the batch to fall back whole", got, before)
	}
	for _, u := range units {
		var value string
		if err := env.DB.GetContext(ctx, &value, `SELECT value FROM answers WHERE unit_code = $1 AND form_id = 'a3' AND field_id = 'mfg_count'`, u); err != nil || value != "7" {
			t.Errorf("%s: mfg_count = %q (%v)", u, value, err)
		}
	}
	var log []struct {
		Old *string `db:"old_value"`
		New string  `db:"new_value"`
	}
	if err := env.DB.SelectContext(ctx, &log, `SELECT old_value, new_value FROM audit_log
		WHERE unit_code = '330106' AND target LIKE '%mfg_count' ORDER BY id`); err != nil {
		t.Fatal(err)
	}
	if len(log) != 2 || log[0].Old != nil || log[1].Old == nil || *log[1].Old != log[0].New {
		t.Fatalf("330106's audit of mfg_count: %+v: an answer was lost or saw a stale value", log)
	}
	var value string
	if err := env.DB.GetContext(ctx, &value, `SELECT value FROM answers WHERE unit_code = '330106' AND form_id = 'a3' AND field_id = 'mfg_count'`); err != nil || value != log[1].New {
		t.Errorf("330106 holds %q, the last audited change was %q (%v)", value, log[1].New, err)
	}
}

// TestNewDraftsAndSubmissionsWrittenTogether: six units answering a form's
// first field at once create their drafts in one batch; submitting at once,
// their submissions, with events, audit entries and the city reviewer's
// notices, are written in one batch too.
func TestNewDraftsAndSubmissionsWrittenTogether(t *testing.T) {
	env := dialogtest.New(t, storetest.NewDB(t), batchNow)
	ctx := context.Background()
	env.Reviewer("330100", "杭州市审核")
	units := []string{"330102", "330105", "330106", "330108", "330109", "330110"}
	var chats []*dialogtest.Chat
	var inputs []dialogs.Input
	for i, u := range units {
		c := env.Contact(u, fmt.Sprint("联系人", i)).Say("/start").Press("附件3")
		chats = append(chats, c)
		inputs = append(inputs, dialogs.Input{ContactID: c.ID, Text: "2"})
	}
	before := env.DB.TurnBatchCounts()
	for i, err := range answerTogether(t, env, inputs) {
		if err != nil {
			t.Errorf("%s: %v", units[i], err)
		}
	}
	if got := env.DB.TurnBatchCounts(); got.Batches-before.Batches != 1 || got.Batched-before.Batched != int64(len(units)) {
		t.Fatalf("first answers written as %+v (before %+v), want one batch", got, before)
	}
	inputs = nil
	for _, c := range chats {
		c.Send(dialogs.Input{}).Expect("改造提升（家）（第 2/9 项）")
		for _, v := range []string{"0", "2", "100", "40", "0", "0", "0", "100"} {
			c.Say(v)
		}
		c.Expect("全部填写完毕")
		b, ok := c.Button("✅ 提交")
		if !ok {
			t.Fatalf("no submit button: %v", c.Labels())
		}
		inputs = append(inputs, dialogs.Input{ContactID: c.ID, Button: b.Data, Key: fmt.Sprint("tg:submit", c.ID)})
	}
	before = env.DB.TurnBatchCounts()
	for i, err := range answerTogether(t, env, inputs) {
		if err != nil {
			t.Errorf("%s: %v", units[i], err)
		}
	}
	if got := env.DB.TurnBatchCounts(); got.Batches-before.Batches != 1 || got.Batched-before.Batched != int64(len(units)) {
		t.Fatalf("submissions written as %+v (before %+v), want one batch", got, before)
	}
	for _, u := range units {
		var n struct {
			Submissions int    `db:"submissions"`
			Events      int    `db:"events"`
			Audited     int    `db:"audited"`
			Status      string `db:"status"`
		}
		if err := env.DB.GetContext(ctx, &n, `SELECT
			(SELECT count(*) FROM submissions WHERE unit_code = $1 AND form_id = 'a3' AND version = 1 AND status = 'submitted') AS submissions,
			(SELECT count(*) FROM submission_events e JOIN submissions s ON s.id = e.submission_id WHERE s.unit_code = $1) AS events,
			(SELECT count(*) FROM audit_log WHERE unit_code = $1 AND action = 'submission.submitted' AND target = 'v1') AS audited,
			(SELECT status FROM drafts WHERE unit_code = $1 AND form_id = 'a3') AS status`, u); err != nil {
			t.Fatal(err)
		}
		if n.Submissions != 1 || n.Events != 1 || n.Audited != 1 || n.Status != "submitted" {
			t.Errorf("%s: %+v, want one submission, event and audit entry, the draft submitted", u, n)
		}
	}
	var told int
	if err := env.DB.GetContext(ctx, &told, `SELECT count(*) FROM outbox o JOIN contacts c ON c.id = o.contact_id
		WHERE c.unit_code = '330100' AND c.role = 'reviewer'`); err != nil {
		t.Fatal(err)
	}
	if told != len(units) {
		t.Errorf("the city's reviewer was told of %d submissions, want %d", told, len(units))
	}
}
