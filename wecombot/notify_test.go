package wecombot_test

import (
	"context"
	"strings"
	"testing"
	"time"
)

// TestWeComSenderWakesWithoutPolling: idle, the WeCom sender does not look
// at the outbox; a notice queued without a poke (as another replica queues
// one) goes out on the NOTIFY at once, and one held for 2 s when it is
// due; its safety net is 30 s, so nothing else explains either.
func TestWeComSenderWakesWithoutPolling(t *testing.T) {
	h := newHarness(t)
	h.enrol("unit\trole\tuserid\tname\n330106\tfiller\tZhangSan\t张三\n")
	county := h.phone("ZhangSan")
	county.expect("您已被登记为西湖区的填报人")
	settle := func() {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for h.count(`SELECT count(*) FROM outbox WHERE sent_at IS NULL`) != 0 {
			if time.Now().After(deadline) {
				t.Fatal("the outbox was not emptied")
			}
			time.Sleep(20 * time.Millisecond)
		}
		time.Sleep(300 * time.Millisecond)
	}
	settle()
	before := h.ch.Claims()
	time.Sleep(2 * time.Second)
	if n := h.ch.Claims() - before; n > 1 {
		t.Errorf("%d claims in 2 s idle, want at most 1", n)
	}
	queue := func(text string, after time.Duration) time.Time {
		t.Helper()
		if _, err := h.db.ExecContext(context.Background(), `INSERT INTO outbox (contact_id, kind, payload, next_attempt_at)
			SELECT id, 'notice', jsonb_build_object('Text', $1::text), now() + make_interval(secs => $2) FROM contacts WHERE unit_code = '330106'`,
			text, after.Seconds()); err != nil {
			t.Fatal(err)
		}
		return time.Now()
	}
	arrives := func(text string, within time.Duration) bool {
		ctx, cancel := context.WithTimeout(context.Background(), within)
		defer cancel()
		for n := len(county.m.Received()) + 1; ; n++ {
			got, err := county.m.WaitReceived(ctx, n)
			if err != nil {
				return false
			}
			if strings.Contains(show(got[n-1]), text) {
				return true
			}
		}
	}
	queue("另一副本排队的通知", 0)
	if !arrives("另一副本排队的通知", 3*time.Second) {
		t.Fatal("a notice queued without a poke did not arrive within 3 s")
	}
	settle()
	at := queue("两秒后到期的通知", 2*time.Second)
	if !arrives("两秒后到期的通知", 10*time.Second) {
		t.Fatal("a notice due in 2 s did not arrive within 10 s")
	}
	if d := time.Since(at); d < 1900*time.Millisecond {
		t.Errorf("a notice due in 2 s arrived after %v", d)
	}
	h.noViolations()
}
