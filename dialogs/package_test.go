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
	city.Say("/forward").Expect("杭州市 向省里上报", "附件3：已审核通过 0/2", "待审核通过（2 个）：上城区、西湖区").ExpectNot("📤")
	city.Inbox()
	reviews := city.Last
	city.Last = reviews[:1]
	city.Press("✅ 通过")
	city.Say("/forward").Expect("附件3：已审核通过 1/2")
	city.Last = reviews[1:]
	city.Press("✅ 通过")
	city.Say("/forward").Expect("附件3：已审核通过 2/2").Press("📤 上报 附件3").Expect("已上报《附件3 2018-2022年小微企业园建设规划目标》汇总（第 1 次）")
	// Once forwarded it cannot be forwarded again while the province decides.
	if _, ok := city.Button("📤 上报 附件3"); ok {
		t.Errorf("a package under review can be forwarded again")
	}

	province.Inbox().Expect("【待审核】杭州市 上报了《附件3 2018-2022年小微企业园建设规划目标》汇总（第 1 次，2 个单位均已审核通过）", "📊 杭州市 填报进度")
	request := province.Last
	// The city cannot approve its own package.
	city.Last = request
	city.Press("✅ 通过").Expect("您无权审核这个单位的提交。")
	province.Press("↩️ 退回").Say("上城区的目标数偏低，请核实后重新上报").
		Press("确认退回").Expect("已退回杭州市《附件3 2018-2022年小微企业园建设规划目标 汇总》第 1 版")
	city.Inbox().Expect("汇总（第 1 次上报）被浙江省退回", "理由：上城区的目标数偏低").Press("📤 上报 附件3").Expect("（第 2 次）")
	province.Inbox().Expect("第 2 次").Press("✅ 通过").Expect("✅ 已通过：杭州市《附件3 2018-2022年小微企业园建设规划目标 汇总》第 2 版。")
	city.Inbox().Expect("汇总（第 2 次上报）已由浙江省审核通过")
	city.Say("/forward").Expect("附件3：已审核通过 2/2；第 2 次上报已通过")
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
	own.Say("/forward").Expect("只有设区市的审核人可以向省里上报。")
}
