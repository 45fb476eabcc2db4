package dialogs_test

import (
	"strings"
	"testing"
	"time"

	"tianbao/dialogs/dialogtest"
)

// TestCompiledByTheCityOnlyForDistricts: the notice allows a plan compiled
// by the city (由设区市统一编制) for 市辖区 only. The built-in units file
// gives each county its kind: 西湖区 is offered both ways, 桐庐县 (县),
// 建德市 (县级市) and 杭州市 itself only their own plan, and typing the
// other is refused, naming what they may choose.
func TestCompiledByTheCityOnlyForDistricts(t *testing.T) {
	env := newEnv(t)
	env.Now = time.Date(2019, 3, 1, 9, 0, 0, 0, dialogtest.Shanghai)
	xh := env.Contact("330106", "王芳")
	xh.Say("/start").Press("附件4").Expect("规划编制方式")
	if got := strings.Join(xh.Labels(), "|"); !strings.Contains(got, "本地单独编制") || !strings.Contains(got, "由设区市统一编制") {
		t.Errorf("西湖区 is offered %s", got)
	}
	for _, unit := range []string{"330122", "330182", "330100"} {
		c := env.Contact(unit, "联系人")
		c.Say("/start").Press("附件4").Expect("规划编制方式")
		if got := strings.Join(c.Labels(), "|"); !strings.Contains(got, "本地单独编制") || strings.Contains(got, "由设区市统一编制") {
			t.Errorf("%s is offered %s", unit, got)
		}
		c.Say("由设区市统一编制").Expect("本单位不适用「由设区市统一编制」。「规划编制方式」请从以下选项中选择：本地单独编制。").ExpectNot("✔")
		c.Press("本地单独编制").Expect("✔ 规划编制方式：本地单独编制", "正式规划文本")
	}
}

// Two years of a quarterly fund return, one file a year: the second names
// the first (previous:), so that its first quarter's opening balance is
// checked against last year's fourth quarter's closing one.
const fund2019 = `id: fund-2019
title: 专项资金季报 2019
units: {file: units.tsv, root: {code: "330000", name: 浙江省}}
forms:
  - id: fund
    short: 资金季报
    title: 专项资金收支
    levels: [county]
    periods: {every: quarter, from: 2019-Q1, until: 2019-Q4}
    due: {county: {days: 10}}
    sections:
      - id: main
        kind: record
        fields:
          - {id: opening, label: 期初余额（万元）, type: decimal, unit: 万元, min: 0}
          - {id: closing, label: 期末余额（万元）, type: decimal, unit: 万元, min: 0}
          - {id: manager, label: 经办人, type: text, kind: person_name, carry: true}
        rules:
          - id: continues
            check: near(opening, last.closing, 0.01)
            message: "{period.label}期初余额 {opening} 万元应等于上期期末余额 {last.closing} 万元。"
          - id: year_end
            soft: true
            check: "!period.last || closing <= opening"
            message: 年末余额 {closing} 万元多于年初，请确认资金已按进度拨付。
`

var fund2020 = strings.NewReplacer("id: fund-2019", "id: fund-2020", "专项资金季报 2019", "专项资金季报 2020",
	"from: 2019-Q1, until: 2019-Q4}", "from: 2020-Q1, until: 2020-Q4}\n    previous: {campaign: fund-2019}").Replace(fund2019)

const fundUnits = "city_code\tcity\tcounty_code\tcounty\tkind\n330100\t杭州市\t330106\t西湖区\t市辖区\n"

