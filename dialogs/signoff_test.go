package dialogs_test

import (
	"context"
	"strings"
	"testing"

	"tianbao/dialogs/dialogtest"
)

// fillA3 walks a county's 附件3 to the review step with consistent answers.
func fillA3(c *dialogtest.Chat, built string) {
	c.T.Helper()
	c.Say("/start").Press("附件3")
	for _, v := range []string{built, "0", built, "100", "50", "0", "0", "0", "100"} {
		c.Say(v)
	}
	c.Expect("全部填写完毕")
}

func TestReturnCorrectResubmitApprove(t *testing.T) {
	env := newEnv(t)
	ctx := context.Background()
	county := env.Contact("330106", "张三")
	city := env.Reviewer("330100", "李审核")
	otherCity := env.Reviewer("330200", "王审核") // 宁波市: not 西湖区's parent
	fillA3(county, "2")
	county.Press("✅ 提交").Expect("已提交")

	// The city's reviewer is told, with the content and two buttons.
	city.Inbox().Expect("【待审核】西湖区 提交了《附件3 2018-2022年小微企业园建设规划目标》第 1 版", "新建成（家）：2 家")
	review := city.Last
	if len(otherCity.Inbox().Last) != 0 {
		t.Errorf("another city's reviewer was told")
	}
	// Another city's reviewer pressing the same button is refused.
	otherCity.Last = review
	otherCity.Press("↩️ 退回").Expect("您无权审核这个单位的提交。")

	city.Last = review
	city.Press("↩️ 退回").Expect("请输入退回理由")
	city.Say("新建成数量与园区清单不符，请核实").Expect("请勾选需要修改的项目")
	city.Press("☐ 按建设方式 · 新建成（家）")
	city.Press("确认退回（标记 1 项）").Expect("已退回西湖区《附件3 2018-2022年小微企业园建设规划目标》第 1 版")
	if s := status(t, env.DB, "330106", "a3"); s != "returned" {
		t.Fatalf("draft status %s", s)
	}
	// Pressing the old request again: already handled.
	city.Last = review
	city.Press("✅ 通过").Expect("已处理：已由杭州市 李审核于 ", "退回。")

	// The county is told, and is asked only the flagged field.
	county.Inbox().Expect("被杭州市退回修改", "理由：新建成数量与园区清单不符，请核实", "需修改：按建设方式 · 新建成（家）")
	county.Press("去修改").Expect("此表被退回修改", "按建设方式 · 新建成（家）（第 1/9 项）", "当前答案：2 家")
	// The one flagged field done, the review follows; the rule it broke is
	// open, named with both sides, and blocks submission until fixed.
	county.Say("3").Expect("已保存，但以下问题尚未解决", "按建设方式合计 3 家", "请核对已填内容", "此表被退回修改", "还不能提交")
	county.Press("改：按园区类型 · 生产制造类 · 园区数量（个）").Say("3").Expect("全部填写完毕")
	county.Press("改：2018-2022入园企业目标数（家）").Say("120").Expect("全部填写完毕")
	county.Press("✅ 提交").Expect("（第 2 版）")

	// The reviewer sees what changed since the returned version.
	city.Inbox().Expect("第 2 版", "与第 1 版相比的改动：", "按建设方式 · 新建成（家）：2 家 → 3 家",
		"按园区类型 · 生产制造类 · 园区数量（个）：2 个 → 3 个", "2018-2022入园企业目标数（家）：100 家 → 120 家").ExpectNot("占地面积（亩）：100 亩 →")
	city.Press("✅ 通过").Expect("✅ 已通过：西湖区《附件3 2018-2022年小微企业园建设规划目标》第 2 版。")
	county.Inbox().Expect("第 2 版已由杭州市审核通过")
	if s := status(t, env.DB, "330106", "a3"); s != "approved" {
		t.Fatalf("draft status %s", s)
	}
	county.Say("/start").Press("附件3（已通过）").Expect("已审核通过").ExpectNot("撤回提交")

	var history []string
	if err := env.DB.SelectContext(ctx, &history, `SELECT s.version || ':' || e.status FROM submission_events e
		JOIN submissions s ON s.id = e.submission_id WHERE s.unit_code = '330106' ORDER BY e.id`); err != nil {
		t.Fatal(err)
	}
	if strings.Join(history, ",") != "1:submitted,1:returned,2:submitted,2:approved" {
		t.Errorf("history %v", history)
	}
	var reason string
	if err := env.DB.GetContext(ctx, &reason, `SELECT new_value FROM audit_log WHERE action = 'submission.returned'`); err != nil || !strings.Contains(reason, "园区清单") {
		t.Errorf("the return is not in the audit log: %q %v", reason, err)
	}
}

func TestWithdrawBeforeReview(t *testing.T) {
	env := newEnv(t)
	county := env.Contact("330106", "张三")
	city := env.Reviewer("330100", "李审核")
	fillA3(county, "1")
	county.Press("✅ 提交")
	county.Press("附件3（已提交）").Press("撤回提交").Expect("已撤回《附件3 2018-2022年小微企业园建设规划目标》第 1 版", "请核对已填内容")
	city.Inbox().Expect("【待审核】", "西湖区 撤回了《附件3")
	city.Last = city.Last[:1]
	city.Press("✅ 通过").Expect("已处理：已由西湖区 张三于", "撤回。")
	if s := status(t, env.DB, "330106", "a3"); s != "draft" {
		t.Errorf("after withdrawing: %s", s)
	}
}

// TestNotifiedOnlyWhenOthersAreTold: the transport's sender is woken after
// an input that queued notifications, and not after every answer (that
// cost a claim on the outbox per update).
func TestNotifiedOnlyWhenOthersAreTold(t *testing.T) {
	env := newEnv(t)
	var notified int
	env.Engine.Notified = func() { notified++ }
	county := env.Contact("330106", "张三")
	env.Reviewer("330100", "李审核")
	fillA3(county, "2")
	if notified != 0 {
		t.Fatalf("answers woke the sender %d times", notified)
	}
	county.Press("✅ 提交").Expect("已提交")
	if notified != 1 {
		t.Fatalf("a submission to a city with a reviewer woke the sender %d times, want 1", notified)
	}
}
