package reports

import (
	"context"
	"database/sql"
	"fmt"
	"math/big"
	"sort"

	"tianbao/campaign"
	"tianbao/catalog"
	"tianbao/store"
)

// tableForm prints a form of tables as the notice does: each table's rows
// and columns, holding the sum of what every unit of the export returned
// (an aggregating unit's own 本级 entries and its subordinates' accepted
// returns), total rows recomputed after summing, cells the notice leaves
// empty as ——, numbers as numbers. Each unit's own return follows on the
// 明细 sheet.
func (x Exporter) tableForm(ctx context.Context, sh *sheet, c *campaign.Campaign, top *campaign.Unit, form *campaign.Form, fillers []*campaign.Unit, opt ExportOptions, picks map[string]store.SubmissionRef) error {
	item := column{label: catalog.ReportTexts.Item, width: 8, value: func(r sheetRow) cell { return cell{v: r.label} }}
	for _, s := range form.Sections {
		for _, rk := range s.Rows {
			item.width = max(item.width, min(textWidth(rk.Title)+cellPadding, 22))
		}
	}
	item.min = min(item.width, 11)
	// Each table its own header and columns; the widths, the widest of
	// each position over the tables.
	// The tables: the header sections are the sheet's header line.
	var sections []*campaign.Section
	for _, s := range form.Sections {
		if s.Kind == campaign.Table {
			sections = append(sections, s)
		}
	}
	tables := make([][]column, len(sections))
	for i, s := range sections {
		it := item
		it.label = s.RowLabel
		tables[i] = []column{it}
		for _, col := range s.Columns {
			tables[i] = append(tables[i], fieldColumn(s, col))
		}
	}
	widths := widest(tables)
	sh.blocks = len(sections) > 1
	if err := sh.open(form.Title, sh.stampFor(c, top, form), widths, 1); err != nil {
		return err
	}
	for si, s := range sections {
		cols := tables[si]
		if err := sh.beginBlock(cols, 0, ""); err != nil {
			return err
		}
		sum, err := x.sumTable(ctx, c, form, s, fillers, opt, picks)
		if err != nil {
			return err
		}
		for _, rk := range s.Rows {
			row := sheetRow{label: rk.Title, rowKey: rk.Key, values: map[string]string{}, total: len(rk.Sum) > 0}
			if r := sum.Row(s.ID, rk.Key); r != nil {
				row.values = r.Values
			}
			if err := sh.dataRow(cols, row); err != nil {
				return err
			}
		}
	}
	return nil
}

