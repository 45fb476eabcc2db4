package reports

import (
	"archive/zip"
	"context"
	"fmt"
	"io"
	"path"

	"tianbao/campaign"
	"tianbao/catalog"
)

// SubtreeTable lays out a form for every unit of a subtree that fills it:
// the unit's table (FormTable) with 所属地区 first, units in order, only
// those whose draft has one of the statuses.
func (x Exporter) SubtreeTable(ctx context.Context, c *campaign.Campaign, unit string, form *campaign.Form, opt ExportOptions) (Table, error) {
	var out Table
	units, err := x.returns(ctx, c, unit, form, opt)
	if err != nil {
		return Table{}, err
	}
	for _, u := range descendants(c, unit) {
		d := units[u.Code]
		if d == nil || !form.FilledByUnit(u) {
			continue
		}
		t := FormTable(form, d)
		if out.Header == nil {
			out.Header = append([]string{catalog.ReportTexts.Area}, t.Header...)
			if opt.IncludeDrafts {
				out.Header = append(out.Header, catalog.ReportTexts.State)
			}
		}
		for _, r := range t.Rows {
			line := append([]string{areaName(c, u)}, r...)
			if opt.IncludeDrafts {
				line = append(line, catalog.StateName(string(d.Status)))
			}
			out.Rows = append(out.Rows, line)
		}
	}
	if out.Header == nil {
		out.Header = append([]string{catalog.ReportTexts.Area}, FormTable(form, campaign.NewDraft(c.ID, unit, form.ID)).Header...)
	}
	return out, nil
}

// WriteZip bundles the XLSX with the uploaded documents (policy files, plan
// texts), named by unit: 文件/杭州市西湖区/附件4-规划.docx.
func (x Exporter) WriteZip(ctx context.Context, w io.Writer, c *campaign.Campaign, unit string, opt ExportOptions) error {
	zw := zip.NewWriter(w)
	xw, err := zw.Create(c.ID + "-" + c.Units[unit].Name + ".xlsx")
	if err != nil {
		return err
	}
	if err := x.WriteXLSX(ctx, xw, c, unit, opt); err != nil {
		return err
	}
	seen := map[string]bool{}
	returns := map[string]map[string]*campaign.Draft{}
	for _, f := range c.Forms {
		if !opt.wants(c, f) {
			continue
		}
		r, err := x.returns(ctx, c, unit, f, opt)
		if err != nil {
			return err
		}
		returns[f.ID] = r
	}
	for _, u := range descendants(c, unit) {
		for _, f := range c.Forms {
			d := returns[f.ID][u.Code]
			if d == nil {
				continue
			}
			for _, s := range f.Sections {
				for i, r := range d.Rows(s.ID) {
					for _, fd := range s.Fields {
						fv, ok := campaign.DecodeFile(r.Values[fd.ID])
						if fd.Type != campaign.File || !ok {
							continue
						}
						file, err := x.DB.FileByRef(ctx, fv.Ref)
						if err != nil {
							return err
						}
						name := fmt.Sprintf("%s-%s", f.Short, fv.Name)
						if s.Kind == campaign.List {
							name = fmt.Sprintf("%s-%d-%s", f.Short, i+1, fv.Name)
						}
						p := path.Join(catalog.ReportTexts.FilesDir, areaName(c, u), campaign.FileName(name, nil)) // names stored before they were made safe too
						if seen[p] {
							continue
						}
						seen[p] = true
						fw, err := zw.Create(p)
						if err != nil {
							return err
						}
						if _, err := fw.Write(file.Content); err != nil {
							return err
						}
					}
				}
			}
		}
	}
	return zw.Close()
}

// returns is each unit's return of form that an export of unit holds, as a
// draft to read: the drafts as they stand (IncludeDrafts, with the
// statuses asked for), or the accepted submissions.
func (x Exporter) returns(ctx context.Context, c *campaign.Campaign, unit string, form *campaign.Form, opt ExportOptions) (map[string]*campaign.Draft, error) {
	out := map[string]*campaign.Draft{}
	if opt.IncludeDrafts {
		want := map[string]bool{}
		for _, s := range opt.statuses() {
			want[s] = true
		}
		for _, u := range descendants(c, unit) {
			if !form.FilledByUnit(u) {
				continue
			}
			drafts, err := x.DB.UnitDrafts(ctx, c.ID, u.Code)
			if err != nil {
				return nil, err
			}
			if d := drafts[form.ID]; d != nil && want[string(d.Status)] {
				out[u.Code] = d
			}
		}
		return out, nil
	}
	picks, err := x.accepted(ctx, c, c.Units[unit], form, opt)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, 0, len(picks))
	for _, p := range picks {
		ids = append(ids, p.ID)
	}
	snaps, err := x.DB.Snapshots(ctx, ids)
	if err != nil {
		return nil, err
	}
	for u, p := range picks {
		d := campaign.DraftOf(c.ID, u, form.ID, snaps[p.ID])
		d.Status = campaign.Status(p.Status)
		out[u] = d
	}
	return out, nil
}
