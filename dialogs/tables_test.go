package dialogs_test

import (
	"strings"
	"testing"

	"tianbao/dialogs"
	"tianbao/dialogs/dialogtest"
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