// TestFirstQuarterReadsLastYearsFile: 2020's first quarter, in its own
// file, reads the fourth quarter of 2019's file as its period before (and
// carries its 经办人 from there): an
// opening balance that is not last December's closing one is refused, the
// right one accepted; the rule that knows the fourth quarter is the last
// of its year applies there only.
func TestFirstQuarterReadsLastYearsFile(t *testing.T) {
	env := newEnv(t)
	dialogtest.Install(t, env.DB, "fund-2019.yaml", fund2019, map[string]string{"units.tsv": fundUnits})
	dialogtest.Install(t, env.DB, "fund-2020.yaml", fund2020, map[string]string{"units.tsv": fundUnits})

	env.Now = time.Date(2020, 1, 3, 9, 0, 0, 0, dialogtest.Shanghai)
	y19 := env.ContactIn("fund-2019", "330106", "王芳")
	y19.Say("/start").Press("资金季报 2019年第4季度").Say("80").Say("120").
		Expect("年末余额 120 万元多于年初").Press("确认无误").Say("张明").Expect("全部填写完毕").Press("✅ 提交").Expect("已提交")

	env.Now = time.Date(2020, 4, 2, 9, 0, 0, 0, dialogtest.Shanghai)
	y20 := env.ContactIn("fund-2020", "330106", "王芳")
	y20.Say("/start").Press("资金季报 2020年第1季度").Expect("预先填好").Say("100").
		Expect("2020年第1季度期初余额 100 万元应等于上期期末余额 120 万元。", "期初余额（万元）（第 1/3 项）").ExpectNot("✔")
	y20.Say("120").Expect("✔ 期初余额（万元）：120 万元")
	y20.Say("90").Expect("经办人", "当前答案：张明").ExpectNot("年末余额") // not the last quarter of its year; carried from last year's file
	y20.Press("保留当前答案").Expect("全部填写完毕")
	y20.Press("✅ 提交").Expect("已提交")
}

// monthly is a return of every month of 2019, filled by counties.
const monthly = `id: monthly
title: 月度企业数（测试）
units: {file: units.tsv, root: {code: "330000", name: 浙江省}}
forms:
  - id: firms
    short: 月报
    title: 新设企业数
    levels: [county]
    periods: {every: month, from: 2019-01, until: 2019-12}
    due: {county: {days: 10}}
    sections:
      - {id: main, kind: record, fields: [{id: n, label: 新设企业（家）, type: integer, unit: 家, min: 0}]}
`

// TestEveryPeriodCanBeOpened: the start screen lists the newest periods
// still to do (at most six); the others, done or not, are behind a button
// that lists every open period newest first, a page at a time, each
// opening its period — a done one read only.
func TestEveryPeriodCanBeOpened(t *testing.T) {
	env := newEnv(t)
	dialogtest.Install(t, env.DB, "monthly.yaml", monthly, map[string]string{"units.tsv": fundUnits})
	c := env.ContactIn("monthly", "330106", "王芳")
	env.Now = time.Date(2019, 2, 2, 9, 0, 0, 0, dialogtest.Shanghai)
	c.Say("/start").Press("月报 2019年1月").Say("3").Expect("全部填写完毕").Press("✅ 提交").Expect("已提交")

	env.Now = time.Date(2019, 11, 3, 9, 0, 0, 0, dialogtest.Shanghai) // January to October are open
	c.Say("/start").Expect("2019年10月", "2019年5月").ExpectNot("2019年4月）", "2019年1月）")
	c.Press("🗂 月报：全部 10 期").Expect("《月报 新设企业数》已开放的各期（共 10 期，第 1/2 页，新近的在前）", "1. 2019年10月 · 未开始", "8. 2019年3月").ExpectNot("2019年2月")
	c.Press("较早的 ▶").Expect("第 2/2 页", "9. 2019年2月 · 未开始", "10. 2019年1月 · 已提交").ExpectNot("2019年3月")
	c.Press("2019年2月").Expect("新设企业（家）")
	c.Say("5").Expect("全部填写完毕")
	c.Say("/start").Press("🗂 月报").Press("较早的 ▶").Press("2019年1月").Expect("已提交", "新设企业（家）：3")
	c.Say("/start").Press("🗂 月报").Press("返回首页").Expect("请选择要填写的表格")
}
