package reports

import (
	"context"
	"fmt"
	"strings"
	"time"

	"tianbao/dialogs"
	"tianbao/store"
)

// Summarizer writes /summary over a unit's subtree from the database.
type Summarizer struct {
	DB *store.DB
}

var _ dialogs.Summarizer = Summarizer{}

// stateOrder is the order states are listed in.
var stateOrder = []string{"approved", "submitted", "returned", "draft", "none"}

// counted are the statuses whose data enters the totals.
var counted = []string{"submitted", "approved"}

// maxNamed is how many late units a line names before summing up the rest.
const maxNamed = 15

// Summary is the progress of unit's subtree: per form, how many units are in
// each state, which are late, key totals, the deadline; for a unit whose
// children have children (the province), one line per child with a button
// to drill down.
func (s Summarizer) Summary(ctx context.Context, c *dialogs.Campaign, unit string, now time.Time) (string, [][]dialogs.Button, error) {
	top := c.Units[unit]
	if top == nil {
		return "", nil, fmt.Errorf("summary: unit %s not in campaign %s", unit, c.ID)
	}
	subtree := descendants(c, unit)
	codes := make([]string, len(subtree))
	for i, u := range subtree {
		codes[i] = u.Code
	}
	rows, err := s.DB.FormStates(ctx, c.ID, codes)
	if err != nil {
		return "", nil, err
	}
	state := map[[2]string]string{}
	for _, r := range rows {
		st := r.Status
		if st == "draft" && !r.Started {
			st = "none"
		}
		state[[2]string{r.Unit, r.Form}] = st
	}
	exts, err := s.DB.ApprovedExtensions(ctx, c.ID)
	if err != nil {
		return "", nil, err
	}
	extended := map[[2]string]time.Time{}
	for _, e := range exts {
		extended[[2]string{e.Unit, e.Form}] = dialogs.EndOfDay(e.NewDue, c.TimeZone)
	}
	isLate := func(f *dialogs.Form, u *dialogs.Unit, st string, now time.Time) bool {
		due, ok := f.Due[u.Level]
		if d, ext := extended[[2]string{u.Code, f.ID}]; ext {
			due, ok = d, true
		}
		return ok && now.After(due) && st != "submitted" && st != "approved"
	}
	stateOf := func(u, f string) string {
		if st, ok := state[[2]string{u, f}]; ok {
			return st
		}
		return "none"
	}
	var b strings.Builder
	fmt.Fprintf(&b, dialogs.ReportTexts.SummaryHead, top.Name, now.In(c.TimeZone).Format("2006年1月2日 15:04"))
	for _, f := range c.Forms {
		var lines []string
		for _, level := range dialogs.Levels {
			if !f.FilledBy(level) {
				continue
			}
			var group []*dialogs.Unit
			for _, u := range subtree {
				if u.Level == level {
					group = append(group, u)
				}
			}
			if len(group) == 0 {
				continue
			}
			lines = append(lines, levelLine(c, f, level, group, stateOf, isLate, now)...)
		}
		if len(lines) == 0 {
			continue
		}
		fmt.Fprintf(&b, "\n\n【%s】%s", f.Short, f.Title)
		for _, l := range lines {
			b.WriteString("\n  " + l)
		}
		totals, err := s.totals(ctx, c, f, codes)
		if err != nil {
			return "", nil, err
		}
		if totals != "" {
			b.WriteString("\n  " + totals)
		}
	}
	var buttons [][]dialogs.Button
	if hasGrandchildren(c, top) {
		fmt.Fprintf(&b, dialogs.ReportTexts.SummaryChildren, c.Units[top.Children[0]].Level.Name())
		for _, code := range top.Children {
			child := c.Units[code]
			done, total, late := 0, 0, 0
			for _, u := range descendants(c, code) {
				for _, f := range c.Forms {
					if !f.FilledBy(u.Level) {
						continue
					}
					total++
					st := stateOf(u.Code, f.ID)
					if st == "approved" {
						done++
					}
					if isLate(f, u, st, now) {
						late++
					}
				}
			}
			line := fmt.Sprintf(dialogs.ReportTexts.SummaryChild, child.Name, done, total)
			if late > 0 {
				line += fmt.Sprintf(dialogs.ReportTexts.SummaryChildLate, late)
			}
			b.WriteString(line)
			if len(buttons) < 90 {
				buttons = append(buttons, []dialogs.Button{{Label: child.Name, Data: dialogs.SummaryButton(code)}})
			}
		}
	}
	return b.String(), buttons, nil
}

