package reports

import (
	"context"
	"fmt"
	"math/big"
	"sort"
	"strings"
	"time"

	"tianbao/campaign"
	"tianbao/catalog"
	"tianbao/dialogs"
	"tianbao/owed"
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

// book is where every unit of unit's subtree stands on what it owes.
func (s Summarizer) book(ctx context.Context, c *campaign.Campaign, unit string) (*owed.Book, error) {
	return owed.Load(ctx, s.DB, c, codesOf(descendants(c, unit)))
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
	case "pkg_ready":
		return "📤"
	case "exempt", "pkg_exempt":
		return "⭕"
	case "not_received", "pkg_not_received":
		return "🚫"
	}
	return "⬜"
}

// markLegend adds 免报 and 未收到 to a legend where a unit of the subtree
// is marked so on one of the forms.
func markLegend(b *owed.Book, units []*campaign.Unit, forms []*campaign.Form) string {
	for _, u := range units {
		for _, f := range forms {
			if campaign.Status(b.Return(u.Code, f.ID)).Marked() || campaign.Status(b.Package(u.Code, f.ID)).Marked() {
				return catalog.Signoff.MatrixLegendMarks
			}
		}
	}
	return ""
}

// lateIn is everything late in units at now on the forms.
func lateIn(b *owed.Book, units []*campaign.Unit, forms []*campaign.Form, now time.Time) map[*campaign.Unit][]owed.Item {
	out := map[*campaign.Unit][]owed.Item{}
	for _, u := range units {
		for _, f := range forms {
			if items := b.Late(u, f, now); len(items) > 0 {
				out[u] = append(out[u], items...)
			}
		}
	}
	return out
}

// owesAny reports whether u owes anything of the forms.
func owesAny(c *campaign.Campaign, u *campaign.Unit, forms []*campaign.Form) bool {
	for _, f := range forms {
		if c.Owes(u, f).Any() {
			return true
		}
	}
	return false
}

