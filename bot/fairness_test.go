package bot_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"tianbao/bot/telegramtest"
)

// flood queues pairs answers of A to 附件1's 机构名称, each followed by
// /back (so the next answer is the same field's again), 2×pairs updates in
// all, before anyone else's.
func flood(p *telegramtest.Phone, pairs int) {
	for i := 0; i < pairs; i++ {
		p.S.Push(p.TextUpdate(fmt.Sprintf("洪水机构%04d", i)))
		p.S.Push(p.TextUpdate("/back"))
	}
}

// TestOneChatFloodingDoesNotStallAnother: one contact's 1,000 messages are
// queued before another's one /status. Long polling fetches on without
// waiting for the flooded chat, so the other's reply comes while most of
// the flood still waits (before, it came after all of it); and the flood
// itself is applied in order, every message once.
func TestOneChatFloodingDoesNotStallAnother(t *testing.T) {
	h := newHarness(t)
	h.start("")
	a := h.member(12001, "张三", "330106")
	victim := h.member(12002, "李四", "330102")
	a.Press("附件1").Expect("机构名称（第 1/5 项）")
	const pairs = 500
	flood(a, pairs)
	victim.Say("/status").Expect("请选择要填写的表格")
	applied := h.count(`SELECT count(*) FROM audit_log WHERE unit_code = '330106' AND target = 'main//org_name'`)
	if applied >= pairs/2 {
		t.Errorf("the victim's reply waited for %d of the flood's %d answers", applied, pairs)
	}
	if !h.fake.WaitFor(3*time.Minute, func() bool {
		return h.count(`SELECT count(*) FROM audit_log WHERE unit_code = '330106' AND target = 'main//org_name'`) == pairs
	}) {
		t.Fatalf("the flood was not all applied")
	}
	var got []string
	if err := h.db.SelectContext(context.Background(), &got, `SELECT new_value FROM audit_log
		WHERE unit_code = '330106' AND target = 'main//org_name' ORDER BY id`); err != nil {
		t.Fatal(err)
	}
	for i, v := range got {
		if want := fmt.Sprintf("洪水机构%04d", i); v != want {
			t.Fatalf("answer %d is %q, want %q: applied out of order", i, v, want)
		}
	}
	if n := h.count(`SELECT count(*) FROM processed_inputs p JOIN contacts c ON c.id = p.contact_id WHERE c.telegram_user_id = 12001`); n < 2*pairs {
		t.Errorf("%d of the flood's %d updates recorded", n, 2*pairs)
	}
	if !h.fake.WaitFor(5*time.Second, func() bool { return h.count(`SELECT count(*) FROM inbox`) == 0 }) {
		t.Errorf("%d updates left in the inbox", h.count(`SELECT count(*) FROM inbox`))
	}
	for _, e := range h.fake.Events(12001, 0) {
		if strings.Contains(e.Text, "抱歉") {
			t.Fatalf("apology in the flood: %q", e.Text)
		}
	}
}

// BenchmarkVictimUnderFlood reports how long one contact's /status takes
// to be answered while another's 1,000 messages are queued ahead of it,
// in long polling (go test ./bot -run '^$' -bench VictimUnderFlood
// -benchtime 5x), and how much of the flood was applied by then.
func BenchmarkVictimUnderFlood(b *testing.B) {
	var total time.Duration
	var before int
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		h := newHarness(b)
		r := h.start("")
		a := h.member(12001, "张三", "330106")
		victim := h.member(12002, "李四", "330102")
		a.Press("附件1").Expect("机构名称（第 1/5 项）")
		flood(a, 500)
		b.StartTimer()
		start := time.Now()
		victim.Say("/status").Expect("请选择要填写的表格")
		total += time.Since(start)
		b.StopTimer()
		before += h.count(`SELECT count(*) FROM audit_log WHERE unit_code = '330106' AND target = 'main//org_name'`)
		r.stop()
	}
	b.ReportMetric(float64(total.Microseconds())/1000/float64(b.N), "victim-ms")
	b.ReportMetric(float64(before)/float64(b.N), "flood-answers-applied-before")
}
