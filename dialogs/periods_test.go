package dialogs_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"tianbao/campaign"
	"tianbao/dialogs"
	"tianbao/dialogs/dialogtest"
	"tianbao/reports"
)

const quarterly = "zj-2019-parks-quarterly"

// TestQuarterlyReturn: the built-in example of a standing return. Its
// first quarter opens after 31 March with the parks each county's approved
// 附件2 planned, due 10 working days after the quarter (15 April, 清明
// counted out); the second carries the first's answers, and its rules
// read the first quarter: cumulative investment never falls.
func TestQuarterlyReturn(t *testing.T) {
	env := newEnv(t)
	ctx := context.Background()
	if _, err := env.Registry.Campaign(ctx, quarterly); err != nil {
		t.Fatal(err)
	}
	// 西湖区's 附件2 (2018 notice), approved by 杭州市.
	a2 := env.Contact("330106", "王芳")
	city := env.Reviewer("330100", "李审核")
	a2.Say("/start").Press("附件2").Press("➕ 添加园区")
	park(a2, "西湖区留下小微企业园", "生产制造类", "智能装备", "政府主导开发", "50", "6", "2019-06")
	a2.Press("➕ 添加园区")
	park(a2, "三墩小微园", "生产制造类", "智能装备", "政府主导开发", "30", "4", "2019-09")
	a2.Press("本部分填完了").Press("本部分没有园区").Press("本部分没有园区").Press("✅ 提交").Expect("已提交")
	city.Inbox().Press("✅ 通过").Expect("✅ 已通过")

	env.Now = time.Date(2019, 3, 20, 9, 0, 0, 0, dialogtest.Shanghai)
	c := env.ContactIn(quarterly, "330106", "王芳")
	c.Say("/start").Expect("进度季报 小微企业园建设进度（2019年1-3月）", "2019年4月1日开放填报")
	c.Press("进度季报 2019年1-3月").Expect("2019年4月1日开放填报，届时再来填写")

	env.Now = time.Date(2019, 4, 2, 9, 0, 0, 0, dialogtest.Shanghai)
	c.Say("/start").Expect("截止 2019年4月15日，还剩 13 天（报杭州市；杭州市 4月22日前报浙江省）")
	c.Press("进度季报 2019年1-3月").Expect("已按上一期（或已审定的计划）预先填好", "已填 2 个园区", "1. 西湖区留下小微企业园 · 50亩", "2. 三墩小微园 · 30亩")
	c.Press("本部分填完了").Expect("计划园区第 1 个园区：3 项尚未填写：建设状态、投资、入驻企业") // each park lacks three
	c.Press("补填：计划园区第 1 个园区（3 项）").Press("已开工").Say("3000").Say("10")
	c.Press("补填：计划园区第 2 个园区（3 项）").Press("未开工").Say("0").Say("0").Expect("全部填写完毕")
	c.Press("✅ 提交").Expect("已提交《进度季报 小微企业园建设进度（2019年1-3月）》（第 1 版）")

	// The second quarter: the first's answers carried, to change.
	env.Now = time.Date(2019, 7, 3, 9, 0, 0, 0, dialogtest.Shanghai)
	c.Say("/start").Expect("进度季报 小微企业园建设进度（2019年1-6月）", "截止 2019年7月12日").ExpectNot("2019年1-3月）\n    已提交 · ")
	c.Press("进度季报 2019年1-6月").Expect("1. 西湖区留下小微企业园 · 已开工 · 3000万元 · 10家 · 50亩")
	c.Press("1. 西湖区留下小微企业园").Press("改：累计完成投资（万元）").Say("2500").
		Expect("累计完成投资 2500 万元少于上一季度的 3000 万元")
	c.Say("4200").Expect("✔ 累计完成投资（万元）：4200 万元")
	c.Press("返回列表").Press("2. 三墩小微园").Press("改：建设状态").Press("已开工").Expect("已开工")
	c.Press("返回列表").Press("本部分填完了").Expect("全部填写完毕").Press("✅ 提交").Expect("（2019年1-6月）》（第 1 版）")
	// A status cannot go back: 已开工 in the first half, 未开工 now.
	env.Now = time.Date(2019, 10, 9, 9, 0, 0, 0, dialogtest.Shanghai)
	c.Say("/start").Press("进度季报 2019年1-9月").Press("2. 三墩小微园").Press("改：建设状态").Press("未开工").
		Expect("上一季度已是「已开工」，本季度不能改为「未开工」")

	// Each period is its own submission; the first quarter's rules had no
	// quarter before to read, and did not apply.
	var forms []string
	if err := env.DB.SelectContext(ctx, &forms, `SELECT form_id FROM submissions WHERE campaign_id = $1 ORDER BY id`, quarterly); err != nil {
		t.Fatal(err)
	}
	if strings.Join(forms, ",") != "progress.2019q1,progress.2019q2" {
		t.Errorf("submissions %v", forms)
	}
	camp, err := env.Registry.Campaign(ctx, quarterly)
	if err != nil {
		t.Fatal(err)
	}
	q := camp.Form("progress.2019q3")
	if q == nil || q.Prev != "progress.2019q2" || q.Due[campaign.County].Format("2006-01-02") != "2019-10-18" || q.Due[campaign.City].Format("2006-01-02") != "2019-10-25" {
		t.Errorf("third quarter: %+v", q)
	}
}

