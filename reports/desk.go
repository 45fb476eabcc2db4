package reports

import (
	"context"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"time"

	"tianbao/campaign"
	"tianbao/catalog"
	"tianbao/dialogs"
	"tianbao/owed"
)

// Desk is the matrix of a unit's subtree for the desk's page: a row per
// unit right below (and the unit itself if it fills forms), a column per
// form (of a standing return, each period open with something left to do,
// oldest first, and the current one), each cell a state; the counts per
// column; late marks; and what the unit itself has not forwarded up.
type Desk struct {
	Unit   DeskUnit     `json:"unit"`
	Path   []DeskUnit   `json:"path"` // from the contact's own unit down to this one
	At     string       `json:"at"`
	Forms  []DeskForm   `json:"forms"`
	Rows   []DeskRow    `json:"rows"`
	Counts []DeskCounts `json:"counts"` // per column
	Late   int          `json:"late"`
	// Owes is what the unit itself owes the unit above it and has not
	// forwarded, where that is ready (已审核未上报) or late.
	Owes []DeskOwed `json:"owes,omitempty"`
}

// DeskOwed is a package the desk's unit has not forwarded.
type DeskOwed struct {
	Form  string `json:"form"`
	Short string `json:"short"`
	State string `json:"state"` // pkg_ready, pkg_none, pkg_returned
	Word  string `json:"word"`
	Due   string `json:"due"`
	Late  bool   `json:"late,omitempty"`
}

// DeskUnit names a unit.
type DeskUnit struct {
	Code   string `json:"code"`
	Name   string `json:"name"`
	Level  string `json:"level"`
	Parent string `json:"parent,omitempty"`
}

// DeskForm is a column: a form (of a standing return, one period).
type DeskForm struct {
	ID    string `json:"id"`
	Short string `json:"short"`
	Title string `json:"title"`
	Due   string `json:"due,omitempty"`
	Past  bool   `json:"past,omitempty"` // the rows' due date has passed
}

// DeskRow is a unit: its cells, and whether it has units below to open.
type DeskRow struct {
	Unit  DeskUnit   `json:"unit"`
	Own   bool       `json:"own,omitempty"` // the unit itself (本级)
	Drill bool       `json:"drill,omitempty"`
	Late  bool       `json:"late,omitempty"`
	Cells []DeskCell `json:"cells"`
}

// DeskCell is where a unit stands on a form: its own form's state, or a
// reporting unit's package (forwarded), in a word and a key for colour.
type DeskCell struct {
	State string `json:"state"` // none, draft, submitted, returned, approved; a package: pkg_none, pkg_ready (已审核未上报), pkg_submitted, pkg_approved, pkg_returned; na
	Word  string `json:"word"`
	Late  bool   `json:"late,omitempty"`
}

// DeskCounts are a column's units per state.
type DeskCounts map[string]int

