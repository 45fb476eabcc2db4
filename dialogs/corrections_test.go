package dialogs_test

import (
	"strings"
	"testing"

	"tianbao/store"
)

// TestTypedWordsOnAWarning: on a soft warning's screen, a typed yes (对的,
// 是, 确认 …) confirms the answer the warning is about; other text is
// checked as a new answer and asked about before it is stored: a park is
// never named 对的 unseen (UX defect 4).
func TestTypedWordsOnAWarning(t *testing.T) {
	env := newEnv(t)
	c := env.Contact("330106", "王芳")
	c.Say("/start").Press("附件2").Press("➕ 添加园区")
	park(c, "西湖区留下小微企业园", "生产制造类", "智能装备", "政府主导开发", "50", "6", "2019-06")
	c.Press("本部分填完了").Press("➕ 添加园区")
	c.Say("西湖区留下小微企业园").Expect("也列在本表的其他部分", "确认无误")
	c.Say("对的").Expect("✔ 园区名称：西湖区留下小微企业园", "园区地址")
	c.Say("留下 1 号").Press("生产制造类").Say("智能装备").Say("厂房改造").Say("50").Say("6").Say("2019-10").Expect("已保存第 1 个园区")
	c.Press("本部分填完了").Press("➕ 添加园区")
	c.Say("西湖区留下小微企业园").Expect("也列在本表的其他部分")
	c.Say("x").Expect("「园区名称」至少 2 个字", "也列在本表的其他部分") // refused, and the same warning again
	c.Say("留下二期").Expect("要把「园区名称」改为「留下二期」吗？").ExpectNot("✔")
	c.Press("✅ 改为「留下二期」").Expect("✔ 园区名称：留下二期", "园区地址")
	var names []string
	if err := env.DB.SelectContext(ctxb(), &names, `SELECT value FROM answers WHERE unit_code = '330106' AND field_id = 'name' ORDER BY section_id`); err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		if n == "对的" || n == "确认" {
			t.Errorf("a typed confirmation was stored as a name: %v", names)
		}
	}
}

// TestReviewOffersTheFix: every problem on the review has its button — a
// half-filled row's 补填 walks only the fields it lacks, an unconfirmed
// warning is confirmed in one tap, an empty row is deleted in one (UX
// defect 6).
func TestReviewOffersTheFix(t *testing.T) {
	env := newEnv(t)
	c := env.Contact("330106", "王芳")
	c.Say("/start").Press("附件2").Press("➕ 添加园区")
	park(c, "西湖区留下小微企业园", "生产制造类", "智能装备", "政府主导开发", "50", "6", "2019-06")
	c.Press("本部分填完了").Press("➕ 添加园区")
	c.Say("三墩园").Expect("园区地址").Say("/start") // left half-way
	c.Press("附件2").Press("本部分填完了").Press("本部分没有园区")
	c.Expect("完成改造提升第 1 个园区：7 项尚未填写：园区地址、园区类型、主导产业、改造提升内容、园区占地、建筑面积、项目完成时间").
		ExpectNot("「园区类型」尚未填写")
	c.Press("补填：完成改造提升第 1 个园区（7 项）").Expect("园区地址（第 2/8 项）").ExpectNot("园区名称")
	c.Say("杭州市西湖区三墩镇 2 号").Press("生产制造类").Say("智能装备").Say("厂房加固").Say("80").Say("10").Say("2019-10")
	c.Expect("全部填写完毕").ExpectNot("还不能提交")

	// A park listed twice: confirmed where it was typed, the other row's
	// warning is then unconfirmed, and one tap confirms it.
	c.Press("可建成（1 个园区）").Press("1. 西湖区留下小微企业园").Press("改：园区名称")
	c.Say("三墩园").Expect("也列在本表的其他部分").Press("确认无误").Expect("第 1 个园区")
	c.Press("返回列表").Press("返回核对页").Expect("提示未确认：「三墩园」也列在本表的其他部分", "还不能提交")
	c.Press("确认无误：完成改造提升第 1 个园区").Expect("全部填写完毕").ExpectNot("提示未确认")

	// An empty row (left by an older version, which kept them) is one tap
	// to delete.
	if _, err := env.DB.ExecContext(ctxb(), `INSERT INTO answer_rows (campaign_id, unit_code, form_id, section_id, row_key, seq)
		VALUES ('zj-2018-14', '330106', 'a2', 'completed', 'empty1', 99)`); err != nil {
		t.Fatal(err)
	}
	env.Engine.Store = store.Dialogs{DB: env.DB, Counts: env.Turns, Cache: store.NewTurnCache(10)} // a restarted process
	c.Say("/status").Expect("可建成第 2 个园区：没有填写内容（可删除）")
	c.Press("🗑 删除空行：可建成第 2 个园区").Expect("已删除", "全部填写完毕")
	c.Press("✅ 提交").Expect("已提交")
}

