package bot_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"tianbao/catalog"
	"tianbao/dialogs"
)

// TestGroupCommandsChangeNothingForPrivateChats is the trial's group flood:
// twenty /start@bot from strangers in one group, with Telegram's one
// message a second per chat enforced. The bot says once that it works in
// private chats and leaves; nothing reaches the engine; and a contact in a
// private chat is answered at once meanwhile.
func TestGroupCommandsChangeNothingForPrivateChats(t *testing.T) {
	h := newHarness(t)
	h.start("")
	p := h.member(13001, "张三", "330106")
	h.fake.EnforceLimits(30, time.Second)
	const group = -1001234
	contacts := h.count(`SELECT count(*) FROM contacts`)
	sessions := h.count(`SELECT count(*) FROM sessions`)
	for i := 0; i < 20; i++ {
		stranger := h.fake.Phone(t, int64(13100+i), "路人")
		stranger.Send(stranger.InGroup(group, "/start@"+"tianbao_test_bot"))
	}
	p.Say("/status").Expect("请选择要填写的表格")
	if !h.fake.WaitFor(10*time.Second, func() bool { return h.fake.Left(group) }) {
		t.Fatal("the bot did not leave the group")
	}
	// Every group update handled: nothing more will come from it.
	if !h.fake.WaitFor(10*time.Second, func() bool { return h.count(`SELECT count(*) FROM inbox`) == 0 }) {
		t.Fatal("group updates left unhandled")
	}
	if n := h.fake.Sent(group); n != 1 {
		t.Errorf("the group got %d messages, want one note", n)
	}
	if ev := h.fake.Events(group, 0); len(ev) != 1 || ev[0].Text != catalog.Texts.GroupNote {
		t.Errorf("the group was told %+v", ev)
	}
	if c, s := h.count(`SELECT count(*) FROM contacts`), h.count(`SELECT count(*) FROM sessions`); c != contacts || s != sessions {
		t.Errorf("the group changed contacts %d→%d, sessions %d→%d", contacts, c, sessions, s)
	}
	if n := h.count(`SELECT count(*) FROM processed_inputs p JOIN contacts c ON c.id = p.contact_id WHERE c.telegram_user_id >= 13100`); n != 0 {
		t.Errorf("%d group messages reached the engine", n)
	}
	if n := h.count(`SELECT messages FROM group_notes WHERE chat_id = $1`, group); n < 1 {
		t.Errorf("the group's messages were not counted")
	}
	for _, r := range h.fake.Refused() {
		if strings.HasSuffix(r, ": 429") && !strings.HasPrefix(r, "sendMessage") {
			continue
		}
		if strings.Contains(r, "Bad Request") {
			t.Errorf("the bot made a request Telegram refuses: %s", r)
		}
	}
}

// TestWebhookUpdateDeliveredFiftyTimesRepliedOnce: the same update posted
// fifty times at once (and a press thirty times) is applied once and
// answered once.
func TestWebhookUpdateDeliveredFiftyTimesRepliedOnce(t *testing.T) {
	h := newHarness(t)
	const secret = "s3cret-fifty"
	r := h.start(secret)
	p := h.fake.Phone(t, 13201, "张三")
	ctx := context.Background()
	post := func(raw json.RawMessage, times int) {
		var wg sync.WaitGroup
		for i := 0; i < times; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := h.fake.PostWebhook(ctx, "http://"+r.addr+"/telegram/hook", secret, raw); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
	}
	post(h.fake.Update(p.TextUpdate("/start "+h.invite("330106", dialogs.Filler))), 1)
	h.fake.WaitFor(5*time.Second, func() bool { return p.Screen() != nil })
	for _, step := range []struct {
		update func() map[string]any
		times  int
	}{
		{func() map[string]any { return p.TextUpdate("/status") }, 50},
		{func() map[string]any { return p.PressUpdate(p.Screen().ID, p.Screen().Buttons[2][0].CallbackData) }, 30},
		{func() map[string]any { return p.TextUpdate("5") }, 50},
	} {
		before := h.fake.EventCount(13201)
		post(h.fake.Update(step.update()), step.times)
		time.Sleep(500 * time.Millisecond) // anything repeated would have come by now
		if got := h.fake.EventCount(13201) - before; got != 1 {
			for _, e := range h.fake.Events(13201, before) {
				t.Logf("event: %q", e.Text)
			}
			t.Errorf("an update delivered %d times was answered %d times", step.times, got)
		}
	}
	if n := h.count(`SELECT count(*) FROM audit_log WHERE unit_code = '330106' AND target = 'main//built'`); n != 1 {
		t.Errorf("applied %d times", n)
	}
}

