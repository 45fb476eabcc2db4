package dialogs_test

import (
	"strings"
	"testing"

	"tianbao/dialogs"
	"tianbao/dialogs/dialogtest"
	"tianbao/store"
)

// fiveLevelsReturn is a national return filled by towns, with a figure
// the county fills as it approves (filled_by), a table with a cell left
// empty (——) and a list of parks.
const fiveLevelsReturn = `id: five
title: 乡镇企业情况调查（测试）
levels:
  - {id: nation, name: 全国}
  - {id: province, name: 省}
  - {id: city, name: 市}
  - {id: county, name: 县}
  - {id: town, name: 乡镇}
units: {file: units.tsv}
forms:
  - id: firms
    short: 企业表
    title: 乡镇企业数
    levels: [town]
    due: {town: "2018-12-20"}
    sections:
      - id: main
        kind: record
        fields:
          - {id: firms, label: 企业数（家）, type: integer, unit: 家, min: 0}
          - {id: checked, label: 核定企业数（家）, type: integer, unit: 家, min: 0, filled_by: county}
      - id: money
        title: 收支
        kind: table
        rows:
          - {key: income, title: 收入}
          - {key: spend, title: 支出}
          - {key: balance, title: 结余, blank: [budget]}
        fields:
          - {id: amount, label: 本年数（万元）, type: decimal, unit: 万元, min: -100000}
          - {id: budget, label: 预算数（万元）, type: decimal, unit: 万元, min: 0}
      - id: parks
        title: 园区清单
        kind: list
        row_noun: 园区
        fields:
          - {id: name, label: 园区名称, type: text}
          - {id: area, label: 占地（亩）, type: decimal, unit: 亩, min: 0}
          - {id: jobs, label: 就业人数（人）, type: integer, unit: 人, min: 0}
`

// fillTown fills a town's 企业表: its firms, the table, two parks.
func fillTown(c *dialogtest.Chat, firms string) {
	c.T.Helper()
	c.Say("/start").Press("企业表").Expect("企业数（家）（第 1/1 项）").Say(firms)
	c.Expect("【收入】").Say("100").Say("120").Expect("【支出】").Say("80").Say("90")
	c.Expect("【结余】", "本年数（万元）（第 1/1 项）").Say("20")
	c.Press("➕ 添加园区").Say("一号园").Say("50").Say("30")
	c.Press("➕ 添加园区").Say("二号园").Say("40").Say("20")
	c.Press("本部分填完了").Expect("全部填写完毕").Press("✅ 提交").Expect("已提交")
}

// labels checks the buttons of the last screen: each of want is a
// button's label, none of not begins one.
func labels(t *testing.T, c *dialogtest.Chat, want, not []string) {
	t.Helper()
	got := c.Labels()
	for _, w := range want {
		if !contains(got, w) {
			t.Errorf("no button %q among %q", w, got)
		}
	}
	for _, n := range not {
		for _, g := range got {
			if strings.Contains(g, n) {
				t.Errorf("button %q should not be offered (%q)", g, got)
			}
		}
	}
}

// pressIn presses the button labelled label in the row whose first button
// begins with row (when several rows have a button of that label).
func pressIn(c *dialogtest.Chat, row, label string) *dialogtest.Chat {
	c.T.Helper()
	for _, r := range c.Last[len(c.Last)-1].Buttons {
		if len(r) > 0 && strings.Contains(r[0].Label, row) {
			for _, b := range r {
				if b.Label == label {
					return c.Send(dialogs.Input{Button: b.Data})
				}
			}
		}
	}
	c.T.Fatalf("no button %q in a row of %q: %v", label, row, c.Labels())
	return c
}

