package dialogs

import (
	"fmt"
	"strconv"
	"strings"
)

// A city forwards (上报) each form to the province as a package: its own
// approved rows and its counties' approved ones. A package is stored as a
// submission of the city for the form "pkg:<form>", listing the units it
// carries; the province approves or returns it like any submission.
const (
	packagePrefix = "pkg:"
	forwardPrefix = "fw:" // fw:<form>, a city reviewer's 上报 button
)

// IsPackage reports whether a submission's form names a city package.
func IsPackage(form string) bool { return strings.HasPrefix(form, packagePrefix) }

// packageForm is the form a package carries (or the form itself).
func packageForm(form string) string { return strings.TrimPrefix(form, packagePrefix) }

// PackageForm is the submission form id of form's package.
func PackageForm(form string) string { return packagePrefix + form }

// readiness is how far a city's package of a form is from being forwarded.
type readiness struct {
	approved, total int      // units of the subtree that fill the form
	pending         []string // names of those not approved yet
	latest          *Submission
}

func (t *turn) packageReadiness(f *Form) (*readiness, error) {
	var units []*Unit
	for _, u := range append([]*Unit{t.unit}, childrenOf(t.camp, t.unit)...) {
		if f.FilledBy(u.Level) {
			units = append(units, u)
		}
	}
	codes := make([]string, len(units))
	for i, u := range units {
		codes[i] = u.Code
	}
	states, err := t.tx.UnitStates(t.ctx, t.c.Campaign, codes, f.ID)
	if err != nil {
		return nil, err
	}
	r := &readiness{total: len(units)}
	for _, u := range units {
		if states[u.Code] == StatusApproved {
			r.approved++
		} else {
			r.pending = append(r.pending, u.Name)
		}
	}
	r.latest, err = t.tx.LatestSubmission(t.ctx, t.c.Campaign, t.c.Unit, PackageForm(f.ID))
	return r, err
}

func childrenOf(c *Campaign, u *Unit) []*Unit {
	out := make([]*Unit, len(u.Children))
	for i, code := range u.Children {
		out[i] = c.Units[code]
	}
	return out
}

// canForward: a reviewer (or admin) of a unit that has units below it and a
// unit above it — a city.
func (t *turn) canForward() bool {
	return (t.c.Role == Reviewer || t.c.Role == Admin) && len(t.unit.Children) > 0 && t.unit.Parent != ""
}

// forwardMenu (/forward) shows each form's package: ready or not, and its
// state at the province, with a 上报 button for those ready.
func (t *turn) forwardMenu() error {
	if !t.canForward() {
		t.note(msg.CannotForward)
		return t.show()
	}
	var b strings.Builder
	b.WriteString(fmt.Sprintf(msg.ForwardIntro, t.unit.Name))
	var buttons [][]Button
	for _, f := range t.camp.Forms {
		r, err := t.packageReadiness(f)
		if err != nil {
			return err
		}
		if r.total == 0 {
			continue
		}
		line := fmt.Sprintf("\n%s：已审核通过 %d/%d", f.Short, r.approved, r.total)
		if r.latest != nil {
			line += fmt.Sprintf("；第 %d 次上报%s", r.latest.Version, subStatusName(r.latest.Status))
		}
		b.WriteString(line)
		canSend := r.approved == r.total && (r.latest == nil || r.latest.Status == SubReturned || r.latest.Status == SubWithdrawn)
		if canSend {
			buttons = append(buttons, []Button{{Label: fmt.Sprintf(msg.BtnForward, f.Short), Data: forwardPrefix + f.ID}})
		} else if r.approved < r.total {
			b.WriteString(fmt.Sprintf(msg.ForwardWaiting, strings.Join(first(r.pending, 8), "、"), len(r.pending)))
		}
	}
	t.message(b.String(), buttons)
	return nil
}

func first(names []string, n int) []string {
	if len(names) > n {
		return names[:n]
	}
	return names
}

