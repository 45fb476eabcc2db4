package reports_test

import (
	"bytes"
	"context"
	"math/big"
	"strings"
	"testing"

	"tianbao/campaign"
	"tianbao/dialogs"
	"tianbao/dialogs/dialogtest"
	"tianbao/reports"
	"tianbao/store/storetest"
)

// sheetFunds is a notice's table with the header line every notice prints
// (填报单位／填报日期／单位：万元): a header section (填报日期, 填报人) and a table
// of figures, one of them a ratio that is never added up; the seal line is
// the file's own.
const sheetFunds = `id: sheetfunds
title: 专项资金（测试）
units:
  file: units.tsv
  root: {code: "330000", name: 浙江省}
forms:
  - id: funds
    short: 资金表
    caption: 附表
    title: 专项资金收支情况表
    stamp: "{unit.name}财政局（盖章）"
    header: ["填报单位：{unit.name}", "填报日期：{date}", "单位：万元"]
    levels: [city, county]
    due: {county: "2018-12-20", city: "2018-12-25"}
    sections:
      - id: head
        kind: record
        rollup: header
        fields:
          - {id: date, label: 填报日期, type: date}
          - {id: preparer, label: 填报人, type: text, kind: person_name}
      - id: t
        kind: table
        rows:
          - {key: gov, title: 财政补助}
          - {key: other, title: 其他收入, blank: [rate]}
          - {key: income, title: 收入合计, sum: [gov, other]}
          - {key: balance, title: 结余, blank: [budget, rate]}
        fields:
          - {id: amount, label: 本年数（万元）, type: decimal, unit: 万元, min: -100000000, decimals: 2}
          - {id: budget, label: 预算数（万元）, type: decimal, unit: 万元, min: 0, decimals: 2}
          - {id: rate, label: 执行率（%）, type: decimal, min: 0, max: 1000, sum: false}
`

const sheetFundsUnits = "city_code\tcity\tcounty_code\tcounty\n" +
	"330100\t杭州市\t330102\t上城区\n330100\t杭州市\t330106\t西湖区\n" +
	"330200\t宁波市\t330203\t海曙区\n330200\t宁波市\t330205\t江北区\n"

// figures are each unit's answers, in the walk's order: 填报日期, 填报人,
// then gov amount, budget, rate; other amount, budget; balance amount.
var sheetFiguresOf = map[string][]string{
	"330102": {"2018-12-18", "张三", "100", "120", "83.3", "20.5", "30", "-5.25"},
	"330106": {"2018-12-19", "李四", "40", "50", "80", "9.75", "10", "3"},
	"330100": {"2018-12-24", "王五", "10.01", "12", "83.4", "0", "0", "0.5"},
	"330203": {"2018-12-17", "赵六", "7", "8", "87.5", "1", "1", "0"},
	"330205": {"2018-12-18", "钱七", "3", "4", "75", "2", "2", "1"},
	"330200": {"2018-12-22", "孙八", "1", "1", "100", "0", "0", "0"},
}

// fill submits a unit's 资金表 with its figures.
func fillFunds(t *testing.T, c *dialogtest.Chat, unit string) {
	t.Helper()
	c.Say("/start").Press("资金表")
	for _, v := range sheetFiguresOf[unit] {
		c.Say(v)
	}
	c.Expect("全部填写完毕").Press("✅ 提交").Expect("已提交")
}

func sheetFundsEnv(t *testing.T) (*dialogtest.Env, *campaign.Campaign) {
	env := dialogtest.New(t, storetest.NewDB(t), now)
	camp := dialogtest.Install(t, env.DB, "sheetfunds.yaml", sheetFunds, map[string]string{"units.tsv": sheetFundsUnits})
	return env, camp
}

// cityApproves has the city's counties and the city fill, and the city
// approve all three.
func cityApproves(t *testing.T, env *dialogtest.Env, city string, counties ...string) *dialogtest.Chat {
	t.Helper()
	reviewer := env.ContactAs("sheetfunds", city, "审核", dialogs.Reviewer)
	for _, u := range counties {
		fillFunds(t, env.ContactAs("sheetfunds", u, "会计", dialogs.Filler), u)
	}
	fillFunds(t, reviewer, city)
	reviewer.Say("/start").Press("📥 全部待审").Press("✅ 全部通过").Press("✅ 确认通过 3 份")
	return reviewer
}