// Desk builds the matrix of unit's subtree at now.
func (s Summarizer) Desk(ctx context.Context, c *campaign.Campaign, from, unit string, now time.Time) (*Desk, error) {
	top := c.Units[unit]
	if top == nil {
		return nil, fmt.Errorf("desk: unit %s not in campaign %s", unit, c.ID)
	}
	b, err := s.book(ctx, c, unit)
	if err != nil {
		return nil, err
	}
	d := &Desk{Unit: deskUnit(c, top), At: now.In(c.TimeZone).Format("2006年1月2日 15:04")}
	for u := top; u != nil; u = c.Units[u.Parent] {
		d.Path = append([]DeskUnit{deskUnit(c, u)}, d.Path...)
		if u.Code == from {
			break
		}
	}
	forms := b.Columns(top, now)
	for _, f := range forms {
		// Above a column, the date of the units below (the same whoever
		// looks: the county's date on a city's desk, as on the province's
		// drill-down into that city).
		df := DeskForm{ID: f.ID, Short: f.ShortName(), Title: f.Title}
		if len(top.Children) > 0 {
			if child := c.Units[top.Children[0]]; c.Reports(f, child.Level) {
				if due, ok := c.DueFor(child, f); ok {
					df.Due, df.Past = due.In(c.TimeZone).Format("2006年1月2日"), now.After(due)
				}
			}
		}
		d.Forms = append(d.Forms, df)
		d.Counts = append(d.Counts, DeskCounts{})
	}
	rows := []*campaign.Unit{}
	if len(c.FormsForUnit(top)) > 0 {
		rows = append(rows, top)
	}
	for _, code := range top.Children {
		rows = append(rows, c.Units[code])
	}
	for _, u := range rows {
		r := DeskRow{Unit: deskUnit(c, u), Own: u == top, Drill: u != top && len(u.Children) > 0}
		var below []*campaign.Unit // a reporting unit's subtree, late if any of it is
		if r.Drill {
			below = descendants(c, u.Code)
		}
		for i, f := range forms {
			cell := DeskCell{State: "na"}
			switch {
			case r.Drill && c.Owes(u, f).Package:
				// A unit that reports a package: where its 上报 stands,
				// late if it or anything below it is.
				cell.State = b.PackageCell(u, f)
				for _, dd := range below {
					cell.Late = cell.Late || b.IsLate(dd, f, now)
				}
			case f.FilledByUnit(u):
				cell.State = b.Return(u.Code, f.ID)
				for _, it := range b.Late(u, f, now) {
					cell.Late = cell.Late || !it.Package
				}
			}
			cell.Word = catalog.StateName(cell.State)
			r.Late = r.Late || cell.Late || u == top && b.IsLate(u, f, now)
			if cell.State != "na" {
				d.Counts[i][cell.State]++
			}
			r.Cells = append(r.Cells, cell)
		}
		if r.Late {
			d.Late++
		}
		d.Rows = append(d.Rows, r)
	}
	if top.Parent != "" {
		for _, f := range forms {
			for _, it := range b.Owed(top, f) {
				if it.Package && it.HasDue && (it.Status == owed.Ready || it.LateAt(now)) {
					state := "pkg_" + it.Status
					d.Owes = append(d.Owes, DeskOwed{Form: f.ID, Short: f.ShortName(), State: state, Word: catalog.StateName(state),
						Due: it.Due.In(c.TimeZone).Format("2006年1月2日"), Late: it.LateAt(now)})
				}
			}
		}
	}
	return d, nil
}

func deskUnit(c *campaign.Campaign, u *campaign.Unit) DeskUnit {
	return DeskUnit{Code: u.Code, Name: u.Name, Level: c.LevelName(u.Level), Parent: u.Parent}
}

// UnitReturn is one unit's return of one form for the desk's page: laid
// out as the notice's table (its header rows grouped as the notice groups
// them, a 总计 row where the section has one), its history, and what
// changed in its last resubmission.
type UnitReturn struct {
	Unit     DeskUnit      `json:"unit"`
	Form     string        `json:"form"`
	State    string        `json:"state"`
	Word     string        `json:"word"`
	Version  int           `json:"version,omitempty"`
	Sections []ReturnTable `json:"sections"`
	History  []ReturnEvent `json:"history"`
	Changes  []string      `json:"changes,omitempty"`
	Since    int           `json:"since,omitempty"`
	Returned *ReturnNote   `json:"returned,omitempty"` // why, by whom, and what to correct, while it is returned
}

// ReturnNote is a return as its unit reads it: the reason, who returned it
// when, and the items flagged (in the unit's draft, rows deleted since left
// out).
type ReturnNote struct {
	Reason string                `json:"reason"`
	By     string                `json:"by,omitempty"`
	At     string                `json:"at,omitempty"`
	Items  []dialogs.FlaggedItem `json:"items"`
}

// ReturnTable is a section as a table: header cells (with their spans),
// rows of cells.
type ReturnTable struct {
	Title  string         `json:"title,omitempty"`
	Kind   string         `json:"kind"`    // record, list or table: a list's rows are cards on a phone
	Lead   bool           `json:"lead"`    // the first column is 序号 or 项目, not a field
	Labels []string       `json:"columns"` // each field column's name, its groups before it
	Header [][]HeaderCell `json:"header"`
	Rows   [][]string     `json:"rows"`
	Total  []string       `json:"total,omitempty"`
}

// HeaderCell is a header's cell: its text, how many columns and rows it
// spans.
type HeaderCell struct {
	Text    string `json:"text"`
	Colspan int    `json:"colspan,omitempty"`
	Rowspan int    `json:"rowspan,omitempty"`
}

// ReturnEvent is a step of the return's history.
type ReturnEvent struct {
	Version int    `json:"version"`
	Word    string `json:"word"`
	By      string `json:"by,omitempty"`
	At      string `json:"at"`
	Reason  string `json:"reason,omitempty"`
}

