package reports_test

import (
	"bytes"
	"context"
	"strconv"
	"testing"

	"github.com/xuri/excelize/v2"

	"tianbao/dialogs"
	"tianbao/dialogs/dialogtest"
	"tianbao/reports"
	"tianbao/store/storetest"
)

// cityFunds is a table filled by a city (its own 本级 figures) and its
// counties, with a computed total row and a cell left empty (——).
const cityFunds = `id: cityfunds
title: 专项资金（测试）
units:
  file: units.tsv
  root: {code: "330000", name: 浙江省}
forms:
  - id: funds
    short: 资金表
    title: 专项资金收支情况表
    levels: [city, county]
    due: {county: "2018-12-20", city: "2018-12-25"}
    sections:
      - id: t
        kind: table
        rows:
          - {key: gov, title: 财政补助}
          - {key: other, title: 其他收入}
          - {key: income, title: 收入合计, sum: [gov, other]}
          - {key: balance, title: 结余, blank: [budget]}
        fields:
          - {id: amount, label: 本年数（万元）, type: decimal, unit: 万元, min: -100000000, decimals: 2}
          - {id: budget, label: 预算数（万元）, type: decimal, unit: 万元, min: 0, decimals: 2}
`

// TestAggregateOfACity: the city's sheet of a table is, cell by cell, the
// sum of its counties' accepted returns and its own (本级), the total row
// recomputed from the sums, the empty cell printed ——, numbers as numbers;
// each unit's own return is on the 明细 sheet.
func TestAggregateOfACity(t *testing.T) {
	env := dialogtest.New(t, storetest.NewDB(t), now)
	camp := dialogtest.Install(t, env.DB, "cityfunds.yaml", cityFunds, map[string]string{"units.tsv": "city_code\tcity\tcounty_code\tcounty\n330100\t杭州市\t330102\t上城区\n330100\t杭州市\t330106\t西湖区\n"})
	city := env.ContactAs("cityfunds", "330100", "杭州审核", dialogs.Reviewer)
	figures := map[string][]string{ // gov amount, budget; other amount, budget; balance amount
		"330102": {"100", "120", "20.5", "30", "-5.25"},
		"330106": {"40", "50", "9.75", "10", "3"},
		"330100": {"10.01", "12", "0", "0", "0.5"},
	}
	for _, unit := range []string{"330102", "330106", "330100"} {
		c := city
		if unit != "330100" {
			c = env.ContactAs("cityfunds", unit, "会计", dialogs.Filler)
		}
		c.Say("/start").Press("资金表")
		for _, v := range figures[unit] {
			c.Say(v)
		}
		c.Expect("全部填写完毕").Press("✅ 提交").Expect("已提交")
	}
	city.Say("/start").Press("📥 全部待审").Press("✅ 全部通过").Press("✅ 确认通过 3 份")

	var buf bytes.Buffer
	if err := (reports.Exporter{DB: env.DB}).WriteXLSX(context.Background(), &buf, camp, "330100", reports.ExportOptions{}); err != nil {
		t.Fatal(err)
	}
	f := open(t, buf.Bytes())
	rows, _ := f.GetRows("资金表")
	want := [][]string{
		{"财政补助", "150.01", "182"},
		{"其他收入", "30.25", "40"},
		{"收入合计", "180.26", "222"},
		{"结余", "-1.75", "——"},
	}
	at := -1
	for i, r := range rows {
		if len(r) > 0 && r[0] == "财政补助" {
			at = i
		}
	}
	if at < 0 || len(rows) < at+len(want) {
		t.Fatalf("资金表:\n%q", rows)
	}
	for i, w := range want {
		if got := rows[at+i]; len(got) < 3 || got[0] != w[0] || got[1] != w[1] || got[2] != w[2] {
			t.Errorf("row %s: %q, want %q", w[0], got, w)
		}
	}
	for _, cell := range []string{"B" + strconv.Itoa(at+1), "B" + strconv.Itoa(at+3), "B" + strconv.Itoa(at+4)} {
		if typ, _ := f.GetCellType("资金表", cell); typ != excelize.CellTypeUnset && typ != excelize.CellTypeNumber {
			t.Errorf("资金表!%s is not a number (%v)", cell, typ)
		}
		if raw, _ := f.GetCellValue("资金表", cell, excelize.Options{RawCellValue: true}); raw == "" {
			t.Errorf("资金表!%s is empty", cell)
		}
	}
	detail, _ := f.GetRows("资金表明细")
	units := map[string]bool{}
	for _, r := range detail {
		if len(r) > 0 {
			units[r[0]] = true
		}
	}
	if !units["杭州市"] || !units["杭州市上城区"] || !units["杭州市西湖区"] {
		t.Errorf("明细 lacks a unit:\n%q", detail)
	}
}
