package reports

// The consolidated breakdown by subordinate (按下级汇总): for an aggregating
// unit, one row per unit right below it holding its whole subtree's total
// of every figure of the form, then the unit's own return (本级), then the
// total (合计). What it sums is what the export holds: the accepted returns
// (or the drafts, with IncludeDrafts).

import (
	"context"
	"fmt"
	"math/big"
	"strconv"

	"tianbao/campaign"
	"tianbao/catalog"
	"tianbao/store"
)

// figure is one column of the breakdown: a figure of a record or list
// section (summed over the units, and a list's over its rows), a list's
// count of rows, or one cell of a table (row and field).
type figure struct {
	section *campaign.Section
	row     string          // a table's row key
	field   *campaign.Field // nil: the list's count of rows
	groups  []string
	label   string
}

// breakdownFigures are the figures of form that add up: the integer and
// decimal fields (not those marked sum: false), a table's by row where the
// row has the cell, each list's count of rows; the header line's are not.
func breakdownFigures(form *campaign.Form) []figure {
	var sections []*campaign.Section
	for _, s := range form.Sections {
		if s.Rollup != campaign.RollupHeader {
			sections = append(sections, s)
		}
	}
	numeric := func(fd *campaign.Field) bool {
		return (fd.Type == campaign.Integer || fd.Type == campaign.Decimal) && !fd.NoSum
	}
	var out []figure
	for _, s := range sections {
		var lead []string
		if len(sections) > 1 && s.Title != "" {
			lead = []string{s.Title}
		}
		with := func(g ...string) []string { return append(append([]string(nil), lead...), g...) }
		switch s.Kind {
		case campaign.Table:
			var fields []*campaign.Field
			for _, fd := range s.Fields {
				if numeric(fd) {
					fields = append(fields, fd)
				}
			}
			for _, rk := range s.Rows {
				for _, fd := range fields {
					if s.BlankIn(rk.Key, fd) {
						continue
					}
					if len(fields) == 1 {
						out = append(out, figure{section: s, row: rk.Key, field: fd, groups: lead, label: rk.Title})
					} else {
						out = append(out, figure{section: s, row: rk.Key, field: fd, groups: with(rk.Title), label: fd.Label})
					}
				}
			}
		default:
			if s.Kind == campaign.List {
				out = append(out, figure{section: s, groups: lead, label: fmt.Sprintf(catalog.ReportTexts.BreakdownCount, s.RowNoun)})
			}
			for _, fd := range s.Fields {
				if numeric(fd) {
					out = append(out, figure{section: s, field: fd, groups: with(fd.Group...), label: fd.Label})
				}
			}
		}
	}
	return out
}

// breakdownRows are the units a breakdown of top has a row for: each unit
// right below it with a unit filling the form in its subtree.
func breakdownRows(c *campaign.Campaign, top *campaign.Unit, form *campaign.Form) []*campaign.Unit {
	var out []*campaign.Unit
	for _, code := range top.Children {
		for _, u := range descendants(c, code) {
			if form.FilledByUnit(u) {
				out = append(out, c.Units[code])
				break
			}
		}
	}
	return out
}

// hasBreakdown reports whether an export of top has a breakdown sheet of
// form: it has units below that fill it, and figures that add up; and
// the form's own sheet is not that already (records, one line a unit, of
// units right below that have none below them: a city's 附件3).
func hasBreakdown(c *campaign.Campaign, top *campaign.Unit, form *campaign.Form) bool {
	rows := breakdownRows(c, top, form)
	if len(rows) == 0 || len(breakdownFigures(form)) == 0 {
		return false
	}
	for _, s := range form.Sections {
		if s.Kind != campaign.Record {
			return true
		}
	}
	for _, u := range rows {
		if len(u.Children) > 0 {
			return true
		}
	}
	return false
}

// breakdownSheetName is the sheet's name: the form's with 按下级, within
// Excel's 31 characters.
func breakdownSheetName(f *campaign.Form) string {
	name := []rune(sheetName(f))
	suffix := []rune(catalog.ReportTexts.BreakdownSheet)
	if len(name)+len(suffix) > 31 {
		name = name[:31-len(suffix)]
	}
	return string(name) + string(suffix)
}

