package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// TestExportOfAStandingReturn: --form with a standing return's own id
// exports every period open so far (the README's --form progress); the
// hints name the campaign's own forms; a period not open yet is refused
// with the day it opens, never written as an empty table (newcomer trial
// D6, ux trial 19).
func TestExportOfAStandingReturn(t *testing.T) {
	useTestDatabase(t)
	dir := t.TempDir()
	q := []string{"export", "--campaign", "zj-2019-parks-quarterly", "--unit", "330106"}
	code, out, errs := tianbao(t, "", append(q, "--form", "progress", "--out", filepath.Join(dir, "q.xlsx"))...)
	if code != 0 || out != "" {
		t.Fatalf("--form progress: %d %q %q", code, out, errs)
	}
	f, err := excelize.OpenFile(filepath.Join(dir, "q.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := strings.Join(f.GetSheetList(), ","); got != "进度季报 2019年1-3月,进度季报 2019年1-6月,进度季报 2019年1-9月,进度季报 2019年1-12月,填报情况,进度季报各期" {
		t.Errorf("--form progress gave sheets %s", got)
	}
	for _, name := range f.GetSheetList() { // its file has no stamp: no seal line, the 2018 notice's least of all
		rows, _ := f.GetRows(name)
		for _, r := range rows {
			if strings.Contains(strings.Join(r, ""), "盖章") {
				t.Errorf("%s prints a seal line the file does not give: %q", name, r)
			}
		}
	}
	code, out, errs = tianbao(t, "", append(q, "--form", "progress")...)
	if code != 0 || !strings.HasPrefix(out, "期别,序号,园区名称") {
		t.Errorf("--form progress as CSV: %d %q %q", code, out, errs)
	}
	for _, c := range []struct {
		args []string
		code int
		why  string
	}{
		{[]string{"--form", "nope"}, 1, `campaign zj-2019-parks-quarterly has no form "nope" (its forms: progress (every period; one: progress.2019q1 … progress.2019q4))`},
		{[]string{"--format", "csv"}, 2, `--form is required for csv (one form of zj-2019-parks-quarterly: progress (every period; one: progress.2019q1 … progress.2019q4))`},
	} {
		code, out, errs := tianbao(t, "", append(q, c.args...)...)
		if code != c.code || out != "" || !strings.Contains(errs, c.why) || strings.Contains(errs, "a1, a2") {
			t.Errorf("%v: %d %q %q", c.args, code, out, errs)
		}
	}

	// A return whose periods are all ahead.
	file := filepath.Join(dir, "later.yaml")
	yaml := "id: later\ntitle: 以后的年报\nunits: {file: units.tsv, root: {code: \"330000\", name: 浙江省}}\nforms:\n" +
		"  - id: yearly\n    title: 年报\n    levels: [county]\n    periods: {every: year, from: 2098, until: 2099}\n    due: {county: {days: 30}}\n" +
		"    sections:\n      - {id: main, kind: record, fields: [{id: n, label: 数量, type: integer}]}\n"
	if err := os.WriteFile(file, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "units.tsv"), []byte("city_code\tcity\tcounty_code\tcounty\n330100\t杭州市\t330106\t西湖区\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out, errs := tianbao(t, "", "campaign", "load", file); code != 0 {
		t.Fatalf("load: %d %q %q", code, out, errs)
	}
	for form, why := range map[string]string{
		"yearly.2098": "yearly.2098 opens on 2099-01-01: nothing to export yet",
		"yearly":      "no period of yearly is open yet (the first, yearly.2098, opens on 2099-01-01): nothing to export yet",
	} {
		code, out, errs := tianbao(t, "", "export", "--campaign", "later", "--unit", "330106", "--form", form)
		if code != 1 || out != "" || !strings.Contains(errs, why) {
			t.Errorf("--form %s: %d %q %q", form, code, out, errs)
		}
	}
}
