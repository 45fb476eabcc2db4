package dialogs_test

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"tianbao/campaign"
	"tianbao/catalog"
	"tianbao/dialogs"
	"tianbao/dialogs/dialogtest"
	"tianbao/reminders"
	"tianbao/reports"
)

// TestExemptMarkedAndForwarded: the city marks a county that has not
// submitted 免报, with a reason, and forwards without it; the province sees
// the mark and its reason in the package, the county is told and is no
// longer chased, and the mark shows in the summary, the desk and the
// export's status sheet. The county may still submit, which takes the
// mark's place; a mark can be taken back while the package has not gone.
func TestExemptMarkedAndForwarded(t *testing.T) {
	env := newEnv(t)
	dialogtest.InstallMini(t, env.DB)
	city := env.ContactAs("mini", "330100", "杭州审核", dialogs.Reviewer)
	province := env.ContactAs("mini", "330000", "省审核", dialogs.Reviewer)
	sc := env.ContactAs("mini", "330102", "上城", dialogs.Filler)
	xh := env.ContactAs("mini", "330106", "西湖", dialogs.Filler)
	fillA3(sc, "2")
	sc.Press("✅ 提交")
	city.Inbox().Press("✅ 通过")

	city.Say("/forward").Expect("附件3：已审核通过 1/2", "未提交 1 个：西湖区").ExpectNot("📤 上报 附件3")
	city.Press("🚫 标记未收到／免报：附件3").Expect("哪个下级单位标记为未收到或免报")
	labels(t, city, []string{"西湖区", "取消"}, []string{"上城区"}) // submitted and approved: not to be marked
	city.Press("西湖区").Expect("把西湖区的《附件3 2018-2022年小微企业园建设规划目标》标记为：")
	city.Press("➖ 免报（本期无需填报）").Expect("请输入理由")
	city.Say("西湖区本期无新建园区").Expect("已把西湖区的《附件3 2018-2022年小微企业园建设规划目标》标记为免报（理由：西湖区本期无新建园区）",
		"附件3：已审核通过 1/2", "已标记：西湖区（免报）")
	if n := count(t, env, `SELECT count(*) FROM drafts WHERE campaign_id = 'mini' AND unit_code = '330106' AND form_id = 'a3' AND status = 'exempt'`); n != 1 {
		t.Fatalf("西湖区's a3 does not stand 免报")
	}
	xh.Inbox().Expect("您单位的《附件3 2018-2022年小微企业园建设规划目标》已被杭州市标记为免报", "理由：西湖区本期无新建园区")
	xh.Say("/start").Expect("附件3 2018-2022年小微企业园建设规划目标\n    免报\n")

	// Shown as such: the city's summary and desk, the status sheet.
	city.Say("/summary").Expect("⭕免报", "西湖区：").ExpectNot("❗西湖区")
	desk, err := reports.Summarizer{DB: env.DB}.Desk(ctxb(), camp(t, env, "mini"), "330100", "330100", env.Now)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range desk.Rows {
		for i, c := range r.Cells {
			if r.Unit.Code == "330106" && desk.Forms[i].ID == "a3" && (c.State != "exempt" || c.Word != "免报" || c.Late) {
				t.Errorf("the desk's cell for 西湖区 附件3: %+v", c)
			}
		}
	}
	if row := statusRow(t, env, "330100", "西湖区", "附件3"); !strings.Contains(row, "免报（理由：西湖区本期无新建园区）") {
		t.Errorf("status sheet: %s", row)
	}
	// No reminder chases it, a day after its due date.
	planned, err := reminders.Round(ctxb(), env.DB, camp(t, env, "mini"), time.Date(2018, 12, 6, 9, 0, 0, 0, dialogtest.Shanghai), time.Date(2018, 12, 6, 10, 0, 0, 0, dialogtest.Shanghai), true)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range planned {
		if p.Unit == "330106" && contains(p.Forms, "a3") {
			t.Errorf("西湖区 is reminded of a form marked 免报: %+v", p)
		}
	}

	// Forwarded without it; the province sees the mark and its reason.
	city.Say("/forward").Press("📤 上报 附件3").Expect("已上报")
	province.Inbox().Expect("杭州市 上报了《附件3 2018-2022年小微企业园建设规划目标》汇总（第 1 次上报，1 个单位已审核通过，免报 1 个）",
		"· 上城区：新建成 2家", "· 西湖区：免报（理由：西湖区本期无新建园区）", "合计：新建成 2家")
	// With the package gone, the mark cannot be taken back.
	if _, ok := city.Say("/forward").Button("🚫 标记未收到／免报：附件3"); ok {
		t.Errorf("marks are offered with the package under review")
	}
	// The province returns it, wanting 西湖区 after all: passed on, the
	// county's form is open again with the reason.
	province.Press("↩️ 退回").Say("西湖区应报").Press("☐ 西湖区（第 1 版）").Press("确认退回（标记 1 项）")
	city.Inbox().Expect("需修改：西湖区（整表）").Press("↩️ 转给西湖区修改").Expect("转回西湖区修改")
	xh.Inbox().Expect("浙江省退回：西湖区应报")
	xh.Say("/start").Press("附件3")
	for _, v := range []string{"1", "0", "1", "100", "50", "0", "0", "0", "100"} {
		xh.Say(v)
	}
	xh.Expect("全部填写完毕").Press("✅ 提交").Expect("（第 2 版）")
	city.Inbox().Expect("西湖区 提交了《附件3").Press("✅ 通过")
	city.Say("/forward").Press("📤 上报 附件3").Expect("（第 2 次上报）")
	province.Inbox().Expect("均已审核通过", "西湖区：免报 → 第 2 版", "· 西湖区：新建成 1家")
}