// TestReturnTravelsDownFiveLevels: the nation returns the province's
// package with one town's items ticked (a figure, a table row with an
// empty cell, one field of one park). Each level between is told with the
// reason and the flags and passes it on one level; none can forward the
// same figures while the return is open; the town is asked exactly the
// flagged cells it fills (never the county's 核定数, never the "——" cell),
// in five inputs; the correction goes back up with its diff at every level.
func TestReturnTravelsDownFiveLevels(t *testing.T) {
	env := newEnv(t)
	dialogtest.Install(t, env.DB, "five.yaml", fiveLevelsReturn, map[string]string{"units.tsv": fiveUnits})
	nation := env.ContactAs("five", "000000", "部审核", dialogs.Reviewer)
	province := env.ContactAs("five", "330000", "省审核", dialogs.Reviewer)
	city := env.ContactAs("five", "330100", "杭州审核", dialogs.Reviewer)
	county := env.ContactAs("five", "330106", "西湖区审核", dialogs.Reviewer)
	sandun := env.ContactAs("five", "330106001", "三墩联系人", dialogs.Filler)
	liuxia := env.ContactAs("five", "330106002", "留下联系人", dialogs.Filler)
	fillTown(sandun, "12")
	fillTown(liuxia, "30")

	// The county approves each town, filling its 核定数 as it does.
	county.Inbox()
	requests := county.Last
	for i, n := range []string{"12", "30"} {
		county.Last = requests[i : i+1]
		county.Press("✅ 通过").Expect("核定企业数（家）").Say(n).Expect("已通过")
	}
	county.Say("/forward").Press("📤 上报 企业表").Expect("已上报")
	city.Inbox().Press("✅ 通过")
	city.Say("/forward").Press("📤 上报 企业表").Expect("已上报")
	province.Inbox().Press("✅ 通过")
	province.Say("/forward").Press("📤 上报 企业表").Expect("已上报")

	// The nation returns the province's package, ticking inside 三墩镇.
	nation.Inbox().Press("↩️ 退回").Say("三墩镇企业数与园区占地有误").Expect("请勾选需要修改的单位")
	pressIn(nation, "三墩镇", "选择具体项目…").Expect("勾选三墩镇需要修改的项目")
	// The county's figure is not the town's to correct.
	labels(t, nation, []string{"☐ 企业数（家）", "☐ 收支 收入", "☐ 收支 结余", "☐ 园区清单 第2个园区 二号园"}, []string{"核定企业数"})
	pressIn(nation, "收支 结余", "选择具体项目…").Expect("勾选三墩镇 收支 结余需要修改的项目")
	labels(t, nation, []string{"☐ 本年数（万元）"}, []string{"预算数"}) // the "——" cell is nobody's to fill
	nation.Press("返回上一级")
	nation.Press("☐ 企业数（家）").Press("☐ 收支 结余")
	pressIn(nation, "园区清单 第2个园区 二号园", "选择具体项目…").Expect("勾选三墩镇 园区清单第 2 个园区「二号园」需要修改的项目")
	nation.Press("☐ 占地（亩）").Press("返回上一级")
	labels(t, nation, []string{"☐ 园区清单 第2个园区 二号园（已选 1 项）", "☑ 收支 结余"}, nil)
	nation.Press("确认退回（标记 3 项）").Expect("已退回浙江省")
	flags := "三墩镇（企业数（家）、收支 结余、园区清单第 2 个园区「二号园」 占地（亩））"

	// The province is told, cannot forward the same figures, and passes
	// the return on to the city, not to the town it does not review.
	province.Inbox().Expect("被全国退回", "理由：三墩镇企业数与园区占地有误", flags)
	province.Press("📤 上报 企业表").Expect("退回尚未改正，不能原样重新上报：三墩镇 仍是被退回时的版本")
	province.Say("/start").Expect("被上级退回、待处理的汇总 1 份", "全国退回：三墩镇企业数与园区占地有误")
	province.Say("/forward").Expect("三墩镇：尚未转下去", "退回尚未改正：三墩镇").ExpectNot("📤 上报 企业表")
	province.Press("↩️ 转给杭州市修改").Expect("已把退回转给杭州市（三墩镇）")
	province.Say("/forward").Expect("三墩镇：退回已到杭州市，待其转给下级").ExpectNot("↩️ 转给杭州市修改")
	nation.Say("/start").Expect("您退回、尚未重新上报的汇总 1 份", "浙江省《企业表》汇总（第 1 次上报）：三墩镇 退回已到杭州市")

	// The city: told, the same refusal, passes on to the county.
	city.Inbox().Expect("被浙江省退回", "理由：全国退回：三墩镇企业数与园区占地有误", flags).Press("📤 上报 企业表").Expect("退回尚未改正")
	city.Say("/forward").Press("↩️ 转给西湖区修改").Expect("已把退回转给西湖区（三墩镇）")
	// The county: told, passes on to the town, whose approved form reopens.
	county.Inbox().Expect("被杭州市退回", "理由：全国退回：三墩镇企业数与园区占地有误", flags).Press("↩️ 转给三墩镇修改").Expect("转回三墩镇修改")
	if n := count(t, env, `SELECT count(*) FROM drafts WHERE campaign_id = 'five' AND unit_code = '330106001' AND status = 'returned'`); n != 1 {
		t.Fatalf("三墩镇's form is not returned after the county passed the return on")
	}
	county.Say("/forward").Expect("三墩镇：修改中", "未提交 1 个：三墩镇").ExpectNot("📤", "↩️ 转给三墩镇修改")
	nation.Say("/start").Expect("三墩镇 修改中")

	// The town is asked exactly the three flagged cells, in five inputs.
	sandun.Inbox().Expect("被西湖区退回修改", "理由：全国退回：三墩镇企业数与园区占地有误",
		"需修改：企业数（家）、收支 结余、园区清单第 2 个园区「二号园」 占地（亩）").Press("去修改")
	sandun.Expect("企业数（家）（第 1/1 项）", "当前答案：12 家").Say("13")
	sandun.Expect("【结余】", "本年数（万元）").ExpectNot("预算数（万元）（").Say("25")
	sandun.Expect("第 2 个园区", "占地（亩）", "当前答案：40 亩").Say("45")
	sandun.Expect("全部填写完毕").Press("✅ 提交").Expect("（第 2 版）")
	var kept string
	if err := env.DB.GetContext(ctxb(), &kept, `SELECT data->'sections'->'main'->0->'values'->>'checked' FROM submissions
		WHERE campaign_id = 'five' AND unit_code = '330106001' AND form_id = 'firms' AND version = 2`); err != nil || kept != "12" {
		t.Errorf("the county's 核定数 became %q in the town's resubmission (%v)", kept, err)
	}

	// Up again, each level seeing what changed.
	county.Inbox().Expect("企业数（家）：12 家 → 13 家", "结余 本年数（万元）：20 万元 → 25 万元", "二号园」 占地（亩）：40 亩 → 45 亩").
		Press("✅ 通过").Say("13").Expect("已通过")
	county.Say("/forward").Press("📤 上报 企业表").Expect("（第 2 次上报）")
	city.Inbox().Expect("三墩镇 第 1 版 → 第 2 版：", "企业数（家）：12 家 → 13 家").Press("✅ 通过")
	city.Say("/forward").Press("📤 上报 企业表").Expect("（第 2 次上报）")
	province.Inbox().Expect("三墩镇 第 1 版 → 第 2 版：").Press("✅ 通过")
	nation.Say("/start").Expect("三墩镇 已改正（第 2 版）")
	province.Say("/forward").ExpectNot("退回尚未改正").Press("📤 上报 企业表").Expect("（第 2 次上报）")
	nation.Inbox().Expect("与第 1 次上报相比：", "三墩镇 第 1 版 → 第 2 版：", "企业数（家）：12 家 → 13 家", "占地（亩）：40 亩 → 45 亩").
		Press("✅ 通过").Expect("已通过")
	nation.Say("/start").ExpectNot("您退回、尚未重新上报")
}

