package dialogs_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"tianbao/dialogs"
	"tianbao/dialogs/dialogtest"
)

// TestReviewerWhoJoinsLaterFindsEverything: counties submit before any
// reviewer of their city exists; the reviewer who registers afterwards
// finds every item on /start, oldest first, with the unit and how long it
// has waited, and approves them all from there (UX defect 1).
func TestReviewerWhoJoinsLaterFindsEverything(t *testing.T) {
	env := newEnv(t)
	for i, unit := range []string{"330102", "330106", "330105"} {
		c := env.Contact(unit, "联系人")
		fillA3(c, "2")
		c.Press("✅ 提交").Expect("已提交")
		// Submitted a day and more ago, an hour apart (the database stamps
		// submissions with its own clock).
		if _, err := env.DB.ExecContext(ctxb(), `UPDATE submissions SET submitted_at = now() - make_interval(hours => $2) WHERE unit_code = $1`, unit, 27-i); err != nil {
			t.Fatal(err)
		}
	}
	city := env.Reviewer("330100", "新来的审核人")
	if len(city.Inbox().Last) != 0 {
		t.Fatalf("a reviewer who did not exist was sent the requests")
	}
	city.Say("/start").Expect("📥 待您审核：下级表格 3 份",
		"1. 上城区《附件3》第 1 版 · 联系人提交 · 已等待 1 天",
		"2. 西湖区《附件3》第 1 版", "3. 拱墅区《附件3》第 1 版")
	// 查看 shows every value, and 通过 works from there.
	city.Press("📄 上城区 附件3").Expect("【待审核】上城区 提交了《附件3", "新建成（家）：2 家", "2018-2022入园企业目标数（家）：100 家")
	// Approved from its screen, the next item waiting follows, in full.
	city.Press("✅ 通过").Expect("✅ 已通过：上城区《附件3", "【待审核】西湖区 提交了《附件3")
	if labels := strings.Join(city.Labels(), " "); !strings.Contains(labels, "✅ 通过") || !strings.Contains(labels, "↩️ 退回") {
		t.Errorf("the next item has no buttons: %s", labels)
	}
	// The rest as a batch, after seeing what it covers.
	city.Say("/start").Expect("下级表格 2 份").Press("📥 全部待审").Expect("📥 待您审核 2 份", "1. 西湖区", "2. 拱墅区")
	city.Press("✅ 全部通过").Expect("确认一次通过以下 2 份", "西湖区《附件3》第 1 版", "拱墅区《附件3》第 1 版")
	city.Press("✅ 确认通过 2 份").Expect("✅ 已通过 2 份。")
	for _, unit := range []string{"330102", "330106", "330105"} {
		if s := status(t, env.DB, unit, "a3"); s != "approved" {
			t.Errorf("%s: %s", unit, s)
		}
	}
	city.Say("/start").Expect("目前没有待您审核的表格。").ExpectNot("📥 待您审核：")
}

// TestTwoReviewersOfOneCity: both get the request; one approves; the
// other's buttons (on the notification and on /start) say who did and
// when, and change nothing.
func TestTwoReviewersOfOneCity(t *testing.T) {
	env := newEnv(t)
	a := env.Reviewer("330100", "赵主任")
	b := env.Reviewer("330100", "钱科长")
	county := env.Contact("330106", "张三")
	fillA3(county, "2")
	county.Press("✅ 提交")
	a.Inbox().Expect("【待审核】西湖区 提交了《附件3")
	b.Inbox().Expect("【待审核】西湖区 提交了《附件3")
	request := b.Last
	a.Press("✅ 通过").Expect("✅ 已通过")
	b.Last = request
	b.Press("✅ 通过").Expect("已处理：已由杭州市 赵主任于 ", " 通过。")
	b.Last = request
	b.Press("↩️ 退回").Expect("已处理：已由杭州市 赵主任于").ExpectNot("请输入退回理由")
	b.Say("/start").ExpectNot("📥 待您审核：")
	if s := status(t, env.DB, "330106", "a3"); s != "approved" {
		t.Errorf("status %s", s)
	}
}

