package reports

import (
	"context"
	"fmt"
	"math/big"
	"strings"
	"time"

	"tianbao/campaign"
	"tianbao/catalog"
	"tianbao/dialogs"
	"tianbao/store"
)

// Summarizer writes /summary over a unit's subtree from the database: a
// units × forms matrix that fits a phone, with the details (per form, the
// late units and their contacts, the chart) behind buttons.
type Summarizer struct {
	DB *store.DB
}

var _ dialogs.Summarizer = Summarizer{}

// maxNamed is how many late units a line names before summing up the rest.
const maxNamed = 15

// Details a summary offers behind its buttons.
const (
	DetailForms = "forms" // per form and level: counts, deadlines, the late, totals
	DetailLate  = "late"  // the late units with their contacts, and the units nobody was invited for
)

// states is where every unit of a subtree stands on every form.
type states struct {
	c        *campaign.Campaign
	form     map[[2]string]string    // unit/form: approved, submitted, returned, draft, none
	pkg      map[[2]string]string    // a reporting unit's latest package of a form: submitted, approved, returned, withdrawn
	extended map[[2]string]time.Time // approved extensions' due dates
}

func (s Summarizer) states(ctx context.Context, c *campaign.Campaign, unit string, now time.Time) (*states, error) {
	subtree := descendants(c, unit)
	codes := make([]string, len(subtree))
	for i, u := range subtree {
		codes[i] = u.Code
	}
	rows, err := s.DB.FormStates(ctx, c.ID, codes)
	if err != nil {
		return nil, err
	}
	st := &states{c: c, form: map[[2]string]string{}, pkg: map[[2]string]string{}, extended: map[[2]string]time.Time{}}
	for _, r := range rows {
		switch {
		case dialogs.IsPackage(r.Form):
			continue
		case r.Status == "draft" && !r.Started:
			st.form[[2]string{r.Unit, r.Form}] = "none"
		default:
			st.form[[2]string{r.Unit, r.Form}] = r.Status
		}
	}
	var reporting []string
	for _, u := range subtree {
		if len(u.Children) > 0 && u.Parent != "" {
			reporting = append(reporting, u.Code)
		}
	}
	for _, f := range c.Current(now) {
		if len(reporting) == 0 {
			break
		}
		pkgs, err := s.DB.LatestSubmissions(ctx, c.ID, dialogs.PackageForm(f.ID), reporting, []string{"submitted", "approved", "returned", "withdrawn", "exempt", "not_received"})
		if err != nil {
			return nil, err
		}
		for u, p := range pkgs {
			st.pkg[[2]string{u, f.ID}] = p.Status
		}
	}
	exts, err := s.DB.ApprovedExtensions(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	for _, e := range exts {
		st.extended[[2]string{e.Unit, e.Form}] = campaign.EndOfDay(e.NewDue, c.TimeZone)
	}
	return st, nil
}

func (st *states) of(unit, form string) string {
	if s, ok := st.form[[2]string{unit, form}]; ok {
		return s
	}
	return "none"
}

// due is a unit's due date for a form: its approved extension or its level's.
func (st *states) due(f *campaign.Form, u *campaign.Unit) (time.Time, bool) {
	if d, ok := st.extended[[2]string{u.Code, f.ID}]; ok {
		return d, true
	}
	d, ok := f.Due[u.Level]
	return d, ok
}

// late reports a unit past its due date without having submitted the form.
func (st *states) late(f *campaign.Form, u *campaign.Unit, now time.Time) bool {
	due, ok := st.due(f, u)
	s := st.of(u.Code, f.ID)
	return ok && f.FilledByUnit(u) && now.After(due) && s != "submitted" && s != "approved" && !campaign.Status(s).Marked()
}

// markLegend adds 免报 and 未收到 to a legend where a unit of the subtree
// is marked so.
func (st *states) markLegend() string {
	for _, m := range []map[[2]string]string{st.form, st.pkg} {
		for _, s := range m {
			if campaign.Status(s).Marked() {
				return catalog.Signoff.MatrixLegendMarks
			}
		}
	}
	return ""
}

// symbol is a unit's state on a form as one mark of the matrix.
func symbol(state string) string {
	switch state {
	case "approved", "pkg_approved":
		return "✅"
	case "submitted", "pkg_submitted":
		return "⏳"
	case "returned", "pkg_returned":
		return "↩️"
	case "draft":
		return "📝"
	case "exempt", "pkg_exempt":
		return "⭕"
	case "not_received", "pkg_not_received":
		return "🚫"
	}
	return "⬜"
}

// Summary is the progress of unit's subtree. For a unit that reviews its
// own units (a city): a line per unit with a mark per form. For a unit
// whose units report through packages (the province): a line per such
// unit with its packages' states, what share of its forms are approved, and
// how many are late, with a button to drill down.
func (s Summarizer) Summary(ctx context.Context, c *campaign.Campaign, unit string, now time.Time) (string, [][]dialogs.Button, error) {
	top := c.Units[unit]
	if top == nil {
		return "", nil, fmt.Errorf("summary: unit %s not in campaign %s", unit, c.ID)
	}
	st, err := s.states(ctx, c, unit, now)
	if err != nil {
		return "", nil, err
	}
	t := catalog.ReportTexts
	var b strings.Builder
	fmt.Fprintf(&b, t.SummaryHead, top.Name, now.In(c.TimeZone).Format("2006年1月2日 15:04"))
	var shorts []string
	for _, f := range c.Current(now) {
		shorts = append(shorts, f.ShortName())
	}
	b.WriteString("\n" + fmt.Sprintf(t.MatrixForms, strings.Join(shorts, " · ")))
	var buttons [][]dialogs.Button
	lateUnits, uninvited := 0, 0
	contacts, err := s.DB.UnitContacts(ctx, c.ID, codesOf(descendants(c, unit)))
	if err != nil {
		return "", nil, err
	}
	if hasGrandchildren(c, top) {
		b.WriteString("\n" + t.MatrixLegendPackages + st.markLegend())
		var row []dialogs.Button
		for _, code := range top.Children {
			child := c.Units[code]
			var marks []string
			done, total, late := 0, 0, 0
			for _, f := range c.Current(now) {
				if len(child.Children) == 0 {
					marks = append(marks, markFor(st, f, child))
				} else if pkg, ok := st.pkg[[2]string{code, f.ID}]; ok && fillsBelow(c, f, child) {
					marks = append(marks, symbol("pkg_"+pkg))
				} else if fillsBelow(c, f, child) {
					marks = append(marks, "⬜")
				} else {
					marks = append(marks, "➖")
				}
				for _, u := range descendants(c, code) {
					if !f.FilledByUnit(u) {
						continue
					}
					total++
					if st.of(u.Code, f.ID) == "approved" {
						done++
					}
					if st.late(f, u, now) {
						late++
					}
				}
			}
			line := fmt.Sprintf("\n%s：%s  %d/%d", child.Name, strings.Join(marks, ""), done, total)
			if late > 0 {
				line += fmt.Sprintf(t.MatrixLate, late)
			}
			b.WriteString(line)
			row = append(row, dialogs.Button{Label: child.Name, Data: dialogs.SummaryButton(code)})
			if len(row) == 3 {
				buttons, row = append(buttons, row), nil
			}
		}
		if len(row) > 0 {
			buttons = append(buttons, row)
		}
	} else {
		b.WriteString("\n" + t.MatrixLegend + st.markLegend())
		rows := []*campaign.Unit{top}
		for _, code := range top.Children {
			rows = append(rows, c.Units[code])
		}
		for _, u := range rows {
			if len(c.FormsForUnit(u)) == 0 {
				continue
			}
			var marks []string
			late := false
			for _, f := range c.Current(now) {
				marks = append(marks, markFor(st, f, u))
				late = late || st.late(f, u, now)
			}
			name := u.Name
			if late {
				name = "❗" + name
				lateUnits++
			}
			suffix := ""
			if len(contacts[u.Code]) == 0 {
				suffix = t.MatrixNobody
				uninvited++
			}
			fmt.Fprintf(&b, "\n%s：%s%s", name, strings.Join(marks, ""), suffix)
		}
	}
	if d := nextDue(c, top, now); d != "" {
		b.WriteString("\n" + d)
	}
	if lateUnits > 0 || uninvited > 0 { // in a city's matrix; a province's lines count their own
		b.WriteString("\n" + fmt.Sprintf(t.MatrixLateCount, lateUnits, uninvited))
	}
	buttons = append(buttons,
		[]dialogs.Button{{Label: t.BtnFormDetails, Data: dialogs.DetailButton(unit, DetailForms)}, {Label: t.BtnChart, Data: dialogs.ChartButton(unit)}},
		[]dialogs.Button{{Label: fmt.Sprintf(t.BtnLate, lateUnits), Data: dialogs.DetailButton(unit, DetailLate)}, {Label: t.BtnNudge, Data: dialogs.NudgeButton(unit)}})
	return b.String(), buttons, nil
}

// markFor is one unit's mark on one form: its state, or ➖ where it does
// not fill the form.
func markFor(st *states, f *campaign.Form, u *campaign.Unit) string {
	if !f.FilledByUnit(u) {
		return "➖"
	}
	return symbol(st.of(u.Code, f.ID))
}

// fillsBelow reports whether anyone in u's subtree fills f.
func fillsBelow(c *campaign.Campaign, f *campaign.Form, u *campaign.Unit) bool {
	for _, d := range descendants(c, u.Code) {
		if f.FilledByUnit(d) {
			return true
		}
	}
	return false
}

// nextDue is the line of the deadlines that matter next: each level's
// nearest due date still ahead, with the year (or the last one passed).
func nextDue(c *campaign.Campaign, top *campaign.Unit, now time.Time) string {
	var parts []string
	for _, ld := range c.Levels {
		level := ld.ID
		var best time.Time
		for _, f := range c.Current(now) {
			d, ok := f.Due[level]
			if !ok || !f.FilledBy(level) || !hasLevel(c, top, level) {
				continue
			}
			if best.IsZero() || (d.After(now) && (best.Before(now) || d.Before(best))) || (!d.After(now) && best.Before(now) && d.After(best)) {
				best = d
			}
		}
		if best.IsZero() {
			continue
		}
		day := best.In(c.TimeZone).Format("2006年1月2日")
		left := campaign.DaysLeft(now, best, c.TimeZone)
		switch {
		case left > 0:
			parts = append(parts, fmt.Sprintf(catalog.ReportTexts.DueLevelIn, c.LevelName(level), day, left))
		case left == 0:
			parts = append(parts, fmt.Sprintf(catalog.ReportTexts.DueLevelToday, c.LevelName(level), day))
		default:
			parts = append(parts, fmt.Sprintf(catalog.ReportTexts.DueLevelPast, c.LevelName(level), day, -left))
		}
	}
	return strings.Join(parts, "；")
}

func hasLevel(c *campaign.Campaign, top *campaign.Unit, level campaign.Level) bool {
	for _, u := range descendants(c, top.Code) {
		if u.Level == level {
			return true
		}
	}
	return false
}

// Details is what a summary's buttons open: DetailForms or DetailLate.
func (s Summarizer) Details(ctx context.Context, c *campaign.Campaign, unit, what string, now time.Time) (string, [][]dialogs.Button, error) {
	top := c.Units[unit]
	if top == nil {
		return "", nil, fmt.Errorf("summary: unit %s not in campaign %s", unit, c.ID)
	}
	st, err := s.states(ctx, c, unit, now)
	if err != nil {
		return "", nil, err
	}
	back := [][]dialogs.Button{{{Label: catalog.ReportTexts.BtnBackToSummary, Data: dialogs.SummaryButton(unit)}}}
	switch what {
	case DetailLate:
		text, err := s.lateDetails(ctx, c, top, st, now)
		return text, append([][]dialogs.Button{{{Label: catalog.ReportTexts.BtnNudge, Data: dialogs.NudgeButton(unit)}}}, back...), err
	case DetailForms:
		text, err := s.formDetails(ctx, c, top, st, now)
		return text, back, err
	}
	return "", nil, fmt.Errorf("summary: no detail %q", what)
}

// lateDetails lists the late units, each with its late forms and who to
// call (the contacts' names, the phone the unit gave), and the units that
// have no contact at all.
func (s Summarizer) lateDetails(ctx context.Context, c *campaign.Campaign, top *campaign.Unit, st *states, now time.Time) (string, error) {
	t := catalog.ReportTexts
	units := descendants(c, top.Code)
	info, err := s.DB.UnitContactInfo(ctx, c, codesOf(units))
	if err != nil {
		return "", err
	}
	var b strings.Builder
	fmt.Fprintf(&b, t.LateHead, top.Name, now.In(c.TimeZone).Format("1月2日 15:04"))
	var nobody []string
	n := 0
	for _, u := range units {
		var forms []string
		for _, f := range c.Current(now) {
			if st.late(f, u, now) {
				forms = append(forms, f.ShortName())
			}
		}
		ci := info[u.Code]
		if len(ci.Names) == 0 && len(c.FormsForUnit(u)) > 0 {
			nobody = append(nobody, u.Name)
		}
		if len(forms) == 0 {
			continue
		}
		n++
		who := strings.Join(ci.Names, "、")
		if who == "" {
			who = t.NobodyInvited
		}
		if ci.Phone != "" {
			who += " " + ci.Phone
		}
		fmt.Fprintf(&b, "\n%d. %s（%s）— %s", n, u.Name, strings.Join(forms, "、"), who)
	}
	if n == 0 {
		b.WriteString("\n" + t.NobodyLate)
	}
	if len(nobody) > 0 {
		fmt.Fprintf(&b, "\n\n"+t.Uninvited, len(nobody), strings.Join(nobody, "、"))
	}
	return b.String(), nil
}

// formDetails is, per form and level, how many units are in each state,
// which are late, the deadline, and the totals of what was accepted.
func (s Summarizer) formDetails(ctx context.Context, c *campaign.Campaign, top *campaign.Unit, st *states, now time.Time) (string, error) {
	var b strings.Builder
	fmt.Fprintf(&b, catalog.ReportTexts.SummaryHead, top.Name, now.In(c.TimeZone).Format("2006年1月2日 15:04"))
	subtree := descendants(c, top.Code)
	for _, f := range c.Current(now) {
		var lines []string
		for _, ld := range c.Levels {
			level := ld.ID
			if !f.FilledBy(level) {
				continue
			}
			var group []*campaign.Unit
			for _, u := range subtree {
				if u.Level == level && f.FilledByUnit(u) {
					group = append(group, u)
				}
			}
			if len(group) > 0 {
				lines = append(lines, levelLine(c, f, level, group, st, now)...)
			}
		}
		if len(lines) == 0 {
			continue
		}
		fmt.Fprintf(&b, "\n\n【%s】%s", f.ShortName(), f.Title)
		for _, l := range lines {
			b.WriteString("\n  " + l)
		}
		totals, err := s.totals(ctx, c, top, f)
		if err != nil {
			return "", err
		}
		if totals != "" {
			b.WriteString("\n  " + totals)
		}
	}
	return b.String(), nil
}

// stateOrder is the order states are listed in.
var stateOrder = []string{"approved", "submitted", "returned", "draft", "none", "exempt", "not_received"}

func levelLine(c *campaign.Campaign, f *campaign.Form, level campaign.Level, group []*campaign.Unit, st *states, now time.Time) []string {
	counts := map[string]int{}
	var late []string
	for _, u := range group {
		counts[st.of(u.Code, f.ID)]++
		if st.late(f, u, now) {
			late = append(late, u.Name)
		}
	}
	var parts []string
	for _, s := range stateOrder {
		if counts[s] > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", catalog.StateName(s), counts[s]))
		}
	}
	line := fmt.Sprintf(catalog.ReportTexts.SummaryLevel, c.LevelName(level), strings.Join(parts, " · "), len(group))
	if due, ok := f.Due[level]; ok {
		day := due.In(c.TimeZone).Format("2006年1月2日")
		switch left := campaign.DaysLeft(now, due, c.TimeZone); {
		case left > 0:
			line += fmt.Sprintf(catalog.ReportTexts.SummaryDueIn, day, left)
		case left == 0:
			line += fmt.Sprintf(catalog.ReportTexts.SummaryDueToday, day)
		default:
			line += fmt.Sprintf(catalog.ReportTexts.SummaryDuePast, day, -left)
		}
	}
	out := []string{line}
	if len(late) > 0 {
		named, more := late, ""
		if len(named) > maxNamed {
			named, more = named[:maxNamed], fmt.Sprintf(catalog.ReportTexts.SummaryLateMore, len(late))
		}
		out = append(out, fmt.Sprintf(catalog.ReportTexts.SummaryLate, len(late), strings.Join(named, "、"), more))
	}
	return out
}