// TestReturnFlagsOnlyWhatTheUnitFills: a return sent from the desk with
// flags naming the county's 核定数 and a "——" cell keeps only what the
// town may correct.
func TestReturnFlagsOnlyWhatTheUnitFills(t *testing.T) {
	env := newEnv(t)
	dialogtest.Install(t, env.DB, "five.yaml", fiveLevelsReturn, map[string]string{"units.tsv": fiveUnits})
	county := env.ContactAs("five", "330106", "西湖区审核", dialogs.Reviewer)
	sandun := env.ContactAs("five", "330106001", "三墩联系人", dialogs.Filler)
	fillTown(sandun, "12")
	var id int64
	if err := env.DB.GetContext(ctxb(), &id, `SELECT id FROM submissions WHERE campaign_id = 'five' AND unit_code = '330106001'`); err != nil {
		t.Fatal(err)
	}
	if _, err := env.Engine.Review(ctxb(), county.ID, id, false, "请核实", []string{"main//checked", "money/balance/budget", "money/income/budget", "money/total/amount"}); err != nil {
		t.Fatal(err)
	}
	var flagged string
	if err := env.DB.GetContext(ctxb(), &flagged, `SELECT flags->>'flagged' FROM drafts WHERE campaign_id = 'five' AND unit_code = '330106001'`); err != nil {
		t.Fatal(err)
	}
	if flagged != `["money/income/budget"]` {
		t.Errorf("flags kept: %s", flagged)
	}
	sandun.Inbox().Expect("需修改：收支 收入 预算数（万元）").Press("去修改").Expect("【收入】", "预算数（万元）（第 2/2 项）", "当前答案：120 万元")
	sandun.Say("/start")
	// A flag another version left on the draft that the town may not fill
	// is not asked: the walk goes to the review.
	if _, err := env.DB.ExecContext(ctxb(), `UPDATE drafts SET flags = jsonb_set(flags, '{flagged}', '["main//checked", "money/balance/budget"]')
		WHERE campaign_id = 'five' AND unit_code = '330106001'`); err != nil {
		t.Fatal(err)
	}
	env.Engine.Store = store.Dialogs{DB: env.DB, Counts: env.Turns, Cache: store.NewTurnCache(10)} // a restarted process
	sandun.Press("企业表").Expect("请核对已填内容").ExpectNot("核定企业数（家）（第", "预算数（万元）（第")
}
