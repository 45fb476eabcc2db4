package dialogs_test

import (
	"context"
	"testing"

	"tianbao/dialogs"
	"tianbao/dialogs/dialogtest"
)

func TestCityForwardsPackageToProvince(t *testing.T) {
	env := newEnv(t)
	dialogtest.InstallMini(t, env.DB)
	city := env.ContactAs("mini", "330100", "杭州审核", dialogs.Reviewer)
	province := env.ContactAs("mini", "330000", "省办", dialogs.Admin)
	for _, unit := range []string{"330102", "330106"} {
		c := env.ContactAs("mini", unit, "联系人", dialogs.Filler)
		fillA3(c, "2")
		c.Press("✅ 提交").Expect("已提交")
	}
	city.Say("/forward").Expect("杭州市 向浙江省上报", "附件3：已审核通过 0/2", "待您审核 2 个：上城区、西湖区").ExpectNot("📤")
	city.Inbox()
	reviews := city.Last
	city.Last = reviews[:1]
	city.Press("✅ 通过")
	city.Say("/forward").Expect("附件3：已审核通过 1/2")
	city.Last = reviews[1:]
	city.Press("✅ 通过")
	city.Say("/forward").Expect("附件3：已审核通过 2/2").Press("📤 上报 附件3").Expect("已上报《附件3 2018-2022年小微企业园建设规划目标》汇总（第 1 次上报）")
	// Once forwarded it cannot be forwarded again while the province decides.
	if _, ok := city.Button("📤 上报 附件3"); ok {
		t.Errorf("a package under review can be forwarded again")
	}

	province.Inbox().Expect("【待审核】杭州市 上报了《附件3 2018-2022年小微企业园建设规划目标》汇总（第 1 次上报，2 个单位均已审核通过）",
		"· 上城区：新建成 2家 · 改造提升 0家 · 制造类园区 2个", "合计：新建成 4家")
	if a := province.Last[0].Attach; a == nil || a.Export == nil || a.Export.Form != "a3" || a.Export.Package == 0 {
		t.Errorf("the package's spreadsheet is not attached: %+v", province.Last[0].Attach)
	}
	request := province.Last
	// The city cannot approve its own package.
	city.Last = request
	city.Press("✅ 通过").Expect("您无权审核这个单位的提交。")
	province.Press("↩️ 退回").Say("上城区的目标数偏低，请核实后重新上报").
		Press("确认退回").Expect("已退回杭州市《附件3 2018-2022年小微企业园建设规划目标》汇总（第 1 次上报）")
	city.Inbox().Expect("汇总（第 1 次上报）被浙江省退回", "理由：上城区的目标数偏低", "需修改：整个汇总")
	// The same figures cannot simply go up again: the return is open.
	city.Press("📤 上报 附件3").Expect("整个汇总被退回，至今没有任何改动，不能原样重新上报").ExpectNot("（第 2 次上报）")
	city.Press("↩️ 转给上城区修改").Expect("已把《附件3 2018-2022年小微企业园建设规划目标》转回上城区修改")
	sc := env.ContactAs("mini", "330102", "联系人", dialogs.Filler)
	sc.Inbox().Expect("浙江省退回：上城区的目标数偏低", "需修改：整表").Press("去修改")
	sc.Press("✅ 提交").Expect("（第 2 版）")
	city.Inbox().Expect("上城区 提交了《附件3").Press("✅ 通过")
	city.Say("/forward").Press("📤 上报 附件3").Expect("（第 2 次上报）")
	province.Inbox().Expect("第 2 次", "与第 1 次上报相比：", "上城区 第 1 版 → 第 2 版：（没有改动）").Press("✅ 通过").Expect("✅ 已通过：杭州市《附件3 2018-2022年小微企业园建设规划目标》汇总（第 2 次上报）。")
	city.Inbox().Expect("汇总（第 2 次上报）已由浙江省审核通过")
	city.Say("/forward").Expect("附件3：已审核通过 2/2", "第 2 次上报：已通过")
	// The package names the approved versions it carried.
	var carried string
	if err := env.DB.GetContext(context.Background(), &carried, `SELECT data->'sections'->'units'->1->'values'->>'version' FROM submissions
		WHERE campaign_id = 'mini' AND form_id = 'pkg:a3' AND version = 2`); err != nil || carried != "1" {
		t.Errorf("package carries version %q (%v)", carried, err)
	}

	// The city's own 附件1 is reviewed by the city (审定), not the province.
	own := env.ContactAs("mini", "330100", "杭州联系人", dialogs.Filler)
	own.Say("/start").Press("附件1").Say("杭州市小微企业园工作领导小组").Say("王市长").Say("副市长").Say("李华").Say("13812345678").Press("✅ 提交")
	city.Inbox().Expect("【待审核】杭州市 提交了《附件1")
	if len(province.Inbox().Last) != 0 {
		t.Errorf("the province was asked to review a city's own form directly")
	}
	// A filler cannot forward.
	own.Say("/forward").Expect("只有有下级单位、又有上级单位的审核人")
}

