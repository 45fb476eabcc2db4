package owed_test

import (
	"strings"
	"testing"
	"time"

	"tianbao/campaign"
	"tianbao/owed"
)

// monthly: counties return a figure a month, the city forwards them by its
// own date; the city fills one-off form of its own too.
const monthly = `id: monthly
title: 新设企业月报（测试）
timezone: Asia/Shanghai
units:
  file: units.tsv
  root: {code: "330000", name: 浙江省}
reminders: {overdue_days: 3}
forms:
  - id: own
    short: 本级表
    title: 本级情况
    levels: [city]
    due: {city: "2026-10-20"}
    sections:
      - {id: main, kind: record, fields: [{id: a, label: 甲, type: integer}]}
  - id: firms
    short: 新设企业
    title: 新设小微企业情况
    levels: [county]
    periods: {every: month, from: 2026-09, until: 2026-12}
    due: {county: {working_days: 5}, city: {working_days: 8}}
    sections:
      - {id: main, kind: record, fields: [{id: total, label: 新设企业数（家）, type: integer, unit: 家, min: 0}]}
`

const units = "city_code\tcity\tcounty_code\tcounty\n330100\t杭州市\t330102\t上城区\n330100\t杭州市\t330106\t西湖区\n"

var sh, _ = time.LoadLocation("Asia/Shanghai")

