package dialogs

import (
	"fmt"
	"math/big"
	"strconv"
	"strings"

	"tianbao/campaign"
)

// A city forwards (上报) each form to the province as a package: its own
// approved rows and its counties' approved ones. A package is stored as a
// submission of the city for the form "pkg:<form>", listing the units it
// carries; the province approves or returns it like any submission.
const (
	packagePrefix  = "pkg:"
	forwardPrefix  = "fw:" // fw:<form>, a city reviewer's 上报 button
	withdrawPrefix = "fx:" // fx:<form>, takes back a forwarded package nobody decided
	reopenPrefix   = "ro:" // ro:<package>:<unit>, passes a returned package on to a unit
)

// IsPackage reports whether a submission's form names a city package.
func IsPackage(form string) bool { return strings.HasPrefix(form, packagePrefix) }

// packageForm is the form a package carries (or the form itself).
func packageForm(form string) string { return strings.TrimPrefix(form, packagePrefix) }

// PackageForm is the submission form id of form's package.
func PackageForm(form string) string { return packagePrefix + form }

// ForwardButton is the data of a 📤 上报 button of form: it forwards the
// package when it is ready, else shows /forward with what is missing.
func ForwardButton(form string) string { return forwardPrefix + form }

// readiness is how far a unit's package of a form is from being
// forwarded: each unit it would carry (its own, the units it reviews, and
// what the units below it forwarded to it), and the package it last sent.
type readiness struct {
	approved, total int
	notSubmitted    []string // names of units that have not submitted
	waiting         []string // submitted, waiting for this unit's review
	carried         []carriedUnit
	latest          *Submission
	// markable are the units below this one that can be marked 免报 or
	// 未收到 (their form or package not in); marked those that are, with
	// their marks, which the package carries in their place.
	markable []*campaign.Unit
	marked   []markedUnit
}

// markedUnit is a unit below marked 免报 or 未收到.
type markedUnit struct {
	Unit *campaign.Unit
	Sub  *Submission
}

// ready reports whether the package can go up now.
func (r *readiness) ready() bool {
	return r.total > 0 && r.approved+len(r.marked) == r.total && r.open()
}

// open reports whether the package is with this unit: never forwarded, or
// returned or withdrawn since.
func (r *readiness) open() bool {
	return r.latest == nil || r.latest.Status == SubReturned || r.latest.Status == SubWithdrawn
}

func (t *turn) packageReadiness(f *campaign.Form) (*readiness, error) {
	r := &readiness{}
	// What the package carries is campaign.Carries: the unit's own return,
	// and of each unit right below its package (what it carries goes up
	// with this one, once approved here) or else its return.
	for _, k := range t.camp.Carries(t.unit, f) {
		u, form := k.Unit, f.ID
		if k.Package {
			form = PackageForm(f.ID)
		}
		sub, err := t.tx.LatestSubmission(t.ctx, t.c.Campaign, u.Code, form)
		if err != nil {
			return nil, err
		}
		r.total++
		switch {
		case sub != nil && sub.Status == SubApproved && IsPackage(form):
			r.approved++
			r.carried = append(r.carried, carriedOf(sub)...)
		case sub != nil && sub.Status == SubApproved:
			r.approved++
			r.carried = append(r.carried, carriedUnit{Unit: u.Code, Submission: sub.ID, Version: sub.Version})
		case sub != nil && sub.Status.accepted():
			// Marked by this unit: carried as the mark, in the unit's place.
			r.marked = append(r.marked, markedUnit{Unit: u, Sub: sub})
			r.carried = append(r.carried, carriedUnit{Unit: u.Code, Submission: sub.ID, Version: sub.Version, Mark: sub.Status})
		case sub != nil && sub.Status == SubSubmitted:
			r.waiting = append(r.waiting, u.Name)
		default:
			r.notSubmitted = append(r.notSubmitted, u.Name)
			if u != t.unit {
				r.markable = append(r.markable, u)
			}
		}
	}
	var err error
	r.latest, err = t.tx.LatestSubmission(t.ctx, t.c.Campaign, t.c.Unit, PackageForm(f.ID))
	return r, err
}

// canForward: a reviewer (or admin) of a unit that has units below it and a
// unit above it — a city.
func (t *turn) canForward() bool {
	return t.reviews() && len(t.unit.Children) > 0 && t.unit.Parent != ""
}