// Summary is the progress of unit's subtree. For a unit that reviews its
// own units (a city): a line per unit with a mark per form. For a unit
// whose units report through packages (the province): a line per such
// unit with its packages' states, what share of its forms are approved, and
// how many of its subtree's returns and packages are late, with a button to
// drill down. The forms are the columns of owed.Book.Columns: every period
// of a standing return that is open with something left to do, not only
// the current one.
func (s Summarizer) Summary(ctx context.Context, c *campaign.Campaign, unit string, now time.Time) (string, [][]dialogs.Button, error) {
	top := c.Units[unit]
	if top == nil {
		return "", nil, fmt.Errorf("summary: unit %s not in campaign %s", unit, c.ID)
	}
	b, err := s.book(ctx, c, unit)
	if err != nil {
		return "", nil, err
	}
	t := catalog.ReportTexts
	cols := b.Columns(top, now)
	subtree := descendants(c, unit)
	var out strings.Builder
	fmt.Fprintf(&out, t.SummaryHead, top.Name, now.In(c.TimeZone).Format("2006年1月2日 15:04"))
	var shorts []string
	for _, f := range cols {
		shorts = append(shorts, f.ShortName())
	}
	out.WriteString("\n" + fmt.Sprintf(t.MatrixForms, strings.Join(shorts, " · ")))
	var buttons [][]dialogs.Button
	contacts, err := s.DB.UnitContacts(ctx, c.ID, codesOf(subtree))
	if err != nil {
		return "", nil, err
	}
	late := lateIn(b, subtree, cols, now)
	if hasGrandchildren(c, top) {
		out.WriteString("\n" + t.MatrixLegendPackages + markLegend(b, subtree, cols))
		var row []dialogs.Button
		for _, code := range top.Children {
			child := c.Units[code]
			below := descendants(c, code)
			var marks []string
			done, total, lateItems := 0, 0, 0
			for _, f := range cols {
				switch {
				case len(child.Children) == 0:
					marks = append(marks, markFor(b, f, child))
				case c.Owes(child, f).Package:
					marks = append(marks, symbol(b.PackageCell(child, f)))
				default:
					marks = append(marks, "➖")
				}
				for _, u := range below {
					if !f.FilledByUnit(u) {
						continue
					}
					total++
					if b.Return(u.Code, f.ID) == owed.Approved {
						done++
					}
				}
			}
			for _, u := range below {
				lateItems += len(late[u])
			}
			line := fmt.Sprintf("\n%s：%s  %d/%d", child.Name, strings.Join(marks, ""), done, total)
			if lateItems > 0 {
				line += fmt.Sprintf(t.MatrixLate, lateItems)
			}
			out.WriteString(line)
			row = append(row, dialogs.Button{Label: child.Name, Data: dialogs.SummaryButton(code)})
			if len(row) == 3 {
				buttons, row = append(buttons, row), nil
			}
		}
		if len(row) > 0 {
			buttons = append(buttons, row)
		}
	} else {
		out.WriteString("\n" + t.MatrixLegend + markLegend(b, subtree, cols))
		rows := []*campaign.Unit{top}
		for _, code := range top.Children {
			rows = append(rows, c.Units[code])
		}
		for _, u := range rows {
			if len(c.FormsForUnit(u)) == 0 {
				continue
			}
			var marks []string
			for _, f := range cols {
				marks = append(marks, markFor(b, f, u))
			}
			name := u.Name
			if len(late[u]) > 0 {
				name = "❗" + name
			}
			suffix := ""
			if len(contacts[u.Code]) == 0 {
				suffix = t.MatrixNobody
			}
			fmt.Fprintf(&out, "\n%s：%s%s", name, strings.Join(marks, ""), suffix)
		}
	}
	if line := ownPackages(b, top, cols, now); line != "" {
		out.WriteString("\n" + line)
	}
	for _, line := range deadlines(b, subtree, cols, now) {
		out.WriteString("\n" + line)
	}
	lateUnits, uninvited := 0, 0
	for _, u := range subtree {
		if len(late[u]) > 0 {
			lateUnits++
		}
		if len(contacts[u.Code]) == 0 && u != top && owesAny(c, u, cols) {
			uninvited++
		}
	}
	if lateUnits > 0 || uninvited > 0 {
		out.WriteString("\n" + fmt.Sprintf(t.MatrixLateCount, lateUnits, uninvited))
	}
	buttons = append(buttons,
		[]dialogs.Button{{Label: t.BtnFormDetails, Data: dialogs.DetailButton(unit, DetailForms)}, {Label: t.BtnChart, Data: dialogs.ChartButton(unit)}},
		[]dialogs.Button{{Label: fmt.Sprintf(t.BtnLate, lateUnits), Data: dialogs.DetailButton(unit, DetailLate)}, {Label: t.BtnNudge, Data: dialogs.NudgeButton(unit)}})
	return out.String(), buttons, nil
}

// markFor is one unit's mark on one form: its own return's state, or ➖
// where it does not fill the form.
func markFor(b *owed.Book, f *campaign.Form, u *campaign.Unit) string {
	if !f.FilledByUnit(u) {
		return "➖"
	}
	return symbol(b.Return(u.Code, f.ID))
}

// ownPackages is the line of what top itself has not forwarded to the unit
// above it, where that is ready (已审核未上报) or late: its own lateness, which
// its matrix of the units below does not show.
func ownPackages(b *owed.Book, top *campaign.Unit, cols []*campaign.Form, now time.Time) string {
	c := b.Campaign()
	parent := c.Units[top.Parent]
	if parent == nil {
		return ""
	}
	t := catalog.LateTexts
	// Grouped by state and date: 附件1、附件2 未上报（截止 …）.
	type group struct {
		status string
		due    time.Time
	}
	var order []group
	forms := map[group][]*campaign.Form{}
	for _, f := range cols {
		for _, it := range b.Owed(top, f) {
			if !it.Package || !it.HasDue || it.Status != owed.Ready && !it.LateAt(now) {
				continue
			}
			g := group{it.Status, it.Due}
			if _, ok := forms[g]; !ok {
				order = append(order, g)
			}
			forms[g] = append(forms[g], f)
		}
	}
	var parts []string
	for _, g := range order {
		late := ""
		if now.After(g.due) {
			late = fmt.Sprintf(t.LateDays, -campaign.DaysLeft(now, g.due, c.TimeZone))
		}
		parts = append(parts, fmt.Sprintf(t.OwnPackage, owed.FormList(forms[g]), packageWord(g.status), g.due.In(c.TimeZone).Format("2006年1月2日"), late))
	}
	if len(parts) == 0 {
		return ""
	}
	return fmt.Sprintf(t.OwnPackages, parent.Name, strings.Join(parts, "；"))
}