// TestUnsentRepliesSweptOnce: a turn committed whose replies never went out
// (the process died between the two) has them sent by the sweep once its
// lease has passed, once, and not before.
func TestUnsentRepliesSweptOnce(t *testing.T) {
	h := newHarness(t)
	h.start("")
	p := h.member(13301, "张三", "330106")
	p.Press("附件3").Expect("新建成（家）")
	p.Say("5").Expect("改造提升（家）")
	ctx := context.Background()
	var key string
	if err := h.db.GetContext(ctx, &key, `SELECT p.key FROM processed_inputs p JOIN contacts c ON c.id = p.contact_id
		WHERE c.telegram_user_id = 13301 ORDER BY p.handled_at DESC LIMIT 1`); err != nil {
		t.Fatal(err)
	}
	h.fake.WaitFor(5*time.Second, func() bool { return h.count(`SELECT count(*) FROM processed_inputs WHERE key = $1 AND sent`, key) == 1 })
	// As a process that died would have left it: not sent, lease running.
	if _, err := h.db.ExecContext(ctx, `UPDATE processed_inputs SET sent = false, lease_until = now() + interval '1 minute' WHERE key = $1`, key); err != nil {
		t.Fatal(err)
	}
	before := h.fake.EventCount(13301)
	time.Sleep(6 * time.Second) // longer than a sweep
	if got := h.fake.EventCount(13301); got != before {
		t.Fatalf("replies sent again while their lease ran")
	}
	if _, err := h.db.ExecContext(ctx, `UPDATE processed_inputs SET lease_until = now() - interval '1 second' WHERE key = $1`, key); err != nil {
		t.Fatal(err)
	}
	if !h.fake.WaitFor(15*time.Second, func() bool { return h.fake.EventCount(13301) > before }) {
		t.Fatal("the unsent replies were never sent")
	}
	time.Sleep(6 * time.Second)
	if got := h.fake.EventCount(13301) - before; got != 1 {
		t.Errorf("the replies were sent %d times", got)
	}
	if e := h.fake.Events(13301, before); !strings.Contains(e[0].Text, "✔ 按建设方式 · 新建成（家）：5 家") {
		t.Errorf("sent %q", e[0].Text)
	}
}

func mustID(t *testing.T, raw json.RawMessage) json.RawMessage {
	t.Helper()
	var u struct {
		ID json.RawMessage `json:"update_id"`
	}
	if err := json.Unmarshal(raw, &u); err != nil {
		t.Fatal(err)
	}
	return u.ID
}

// TestPollerPicksUpWhatTheLastOneKept: updates a poller kept in the inbox
// and confirmed, but died before handling, are handled by the next poller,
// in order, before newer ones; nothing is lost.
func TestPollerPicksUpWhatTheLastOneKept(t *testing.T) {
	h := newHarness(t)
	r := h.start("")
	p := h.member(13501, "张三", "330106")
	p.Press("附件3").Expect("新建成（家）")
	r.stop()
	// What a poller that died had kept: three answers, confirmed to
	// Telegram (so only the inbox holds them).
	ctx := context.Background()
	for _, v := range []string{"5", "0", "5"} {
		raw := h.fake.Update(p.TextUpdate(v))
		var id int64
		if err := json.Unmarshal(mustID(t, raw), &id); err != nil {
			t.Fatal(err)
		}
		if _, err := h.db.ExecContext(ctx, `INSERT INTO inbox (bot_id, update_id, chat_id, payload) VALUES ($1, $2, $3, $4)`,
			7000001, id, 13501, []byte(raw)); err != nil {
			t.Fatal(err)
		}
	}
	h.start("")
	p.Say("100").Expect("入小微园企业数（家）")
	var got []string
	if err := h.db.SelectContext(ctx, &got, `SELECT target || '=' || new_value FROM audit_log WHERE unit_code = '330106' AND action = 'answer.set' ORDER BY id`); err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, ",") != "main//built=5,main//upgraded=0,main//mfg_count=5,main//mfg_land=100" {
		t.Errorf("applied %v", got)
	}
}
