package reminders_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"tianbao/calendar"
	"tianbao/campaign"
	"tianbao/campaigns"
	"tianbao/dialogs/dialogtest"
	"tianbao/reminders"
	"tianbao/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

var sh = dialogtest.Shanghai

func at(day, hour, minute int) time.Time { return time.Date(2018, 12, day, hour, minute, 0, 0, sh) }

func builtin(t *testing.T) *campaign.Campaign { return dialogtest.Builtin(t) }

func TestSlotsAndScheduleInShanghai(t *testing.T) {
	c := builtin(t)
	a1 := c.Form("a1")
	var got []string
	for _, s := range a1.Reminders[campaign.County].Slots(a1.Due[campaign.County], sh, c.Calendar) {
		got = append(got, s.In(sh).Format("01-02 15:04")+"="+s.UTC().Format("15:04Z"))
	}
	want := "11-28 09:30=01:30Z,12-02 09:30=01:30Z,12-04 09:30=01:30Z,12-05 09:30=01:30Z,12-06 09:30=01:30Z,12-07 09:30=01:30Z," +
		"12-08 09:30=01:30Z,12-09 09:30=01:30Z,12-10 09:30=01:30Z,12-11 09:30=01:30Z,12-12 09:30=01:30Z"
	if strings.Join(got, ",") != want {
		t.Errorf("a1 county slots\n%s\nwant\n%s", strings.Join(got, ","), want)
	}
	// 附件4 overrides the days before; weekends can be left out.
	a4 := c.Form("a4").Reminders[campaign.County]
	if first := a4.Slots(c.Form("a4").Due[campaign.County], sh, c.Calendar)[0]; first.Format("2006-01-02") != "2019-03-11" {
		t.Errorf("a4 first slot %s", first)
	}
	noWeekends := a1.Reminders[campaign.County]
	noWeekends.Weekends = false
	for _, s := range noWeekends.Slots(a1.Due[campaign.County], sh, c.Calendar) {
		if wd := s.Weekday(); (wd == time.Saturday || wd == time.Sunday) && s.Day() != 5 {
			t.Errorf("a weekend slot %s", s)
		}
	}
	// The cron fires at 09:30 Shanghai time, whatever the machine's zone.
	runs, err := reminders.NextRuns(c, time.Date(2018, 12, 2, 0, 0, 0, 0, sh))
	if err != nil {
		t.Fatal(err)
	}
	if runs[0].In(sh).Format("2006-01-02 15:04") != "2018-12-02 09:30" || runs[0].UTC().Hour() != 1 {
		t.Errorf("next run %s", runs[0])
	}
}

type fixture struct {
	env            *dialogtest.Env
	camp           *campaign.Campaign
	main, backup   *dialogtest.Chat
	other, reviewr *dialogtest.Chat
}

func setup(t *testing.T) *fixture {
	env := dialogtest.New(t, storetest.NewDB(t), at(1, 9, 0))
	camp, err := env.Registry.Campaign(context.Background(), campaigns.BuiltinID)
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{env: env, camp: camp, main: env.Contact("330106", "主联系人"), backup: env.Contact("330106", "备用联系人"),
		other: env.Contact("330102", "上城联系人"), reviewr: env.Reviewer("330100", "杭州审核")}
	// 西湖区 submits 附件3 and starts 附件1.
	f.main.Say("/start").Press("附件3")
	for _, v := range []string{"1", "0", "1", "10", "5", "0", "0", "0", "5"} {
		f.main.Say(v)
	}
	f.main.Press("✅ 提交").Expect("已提交")
	f.main.Press("附件1").Say("西湖区小微企业园工作联席会议").Say("王建国")
	f.reviewr.Inbox()
	return f
}

