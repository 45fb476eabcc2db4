package reports

import (
	"context"
	"encoding/json"
	"strconv"

	"tianbao/campaign"
	"tianbao/dialogs"
	"tianbao/store"
)

// What an export holds, by default: what was accepted at the level of the
// unit exported, never what a draft holds now. For a unit's own rows and
// those of the units it reviews (a city's counties) that is their approved
// submissions; for units below that report through packages (the cities
// under a province) it is exactly the versions their latest forwarded
// package carries, whatever became of the drafts since. With
// IncludeDrafts, the drafts as they stand.

// Package states of a forwarded package, as an export labels its rows.
const (
	statePackageWaiting  = "pkg_submitted"
	statePackageApproved = "pkg_approved"
)

// accepted is, per unit that fills form, the submission an export of top
// shows.
func (x Exporter) accepted(ctx context.Context, c *campaign.Campaign, top *campaign.Unit, form *campaign.Form, opt ExportOptions) (map[string]store.SubmissionRef, error) {
	out := map[string]store.SubmissionRef{}
	if opt.Package != 0 {
		pkg, pform, err := x.DB.PackageByID(ctx, opt.Package)
		if err != nil {
			return nil, err
		}
		if pform == dialogs.PackageForm(form.ID) {
			carry(out, pkg, string(dialogs.SubApproved))
		}
		return out, nil
	}
	var reviewed, reporting []string
	if form.FilledByUnit(top) {
		reviewed = append(reviewed, top.Code)
	}
	for _, code := range top.Children {
		switch ch := c.Units[code]; {
		case len(ch.Children) > 0:
			reporting = append(reporting, code)
		case form.FilledByUnit(ch):
			reviewed = append(reviewed, code)
		}
	}
	if len(reviewed) > 0 {
		subs, err := x.DB.LatestSubmissions(ctx, c.ID, form.ID, reviewed, []string{string(dialogs.SubApproved)})
		if err != nil {
			return nil, err
		}
		for unit, s := range subs {
			out[unit] = s
		}
	}
	if len(reporting) > 0 {
		pkgs, err := x.DB.LatestSubmissions(ctx, c.ID, dialogs.PackageForm(form.ID), reporting,
			[]string{string(dialogs.SubSubmitted), string(dialogs.SubApproved)})
		if err != nil {
			return nil, err
		}
		for _, p := range pkgs {
			state := statePackageWaiting
			if p.Status == string(dialogs.SubApproved) {
				state = statePackageApproved
			}
			carry(out, p, state)
		}
	}
	return out, nil
}

// carry adds what a package carries, each unit labelled with state.
func carry(out map[string]store.SubmissionRef, pkg store.SubmissionRef, state string) {
	var snap campaign.Snapshot
	if err := json.Unmarshal(pkg.Data, &snap); err != nil {
		return
	}
	for _, r := range snap.Sections["units"] {
		id, _ := strconv.ParseInt(r.Values["submission"], 10, 64)
		v, _ := strconv.Atoi(r.Values["version"])
		out[r.Key] = store.SubmissionRef{Unit: r.Key, ID: id, Version: v, Status: state}
	}
}

// rows streams one section's rows of the fillers, in their order, from the
// drafts (IncludeDrafts) or from the accepted submissions.
func (x Exporter) rows(ctx context.Context, c *campaign.Campaign, form *campaign.Form, section string, fillers []*campaign.Unit,
	opt ExportOptions, picks map[string]store.SubmissionRef, each func(store.ExportRow) error) error {
	// An answer that no longer fits its field (the campaign file was
	// revised) is not exported under it.
	fn := each
	if s := form.Section(section); s != nil {
		fn = func(r store.ExportRow) error {
			r.Values = campaign.FitValues(s, r.Values)
			return each(r)
		}
	}
	if opt.tmpl != nil {
		return opt.tmpl.each(section, each) // the template's cells, as they are
	}
	if opt.IncludeDrafts {
		return x.DB.ExportRows(ctx, c.ID, form.ID, section, codesOf(fillers), opt.statuses(), fn)
	}
	var ids []int64
	for _, u := range fillers {
		if p, ok := picks[u.Code]; ok {
			ids = append(ids, p.ID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	return x.DB.SnapshotRows(ctx, section, ids, "", func(r store.ExportRow) error {
		r.Status = picks[r.Unit].Status
		return fn(r)
	})
}

// picksFor is accepted, or nothing to pick with drafts included.
func (x Exporter) picksFor(ctx context.Context, c *campaign.Campaign, top *campaign.Unit, form *campaign.Form, opt ExportOptions) (map[string]store.SubmissionRef, error) {
	if opt.IncludeDrafts || opt.tmpl != nil {
		return nil, nil
	}
	return x.accepted(ctx, c, top, form, opt)
}
