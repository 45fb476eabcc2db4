package owed_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"tianbao/campaign"
	"tianbao/dialogs"
	"tianbao/dialogs/dialogtest"
	"tianbao/reminders"
	"tianbao/reports"
	"tianbao/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// monthlyReturn is a county's monthly return that the city forwards by its
// own date, as the newcomer's trial wrote one.
const monthlyReturn = `id: monthly
title: 新设企业月报（测试）
timezone: Asia/Shanghai
units:
  file: units.tsv
  root: {code: "330000", name: 浙江省}
reminders: {overdue_days: 3}
forms:
  - id: firms
    short: 新设企业
    title: 新设小微企业情况
    levels: [county]
    periods: {every: month, from: 2026-09, until: 2026-12}
    due: {county: {working_days: 5}, city: {working_days: 8}}
    sections:
      - {id: main, kind: record, fields: [{id: total, label: 新设企业数（家）, type: integer, unit: 家, min: 0}]}
`

func day(t time.Time) string { return t.In(sh).Format("2006年1月2日") }

// planned finds the one message of a round to a contact whose text holds
// mark (a digest, or a reminder of returns or of packages).
func planned(t *testing.T, p []reminders.Planned, contact int64, mark string) reminders.Planned {
	t.Helper()
	var found []reminders.Planned
	for _, x := range p {
		if x.Contact == contact && strings.Contains(x.Reply.Text, mark) {
			found = append(found, x)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d messages %q to contact %d in %+v", len(found), mark, contact, p)
	}
	return found[0]
}

const (
	returns  = "⏰ 填报提醒"
	packages = "⏰ 上报提醒"
	digest   = "⚠️"
)

func round(t *testing.T, env *dialogtest.Env, c *campaign.Campaign, at time.Time) []reminders.Planned {
	t.Helper()
	p, err := reminders.Round(context.Background(), env.DB, c, at.Add(-time.Minute), at, false)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestStandingReturnWithTwoOverdueMonths: 上城区 never returned September
// nor October, 西湖区 returned every month and the city approved them; on 7
// December (November due that day) /summary, the desk and the digest all
// count both late months, not only the current one (newcomer 5), and the
// city is late for the province with both months' packages.
func TestStandingReturnWithTwoOverdueMonths(t *testing.T) {
	env := dialogtest.New(t, storetest.NewDB(t), time.Date(2026, 10, 9, 9, 0, 0, 0, sh))
	dialogtest.Install(t, env.DB, "monthly.yaml", monthlyReturn, map[string]string{"units.tsv": units})
	c, err := env.Registry.Campaign(context.Background(), "monthly")
	if err != nil {
		t.Fatal(err)
	}
	sep, oct := c.Form("firms.2026m09"), c.Form("firms.2026m10")
	xh := env.ContactAs("monthly", "330106", "王芳", dialogs.Filler)
	sc := env.ContactAs("monthly", "330102", "李四", dialogs.Filler)
	city := env.ContactAs("monthly", "330100", "杭州审核", dialogs.Reviewer)
	province := env.ContactAs("monthly", "330000", "省办", dialogs.Reviewer)
	for _, m := range []struct {
		at    time.Time
		label string
	}{{time.Date(2026, 10, 9, 9, 0, 0, 0, sh), "2026年9月"}, {time.Date(2026, 11, 3, 9, 0, 0, 0, sh), "2026年10月"}, {time.Date(2026, 12, 2, 9, 0, 0, 0, sh), "2026年11月"}} {
		env.Now = m.at
		xh.Say("/start").Press("新设企业 " + m.label).Say("5").Expect("全部填写完毕").Press("✅ 提交").Expect("已提交")
		city.Inbox().Press("✅ 通过").Expect("已通过")
	}

	now := time.Date(2026, 12, 7, 9, 30, 0, 0, sh)
	env.Now = now
	county := func(f *campaign.Form) time.Time { return f.Due[campaign.County] }
	cityDue := func(f *campaign.Form) time.Time { d, _ := c.DueFor(c.Units["330100"], f); return d }
	city.Say("/summary").Expect(
		"各表依次为：新设企业 2026年9月 · 新设企业 2026年10月 · 新设企业 2026年11月", // the overdue months first, then the current one
		"❗上城区：⬜⬜⬜", "\n西湖区：✅✅✅",
		"县（市、区）：新设企业 2026年9月 "+day(county(sep))+"截止（已过 ", "；新设企业 2026年10月 "+day(county(oct))+"截止（已过 ",
		"；新设企业 2026年11月 今天（2026年12月7日）截止",
		// The city itself has forwarded neither month: late for the province.
		"📤 本级向浙江省上报：新设企业 2026年9月 未上报（截止 "+day(cityDue(sep)), "新设企业 2026年10月 未上报（截止 "+day(cityDue(oct)),
		"逾期单位 2 个", // 上城区, and the city itself
	)
	if _, ok := city.Button("⏰ 逾期与联系人（2）"); !ok {
		t.Errorf("late button: %v", city.Labels())
	}
	city.Press("⏰ 逾期与联系人").Expect("上城区（新设企业 2026年9月、10月）逾期 ", "— 李四")
	province.Say("/summary").Expect("新设企业 2026年9月 · 新设企业 2026年10月 · 新设企业 2026年11月",
		"杭州市：⬜⬜⬜  3/6  ❗逾期 4") // 上城区's two months, the city's two packages
	province.Press("📋 各表明细").Expect("【新设企业 2026年9月】", "县（市、区）：已通过 1 · 未开始 1（共 2）", "逾期未报 1 个：上城区",
		"设区市上报：未上报 1（共 1），截止 "+day(cityDue(sep)), "逾期未报 1 个：杭州市", "【新设企业 2026年10月】")

	// The desk: the same three columns, 上城区 late on both months.
	desk, err := reports.Summarizer{DB: env.DB}.Desk(context.Background(), c, "330100", "330100", now)
	if err != nil {
		t.Fatal(err)
	}
	var cols []string
	for _, f := range desk.Forms {
		cols = append(cols, f.Short)
	}
	if strings.Join(cols, ",") != "新设企业 2026年9月,新设企业 2026年10月,新设企业 2026年11月" || !desk.Forms[0].Past || desk.Forms[2].Past {
		t.Errorf("the desk's columns: %+v", desk.Forms)
	}
	for _, r := range desk.Rows {
		var late []bool
		for _, cell := range r.Cells {
			late = append(late, cell.Late)
		}
		if want := r.Unit.Code == "330102"; r.Late != want || len(late) != 3 || late[0] != want || late[1] != want || late[2] {
			t.Errorf("the desk's row %s: late %v, cells %v", r.Unit.Name, r.Late, late)
		}
	}
	if desk.Late != 1 || len(desk.Owes) != 2 || !desk.Owes[0].Late || desk.Owes[0].Word != "未上报" {
		t.Errorf("the desk: %d late, owes %+v", desk.Late, desk.Owes)
	}
	pdesk, err := reports.Summarizer{DB: env.DB}.Desk(context.Background(), c, "330000", "330000", now)
	if err != nil {
		t.Fatal(err)
	}
	if r := pdesk.Rows[0]; len(r.Cells) != 3 || r.Cells[0].State != "pkg_none" || !r.Cells[0].Late || !r.Cells[1].Late || r.Cells[2].Late || pdesk.Late != 1 {
		t.Errorf("the province's desk: %+v (late %d)", r, pdesk.Late)
	}

	// The reminders: on October's last daily one, 上城区 is told of
	// September as well, and the city's digest names both months.
	policy := oct.Reminders[campaign.County]
	slots := policy.Slots(county(oct), sh, c.Calendar)
	at := slots[len(slots)-1]
	p := round(t, env, c, at)
	if r := planned(t, p, sc.ID, returns); !strings.Contains(r.Reply.Text, "新设企业 新设小微企业情况（2026年9月）：未开始，截止 "+county(sep).In(sh).Format("1月2日")+"，已逾期") ||
		!strings.Contains(r.Reply.Text, "（2026年10月）：未开始") || strings.Join(r.Forms, ",") != "firms.2026m09,firms.2026m10" {
		t.Errorf("上城区's reminder at %s:\n%s %v", at, r.Reply.Text, r.Forms)
	}
	if d := planned(t, p, city.ID, digest); !strings.Contains(d.Reply.Text, "⚠️ 杭州市：1 个县（市、区）逾期未报\n1. 上城区（新设企业 2026年9月、10月）逾期 ") {
		t.Errorf("the city's digest:\n%s", d.Reply.Text)
	}

	// The city's first overdue day for October: its reviewers are told
	// both months wait to go up, the province's digest names the city.
	cslots := oct.Reminders[campaign.City].Slots(cityDue(oct), sh, c.Calendar)
	var first time.Time
	for _, s := range cslots {
		if s.After(cityDue(oct)) {
			first = s
			break
		}
	}
	p = round(t, env, c, first)
	if r := planned(t, p, city.ID, packages); !strings.Contains(r.Reply.Text, "⏰ 上报提醒：杭州市\n以下表格尚未上报浙江省：") ||
		!strings.Contains(r.Reply.Text, "（2026年9月）：已审核通过 1/2") || !strings.Contains(r.Reply.Text, "（2026年10月）：已审核通过 1/2") ||
		strings.Join(r.Forms, ",") != "pkg:firms.2026m09,pkg:firms.2026m10" {
		t.Errorf("the city's reminder at %s:\n%s %v", first, r.Reply.Text, r.Forms)
	}
	if d := planned(t, p, province.ID, digest); !strings.Contains(d.Reply.Text, "⚠️ 浙江省：1 个设区市逾期未报\n1. 杭州市（新设企业 2026年9月、10月 未上报）逾期 ") {
		t.Errorf("the province's digest:\n%s", d.Reply.Text)
	}

	// Weeks later, past every daily reminder, September is still chased
	// once a week, with the months after it, and digested.
	repeats := sep.Reminders[campaign.County].Repeats(county(sep), sh, c.Calendar, now, now.AddDate(0, 0, 8))
	if len(repeats) == 0 {
		t.Fatalf("no weekly reminder of September after %s", now)
	}
	p = round(t, env, c, repeats[0])
	if r := planned(t, p, sc.ID, returns); !strings.Contains(r.Reply.Text, "（2026年9月）") || !strings.Contains(r.Reply.Text, "（2026年10月）") ||
		!strings.Contains(r.Reply.Text, fmt.Sprintf("已逾期 %d 天", -campaign.DaysLeft(repeats[0], county(sep), sh))) {
		t.Errorf("上城区's weekly reminder at %s:\n%s", repeats[0], r.Reply.Text)
	}
	if d := planned(t, p, city.ID, digest); !strings.Contains(d.Reply.Text, "上城区（新设企业 2026年9月、10月") {
		t.Errorf("the weekly digest:\n%s", d.Reply.Text)
	}
}

// TestCityThatDidNotForwardIsLate: 杭州市 approved both counties' 附件3 and
// never pressed 📤 上报. From its own date on it is late for the province
// (UX 2): ❗ and 📤 in the province's /summary, 已审核未上报 in its late
// list and the desk, its reviewers reminded with a button that forwards,
// the province's digest naming it — until it forwards.
func TestCityThatDidNotForwardIsLate(t *testing.T) {
	env := dialogtest.New(t, storetest.NewDB(t), time.Date(2018, 12, 1, 9, 0, 0, 0, sh))
	dialogtest.InstallMini(t, env.DB)
	c, err := env.Registry.Campaign(context.Background(), "mini")
	if err != nil {
		t.Fatal(err)
	}
	city := env.ContactAs("mini", "330100", "杭州审核", dialogs.Reviewer)
	province := env.ContactAs("mini", "330000", "省办", dialogs.Reviewer)
	for _, unit := range []string{"330102", "330106"} {
		env.ContactAs("mini", unit, "联系人", dialogs.Filler).SubmitA3("1", "0", "1", "10", "5", "0", "0", "0", "5")
	}
	city.Inbox()
	reviews := city.Last
	for i := range reviews {
		city.Last = reviews[i : i+1]
		city.Press("✅ 通过").Expect("已通过")
	}

	// Three days before its date, with everything approved, the city's
	// reviewers are told it can go up; nothing else waits so early.
	p := round(t, env, c, time.Date(2018, 12, 7, 9, 30, 0, 0, sh))
	if r := planned(t, p, city.ID, packages); !strings.Contains(r.Reply.Text, "附件3 2018-2022年小微企业园建设规划目标：已审核，可以上报，截止 12月10日，还剩 3 天") ||
		strings.Contains(r.Reply.Text, "附件1 小微企业园工作联席会议（领导小组）建立情况汇总表：已审核通过") {
		t.Errorf("before the date:\n%s", r.Reply.Text)
	}

	now := time.Date(2018, 12, 11, 9, 30, 0, 0, sh)
	env.Now = now
	province.Say("/summary").Expect("杭州市：⬜⬜📤⬜⬜", "❗逾期", "📤已审核未上报", "逾期单位 3 个") // the city, its two counties
	province.Press("⏰ 逾期与联系人").Expect("1. 杭州市（附件1、附件2、政策措施；附件3 已审核未上报）逾期 1 天 — 杭州审核",
		"下级逾期 2 个：上城区、西湖区")
	city.Say("/summary").Expect("📤 本级向浙江省上报：附件1、附件2、政策措施 未上报（截止 2018年12月10日，已逾期 1 天）；附件3 已审核未上报（截止 2018年12月10日，已逾期 1 天）")
	pdesk, err := reports.Summarizer{DB: env.DB}.Desk(context.Background(), c, "330000", "330000", now)
	if err != nil {
		t.Fatal(err)
	}
	if cell := pdesk.Rows[0].Cells[2]; cell.State != "pkg_ready" || cell.Word != "已审核未上报" || !cell.Late || !pdesk.Rows[0].Late {
		t.Errorf("the province's desk, 杭州市 附件3: %+v", cell)
	}

	p = round(t, env, c, now)
	r := planned(t, p, city.ID, packages)
	for _, want := range []string{"⏰ 上报提醒：杭州市\n以下表格尚未上报浙江省：", "附件3 2018-2022年小微企业园建设规划目标：已审核，可以上报，截止 12月10日，已逾期 1 天",
		"附件1 小微企业园工作联席会议（领导小组）建立情况汇总表：已审核通过 0/3"} {
		if !strings.Contains(r.Reply.Text, want) {
			t.Errorf("the city's reminder lacks %q:\n%s", want, r.Reply.Text)
		}
	}
	if d := planned(t, p, province.ID, digest); !strings.Contains(d.Reply.Text, "⚠️ 浙江省：1 个设区市逾期未报\n1. 杭州市（附件1、附件2、政策措施；附件3 已审核未上报）逾期 1 天 — 杭州审核") {
		t.Errorf("the province's digest:\n%s", d.Reply.Text)
	}
	// The reminder's button forwards it.
	city.Inbox()
	for _, m := range city.Last {
		if strings.Contains(m.Text, "上报提醒") {
			city.Last = []dialogs.Reply{m}
		}
	}
	city.Press("📤 上报 附件3").Expect("已上报《附件3 2018-2022年小微企业园建设规划目标》汇总（第 1 次上报）")

	// Forwarded: no longer late, reminded or digested for 附件3.
	next := now.AddDate(0, 0, 1)
	env.Now = next
	p = round(t, env, c, next)
	if r := planned(t, p, city.ID, packages); strings.Contains(r.Reply.Text, "附件3") {
		t.Errorf("a forwarded package is reminded:\n%s", r.Reply.Text)
	}
	if d := planned(t, p, province.ID, digest); strings.Contains(d.Reply.Text, "附件3") || !strings.Contains(d.Reply.Text, "杭州市（附件1、附件2、政策措施）") {
		t.Errorf("the province's digest after forwarding:\n%s", d.Reply.Text)
	}
	province.Say("/summary").Expect("杭州市：⬜⬜⏳⬜⬜")
}