// TestProvinceReturnReachesTheCounty: the province returns a package naming
// one county's field; the city passes the return on to that county, which
// is asked only that field, corrects it and resubmits; the city approves
// and forwards again, and the province sees what changed (UX defect 3).
func TestProvinceReturnReachesTheCounty(t *testing.T) {
	env := newEnv(t)
	dialogtest.InstallMini(t, env.DB)
	city := env.ContactAs("mini", "330100", "杭州审核", dialogs.Reviewer)
	province := env.ContactAs("mini", "330000", "省审核", dialogs.Reviewer)
	xh := env.ContactAs("mini", "330106", "西湖", dialogs.Filler)
	sc := env.ContactAs("mini", "330102", "上城", dialogs.Filler)
	for _, c := range []*dialogtest.Chat{xh, sc} {
		fillA3(c, "2")
		c.Press("✅ 提交")
	}
	city.Say("/start").Press("📥 全部待审").Press("✅ 全部通过").Press("✅ 确认通过 2 份")
	city.Say("/forward").Press("📤 上报 附件3").Expect("已上报")
	// Withdrawn before the province looked, and forwarded again.
	city.Say("/forward").Press("↩️ 撤回上报 附件3").Expect("已撤回《附件3")
	province.Inbox().Expect("杭州市 撤回了《附件3")
	city.Press("📤 上报 附件3").Expect("（第 2 次上报）")

	province.Say("/start").Press("↩️ 退回").Say("西湖区的入园企业目标数偏低").Expect("请勾选需要修改的单位")
	province.Press("选择具体项目…").Expect("勾选上城区需要修改的项目") // the first unit's items
	province.Press("返回单位列表")
	// The second unit is 西湖区.
	btns := province.Last[len(province.Last)-1].Buttons
	province.Send(dialogs.Input{Button: btns[1][1].Data}).Expect("勾选西湖区需要修改的项目")
	province.Press("☐ 2018-2022入园企业目标数（家）").Press("确认退回（标记 1 项）").Expect("已退回杭州市")

	city.Inbox().Expect("被浙江省退回", "需修改：西湖区（2018-2022入园企业目标数（家））")
	passOn := city.Last
	city.Press("↩️ 转给西湖区修改").Expect("已把《附件3 2018-2022年小微企业园建设规划目标》转回西湖区修改")
	if n := count(t, env, `SELECT count(*) FROM drafts WHERE campaign_id = 'mini' AND unit_code = '330106' AND form_id = 'a3' AND status = 'returned'`); n != 1 {
		t.Fatalf("西湖区's a3 is not returned after the city passed the return on")
	}
	// The city's /forward shows the return with its buttons, and no 上报 until fixed.
	city.Say("/forward").Expect("第 2 次上报：已退回", "西湖区（2018-2022入园企业目标数（家））", "未提交 1 个：西湖区").ExpectNot("📤 上报 附件3")
	xh.Inbox().Expect("被杭州市退回修改", "浙江省退回：西湖区的入园企业目标数偏低", "需修改：2018-2022入园企业目标数（家）").
		Press("去修改").Expect("2018-2022入园企业目标数（家）", "当前答案：100 家")
	xh.Say("120").Expect("全部填写完毕").Press("✅ 提交").Expect("（第 2 版）")
	city.Inbox().Expect("2018-2022入园企业目标数（家）：100 家 → 120 家").Press("✅ 通过")
	// The old pass-on button says honestly that there is nothing to pass on.
	city.Last = passOn
	city.Press("↩️ 转给西湖区修改").Expect("西湖区的《附件3 2018-2022年小微企业园建设规划目标》已不是被退回的那一版（已改正（第 2 版）），无需再转。")
	if n := count(t, env, `SELECT count(*) FROM drafts WHERE campaign_id = 'mini' AND unit_code = '330106' AND form_id = 'a3' AND status = 'approved'`); n != 1 {
		t.Errorf("西湖区's corrected a3 was reopened again")
	}
	city.Say("/forward").Press("📤 上报 附件3").Expect("（第 3 次上报）")
	province.Inbox().Expect("第 3 次上报", "与第 2 次上报相比：", "西湖区 第 1 版 → 第 2 版：2018-2022入园企业目标数（家）：100 家 → 120 家").Press("✅ 通过")
}