// forwardMenu (/forward) shows each form's package: how many are approved,
// who has not submitted and who waits for review (named, 等 N 个 past a
// few), and where the last package stands, with 上报 for those ready, 撤回
// for one nobody above has decided, and for a returned one the reason and
// a button per flagged unit to pass it on.
func (t *turn) forwardMenu() error {
	if !t.canForward() {
		t.note(msg.CannotForward)
		return t.show()
	}
	var b strings.Builder
	b.WriteString(fmt.Sprintf(msg.ForwardIntro, t.unit.Name, t.camp.Units[t.unit.Parent].Name))
	var buttons [][]Button
	forms, err := t.forwardForms()
	if err != nil {
		return err
	}
	for _, f := range forms {
		r, err := t.packageReadiness(f)
		if err != nil {
			return err
		}
		if r.total == 0 {
			continue
		}
		fmt.Fprintf(&b, msg.ForwardLine, f.ShortName(), r.approved, r.total)
		if len(r.notSubmitted) > 0 {
			fmt.Fprintf(&b, msg.ForwardNotSubmitted, len(r.notSubmitted), names(r.notSubmitted, 6))
		}
		if len(r.waiting) > 0 {
			fmt.Fprintf(&b, msg.ForwardWaiting, len(r.waiting), names(r.waiting, 6))
		}
		if len(r.marked) > 0 {
			var marked []string
			for _, m := range r.marked {
				marked = append(marked, fmt.Sprintf("%s（%s）", m.Unit.Name, markName(m.Sub.Status)))
			}
			fmt.Fprintf(&b, so.PackageMarked, names(marked, 6))
		}
		if (len(r.markable) > 0 || len(r.marked) > 0) && r.open() {
			buttons = append(buttons, []Button{{Label: fmt.Sprintf(so.BtnMark, f.ShortName()), Data: markPrefix + f.ID}})
		}
		if p := r.latest; p != nil {
			fmt.Fprintf(&b, msg.ForwardState, p.Version, subStatusName(p.Status))
			switch p.Status {
			case SubSubmitted:
				buttons = append(buttons, []Button{{Label: fmt.Sprintf(msg.BtnWithdrawPackage, f.ShortName()), Data: withdrawPrefix + f.ID}})
			case SubReturned:
				reason, flags, err := t.lastReturn(p)
				if err != nil {
					return err
				}
				note, bs, err := t.returnedPackageNote(p, reason, flags, true)
				if err != nil {
					return err
				}
				b.WriteString("\n  " + strings.ReplaceAll(note, "\n", "\n  "))
				buttons = append(buttons, bs[:len(bs)-1]...) // the 上报 button comes below, when ready
			}
		}
		open, whole, err := t.openReturn(r)
		if err != nil {
			return err
		}
		switch {
		case !r.ready():
		case whole:
			b.WriteString(so.ReturnStillOpenWhole)
		case open != "":
			fmt.Fprintf(&b, so.ReturnStillOpen, open)
		default:
			buttons = append(buttons, []Button{{Label: fmt.Sprintf(msg.BtnForward, f.ShortName()), Data: forwardPrefix + f.ID}})
		}
	}
	t.message(b.String(), buttons)
	return nil
}

// forwardForms are the forms /forward lists: every one-off form, and of
// each standing return its latest four open periods and, after them, any
// older open period whose package the unit still owes (never forwarded,
// withdrawn or returned): a period left behind is late, not forgotten.
func (t *turn) forwardForms() ([]*campaign.Form, error) {
	now := t.now()
	recent := t.camp.Recent(now, 4)
	shown := map[string]bool{}
	for _, f := range recent {
		shown[f.ID] = true
	}
	var out []*campaign.Form
	for i, f := range recent {
		if !f.OpenAt(now) {
			continue
		}
		out = append(out, f)
		if f.Period == nil || i+1 < len(recent) && recent[i+1].Base() == f.Base() {
			continue
		}
		periods := t.camp.Instances(f.Base())
		for k := len(periods) - 1; k >= 0; k-- {
			p := periods[k]
			if shown[p.ID] || !p.OpenAt(now) || !t.camp.Owes(t.unit, p).Package {
				continue
			}
			pkg, err := t.tx.LatestSubmission(t.ctx, t.c.Campaign, t.c.Unit, PackageForm(p.ID))
			if err != nil {
				return nil, err
			}
			if pkg == nil || pkg.Status == SubReturned || pkg.Status == SubWithdrawn {
				out = append(out, p)
			}
		}
	}
	return out, nil
}