// TestRevisedCampaignAsksAgain: a campaign file is loaded again with a
// field changed (a choice list without the old answer, a bound raised):
// the stored answers that no longer fit are asked again, are not counted
// as answered, and are not exported under the new field.
func TestRevisedCampaignAsksAgain(t *testing.T) {
	env := newEnv(t)
	env.Registry.Recheck = 0 // the new version is noticed at once
	dialogtest.InstallVariant(t, env.DB, "revised", func(y string) string { return y })
	c := env.ContactIn("revised", "330106", "张三")
	c.Say("/start").Press("附件1").Say("西湖区小微企业园工作联席会议").Say("王建国").Say("区长").Expect("联系人（第 4/5 项）")
	dialogtest.InstallVariant(t, env.DB, "revised", func(y string) string {
		return strings.Replace(y, "label: 召集人（组长）姓名\n            type: text\n            kind: person_name\n            min_len: 2", "label: 召集人（组长）姓名\n            type: text\n            kind: person_name\n            min_len: 4", 1)
	})
	c.Say("/start").Expect("附件1 小微企业园工作联席会议（领导小组）建立情况汇总表\n    草稿 2/5")
	c.Press("附件1").Expect("召集人（组长）姓名", "原来的答案「王建国」已不符合本项现在的要求").ExpectNot("保留当前答案")
	// Not exported under the new field either.
	camp, err := env.Registry.Campaign(context.Background(), "revised")
	if err != nil {
		t.Fatal(err)
	}
	drafts, err := env.DB.UnitDrafts(context.Background(), "revised", "330106")
	if err != nil {
		t.Fatal(err)
	}
	table := reports.FormTable(camp.Form("a1"), drafts["a1"])
	if got := strings.Join(table.Rows[0], ","); strings.Contains(got, "王建国") || !strings.Contains(got, "西湖区小微企业园工作联席会议") {
		t.Errorf("exported: %s", got)
	}
	c.Say("王建国同志").Expect("✔ 召集人（组长）姓名：王建国同志", "召集人（组长）职务", "当前答案：区长")
}

// yoy is a quarterly return whose rule reads the same quarter a year
// before: it applies only where that return exists.
const yoy = `id: yoy
title: 园区数量季报（测试）
units:
  file: units.tsv
  root: {code: "330000", name: 浙江省}
forms:
  - id: parks
    short: 园区季报
    title: 园区数量
    levels: [county]
    periods: {every: quarter, from: 2018-Q4, until: 2019-Q4}
    due: {county: {working_days: 5}}
    sections:
      - id: main
        kind: record
        fields:
          - {id: parks, label: 园区数量（个）, type: integer, unit: 个, min: 0}
        rules:
          - id: fewer_than_a_year_ago
            soft: true
            check: last_year.parks == nil || parks >= last_year.parks
            message: 园区数量 {parks} 个少于去年同期的 {last_year.parks} 个，请确认。
          - id: fewer_than_last_quarter
            soft: true
            check: last.parks == nil || parks >= last.parks
            message: 园区数量 {parks} 个少于上一季度的 {last.parks} 个，请确认。
`

// TestLastYearAndLastQuarter: 2019's first quarter has a quarter before
// (2018's fourth) but no year before: only the quarter rule applies; the
// fourth quarter of 2019 has both.
func TestLastYearAndLastQuarter(t *testing.T) {
	env := newEnv(t)
	camp := dialogtest.Install(t, env.DB, "yoy.yaml", yoy, map[string]string{"units.tsv": fundsUnits})
	if q := camp.Form("parks.2019q4"); q.LastYear != "parks.2018q4" || camp.Form("parks.2019q1").LastYear != "" {
		t.Fatalf("last years: %q %q", q.LastYear, camp.Form("parks.2019q1").LastYear)
	}
	c := env.ContactAs("yoy", "330106", "张三", dialogs.Filler)
	fill := func(at time.Time, label, parks string, want ...string) {
		t.Helper()
		env.Now = at
		c.Say("/start").Press("园区季报 " + label).Say(parks)
		if len(want) > 0 {
			c.Expect(want...)
			c.Press("确认无误")
		}
		c.Expect("全部填写完毕").Press("✅ 提交").Expect("已提交")
	}
	fill(time.Date(2019, 1, 2, 9, 0, 0, 0, dialogtest.Shanghai), "2018年第4季度", "10")
	// Against the quarter before; no year before to read.
	fill(time.Date(2019, 4, 2, 9, 0, 0, 0, dialogtest.Shanghai), "2019年第1季度", "8", "园区数量 8 个少于上一季度的 10 个")
	for _, q := range []struct {
		at    time.Time
		label string
	}{{time.Date(2019, 7, 2, 9, 0, 0, 0, dialogtest.Shanghai), "2019年第2季度"}, {time.Date(2019, 10, 9, 9, 0, 0, 0, dialogtest.Shanghai), "2019年第3季度"}} {
		fill(q.at, q.label, "9")
	}
	// A year on: 9 is no fewer than last quarter's, but fewer than 2018's 10.
	env.Now = time.Date(2020, 1, 3, 9, 0, 0, 0, dialogtest.Shanghai)
	c.Say("/start").Press("园区季报 2019年第4季度").Say("9").Expect("园区数量 9 个少于去年同期的 10 个，请确认。").ExpectNot("上一季度")
}
