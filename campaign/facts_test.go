package campaign

import (
	"errors"
	"strings"
	"testing"
)

// facts is a campaign whose expressions read the unit and the period.
const facts = `id: facts
title: 测试
units: {file: units.tsv, root: {code: "330000", name: 浙江省}}
forms:
  - id: plan
    title: 规划
    levels: [city, county]
    due: {county: "2019-03-25", city: "2019-03-31"}
    sections:
      - id: main
        kind: record
        fields:
          - {id: size, label: 规模, type: integer}
          - id: compiled
            label: 编制方式
            type: choice
            choices: [本地单独编制, {value: 由设区市统一编制, when: unit.kind == "市辖区" && size < 100}]
  - id: money
    title: 资金季报
    levels: [county]
    periods: {every: quarter, from: 2019-Q1, until: 2020-Q2}
    due: {county: {days: 10}}
    sections:
      - id: main
        kind: record
        fields:
          - {id: opening, label: 期初, type: integer}
          - {id: closing, label: 期末, type: integer}
        rules:
          - id: opening_is_last_closing
            check: opening == last.closing
            message: "{period.label}期初 {opening} 应等于上期期末 {last.closing}。"
          - id: q4_closes
            check: "!period.last || closing >= 0"
            message: 年末余额不能为负。
`

const factsUnits = "city_code\tcity\tcounty_code\tcounty\tkind\n330100\t杭州市\t330102\t上城区\t市辖区\n330100\t杭州市\t330122\t桐庐县\t县\n"

func loadFacts(t *testing.T, yaml string) (*Campaign, error) {
	t.Helper()
	return Load(&Source{Name: "f.yaml", YAML: []byte(yaml), Files: map[string][]byte{"units.tsv": []byte(factsUnits)}})
}

// TestChoiceOfferedByKind: a choice with a when is offered where it holds
// on the unit and the answers before it; a stored choice the unit may not
// make is a problem to answer again; without a unit, it is offered.
func TestChoiceOfferedByKind(t *testing.T) {
	c, err := loadFacts(t, facts)
	if err != nil {
		t.Fatal(err)
	}
	f := c.Form("plan")
	s := f.Sections[0]
	fd := s.Field("compiled")
	for _, tt := range []struct {
		unit, size string
		want       bool
	}{{"330102", "50", true}, {"330102", "150", false}, {"330122", "50", false}, {"330100", "50", false}} {
		d := NewDraft(c.ID, tt.unit, f.ID)
		d.Bind(f, c.Units[tt.unit])
		d.Set("main", "", "size", tt.size)
		d.Set("main", "", "compiled", "由设区市统一编制")
		if got := d.ChoiceOffered(s, "", fd, "由设区市统一编制"); got != tt.want {
			t.Errorf("%s (%s) offered %v, want %v", tt.unit, tt.size, got, tt.want)
		}
		if got := len(d.Offered(s, "", fd)); got != map[bool]int{true: 2, false: 1}[tt.want] {
			t.Errorf("%s: %d offered", tt.unit, got)
		}
		problem := false
		for _, p := range d.Problems(f) {
			problem = problem || p.Field == "compiled" && strings.Contains(p.Text, "本单位不适用")
		}
		if problem == tt.want {
			t.Errorf("%s (%s): a problem of the stored choice: %v", tt.unit, tt.size, problem)
		}
	}
	if d := NewDraft(c.ID, "330122", f.ID); !d.ChoiceOffered(s, "", fd, "由设区市统一编制") {
		t.Errorf("a draft of no known unit is refused the choice")
	}
}

