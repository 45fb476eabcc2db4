package dialogs_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"tianbao/dialogs"
	"tianbao/dialogs/dialogtest"
	"tianbao/reports"
)

// pageTemplate is unit's template of form as the page's 📥 makes it.
func pageTemplate(t *testing.T, env *dialogtest.Env, campaignID, unit, form string) []byte {
	t.Helper()
	camp, err := env.Registry.Campaign(context.Background(), campaignID)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := (reports.Templates{DB: env.DB}).Write(context.Background(), &buf, camp, unit, form, env.Now); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func pageImport(t *testing.T, env *dialogtest.Env, c *dialogtest.Chat, form string, content []byte) *dialogs.PageResult {
	t.Helper()
	res, err := env.Engine.PageImport(context.Background(), c.ID, form, content)
	if err != nil {
		t.Fatalf("page import: %v", err)
	}
	return res
}

// TestPageSheetThreeBadCells: a template uploaded on the page with three
// bad cells beside six good ones: the six are in the draft, and the three
// are the result's issues, each at its cell and named as printed; the
// chat's place is left as it was.
func TestPageSheetThreeBadCells(t *testing.T) {
	env := newEnv(t)
	c := env.Contact("330106", "张三")
	c.Say("/start").Press("附件1").Expect("（第 1/5 项）")
	values := map[string]any{}
	for k, v := range a3Good {
		values[k] = v
	}
	values["main//built"], values["main//mfg_land"], values["main//target"] = "三", "约50", "80家左右"
	res := pageImport(t, env, c, "a3", fill(t, env, pageTemplate(t, env, "zj-2018-14", "330106", "a3"), values))
	if res.Refused != "" || res.Sheet == nil || res.Sheet.Filled != 6 || !strings.Contains(res.Done, "填入 6 项") {
		t.Fatalf("imported: %+v %+v", res, res.Sheet)
	}
	var where []string
	for _, is := range res.Sheet.Issues {
		where = append(where, is.Section+"/"+is.Row+"/"+is.Field)
	}
	if got := strings.Join(where, ","); got != "main//built,main//mfg_land,main//target" {
		t.Errorf("issues at %s", got)
	}
	if !strings.Contains(res.Sheet.Issues[1].Text, "第 7 行「占地面积（亩）」：「约50」需要一个确切的数字") {
		t.Errorf("issue %q", res.Sheet.Issues[1].Text)
	}
	if got := a3Answers(t, env, "330106"); len(got) != 6 || got["svc_area"] != "3.5" || got["built"] != "" {
		t.Errorf("the draft: %v", got)
	}
	if res.Form.SheetDiff != nil {
		t.Errorf("a diff with nothing to change: %+v", res.Form.SheetDiff)
	}
	// The chat is where it was: 附件1's first question.
	c.Say("西湖区小微企业园工作联席会议").Expect("✔", "（第 2/5 项）")
}

// TestPageSheetDiffSharedWithTheChat: what a file would change waits for
// 确认 once, for the chat and the page: a diff made on the page is decided
// on the page (a stale token refused); a diff the chat is asking about is
// shown on the page, decided there, and the chat's buttons then say so
// and go on with what is left.
func TestPageSheetDiffSharedWithTheChat(t *testing.T) {
	env := newEnv(t)
	ctx := context.Background()
	c := env.Contact("330106", "张三")
	c.Say("/start").Press("附件3").Say("3").Say("0").Say("2").Say("120")
	tpl := pageTemplate(t, env, "zj-2018-14", "330106", "a3")
	values := map[string]any{"main//mfg_land": "130亩", "main//mfg_firms": 45, "main//svc_count": 1, "main//svc_area": 3.5, "main//svc_firms": 20, "main//target": 80}

	// Uploaded on the page: five filled, one change waiting.
	res := pageImport(t, env, c, "a3", fill(t, env, tpl, values))
	diff := res.Form.SheetDiff
	if res.Sheet == nil || res.Sheet.Filled != 5 || diff == nil || len(diff.Lines) != 1 || !strings.Contains(diff.Lines[0], "第 7 行「占地面积（亩）」：120 亩 → 130 亩") || !strings.Contains(diff.Head, "1 处") {
		t.Fatalf("imported: %+v, diff %+v", res.Sheet, diff)
	}
	if got := a3Answers(t, env, "330106"); got["mfg_land"] != "120" || got["target"] != "80" {
		t.Errorf("before 确认: %v", got)
	}
	view, err := env.Engine.PageView(ctx, c.ID, "a3")
	if err != nil || view.SheetDiff == nil || view.SheetDiff.Token != diff.Token {
		t.Fatalf("the form shown again: %+v %v", view.SheetDiff, err)
	}
	if r, err := env.Engine.PageSheetDecide(ctx, c.ID, "a3", "0000", true); err != nil || !strings.Contains(r.Refused, "已经处理过了") {
		t.Errorf("another diff's token: %+v %v", r, err)
	}
	r, err := env.Engine.PageSheetDecide(ctx, c.ID, "a3", diff.Token, true)
	if err != nil || r.Refused != "" || r.Done != "已按表格修改 1 处。" || r.Form.SheetDiff != nil {
		t.Fatalf("确认: %+v %v", r, err)
	}
	if got := a3Answers(t, env, "330106"); got["mfg_land"] != "130" {
		t.Errorf("after 确认: %v", got)
	}
	if r, _ := env.Engine.PageSheetDecide(ctx, c.ID, "a3", diff.Token, true); !strings.Contains(r.Refused, "已经处理过了") {
		t.Errorf("decided twice: %+v", r)
	}
	// The chat was at 附件3's fifth question all along.
	c.Say("45").Expect("✔")

	// Sent in the chat: the chat asks, the page shows the same diff.
	values["main//mfg_land"] = 140
	c.Upload("附件3.xlsx", fill(t, env, tpl, values)).Expect("130 亩 → 140 亩")
	view, err = env.Engine.PageView(ctx, c.ID, "a3")
	if err != nil || view.SheetDiff == nil || len(view.SheetDiff.Lines) != 1 || !strings.Contains(view.SheetDiff.Lines[0], "130 亩 → 140 亩") {
		t.Fatalf("the chat's diff on the page: %+v %v", view.SheetDiff, err)
	}
	r, err = env.Engine.PageSheetDecide(ctx, c.ID, "a3", view.SheetDiff.Token, false)
	if err != nil || r.Done != "已保留原答案，表格中的 1 处不同未采用。" {
		t.Fatalf("保留原答案 on the page: %+v %v", r, err)
	}
	// The chat's 确认 now changes nothing, and the chat goes on.
	c.Press("✅ 按表格修改").Expect("全部填写完毕")
	if got := a3Answers(t, env, "330106"); got["mfg_land"] != "130" {
		t.Errorf("the chat applied a diff decided on the page: %v", got)
	}
}

// TestPageSheetRefused: the page takes its own form's template of its own
// unit and nothing else: another unit's, another form's, and another
// period's of a standing return are refused, saying what the file is for,
// and change nothing.
func TestPageSheetRefused(t *testing.T) {
	env := newEnv(t)
	ctx := context.Background()
	c := env.Contact("330106", "张三")
	c.Say("/start")
	theirs := fill(t, env, pageTemplate(t, env, "zj-2018-14", "330102", "a3"), a3Good)
	if r := pageImport(t, env, c, "a3", theirs); !strings.Contains(r.Refused, "这份表格是「上城区」的，这里是「西湖区」的填报页面，未导入") {
		t.Errorf("another unit's: %+v", r)
	}
	a3 := fill(t, env, pageTemplate(t, env, "zj-2018-14", "330106", "a3"), a3Good)
	if r := pageImport(t, env, c, "a1", a3); !strings.Contains(r.Refused, "这份表格是《附件3 2018-2022年小微企业园建设规划目标》的，这里是《附件1") {
		t.Errorf("another form's: %+v", r)
	}
	if r := pageImport(t, env, c, "a3", []byte("%PDF-1.4")); !strings.Contains(r.Refused, "不是 Excel/WPS 表格") {
		t.Errorf("a PDF: %+v", r)
	}
	if n := len(a3Answers(t, env, "330106")) + len(a3Answers(t, env, "330102")); n != 0 {
		t.Errorf("refused files stored %d answers", n)
	}

	// A standing return: the first quarter's template, on the second's page.
	if _, err := env.Registry.Campaign(ctx, quarterly); err != nil {
		t.Fatal(err)
	}
	env.Now = time.Date(2019, 7, 3, 9, 0, 0, 0, dialogtest.Shanghai)
	q := env.ContactIn(quarterly, "330106", "王芳")
	q.Say("/start")
	q1 := pageTemplate(t, env, quarterly, "330106", "progress.2019q1")
	r := pageImport(t, env, q, "progress.2019q2", q1)
	if !strings.Contains(r.Refused, "这份表格是《进度季报 小微企业园建设进度（2019年1-3月）》的，这里是《进度季报 小微企业园建设进度（2019年1-6月）》，未导入") {
		t.Errorf("another period's: %q", r.Refused)
	}
}

// TestSheetOfAnotherPeriodInTheChat: in the chat a template goes to the
// period it was made for (its own form id), whatever the chat is on, and
// says which; a period submitted takes no file.
func TestSheetOfAnotherPeriodInTheChat(t *testing.T) {
	env := newEnv(t)
	if _, err := env.Registry.Campaign(context.Background(), quarterly); err != nil {
		t.Fatal(err)
	}
	env.Now = time.Date(2019, 7, 3, 9, 0, 0, 0, dialogtest.Shanghai)
	q := env.ContactIn(quarterly, "330106", "王芳")
	q1 := pageTemplate(t, env, quarterly, "330106", "progress.2019q1")
	q.Say("/start").Press("进度季报 2019年1-6月")
	q.Upload("进度季报.xlsx", q1).Expect("表格《进度季报 小微企业园建设进度（2019年1-3月）》与草稿一致")
}

// TestPageSheetDiffLeavesTheChatsWalk: a file uploaded on the page for one
// form, its changes waiting for 确认, neither takes over the chat's walk of
// another form (a rule's 改： there comes back to the field it stopped at
// and goes on with that form's questions) nor is dropped by it: the page
// still shows it, to decide.
func TestPageSheetDiffLeavesTheChatsWalk(t *testing.T) {
	env := newEnv(t)
	ctx := context.Background()
	c := env.Contact("330106", "张三")
	c.Say("/start").Press("附件1").Say("西湖区小微企业园工作联席会议")
	a1 := fill(t, env, pageTemplate(t, env, "zj-2018-14", "330106", "a1"), map[string]any{"main//org_name": "西湖区小微企业园工作领导小组"})
	r := pageImport(t, env, c, "a1", a1)
	if r.Form.SheetDiff == nil {
		t.Fatalf("no diff: %+v", r)
	}
	c.Say("/start").Press("附件3")
	for _, v := range []string{"4", "0", "2", "120", "45"} {
		c.Say(v)
	}
	c.Say("1").Expect("应当相等")
	c.Press("改：新建成").Say("3").Say("1").Expect("✔", "建筑面积（万平米）（第 7/9 项）")
	c.Say("3.5").Say("20").Say("80").Expect("全部填写完毕")
	view, err := env.Engine.PageView(ctx, c.ID, "a1")
	if err != nil || view.SheetDiff == nil || view.SheetDiff.Token != r.Form.SheetDiff.Token {
		t.Fatalf("the page's diff after the chat's walk: %+v %v", view.SheetDiff, err)
	}
	if r, err := env.Engine.PageSheetDecide(ctx, c.ID, "a1", view.SheetDiff.Token, true); err != nil || r.Done != "已按表格修改 1 处。" {
		t.Errorf("确认: %+v %v", r, err)
	}
	c.Say("/start").Expect("附件3")
}

// TestPageSheetDiffAskedWhenTheChatOpensTheForm: changes a file uploaded
// on the page would make wait for 确认; opening that form in the chat asks
// about them first (they were dropped unseen), and 确认 there applies them.
func TestPageSheetDiffAskedWhenTheChatOpensTheForm(t *testing.T) {
	env := newEnv(t)
	c := env.Contact("330106", "张三")
	c.Say("/start").Press("附件1").Say("西湖区小微企业园工作联席会议")
	a1 := fill(t, env, pageTemplate(t, env, "zj-2018-14", "330106", "a1"), map[string]any{"main//org_name": "西湖区小微企业园工作领导小组"})
	if r := pageImport(t, env, c, "a1", a1); r.Form.SheetDiff == nil {
		t.Fatalf("no diff: %+v", r)
	}
	c.Say("/start").Press("附件1").Expect("西湖区小微企业园工作联席会议 → 西湖区小微企业园工作领导小组")
	c.Press("✅ 按表格修改").Expect("已按表格修改 1 处")
	view, err := env.Engine.PageView(context.Background(), c.ID, "a1")
	if err != nil || view.SheetDiff != nil {
		t.Fatalf("the diff still waits on the page: %+v %v", view.SheetDiff, err)
	}
}
