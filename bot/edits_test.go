package bot_test

import (
	"testing"
)

// TestEditingAnAnswer: a county official corrects figures by editing the
// messages that gave them. While 附件3 is a draft, an edit is checked as a
// typed answer: a good one replaces the answer, from wherever the person
// stands; 约50 and a figure that breaks a cross-field rule are refused,
// saying why, and change nothing. Once 附件3 is submitted an edit changes
// nothing and says so. The bot subscribes to edited_message (the fake
// drops kinds not asked for, as Telegram does).
func TestEditingAnAnswer(t *testing.T) {
	h := newHarness(t)
	h.start("")
	p := h.member(7301, "张三", "330106")
	p.Press("附件3").Expect("新建成（家）")
	ids := map[string]int{}
	for _, a := range []struct{ field, value string }{
		{"built", "3"}, {"upgraded", "0"}, {"mfg_count", "2"}, {"mfg_land", "120"}, {"mfg_firms", "45"},
		{"svc_count", "1"}, {"svc_area", "3.5"}, {"svc_firms", "20"}, {"target", "80"},
	} {
		p.Say(a.value).Expect("✔")
		ids[a.field] = p.Sent()
	}
	p.Expect("全部填写完毕")
	value := func(field string) string {
		t.Helper()
		var v string
		if err := h.db.GetContext(t.Context(), &v, `SELECT value FROM answers WHERE unit_code = '330106' AND form_id = 'a3' AND field_id = $1`, field); err != nil {
			t.Fatal(err)
		}
		return v
	}

	// 120 → 130 亩, edited on the review: the answer changes, the review
	// is shown again with it.
	p.Edit(ids["mfg_land"], "130亩").Expect("已按您修改后的消息更新「按园区类型 · 生产制造类 · 占地面积（亩）」：120 亩 → 130 亩", "占地面积（亩）：130 亩", "核对无误后请点「提交」")
	if v := value("mfg_land"); v != "130" {
		t.Errorf("mfg_land after the edit: %q", v)
	}
	// Refused edits say why and change nothing.
	p.Edit(ids["mfg_land"], "约50").Expect("新的内容未被采用，原答案（130 亩）保持不变", "约")
	p.Edit(ids["built"], "4").Expect("与其他答案不符，原答案（3 家）保持不变", "应当相等")
	if v1, v2 := value("mfg_land"), value("built"); v1 != "130" || v2 != "3" {
		t.Errorf("after refused edits: mfg_land %q, built %q", v1, v2)
	}
	// An edit of a message that answered nothing.
	p.Say("/status")
	p.Edit(p.Sent(), "/help").Expect("不是对某个问题的回答")

	// Submitted: the edit changes nothing and says why.
	p.Press("✅ 提交").Expect("已提交")
	p.Edit(ids["svc_firms"], "25").Expect("已随附件3提交（第 1 版）", "原答案（20 家）保持不变", "撤回")
	if v := value("svc_firms"); v != "20" {
		t.Errorf("svc_firms changed after submission: %q", v)
	}
}