// TestUnitsTableWithoutKinds: a province's file over a units table that
// gives no unit a kind or tag (a national table without the columns)
// loads, and its choice for 市辖区 is offered to no unit: there is no
// spelling to check, and the condition holds nowhere.
func TestUnitsTableWithoutKinds(t *testing.T) {
	bare := "city_code\tcity\tcounty_code\tcounty\n330100\t杭州市\t330102\t上城区\n"
	for _, when := range []string{`unit.kind == "市辖区" && size < 100`, `'"开发区" in unit.tags'`} {
		y := strings.Replace(facts, `unit.kind == "市辖区" && size < 100`, when, 1)
		c, err := Load(&Source{Name: "f.yaml", YAML: []byte(y), Files: map[string][]byte{"units.tsv": []byte(bare)}})
		if err != nil {
			t.Fatalf("%s: %v", when, err)
		}
		f := c.Form("plan")
		s := f.Sections[0]
		d := NewDraft(c.ID, "330102", f.ID)
		d.Bind(f, c.Units["330102"])
		d.Set("main", "", "size", "50")
		if d.ChoiceOffered(s, "", s.Field("compiled"), "由设区市统一编制") {
			t.Errorf("%s: offered to a unit of no kind", when)
		}
	}
}

// TestRulesKnowThePeriod: period.label, period.last in a rule; the periods'
// places in their years; last reaching back over the year's boundary.
func TestRulesKnowThePeriod(t *testing.T) {
	c, err := loadFacts(t, facts)
	if err != nil {
		t.Fatal(err)
	}
	q1 := c.Form("money.2020q1")
	if q1 == nil || q1.Prev != "money.2019q4" || q1.Period.Number != 1 || q1.Period.PerYear != 4 || c.Form("money.2019q4").Period.Number != 4 {
		t.Fatalf("2020 Q1: %+v", q1)
	}
	d := NewDraft(c.ID, "330122", q1.ID)
	d.Bind(q1, c.Units["330122"])
	d.Last = &Snapshot{Sections: map[string][]SnapshotRow{"main": {{Key: "", Values: map[string]string{"opening": "0", "closing": "100"}}}}}
	d.Set("main", "", "opening", "90")
	d.Set("main", "", "closing", "-5")
	var msgs []string
	for _, fl := range d.CheckRow(q1, q1.Sections[0], "", "", nil) {
		msgs = append(msgs, fl.Message)
	}
	if strings.Join(msgs, "|") != "2020年第1季度期初 90 应等于上期期末 100。" {
		t.Errorf("Q1's failures: %q", msgs)
	}
	q4 := c.Form("money.2019q4")
	d = NewDraft(c.ID, "330122", q4.ID)
	d.Bind(q4, c.Units["330122"])
	d.Set("main", "", "opening", "1")
	d.Set("main", "", "closing", "-5")
	if fails := d.CheckRow(q4, q4.Sections[0], "", "", nil); len(fails) != 1 || fails[0].Rule.ID != "q4_closes" {
		t.Errorf("Q4's failures: %+v", fails)
	}
	// A listed period's place among those of its year.
	listed := strings.Replace(facts, "periods: {every: quarter, from: 2019-Q1, until: 2020-Q2}\n    due: {county: {days: 10}}",
		"periods:\n      list:\n        - {key: h1, label: 上半年, start: 2019-01-01, end: 2019-06-30, due: {county: 2019-07-10}}\n        - {key: h2, label: 下半年, start: 2019-07-01, end: 2019-12-31, due: {county: 2020-01-10}}", 1)
	c, err = loadFacts(t, listed)
	if err != nil {
		t.Fatal(err)
	}
	if h2 := c.Form("money.h2").Period; h2.Number != 2 || h2.PerYear != 2 {
		t.Errorf("h2 is %d of %d", h2.Number, h2.PerYear)
	}
}