// packageWord is a package's state in a word.
func packageWord(status string) string {
	switch status {
	case owed.Ready:
		return catalog.LateTexts.PackageReadyTag
	case owed.Returned:
		return catalog.LateTexts.PackageReturnedTag
	}
	return catalog.LateTexts.PackageTag
}

// deadlines are the lines of the dates that matter, one per level of the
// subtree, each naming its forms: the dates still ahead, and those passed
// while a unit of the level still owes something of them.
func deadlines(b *owed.Book, subtree []*campaign.Unit, cols []*campaign.Form, now time.Time) []string {
	c := b.Campaign()
	t := catalog.LateTexts
	var lines []string
	for _, ld := range c.Levels {
		var units []*campaign.Unit
		for _, u := range subtree {
			if u.Level == ld.ID {
				units = append(units, u)
			}
		}
		if len(units) == 0 {
			continue
		}
		var days []time.Time
		forms := map[time.Time][]*campaign.Form{}
		for _, f := range cols {
			if !c.Reports(f, ld.ID) || !owesAt(c, units, f) {
				continue
			}
			d, ok := c.DueFor(units[0], f)
			if !ok {
				continue
			}
			if !d.After(now) && !owedAt(b, units, f) {
				continue
			}
			if _, seen := forms[d]; !seen {
				days = append(days, d)
			}
			forms[d] = append(forms[d], f)
		}
		sort.Slice(days, func(i, j int) bool { return days[i].Before(days[j]) })
		var parts []string
		for _, d := range days {
			names, day := owed.FormList(forms[d]), d.In(c.TimeZone).Format("2006年1月2日")
			switch left := campaign.DaysLeft(now, d, c.TimeZone); {
			case left > 0:
				parts = append(parts, fmt.Sprintf(t.DeadlineIn, names, day, left))
			case left == 0:
				parts = append(parts, fmt.Sprintf(t.DeadlineToday, names, day))
			default:
				parts = append(parts, fmt.Sprintf(t.DeadlinePast, names, day, -left))
			}
		}
		if len(parts) > 0 {
			lines = append(lines, fmt.Sprintf(t.DeadlineLevel, c.LevelName(ld.ID), strings.Join(parts, "；")))
		}
	}
	return lines
}

// owesAt reports whether any of the units owes f at all.
func owesAt(c *campaign.Campaign, units []*campaign.Unit, f *campaign.Form) bool {
	for _, u := range units {
		if c.Owes(u, f).Any() {
			return true
		}
	}
	return false
}

