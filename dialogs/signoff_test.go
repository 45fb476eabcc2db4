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
	county.Press("改：制造类园区").Say("3").Expect("全部填写完毕")
	county.Press("改：目标企业").Say("120").Expect("全部填写完毕")
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
	county.Press("附件3（已提交）").Press("撤回提交").Expect("确定撤回《附件3 2018-2022年小微企业园建设规划目标》吗？").Press("取消").Expect("已提交")
	county.Press("撤回提交").Press("确认撤回").Expect("已撤回《附件3 2018-2022年小微企业园建设规划目标》第 1 版", "请核对已填内容")
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

// TestNothingOwnInOneTap: a city with no parks of its own says 本级无 in
// one tap; nobody approves it (its reviewer would be approving itself), it
// counts as ready for 上报, and it can be filled after all until the
// package goes up (UX defect 19).
func TestNothingOwnInOneTap(t *testing.T) {
	env := newEnv(t)
	city := env.Reviewer("330100", "李审核")
	county := env.Contact("330106", "王芳")
	county.Say("/start").Press("附件2").ExpectNot("本级无") // a county has no 本级 apart from itself
	if _, ok := county.Button("本级无（本单位没有要填报的内容）"); ok {
		t.Fatal("a county was offered 本级无")
	}
	city.Say("/start").Press("附件2").Expect("可建成：本部分可以填写多个园区")
	city.Press("本级无（本单位没有要填报的内容）").Expect("已报送《附件2 2019年小微企业园建设提升计划情况表》：本级无", "请选择要填写的表格", "附件2 2019年小微企业园建设提升计划情况表\n    已通过").ExpectNot("待审核 1")
	var status, reason string
	if err := env.DB.QueryRowContext(ctxb(), `SELECT s.status, e.reason FROM submissions s JOIN submission_events e ON e.submission_id = s.id
		WHERE s.unit_code = '330100' AND s.form_id = 'a2' ORDER BY e.id DESC LIMIT 1`).Scan(&status, &reason); err != nil {
		t.Fatal(err)
	}
	if status != "approved" || reason != "本级无" {
		t.Errorf("submission %s (%q)", status, reason)
	}
	city.Say("/forward").Expect("附件2").ExpectNot("杭州市（未开始）")
	city.Say("/start").Press("附件2").Expect("已审核通过", "【可建成】\n（无）").Press("重新填写").Expect("已改回草稿", "可建成：本部分可以填写多个园区")
	city.Press("➕ 添加园区").Expect("园区名称")
}