// TestWhatCanNeverWork: last, last_year and period in a form without
// periods, a kind or tag no unit has, and previous where it cannot apply
// are refused at their lines, each once.
func TestWhatCanNeverWork(t *testing.T) {
	for _, tt := range []struct{ old, new, want string }{
		{`choices: [本地单独编制, {value: 由设区市统一编制, when: unit.kind == "市辖区" && size < 100}]`, `choices: [本地单独编制, {value: 由设区市统一编制, when: unit.kind == "市辖区" && size < 100}]` + "\n        rules:\n          - {id: r, check: size >= last.size, message: 少了}",
			`f.yaml:19:28: rule r reads last, but its form has no periods: it could never apply`},
		{`choices: [本地单独编制, {value: 由设区市统一编制, when: unit.kind == "市辖区" && size < 100}]`, `choices: [本地单独编制, {value: 由设区市统一编制, when: unit.kind == "市辖区" && size < 100}]` + "\n        computed:\n          - {id: q, expr: 'period.index * size'}",
			`f.yaml:19:27: computed value q reads period, but its form has no periods`},
		{`when: unit.kind == "市辖区" && size < 100`, `when: unit.kind == "市辖" && size < 100`,
			`f.yaml:17:55: expression "unit.kind == \"市辖\" && size < 100" compares unit.kind with "市辖", which no unit of the units table has (its kinds: 市辖区, 县)`},
		{`when: unit.kind == "市辖区" && size < 100`, `when: 'unit.kind in ["县", "县市"]'`,
			`compares unit.kind with "县市"`},
		{"    periods: {every: quarter, from: 2019-Q1, until: 2020-Q2}", "    periods: {every: quarter, from: 2019-Q1, until: 2020-Q2}\n    previous: {campaign: facts}",
			`previous names this campaign itself`},
		{"    due: {county: \"2019-03-25\", city: \"2019-03-31\"}", "    due: {county: \"2019-03-25\", city: \"2019-03-31\"}\n    previous: {campaign: other}",
			`f.yaml:9:15: previous is for a standing return (a form with periods:)`},
		{`choices: [本地单独编制, {value: 由设区市统一编制, when: unit.kind == "市辖区" && size < 100}]`, `choices: [本地单独编制, {value: 由设区市统一编制, if: x}]`,
			`f.yaml:17:31: a choice is a text, or {value: the text, when: the condition it is offered on}`},
	} {
		if !strings.Contains(facts, tt.old) {
			t.Fatalf("case does not apply: %q", tt.old)
		}
		_, err := loadFacts(t, strings.Replace(facts, tt.old, tt.new, 1))
		var ps Problems
		if !errors.As(err, &ps) || len(ps) != 1 || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: want one problem %q, got %v", tt.new, tt.want, err)
		}
	}
}

// TestPreviousCampaign: a file naming last year's campaign reads its
// periods before the file's first: the fourth quarter for the first, and
// the same quarters a year before.
func TestPreviousCampaign(t *testing.T) {
	y := strings.Replace(facts, "periods: {every: quarter, from: 2019-Q1, until: 2020-Q2}", "periods: {every: quarter, from: 2020-Q1, until: 2020-Q4}\n    previous: {campaign: facts-2019}", 1)
	c, err := loadFacts(t, y)
	if err != nil {
		t.Fatal(err)
	}
	q1, q2 := c.Form("money.2020q1"), c.Form("money.2020q2")
	if q1.Prev != "money.2019q4" || q1.PrevCampaign != "facts-2019" || q1.LastYear != "money.2019q1" || q1.LastYearCampaign != "facts-2019" {
		t.Errorf("Q1 reads %s/%s and %s/%s", q1.PrevCampaign, q1.Prev, q1.LastYearCampaign, q1.LastYear)
	}
	if q2.Prev != "money.2020q1" || q2.PrevCampaign != "" || q2.LastYear != "money.2019q2" || q2.LastYearCampaign != "facts-2019" {
		t.Errorf("Q2 reads %s/%s and %s/%s", q2.PrevCampaign, q2.Prev, q2.LastYearCampaign, q2.LastYear)
	}
}

// TestMistakeInAReusedPieceOnce: a mistake in a piece reused through YAML
// aliases (附件2's park name, in three sections) is reported once, at the
// piece's own line, not at each use.
func TestMistakeInAReusedPieceOnce(t *testing.T) {
	y := `id: reuse
title: 测试
units: {file: units.tsv, root: {code: "330000", name: 浙江省}}
definitions:
  name: &name
    id: name
    label: 名称
    type: txt
forms:
  - id: f
    title: 表
    levels: [county]
    due: {county: "2018-12-05"}
    sections:
      - {id: a, kind: list, fields: [*name]}
      - {id: b, kind: list, fields: [*name]}
      - {id: c, kind: list, fields: [*name]}
`
	_, err := loadFacts(t, y)
	var ps Problems
	if !errors.As(err, &ps) || len(ps) != 1 || !strings.Contains(err.Error(), `f.yaml:8:11: unknown field type "txt"`) {
		t.Errorf("want one problem at 8:11, got %v", err)
	}
}
