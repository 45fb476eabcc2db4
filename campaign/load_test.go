package campaign

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// minimal is a valid campaign; the broken cases below each change one thing.
const minimal = `id: test
title: 测试
units:
  file: units.tsv
  root: {code: "330000", name: 浙江省}
forms:
  - id: f1
    title: 表一
    levels: [county]
    due: {county: "2018-12-05"}
    sections:
      - id: main
        kind: record
        fields:
          - {id: a, label: 甲, type: integer, min: 0}
          - {id: b, label: 乙, type: integer}
        rules:
          - {id: r1, check: a >= b, message: "甲 {a} 小于乙 {b}"}
`

const units = "city_code\tcity\tcounty_code\tcounty\n330100\t杭州市\t330102\t上城区\n"

func source(yaml string) *Source {
	return &Source{Name: "t.yaml", YAML: []byte(yaml), Files: map[string][]byte{"units.tsv": []byte(units)}}
}

func TestMinimalLoads(t *testing.T) {
	c, err := Load(source(minimal))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Units) != 3 {
		t.Errorf("units = %d", len(c.Units))
	}
}

func TestBrokenCampaigns(t *testing.T) {
	tests := []struct {
		name, old, new string
		want           []string // "LINE:COL: part of the message"
	}{
		{"unknown field type", "type: integer, min: 0}", "type: integr, min: 0}",
			[]string{"15:37: unknown field type \"integr\""}},
		{"rule names a missing field", "check: a >= b", "check: a >= c",
			[]string{"18:29: expression \"a >= c\" names c"}},
		{"check not boolean", "check: a >= b", "check: a + b",
			[]string{"18:29: expression \"a + b\""}},
		{"empty choice list", "{id: b, label: 乙, type: integer}", "{id: b, label: 乙, type: choice, choices: []}",
			[]string{"16:54: choice field \"b\" has an empty choice list"}},
		{"deadline does not parse", `due: {county: "2018-12-05"}`, `due: {county: "2018-13-05"}`,
			[]string{"10:19: due date \"2018-13-05\""}},
		{"duplicate field id", "{id: b, label: 乙", "{id: a, label: 乙",
			[]string{"16:18: duplicate field id \"a\""}},
		{"unknown key", "kind: record", "kind: record\n        requird: true",
			[]string{"14:9: unknown field \"requird\""}},
		{"several problems at once", "type: integer, min: 0}", "type: nope}\n          - {id: a, label: '', type: integer}",
			[]string{"15:37: unknown field type", "16:18: duplicate field id \"a\"", "16:28: field \"a\" needs a label"}},
		{"yaml syntax", "title: 测试", "title: [测试",
			[]string{"3:1:"}},
		{"missing units file", "file: units.tsv", "file: nothere.tsv",
			[]string{"4:9: units file \"nothere.tsv\" not found"}},
		{"due for a level that neither fills nor forwards", `due: {county: "2018-12-05"}`, `due: {county: "2018-12-05", province: "2018-12-10"}`,
			[]string{"10:43: due date for level \"province\", which neither fills nor forwards form \"f1\""}},
		{"reminders for a level that neither fills nor forwards", `due: {county: "2018-12-05"}`, "due: {county: \"2018-12-05\"}\n    reminders_by_level: {province: {overdue_days: 3}}",
			[]string{"11:36: reminders for level \"province\""}},
		{"when reads a later field", "type: integer, min: 0}", "type: integer, min: 0, when: b > 0}",
			[]string{"15:60: expression \"b > 0\" names b, which is not a field or computed value of section \"main\" (a field's when may read only the fields before it)"}},
		{"when compares a choice with what it cannot be", "{id: b, label: 乙, type: integer}",
			"{id: c, label: 丙, type: choice, choices: [本地单独编制, 由设区市统一编制]}\n          - {id: b, label: 乙, type: integer, when: c == \"本地编制\"}",
			[]string{"17:52: expression \"c == \\\"本地编制\\\"\" compares c with \"本地编制\""}},
		{"when not boolean", "type: integer}", "type: integer, when: a + 1}",
			[]string{"16:52: expression \"a + 1\": expected bool"}},
		{"county due after city", "levels: [county]\n    due: {county: \"2018-12-05\"}", "levels: [county, city]\n    due: {county: \"2018-12-11\", city: \"2018-12-10\"}",
			[]string{"10:19: counties are due after the level above (2018-12-11 > 2018-12-10)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(minimal, tt.old) {
				t.Fatalf("test case does not apply: %q", tt.old)
			}
			c, err := Load(source(strings.Replace(minimal, tt.old, tt.new, 1)))
			if err == nil {
				t.Fatalf("loaded a broken file: %+v", c)
			}
			var ps Problems
			if !errors.As(err, &ps) {
				t.Fatalf("error is %T, want Problems", err)
			}
			if c != nil {
				t.Errorf("a broken file was half-loaded")
			}
			if len(ps) != len(tt.want) {
				t.Errorf("got %d problems, want %d:\n%v", len(ps), len(tt.want), err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), "t.yaml:"+w) {
					t.Errorf("missing %q in:\n%v", w, err)
				}
			}
		})
	}
}