// round runs the reminders of the minute ending at t.
func (f *fixture) round(t *testing.T, end time.Time) []reminders.Planned {
	t.Helper()
	p, err := reminders.Round(context.Background(), f.env.DB, f.camp, end.Add(-time.Minute), end, false)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestWhoIsRemindedOfWhat(t *testing.T) {
	f := setup(t)
	if p := f.round(t, at(2, 9, 29)); len(p) != 0 {
		t.Errorf("reminders at 09:29: %+v", p)
	}
	// Three days before the counties' deadline: each county's main contact.
	p := f.round(t, at(2, 9, 30))
	byContact := map[int64]reminders.Planned{}
	for _, x := range p {
		byContact[x.Contact] = x
	}
	// Only units with contacts can be reminded: 西湖区 and 上城区.
	if len(p) != 2 || byContact[f.other.ID].Contact == 0 {
		t.Errorf("%d reminders at 12-02 09:30, want 西湖区's main contact and 上城区's", len(p))
	}
	xh, ok := byContact[f.main.ID]
	if !ok || byContact[f.backup.ID].Contact != 0 {
		t.Fatalf("before the deadline the main contact and only they: %+v", byContact[f.backup.ID])
	}
	if strings.Contains(strings.Join(xh.Forms, ","), "a3") || !strings.Contains(xh.Reply.Text, "附件1 小微企业园工作联席会议（领导小组）建立情况汇总表：已填 2/5，截止 12月5日，还剩 3 天") ||
		!strings.Contains(xh.Reply.Text, "附件2 2019年小微企业园建设提升计划情况表：未开始") {
		t.Errorf("西湖区's reminder:\n%s (forms %v)", xh.Reply.Text, xh.Forms)
	}
	if len(xh.Reply.Buttons) != 3 || xh.Reply.Buttons[0][0].Label != "填写 附件1" {
		t.Errorf("buttons %v", xh.Reply.Buttons)
	}
	// The same slot again (a restart at 09:30): nothing.
	if again := f.round(t, at(2, 9, 30)); len(again) != 0 {
		t.Errorf("the slot was sent twice: %d", len(again))
	}
	// The reminder opens the form.
	f.main.Inbox()
	f.main.Last = f.main.Last[len(f.main.Last)-1:]
	f.main.Press("填写 附件1").Expect("召集人（组长）职务")

	// Overdue: backups too, and one digest to the city's reviewer.
	p = f.round(t, at(6, 9, 30))
	var toBackup, digests int
	for _, x := range p {
		if x.Contact == f.backup.ID {
			toBackup++
		}
		if x.Digest {
			digests++
			// One line per unit someone can be called at, with how late
			// it is; the units
			// nobody was invited for apart, grouped by what they owe, since
			// no reminder reaches them.
			if x.Contact != f.reviewr.ID || !strings.Contains(x.Reply.Text, "⚠️ 杭州市：13 个县（市、区）逾期未报\n1. 上城区（附件1、附件2、附件3、政策措施）逾期 1 天 — 上城联系人") ||
				!strings.Contains(x.Reply.Text, "\n2. 西湖区（附件1、附件2、政策措施）逾期 1 天 — 主联系人、备用联系人") ||
				!strings.Contains(x.Reply.Text, "没有联系人、收不到提醒的 11 个（请用 /invite 邀请）：下城区、江干区、拱墅区、") ||
				!strings.Contains(x.Reply.Text, "淳安县、建德市（附件1、附件2、附件3、政策措施）") ||
				len(x.Reply.Buttons) != 1 || x.Reply.Buttons[0][0].Label != "📣 催报" {
				t.Errorf("digest to %d:\n%s\n%v", x.Contact, x.Reply.Text, x.Reply.Buttons)
			}
		}
	}
	if toBackup != 1 || digests != 1 {
		t.Errorf("overdue: %d to the backup, %d digests", toBackup, digests)
	}
	if !strings.Contains(byContactText(p, f.main.ID), "截止 12月5日，已逾期 1 天") {
		t.Errorf("overdue text: %s", byContactText(p, f.main.ID))
	}
	// Quiet hours: a catch-up at 22:00 sends nothing.
	if q, err := reminders.Round(context.Background(), f.env.DB, f.camp, at(7, 9, 0), at(7, 22, 0), false); err != nil || len(q) != 0 {
		t.Errorf("quiet hours: %d, %v", len(q), err)
	}
}

func byContactText(p []reminders.Planned, id int64) string {
	for _, x := range p {
		if x.Contact == id && !x.Digest {
			return x.Reply.Text
		}
	}
	return ""
}

func TestExtensionMovesTheSchedule(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	if _, err := f.env.DB.ExecContext(ctx, `INSERT INTO extensions (campaign_id, unit_code, form_id, reason, new_due, status, decided_at)
		VALUES ('zj-2018-14', '330106', 'a1', '等待领导小组发文', '2018-12-20', 'approved', now())`); err != nil {
		t.Fatal(err)
	}
	p := f.round(t, at(6, 9, 30))
	text := byContactText(p, f.main.ID)
	if strings.Contains(text, "附件1") || !strings.Contains(text, "附件2") {
		t.Errorf("with a1 extended to 12-20, 12-06's reminder:\n%s", text)
	}
	p = f.round(t, at(13, 9, 30)) // 7 days before the new due date
	if text := byContactText(p, f.main.ID); !strings.Contains(text, "附件1 小微企业园工作联席会议（领导小组）建立情况汇总表：已填 2/5，截止 12月20日，还剩 7 天") {
		t.Errorf("12-13's reminder:\n%s", text)
	}
}

func TestTwoReplicasSendEachReminderOnce(t *testing.T) {
	f := setup(t)
	var wg sync.WaitGroup
	counts := make([]int, 4)
	for i := range counts {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			p, err := reminders.Round(context.Background(), f.env.DB, f.camp, at(6, 9, 29), at(6, 9, 30), false)
			if err != nil {
				t.Error(err)
			}
			counts[i] = len(p)
		}(i)
	}
	wg.Wait()
	total := 0
	for _, n := range counts {
		total += n
	}
	var queued int
	if err := f.env.DB.GetContext(context.Background(), &queued, `SELECT count(*) FROM outbox WHERE kind IN ('reminder', 'digest')`); err != nil {
		t.Fatal(err)
	}
	if total != queued || queued != 4 {
		t.Errorf("rounds planned %v, outbox has %d, want 4 once (西湖区's two contacts, 上城区's, the digest)", counts, queued)
	}
	// Only one replica leads the schedule at a time.
	ctx := context.Background()
	l1, err := f.env.DB.TryLead(ctx, "tianbao:reminders")
	if err != nil || l1 == nil {
		t.Fatalf("first leader: %v", err)
	}
	if l2, _ := f.env.DB.TryLead(ctx, "tianbao:reminders"); l2 != nil {
		t.Fatal("two leaders")
	}
	l1.Release()
	l3, err := f.env.DB.TryLead(ctx, "tianbao:reminders")
	if err != nil || l3 == nil {
		t.Fatalf("the lead was not taken over: %v", err)
	}
	l3.Release()
}

