package reminders_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"tianbao/campaigns"
	"tianbao/dialogs"
	"tianbao/dialogs/dialogtest"
	"tianbao/reminders"
	"tianbao/store/storetest"
)

// TestOneMessageForSeveralCampaigns: 西湖区's official has places in two
// campaigns whose reminders fall at the same 09:30; the scheduler's tick
// runs both rounds and she gets one message naming both, each part's
// buttons bound to its place (each opens its own campaign's form); someone
// in one campaign only gets theirs as before, and nothing is sent twice.
func TestOneMessageForSeveralCampaigns(t *testing.T) {
	ctx := context.Background()
	env := dialogtest.New(t, storetest.NewDB(t), at(2, 9, 30))
	dialogtest.InstallVariant(t, env.DB, "second-notice", func(y string) string {
		return strings.Replace(y, "short: 小微企业园建设（2018）", "short: 第二份通知", 1)
	})
	a, err := env.DB.ConsoleContactOf(ctx, "王芳", campaigns.BuiltinID, "330106", dialogs.Filler, "王芳")
	if err != nil {
		t.Fatal(err)
	}
	b, err := env.DB.ConsoleContactOf(ctx, "王芳", "second-notice", "330106", dialogs.Filler, "王芳")
	if err != nil {
		t.Fatal(err)
	}
	other := env.Contact("330102", "上城联系人")
	s := &reminders.Scheduler{DB: env.DB, Campaigns: env.Registry, Now: func() time.Time { return at(2, 9, 30) }}
	s.Tick(ctx)
	s.Tick(ctx) // a second replica, or the next campaign's cron at the same minute

	var rows []struct {
		ID      int64  `db:"id"`
		Contact int64  `db:"contact_id"`
		Kind    string `db:"kind"`
		Payload []byte `db:"payload"`
		Error   string `db:"last_error"`
		Due     bool   `db:"due"`
		Sent    bool   `db:"sent"`
	}
	if err := env.DB.SelectContext(ctx, &rows, `SELECT id, contact_id, kind, payload, last_error, next_attempt_at <= now() AS due, sent_at IS NOT NULL AS sent
		FROM outbox WHERE kind IN ('reminder', 'reminders', 'digest') ORDER BY id`); err != nil {
		t.Fatal(err)
	}
	var merged []dialogs.Reply
	for _, r := range rows {
		var reply dialogs.Reply
		_ = json.Unmarshal(r.Payload, &reply)
		switch {
		case r.Kind == "reminders":
			if r.Sent || !r.Due || (r.Contact != a && r.Contact != b) {
				t.Errorf("the merged message: %+v", r)
			}
			merged = append(merged, reply)
		case r.Contact == a || r.Contact == b:
			if !r.Sent || !strings.HasPrefix(r.Error, "merged into ") {
				t.Errorf("her own reminder %d went out by itself: %+v", r.ID, r)
			}
		case r.Contact == other.ID:
			if r.Sent || !r.Due || strings.Contains(reply.Text, "今日提醒") {
				t.Errorf("上城区's reminder: %+v %s", r, reply.Text)
			}
		}
	}
	if len(merged) != 1 {
		t.Fatalf("%d merged messages, want 1 (rows %d)", len(merged), len(rows))
	}
	m := merged[0]
	for _, want := range []string{"📅 今日提醒（2 处填报）", "〔小微企业园建设（2018）〕\n⏰", "〔第二份通知〕\n⏰", "附件1"} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("the merged message lacks %q:\n%s", want, m.Text)
		}
	}
	if !m.Headed || strings.Count(m.Text, "⏰") != 2 {
		t.Errorf("merged: headed %v, one part each:\n%s", m.Headed, m.Text)
	}
	// Each button acts in its own place: 填写 附件1 of each campaign.
	var to []int64
	for _, row := range m.Buttons {
		for _, btn := range row {
			id, data, ok := dialogs.Bound(btn.Data)
			if !ok {
				t.Errorf("an unbound button in the merged message: %+v", btn)
			}
			if strings.HasPrefix(btn.Label, "填写 附件1") {
				to = append(to, id)
				chat := &dialogtest.Chat{T: t, Engine: env.Engine, DB: env.DB, ID: id}
				chat.Send(dialogs.Input{Button: data, Route: dialogs.RouteSwitch}).Expect("机构名称")
			}
		}
	}
	if len(to) != 2 || to[0]+to[1] != a+b || to[0] == to[1] {
		t.Errorf("附件1's buttons go to %v, want %d and %d", to, a, b)
	}
}
