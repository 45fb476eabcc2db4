package campaign

import (
	"errors"
	"strings"
	"testing"
)

// national is a campaign whose top has units of two kinds right below it:
// provinces, and the ministry's own bureaus.
const national = `id: national
title: 测试
levels:
  - {id: nation, name: 全国}
  - {id: province, name: 省}
  - {id: city, name: 市}
units: {file: units.tsv}
forms:
  - id: econ
    title: 经济表
    levels: [province, city]
    kinds: {province: [省]}
    due: {province: "2018-12-10", city: "2018-12-05"}
    sections:
      - {id: main, kind: record, fields: [{id: a, label: 甲, type: integer}]}
  - id: staff
    title: 人员表
    levels: [province]
    kinds: [部门]
    due: {province: "2018-12-10"}
    sections:
      - {id: main, kind: record, fields: [{id: a, label: 甲, type: integer}]}
  - id: parks
    title: 园区表
    levels: [city]
    tags: [开发区]
    due: {city: "2018-12-05"}
    sections:
      - {id: main, kind: record, fields: [{id: a, label: 甲, type: integer}]}
`

const nationalUnits = "code\tname\tparent\tkind\ttags\n" +
	"000000\t全国\t\t\t\n" +
	"330000\t浙江省\t000000\t省\t\n" +
	"320000\t江苏省\t000000\t省\t\n" +
	"B01\t统计局\t000000\t部门\t\n" +
	"330100\t杭州市\t330000\t\t开发区、省会\n" +
	"320100\t南京市\t320000\t\t省会\n"

func loadNational(t *testing.T, yaml, units string) (*Campaign, error) {
	t.Helper()
	return Load(&Source{Name: "n.yaml", YAML: []byte(yaml), Files: map[string][]byte{"units.tsv": []byte(units)}})
}

// TestFormsByKindAndTag: units right below the top of two kinds get each
// their own form; a level's kinds narrow only that level; a tag assigns a
// form to the units that carry it.
func TestFormsByKindAndTag(t *testing.T) {
	c, err := loadNational(t, national, nationalUnits)
	if err != nil {
		t.Fatal(err)
	}
	if u := c.Units["330100"]; u.Kind != "" || strings.Join(u.Tags, "|") != "开发区|省会" {
		t.Fatalf("杭州市: kind %q tags %q", u.Kind, u.Tags)
	}
	got := map[string]string{}
	for _, code := range c.Order {
		var ids []string
		for _, f := range c.FormsForUnit(c.Units[code]) {
			ids = append(ids, f.ID)
		}
		got[code] = strings.Join(ids, ",")
	}
	want := map[string]string{"000000": "", "330000": "econ", "320000": "econ", "B01": "staff", "330100": "econ,parks", "320100": "econ"}
	for code, w := range want {
		if got[code] != w {
			t.Errorf("%s fills %q, want %q", code, got[code], w)
		}
	}
	if strings.Join(c.Kinds(), ",") != "省,部门" || strings.Join(c.Tags(), ",") != "开发区,省会" {
		t.Errorf("kinds %v tags %v", c.Kinds(), c.Tags())
	}
}

// TestAssignmentThatCannotWork: a kind or tag no unit has, kinds for a
// level that does not fill the form, and a form nobody fills are refused,
// each once.
func TestAssignmentThatCannotWork(t *testing.T) {
	for _, tt := range []struct{ old, new, want string }{
		{"kinds: [部门]", "kinds: [部委]", `n.yaml:19:13: kinds: no unit of the form's levels has kind "部委" (the units table's: 省, 部门)`},
		{"kinds: {province: [省]}", "kinds: {county: [省]}", `n.yaml:12:21: kinds for level "county", which does not fill form "econ"`},
		{"tags: [开发区]", "tags: [高新区]", `n.yaml:26:12: tags: no unit of the form's levels has tag "高新区" (the units table's: 开发区, 省会)`},
		{"levels: [city]\n    tags: [开发区]\n    due: {city: \"2018-12-05\"}", "levels: [province]\n    tags: [开发区]\n    due: {province: \"2018-12-05\"}", `n.yaml:26:12: tags: no unit of the form's levels has tag "开发区" (the units table's: none)`},
		{"kinds: [部门]", "kinds: 部门", `n.yaml:19:12: kinds: want a list, or per level ({county: [...]})`},
	} {
		if !strings.Contains(national, tt.old) {
			t.Fatalf("case does not apply: %q", tt.old)
		}
		_, err := loadNational(t, strings.Replace(national, tt.old, tt.new, 1), nationalUnits)
		var ps Problems
		if !errors.As(err, &ps) || len(ps) != 1 || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s → %s: want one problem %q, got %v", tt.old, tt.new, tt.want, err)
		}
	}
	// A form whose levels' units are all of other kinds: nobody fills it.
	units := strings.Replace(nationalUnits, "B01\t统计局\t000000\t部门\t\n", "", 1)
	_, err := loadNational(t, national, units)
	if err == nil || !strings.Contains(err.Error(), `kinds: no unit of the form's levels has kind "部门"`) {
		t.Errorf("no unit of the kind: %v", err)
	}
}