// sumTable adds up a table section over the units' returns: each figure
// of each row exactly, as fractions; a text cell, or a figure not added
// up (sum: false, a ratio), only where one unit alone returned the table.
// Total rows are recomputed from the sums.
func (x Exporter) sumTable(ctx context.Context, c *campaign.Campaign, form *campaign.Form, s *campaign.Section, fillers []*campaign.Unit, opt ExportOptions, picks map[string]store.SubmissionRef) (*campaign.Draft, error) {
	sums := map[string]map[string]*big.Rat{}
	texts := map[string]map[string]string{}
	units := map[string]bool{}
	err := x.rows(ctx, c, form, s.ID, fillers, opt, picks, func(r store.ExportRow) error {
		units[r.Unit] = true
		for _, fd := range s.Fields {
			v := r.Values[fd.ID]
			if v == "" {
				continue
			}
			if n, ok := new(big.Rat).SetString(v); ok && (fd.Type == campaign.Integer || fd.Type == campaign.Decimal) && !fd.NoSum {
				if sums[r.Row] == nil {
					sums[r.Row] = map[string]*big.Rat{}
				}
				if sums[r.Row][fd.ID] == nil {
					sums[r.Row][fd.ID] = new(big.Rat)
				}
				sums[r.Row][fd.ID].Add(sums[r.Row][fd.ID], n)
				continue
			}
			if texts[r.Row] == nil {
				texts[r.Row] = map[string]string{}
			}
			texts[r.Row][fd.ID] = v
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	d := campaign.NewDraft(c.ID, "", form.ID)
	for row, fields := range sums {
		for id, v := range fields {
			d.Set(s.ID, row, id, campaign.RatText(v))
		}
	}
	if len(units) == 1 {
		for row, fields := range texts {
			for id, v := range fields {
				d.Set(s.ID, row, id, v)
			}
		}
	}
	d.RecomputeSums(s)
	return d, nil
}

// extraSheets follow the forms: the status of every unit on every form
// exported (填报情况), and for a standing return each figure across the
// year's periods (各期).
func (x Exporter) extraSheets(ctx context.Context, add func(string, string, []string, func(*sheet) error) error, c *campaign.Campaign, top *campaign.Unit, forms []*campaign.Form, opt ExportOptions) error {
	if len(forms) == 0 {
		return nil
	}
	if err := add(catalog.ReportTexts.StatusSheet, "", nil, func(sh *sheet) error { return x.statusSheet(ctx, sh, c, top, forms) }); err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, f := range forms {
		if f.Period == nil || seen[f.Template] {
			continue
		}
		seen[f.Template] = true
		f := f
		name := []rune(f.Short + catalog.ReportTexts.PeriodsSheet)
		if len(name) > 31 {
			name = name[:31]
		}
		if err := add(string(name), "", nil, func(sh *sheet) error { return x.periodsSheet(ctx, sh, c, top, f, opt) }); err != nil {
			return err
		}
	}
	return nil
}

// statusSheet: a row per unit, a column per form exported, each cell the
// unit's state on the form with the day it came to it (submitted,
// returned, approved), how often it was returned and how many warnings
// were confirmed; the last row counts the approved. One unit a line, it
// prints on a few pages even for a province.
func (x Exporter) statusSheet(ctx context.Context, sh *sheet, c *campaign.Campaign, top *campaign.Unit, forms []*campaign.Form) error {
	t := catalog.ReportTexts
	units := descendants(c, top.Code)
	var ids []string
	for _, f := range forms {
		ids = append(ids, f.ID)
	}
	statuses, err := x.DB.FormStatuses(ctx, c.ID, ids, codesOf(units))
	if err != nil {
		return err
	}
	by := map[[2]string]store.FormStatus{}
	for _, r := range statuses {
		by[[2]string{r.Unit, r.Form}] = r
	}
	lead := []column{{label: t.Unit, width: 14, min: 11, grow: true, value: func(r sheetRow) cell {
		if r.total {
			return cell{v: r.label}
		}
		return cell{v: areaName(c, r.unit)}
	}}}
	var rest []column
	for _, f := range forms {
		id := f.ID
		col := labelColumn(f.ShortName())
		// 已通过 2018-12-07 on a line, or the date under the state.
		col.fit(textWidth(catalog.StateName("approved")+" 2018-12-07")+cellPadding, textWidth("2018-12-07")+cellPadding)
		col.value = func(r sheetRow) cell { return cell{v: r.values[id]} }
		rest = append(rest, col)
	}
	day := func(v sql.NullTime) string {
		if !v.Valid || v.Time.IsZero() {
			return ""
		}
		return " " + v.Time.In(c.TimeZone).Format("2006-01-02")
	}
	var rows []sheetRow
	approved, due := map[string]int{}, map[string]int{}
	for _, u := range units {
		row := sheetRow{unit: u, values: map[string]string{}}
		fills := false
		for _, f := range forms {
			if !f.FilledByUnit(u) {
				row.values[f.ID] = t.Dash
				continue
			}
			fills = true
			due[f.ID]++
			r, ok := by[[2]string{u.Code, f.ID}]
			if !ok {
				row.values[f.ID] = catalog.StateName("none")
				continue
			}
			text := catalog.StateName(r.Status)
			if r.MarkReason.Valid {
				text += fmt.Sprintf(catalog.Signoff.MarkReason, r.MarkReason.String) // 免报（理由：…）
			}
			switch campaign.Status(r.Status) {
			case campaign.StatusSubmitted:
				text += day(r.SubmittedAt)
			case campaign.StatusApproved, campaign.StatusReturned:
				text += day(r.ReviewedAt)
			}
			if r.Status == string(campaign.StatusApproved) {
				approved[f.ID]++
			}
			if r.Returns > 0 {
				text += " " + fmt.Sprintf(t.StatusReturns, r.Returns)
			}
			if r.Warnings > 0 {
				text += " " + fmt.Sprintf(t.StatusWarnings, r.Warnings)
			}
			row.values[f.ID] = text
		}
		if fills {
			rows = append(rows, row)
		}
	}
	tally := sheetRow{total: true, label: t.StatusTally, values: map[string]string{}}
	for _, f := range forms {
		tally.values[f.ID] = fmt.Sprintf("%d／%d", approved[f.ID], due[f.ID])
	}
	return sh.grid(c.Title+" "+t.StatusSheet, "", lead, rest, append(rows, tally))
}

// grid writes rows under the lead columns and the rest: one table where
// they fit the page's width at 9 pt, else the rest split into groups, each
// a block of every row with the lead columns again (a return of forty
// figures a unit, a monthly return's twelve periods).
func (s *sheet) grid(title, stamp string, lead, rest []column, rows []sheetRow) error {
	groups := splitColumns(lead, rest)
	s.blocks = len(groups) > 1
	tables := make([][]column, len(groups))
	for i, g := range groups {
		tables[i] = append(append([]column(nil), lead...), g...)
	}
	widths := widest(tables)
	if err := s.open(title, stamp, widths, len(lead)); err != nil {
		return err
	}
	for _, cols := range tables {
		if err := s.beginBlock(cols, 0, ""); err != nil {
			return err
		}
		for _, r := range rows {
			if err := s.dataRow(cols, r); err != nil {
				return err
			}
		}
	}
	return nil
}

// periodsSheet is a standing return's figures across the periods of the
// current one's year: a row per unit and figure, a column per period.
func (x Exporter) periodsSheet(ctx context.Context, sh *sheet, c *campaign.Campaign, top *campaign.Unit, current *campaign.Form, opt ExportOptions) error {
	var periods []*campaign.Form
	for _, f := range c.Instances(current.Template) {
		if f.Period.Year() == current.Period.Year() && f.OpenAt(opt.at()) {
			periods = append(periods, f)
		}
	}
	t := catalog.ReportTexts
	lead := []column{
		{label: t.Unit, width: 14, min: 11, grow: true, value: func(r sheetRow) cell { return cell{v: r.values["unit"]} }},
		{label: t.Item, width: 22, min: 12, grow: true, value: func(r sheetRow) cell { return cell{v: r.label} }},
	}
	var rest []column
	for _, p := range periods {
		id := p.ID
		col := labelColumn(p.Period.Label)
		col.fit(min(textWidth(p.Period.Label)+cellPadding, 12), 11) // the period on one line where it can
		col.value = func(r sheetRow) cell {
			if v, ok := new(big.Rat).SetString(r.values[id]); ok && r.values[id] != "" {
				f, _ := v.Float64()
				return cell{v: f, kind: 2}
			}
			return cell{v: r.values[id]}
		}
		rest = append(rest, col)
	}
	// Per unit and figure, each period's figure: a record's, a list's
	// summed over its rows (a figure not added up left out), a table's
	// row by row (its 合计 as the table has it).
	type key struct{ unit, item string }
	values := map[key]map[string]*big.Rat{}
	var order []key
	rank := map[key]int{} // the figure's place in the form: section, table row, field
	var fillers []*campaign.Unit
	for _, u := range descendants(c, top.Code) {
		if current.FilledByUnit(u) {
			fillers = append(fillers, u)
		}
	}
	for _, p := range periods {
		picks, err := x.picksFor(ctx, c, top, p, opt)
		if err != nil {
			return err
		}
		for si, s := range p.Sections {
			err := x.rows(ctx, c, p, s.ID, fillers, opt, picks, func(r store.ExportRow) error {
				for fi, fd := range s.Fields {
					if fd.Type != campaign.Integer && fd.Type != campaign.Decimal || s.Kind == campaign.List && fd.NoSum {
						continue
					}
					n, ok := new(big.Rat).SetString(r.Values[fd.ID])
					if !ok || r.Values[fd.ID] == "" {
						continue
					}
					item := fd.Title()
					if s.Kind == campaign.Table {
						item = rowTitle(s, r.Row) + " · " + item
					}
					if s.Title != "" {
						item = s.Title + " · " + item
					}
					k := key{r.Unit, item}
					if values[k] == nil {
						values[k] = map[string]*big.Rat{}
						order = append(order, k)
						rank[k] = (si*1000+rowIndex(s, r.Row))*1000 + fi
					}
					if values[k][p.ID] == nil {
						values[k][p.ID] = new(big.Rat)
					}
					values[k][p.ID].Add(values[k][p.ID], n)
				}
				return nil
			})
			if err != nil {
				return err
			}
		}
	}
	sort.SliceStable(order, func(i, j int) bool { return rank[order[i]] < rank[order[j]] })
	var rows []sheetRow
	for _, u := range fillers {
		for _, k := range order {
			if k.unit != u.Code {
				continue
			}
			row := sheetRow{unit: u, label: k.item, values: map[string]string{"unit": areaName(c, u)}}
			for id, v := range values[k] {
				row.values[id] = campaign.RatText(v)
			}
			rows = append(rows, row)
		}
	}
	return sh.grid(current.Short+" "+current.Title+"（"+t.PeriodsSheet+"）", "", lead, rest, rows)
}

// rowIndex is a table row's place among the table's rows (0 for a
// record's or a list's).
func rowIndex(s *campaign.Section, key string) int {
	for i, rk := range s.Rows {
		if rk.Key == key {
			return i
		}
	}
	return 0
}

// rowTitle is a table row's title, by its key.
func rowTitle(s *campaign.Section, key string) string {
	for _, rk := range s.Rows {
		if rk.Key == key {
			return rk.Title
		}
	}
	return key
}
