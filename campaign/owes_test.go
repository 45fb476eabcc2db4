package campaign

import (
	"strings"
	"testing"
)

// threeLevels: a province, a city with two counties, the city filling f2
// itself, only the counties f1.
const threeLevels = `id: test
title: 测试
units:
  file: units.tsv
  root: {code: "330000", name: 浙江省}
forms:
  - id: f1
    title: 表一
    levels: [county]
    due: {county: "2018-12-05", city: "2018-12-10"}
    reminders_by_level: {city: {overdue_days: 3}}
    sections:
      - {id: main, kind: record, fields: [{id: a, label: 甲, type: integer}]}
  - id: f2
    title: 表二
    levels: [city, county]
    due: {county: "2018-12-05", city: "2018-12-12"}
    sections:
      - {id: main, kind: record, fields: [{id: a, label: 甲, type: integer}]}
  - id: f3
    title: 表三
    levels: [county]
    periods: {every: month, from: 2019-01, until: 2019-02}
    due: {county: {days: 5}}
    sections:
      - {id: main, kind: record, fields: [{id: a, label: 甲, type: integer}]}
`

func TestWhoOwesWhat(t *testing.T) {
	src := &Source{Name: "t.yaml", YAML: []byte(threeLevels), Files: map[string][]byte{"units.tsv": []byte(
		"city_code\tcity\tcounty_code\tcounty\n330100\t杭州市\t330102\t上城区\n330100\t杭州市\t330106\t西湖区\n")}}
	c, err := Load(src)
	if err != nil {
		t.Fatal(err)
	}
	province, city, county := c.Units["330000"], c.Units["330100"], c.Units["330106"]
	f1, f2, f3 := c.Form("f1"), c.Form("f2"), c.Form("f3.2019m02")
	for _, tt := range []struct {
		u    *Unit
		f    *Form
		want Owing
	}{
		{county, f1, Owing{Return: true}},
		{city, f1, Owing{Package: true}}, // it forwards what its counties return
		{city, f2, Owing{Return: true, Package: true}},
		{province, f1, Owing{}}, // the top receives, owes nobody
		{province, f2, Owing{}},
		{city, f3, Owing{Package: true}},
	} {
		if got := c.Owes(tt.u, tt.f); got != tt.want {
			t.Errorf("%s owes of %s: %+v, want %+v", tt.u.Name, tt.f.ID, got, tt.want)
		}
	}
	var carried []string
	for _, k := range c.Carries(city, f2) {
		carried = append(carried, k.Unit.Name)
	}
	if strings.Join(carried, ",") != "杭州市,上城区,西湖区" {
		t.Errorf("the city's package of f2 carries %v", carried)
	}
	if k := c.Carries(province, f1); len(k) != 1 || !k[0].Package || k[0].Unit != city {
		t.Errorf("the province receives %+v, want the city's package", k)
	}
	// A forwarding level's own date, its own reminders; without a date of
	// its own (f3), the latest of the levels below.
	if d, ok := c.DueFor(city, f1); !ok || d.Format("2006-01-02") != "2018-12-10" {
		t.Errorf("the city's f1 is due %s %v", d, ok)
	}
	if p, ok := f1.Reminders[City]; !ok || p.OverdueDays != 3 {
		t.Errorf("the city's reminders of f1: %+v %v", p, ok)
	}
	if d, ok := c.DueFor(city, f3); !ok || d.Format("2006-01-02") != "2019-03-05" {
		t.Errorf("the city's package of f3 is due %s %v, want the counties' 2019-03-05", d, ok)
	}
	if !c.Forwards(f1, City) || c.Forwards(f1, Province) || c.Forwards(f1, County) || !c.Reports(f2, City) {
		t.Errorf("forwards: %v %v %v", c.Forwards(f1, City), c.Forwards(f1, Province), c.Forwards(f1, County))
	}
	// A period's date for the forwarding level, from a rule.
	y := strings.Replace(threeLevels, "due: {county: {days: 5}}", "due: {county: {days: 5}, city: {days: 8}}", 1)
	src.YAML = []byte(y)
	if c, err = Load(src); err != nil {
		t.Fatal(err)
	}
	if d, ok := c.DueFor(c.Units["330100"], c.Form("f3.2019m02")); !ok || d.Format("2006-01-02") != "2019-03-08" {
		t.Errorf("the city's package of f3 2019-02 is due %s", d)
	}
}