// TestUnitsHeaderMistakes: a misspelt column is named as such (with the
// name it resembles), never read as the other layout; a row's columns are
// counted against the header; the four-column layout takes a county's kind.
func TestUnitsHeaderMistakes(t *testing.T) {
	for _, tt := range []struct{ units, want string }{
		{"code\tnmae\tparent\n000000\t全国\t\n", `units.tsv:1:6: units file header: unknown column "nmae" (name?); want code, name, parent (or city_code, city, county_code, county), then optionally kind and tags`},
		{"code\tname\tparent\tknid\n000000\t全国\t\t\n", `units.tsv:1:18: units file header: unknown column "knid" (kind?)`},
		{"city_code\tcity\tcountycode\tcounty\n330100\t杭州市\t330102\t上城区\n", `units.tsv:1:16: units file header: unknown column "countycode" (county_code?); want city_code, city, county_code, county, then optionally kind and tags`},
		{"code\tname\n000000\t全国\n", `units.tsv:1:1: units file header: no parent column`},
		{"code\tname\tparent\tkind\n000000\t全国\t\t\t\t\tx\n", `units.tsv:2:1: want 4 tab-separated columns (code, name, parent, kind), got 7`},
	} {
		_, err := loadNational(t, national, tt.units)
		var ps Problems
		if !errors.As(err, &ps) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: want %q, got %v", tt.units, tt.want, err)
			continue
		}
		for _, p := range ps {
			if strings.Contains(p.Msg, "4 tab-separated columns (city_code") {
				t.Errorf("%q read as the four-column layout: %v", tt.units, err)
			}
		}
	}
	// A trailing kind column is optional in each row; the four-column
	// layout gives the county its kind.
	c, err := Load(&Source{Name: "t.yaml", YAML: []byte(minimal), Files: map[string][]byte{"units.tsv": []byte(
		"\uFEFFcity_code\tcity\tcounty_code\tcounty\tkind\n330100\t杭州市\t330102\t上城区\t市辖区\n330100\t杭州市\t330122\t桐庐县\n")}})
	if err != nil {
		t.Fatal(err)
	}
	if c.Units["330102"].Kind != "市辖区" || c.Units["330122"].Kind != "" || c.Units["330100"].Kind != "" {
		t.Errorf("kinds %q %q %q", c.Units["330102"].Kind, c.Units["330122"].Kind, c.Units["330100"].Kind)
	}
}

// TestWrongParentOnce: a unit naming a parent the file lacks is reported
// at its line, and the units below it are not reported again (neither as
// naming a missing parent nor as a circle).
func TestWrongParentOnce(t *testing.T) {
	units := nationalUnits + "330200\t宁波市\t339999\t\t\n330201\t某区\t330200\t\t\n330202\t另区\t330200\t\t\n"
	_, err := loadNational(t, national, units)
	var ps Problems
	if !errors.As(err, &ps) {
		t.Fatalf("loaded: %v", err)
	}
	if len(ps) != 1 || !strings.Contains(err.Error(), "units.tsv:8:1: unit 330200 names parent 339999, which is not in the file") {
		t.Errorf("want the one problem of line 8, got:\n%v", err)
	}
	// Its children listed before it are not reported either.
	units = nationalUnits + "330201\t某区\t330200\t\t\n330200\t宁波市\t339999\t\t\n"
	if _, err := loadNational(t, national, units); err == nil || strings.Count(err.Error(), "\n") != 0 || !strings.Contains(err.Error(), "units.tsv:9:1: unit 330200 names parent 339999") {
		t.Errorf("want the one problem of line 9, got:\n%v", err)
	}
}
