package dialogs_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"tianbao/campaigns"
	"tianbao/dialogs/dialogtest"
	"tianbao/reports"
)

// template is the spreadsheet the last replies attach, made as the
// transport makes it.
func template(t *testing.T, env *dialogtest.Env, c *dialogtest.Chat) []byte {
	t.Helper()
	for _, r := range c.Last {
		if r.Attach == nil || r.Attach.Template == nil {
			continue
		}
		camp, err := env.Registry.Campaign(context.Background(), campaigns.BuiltinID)
		if err != nil {
			t.Fatal(err)
		}
		out, err := reports.Render(context.Background(), env.DB, camp, r.Attach, env.Now)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasSuffix(out.Name, "填报表.xlsx") {
			t.Errorf("the template is sent as %q", out.Name)
		}
		return out.Content
	}
	t.Fatalf("no template attached to:\n%s", c.Text())
	return nil
}

// fill writes values into a template's input cells as a person would in
// Excel: by section/row/field (a list's new rows +1, +2 …), a figure as a
// number, anything else as typed text.
func fill(t *testing.T, env *dialogtest.Env, content []byte, values map[string]any) []byte {
	t.Helper()
	camp, err := env.Registry.Campaign(context.Background(), campaigns.BuiltinID)
	if err != nil {
		t.Fatal(err)
	}
	sheet, cells, err := reports.Templates{}.Cells(context.Background(), camp, content)
	if err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(content))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for key, v := range values {
		ref, ok := cells[key]
		if !ok {
			t.Fatalf("no input cell %s in the template (%d cells)", key, len(cells))
		}
		if err := f.SetCellValue(sheet, ref, v); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if _, err := f.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// a3Good are 附件3's nine figures, all fine together.
var a3Good = map[string]any{
	"main//built": 3, "main//upgraded": 0, "main//mfg_count": 2, "main//mfg_land": 120, "main//mfg_firms": 45,
	"main//svc_count": 1, "main//svc_area": 3.5, "main//svc_firms": 20, "main//target": 80,
}

func a3Answers(t *testing.T, env *dialogtest.Env, unit string) map[string]string {
	t.Helper()
	rows, err := env.DB.QueryContext(context.Background(), `SELECT field_id, value FROM answers WHERE unit_code = $1 AND form_id = 'a3'`, unit)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			t.Fatal(err)
		}
		out[k] = v
	}
	return out
}

// TestTemplateFilledAndSubmitted: /template with 附件3 open sends its
// template; filled programmatically (excelize), sent back, every cell goes
// into the draft and the review is ready: /template, the file, 提交 —
// three actions from /template to a submitted form.
func TestTemplateFilledAndSubmitted(t *testing.T) {
	env := newEnv(t)
	c := env.Contact("330106", "张三")
	c.Say("/start").Press("附件3").Expect("新建成（家）")
	actions := 0
	c.Say("/template").Expect("《附件3 2018-2022年小微企业园建设规划目标》的填报表格")
	actions++
	filled := fill(t, env, template(t, env, c), a3Good)
	c.Upload("附件3.xlsx", filled)
	actions++
	c.Expect("已从表格导入《附件3 2018-2022年小微企业园建设规划目标》：填入 9 项", "表格内容全部通过检查", "全部填写完毕")
	c.Press("✅ 提交").Expect("已提交")
	actions++
	t.Logf("%d actions from /template (in the form) to a submitted form", actions)
	if actions > 5 {
		t.Errorf("%d actions from /template to a submitted form", actions)
	}
	got := a3Answers(t, env, "330106")
	want := map[string]string{"built": "3", "upgraded": "0", "mfg_count": "2", "mfg_land": "120", "mfg_firms": "45", "svc_count": "1", "svc_area": "3.5", "svc_firms": "20", "target": "80"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %q, want %q", k, got[k], v)
		}
	}
	// Submitted: a file changes nothing now, and says so.
	c.Upload("附件3.xlsx", fill(t, env, filled, map[string]any{"main//target": 90})).
		Expect("已提交（第 1 版），不能再用表格修改，文件未导入", "撤回")
	if a3Answers(t, env, "330106")["target"] != "80" {
		t.Error("a file changed a submitted form")
	}
}