// Return builds a unit's return of a form: its latest submission, or its
// draft (d, nil if it has none) where it has no submission.
func (x Exporter) Return(ctx context.Context, c *campaign.Campaign, unit string, f *campaign.Form, d *campaign.Draft) (*UnitReturn, error) {
	u := c.Units[unit]
	if u == nil || f == nil {
		return nil, fmt.Errorf("return: no unit %s or form", unit)
	}
	out := &UnitReturn{Unit: deskUnit(c, u), Form: f.Name(), State: "none"}
	subs, err := x.DB.SubmissionsOf(ctx, c.ID, unit, f.ID)
	if err != nil {
		return nil, err
	}
	var data *campaign.Snapshot
	if n := len(subs); n > 0 {
		latest := subs[n-1]
		out.State, out.Version, data = string(latest.Status), latest.Version, &latest.Data
		if out.State == "withdrawn" {
			out.State = "draft"
		}
		for i := n - 2; i >= 0; i-- {
			if subs[i].Status != dialogs.SubWithdrawn {
				out.Changes, out.Since = dialogs.Diff(f, subs[i].Data, latest.Data), subs[i].Version
				break
			}
		}
		events, err := x.DB.SubmissionHistory(ctx, c.ID, unit, f.ID)
		if err != nil {
			return nil, err
		}
		for _, e := range events {
			out.History = append(out.History, ReturnEvent{Version: e.Version, Word: catalog.StateName(e.Status), By: e.By,
				At: e.At.In(c.TimeZone).Format("1月2日 15:04"), Reason: e.Reason})
		}
		if latest.Status == dialogs.SubReturned {
			note := &ReturnNote{Items: dialogs.Flagged(f, d)}
			for _, e := range events {
				if e.Status == string(dialogs.SubReturned) && e.Version == latest.Version {
					note.Reason, note.At, note.By = e.Reason, e.At.In(c.TimeZone).Format("1月2日 15:04"), e.By
					if by := c.Units[e.ByUnit]; by != nil {
						note.By = strings.TrimSpace(by.Name + " " + e.By)
					}
				}
			}
			if note.Items == nil {
				note.Items = []dialogs.FlaggedItem{}
			}
			out.Returned = note
		}
	}
	if data == nil && d != nil {
		snap := d.Snapshot()
		data, out.State = &snap, "draft"
	}
	out.Word = catalog.StateName(out.State)
	for _, s := range f.Sections {
		out.Sections = append(out.Sections, returnTable(s, data))
	}
	return out, nil
}

// returnTable lays a section out as the notice does.
func returnTable(s *campaign.Section, data *campaign.Snapshot) ReturnTable {
	t := ReturnTable{Title: s.Title, Kind: string(s.Kind), Labels: []string{}}
	var cols []column
	lead := ""
	switch s.Kind {
	case campaign.List:
		lead = catalog.ReportTexts.Seq
	case campaign.Table:
		lead = catalog.ReportTexts.Item
	}
	t.Lead = lead != ""
	for _, col := range s.Columns {
		c := fieldColumn(s, col)
		cols = append(cols, c)
		t.Labels = append(t.Labels, strings.Join(append(append([]string{}, c.groups...), c.label), " · "))
	}
	// The header rows: groups merged across, a label down to the last row.
	depth := headerDepth(cols)
	t.Header = make([][]HeaderCell, depth)
	if lead != "" {
		t.Header[0] = append(t.Header[0], HeaderCell{Text: lead, Rowspan: depth})
	}
	for level := 0; level < depth; level++ {
		for i := 0; i < len(cols); i++ {
			c := cols[i]
			if level < len(c.groups) {
				if i > 0 && sameGroups(cols[i-1], c, level) {
					continue
				}
				span := 1
				for j := i + 1; j < len(cols) && sameGroups(cols[j], c, level); j++ {
					span++
				}
				t.Header[level] = append(t.Header[level], HeaderCell{Text: c.groups[level], Colspan: span})
				continue
			}
			if level == len(c.groups) {
				t.Header[level] = append(t.Header[level], HeaderCell{Text: c.label, Rowspan: depth - level})
			}
		}
	}
	if data == nil {
		return t
	}
	// Totals exactly, from the stored figures.
	sums := make([]*big.Rat, len(cols))
	add := func(key, leadText string, values map[string]string) {
		row := []string{}
		if lead != "" {
			row = append(row, leadText)
		}
		sr := sheetRow{rowKey: key, values: campaign.FitValues(s, values)}
		for i, c := range cols {
			v := c.value(sr)
			text := fmt.Sprint(v.v)
			if fd := s.Columns[i].Field; fd != nil && v.kind != 0 {
				text = sr.values[fd.ID]
				if n, ok := new(big.Rat).SetString(text); ok && !fd.NoSum && !(s.Kind == campaign.Table && s.IsSum(key)) {
					if sums[i] == nil {
						sums[i] = new(big.Rat)
					}
					sums[i].Add(sums[i], n)
				}
			}
			row = append(row, text)
		}
		t.Rows = append(t.Rows, row)
	}
	rows := data.Sections[s.ID]
	switch s.Kind {
	case campaign.Table:
		for _, rk := range s.Rows {
			values := map[string]string{}
			for _, r := range rows {
				if r.Key == rk.Key {
					values = r.Values
				}
			}
			add(rk.Key, rk.Title, values)
		}
	default:
		for i, r := range rows {
			add(r.Key, strconv.Itoa(i+1), r.Values)
		}
	}
	if s.Total && len(rows) > 1 {
		t.Total = []string{catalog.ReportTexts.Total}
		for i := range cols {
			if sums[i] != nil {
				t.Total = append(t.Total, campaign.RatText(sums[i]))
			} else {
				t.Total = append(t.Total, "")
			}
		}
	}
	return t
}