func load(t *testing.T) *campaign.Campaign {
	t.Helper()
	c, err := campaign.Load(&campaign.Source{Name: "monthly.yaml", YAML: []byte(monthly), Files: map[string][]byte{"units.tsv": []byte(units)},
		Now: func() time.Time { return time.Date(2026, 12, 7, 9, 30, 0, 0, sh) }})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func ids(forms []*campaign.Form) string {
	var out []string
	for _, f := range forms {
		out = append(out, f.ID)
	}
	return strings.Join(out, ",")
}

// TestOverduePeriodsAreColumns: a period someone still owes something
// for stays a column, oldest first, with the current one; a settled
// period folds away; a period not open yet is no column.
func TestOverduePeriodsAreColumns(t *testing.T) {
	c := load(t)
	now := time.Date(2026, 12, 7, 9, 30, 0, 0, sh)
	city, province := c.Units["330100"], c.Units["330000"]
	b := owed.New(c)
	// 西湖区 returned every month, 上城区 only November; the city approved
	// all of them and forwarded September, which the province approved.
	for _, m := range []string{"2026m09", "2026m10", "2026m11"} {
		b.SetReturn("330106", "firms."+m, owed.Approved)
	}
	b.SetReturn("330102", "firms.2026m11", owed.Approved)
	b.SetPackage("330100", "firms.2026m09", owed.Submitted)
	if got := ids(b.Columns(city, now)); got != "own,firms.2026m09,firms.2026m10,firms.2026m11" {
		t.Errorf("the city's columns: %s", got)
	}
	// September settles once 上城区's is approved and the province took
	// the package: only the city's own form, October and November remain.
	b.SetReturn("330102", "firms.2026m09", owed.Approved)
	b.SetPackage("330100", "firms.2026m09", owed.Approved)
	if got := ids(b.Columns(province, now)); got != "own,firms.2026m10,firms.2026m11" {
		t.Errorf("the province's columns: %s", got)
	}
	// For the city September is settled as soon as it forwarded it.
	b.SetPackage("330100", "firms.2026m09", owed.Submitted)
	if got := ids(b.Columns(city, now)); got != "own,firms.2026m10,firms.2026m11" {
		t.Errorf("the city's columns once September went up: %s", got)
	}
	if got := ids(b.Columns(province, now)); !strings.Contains(got, "firms.2026m09") {
		t.Errorf("the province has September to approve: %s", got)
	}
}

// TestLateAtEveryLevel: a county's missing returns and a city's package
// not forwarded are both late once their dates pass; an approved package
// is ready (已审核未上报); the city's own return and its package of the same
// form are named once.
func TestLateAtEveryLevel(t *testing.T) {
	c := load(t)
	now := time.Date(2026, 12, 7, 9, 30, 0, 0, sh)
	city, sc, xh := c.Units["330100"], c.Units["330102"], c.Units["330106"]
	sep, oct, nov := c.Form("firms.2026m09"), c.Form("firms.2026m10"), c.Form("firms.2026m11")
	b := owed.New(c)
	for _, f := range []*campaign.Form{sep, oct, nov} {
		b.SetReturn(xh.Code, f.ID, owed.Approved)
	}
	b.SetReturn(sc.Code, oct.ID, owed.Approved)
	b.SetReturn(sc.Code, sep.ID, owed.Draft)
	// 上城区: September late (a draft), November not yet (due today).
	if late := b.Late(sc, sep, now); len(late) != 1 || late[0].Package || late[0].Status != owed.Draft {
		t.Errorf("上城区's September: %+v", late)
	}
	if b.IsLate(sc, nov, now) || len(b.Owed(sc, nov)) != 1 {
		t.Errorf("上城区's November is owed, due %s, not late at %s", nov.Due[campaign.County], now)
	}
	// The city: October is all approved and never forwarded: ready, and
	// late by the city's own date. September waits for 上城区.
	if a, n := b.Readiness(city, oct); a != 2 || n != 2 || b.PackageCell(city, oct) != "pkg_ready" {
		t.Errorf("October's package: %d/%d %s", a, n, b.PackageCell(city, oct))
	}
	late := b.Late(city, oct, now)
	if len(late) != 1 || !late[0].Package || late[0].Status != owed.Ready {
		t.Fatalf("the city's October: %+v", late)
	}
	if d, _ := c.DueFor(city, oct); !late[0].Due.Equal(d) || !d.After(oct.Due[campaign.County]) {
		t.Errorf("the city's October is due %s (counties %s)", d, oct.Due[campaign.County])
	}
	if b.PackageCell(city, sep) != "pkg_none" {
		t.Errorf("September's package: %s", b.PackageCell(city, sep))
	}
	// Returned from above and not yet fixed: returned; forwarded: owed no more.
	b.SetPackage(city.Code, sep.ID, owed.Returned)
	if it := b.Owed(city, sep); len(it) != 1 || it[0].Status != owed.Returned || b.PackageCell(city, sep) != "pkg_returned" {
		t.Errorf("a returned package: %+v %s", it, b.PackageCell(city, sep))
	}
	// Returned with everything approved: still returned (what was flagged
	// must be corrected), not 已审核未上报.
	b.SetPackage(city.Code, oct.ID, owed.Returned)
	if it := b.Owed(city, oct); len(it) != 1 || it[0].Status != owed.Returned {
		t.Errorf("a returned package all approved: %+v", it)
	}
	b.SetPackage(city.Code, oct.ID, owed.Submitted)
	if b.IsLate(city, oct, now) {
		t.Errorf("a forwarded package is late")
	}
	// An extension moves the date, of the return and the package alike.
	b.Extend(sc.Code, sep.ID, time.Date(2026, 12, 31, 23, 59, 59, 0, sh))
	if b.IsLate(sc, sep, now) {
		t.Errorf("an extended return is late")
	}
	// Marked 免报 or 未收到 by the level above: not owed, and in for the
	// package, which goes up without it.
	b.SetReturn(sc.Code, nov.ID, owed.Exempt)
	if len(b.Owed(sc, nov)) != 0 {
		t.Errorf("a return marked 免报 is owed: %+v", b.Owed(sc, nov))
	}
	if a, n := b.Readiness(city, nov); a != 2 || n != 2 || b.PackageCell(city, nov) != "pkg_ready" {
		t.Errorf("November with 上城区 marked 免报: %d/%d %s", a, n, b.PackageCell(city, nov))
	}
	b.SetPackage(city.Code, nov.ID, owed.NotReceived)
	if len(b.Owed(city, nov)) != 0 || b.PackageCell(city, nov) != "pkg_not_received" || !b.Settled(owed.Subtree(c, "330000"), nov) {
		t.Errorf("a package marked 未收到: owed %+v, %s", b.Owed(city, nov), b.PackageCell(city, nov))
	}
	var items []owed.Item
	b.Each(func(it owed.Item) { items = append(items, it) })
	if len(items) == 0 || items[0].Form.ID != "own" || items[0].Unit != city {
		t.Errorf("Each starts with the city's own form: %+v", items[0])
	}
}

func TestDescribeIsGroupedAndShort(t *testing.T) {
	c := load(t)
	city, sc := c.Units["330100"], c.Units["330102"]
	sep, oct, nov, own := c.Form("firms.2026m09"), c.Form("firms.2026m10"), c.Form("firms.2026m11"), c.Form("own")
	got := owed.Describe([]owed.Item{
		{Unit: sc, Form: sep, Status: owed.None}, {Unit: sc, Form: oct, Status: owed.Draft}, {Unit: sc, Form: nov, Status: owed.Returned},
	})
	if got != "新设企业 2026年9月、10月、11月" {
		t.Errorf("a county's months: %s", got)
	}
	got = owed.Describe([]owed.Item{
		{Unit: city, Form: own, Status: owed.None},
		{Unit: city, Form: own, Package: true, Status: owed.None}, // named with its return
		{Unit: city, Form: sep, Package: true, Status: owed.Ready},
		{Unit: city, Form: oct, Package: true, Status: owed.None},
		{Unit: city, Form: nov, Package: true, Status: owed.Ready},
	})
	if got != "本级表；新设企业 2026年9月、11月 已审核未上报；新设企业 2026年10月 未上报" {
		t.Errorf("a city's: %s", got)
	}
	list := []owed.Named{{"上城区", "附件1"}, {"西湖区", "附件1、附件2"}, {"下城区", "附件1"}, {"江干区", "附件1"}}
	if got := owed.Grouped(list, 10, " 等 %d 个"); got != "上城区、下城区、江干区（附件1）；西湖区（附件1、附件2）" {
		t.Errorf("grouped: %s", got)
	}
	if got := owed.Grouped(list, 2, " 等 %d 个"); got != "上城区、下城区（附件1） 等 4 个" {
		t.Errorf("grouped, cut: %s", got)
	}
}