// unitFigures sums, per unit that fills form below top (and top), each
// figure over the returns the export holds.
func (x Exporter) unitFigures(ctx context.Context, c *campaign.Campaign, top *campaign.Unit, form *campaign.Form, figures []figure, fillers []*campaign.Unit, opt ExportOptions) (map[string][]*big.Rat, error) {
	picks, err := x.picksFor(ctx, c, top, form, opt)
	if err != nil {
		return nil, err
	}
	out := map[string][]*big.Rat{}
	add := func(unit string, i int, v *big.Rat) {
		if out[unit] == nil {
			out[unit] = make([]*big.Rat, len(figures))
		}
		if out[unit][i] == nil {
			out[unit][i] = new(big.Rat)
		}
		out[unit][i].Add(out[unit][i], v)
	}
	done := map[*campaign.Section]bool{}
	for _, fg := range figures {
		s := fg.section
		if done[s] {
			continue
		}
		done[s] = true
		err := x.rows(ctx, c, form, s.ID, fillers, opt, picks, func(r store.ExportRow) error {
			for i, g := range figures {
				switch {
				case g.section != s || s.Kind == campaign.Table && g.row != r.Row:
				case g.field == nil:
					add(r.Unit, i, big.NewRat(1, 1)) // a list's row
				default:
					if v := r.Values[g.field.ID]; v != "" {
						if n, ok := new(big.Rat).SetString(v); ok {
							add(r.Unit, i, n)
						}
					}
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// breakdownSheet writes the breakdown of form for top: a row per unit
// below (its subtree's total), 本级 (top's own return) and 合计, each
// figure a column; wider than a page, in blocks of columns.
func (x Exporter) breakdownSheet(ctx context.Context, sh *sheet, c *campaign.Campaign, top *campaign.Unit, form *campaign.Form, fillers []*campaign.Unit, opt ExportOptions) error {
	t := catalog.ReportTexts
	figures := breakdownFigures(form)
	per, err := x.unitFigures(ctx, c, top, form, figures, fillers, opt)
	if err != nil {
		return err
	}
	lead := []column{{label: t.Unit, width: 14, min: 11, grow: true, value: func(r sheetRow) cell { return cell{v: r.label} }}}
	var rest []column
	for i, g := range figures {
		key := strconv.Itoa(i)
		integer := g.field == nil || g.field.Type == campaign.Integer
		col := labelColumn(g.label)
		col.groups = g.groups
		col.fit(11, 9)
		col.value = func(r sheetRow) cell {
			v, ok := new(big.Rat).SetString(r.values[key])
			switch {
			case !ok || r.values[key] == "":
				return cell{v: ""}
			case integer && v.IsInt():
				n, _ := strconv.Atoi(v.RatString())
				return cell{v: n, kind: 1}
			}
			f, _ := v.Float64()
			return cell{v: f, kind: 2}
		}
		rest = append(rest, col)
	}
	row := func(label string, total bool, codes []string) sheetRow {
		r := sheetRow{label: label, total: total, values: map[string]string{}}
		sums := make([]*big.Rat, len(figures))
		for _, code := range codes {
			for i, v := range per[code] {
				if v == nil {
					continue
				}
				if sums[i] == nil {
					sums[i] = new(big.Rat)
				}
				sums[i].Add(sums[i], v)
			}
		}
		for i, v := range sums {
			if v != nil {
				r.values[strconv.Itoa(i)] = campaign.RatText(v)
			}
		}
		return r
	}
	// Each unit's figures go to the row of top's child above it, found by
	// one walk up per unit: asking every row about every unit was 330 ×
	// 2,900 walks in a country's export, a third of its time.
	below := breakdownRows(c, top, form)
	rowOf := make(map[string]int, len(below))
	for i, u := range below {
		rowOf[u.Code] = i
	}
	groups := make([][]string, len(below))
	all := make([]string, 0, len(per))
	for code := range per {
		all = append(all, code)
		for u := c.Units[code]; u != nil; u = c.Units[u.Parent] {
			if i, ok := rowOf[u.Code]; ok {
				groups[i] = append(groups[i], code)
				break
			}
		}
	}
	var rows []sheetRow
	for i, u := range below {
		rows = append(rows, row(u.Name, false, groups[i]))
	}
	if form.FilledByUnit(top) {
		rows = append(rows, row(t.OwnLevel, false, []string{top.Code}))
	}
	rows = append(rows, row(t.BreakdownTotal, true, all))
	title := form.Title
	if form.Period != nil {
		title += "（" + form.Period.Label + "）"
	}
	return sh.grid(fmt.Sprintf(t.BreakdownTitle, title, top.Name), "", lead, rest, rows)
}