// owedAt reports whether any of the units still owes something of f.
func owedAt(b *owed.Book, units []*campaign.Unit, f *campaign.Form) bool {
	for _, u := range units {
		if len(b.Owed(u, f)) > 0 {
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
	b, err := s.book(ctx, c, unit)
	if err != nil {
		return "", nil, err
	}
	back := [][]dialogs.Button{{{Label: catalog.ReportTexts.BtnBackToSummary, Data: dialogs.SummaryButton(unit)}}}
	switch what {
	case DetailLate:
		text, err := s.lateDetails(ctx, b, top, now)
		return text, append([][]dialogs.Button{{{Label: catalog.ReportTexts.BtnNudge, Data: dialogs.NudgeButton(unit)}}}, back...), err
	case DetailForms:
		text, err := s.formDetails(ctx, b, top, now)
		return text, back, err
	}
	return "", nil, fmt.Errorf("summary: no detail %q", what)
}

// maxLateLines bounds the lines of a late list: past them, a count.
const maxLateLines = 40

// lateDetails lists what is late in top's subtree and whom to call: for a
// unit whose units report through packages (the province), a line per unit
// right below with what it has not forwarded or returned itself, and the
// late units below it named on a second line; otherwise a line per late
// unit with its late forms. The units nobody was invited for are named
// apart, the late ones with what they owe, the others after them.
func (s Summarizer) lateDetails(ctx context.Context, b *owed.Book, top *campaign.Unit, now time.Time) (string, error) {
	c := b.Campaign()
	t, lt := catalog.ReportTexts, catalog.LateTexts
	subtree := descendants(c, top.Code)
	cols := b.Columns(top, now)
	late := lateIn(b, subtree, cols, now)
	info, err := s.DB.UnitContactInfo(ctx, c, codesOf(subtree))
	if err != nil {
		return "", err
	}
	var out strings.Builder
	fmt.Fprintf(&out, t.LateHead, top.Name, now.In(c.TimeZone).Format("1月2日 15:04"))
	who := func(u *campaign.Unit) string {
		ci := info[u.Code]
		w := strings.Join(ci.Names, "、")
		if ci.Phone != "" {
			w += " " + ci.Phone
		}
		return w
	}
	days := func(items []owed.Item) string {
		if d := owed.MostDaysLate(items, now, c.TimeZone); d > 0 {
			return fmt.Sprintf(lt.DigestLate, d)
		}
		return ""
	}
	var nobody []owed.Named
	var uninvited []string
	n, lines := 0, 0
	line := func(format string, args ...any) {
		if lines < maxLateLines {
			fmt.Fprintf(&out, format, args...)
		}
		lines++
	}
	var units []*campaign.Unit
	if hasGrandchildren(c, top) {
		if len(late[top]) > 0 {
			units = append(units, top)
		}
		for _, code := range top.Children {
			units = append(units, c.Units[code])
		}
	} else {
		units = subtree
	}
	for _, u := range units {
		var below []string
		if u != top && len(u.Children) > 0 {
			for _, d := range descendants(c, u.Code)[1:] {
				if len(late[d]) > 0 {
					below = append(below, d.Name)
				}
			}
		}
		items := late[u]
		switch {
		case len(items) > 0 && len(info[u.Code].Names) == 0:
			nobody = append(nobody, owed.Named{Name: u.Name, Owes: owed.Describe(items)})
		case len(items) > 0:
			n++
			line(lt.LateLine, n, u.Name, owed.Describe(items), days(items), who(u))
		case len(below) > 0:
			n++
			line(lt.LateBelowOnly, n, u.Name, len(below), names(below, maxNamed))
			below = nil
		}
		if len(below) > 0 {
			line(lt.LateBelow, len(below), names(below, maxNamed))
		}
	}
	if lines > maxLateLines {
		fmt.Fprintf(&out, lt.LateMore, lines-maxLateLines)
	}
	if n == 0 && len(nobody) == 0 {
		out.WriteString("\n" + t.NobodyLate)
	}
	if len(nobody) > 0 {
		fmt.Fprintf(&out, lt.LateUninvited, len(nobody), owed.Grouped(nobody, 3*maxNamed, t.SummaryLateMore))
	}
	for _, u := range subtree {
		if u != top && len(late[u]) == 0 && len(info[u.Code].Names) == 0 && owesAny(c, u, cols) {
			uninvited = append(uninvited, u.Name)
		}
	}
	if len(uninvited) > 0 {
		fmt.Fprintf(&out, lt.UninvitedOnly, len(uninvited), names(uninvited, 3*maxNamed))
	}
	return out.String(), nil
}

// names lists up to n names, then 等 N 个.
func names(list []string, n int) string {
	if len(list) <= n {
		return strings.Join(list, "、")
	}
	return strings.Join(list[:n], "、") + fmt.Sprintf(catalog.ReportTexts.SummaryLateMore, len(list))
}

// formDetails is, per form and level, how many units are in each state,
// which are late, the deadline, and the totals of what was accepted; for a
// level that forwards the form, where its packages stand.
func (s Summarizer) formDetails(ctx context.Context, b *owed.Book, top *campaign.Unit, now time.Time) (string, error) {
	c := b.Campaign()
	var out strings.Builder
	fmt.Fprintf(&out, catalog.ReportTexts.SummaryHead, top.Name, now.In(c.TimeZone).Format("2006年1月2日 15:04"))
	subtree := descendants(c, top.Code)
	for _, f := range b.Columns(top, now) {
		var lines []string
		for _, ld := range c.Levels {
			level := ld.ID
			var group, packagers []*campaign.Unit
			for _, u := range subtree {
				if u.Level != level {
					continue
				}
				if f.FilledByUnit(u) {
					group = append(group, u)
				}
				if c.Owes(u, f).Package {
					packagers = append(packagers, u)
				}
			}
			if len(group) > 0 {
				lines = append(lines, levelLine(b, f, level, group, now)...)
			}
			if len(packagers) > 0 {
				lines = append(lines, packageLine(b, f, level, packagers, now)...)
			}
		}
		if len(lines) == 0 {
			continue
		}
		fmt.Fprintf(&out, "\n\n【%s】%s", f.ShortName(), f.Title)
		for _, l := range lines {
			out.WriteString("\n  " + l)
		}
		totals, err := s.totals(ctx, c, top, f)
		if err != nil {
			return "", err
		}
		if totals != "" {
			out.WriteString("\n  " + totals)
		}
	}
	return out.String(), nil
}

// stateOrder is the order states are listed in.
var stateOrder = []string{"approved", "submitted", "returned", "draft", "none", "exempt", "not_received"}

// packageOrder is the order packages' states are listed in.
var packageOrder = []string{"pkg_approved", "pkg_submitted", "pkg_returned", "pkg_ready", "pkg_none", "pkg_exempt", "pkg_not_received"}

func levelLine(b *owed.Book, f *campaign.Form, level campaign.Level, group []*campaign.Unit, now time.Time) []string {
	c := b.Campaign()
	counts := map[string]int{}
	var late []string
	for _, u := range group {
		counts[b.Return(u.Code, f.ID)]++
		for _, it := range b.Late(u, f, now) {
			if !it.Package {
				late = append(late, u.Name)
			}
		}
	}
	line := fmt.Sprintf(catalog.ReportTexts.SummaryLevel, c.LevelName(level), countWords(stateOrder, counts), len(group)) + dueWords(c, f, group[0], now)
	return append([]string{line}, lateLine(late)...)
}

// countWords says how many units are in each state, in order, leaving out
// the states nobody is in: "已通过 3 · 待审核 1".
func countWords(order []string, counts map[string]int) string {
	var parts []string
	for _, s := range order {
		if counts[s] > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", catalog.StateName(s), counts[s]))
		}
	}
	return strings.Join(parts, " · ")
}

// packageLine is where the packages of a level's units stand: how many in
// each state, the date, and the late.
func packageLine(b *owed.Book, f *campaign.Form, level campaign.Level, group []*campaign.Unit, now time.Time) []string {
	c := b.Campaign()
	counts := map[string]int{}
	var late []string
	for _, u := range group {
		counts[b.PackageCell(u, f)]++
		items := b.Late(u, f, now)
		if len(items) == 1 && items[0].Package { // a unit late with its own return is named on that line
			late = append(late, u.Name)
		}
	}
	line := fmt.Sprintf(catalog.LateTexts.PackageLevel, c.LevelName(level), countWords(packageOrder, counts), len(group)) + dueWords(c, f, group[0], now)
	return append([]string{line}, lateLine(late)...)
}

// dueWords is a level's date for a form and how far it is.
func dueWords(c *campaign.Campaign, f *campaign.Form, u *campaign.Unit, now time.Time) string {
	due, ok := c.DueFor(u, f)
	if !ok {
		return ""
	}
	day := due.In(c.TimeZone).Format("2006年1月2日")
	switch left := campaign.DaysLeft(now, due, c.TimeZone); {
	case left > 0:
		return fmt.Sprintf(catalog.ReportTexts.SummaryDueIn, day, left)
	case left == 0:
		return fmt.Sprintf(catalog.ReportTexts.SummaryDueToday, day)
	default:
		return fmt.Sprintf(catalog.ReportTexts.SummaryDuePast, day, -left)
	}
}

// lateLine names the late units of a line, up to maxNamed.
func lateLine(late []string) []string {
	if len(late) == 0 {
		return nil
	}
	named, more := late, ""
	if len(named) > maxNamed {
		named, more = named[:maxNamed], fmt.Sprintf(catalog.ReportTexts.SummaryLateMore, len(late))
	}
	return []string{fmt.Sprintf(catalog.ReportTexts.SummaryLate, len(late), strings.Join(named, "、"), more)}
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
				if fd.Type != campaign.Integer && fd.Type != campaign.Decimal || fd.NoSum {
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