// TestCrossFieldRuleOffersTheOtherFields: when an answer breaks a rule
// across fields, the fields it reads are a tap away, and after changing one
// the walk comes back to the question it stopped at (UX defect 5).
func TestCrossFieldRuleOffersTheOtherFields(t *testing.T) {
	env := newEnv(t)
	c := env.Contact("330106", "王芳")
	c.Say("/start").Press("附件3")
	for _, v := range []string{"5", "0", "4", "400", "300"} {
		c.Say(v)
	}
	c.Say("2").Expect("按建设方式合计 5 家", "按园区类型合计 6 个", "生产性服务等其他类 · 园区数量（个）（第 6/9 项）")
	if got := strings.Join(c.Labels(), "|"); got != "改：新建成|改：改造提升|改：制造类园区" {
		t.Fatalf("buttons = %s", got)
	}
	c.Press("改：新建成").Expect("新建成（家）（第 1/9 项）", "当前答案：5 家")
	c.Say("6").Expect("✔ 按建设方式 · 新建成（家）：6 家", "园区数量（个）（第 6/9 项）")
	c.Say("2").Expect("建筑面积（万平米）（第 7/9 项）")
}

// TestStatusAndHelpStayPut: /status and /help answer on top of the question
// the contact is on; /help names the reviewer to ask (UX defect 14).
func TestStatusAndHelpStayPut(t *testing.T) {
	env := newEnv(t)
	env.Reviewer("330100", "李审核")
	c := env.Contact("330106", "王芳")
	c.Say("/start").Press("附件3").Say("5")
	c.Say("/status").Expect("本单位各表：附件1 未开始 · 附件2 未开始 · 附件3 草稿 1/9", "改造提升（家）（第 2/9 项）")
	c.Say("/help").Expect("本单位的表格由杭州市审核，有疑问请先联系审核人：李审核。", "0571-87059132", "改造提升（家）（第 2/9 项）")
	c.Say("0").Expect("第 3/9 项")
	other := env.Contact("330302", "赵六") // 鹿城区: 温州市 has no reviewer yet
	other.Say("/help").Expect("本单位的表格由温州市审核（审核人尚未在本机器人登记）。")
}

// TestLeavingDropsTheEmptyRow: ➕ and then /start or /cancel leaves no
// empty row behind to block the submission (UX defect 7).
func TestLeavingDropsTheEmptyRow(t *testing.T) {
	env := newEnv(t)
	c := env.Contact("330106", "王芳")
	for _, leave := range []string{"/start", "/cancel"} {
		c.Say("/start").Press("附件2").Press("➕ 添加园区").Expect("园区名称（第 1/8 项）")
		c.Say(leave).Expect("请选择要填写的表格")
	}
	var n int
	if err := env.DB.GetContext(ctxb(), &n, `SELECT count(*) FROM answer_rows WHERE unit_code = '330106'`); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("%d empty rows left behind", n)
	}
	c.Say("/start").Press("附件2").Expect("可建成：本部分可以填写多个园区，也可以没有。")
}

// TestDeletedFlaggedRowIsNamed: a reviewer flags a park; the county deletes
// it; the return note names the park, not a row number that now points at
// another (UX defect 8).
func TestDeletedFlaggedRowIsNamed(t *testing.T) {
	env := newEnv(t)
	c := env.Contact("330106", "王芳")
	city := env.Reviewer("330100", "李审核")
	c.Say("/start").Press("附件2").Press("➕ 添加园区")
	park(c, "西湖区留下小微企业园", "生产制造类", "智能装备", "政府主导开发", "50", "6", "2019-06")
	c.Press("➕ 添加园区")
	park(c, "三墩园", "生产制造类", "智能装备", "政府主导开发", "50", "6", "2019-06")
	c.Press("本部分填完了").Press("本部分没有园区").Press("本部分没有园区").Press("✅ 提交").Expect("已提交")
	city.Inbox().Press("↩️ 退回").Say("三墩园已列入名单，请删去")
	city.Press("☐ 可建成 第2个园区 三墩园").Press("确认退回（标记 1 项）").Expect("已退回")
	c.Inbox().Press("去修改").Expect("需修改：可建成第 2 个园区「三墩园」", "当前答案：三墩园")
	c.Press("🗑 删除此园区").Expect("确定删除第 2 个园区「三墩园」吗？").Press("取消").Expect("当前答案：三墩园")
	c.Press("🗑 删除此园区").Press("确认删除").Expect("需修改：可建成园区「三墩园」（已删除）", "全部填写完毕").ExpectNot("可建成第 2 个园区")
	c.Press("✅ 提交").Expect("（第 2 版）")
}