// Timeline is a subtree's progress over time: per day, how many of the
// forms its units fill were in hand (submitted or approved) and approved
// at the day's end, out of how many there are.
type Timeline struct {
	Total int           `json:"total"`
	Days  []TimelineDay `json:"days"`
}

// TimelineDay is one day of a Timeline.
type TimelineDay struct {
	Date      string `json:"date"` // 12-03
	Submitted int    `json:"submitted"`
	Approved  int    `json:"approved"`
}

// maxTimelineDays is how far back a timeline reaches: a campaign's
// weeks, or a period's.
const maxTimelineDays = 120

// Timeline builds unit's subtree's progress over the current forms, from
// the first step taken to now.
func (s Summarizer) Timeline(ctx context.Context, c *campaign.Campaign, unit string, now time.Time) (*Timeline, error) {
	if c.Units[unit] == nil {
		return nil, fmt.Errorf("timeline: unit %s not in campaign %s", unit, c.ID)
	}
	forms := c.Current(now)
	slots := map[[2]string]bool{}
	var formIDs, codes []string
	for _, f := range forms {
		formIDs = append(formIDs, f.ID)
	}
	for _, u := range descendants(c, unit) {
		fills := false
		for _, f := range forms {
			if f.FilledByUnit(u) {
				slots[[2]string{u.Code, f.ID}], fills = true, true
			}
		}
		if fills {
			codes = append(codes, u.Code)
		}
	}
	out := &Timeline{Total: len(slots), Days: []TimelineDay{}}
	if len(slots) == 0 {
		return out, nil
	}
	events, err := s.DB.ProgressEvents(ctx, c.ID, formIDs, codes)
	if err != nil || len(events) == 0 {
		return out, err
	}
	day := func(t time.Time) time.Time {
		y, m, d := t.In(c.TimeZone).Date()
		return time.Date(y, m, d, 0, 0, 0, 0, c.TimeZone)
	}
	first, last := day(events[0].At), day(now)
	if start := last.AddDate(0, 0, -(maxTimelineDays - 1)); first.Before(start) {
		first = start
	}
	state := map[[2]string]string{}
	i := 0
	for d := first; !d.After(last); d = d.AddDate(0, 0, 1) {
		end := d.AddDate(0, 0, 1)
		for ; i < len(events) && events[i].At.Before(end); i++ {
			if k := [2]string{events[i].Unit, events[i].Form}; slots[k] {
				state[k] = events[i].Status
			}
		}
		td := TimelineDay{Date: d.Format("01-02")}
		for _, st := range state {
			switch st {
			case "approved":
				td.Approved++
				td.Submitted++
			case "submitted":
				td.Submitted++
			}
		}
		out.Days = append(out.Days, td)
	}
	return out, nil
}

// DeskTotal is a form's key figures over what the subtree has accepted.
type DeskTotal struct {
	Form string `json:"form"`
	Text string `json:"text"`
}

// Totals are the key figures of the current forms over unit's subtree, as
// /summary's details give them.
func (s Summarizer) Totals(ctx context.Context, c *campaign.Campaign, unit string, now time.Time) ([]DeskTotal, error) {
	top := c.Units[unit]
	if top == nil {
		return nil, fmt.Errorf("totals: unit %s not in campaign %s", unit, c.ID)
	}
	out := []DeskTotal{}
	for _, f := range c.Current(now) {
		text, err := s.totals(ctx, c, top, f)
		if err != nil {
			return nil, err
		}
		if text != "" {
			out = append(out, DeskTotal{Form: f.ShortName(), Text: strings.TrimPrefix(text, catalog.ReportTexts.SummaryTotals)})
		}
	}
	return out, nil
}
