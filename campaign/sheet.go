package campaign

// What a form's printed sheet says besides its table, as the campaign file
// gives it: the seal line, the header line, and how each section rolls up
// in an aggregating unit's export.

import (
	"fmt"
	"strings"

	"tianbao/catalog"
)

// rollup reads a section's rollup (by default: a table summed, a record or
// list listed unit by unit) and its row_label.
func (l *loader) rollup(p string, raw *rawSection, s *Section) {
	switch s.Rollup = raw.Rollup; {
	case raw.Rollup == "" && s.Kind == Table:
		s.Rollup = RollupSum
	case raw.Rollup == "":
		s.Rollup = RollupList
	case s.Kind == Table && (raw.Rollup == RollupSum || raw.Rollup == RollupList):
	case s.Kind == Record && (raw.Rollup == RollupList || raw.Rollup == RollupHeader):
	case s.Kind == List && raw.Rollup == RollupList:
	default:
		l.at(p+".rollup", "rollup %q: a table is summed (sum) or listed unit by unit (list); a record is listed (list) or is the sheet's header line (header); a list is listed", raw.Rollup)
	}
	if s.Rollup == RollupHeader && s.Total {
		l.at(p+".total", "a header section is not summed: total does not apply to it")
	}
	s.RowLabel = strings.TrimSpace(raw.RowLabel)
	switch {
	case s.RowLabel != "" && s.Kind != Table:
		l.at(p+".row_label", "row_label heads a table's column of row titles: for table sections only")
	case s.RowLabel == "":
		s.RowLabel = catalog.ReportTexts.Item
	}
}

// sheetLines reads a form's stamp and header: texts whose {…} parts are
// expressions of the header sections' fields, unit and period.
func (l *loader) sheetLines(p string, raw *rawForm, f *Form) {
	env := &Section{ID: "header"}
	seen := map[string]string{}
	for _, s := range f.HeaderSections() {
		for _, fd := range s.Fields {
			if other, ok := seen[fd.ID]; ok {
				l.at(p+".sections", "field %q is in header sections %q and %q: the header line could not tell them apart", fd.ID, other, s.ID)
				continue
			}
			seen[fd.ID] = s.ID
			env.Fields = append(env.Fields, fd)
		}
	}
	compile := func(path, what, text string) *Template {
		t, err := CompileTemplate(text, env, nil)
		if err != nil {
			l.at(path, "%v", err)
			return nil
		}
		l.track(path, what, nil, t)
		return t
	}
	l.exprs = nil
	switch v := raw.Stamp.(type) {
	case nil:
	case bool:
		if v {
			f.Stamp = compile(p+".stamp", "stamp", catalog.ReportTexts.Stamp)
		}
	case string:
		if strings.TrimSpace(v) == "" {
			l.at(p+".stamp", "stamp: the seal line as the notice prints it ({unit.name}…办公室（盖章）), or true")
			break
		}
		f.Stamp = compile(p+".stamp", "stamp", v)
	default:
		l.at(p+".stamp", "stamp: the seal line as the notice prints it ({unit.name}…办公室（盖章）), or true")
	}
	for i, item := range raw.Header {
		if strings.TrimSpace(item) == "" {
			l.at(fmt.Sprintf("%s.header[%d]", p, i), "a header item is a text (填报日期：{date})")
			continue
		}
		if t := compile(fmt.Sprintf("%s.header[%d]", p, i), fmt.Sprintf("header item %d", i+1), item); t != nil {
			f.Header = append(f.Header, t)
		}
	}
	if len(raw.Header) == 0 {
		// The header sections' answers, each by its label.
		for _, fd := range env.Fields {
			if t := compile(p+".sections", "the header line", fd.Label+"：{"+fd.ID+"}"); t != nil {
				f.Header = append(f.Header, t)
			}
		}
	}
	l.exprChecks("", raw.Periods != nil)
}