// TestNotReceivedMarkTakenBackAndSuperseded: 未收到 is taken back while the
// package has not gone up; marked again, the county submits late after
// all, and its submission takes the mark's place.
func TestNotReceivedMarkTakenBackAndSuperseded(t *testing.T) {
	env := newEnv(t)
	dialogtest.InstallMini(t, env.DB)
	city := env.ContactAs("mini", "330100", "杭州审核", dialogs.Reviewer)
	xh := env.ContactAs("mini", "330106", "西湖", dialogs.Filler)
	city.Say("/forward").Press("🚫 标记未收到／免报：附件3").Press("西湖区").Press("🚫 未收到（催报未果）").Say("多次催报未报").
		Expect("标记为未收到（理由：多次催报未报）", "已标记：西湖区（未收到）")
	city.Press("🚫 标记未收到／免报：附件3").Press("撤销标记：西湖区（未收到）").Expect("已撤销西湖区《附件3 2018-2022年小微企业园建设规划目标》的未收到标记")
	if n := count(t, env, `SELECT count(*) FROM drafts WHERE campaign_id = 'mini' AND unit_code = '330106' AND form_id = 'a3' AND status = 'draft'`); n != 1 {
		t.Fatalf("the mark taken back left the draft otherwise")
	}
	xh.Inbox().Expect("标记为未收到", "撤销了您单位《附件3 2018-2022年小微企业园建设规划目标》的未收到标记")
	city.Say("/forward").Press("🚫 标记未收到／免报：附件3").Press("西湖区").Press("🚫 未收到（催报未果）").Say("多次催报未报")
	xh.Say("/start").Expect("附件3 2018-2022年小微企业园建设规划目标\n    未收到").Press("附件3").Expect("上级已把本表标记为未收到（理由：多次催报未报）")
	for _, v := range []string{"1", "0", "1", "100", "50", "0", "0", "0", "100"} {
		xh.Say(v)
	}
	xh.Expect("全部填写完毕").Press("✅ 提交").Expect("（第 3 版）")
	city.Inbox().Expect("西湖区 提交了《附件3").ExpectNot("与第").Press("✅ 通过")
	city.Say("/forward").Expect("附件3：已审核通过 1/2").ExpectNot("已标记")
}

func camp(t *testing.T, env *dialogtest.Env, id string) *campaign.Campaign {
	t.Helper()
	c, err := env.Registry.Campaign(ctxb(), id)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// statusRow is the status sheet's cell of a unit's form in unit's export
// (a row per unit, a column per form).
func statusRow(t *testing.T, env *dialogtest.Env, unit, name, form string) string {
	t.Helper()
	var b bytes.Buffer
	c := camp(t, env, "mini")
	if err := (reports.Exporter{DB: env.DB}).WriteXLSX(ctxb(), &b, c, unit, reports.ExportOptions{At: env.Now}); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&b)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := f.GetRows(catalog.ReportTexts.StatusSheet)
	if err != nil {
		t.Fatal(err)
	}
	// A row per unit, a column per form: the form's column is found in
	// the header, the unit's row by its name.
	col := -1
	for _, r := range rows {
		for i, cell := range r {
			if col < 0 && strings.Contains(cell, form) {
				col = i
			}
		}
		if col >= 0 && len(r) > col && slices.ContainsFunc(r[:col], func(c string) bool { return strings.Contains(c, name) }) {
			return r[col]
		}
	}
	t.Fatalf("no cell of %s %s in the status sheet:\n%v", name, form, rows)
	return ""
}

// TestPackageMarkedNotReceived: a unit that reports through a package (a
// county under a city, five levels) never forwarded it: the city marks it
// 未收到 and forwards; the province sees it; its summary says so.
func TestPackageMarkedNotReceived(t *testing.T) {
	env := newEnv(t)
	dialogtest.Install(t, env.DB, "five.yaml", fiveLevelsReturn, map[string]string{"units.tsv": fiveUnits})
	city := env.ContactAs("five", "330100", "杭州审核", dialogs.Reviewer)
	province := env.ContactAs("five", "330000", "省审核", dialogs.Reviewer)
	county := env.ContactAs("five", "330106", "西湖区审核", dialogs.Reviewer)
	city.Say("/forward").Expect("企业表：已审核通过 0/1", "未提交 1 个：西湖区")
	city.Press("🚫 标记未收到／免报：企业表").Press("西湖区").Press("🚫 未收到（催报未果）").Say("西湖区汇总逾期未报").
		Expect("已标记：西湖区（未收到）").Press("📤 上报 企业表").Expect("已上报")
	county.Inbox().Expect("已被杭州市标记为未收到", "西湖区汇总逾期未报")
	province.Inbox().Expect("（第 1 次上报，0 个单位已审核通过，未收到 1 个）", "· 西湖区：未收到（理由：西湖区汇总逾期未报）")
	province.Say("/summary").Expect("🚫未收到")
	city.Say("/summary").Expect("西湖区：🚫")
}
