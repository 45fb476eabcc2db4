package reports_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"tianbao/campaigns"
	"tianbao/dialogs/dialogtest"
	"tianbao/reports"
	"tianbao/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

var now = time.Date(2018, 12, 2, 10, 0, 0, 0, dialogtest.Shanghai)

// approveAll approves the pending review requests whose text has about.
func approveAll(t *testing.T, reviewer *dialogtest.Chat, about string) {
	t.Helper()
	reviewer.Inbox()
	reviews := reviewer.Last
	for i := range reviews {
		reviewer.Last = reviews[i : i+1]
		if _, ok := reviewer.Button("✅ 通过"); ok && strings.Contains(reviews[i].Text, about) {
			reviewer.Press("✅ 通过").Expect("已通过")
		}
	}
}

// seed: two approved 附件3 of 杭州, one only submitted; 西湖区's 附件2 with
// two parks approved; 杭州市's own 附件1 approved by the province.
func seed(t *testing.T) *dialogtest.Env {
	env := dialogtest.New(t, storetest.NewDB(t), now)
	city := env.Reviewer("330100", "杭州审核")
	env.Contact("330106", "甲").SubmitA3("3", "0", "2", "100", "50", "1", "5.5", "20", "100")
	env.Contact("330102", "乙").SubmitA3("2", "0", "2", "60.25", "30", "0", "0", "0", "40")
	approveAll(t, city, "附件3")
	env.Contact("330103", "丙").SubmitA3("1", "0", "1", "10", "5", "0", "0", "0", "5") // submitted, not approved

	xh := env.Contact("330106", "甲")
	xh.Say("/start").Press("附件2").Press("➕ 添加园区").
		Say("西湖创业园").Say("杭州市西湖区三墩镇西园八路 1 号紫金港科技城创业大楼 3 幢").Press("生产制造类").Say("智能装备").Press("政府主导开发").Say("50").Say("6").Say("2019-06").
		Press("➕ 添加园区").Say("西湖数字园").Say("三墩镇 2 号").Press("生产性服务等其他类").Say("数字经济").Press("企业联合开发").Say("30").Say("4").Say("2019-09").
		Press("本部分填完了").Press("本部分没有园区").
		Press("➕ 添加园区").Say("云栖园").Say("转塘 8 号").Press("生产制造类").Say("云计算").Press("龙头企业开发").Say("100").Say("20").Say("2019-03").
		Press("本部分填完了").Press("✅ 提交").Expect("已提交")
	approveAll(t, city, "附件2")

	env.Admin("330000", "省办")
	hzc := env.Contact("330100", "杭州联系人")
	hzc.Say("/start").Press("附件1").Say("杭州市小微企业园工作领导小组").Say("王市长").Say("副市长").Say("李华").Say("0571-87059132").Press("✅ 提交").Expect("已提交")
	approveAll(t, city, "附件1")
	return env
}