func TestBrokenUnitsFile(t *testing.T) {
	s := source(minimal)
	s.Files["units.tsv"] = []byte(units + "330100\t杭州市\t33010X\t坏区\n330100\t杭州市\t330102\t上城区\n")
	_, err := Load(s)
	for _, w := range []string{"units.tsv:3:1: unit codes are 6 digits", "units.tsv:4:1: duplicate unit code 330102"} {
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Errorf("want %q, got %v", w, err)
		}
	}
}

// TestTextThatCannotBeStored: check refuses what load would (D9): a NUL or
// invalid UTF-8 in the campaign file or in its units table, at its place.
func TestTextThatCannotBeStored(t *testing.T) {
	for name, tt := range map[string]struct {
		yaml, units, want string
	}{
		"NUL in the title":       {strings.Replace(minimal, "title: 测试", "title: 测\x00试", 1), units, "t.yaml:2:9: the file holds a NUL character"},
		"invalid UTF-8":          {strings.Replace(minimal, "title: 测试", "title: \xff\xfe测试", 1), units, "t.yaml:2:8: the file is not valid UTF-8"},
		"NUL in a county's name": {minimal, strings.Replace(units, "上城区", "上\x00城区", 1), "units.tsv:2:20: the file holds a NUL character"},
		"GBK units table":        {minimal, strings.Replace(units, "上城区", "\xc9\xcf\xb3\xc7\xc7\xf8", 1), "units.tsv:2:19: the file is not valid UTF-8"},
		"a row key of 41":        {strings.Replace(minimal, "kind: record", "kind: table\n        rows: [{key: "+strings.Repeat("k", 41)+"}]", 1), units, "row key"},
	} {
		t.Run(name, func(t *testing.T) {
			s := source(tt.yaml)
			s.Files["units.tsv"] = []byte(tt.units)
			_, err := Load(s)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("want %q, got %v", tt.want, err)
			}
		})
	}
}

