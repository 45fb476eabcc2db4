package dialogs_test

import (
	"strings"
	"testing"

	"tianbao/dialogs"
	"tianbao/dialogs/dialogtest"
	"tianbao/reports"
)

// fundsCampaign is a table as statistical notices print them: a total row
// (合计, computed), a 其中 row (no more than its whole), a cell left
// empty (——), a row that requires only some cells, a balance that may go
// negative, checked to the fen.
const fundsCampaign = `id: funds
title: 小微企业园专项资金收支情况（测试）
units:
  file: units.tsv
  root: {code: "330000", name: 浙江省}
forms:
  - id: funds
    short: 收支表
    title: 专项资金收支情况表
    levels: [county]
    due: {county: "2018-12-20"}
    sections:
      - id: t
        kind: table
        rows:
          - {key: gov, title: 财政补助收入}
          - {key: other, title: 其他收入, required: [amount]}
          - {key: income, title: 收入合计, sum: [gov, other]}
          - {key: spend, title: 支出合计}
          - {key: staff, title: 其中：人员经费, part_of: spend}
          - {key: balance, title: 结余, blank: [budget]}
        fields:
          - {id: amount, label: 本年数（万元）, type: decimal, unit: 万元, min: -100000000, decimals: 2}
          - {id: budget, label: 年初预算数（万元）, type: decimal, unit: 万元, min: 0, decimals: 2}
        rules:
          - id: balance_holds
            row: balance
            check: rows.income.amount == nil || rows.spend.amount == nil || near(amount, rows.income.amount - rows.spend.amount, 0.01)
            message: 结余 {amount} 万元应等于收入合计 {rows.income.amount} 减支出合计 {rows.spend.amount}。
`

const fundsUnits = "city_code\tcity\tcounty_code\tcounty\n330100\t杭州市\t330102\t上城区\n330100\t杭州市\t330106\t西湖区\n"

// TestTableWithTotalsAndBlanks: the total row is computed and never
// asked, the 其中 row cannot exceed its whole, the blank cell is never
// asked and shows ——, the other row asks only its amount, and a negative
// balance is taken when it is the difference to the fen.
func TestTableWithTotalsAndBlanks(t *testing.T) {
	env := newEnv(t)
	dialogtest.Install(t, env.DB, "funds.yaml", fundsCampaign, map[string]string{"units.tsv": fundsUnits})
	c := env.ContactAs("funds", "330106", "会计", dialogs.Filler)
	c.Say("/start").Press("收支表").Expect("【财政补助收入】", "本年数（万元）（第 1/2 项）")
	c.Say("100").Expect("年初预算数（万元）（第 2/2 项）").Say("120")
	c.Expect("【其他收入】", "本年数（万元）（第 1/2 项）").Say("20.5")
	c.Expect("年初预算数（万元）（第 2/2 项）（选填").Say("/skip")
	// 收入合计 is computed: the walk goes on to 支出合计.
	c.Expect("【支出合计】").ExpectNot("【收入合计】").Say("130").Say("150")
	c.Expect("【其中：人员经费】").Say("140").Expect("「其中：人员经费」的本年数（万元） 140 万元 大于「支出合计」的 130 万元")
	c.Say("80").Say("90")
	// 结余 asks only its amount: the budget is left empty.
	c.Expect("【结余】", "本年数（万元）（第 1/1 项）").Say("-9").Expect("结余 -9 万元应等于收入合计 120.5 减支出合计 130")
	c.Say("-9.5").Expect("请核对已填内容", "收入合计：本年数（万元） 120.5；年初预算数（万元） 120",
		"结余：本年数（万元） -9.5；年初预算数（万元） ——", "全部填写完毕")
	// The total follows a change of its rows.
	c.Press("改：其他收入").Press("改：本年数（万元）").Say("30.5").Expect("✔ 本年数（万元）：30.5 万元")
	c.Press("返回核对页").Expect("结余 -9.5 万元应等于收入合计 130.5 减支出合计 130", "还不能提交")
	c.Press("改：结余").Say("0.5").Expect("全部填写完毕", "收入合计：本年数（万元） 130.5")
	if got := c.Labels(); contains(got, "改：收入合计") {
		t.Errorf("a total row offers a change: %v", got)
	}
	c.Press("✅ 提交").Expect("已提交")
	var v string
	if err := env.DB.GetContext(ctxb(), &v, `SELECT data->'sections'->'t' FROM submissions WHERE campaign_id = 'funds'`); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"key": "income", "values": {"amount": "130.5", "budget": "120"}`, `"key": "balance", "values": {"amount": "0.5"}`} {
		if !containsText(v, want) {
			t.Errorf("submitted table lacks %s:\n%s", want, v)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func containsText(s, part string) bool { return strings.Contains(s, part) }

// grantCampaign: a county asks for funds; the city, as it approves, fills
// the amount it grants (核定数) and its opinion (审核意见); the province
// fills a cell of its own return that the levels below see read only.
const grantCampaign = `id: grant
title: 小微企业园补助资金申报（测试）
units:
  file: units.tsv
  root: {code: "330000", name: 浙江省}
forms:
  - id: ask
    short: 申报表
    title: 补助资金申报表
    levels: [county]
    due: {county: "2018-12-20"}
    sections:
      - id: main
        kind: record
        fields:
          - {id: asked, label: 申报补助（万元）, type: decimal, unit: 万元, min: 0}
          - {id: granted, label: 核定补助（万元）, type: decimal, unit: 万元, min: 0, filled_by: city}
          - {id: opinion, label: 审核意见, type: text, optional: true, filled_by: city}
`

// TestWhatTheReviewerWrites: the county is not asked the city's fields and
// sees them as the city's; the city is asked them as it approves, beside
// what the county asked for; they go into the approved return and its
// export.
func TestWhatTheReviewerWrites(t *testing.T) {
	env := newEnv(t)
	camp := dialogtest.Install(t, env.DB, "grant.yaml", grantCampaign, map[string]string{"units.tsv": fundsUnits})
	county := env.ContactAs("grant", "330106", "会计", dialogs.Filler)
	city := env.ContactAs("grant", "330100", "审核", dialogs.Reviewer)
	county.Say("/start").Press("申报表").Expect("申报补助（万元）（第 1/1 项）").Say("80").
		Expect("全部填写完毕", "核定补助（万元）：（由上级填写）", "审核意见：（由上级填写）").Press("✅ 提交").Expect("已提交")
	city.Say("/start").Press("✅ 通过").Expect("通过前请填写「核定补助（万元）」（第 1/2 项）", "· 申报补助（万元）：80 万元")
	city.Say("六十").Expect("需要填写阿拉伯数字")
	city.Say("60").Expect("「审核意见」（第 2/2 项）（选填").Say("按标准核减").Expect("✅ 已通过：西湖区《申报表 补助资金申报表》第 1 版")
	county.Say("/start").Press("申报表").Expect("已审核通过", "核定补助（万元）：60 万元", "审核意见：按标准核减")
	drafts, err := env.DB.UnitDrafts(ctxb(), "grant", "330106")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(reports.FormTable(camp.Form("ask"), drafts["ask"]).Rows[0], ","); got != "80,60,按标准核减" {
		t.Errorf("exported %q", got)
	}
	var data string
	if err := env.DB.GetContext(ctxb(), &data, `SELECT data::text FROM submissions WHERE campaign_id = 'grant'`); err != nil || !strings.Contains(data, `"granted": "60"`) {
		t.Errorf("the approved return lacks the city's figure: %s %v", data, err)
	}
}