// forward sends a ready package of form to the province's reviewers.
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
	if r.approved < r.total || r.total == 0 || (r.latest != nil && (r.latest.Status == SubSubmitted || r.latest.Status == SubApproved)) {
		t.note(msg.ForwardNotReady)
		return t.forwardMenu()
	}
	// The package names the exact approved submission of every unit it
	// carries: submissions are immutable, so this is what was forwarded.
	pkg := NewDraft(t.c.Campaign, t.c.Unit, PackageForm(f.ID))
	rows := &SectionData{}
	for _, u := range append([]*Unit{t.unit}, childrenOf(t.camp, t.unit)...) {
		if !f.FilledBy(u.Level) {
			continue
		}
		sub, err := t.tx.LatestSubmission(t.ctx, t.c.Campaign, u.Code, f.ID)
		if err != nil {
			return err
		}
		if sub == nil || sub.Status != SubApproved {
			t.note(msg.ForwardNotReady)
			return t.forwardMenu()
		}
		rows.Rows = append(rows.Rows, &Row{Key: u.Code, Values: map[string]string{
			"submission": strconv.FormatInt(sub.ID, 10), "version": strconv.Itoa(sub.Version)}})
	}
	pkg.Sections["units"] = rows
	sub, err := t.tx.Submit(t.ctx, pkg, t.camp.Version, t.c.ID)
	if err != nil {
		return err
	}
	text := fmt.Sprintf(msg.PackageRequest, t.unit.Name, f.Name(), sub.Version, r.total)
	if t.Summaries != nil {
		if s, _, err := t.Summaries.Summary(t.ctx, t.camp, t.c.Unit, t.now()); err == nil {
			text += "\n\n" + s
		}
	}
	id := fmt.Sprint(sub.ID)
	buttons := [][]Button{{{Label: msg.BtnApprove, Data: reviewPrefix + id + ":ok"}, {Label: msg.BtnReturn, Data: reviewPrefix + id + ":no"}}}
	if err := t.tell(t.unit.Parent, "package", Reply{Text: text, Buttons: buttons}, reviewers...); err != nil {
		return err
	}
	t.note(msg.Forwarded, f.Name(), sub.Version)
	return t.forwardMenu()
}

// packageAction is the province's 通过 / 退回 on a city's package.
func (t *turn) packageAction(sub *Submission, action string) error {
	f := t.camp.Form(packageForm(sub.Form))
	city := t.camp.Units[sub.Unit]
	if f == nil || city == nil || sub.Unit == t.c.Unit {
		t.note(msg.NotYourReview)
		return t.show()
	}
	if sub.Status != SubSubmitted {
		t.replies = append(t.replies, Reply{Text: fmt.Sprintf(msg.AlreadyReviewed, city.Name, f.Name()+" 汇总", sub.Version, subStatusName(sub.Status)), Replace: t.pressed})
		return nil
	}
	if action == "no" {
		t.s.Mode, t.s.Returning = ModeReturn, &Returning{Submission: sub.ID}
		return t.show()
	}
	if err := t.tx.SetSubmissionStatus(t.ctx, sub, SubApproved, t.c.ID, "", nil); err != nil {
		return err
	}
	if err := t.tell(sub.Unit, "package_approved", Reply{Text: fmt.Sprintf(msg.PackageApproved, f.Name(), sub.Version, t.unit.Name)}, reviewers...); err != nil {
		return err
	}
	t.replies = append(t.replies, Reply{Text: fmt.Sprintf(msg.ApprovedDone, city.Name, f.Name()+" 汇总", sub.Version), Replace: t.pressed})
	return nil
}

// returnPackage sends a city's package back with the reason.
func (t *turn) returnPackage(sub *Submission, reason string) error {
	f, city := t.camp.Form(packageForm(sub.Form)), t.camp.Units[sub.Unit]
	if err := t.tx.SetSubmissionStatus(t.ctx, sub, SubReturned, t.c.ID, reason, nil); err != nil {
		return err
	}
	notice := fmt.Sprintf(msg.PackageReturned, f.Name(), sub.Version, t.unit.Name, reason)
	if err := t.tell(sub.Unit, "package_returned", Reply{Text: notice, Buttons: [][]Button{{{Label: fmt.Sprintf(msg.BtnForward, f.Short), Data: forwardPrefix + f.ID}}}}, reviewers...); err != nil {
		return err
	}
	t.s.Mode, t.s.Returning = ModeHome, nil
	t.note(msg.ReturnedDone, city.Name, f.Name()+" 汇总", sub.Version)
	return t.show()
}
