package campaign

import (
	"errors"
	"strings"
	"testing"
)

const weekly = `id: weekly
title: 测试
units:
  file: units.tsv
  root: {code: "330000", name: 浙江省}
forms:
  - id: w
    title: 周报
    levels: [county]
    due: {county: "2018-12-05"}
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

// TestListRowBounds: min_rows and max_rows are read, checked for sense, and
// a list outside them blocks the submission.
func TestListRowBounds(t *testing.T) {
	c, err := Load(source(weekly))
	if err != nil {
		t.Fatal(err)
	}
	f := c.Form("w")
	s := f.Section("items")
	if s.MinRows != 1 || s.MaxRows != 3 {
		t.Fatalf("bounds = %d, %d", s.MinRows, s.MaxRows)
	}
	d := NewDraft("weekly", "330102", "w")
	if ps := d.Problems(f); len(ps) != 1 || !ps[0].Rows || ps[0].Text != "在建项目：至少要填写 1 个项目，现在有 0 个。" {
		t.Errorf("an empty list: %+v", ps)
	}
	for i := 0; i < 4; i++ {
		d.Set("items", d.AddListRow("items"), "name", "项目"+string(rune('甲'+i)))
	}
	if ps := d.Problems(f); len(ps) != 1 || !ps[0].Rows || !strings.Contains(ps[0].Text, "最多填写 3 个项目，现在有 4 个") {
		t.Errorf("four rows: %+v", ps)
	}
	d.DeleteListRow("items", "r4")
	if ps := d.Problems(f); len(ps) != 0 {
		t.Errorf("three rows: %+v", ps)
	}

	for _, tc := range []struct{ old, new, want string }{
		{"min_rows: 1", "min_rows: 4", "min_rows 4 is more than max_rows 3"},
		{"min_rows: 1", "min_rows: -1", "cannot be negative"},
		{"kind: list", "kind: table\n        rows: [{key: a, title: 甲}]", "min_rows and max_rows are for list sections"},
	} {
		_, err := Load(source(strings.Replace(weekly, tc.old, tc.new, 1)))
		var ps Problems
		if !errors.As(err, &ps) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s → %s: %v", tc.old, tc.new, err)
		}
	}
}