func open(t *testing.T, b []byte) *excelize.File {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func cell(t *testing.T, f *excelize.File, sheet, at string) string {
	t.Helper()
	v, err := f.GetCellValue(sheet, at)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func merges(t *testing.T, f *excelize.File, sheet string) []string {
	t.Helper()
	ms, err := f.GetMergeCells(sheet)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range ms {
		out = append(out, m.GetStartAxis()+":"+m.GetEndAxis())
	}
	sort.Strings(out)
	return out
}

func TestXLSXOfACity(t *testing.T) {
	started := time.Now().In(dialogtest.Shanghai).Format("2006-01-02")
	env := seed(t)
	ctx := context.Background()
	camp, err := env.Registry.Campaign(ctx, campaigns.BuiltinID)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := (reports.Exporter{DB: env.DB}).WriteXLSX(ctx, &buf, camp, "330100", reports.ExportOptions{}); err != nil {
		t.Fatal(err)
	}
	if out := os.Getenv("TIANBAO_XLSX_OUT"); out != "" {
		// For looking at the layout: TIANBAO_XLSX_OUT=/tmp/hz.xlsx go test ./reports -run TestXLSXOfACity
		if err := os.WriteFile(out, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	f := open(t, buf.Bytes())
	if got := strings.Join(f.GetSheetList(), ","); got != "附件1,附件2,附件2按下级,附件3,政策措施,政策措施按下级,附件4,附件4按下级,填报情况" {
		t.Errorf("sheets %s", got)
	}
	// The status sheet: a row per unit, a column per form (no 期别 for a
	// one-off notice), each cell the state and the day it came to it; the
	// last row counts the approved.
	status, _ := f.GetRows("填报情况")
	byUnit := map[string][]string{}
	for _, r := range status {
		if len(r) > 0 {
			byUnit[r[0]] = r
		}
	}
	// Submitted and reviewed now, whatever the fake clock: today's date.
	dates := regexp.MustCompile(`\d{4}-\d{2}-\d{2}`)
	line := func(unit string) string {
		for _, d := range dates.FindAllString(strings.Join(byUnit[unit], ","), -1) {
			if d != time.Now().In(dialogtest.Shanghai).Format("2006-01-02") && d != started {
				t.Errorf("%s: the date %s is not today's", unit, d)
			}
		}
		return dates.ReplaceAllString(strings.Join(byUnit[unit], ","), "D")
	}
	if len(status) < 3 || strings.Join(status[1], ",") != "单位,附件1,附件2,附件3,政策措施,附件4" ||
		line("杭州市上城区") != "杭州市上城区,未开始,未开始,已通过 D,未开始,未开始" ||
		line("杭州市下城区") != "杭州市下城区,未开始,未开始,已提交 D,未开始,未开始" ||
		line("杭州市") != "杭州市,已通过 D,未开始,——,未开始,未开始" ||
		line("已通过／应填") != "已通过／应填,1／14,1／14,2／13,0／14,0／14" {
		t.Errorf("status sheet:\n%q", status)
	}
	// 附件3: its number as the notice prints it, the title, the 盖章
	// line, the grouped three-row header; the notice's 注 under the table.
	for at, want := range map[string]string{
		"A1":  "附件3",
		"A11": "注：1.建设方式：包括新建成和改造提升，其中改造提升的园区必须是原来没有纳入小微企业园名单的园区；",
		"A12": "2.入园企业目标数（家）：入园企业目标数包括进入小微企业园及各类园区、标准厂房的小微企业数量。",
		"A2":  "2018-2022年小微企业园建设规划目标",
		"A3":  "杭州市小微企业园工作联席会议（领导小组）办公室（盖章）",
		"A4":  "县（市、区）", "B4": "按建设方式", "D4": "按园区类型", "J4": "2018-2022入园企业目标数（家）",
		"B5": "新建成（家）", "C5": "改造提升（家）", "D5": "生产制造类", "G5": "生产性服务等其他类",
		"D6": "园区数量（个）", "E6": "占地面积（亩）", "F6": "入小微园企业数（家）", "H6": "建筑面积（万平米）",
		// Approved rows only, in the units file's order, then the city's 总计.
		"A7": "上城区", "B7": "2", "C7": "0", "E7": "60.25", "J7": "40",
		"A8": "西湖区", "B8": "3", "H8": "5.5",
		"A9": "总计", "B9": "5", "C9": "0", "D9": "4", "E9": "160.25", "F9": "80", "G9": "1", "H9": "5.5", "J9": "140",
		"A10": "",
	} {
		if got := cell(t, f, "附件3", at); got != want {
			t.Errorf("附件3!%s = %q, want %q", at, got, want)
		}
	}
	wantMerges := []string{"A11:J11", "A12:J12", "A2:J2", "A3:J3", "A4:A6", "B4:C4", "B5:B6", "C5:C6", "D4:I4", "D5:F5", "G5:I5", "J4:J6"}
	if got := merges(t, f, "附件3"); strings.Join(got, " ") != strings.Join(wantMerges, " ") {
		t.Errorf("附件3 merged ranges %v, want %v", got, wantMerges)
	}
	if v, _ := f.GetCellValue("附件3", "E9"); v != "160.25" {
		t.Errorf("total cell %q", v)
	}
	// Totals are numbers, never text (D13).
	for _, at := range []string{"B9", "E9", "H9", "J9", "B7", "E7"} {
		if typ, err := f.GetCellType("附件3", at); err != nil || (typ != excelize.CellTypeNumber && typ != excelize.CellTypeUnset) {
			t.Errorf("附件3!%s is a %v cell, want a number", at, typ)
		}
		raw, _ := f.GetCellValue("附件3", at, excelize.Options{RawCellValue: true})
		if _, err := strconv.ParseFloat(raw, 64); err != nil {
			t.Errorf("附件3!%s holds %q, not a number", at, raw)
		}
	}
	panes, err := f.GetPanes("附件3")
	if err != nil || !panes.Freeze || panes.YSplit != 6 {
		t.Errorf("附件3 header rows are not frozen: %+v %v", panes, err)
	}
	// The header rows repeat on each printed page; 附件2, whose blocks
	// have headers of their own, repeats none.
	titles := map[string]string{}
	for _, dn := range f.GetDefinedName() {
		if dn.Name == "_xlnm.Print_Titles" {
			titles[dn.Scope] = dn.RefersTo
		}
	}
	if titles["附件3"] != "'附件3'!$4:$6" || titles["附件1"] != "'附件1'!$3:$3" || titles["附件2"] != "" {
		t.Errorf("print titles %v", titles)
	}
	// Long text wraps, and its row is tall enough to show it.
	if h, err := f.GetRowHeight("附件2", 5); err != nil || h < 20 {
		t.Errorf("附件2 row 5 (a long address) is %v high: %v", h, err)
	}
	// 附件2: three blocks, each with its header and numbered rows.
	for at, want := range map[string]string{
		"A2": "2019年小微企业园建设提升计划情况表",
		"A4": "可建成", "B4": "序号", "C4": "所属地区", "D4": "园区名称", "H4": "开发建设模式", "I4": "计划用地（亩）",
		"B5": "1", "C5": "杭州市西湖区", "D5": "西湖创业园", "I5": "50", "J5": "6", "K5": "2019-06",
		"B6": "2", "D6": "西湖数字园",
		"A7": "完成改造提升", "H7": "改造提升内容", "D8": "",
		"A9": "开工建设", "K9": "计划开工时间", "B10": "1", "D10": "云栖园", "K10": "2019-03",
	} {
		if got := cell(t, f, "附件2", at); got != want {
			t.Errorf("附件2!%s = %q, want %q", at, got, want)
		}
	}
	for _, m := range []string{"A4:A6", "A7:A8", "A9:A10"} {
		found := false
		for _, got := range merges(t, f, "附件2") {
			found = found || got == m
		}
		if !found {
			t.Errorf("附件2 lacks merged %s: %v", m, merges(t, f, "附件2"))
		}
	}
	// 附件1: the city's own row first, then its counties (none approved).
	for at, want := range map[string]string{"A2": "小微企业园工作联席会议（领导小组）建立情况汇总表", "A3": "市、县（市、区）",
		"B3": "机构名称", "C3": "召集人（组长）及职务", "A4": "杭州市", "C4": "王市长 副市长", "E4": "0571-87059132", "A5": ""} {
		if got := cell(t, f, "附件1", at); got != want {
			t.Errorf("附件1!%s = %q, want %q", at, got, want)
		}
	}

	// With drafts: the unapproved 下城区 appears, with its state.
	buf.Reset()
	if err := (reports.Exporter{DB: env.DB}).WriteXLSX(ctx, &buf, camp, "330100", reports.ExportOptions{IncludeDrafts: true}); err != nil {
		t.Fatal(err)
	}
	f = open(t, buf.Bytes())
	if got := cell(t, f, "附件3", "K4"); got != "状态" {
		t.Errorf("state column %q", got)
	}
	rows, _ := f.GetRows("附件3")
	joined := ""
	for _, r := range rows {
		joined += strings.Join(r, "|") + "\n"
	}
	if !strings.Contains(joined, "下城区|1|0|1|10|5|0|0|0|5|已提交") {
		t.Errorf("the submitted row with its state is missing:\n%s", joined)
	}
	if !strings.Contains(joined, "总计|6|0|5|170.25|85|1|5.5|20|145\n") {
		t.Errorf("the total row has a state, or wrong sums:\n%s", joined)
	}
}

func TestSubtreeCSVWithBOM(t *testing.T) {
	env := seed(t)
	ctx := context.Background()
	camp, _ := env.Registry.Campaign(ctx, campaigns.BuiltinID)
	// The province holds only what a city forwarded (nothing yet); the
	// city holds what it approved.
	x := reports.Exporter{DB: env.DB}
	province, err := x.SubtreeTable(ctx, camp, "330000", camp.Form("a3"), reports.ExportOptions{})
	if err != nil || len(province.Rows) != 0 {
		t.Fatalf("the province export holds data nobody forwarded: %v %v", province.Rows, err)
	}
	table, err := x.SubtreeTable(ctx, camp, "330100", camp.Form("a3"), reports.ExportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := reports.WriteCSV(&buf, table, true); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	if !bytes.HasPrefix(b, []byte("\xEF\xBB\xBF")) {
		t.Fatal("no BOM")
	}
	records, err := csv.NewReader(bytes.NewReader(b[3:])).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		// Each column by its whole group path: no two headers are equal.
		{"所属地区", "按建设方式·新建成（家）", "按建设方式·改造提升（家）", "按园区类型·生产制造类·园区数量（个）", "按园区类型·生产制造类·占地面积（亩）",
			"按园区类型·生产制造类·入小微园企业数（家）", "按园区类型·生产性服务等其他类·园区数量（个）", "按园区类型·生产性服务等其他类·建筑面积（万平米）",
			"按园区类型·生产性服务等其他类·入小微园企业数（家）", "2018-2022入园企业目标数（家）"},
		{"杭州市上城区", "2", "0", "2", "60.25", "30", "0", "0", "0", "40"},
		{"杭州市西湖区", "3", "0", "2", "100", "50", "1", "5.5", "20", "100"},
	}
	if len(records) != len(want) {
		t.Fatalf("records %q", records)
	}
	for i := range want {
		if strings.Join(records[i], ",") != strings.Join(want[i], ",") {
			t.Errorf("line %d: %q, want %q", i, records[i], want[i])
		}
	}
}

// TestProvinceExportHoldsWhatWasForwarded: after 杭州 forwarded 附件3 only,
// the province's export has 杭州's 附件3 rows as the package carries them
// (a later change to a draft is not in it) and nothing of its 附件2.
func TestProvinceExportHoldsWhatWasForwarded(t *testing.T) {
	env := seed(t)
	ctx := context.Background()
	camp, _ := env.Registry.Campaign(ctx, campaigns.BuiltinID)
	city := env.Reviewer("330100", "杭州审核")
	// 附件3 can go up once every county of 杭州 has it approved: seed the rest.
	if _, err := env.DB.ExecContext(ctx, `WITH c AS (SELECT code FROM units WHERE campaign_id = 'zj-2018-14' AND parent_code = '330100'
			AND code NOT IN (SELECT unit_code FROM submissions WHERE form_id = 'a3' AND status = 'approved'))
		INSERT INTO submissions (campaign_id, unit_code, form_id, version, campaign_version, data, status)
		SELECT 'zj-2018-14', code, 'a3', 9, 1, '{"sections":{"main":[{"key":"","values":{"built":"1","upgraded":"0","mfg_count":"1","mfg_land":"1","mfg_firms":"1","svc_count":"0","svc_area":"0","svc_firms":"0","target":"1"}}]}}', 'approved' FROM c`); err != nil {
		t.Fatal(err)
	}
	city.Say("/forward").Press("📤 上报 附件3").Expect("已上报《附件3")
	// A change after forwarding: 上城区's form is reopened and its draft edited.
	if _, err := env.DB.ExecContext(ctx, `UPDATE answers SET value = '99' WHERE unit_code = '330102' AND form_id = 'a3' AND field_id = 'built'`); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := (reports.Exporter{DB: env.DB}).WriteXLSX(ctx, &buf, camp, "330000", reports.ExportOptions{}); err != nil {
		t.Fatal(err)
	}
	f := open(t, buf.Bytes())
	rows, _ := f.GetRows("附件3")
	joined := ""
	for _, r := range rows {
		joined += strings.Join(r, "|") + "\n"
	}
	if !strings.Contains(joined, "上城区|2|0|2|60.25") || strings.Contains(joined, "|99|") {
		t.Errorf("附件3 is not what the package carried:\n%s", joined)
	}
	if !strings.Contains(joined, "杭州市总计|") || !strings.Contains(joined, "总计|") {
		t.Errorf("no totals:\n%s", joined)
	}
	rows2, _ := f.GetRows("附件2")
	for _, r := range rows2 {
		if strings.Contains(strings.Join(r, "|"), "西湖创业园") {
			t.Errorf("附件2 was never forwarded, yet the province's export has it: %v", r)
		}
	}
}
