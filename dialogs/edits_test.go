package dialogs_test

import (
	"testing"

	"tianbao/dialogs"
)

// answerRef is the question the last typed answer was recorded against.
func answerRef(t *testing.T, r []dialogs.Reply) dialogs.AnswerRef {
	t.Helper()
	if len(r) == 0 || r[0].Answer == nil {
		t.Fatalf("the typed answer names no question: %+v", r)
	}
	return *r[0].Answer
}

// TestEditAnswer: an answer corrected by editing its message. At the same
// question (约50 refused, the message edited to 50) the edit is the answer
// and the walk goes on; a park's name edited from elsewhere changes that
// park, and the edit of a park deleted since changes nothing; the edit
// acts on the place that took the answer and leaves the person where
// they are.
func TestEditAnswer(t *testing.T) {
	env := newEnv(t)
	c := env.Contact("330106", "张三")
	c.Say("/start").Press("附件3").Say("2").Say("0").Say("2")
	c.Send(dialogs.Input{Text: "约50", Key: "m1"}).Expect("占地面积（亩）")
	land := answerRef(t, c.Last)
	if land.Form != "a3" || land.Section != "main" || land.Field != "mfg_land" {
		t.Fatalf("约50 recorded against %+v", land)
	}
	c.Send(dialogs.Input{Text: "50", Edit: &land, Key: "e1"}).Expect("✔ 按园区类型 · 生产制造类 · 占地面积（亩）：50 亩", "入小微园企业数（家）")

	// 附件2: a park named, then renamed by an edit from 附件3's walk.
	c.Say("/start").Press("附件2").Press("➕ 添加园区")
	c.Send(dialogs.Input{Text: "西湖创业园", Key: "m2"})
	name := answerRef(t, c.Last)
	c.Say("三墩镇 1 号").Expect("园区类型")
	c.Say("/start").Press("附件3").Expect("入小微园企业数（家）")
	c.Send(dialogs.Input{Text: "西湖智造园", Edit: &name, Key: "e2"}).Expect("已按您修改后的消息更新「可建成第 1 个园区 园区名称」：西湖创业园 → 西湖智造园")
	c.Say("45").Expect("✔ 按园区类型 · 生产制造类 · 入小微园企业数（家）：45 家") // still on 附件3's walk
	c.Say("/start").Press("附件2").Press("⚠️ 1. 西湖智造园").Press("🗑 删除此园区").Press("确认删除")
	c.Send(dialogs.Input{Text: "西湖新园", Edit: &name, Key: "e3"}).Expect("所属的园区已删除，没有改变任何答案")
}