// TestTemplateThreeBadCells: three cells a person gets wrong (a Chinese
// numeral, 约50, 80家左右) beside six good ones: the draft holds the six,
// and the chat asks exactly the three, each named by its row and column as
// printed, then the review.
func TestTemplateThreeBadCells(t *testing.T) {
	env := newEnv(t)
	c := env.Contact("330106", "张三")
	c.Say("/start").Say("/template").Expect("要下载哪张表格").Press("📥 附件3").Expect("的填报表格")
	values := map[string]any{}
	for k, v := range a3Good {
		values[k] = v
	}
	values["main//built"], values["main//mfg_land"], values["main//target"] = "三", "约50", "80家左右"
	c.Upload("附件3.xlsx", fill(t, env, template(t, env, c), values))
	c.Expect("填入 6 项", "还有 3 处需要处理", "第 7 行「新建成（家）」：「三」", "新建成（家）（第 1/9 项）")
	got := a3Answers(t, env, "330106")
	if len(got) != 6 || got["upgraded"] != "0" || got["svc_area"] != "3.5" || got["built"] != "" || got["mfg_land"] != "" {
		t.Errorf("the draft after the file: %v", got)
	}
	asked := 1
	c.Say("3").Expect("第 7 行「占地面积（亩）」：「约50」需要一个确切的数字", "占地面积（亩）（第 4/9 项）")
	asked++
	c.Say("120亩").Expect("第 7 行「2018-2022入园企业目标数（家）」：「80家左右」", "2018-2022入园企业目标数（家）（第 9/9 项）")
	asked++
	c.Say("80").Expect("全部填写完毕")
	if asked != 3 {
		t.Errorf("asked %d cells", asked)
	}
	if got := a3Answers(t, env, "330106"); len(got) != 9 || got["built"] != "3" || got["mfg_land"] != "120" || got["target"] != "80" {
		t.Errorf("the draft after the walk: %v", got)
	}
}

// TestTemplateChangesNeedConfirm: answers already in the draft that the
// file would change are listed and changed only after 确认; 保留原答案
// keeps them, while what the file filled where there was nothing stays.
func TestTemplateChangesNeedConfirm(t *testing.T) {
	env := newEnv(t)
	c := env.Contact("330106", "张三")
	c.Say("/start").Press("附件3").Say("3").Say("0").Say("2").Say("120")
	c.Say("/template").Expect("已按草稿预填")
	tpl := template(t, env, c)
	values := map[string]any{"main//mfg_land": "130亩", "main//mfg_firms": 45, "main//svc_count": 1, "main//svc_area": 3.5, "main//svc_firms": 20, "main//target": 80}
	c.Upload("附件3.xlsx", fill(t, env, tpl, values)).
		Expect("填入 5 项", "有 1 处与草稿中已有的答案不同", "第 7 行「占地面积（亩）」：120 亩 → 130 亩").Press("保留原答案").
		Expect("已保留原答案", "全部填写完毕", "占地面积（亩）：120 亩")
	if got := a3Answers(t, env, "330106"); got["mfg_land"] != "120" || got["target"] != "80" {
		t.Errorf("kept: %v", got)
	}
	c.Upload("附件3.xlsx", fill(t, env, tpl, values)).Expect("120 亩 → 130 亩").Press("✅ 按表格修改").
		Expect("已按表格修改 1 处", "占地面积（亩）：130 亩")
	if got := a3Answers(t, env, "330106"); got["mfg_land"] != "130" {
		t.Errorf("applied: %v", got)
	}
}

// TestTemplateRefused: a file for another unit, another campaign, an older
// campaign version, with a row inserted, or no template at all changes
// nothing and says what is wrong.
func TestTemplateRefused(t *testing.T) {
	env := newEnv(t)
	other := env.Contact("330102", "李四")
	other.Say("/start").Say("/template").Press("📥 附件3")
	theirs := fill(t, env, template(t, env, other), a3Good)
	c := env.Contact("330106", "张三")
	c.Say("/start").Upload("附件3.xlsx", theirs).Expect("这份表格是「上城区」的，您是「西湖区」的联系人，未导入")
	if n := len(a3Answers(t, env, "330106")) + len(a3Answers(t, env, "330102")); n != 0 {
		t.Errorf("a refused file stored %d answers", n)
	}

	c.Say("/template").Press("📥 附件3")
	mine := template(t, env, c)
	// A row inserted above the table: every label moves.
	f, _ := excelize.OpenReader(bytes.NewReader(fill(t, env, mine, a3Good)))
	_ = f.UnprotectSheet("附件3")
	if err := f.InsertRows("附件3", 3, 1); err != nil {
		t.Fatal(err)
	}
	var moved bytes.Buffer
	_, _ = f.WriteTo(&moved)
	f.Close()
	c.Upload("附件3.xlsx", moved.Bytes()).Expect("表格的格式被改动过，无法逐格对应，未导入", "第 3 行 A 列应为")

	// A workbook that is no template, and a file that is no workbook.
	plain := excelize.NewFile()
	_ = plain.SetCellValue("Sheet1", "A1", "新建成")
	var pb bytes.Buffer
	_, _ = plain.WriteTo(&pb)
	c.Upload("我的表.xlsx", pb.Bytes()).Expect("不是用 /template 下载的填报表格")

	// The campaign revised since the template was made: its version is old.
	dialogtest.InstallVariant(t, env.DB, campaigns.BuiltinID, func(y string) string {
		return strings.Replace(y, "intro: 请填写本地小微企业园工作联席会议", "intro: 请如实填写本地小微企业园工作联席会议", 1)
	})
	env.Registry.Recheck = 0 // the revision is seen at once
	c.Upload("附件3.xlsx", fill(t, env, mine, a3Good)).Expect("这份表格是按第 1 版填报要求生成的，现在的要求是第 2 版")
	if n := len(a3Answers(t, env, "330106")); n != 0 {
		t.Errorf("refused files stored %d answers", n)
	}
}