// TestProvinceActsOnCountiesOnlyThroughPackages: the province approving a
// county's form directly is refused (D15); a package forwarded before the
// province had a reviewer waits on the reviewer's /start (UX defect 2).
func TestProvinceActsOnCountiesOnlyThroughPackages(t *testing.T) {
	env := newEnv(t)
	dialogtest.InstallMini(t, env.DB)
	city := env.ContactAs("mini", "330100", "杭州审核", dialogs.Reviewer)
	for _, unit := range []string{"330102", "330106"} {
		c := env.ContactAs("mini", unit, "联系人", dialogs.Filler)
		fillA3(c, "2")
		c.Press("✅ 提交").Expect("已提交")
	}
	city.Inbox()
	request := city.Last[0]
	// A province admin (who exists now) presses the county's button.
	early := env.ContactAs("mini", "330000", "省管理员", dialogs.Admin)
	early.Last = []dialogs.Reply{request}
	early.Press("✅ 通过").Expect("您无权审核这个单位的提交。")
	early.Say("/start").ExpectNot("📥 待您审核：")
	city.Say("/start").Press("📥 全部待审").Press("✅ 全部通过").Press("✅ 确认通过 2 份")
	city.Say("/forward").Press("📤 上报 附件3").Expect("已上报")
	// The province's reviewer registers after the package was forwarded.
	province := env.ContactAs("mini", "330000", "省审核", dialogs.Reviewer)
	province.Say("/start").Expect("📥 待您审核：上报汇总 1 份", "杭州市《附件3》汇总（第 1 次上报）")
	province.Press("📄 杭州市 附件3").Expect("杭州市 上报了《附件3", "· 西湖区：新建成 2家", "合计：新建成 4家")
	item := province.Last
	// The package's spreadsheet is there too, not only with the 📨.
	province.Press("📊 附件3 汇总表（XLSX）").Expect("杭州市《附件3》第 1 次上报的汇总表")
	if a := province.Last[0].Attach; a == nil || a.Export == nil || a.Export.Package == 0 || a.Export.Unit != "330100" {
		t.Errorf("the package's spreadsheet is not sent: %+v", province.Last[0].Attach)
	}
	// A county pressing it (a forwarded message) gets nothing of it.
	county := env.ContactAs("mini", "330106", "联系人", dialogs.Filler)
	county.Last = item
	county.Press("📊 附件3 汇总表（XLSX）").Expect("您无权审核这个单位的提交。")
	if county.Last[0].Attach != nil {
		t.Errorf("a county got the package's spreadsheet")
	}
	province.Last = item
	province.Press("✅ 通过").Expect("✅ 已通过：杭州市《附件3")
	if n := count(t, env, `SELECT count(*) FROM submissions WHERE campaign_id = 'mini' AND form_id = 'pkg:a3' AND status = 'approved'`); n != 1 {
		t.Errorf("package not approved")
	}
}

// TestReviewShowsEveryFigureAndTheDocuments: a reviewer reads each park on
// one line with every value and unit, and gets the uploaded document with
// 查看原文 (UX defect 5).
func TestReviewShowsEveryFigureAndTheDocuments(t *testing.T) {
	env := newEnv(t)
	city := env.Reviewer("330100", "赵主任")
	c := env.Contact("330106", "张三")
	c.Say("/start").Press("政策措施").Press("➕ 添加文件").Say("关于加快小微企业园建设的意见").Press("跳过").
		Say("西湖区人民政府").Say("2018-09-15")
	c.Upload("意见.pdf", []byte("%PDF-1.4 policy")).Expect("已保存第 1 个文件")
	var ref string
	if err := env.DB.GetContext(ctxb(), &ref, `SELECT 'file:' || id FROM files WHERE unit_code = '330106'`); err != nil {
		t.Fatal(err)
	}
	c.Press("本部分填完了").Press("✅ 提交").Expect("已提交")
	city.Inbox().Expect("1. 关于加快小微企业园建设的意见 · 西湖区人民政府 · 2018-09-15 · 📎意见.pdf")
	city.Press("📎 查看原文：意见.pdf")
	if got := city.Last[0].Attach; got == nil || got.File != ref || got.Name != "意见.pdf" {
		t.Fatalf("the document was not sent: %+v", city.Last)
	}
	// Another city's reviewer cannot fetch it, whatever the button says.
	other := env.Reviewer("330200", "宁波")
	id := count(t, env, `SELECT id FROM submissions WHERE unit_code = '330106' AND form_id = 'policies'`)
	other.Send(dialogs.Input{Button: "fl:" + strconv.Itoa(id) + ":0"}).Expect("您无权审核这个单位的提交。")
	for _, r := range other.Last {
		if r.Attach != nil {
			t.Errorf("another city got the document")
		}
	}
}

func ctxb() context.Context { return context.Background() }
