package dialogs_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"tianbao/campaigns"
	"tianbao/dialogs/dialogtest"
	"tianbao/reminders"
)

func TestExtensionInTheChat(t *testing.T) {
	env := newEnv(t)
	county := env.Contact("330106", "张三")
	city := env.Reviewer("330100", "杭州审核")
	ningbo := env.Reviewer("330200", "宁波审核")
	county.Say("/extend").Expect("申请延期：请选择表格。").Press("附件1").Expect("申请延期《附件1", "现截止 2018年12月5日", "请输入延期理由")
	county.Say("领导小组成员调整，发文需要时间").Expect("请输入希望延至的日期")
	county.Say("下个月").Expect("日期无法识别")
	county.Say("2018-12-01").Expect("新的截止日期须晚于现在的截止日期（2018-12-05）")
	county.Say("2018年12月20日").Expect("已提交延期申请：《附件1 小微企业园工作联席会议（领导小组）建立情况汇总表》延至 12月20日，等待审核。")

	city.Inbox().Expect("【延期申请】西湖区 申请将《附件1 小微企业园工作联席会议（领导小组）建立情况汇总表》的截止日期由 12月5日 延至 12月20日", "理由：领导小组成员调整")
	request := city.Last
	ningbo.Last = request
	ningbo.Press("✅ 批准延期").Expect("您无权审核这个单位的提交。")
	city.Press("✅ 批准延期").Expect("✅ 已批准西湖区《附件1 小微企业园工作联席会议（领导小组）建立情况汇总表》延至 12月20日。")
	city.Last = request
	city.Press("不批准").Expect("延期申请已处理")

	county.Inbox().Expect("延期申请已批准：截止日期改为 12月20日（杭州市）")
	county.Say("/start").Expect("1. 附件1 小微企业园工作联席会议（领导小组）建立情况汇总表\n    未开始 · 截止 2018年12月20日，还剩 18 天", "2. 附件2 2019年小微企业园建设提升计划情况表\n    未开始 · 截止 2018年12月5日，还剩 3 天")

	// The reminders follow the new date.
	camp, err := env.Registry.Campaign(context.Background(), campaigns.BuiltinID)
	if err != nil {
		t.Fatal(err)
	}
	slot := time.Date(2018, 12, 6, 9, 30, 0, 0, dialogtest.Shanghai)
	planned, err := reminders.Round(context.Background(), env.DB, camp, slot.Add(-time.Minute), slot, true)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range planned {
		if p.Unit == "330106" && !p.Digest && strings.Contains(strings.Join(p.Forms, ","), "a1") {
			t.Errorf("a1 reminded as overdue after its extension: %s", p.Reply.Text)
		}
	}
}