// totals are the key figures of a form over what was accepted at top's
// level (as its export holds): sums of total sections, rows of lists.
func (s Summarizer) totals(ctx context.Context, c *campaign.Campaign, top *campaign.Unit, f *campaign.Form) (string, error) {
	counting := false
	for _, sec := range f.Sections {
		counting = counting || sec.Total || sec.Kind == campaign.List
	}
	if !counting {
		return "", nil
	}
	returns, err := (Exporter{DB: s.DB}).returns(ctx, c, top.Code, f, ExportOptions{})
	if err != nil {
		return "", err
	}
	var parts []string
	for _, sec := range f.Sections {
		switch {
		case sec.Kind == campaign.List:
			n := 0
			for _, d := range returns {
				n += len(d.Rows(sec.ID))
			}
			title := sec.Title
			if title != "" {
				title += " "
			}
			parts = append(parts, fmt.Sprintf(catalog.ReportTexts.SummaryRows, title, n, sec.RowNoun))
		case sec.Total:
			for _, fd := range sec.Fields {
				if fd.Type != campaign.Integer && fd.Type != campaign.Decimal {
					continue
				}
				sum := new(big.Rat)
				for _, d := range returns {
					if v, ok := new(big.Rat).SetString(valueOr(d, sec.ID, fd.ID)); ok {
						sum.Add(sum, v)
					}
				}
				parts = append(parts, fmt.Sprintf("%s %s", shortLabel(fd), ratString(sum)))
			}
		}
	}
	return catalog.ReportTexts.SummaryTotals + strings.Join(parts, "，"), nil
}

func valueOr(d *campaign.Draft, section, field string) string {
	if v, ok := d.Value(section, "", field); ok && v != "" {
		return v
	}
	return "0"
}

func shortLabel(fd *campaign.Field) string {
	if fd.Short != "" {
		return fd.Short
	}
	if len(fd.Group) > 0 {
		return fd.Group[len(fd.Group)-1] + fd.Label
	}
	return fd.Label
}

// descendants lists unit and every unit below it, top down.
func descendants(c *campaign.Campaign, unit string) []*campaign.Unit {
	var out []*campaign.Unit
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

func hasGrandchildren(c *campaign.Campaign, u *campaign.Unit) bool {
	for _, k := range u.Children {
		if len(c.Units[k].Children) > 0 {
			return true
		}
	}
	return false
}
