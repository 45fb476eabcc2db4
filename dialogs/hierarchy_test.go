package dialogs_test

import (
	"testing"

	"tianbao/dialogs"
	"tianbao/dialogs/dialogtest"
)

// fiveLevels is a national return filled by towns (乡镇): each level
// reviews the one below and forwards up, to the nation.
const fiveLevels = `id: five
title: 乡镇企业情况调查（测试）
levels:
  - {id: nation, name: 全国}
  - {id: province, name: 省}
  - {id: city, name: 市}
  - {id: county, name: 县}
  - {id: town, name: 乡镇}
units: {file: units.tsv}
forms:
  - id: firms
    short: 企业表
    title: 乡镇企业数
    levels: [town]
    due: {town: "2018-12-20"}
    sections:
      - id: main
        kind: record
        total: true
        fields:
          - {id: firms, label: 企业数（家）, type: integer, unit: 家, min: 0}
`

const fiveUnits = "code\tname\tparent\n" +
	"000000\t全国\t\n" +
	"330000\t浙江省\t000000\n" +
	"330100\t杭州市\t330000\n" +
	"330106\t西湖区\t330100\n" +
	"330106001\t三墩镇\t330106\n" +
	"330106002\t留下街道\t330106\n"

// TestFiveLevels: a units file of code, name, parent at five levels; the
// towns fill, the county reviews them and forwards, and each level above
// approves the package of the one below, up to the nation.
func TestFiveLevels(t *testing.T) {
	env := newEnv(t)
	camp := dialogtest.Install(t, env.DB, "five.yaml", fiveLevels, map[string]string{"units.tsv": fiveUnits})
	if got := camp.Units["330106001"].Level; got != "town" || camp.LevelName(got) != "乡镇" {
		t.Fatalf("三墩镇 is at level %q", got)
	}
	county := env.ContactAs("five", "330106", "西湖区审核", dialogs.Reviewer)
	city := env.ContactAs("five", "330100", "杭州审核", dialogs.Reviewer)
	province := env.ContactAs("five", "330000", "省审核", dialogs.Reviewer)
	nation := env.ContactAs("five", "000000", "部审核", dialogs.Reviewer)
	for i, unit := range []string{"330106001", "330106002"} {
		c := env.ContactAs("five", unit, "联系人", dialogs.Filler)
		c.Say("/start").Expect("截止 2018年12月20日，还剩 18 天（报西湖区）").Press("企业表").Say([]string{"12", "30"}[i]).Expect("全部填写完毕").Press("✅ 提交").Expect("已提交")
	}
	county.Say("/start").Expect("📥 待您审核：下级表格 2 份").Press("📥 全部待审").Press("✅ 全部通过").Press("✅ 确认通过 2 份")
	county.Say("/forward").Expect("西湖区 向杭州市上报", "企业表：已审核通过 2/2").Press("📤 上报 企业表").Expect("已上报")
	city.Say("/start").Expect("西湖区《企业表》汇总（第 1 次上报）").Press("📄 西湖区 企业表").Expect("· 三墩镇：企业数 12家", "合计：企业数 42家").Press("✅ 通过")
	city.Say("/forward").Press("📤 上报 企业表").Expect("已上报")
	province.Say("/start").Press("📄 杭州市 企业表").Expect("合计：企业数 42家").Press("✅ 通过")
	province.Say("/forward").Press("📤 上报 企业表").Expect("已上报")
	nation.Say("/start").Press("📄 浙江省 企业表").Expect("· 留下街道：企业数 30家", "合计：企业数 42家").Press("✅ 通过").Expect("✅ 已通过：浙江省《企业表 乡镇企业数》汇总（第 1 次上报）")
	// A reviewer acts on the level right below only.
	nation.Say("/start").ExpectNot("三墩镇")
}
