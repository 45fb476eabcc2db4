package dialogs_test

import (
	"testing"

	"tianbao/dialogs"
	"tianbao/dialogs/dialogtest"
)

// weeklyList is a weekly return whose list may not go empty (min_rows)
// and holds at most three rows (max_rows).
const weeklyList = `id: weekly
title: 在建项目周报（测试）
units:
  file: units.tsv
  root: {code: "330000", name: 浙江省}
forms:
  - id: w
    short: 周报
    title: 在建项目周报
    levels: [county]
    due: {county: "2018-12-20"}
    sections:
      - id: items
        title: 在建项目
        kind: list
        row_noun: 项目
        min_rows: 1
        max_rows: 3
        fields:
          - {id: name, label: 项目名称, type: text}
`

// TestEmptyListRefusedWhereAMinimumIsSet: a list with min_rows cannot be
// finished empty nor submitted empty, however the contact gets to the
// review; max_rows stops a fourth row.
func TestEmptyListRefusedWhereAMinimumIsSet(t *testing.T) {
	env := newEnv(t)
	dialogtest.Install(t, env.DB, "weekly.yaml", weeklyList, map[string]string{"units.tsv": fundsUnits})
	c := env.ContactAs("weekly", "330106", "填报人", dialogs.Filler)
	c.Say("/start").Press("周报").Expect("在建项目：本部分至少要填写 1 个项目。").ExpectNot("也可以没有")
	labels(t, c, []string{"➕ 添加项目", "本部分填完了"}, []string{"本部分没有项目"})
	c.Press("本部分填完了").Expect("本部分至少要填写 1 个项目，现在有 0 个。", "在建项目：本部分至少要填写 1 个项目。")
	c.Press("➕ 添加项目").Say("一号项目").Expect("已填 1 个项目").Press("本部分填完了").Expect("全部填写完毕")
	// Deleted again from the review: back to the review is refused while
	// the list is short, and so is a submission.
	c.Press("在建项目（1 个项目）").Press("1. 一号项目").Press("🗑 删除此项目").Press("确认删除").Expect("在建项目：本部分至少要填写 1 个项目。").ExpectNot("已填 1 个项目")
	c.Press("返回核对页").Expect("本部分至少要填写 1 个项目，现在有 0 个。")
	c.Say("/start").Press("周报").Expect("还不能提交", "在建项目：至少要填写 1 个项目，现在有 0 个。")
	c.Press("✅ 提交").Expect("还不能提交").ExpectNot("已提交")
	if n := count(t, env, `SELECT count(*) FROM submissions WHERE campaign_id = 'weekly'`); n != 0 {
		t.Fatalf("an empty list was submitted")
	}
	c.Press("去处理：在建项目").Press("➕ 添加项目").Say("二号项目")
	c.Press("➕ 添加项目").Say("三号项目").Press("➕ 添加项目").Say("四号项目").Expect("已填 3 个项目")
	c.Press("➕ 添加项目").Expect("本部分最多填写 3 个项目。")
	c.Press("返回核对页").Expect("全部填写完毕").Press("✅ 提交").Expect("已提交")
}