// names lists up to n names, then 等 N 个.
func names(list []string, n int) string {
	if len(list) <= n {
		return strings.Join(list, "、")
	}
	return strings.Join(list[:n], "、") + fmt.Sprintf(msg.AndMore, len(list))
}

// forward sends a ready package of form to the reviewers of the unit above.
func (t *turn) forward(formID string) error {
	f := t.camp.Form(formID)
	if f == nil || !t.canForward() {
		t.note(msg.CannotForward)
		return t.show()
	}
	r, err := t.packageReadiness(f)
	if err != nil {
		return err
	}
	if !r.ready() {
		t.note(msg.ForwardNotReady)
		return t.forwardMenu()
	}
	// The level that returned the package is not bypassed: what it flagged
	// goes up again only corrected.
	switch open, whole, err := t.openReturn(r); {
	case err != nil:
		return err
	case whole:
		t.note(so.ReforwardRefusedWhole)
		return t.forwardMenu()
	case open != "":
		t.note(so.ReforwardRefused, open)
		return t.forwardMenu()
	}
	// The package names the exact approved submission of every unit it
	// carries (flattened: what the units below forwarded too): submissions
	// are immutable, so this is what was forwarded.
	pkg := campaign.NewDraft(t.c.Campaign, t.c.Unit, PackageForm(f.ID))
	rows := &campaign.SectionData{}
	for _, c := range r.carried {
		values := map[string]string{"submission": strconv.FormatInt(c.Submission, 10), "version": strconv.Itoa(c.Version)}
		if c.Mark != "" {
			values["mark"] = string(c.Mark) // carried as the level below marked it
		}
		rows.Rows = append(rows.Rows, &campaign.Row{Key: c.Unit, Values: values})
	}
	pkg.Sections["units"] = rows
	sub, err := t.tx.Submit(t.ctx, pkg, t.camp.Version, t.c.ID)
	if err != nil {
		return err
	}
	sub.Campaign, sub.Unit, sub.Form = t.c.Campaign, t.c.Unit, PackageForm(f.ID)
	sub.Data, sub.Status = pkg.Snapshot(), SubSubmitted
	text, buttons, err := t.describePackage(sub)
	if err != nil {
		return err
	}
	attach := &Attachment{Export: &ExportRef{Unit: t.c.Unit, Form: f.ID, Package: sub.ID}}
	if err := t.tell(t.unit.Parent, "package", Reply{Text: text, Buttons: buttons, Attach: attach}, reviewers...); err != nil {
		return err
	}
	t.note(msg.Forwarded, f.Name(), sub.Version)
	return t.forwardMenu()
}

// withdrawPackage takes back a forwarded package nobody above has decided.
func (t *turn) withdrawPackage(formID string) error {
	f := t.camp.Form(formID)
	if f == nil || !t.canForward() {
		t.note(msg.CannotForward)
		return t.show()
	}
	latest, err := t.tx.LatestSubmission(t.ctx, t.c.Campaign, t.c.Unit, PackageForm(f.ID))
	if err != nil {
		return err
	}
	if latest == nil || latest.Status != SubSubmitted {
		t.note(msg.CannotWithdrawPackage)
		return t.forwardMenu()
	}
	if err := t.tx.SetSubmissionStatus(t.ctx, latest, SubWithdrawn, t.c.ID, "", nil); err != nil {
		return err
	}
	if err := t.tell(t.unit.Parent, "package_withdrawn", Reply{Text: fmt.Sprintf(msg.PackageWithdrawnNotice, t.unit.Name, f.Name(), latest.Version)}, reviewers...); err != nil {
		return err
	}
	t.note(msg.PackageWithdrawnDone, f.Name(), latest.Version)
	return t.forwardMenu()
}

// carried is what a package carries: each unit's submission id and version,
// in the package's order.
type carriedUnit struct {
	Unit       string
	Submission int64
	Version    int
	Mark       SubmissionStatus // 免报 or 未收到: a mark carried in the unit's place
}