func levelLine(c *dialogs.Campaign, f *dialogs.Form, level dialogs.Level, group []*dialogs.Unit, stateOf func(u, f string) string,
	isLate func(*dialogs.Form, *dialogs.Unit, string, time.Time) bool, now time.Time) []string {
	counts := map[string]int{}
	var late []string
	for _, u := range group {
		st := stateOf(u.Code, f.ID)
		counts[st]++
		if isLate(f, u, st, now) {
			late = append(late, u.Name)
		}
	}
	var parts []string
	for _, st := range stateOrder {
		if counts[st] > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", dialogs.StateName(st), counts[st]))
		}
	}
	line := fmt.Sprintf(dialogs.ReportTexts.SummaryLevel, level.Name(), strings.Join(parts, " · "), len(group))
	if due, ok := f.Due[level]; ok {
		day := due.In(c.TimeZone).Format("1月2日")
		switch left := dialogs.DaysLeft(now, due, c.TimeZone); {
		case left > 0:
			line += fmt.Sprintf(dialogs.ReportTexts.SummaryDueIn, day, left)
		case left == 0:
			line += fmt.Sprintf(dialogs.ReportTexts.SummaryDueToday, day)
		default:
			line += fmt.Sprintf(dialogs.ReportTexts.SummaryDuePast, day, -left)
		}
	}
	out := []string{line}
	if len(late) > 0 {
		named := late
		more := ""
		if len(named) > maxNamed {
			named, more = named[:maxNamed], fmt.Sprintf(dialogs.ReportTexts.SummaryLateMore, len(late))
		}
		out = append(out, fmt.Sprintf(dialogs.ReportTexts.SummaryLate, len(late), strings.Join(named, "、"), more))
	}
	return out
}

// totals are the key figures of a form over what was submitted: sums of
// total sections, rows of list sections.
func (s Summarizer) totals(ctx context.Context, c *dialogs.Campaign, f *dialogs.Form, units []string) (string, error) {
	var parts []string
	hasTotal, hasList := false, false
	for _, sec := range f.Sections {
		hasTotal = hasTotal || sec.Total
		hasList = hasList || sec.Kind == dialogs.List
	}
	if hasTotal {
		sums, err := s.DB.FieldSums(ctx, c.ID, f.ID, units, counted)
		if err != nil {
			return "", err
		}
		for _, sec := range f.Sections {
			if !sec.Total {
				continue
			}
			for _, fd := range sec.Fields {
				if fd.Type == dialogs.Integer || fd.Type == dialogs.Decimal {
					parts = append(parts, fmt.Sprintf("%s %s", shortLabel(fd), store.FormatNumber(round2(sums[sec.ID+"/"+fd.ID]))))
				}
			}
		}
	}
	if hasList {
		counts, err := s.DB.RowCounts(ctx, c.ID, f.ID, units, counted)
		if err != nil {
			return "", err
		}
		for _, sec := range f.Sections {
			if sec.Kind == dialogs.List {
				title := sec.Title
				if title != "" {
					title += " "
				}
				parts = append(parts, fmt.Sprintf(dialogs.ReportTexts.SummaryRows, title, counts[sec.ID], sec.RowNoun))
			}
		}
	}
	if len(parts) == 0 {
		return "", nil
	}
	return dialogs.ReportTexts.SummaryTotals + strings.Join(parts, "，"), nil
}

func shortLabel(fd *dialogs.Field) string {
	if len(fd.Group) > 0 {
		return fd.Group[len(fd.Group)-1] + fd.Label
	}
	return fd.Label
}

func round2(v float64) float64 {
	return float64(int64(v*100+0.5)) / 100
}

// descendants lists unit and every unit below it, top down.
func descendants(c *dialogs.Campaign, unit string) []*dialogs.Unit {
	var out []*dialogs.Unit
	var walk func(code string)
	walk = func(code string) {
		u := c.Units[code]
		out = append(out, u)
		for _, k := range u.Children {
			walk(k)
		}
	}
	walk(unit)
	return out
}

func hasGrandchildren(c *dialogs.Campaign, u *dialogs.Unit) bool {
	for _, k := range u.Children {
		if len(c.Units[k].Children) > 0 {
			return true
		}
	}
	return false
}
