package reports

import (
	"context"
	"fmt"
	"math/big"

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
	first := form.Sections[0]
	cols := []column{{label: catalog.ReportTexts.Item, width: 22, value: func(r sheetRow) cell { return cell{v: r.label} }}}
	for _, col := range first.Columns {
		cols = append(cols, fieldColumn(first, col))
	}
	if err := sh.open(form.Title, stampFor(c, top, form), cols, 1); err != nil {
		return err
	}
	for si, s := range form.Sections {
		if si > 0 {
			// A further table: its own header, its own columns.
			cols = cols[:1]
			for _, col := range s.Columns {
				cols = append(cols, fieldColumn(s, col))
			}
		}
		if err := sh.header(cols, 0, ""); err != nil {
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
// of each row exactly, as fractions; a text cell only where one unit alone
// returned the table. Total rows are recomputed from the sums.
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
			if fd.Type == campaign.Integer || fd.Type == campaign.Decimal {
				n, ok := new(big.Rat).SetString(v)
				if !ok {
					continue
				}
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

// statusSheet: unit, form, state, submitted at, reviewed by and at, times
// returned, warnings confirmed.
func (x Exporter) statusSheet(ctx context.Context, sh *sheet, c *campaign.Campaign, top *campaign.Unit, forms []*campaign.Form) error {
	t := catalog.ReportTexts
	cols := []column{
		{label: t.Period, width: 24, value: func(r sheetRow) cell { return cell{v: r.values["form"]} }},
		{label: t.Unit, width: 20, value: func(r sheetRow) cell { return cell{v: areaName(c, r.unit)} }},
		{label: t.State, width: 10, value: func(r sheetRow) cell { return cell{v: r.values["state"]} }},
		{label: t.SubmittedAt, width: 17, value: func(r sheetRow) cell { return cell{v: r.values["submitted"]} }},
		{label: t.ReviewedBy, width: 12, value: func(r sheetRow) cell { return cell{v: r.values["by"]} }},
		{label: t.ReviewedAt, width: 17, value: func(r sheetRow) cell { return cell{v: r.values["at"]} }},
		{label: t.TimesReturned, width: 10, value: func(r sheetRow) cell { return cell{v: r.n1, kind: 1} }},
		{label: t.WarningsOpen, width: 12, value: func(r sheetRow) cell { return cell{v: r.n2, kind: 1} }},
	}
	if err := sh.open(c.Title+" "+t.StatusSheet, "", cols, 2); err != nil {
		return err
	}
	if err := sh.header(cols, 0, ""); err != nil {
		return err
	}
	units := descendants(c, top.Code)
	var ids []string
	for _, f := range forms {
		ids = append(ids, f.ID)
	}
	rows, err := x.DB.FormStatuses(ctx, c.ID, ids, codesOf(units))
	if err != nil {
		return err
	}
	by := map[[2]string]store.FormStatus{}
	for _, r := range rows {
		by[[2]string{r.Unit, r.Form}] = r
	}
	when := func(v interface{ IsZero() bool }, s string) string {
		if v.IsZero() {
			return ""
		}
		return s
	}
	for _, f := range forms {
		for _, u := range units {
			if !f.FilledByUnit(u) {
				continue
			}
			r, ok := by[[2]string{u.Code, f.ID}]
			state := "none"
			if ok {
				state = r.Status
			}
			values := map[string]string{"form": f.ShortName(), "state": catalog.StateName(state)}
			if r.MarkReason.Valid {
				values["state"] += fmt.Sprintf(catalog.Signoff.MarkReason, r.MarkReason.String) // 免报（理由：…）
			}
			if ok {
				values["submitted"] = when(r.SubmittedAt.Time, r.SubmittedAt.Time.In(c.TimeZone).Format("2006-01-02 15:04"))
				values["by"] = r.ReviewedBy.String
				values["at"] = when(r.ReviewedAt.Time, r.ReviewedAt.Time.In(c.TimeZone).Format("2006-01-02 15:04"))
			}
			if err := sh.dataRow(cols, sheetRow{unit: u, values: values, n1: r.Returns, n2: r.Warnings}); err != nil {
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
		if f.Period.Year() == current.Period.Year() {
			periods = append(periods, f)
		}
	}
	t := catalog.ReportTexts
	cols := []column{
		{label: t.Unit, width: 20, value: func(r sheetRow) cell { return cell{v: r.values["unit"]} }},
		{label: t.Item, width: 26, value: func(r sheetRow) cell { return cell{v: r.label} }},
	}
	for _, p := range periods {
		id := p.ID
		cols = append(cols, column{label: p.Period.Label, width: 13, value: func(r sheetRow) cell {
			if v, ok := new(big.Rat).SetString(r.values[id]); ok && r.values[id] != "" {
				f, _ := v.Float64()
				return cell{v: f, kind: 2}
			}
			return cell{v: r.values[id]}
		}})
	}
	if err := sh.open(current.Short+" "+current.Title+"（"+t.PeriodsSheet+"）", "", cols, 2); err != nil {
		return err
	}
	if err := sh.header(cols, 0, ""); err != nil {
		return err
	}
	// Per unit and figure, each period's total of the unit's rows.
	type key struct{ unit, item string }
	values := map[key]map[string]*big.Rat{}
	var order []key
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
		for _, s := range p.Sections {
			err := x.rows(ctx, c, p, s.ID, fillers, opt, picks, func(r store.ExportRow) error {
				if s.Kind == campaign.Table && s.IsSum(r.Row) {
					return nil // totals are summed from their rows
				}
				for _, fd := range s.Fields {
					if fd.Type != campaign.Integer && fd.Type != campaign.Decimal {
						continue
					}
					n, ok := new(big.Rat).SetString(r.Values[fd.ID])
					if !ok || r.Values[fd.ID] == "" {
						continue
					}
					item := fd.Title()
					if s.Title != "" {
						item = s.Title + " · " + item
					}
					k := key{r.Unit, item}
					if values[k] == nil {
						values[k] = map[string]*big.Rat{}
						order = append(order, k)
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
	for _, u := range fillers {
		for _, k := range order {
			if k.unit != u.Code {
				continue
			}
			row := sheetRow{unit: u, label: k.item, values: map[string]string{"unit": areaName(c, u)}}
			for id, v := range values[k] {
				row.values[id] = campaign.RatText(v)
			}
			if err := sh.dataRow(cols, row); err != nil {
				return err
			}
		}
	}
	return nil
}
