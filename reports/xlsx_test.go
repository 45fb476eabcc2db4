package reports_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"os"
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

func fillA3(c *dialogtest.Chat, values ...string) {
	c.T.Helper()
	c.Say("/start").Press("附件3")
	for _, v := range values {
		c.Say(v)
	}
	c.Expect("全部填写完毕").Press("✅ 提交").Expect("已提交")
}

// seed: two approved 附件3 of 杭州, one only submitted; 西湖区's 附件2 with
// two parks approved; 杭州市's own 附件1 approved by the province.
func seed(t *testing.T) *dialogtest.Env {
	env := dialogtest.New(t, storetest.NewDB(t), now)
	city := env.Reviewer("330100", "杭州审核")
	fillA3(env.Contact("330106", "甲"), "3", "0", "2", "100", "50", "1", "5.5", "20", "100")
	fillA3(env.Contact("330102", "乙"), "2", "0", "2", "60.25", "30", "0", "0", "0", "40")
	approveAll(t, city, "附件3")
	fillA3(env.Contact("330103", "丙"), "1", "0", "1", "10", "5", "0", "0", "0", "5") // submitted, not approved

	xh := env.Contact("330106", "甲")
	xh.Say("/start").Press("附件2").Press("➕ 添加园区").
		Say("西湖创业园").Say("三墩镇 1 号").Press("生产制造类").Say("智能装备").Press("政府主导开发").Say("50").Say("6").Say("2019-06").
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
	if got := strings.Join(f.GetSheetList(), ","); got != "附件1,附件2,附件3,政策措施,附件4" {
		t.Errorf("sheets %s", got)
	}
	// 附件3: title, the 盖章 line, the grouped three-row header.
	for at, want := range map[string]string{
		"A1": "2018-2022年小微企业园建设规划目标",
		"A2": "杭州市小微企业园工作联席会议（领导小组）办公室（盖章）",
		"A3": "县（市、区）", "B3": "按建设方式", "D3": "按园区类型", "J3": "2018-2022入园企业目标数（家）",
		"B4": "新建成（家）", "C4": "改造提升（家）", "D4": "生产制造类", "G4": "生产性服务等其他类",
		"D5": "园区数量（个）", "E5": "占地面积（亩）", "F5": "入小微园企业数（家）", "H5": "建筑面积（万平米）",
		// Approved rows only, in the units file's order, then the city's 总计.
		"A6": "上城区", "B6": "2", "C6": "0", "E6": "60.25", "J6": "40",
		"A7": "西湖区", "B7": "3", "H7": "5.50",
		"A8": "总计", "B8": "5", "C8": "0", "D8": "4", "E8": "160.25", "F8": "80", "G8": "1", "H8": "5.50", "J8": "140",
		"A9": "",
	} {
		if got := cell(t, f, "附件3", at); got != want {
			t.Errorf("附件3!%s = %q, want %q", at, got, want)
		}
	}
	wantMerges := []string{"A1:J1", "A2:J2", "A3:A5", "B3:C3", "B4:B5", "C4:C5", "D3:I3", "D4:F4", "G4:I4", "J3:J5"}
	if got := merges(t, f, "附件3"); strings.Join(got, " ") != strings.Join(wantMerges, " ") {
		t.Errorf("附件3 merged ranges %v, want %v", got, wantMerges)
	}
	if v, _ := f.GetCellValue("附件3", "E8"); v != "160.25" {
		t.Errorf("total cell %q", v)
	}
	// Totals are numbers, never text (D13).
	for _, at := range []string{"B8", "E8", "H8", "J8", "B6", "E6"} {
		if typ, err := f.GetCellType("附件3", at); err != nil || (typ != excelize.CellTypeNumber && typ != excelize.CellTypeUnset) {
			t.Errorf("附件3!%s is a %v cell, want a number", at, typ)
		}
		raw, _ := f.GetCellValue("附件3", at, excelize.Options{RawCellValue: true})
		if _, err := strconv.ParseFloat(raw, 64); err != nil {
			t.Errorf("附件3!%s holds %q, not a number", at, raw)
		}
	}
	panes, err := f.GetPanes("附件3")
	if err != nil || !panes.Freeze || panes.YSplit != 5 {
		t.Errorf("附件3 header rows are not frozen: %+v %v", panes, err)
	}
	// 附件2: three blocks, each with its header and numbered rows.
	for at, want := range map[string]string{
		"A1": "2019年小微企业园建设提升计划情况表",
		"A3": "可建成", "B3": "序号", "C3": "所属地区", "D3": "园区名称", "H3": "开发建设模式", "I3": "计划用地（亩）",
		"B4": "1", "C4": "杭州市西湖区", "D4": "西湖创业园", "I4": "50.00", "J4": "6.00", "K4": "2019-06",
		"B5": "2", "D5": "西湖数字园",
		"A6": "完成改造提升", "H6": "改造提升内容", "D7": "",
		"A8": "开工建设", "K8": "计划开工时间", "B9": "1", "D9": "云栖园", "K9": "2019-03",
	} {
		if got := cell(t, f, "附件2", at); got != want {
			t.Errorf("附件2!%s = %q, want %q", at, got, want)
		}
	}
	for _, m := range []string{"A3:A5", "A6:A7", "A8:A9"} {
		found := false
		for _, got := range merges(t, f, "附件2") {
			found = found || got == m
		}
		if !found {
			t.Errorf("附件2 lacks merged %s: %v", m, merges(t, f, "附件2"))
		}
	}
	// 附件1: the city's own row first, then its counties (none approved).
	for at, want := range map[string]string{"A1": "小微企业园工作联席会议（领导小组）建立情况汇总表", "A2": "市、县（市、区）",
		"B2": "机构名称", "C2": "召集人（组长）及职务", "A3": "杭州市", "C3": "王市长 副市长", "E3": "0571-87059132", "A4": ""} {
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
	if got := cell(t, f, "附件3", "K3"); got != "状态" {
		t.Errorf("state column %q", got)
	}
	rows, _ := f.GetRows("附件3")
	joined := ""
	for _, r := range rows {
		joined += strings.Join(r, "|") + "\n"
	}
	if !strings.Contains(joined, "下城区|1|0|1|10.00|5|0|0.00|0|5|已提交") {
		t.Errorf("the submitted row with its state is missing:\n%s", joined)
	}
	if !strings.Contains(joined, "总计|6|0|5|170.25|85|1|5.50|20|145\n") {
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
		{"所属地区", "新建成（家）", "改造提升（家）", "园区数量（个）", "占地面积（亩）", "入小微园企业数（家）", "园区数量（个）", "建筑面积（万平米）", "入小微园企业数（家）", "2018-2022入园企业目标数（家）"},
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
