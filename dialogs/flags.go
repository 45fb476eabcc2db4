package dialogs

import (
	"fmt"
	"strings"

	"tianbao/campaign"
)

// What a return can flag, and how a flagged item is named. An item is a
// key section/row/field: a field of a record (section//field), a whole row
// of a list or table (section/row/), or one field of such a row
// (section/row/field). In a package, unit|key, or a unit alone (its whole
// form). Only what the unit itself fills can be flagged: never a field
// another level fills (filled_by), a cell its row leaves empty (——), a
// computed total, nor a field its own answers do not ask (when).

// flagItem is something a reviewer can flag: a field of a record, or a
// row; in a package, a unit (whole, or opened to flag its items).
type flagItem struct {
	Key   string // section/row/field, or section/row/ for a whole row; a package's: unit, or unit|item
	Label string
	Unit  string // a package's unit, which can be opened
	Open  string // a row (section/row) whose single fields can be flagged
}

// flagDraft is a submission's answers as a unit of level reads them: what
// is asked of it is what it may be asked to correct.
func flagDraft(f *campaign.Form, data campaign.Snapshot, level campaign.Level) *campaign.Draft {
	d := campaign.DraftOf("", "", f.ID, data)
	d.Level = level
	return d
}

// askedIn are the fields of a row that the draft's unit answers: none in a
// computed total, none another level fills or the row leaves empty.
func askedIn(d *campaign.Draft, s *campaign.Section, row string) []*campaign.Field {
	if s.IsSum(row) {
		return nil
	}
	var out []*campaign.Field
	for _, fd := range s.Fields {
		if d.Asked(s, row, fd) {
			out = append(out, fd)
		}
	}
	return out
}

// flagItems lists what of a unit's submission can be flagged, in form
// order: each field of a record the unit fills, each table row that asks
// it anything and each list row (both open to flag single fields).
func flagItems(f *campaign.Form, data campaign.Snapshot, level campaign.Level) []flagItem {
	d := flagDraft(f, data, level)
	var out []flagItem
	for _, s := range f.Sections {
		switch s.Kind {
		case campaign.Record:
			for _, fd := range askedIn(d, s, "") {
				out = append(out, flagItem{Key: s.ID + "//" + fd.ID, Label: fd.Title()})
			}
		case campaign.Table:
			for _, rk := range s.Rows {
				if len(askedIn(d, s, rk.Key)) > 0 {
					out = append(out, flagItem{Key: s.ID + "/" + rk.Key + "/", Label: s.Title + " " + rk.Title, Open: s.ID + "/" + rk.Key})
				}
			}
		case campaign.List:
			for i, r := range d.Rows(s.ID) {
				name := ""
				if len(s.Fields) > 0 {
					name = r.Values[s.Fields[0].ID]
				}
				if len(askedIn(d, s, r.Key)) > 0 {
					out = append(out, flagItem{Key: s.ID + "/" + r.Key + "/", Label: strings.TrimSpace(fmt.Sprintf("%s 第%d个%s %s", s.Title, i+1, s.RowNoun, name)), Open: s.ID + "/" + r.Key})
				}
			}
		}
	}
	return out
}

// rowFlagItems are the single fields of one row (section/row) that can be
// flagged.
func rowFlagItems(f *campaign.Form, data campaign.Snapshot, level campaign.Level, open string) []flagItem {
	sec, row, _ := strings.Cut(open, "/")
	s := f.Section(sec)
	d := flagDraft(f, data, level)
	if s == nil || s.Kind == campaign.Record || s.Kind == campaign.List && d.Row(sec, row) == nil {
		return nil
	}
	var out []flagItem
	for _, fd := range askedIn(d, s, row) {
		out = append(out, flagItem{Key: sec + "/" + row + "/" + fd.ID, Label: fd.Title()})
	}
	return out
}

// orderFlags keeps the flags that name something the unit may correct, in
// form order (whatever the order they were ticked in); a field of a row
// flagged whole is dropped, since the whole row is asked.
func orderFlags(f *campaign.Form, data campaign.Snapshot, level campaign.Level, flags []string) []string {
	ticked := map[string]bool{}
	for _, fl := range flags {
		ticked[fl] = true
	}
	var out []string
	for _, it := range flagItems(f, data, level) {
		if ticked[it.Key] {
			out = append(out, it.Key)
			continue
		}
		if it.Open == "" {
			continue
		}
		for _, in := range rowFlagItems(f, data, level, it.Open) {
			if ticked[in.Key] {
				out = append(out, in.Key)
			}
		}
	}
	return out
}

// countInside counts the flags naming single fields of a row (section/row).
func countInside(flags []string, prefix, open string) int {
	n := 0
	for _, fl := range flags {
		if rest, ok := strings.CutPrefix(fl, prefix+open+"/"); ok && rest != "" {
			n++
		}
	}
	return n
}

// itemLabel names a flagged item for people, from the draft (or a
// submission's answers) it was flagged in: 按建设方式 · 新建成（家）,
// 可建成第 2 个园区「三墩园」, 可建成第 2 个园区「三墩园」 用地（亩）.
func itemLabel(f *campaign.Form, d *campaign.Draft, key string) string {
	sec, row, field := splitItem(key)
	s := f.Section(sec)
	if s == nil {
		return key
	}
	var fd *campaign.Field
	if field != "" {
		fd = s.Field(field)
	}
	if s.Kind == campaign.Record {
		if fd != nil {
			return fd.Title()
		}
		return key
	}
	label := strings.TrimSuffix(campaign.RowLabel(d, s, row), "：")
	if s.Kind == campaign.Table {
		for _, rk := range s.Rows {
			if rk.Key == row {
				label = s.Title + " " + rk.Title
			}
		}
		label = strings.TrimSpace(label)
	}
	if s.Kind == campaign.List && len(s.Fields) > 0 {
		if v, ok := d.Value(sec, row, s.Fields[0].ID); ok && v != "" {
			label += "「" + v + "」" // the row named as its contact knows it
		}
	}
	if fd != nil {
		label += " " + fd.Title()
	}
	return label
}

func splitItem(key string) (section, row, field string) {
	parts := strings.SplitN(key, "/", 3)
	for len(parts) < 3 {
		parts = append(parts, "")
	}
	return parts[0], parts[1], parts[2]
}

// flaggedField is where the walk of a return asks a flagged item: the
// field itself, or a row's first field the unit answers; nil when there is
// nothing the unit may fill (a row deleted since, a field another level
// fills, a cell left empty, a total).
func flaggedField(f *campaign.Form, d *campaign.Draft, key string) (*campaign.Section, string, *campaign.Field) {
	sec, row, field := splitItem(key)
	s := f.Section(sec)
	if s == nil || s.Kind == campaign.List && d.Row(sec, row) == nil || s.IsSum(row) {
		return nil, "", nil
	}
	if field == "" {
		if fd := campaign.NextAsked(d, s, row, nil); fd != nil {
			return s, row, fd
		}
		return nil, "", nil
	}
	if fd := s.Field(field); fd != nil && d.Asked(s, row, fd) {
		return s, row, fd
	}
	return nil, "", nil
}