func carriedOf(pkg *Submission) []carriedUnit {
	var out []carriedUnit
	for _, r := range pkg.Data.Sections["units"] {
		id, _ := strconv.ParseInt(r.Values["submission"], 10, 64)
		v, _ := strconv.Atoi(r.Values["version"])
		out = append(out, carriedUnit{Unit: r.Key, Submission: id, Version: v, Mark: SubmissionStatus(r.Values["mark"])})
	}
	return out
}

// describePackage is a city's package as the level above reads it: that
// form's figures per unit and their totals, what changed since the package
// before, the form's spreadsheet attached, and 通过 / 退回 while it waits.
func (t *turn) describePackage(pkg *Submission) (string, [][]Button, error) {
	f, city := t.camp.Form(packageForm(pkg.Form)), t.camp.Units[pkg.Unit]
	carried := carriedOf(pkg)
	var b, lines strings.Builder
	var subs []*Submission
	marks := map[SubmissionStatus]int{}
	for _, c := range carried {
		sub, err := t.tx.Submission(t.ctx, c.Submission)
		if err != nil {
			return "", nil, err
		}
		if sub == nil {
			continue
		}
		if c.Mark != "" {
			// Marked by the level below: said as such, with its reason.
			line, err := t.markedLine(sub, c.Mark)
			if err != nil {
				return "", nil, err
			}
			marks[c.Mark]++
			fmt.Fprintf(&lines, "\n· %s：%s", t.camp.Units[c.Unit].Name, line)
			continue
		}
		subs = append(subs, sub)
		fmt.Fprintf(&lines, "\n· %s：%s", t.camp.Units[c.Unit].Name, unitFigures(f, snapshotDraft(sub)))
	}
	if len(marks) == 0 {
		fmt.Fprintf(&b, msg.PackageRequest, city.Name, f.Name(), pkg.Version, len(carried))
	} else {
		var counts []string
		for _, s := range []SubmissionStatus{SubExempt, SubNotReceived} {
			if marks[s] > 0 {
				counts = append(counts, fmt.Sprintf(so.MarkedCount, markName(s), marks[s]))
			}
		}
		fmt.Fprintf(&b, so.PackageRequestMarked, city.Name, f.Name(), pkg.Version, len(subs), strings.Join(counts, "、"))
	}
	b.WriteString(lines.String())
	if totals := formTotals(f, subs); totals != "" {
		b.WriteString("\n" + desk.PackageTotals + totals)
	}
	prev, err := t.tx.PreviousSubmission(t.ctx, pkg)
	if err != nil {
		return "", nil, err
	}
	if prev != nil {
		changes, err := t.packageDiff(f, prev, pkg)
		if err != nil {
			return "", nil, err
		}
		if len(changes) == 0 {
			changes = []string{msg.NoChanges}
		}
		fmt.Fprintf(&b, "\n\n"+desk.PackageChangesSince+"\n· %s", prev.Version, strings.Join(changes, "\n· "))
	}
	id := strconv.FormatInt(pkg.ID, 10)
	// The package's spreadsheet (every unit's rows: 附件2's parks, not only
	// their counts) from wherever the package is read, not only with the
	// message that brought it.
	buttons := [][]Button{{{Label: fmt.Sprintf(desk.BtnPackageXLSX, f.ShortName()), Data: filePrefix + id + ":" + packageSheet}}}
	if pkg.Status == SubSubmitted {
		buttons = append(buttons, []Button{{Label: msg.BtnApprove, Data: reviewPrefix + id + ":ok"}, {Label: msg.BtnReturn, Data: reviewPrefix + id + ":no"}})
	} else {
		handled, err := t.handledLine(pkg)
		if err != nil {
			return "", nil, err
		}
		b.WriteString("\n\n" + handled)
	}
	return b.String(), buttons, nil
}