// TestOnlyRegularFilesAreRead: a FIFO (which would block), a device (which
// never ends) and a file over the limit are refused before being read (D12).
func TestOnlyRegularFilesAreRead(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo.yaml")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(dir, "big.yaml")
	if err := os.WriteFile(big, make([]byte, MaxCampaignBytes+1), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{fifo, "/dev/zero", big, dir} {
		done := make(chan error, 1)
		go func() { _, err := ReadFile(name); done <- err }()
		select {
		case err := <-done:
			if err == nil {
				t.Errorf("%s was read", name)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("reading %s hangs", name)
		}
	}
	// A units table that is a FIFO is a problem of the file, not a hang.
	if err := os.WriteFile(filepath.Join(dir, "c.yaml"), []byte(strings.Replace(minimal, "units.tsv", "fifo.yaml", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	src, err := ReadFile(filepath.Join(dir, "c.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Load(src); err == nil || !strings.Contains(err.Error(), "is not a regular file") {
		t.Errorf("a FIFO units file: %v", err)
	}
}

// TestUnitsOfAnyDepth: a code, name, parent units file at the campaign's
// own levels; a unit deeper than they allow, an unknown parent and a
// circle are refused with their lines.
func TestUnitsOfAnyDepth(t *testing.T) {
	four := strings.Replace(minimal, "units:\n  file: units.tsv\n  root: {code: \"330000\", name: 浙江省}",
		"levels:\n  - {id: province, name: 省}\n  - {id: city, name: 市}\n  - {id: county, name: 县}\n  - {id: town, name: 乡镇}\nunits:\n  file: tree.tsv", 1)
	four = strings.Replace(four, "levels: [county]", "levels: [town]", 1)
	four = strings.Replace(four, `due: {county: "2018-12-05"}`, `due: {town: "2018-12-05"}`, 1)
	tree := "code\tname\tparent\n330000\t浙江省\t\n330100\t杭州市\t330000\n330106\t西湖区\t330100\n330106001\t三墩镇\t330106\n"
	src := &Source{Name: "t.yaml", YAML: []byte(four), Files: map[string][]byte{"tree.tsv": []byte(tree)}}
	c, err := Load(src)
	if err != nil {
		t.Fatal(err)
	}
	if u := c.Units["330106001"]; u == nil || u.Level != "town" || c.Units[c.Root].Level != "province" || len(c.Order) != 4 {
		t.Fatalf("units %+v, order %v", c.Units, c.Order)
	}
	for _, bad := range []struct{ tree, want string }{
		{tree + "330106001-1\t某村\t330106001\n", "tree.tsv:6:1: unit 330106001-1 is 4 levels below 330000, deeper than the campaign's 4 levels"},
		{tree + "330107\t某区\t339999\n", "tree.tsv:6:1: unit 330107 names parent 339999, which is not in the file"},
		{tree + "a\t甲\tb\nb\t乙\ta\n", "tree.tsv:6:1: unit a is not under the root 330000"},
		{tree + "330108\t\t330100\n", "tree.tsv:6:1: unit 330108 has no name"},
		{tree + "330199\t另一个省\t\n", "tree.tsv:6:1: unit 330199 has no parent, but 330000 is the root already"},
	} {
		src.Files["tree.tsv"] = []byte(bad.tree)
		if _, err := Load(src); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("want %q, got %v", bad.want, err)
		}
	}
	// The children of a unit too deep are too deep themselves, not in a
	// circle.
	src.Files["tree.tsv"] = []byte(tree + "330106001-1\t某村\t330106001\n330106001-1-1\t某组\t330106001-1\n")
	_, err = Load(src)
	if err == nil || !strings.Contains(err.Error(), "tree.tsv:7:1: unit 330106001-1-1 is 5 levels below 330000, deeper than the campaign's 4 levels") ||
		strings.Contains(err.Error(), "circle") {
		t.Errorf("a unit under one too deep: %v", err)
	}
	// A form at a level the campaign does not have.
	src.Files["tree.tsv"] = []byte(tree)
	src.YAML = []byte(strings.Replace(four, "levels: [town]", "levels: [village]", 1))
	if _, err := Load(src); err == nil || !strings.Contains(err.Error(), `unknown level "village" (the campaign's levels: province, city, county, town)`) {
		t.Errorf("unknown level: %v", err)
	}
}

// TestMonthlyPeriodsAcrossSpringFestival: a monthly return due 10 working
// days after each month: January 2019's deadline steps over 春节 (2月4日至
// 10日) and counts the Saturday and Sunday worked before it (2月2日、3日);
// a cumulative label for every month after January; a period opens the
// day after it ends.
func TestMonthlyPeriodsAcrossSpringFestival(t *testing.T) {
	y := strings.Replace(minimal, `    due: {county: "2018-12-05"}`, "    periods: {every: month, from: 2019-01, until: 2019-03, cumulative: true}\n    due: {county: {working_days: 10}}", 1)
	c, err := Load(&Source{Name: "t.yaml", YAML: []byte(y), Files: map[string][]byte{"units.tsv": []byte(units)}})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Forms) != 3 {
		t.Fatalf("%d forms", len(c.Forms))
	}
	for i, want := range []struct{ id, label, due, opens, prev string }{
		{"f1.2019m01", "2019年1月", "2019-02-19", "2019-02-01", ""},
		{"f1.2019m02", "2019年1-2月", "2019-03-14", "2019-03-01", "f1.2019m01"},
		{"f1.2019m03", "2019年1-3月", "2019-04-15", "2019-04-01", "f1.2019m02"}, // 清明 4月5日
	} {
		f := c.Forms[i]
		if f.ID != want.id || f.Period.Label != want.label || f.Due[County].Format("2006-01-02") != want.due ||
			f.Opens.Format("2006-01-02") != want.opens || f.Prev != want.prev || f.Template != "f1" {
			t.Errorf("period %d: %s %s due %s opens %s prev %s", i, f.ID, f.Period.Label, f.Due[County].Format("2006-01-02"), f.Opens.Format("2006-01-02"), f.Prev)
		}
	}
	// The ten-day periods of a month, and a date for a form without periods.
	y = strings.Replace(minimal, `    due: {county: "2018-12-05"}`, "    periods: {every: tenday, from: 2019-06-1, until: 2019-06-3}\n    due: {county: {days: 3}}", 1)
	c, err = Load(&Source{Name: "t.yaml", YAML: []byte(y), Files: map[string][]byte{"units.tsv": []byte(units)}})
	if err != nil || len(c.Forms) != 3 || c.Forms[2].Period.Label != "2019年6月下旬" || c.Forms[2].Due[County].Format("2006-01-02") != "2019-07-03" {
		t.Errorf("ten-day periods: %v %+v", err, c)
	}
	y = strings.Replace(minimal, `due: {county: "2018-12-05"}`, `due: {county: {working_days: 10}}`, 1)
	if _, err := Load(&Source{Name: "t.yaml", YAML: []byte(y), Files: map[string][]byte{"units.tsv": []byte(units)}}); err == nil || !strings.Contains(err.Error(), "has no periods (give a date)") {
		t.Errorf("working days without periods: %v", err)
	}
}