// TestHeaderAndTablesRollUp: a form of a header section and a table rolls
// up as the notice prints it: the city's sheet sums the table over its own
// return and its counties' (the ratio left out), under the file's seal
// line and the header line with the city's own date; each unit's own
// return, header fields and all, is on the 明细 sheet, its rows headed 项目.
func TestHeaderAndTablesRollUp(t *testing.T) {
	env, camp := sheetFundsEnv(t)
	cityApproves(t, env, "330100", "330102", "330106")
	var buf bytes.Buffer
	if err := (reports.Exporter{DB: env.DB}).WriteXLSX(context.Background(), &buf, camp, "330100", reports.ExportOptions{}); err != nil {
		t.Fatal(err)
	}
	f := open(t, buf.Bytes())
	rows, _ := f.GetRows("资金表")
	text := ""
	for _, r := range rows {
		text += strings.Join(r, "|") + "\n"
	}
	for _, want := range []string{
		"附表\n", "专项资金收支情况表\n",
		"杭州市财政局（盖章）\n填报单位：杭州市　　　填报日期：2018-12-24　　　单位：万元\n",
		"项目|本年数（万元）|预算数（万元）|执行率（%）\n",
		"财政补助|150.01|182\n", "其他收入|30.25|40|——\n", "收入合计|180.26|222\n", "结余|-1.75|——|——\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("资金表 lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "王五") || strings.Contains(text, "上城区") {
		t.Errorf("资金表 lists units or a header answer other than the line's:\n%s", text)
	}
	detail, _ := f.GetRows("资金表明细")
	text = ""
	for _, r := range detail {
		text += strings.Join(r, "|") + "\n"
	}
	for _, want := range []string{"所属地区|填报日期|填报人|项目|本年数（万元）", "杭州市上城区|2018-12-18|张三|财政补助|100|120|83.3", "杭州市西湖区|2018-12-19|李四|财政补助|40|50|80"} {
		if !strings.Contains(text, want) {
			t.Errorf("资金表明细 lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "年度") {
		t.Errorf("资金表明细 heads its rows 年度:\n%s", text)
	}
}

// TestBreakdownIsTheChildrensSums: the province's breakdown by city has,
// cell by cell, the sums of what each city's forwarded package carries
// (its counties' approved returns and its own), a city that has not
// forwarded an empty row, no 本级 (the province fills nothing), and 合计
// the sum of the rows.
func TestBreakdownIsTheChildrensSums(t *testing.T) {
	env, camp := sheetFundsEnv(t)
	hz := cityApproves(t, env, "330100", "330102", "330106")
	hz.Say("/forward").Press("📤 上报 资金表").Expect("已上报")
	cityApproves(t, env, "330200", "330203", "330205") // approved, not forwarded: nothing of 宁波 is the province's yet

	var buf bytes.Buffer
	if err := (reports.Exporter{DB: env.DB}).WriteXLSX(context.Background(), &buf, camp, "330000", reports.ExportOptions{}); err != nil {
		t.Fatal(err)
	}
	f := open(t, buf.Bytes())
	rows, err := f.GetRows("资金表按下级")
	if err != nil {
		t.Fatalf("no breakdown: %v (sheets %v)", err, f.GetSheetList())
	}
	// The figures, in order: each row's amount and budget (the ratio and
	// the cells the rows leave empty are not figures that add up).
	type cellOf struct{ row, pos int } // a table row (gov 0, other 1, income 2, balance 3), and the answer's place
	cols := []cellOf{{0, 2}, {0, 3}, {1, 5}, {1, 6}, {2, -1}, {2, -2}, {3, 7}}
	sumOf := func(units ...string) []string {
		out := make([]string, len(cols))
		for i, c := range cols {
			total := new(big.Rat)
			for _, u := range units {
				v := sheetFiguresOf[u]
				add := func(pos int) {
					n, _ := new(big.Rat).SetString(v[pos])
					total.Add(total, n)
				}
				switch c.pos {
				case -1: // 收入合计's amount: gov + other
					add(2)
					add(5)
				case -2:
					add(3)
					add(6)
				default:
					add(c.pos)
				}
			}
			out[i] = campaign.RatText(total)
		}
		return out
	}
	byLabel := map[string][]string{}
	var labels []string
	for _, r := range rows {
		if len(r) > 0 && (r[0] == "杭州市" || r[0] == "宁波市" || r[0] == "本级" || r[0] == "合计") {
			labels = append(labels, r[0])
			byLabel[r[0]] = append(r[1:], make([]string, len(cols))...)[:len(cols)]
		}
	}
	if strings.Join(labels, ",") != "杭州市,宁波市,合计" {
		t.Fatalf("rows %v:\n%q", labels, rows)
	}
	hzWant := sumOf("330100", "330102", "330106")
	for i := range cols {
		if byLabel["杭州市"][i] != hzWant[i] {
			t.Errorf("杭州市 column %d: %q, want %q (the sum of its package's returns)", i+1, byLabel["杭州市"][i], hzWant[i])
		}
		if byLabel["宁波市"][i] != "" {
			t.Errorf("宁波市 column %d: %q, want empty (not forwarded)", i+1, byLabel["宁波市"][i])
		}
		if byLabel["合计"][i] != hzWant[i] {
			t.Errorf("合计 column %d: %q, want %q", i+1, byLabel["合计"][i], hzWant[i])
		}
	}
	// Once 宁波 forwards, its row is its subtree's sum, and 合计 both.
	env.ContactAs("sheetfunds", "330200", "审核", dialogs.Reviewer).Say("/forward").Press("📤 上报 资金表").Expect("已上报")
	buf.Reset()
	if err := (reports.Exporter{DB: env.DB}).WriteXLSX(context.Background(), &buf, camp, "330000", reports.ExportOptions{}); err != nil {
		t.Fatal(err)
	}
	rows, _ = open(t, buf.Bytes()).GetRows("资金表按下级")
	nbWant, allWant := sumOf("330200", "330203", "330205"), sumOf("330100", "330102", "330106", "330200", "330203", "330205")
	for _, r := range rows {
		if len(r) == 0 || r[0] != "宁波市" && r[0] != "合计" {
			continue
		}
		want := nbWant
		if r[0] == "合计" {
			want = allWant
		}
		if got := strings.Join(r[1:], "|"); got != strings.Join(want, "|") {
			t.Errorf("%s: %s, want %s", r[0], got, strings.Join(want, "|"))
		}
	}
}

// TestPeriodsSheetKeepsTableRows: the 各期 sheet of a standing return of
// tables has a line per row and figure (财政补助 · 本年数), never a unit's
// rows added into one figure; a period not open yet is neither a sheet
// nor a column, even when the whole return is asked for.
func TestPeriodsSheetKeepsTableRows(t *testing.T) {
	env := dialogtest.New(t, storetest.NewDB(t), now) // 2018-12-02: the third quarter is open, the fourth is not
	yaml := strings.Replace(sheetFunds, `    due: {county: "2018-12-20", city: "2018-12-25"}`,
		"    periods: {every: quarter, from: 2018-Q3, until: 2018-Q4}\n    due: {county: {days: 20}, city: {days: 25}}", 1)
	camp := dialogtest.Install(t, env.DB, "sheetfunds.yaml", yaml, map[string]string{"units.tsv": sheetFundsUnits})
	c := env.ContactAs("sheetfunds", "330102", "会计", dialogs.Filler)
	c.Say("/start").Press("资金表 2018年第3季度")
	for _, v := range sheetFiguresOf["330102"] {
		c.Say(v)
	}
	c.Expect("全部填写完毕").Press("✅ 提交").Expect("已提交")
	var buf bytes.Buffer
	if err := (reports.Exporter{DB: env.DB}).WriteXLSX(context.Background(), &buf, camp, "330100", reports.ExportOptions{IncludeDrafts: true, Forms: []string{"funds"}, At: now}); err != nil {
		t.Fatal(err)
	}
	f := open(t, buf.Bytes())
	if got := strings.Join(f.GetSheetList(), ","); strings.Contains(got, "第4季度") || !strings.Contains(got, "资金表 2018年第3季度") {
		t.Errorf("sheets %s", got)
	}
	rows, _ := f.GetRows("资金表各期")
	text := ""
	for _, r := range rows {
		text += strings.Join(r, "|") + "\n"
	}
	for _, want := range []string{"单位|项目|2018年第3季度\n", "杭州市上城区|财政补助 · 本年数（万元）|100\n", "杭州市上城区|其他收入 · 本年数（万元）|20.5\n",
		"杭州市上城区|收入合计 · 本年数（万元）|120.5\n", "杭州市上城区|结余 · 本年数（万元）|-5.25\n", "杭州市上城区|财政补助 · 执行率（%）|83.3\n"} {
		if !strings.Contains(text, want) {
			t.Errorf("各期 lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "第4季度") || strings.Contains(text, "|238.75") {
		t.Errorf("各期 has the fourth quarter, or the rows added together:\n%s", text)
	}
}