// packageDiff is what changed between two packages of a form: units added
// or dropped, and for each unit whose version moved, its changes.
func (t *turn) packageDiff(f *campaign.Form, old, cur *Submission) ([]string, error) {
	before := map[string]carriedUnit{}
	for _, c := range carriedOf(old) {
		before[c.Unit] = c
	}
	var out []string
	for _, c := range carriedOf(cur) {
		name := t.camp.Units[c.Unit].Name
		p, ok := before[c.Unit]
		delete(before, c.Unit)
		switch {
		case !ok:
			out = append(out, fmt.Sprintf(desk.PackageUnitAdded, name, c.Version))
		case p.Submission != c.Submission:
			a, err := t.tx.Submission(t.ctx, p.Submission)
			if err != nil {
				return nil, err
			}
			z, err := t.tx.Submission(t.ctx, c.Submission)
			if err != nil {
				return nil, err
			}
			if a == nil || z == nil {
				continue
			}
			if p.Mark != "" || c.Mark != "" {
				// A mark, or a mark replaced: said, not diffed.
				out = append(out, fmt.Sprintf(so.DiffMark, name, versionOrMark(p), versionOrMark(c)))
				continue
			}
			changes := Diff(f, a.Data, z.Data)
			if len(changes) == 0 {
				changes = []string{msg.NoChanges}
			}
			out = append(out, fmt.Sprintf(desk.PackageUnitChanged, name, p.Version, c.Version, strings.Join(changes, "；")))
		}
	}
	for unit := range before {
		out = append(out, fmt.Sprintf(desk.PackageUnitDropped, t.camp.Units[unit].Name))
	}
	return out, nil
}

// unitFigures is one unit's return in a line: a record's values, a list's
// rows per section, a table's rows filled.
func unitFigures(f *campaign.Form, d *campaign.Draft) string {
	var parts []string
	for _, s := range f.Sections {
		switch s.Kind {
		case campaign.List:
			title := s.Title
			if title == "" {
				title = shortName(f)
			}
			parts = append(parts, fmt.Sprintf("%s %d 个%s", title, len(d.Rows(s.ID)), s.RowNoun))
		case campaign.Table:
			n := 0
			for _, rk := range s.Rows {
				if r := d.Row(s.ID, rk.Key); r != nil && len(r.Values) > 0 {
					n++
				}
			}
			parts = append(parts, fmt.Sprintf(desk.TableRowsFilled, s.Title, n, len(s.Rows)))
		default:
			for _, fd := range s.Fields {
				if v, ok := d.Value(s.ID, "", fd.ID); ok && v != "" {
					parts = append(parts, plainLabel(fd)+" "+campaign.Compact(fd, v))
				}
			}
		}
	}
	return strings.Join(parts, " · ")
}

// formTotals adds up what a form's submissions hold: each numeric field of
// a section with a 总计, and each list section's rows.
func formTotals(f *campaign.Form, subs []*Submission) string {
	var parts []string
	for _, s := range f.Sections {
		switch {
		case s.Kind == campaign.List:
			n := 0
			for _, sub := range subs {
				n += len(sub.Data.Sections[s.ID])
			}
			parts = append(parts, fmt.Sprintf("%s %d 个%s", s.Title, n, s.RowNoun))
		case s.Total:
			for _, fd := range s.Fields {
				if fd.Type != campaign.Integer && fd.Type != campaign.Decimal || fd.NoSum {
					continue
				}
				sum := new(big.Rat)
				for _, sub := range subs {
					for _, r := range sub.Data.Sections[s.ID] {
						if v, ok := new(big.Rat).SetString(r.Values[fd.ID]); ok && r.Values[fd.ID] != "" {
							sum.Add(sum, v)
						}
					}
				}
				parts = append(parts, plainLabel(fd)+" "+campaign.Compact(fd, campaign.RatText(sum)))
			}
		}
	}
	return strings.Join(parts, " · ")
}

// plainLabel is a field's short label (short: in the campaign file), or its
// label with its groups' last word and without a
// trailing unit in brackets (新建成（家） → 新建成; 生产制造类园区数量), for
// one-line figures whose values carry the unit.
func plainLabel(fd *campaign.Field) string {
	if fd.Short != "" {
		return fd.Short
	}
	label := fd.Label
	if i := strings.LastIndex(label, "（"); i > 0 && strings.HasSuffix(label, "）") {
		label = label[:i]
	}
	if len(fd.Group) > 0 && fd.Type != campaign.Text {
		g := fd.Group[len(fd.Group)-1]
		if !strings.HasPrefix(g, "按") {
			label = g + label
		}
	}
	return label
}