// TestTemplateParks: 附件2 sent back with two parks typed into the empty
// rows (choices from the lists, a month, 6万平方米), one of them missing its
// address: both parks are added, the address asked by its row as printed.
func TestTemplateParks(t *testing.T) {
	env := newEnv(t)
	c := env.Contact("330106", "张三")
	c.Say("/start").Say("/template").Press("📥 附件2")
	park := func(row, name, addr string) map[string]any {
		m := map[string]any{
			"completed/" + row + "/name": name, "completed/" + row + "/ptype": "生产制造类", "completed/" + row + "/industry": "智能装备",
			"completed/" + row + "/mode": "龙头企业开发", "completed/" + row + "/land": 50, "completed/" + row + "/area": "60000平方米",
			"completed/" + row + "/finish": "2019年6月",
		}
		if addr != "" {
			m["completed/"+row+"/address"] = addr
		}
		return m
	}
	values := park("+1", "西湖创业园", "三墩镇 1 号")
	for k, v := range park("+2", "西湖智造园", "") {
		values[k] = v
	}
	c.Upload("附件2.xlsx", fill(t, env, template(t, env, c), values)).
		Expect("填入 15 项", "还有 1 处需要处理", "第 6 行「园区地址」：未填写", "园区地址（第 2/8 项）")
	c.Say("三墩镇 2 号").Expect("全部填写完毕").ExpectNot("还有")
	c.Expect("西湖创业园", "西湖智造园 · 三墩镇 2 号", "6万㎡")
}

// TestTemplateSavedByLibreOffice: a template filled and then opened and
// saved by LibreOffice (soffice --headless --convert-to xlsx, as an office
// that uses it would) reads the same: its shared strings, its numbers, its
// hidden sheet and document properties.
func TestTemplateSavedByLibreOffice(t *testing.T) {
	soffice, err := exec.LookPath("soffice")
	if err != nil {
		soffice, err = exec.LookPath("libreoffice")
	}
	if err != nil {
		t.Fatal("LibreOffice is needed (soffice on PATH; Debian: apt-get install libreoffice-calc-nogui)")
	}
	env := newEnv(t)
	c := env.Contact("330106", "张三")
	c.Say("/start").Say("/template").Press("📥 附件3")
	values := map[string]any{}
	for k, v := range a3Good {
		values[k] = v
	}
	values["main//mfg_land"] = "120" // a number stored as text
	values["main//svc_area"] = "约3.5"
	dir := t.TempDir()
	in := filepath.Join(dir, "附件3-填好.xlsx")
	if err := os.WriteFile(in, fill(t, env, template(t, env, c), values), 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "saved")
	cmd := exec.Command(soffice, "--headless", "-env:UserInstallation=file://"+filepath.Join(dir, "profile"), "--convert-to", "xlsx", "--outdir", out, in)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("soffice: %v\n%s", err, b)
	}
	saved, err := os.ReadFile(filepath.Join(out, "附件3-填好.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(saved, fill(t, env, template(t, env, c), values)) {
		t.Fatal("LibreOffice wrote the same bytes back")
	}
	c.Upload("附件3-填好.xlsx", saved).Expect("填入 8 项", "还有 1 处需要处理", "第 7 行「建筑面积（万平米）」：「约3.5」")
	c.Say("3.5").Expect("全部填写完毕")
	if got := a3Answers(t, env, "330106"); got["mfg_land"] != "120" || got["svc_area"] != "3.5" || got["target"] != "80" {
		t.Errorf("after LibreOffice: %v", got)
	}
}

// TestTemplateRulesAndWarnings: figures valid one by one that break a
// cross-field rule, and one that raises a soft warning: the walk asks the
// rule at its first field (with 改 for the others it reads) and the
// warning as the chat does, 确认无误 or answer anew.
func TestTemplateRulesAndWarnings(t *testing.T) {
	env := newEnv(t)
	c := env.Contact("330106", "张三")
	c.Say("/start").Say("/template").Press("📥 附件3")
	values := map[string]any{}
	for k, v := range a3Good {
		values[k] = v
	}
	values["main//built"], values["main//svc_area"] = 4, 0 // 4+0 ≠ 2+1; a park with no area
	c.Upload("附件3.xlsx", fill(t, env, template(t, env, c), values)).
		Expect("填入 9 项", "还有 2 处需要处理", "第 7 行「新建成（家）」：按建设方式合计 4 家", "新建成（家）（第 1/9 项）")
	for _, b := range []string{"改：改造提升", "改：制造类园区", "改：服务类园区"} {
		if _, ok := c.Button(b); !ok {
			t.Errorf("no %s beside the rule; buttons %v", b, c.Labels())
		}
	}
	c.Say("4").Expect("应当相等") // still broken: refused, asked again
	c.Say("3").Expect("第 7 行「生产性服务等其他类 · 园区数量（个）」：有一项提示要您核对", "两者一个为 0 一个不为 0", "确认无误").Press("确认无误").Expect("全部填写完毕")
	if got := a3Answers(t, env, "330106"); got["built"] != "3" || got["svc_area"] != "0" {
		t.Errorf("after the walk: %v", got)
	}
}
