package dialogs_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"tianbao/dialogs"
	"tianbao/dialogs/dialogtest"
	"tianbao/owed"
	"tianbao/reminders"
	"tianbao/reports"
)

// twoKinds is a national return whose top has units of two kinds right
// below it: provinces (with cities under them), and the ministry's own
// bureaus. Each kind has its own form; a tag gives the development zones
// theirs.
const twoKinds = `id: twokinds
title: 两类单位（测试）
levels:
  - {id: nation, name: 全国}
  - {id: province, name: 省}
  - {id: city, name: 市}
units: {file: units.tsv}
forms:
  - id: econ
    short: 经济表
    title: 地区经济情况
    levels: [province, city]
    kinds: {province: [省]}
    due: {province: "2018-12-10", city: "2018-12-05"}
    sections:
      - {id: main, kind: record, total: true, fields: [{id: output, label: 产值（万元）, type: integer, min: 0}]}
  - id: staff
    short: 人员表
    title: 部门人员情况
    levels: [province]
    kinds: [部门]
    due: {province: "2018-12-10"}
    sections:
      - {id: main, kind: record, fields: [{id: people, label: 人数, type: integer, min: 0}]}
  - id: zone
    short: 园区表
    title: 开发区情况
    levels: [city]
    tags: [开发区]
    due: {city: "2018-12-05"}
    sections:
      - {id: main, kind: record, fields: [{id: firms, label: 企业数, type: integer, min: 0}]}
`

const twoKindsUnits = "code\tname\tparent\tkind\ttags\n" +
	"000000\t全国\t\t\t\n" +
	"330000\t浙江省\t000000\t省\t\n" +
	"B01\t统计局\t000000\t部门\t\n" +
	"330100\t杭州市\t330000\t\t开发区\n" +
	"330200\t宁波市\t330000\t\t\n"

// TestFormsAssignedByKind: the bureau beside the provinces is shown, can
// open, is reminded of and is counted for its own form only, and so is a
// city without the tag; the status sheet of the export and the summary
// follow the same assignment.
func TestFormsAssignedByKind(t *testing.T) {
	env := newEnv(t)
	camp := dialogtest.Install(t, env.DB, "twokinds.yaml", twoKinds, map[string]string{"units.tsv": twoKindsUnits})
	bureau := env.ContactAs("twokinds", "B01", "局联系人", dialogs.Filler)
	bureau.Say("/start").Expect("人员表").ExpectNot("经济表", "园区表")
	// A forged button for the provinces' form is refused on the server.
	b, ok := bureau.Button("人员表")
	if !ok || !strings.HasSuffix(b.Data, ":1") {
		t.Fatalf("人员表's button %+v", b)
	}
	bureau.Send(dialogs.Input{Button: strings.TrimSuffix(b.Data, "1") + "0"}).Expect("本单位不需要填写此表。")
	env.ContactAs("twokinds", "330000", "省联系人", dialogs.Filler).Say("/start").Expect("经济表").ExpectNot("人员表", "园区表")
	env.ContactAs("twokinds", "330100", "杭州联系人", dialogs.Filler).Say("/start").Expect("经济表", "园区表").ExpectNot("人员表")
	env.ContactAs("twokinds", "330200", "宁波联系人", dialogs.Filler).Say("/start").Expect("经济表").ExpectNot("人员表", "园区表")

	// Reminders: each unit of the forms it fills, none of the others, and
	// of the packages it forwards.
	var got []string
	for _, s := range reminders.Due(owed.New(camp), nil, now, now.Add(10*24*time.Hour)) {
		pair := s.Unit.Code + "/" + s.Form.ID
		if s.Package {
			pair = s.Unit.Code + "/pkg:" + s.Form.ID
		}
		if len(got) == 0 || got[len(got)-1] != pair {
			got = append(got, pair)
		}
	}
	// The province forwards (上报) what it and its cities return, its own
	// packages late the day after its date (a zone's by its cities').
	want := "330000/econ 330000/pkg:econ 330100/econ 330200/econ B01/staff 330000/pkg:zone 330100/zone"
	if strings.Join(got, " ") != want {
		t.Errorf("reminded %q, want %q", strings.Join(got, " "), want)
	}

	// The nation's summary: the bureau ➖ on the provinces' form.
	text, _, err := (reports.Summarizer{DB: env.DB}).Summary(context.Background(), camp, "000000", now)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text, "统计局：➖⬜➖") {
		t.Errorf("summary:\n%s", text)
	}

	// The export's 填报情况: one 未开始 per unit and form it fills.
	var buf bytes.Buffer
	if err := (reports.Exporter{DB: env.DB}).WriteXLSX(context.Background(), &buf, camp, "000000", reports.ExportOptions{IncludeDrafts: true, At: now}); err != nil {
		t.Fatal(err)
	}
	x, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := x.GetRows("填报情况")
	if err != nil {
		t.Fatal(err)
	}
	notStarted, bureauEcon := 0, false
	for _, r := range rows {
		line := strings.Join(r, "|")
		notStarted += strings.Count(line, "未开始")
		bureauEcon = bureauEcon || strings.Contains(line, "统计局") && strings.Contains(line, "经济表") && strings.Contains(line, "未开始")
	}
	if notStarted != 5 || bureauEcon {
		t.Errorf("填报情况 has %d 未开始 (want 5), the bureau on 经济表: %v\n%v", notStarted, bureauEcon, rows)
	}
}
