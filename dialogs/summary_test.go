package dialogs_test

import (
	"strings"
	"testing"
	"time"

	"tianbao/dialogs/dialogtest"
)

func TestSummaryForProvinceAndCity(t *testing.T) {
	env := newEnv(t)
	hz := env.Reviewer("330100", "杭州审核")
	// Three 杭州 counties send 附件3; one is approved, one returned, one
	// waits; 西湖区 also has a park in 附件2, submitted.
	for i, unit := range []string{"330106", "330102", "330103"} {
		c := env.Contact(unit, "联系人")
		fillA3(c, []string{"2", "3", "4"}[i])
		c.Press("✅ 提交")
	}
	hz.Inbox()
	reviews := hz.Last
	hz.Last = reviews[:1]
	hz.Press("✅ 通过")
	hz.Last = reviews[1:2]
	hz.Press("↩️ 退回").Say("请核实").Press("确认退回")
	xh := env.Contact("330106", "联系人")
	xh.Say("/start").Press("附件2").Press("➕ 添加园区")
	park(xh, "西湖创业园", "生产制造类", "智能装备", "政府主导开发", "50", "6", "2019-06")
	xh.Press("本部分填完了").Press("本部分没有园区").Press("本部分没有园区").Press("✅ 提交").Expect("已提交")

	// Two days after the counties' deadline.
	env.Now = time.Date(2018, 12, 7, 9, 30, 0, 0, dialogtest.Shanghai)
	province := env.Admin("330000", "省办")
	province.Say("/summary").Expect(
		"📊 浙江省 填报进度", "截至 2018年12月7日 09:30",
		"各表依次为：附件1 · 附件2 · 附件3 · 政策措施 · 附件4",
		"杭州市：⬜⬜⬜⬜⬜  1/69  ❗逾期 49", // nothing forwarded; one of 69 forms approved
		// Each deadline names its forms; a date passed is named while
		// something of it is still owed (newcomer 21).
		"设区市：附件1、附件2、附件3、政策措施 2018年12月10日截止（还剩 3 天）；附件4 2019年3月31日截止（还剩 114 天）",
		"县（市、区）：附件1、附件2、附件3、政策措施 2018年12月5日截止（已过 2 天）；附件4 2019年3月25日截止（还剩 108 天）",
		"逾期单位 89 个，未邀请联系人的单位 96 个",
	)
	if b, ok := province.Button("⏰ 逾期与联系人（89）"); !ok || b.Data == "" { // the count the list holds (UX 10)
		t.Errorf("the province's late button: %v", province.Labels())
	}
	provinceSummary := province.Last
	if n := len(province.Text()); n > 1500 {
		t.Errorf("the province's summary has %d characters; it should fit a phone", n)
	}
	province.Press("📋 各表明细").Expect("【附件3】2018-2022年小微企业园建设规划目标",
		"县（市、区）：已通过 1 · 已提交 1 · 已退回 1 · 未开始 86（共 89），截止 2018年12月5日，已过 2 天",
		"逾期未报 87 个：上城区、", " 等 87 个",
		"合计（已通过）：新建成 0", // nothing was forwarded to the province
		"设区市：未开始 11（共 11），截止 2018年12月10日，还剩 3 天")
	// The province's late list: a line per city, its late units below it
	// named on one line, not one line each (UX 10).
	province.Last = provinceSummary
	province.Press("⏰ 逾期与联系人").Expect("⏰ 浙江省 逾期未报",
		"1. 杭州市：下级逾期 13 个：上城区、下城区、江干区", "2. 宁波市：下级逾期 10 个：").ExpectNot("\n1. 上城区")
	if n := strings.Count(province.Text(), "\n"); n > 30 {
		t.Errorf("the province's late list has %d lines:\n%s", n, province.Text())
	}
	province.Last = provinceSummary
	province.Press("杭州市").Expect("📊 杭州市 填报进度", "❗上城区：⬜⬜↩️⬜⬜", "西湖区：⬜⏳✅⬜⬜", "❗下城区：⬜⬜⏳⬜⬜",
		"杭州市：⬜⬜➖⬜⬜", "（未邀请）")
	province.Press("📋 各表明细").Expect("县（市、区）：已通过 1 · 已提交 1 · 已退回 1 · 未开始 10（共 13）", "合计（已通过）：新建成 2",
		"可建成 0 个园区") // the submitted park is not yet approved
	province.Press("返回进度").Expect("📊 杭州市 填报进度")
	province.Press("⏰ 逾期与联系人").Expect("⏰ 杭州市 逾期未报", "上城区（附件1、附件2、附件3、政策措施）逾期 2 天 — 联系人",
		"没有联系人、收不到提醒的 10 个", "江干区")
	// A city reviewer sees only their own subtree.
	hz.Say("/summary").Expect("📊 杭州市 填报进度").ExpectNot("宁波市")
	hz.Last = provinceSummary
	hz.Press("杭州市").Expect("📊 杭州市")
	nb := env.Reviewer("330200", "宁波审核")
	nb.Last = provinceSummary
	nb.Press("杭州市").Expect("您只能查看本单位及下级单位的填报进度。").ExpectNot("📊")
	nb.Last = provinceSummary
	nb.Press("📋 各表明细").Expect("您只能查看本单位及下级单位的填报进度。")
	nb.Last = provinceSummary
	nb.Press("📣 催报逾期单位").Expect("您只能查看本单位及下级单位的填报进度。")
	// A filler's /summary is their own unit's status.
	xh.Say("/summary").Expect("您好，联系人（西湖区）", "附件3").ExpectNot("📊")
}

// TestNudgeRemindsTheLateOncePerHour: 催报 from the late list sends each
// late unit's contacts a reminder now, recorded as the schedule records
// its own; a second press within the hour sends nothing (UX 5).
func TestNudgeRemindsTheLateOncePerHour(t *testing.T) {
	env := newEnv(t)
	hz := env.Reviewer("330100", "杭州审核")
	late := env.Contact("330106", "王芳")
	done := env.Contact("330102", "李四")
	fillA3(done, "2")
	done.Press("✅ 提交")
	env.Now = time.Date(2018, 12, 7, 9, 30, 0, 0, dialogtest.Shanghai) // the counties are late
	hz.Say("/summary").Press("⏰ 逾期与联系人").Expect("西湖区（附件1、附件2、附件3、政策措施）逾期 2 天 — 王芳", "上城区（附件1、附件2、政策措施）逾期 2 天 — 李四")
	hz.Press("📣 催报逾期单位").Expect("📣 已向 2 个逾期单位发出催报")
	late.Inbox().Expect("⏰ 填报提醒：西湖区", "附件3", "已逾期")
	if n := count(t, env, `SELECT count(*) FROM reminder_slots WHERE unit_code = '330106' AND form_id = 'a3'`); n != 1 {
		t.Errorf("the 催报 was not recorded as a slot (%d)", n)
	}
	hz.Say("/summary").Press("📣 催报逾期单位").Expect("没有可以催报的逾期单位", "一小时内已催报过，这次没有再发：上城区、西湖区")
	if len(late.Inbox().Last) != 0 {
		t.Errorf("a second 催报 within the hour reached the county")
	}
}