func TestSubmittedUnitsAreSkipped(t *testing.T) {
	f := setup(t)
	p := f.round(t, at(5, 9, 30))
	for _, x := range p {
		if x.Unit == "330106" {
			for _, form := range x.Forms {
				if form == "a3" {
					t.Errorf("a submitted form was reminded")
				}
			}
		}
	}
}

// A returned submission is reminded like one never submitted.
func TestReturnedFormsAreReminded(t *testing.T) {
	f := setup(t)
	// The city returns 西湖区's 附件3 (the status a return leaves).
	if _, err := f.env.DB.ExecContext(context.Background(), `UPDATE drafts SET status = 'returned' WHERE unit_code = '330106' AND form_id = 'a3'`); err != nil {
		t.Fatal(err)
	}
	text := byContactText(f.round(t, at(4, 9, 30)), f.main.ID)
	if !strings.Contains(text, "附件3 2018-2022年小微企业园建设规划目标：已退回，请按审核意见修改后重新提交，截止 12月5日，还剩 1 天") {
		t.Errorf("returned form's reminder:\n%s", text)
	}
}

// TestReminderOffAHoliday: in working days, a reminder that would fall on
// a day off moves to the working day before (never dropped, never on a
// holiday): a return due on 1 October 2019 (国庆) is reminded 3, 2 and 1
// working days before, on 27, 29 (a Sunday worked) and 30 September, the
// due day's reminder moving to the 30th too; overdue ones resume on 8
// October.
func TestReminderOffAHoliday(t *testing.T) {
	c := builtin(t)
	p := campaign.ReminderPolicy{At: 9*time.Hour + 30*time.Minute, BeforeDays: []int{3, 2, 1, 0}, OverdueDays: 2, Weekends: true, WorkingDays: true}
	due := time.Date(2019, 10, 1, 23, 59, 59, 0, sh)
	var got []string
	for _, s := range p.Slots(due, sh, c.Calendar) {
		got = append(got, s.Format("01-02 15:04"))
		if !c.Calendar.Workday(calendar.DayOf(s, sh)) {
			t.Errorf("a reminder on a day off: %s", s)
		}
	}
	if want := "09-27 09:30,09-29 09:30,09-30 09:30,10-08 09:30,10-09 09:30"; strings.Join(got, ",") != want {
		t.Errorf("slots %s, want %s", strings.Join(got, ","), want)
	}
}
