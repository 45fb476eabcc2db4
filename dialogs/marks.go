package dialogs

import (
	"fmt"

	"tianbao/campaign"
	"tianbao/campaign/parse"
)

// Marks. An aggregator (a city forwarding its counties) may mark a unit
// below whose form, or package, it has not got as 免报 (nothing to report
// this time) or 未收到 (not received), with a reason, and then forward
// without it. A mark is a submission the level above makes in the unit's
// name, carrying nothing: the package carries it in the unit's place, so
// the level above sees it, with its reason; the unit's draft stands so
// (summary, desk, status sheet and exports say 免报／未收到), and the unit
// is told. The unit may still fill in and submit: its submission then
// takes the mark's place. A mark can be taken back while the package has
// not gone up.

// The statuses of a mark: a submission the level above makes for a unit.
const (
	SubExempt      SubmissionStatus = "exempt"       // 免报
	SubNotReceived SubmissionStatus = "not_received" // 未收到
)

// markPrefix is /forward's button to mark units of a form (mk:<form>).
const markPrefix = "mk:"

// Marking is a mark being made: the form, the unit, the mark, then the
// reason typed.
type Marking struct {
	Form string           `json:"form"`
	Unit string           `json:"unit,omitempty"`
	Kind SubmissionStatus `json:"kind,omitempty"`
}

// markName is a mark's name for people.
func markName(s SubmissionStatus) string {
	if s == SubExempt {
		return so.StateExempt
	}
	return so.StateNotReceived
}

// markForm is the form a mark of unit for f is made on: the unit's own, or
// for a unit that reports through a package, its package.
func markForm(c *campaign.Campaign, f *campaign.Form, u *campaign.Unit) string {
	if c.Owes(u, f).Package {
		return PackageForm(f.ID)
	}
	return f.ID
}

// startMark opens the marking of a form's units (mk:<form>).
func (t *turn) startMark(formID string) error {
	f := t.camp.Form(formID)
	if f == nil || !t.canForward() {
		t.note(msg.CannotForward)
		return t.show()
	}
	t.s.Mode, t.s.Marking = ModeMark, &Marking{Form: f.ID}
	return t.show()
}

// markScreen asks, in turn: which unit (or which mark to take back), which
// mark, and why.
func (t *turn) markScreen() error {
	m := t.s.Marking
	f := t.camp.Form(packageForm(markOrEmpty(m)))
	if m == nil || f == nil || !t.canForward() {
		t.s.Mode, t.s.Marking = ModeHome, nil
		return t.show()
	}
	r, err := t.packageReadiness(f)
	if err != nil {
		return err
	}
	cancel := []Button{{Label: msg.BtnCancel, Data: "cancel"}}
	switch {
	case m.Unit == "":
		var buttons [][]Button
		if r.open() {
			for _, u := range r.markable {
				buttons = append(buttons, []Button{{Label: u.Name, Data: "unit:" + u.Code}})
			}
			for _, mu := range r.marked {
				buttons = append(buttons, []Button{{Label: fmt.Sprintf(so.BtnUnmark, mu.Unit.Name, markName(mu.Sub.Status)), Data: "unmark:" + mu.Unit.Code}})
			}
		}
		if len(buttons) == 0 {
			t.s.Mode, t.s.Marking = ModeHome, nil
			t.note(so.MarkNone, f.Name())
			return t.show()
		}
		t.screen(fmt.Sprintf(so.MarkIntro, f.Name()), append(buttons, cancel))
	case m.Kind == "":
		t.screen(fmt.Sprintf(so.MarkAskKind, t.camp.Units[m.Unit].Name, f.Name()), [][]Button{
			{{Label: so.BtnExempt, Data: "kind:" + string(SubExempt)}},
			{{Label: so.BtnNotReceived, Data: "kind:" + string(SubNotReceived)}}, cancel})
	default:
		t.screen(fmt.Sprintf(so.MarkAskReason, t.camp.Units[m.Unit].Name, f.Name(), markName(m.Kind)), [][]Button{cancel})
		t.replies[len(t.replies)-1].Typed = true
	}
	return nil
}

func markOrEmpty(m *Marking) string {
	if m == nil {
		return ""
	}
	return m.Form
}

func (t *turn) markButton(name, arg string) error {
	m := t.s.Marking
	if m == nil {
		return t.staleNotice()
	}
	switch name {
	case "cancel":
		t.s.Mode, t.s.Marking = ModeHome, nil
		return t.forwardMenu()
	case "unit":
		if m.Unit == "" && t.camp.Units[arg] != nil {
			m.Unit = arg
			return t.show()
		}
	case "kind":
		if m.Unit != "" && m.Kind == "" && (arg == string(SubExempt) || arg == string(SubNotReceived)) {
			m.Kind = SubmissionStatus(arg)
			return t.show()
		}
	case "unmark":
		if m.Unit == "" {
			return t.unmark(arg)
		}
	}
	return t.staleNotice()
}

// markText takes the reason and makes the mark.
func (t *turn) markText(text string) error {
	m := t.s.Marking
	if m == nil || m.Unit == "" || m.Kind == "" {
		t.note(msg.NoQuestion)
		return t.show()
	}
	reason := parse.Text(text)
	switch {
	case parse.Length(reason) == 0:
		t.note(msg.NoQuestion)
		return t.show()
	case len([]rune(reason)) > 500:
		t.note(msg.ReasonTooLong)
		return t.show()
	}
	f, u := t.camp.Form(m.Form), t.camp.Units[m.Unit]
	r, err := t.packageReadiness(f)
	if err != nil {
		return err
	}
	markable := false
	for _, x := range r.markable {
		markable = markable || x.Code == u.Code
	}
	t.s.Mode, t.s.Marking = ModeHome, nil
	if !markable || !r.open() {
		// Submitted, forwarded or marked meanwhile (checked again here: the
		// screen was only a screen).
		t.note(so.MarkGone, f.Name())
		return t.forwardMenu()
	}
	form := markForm(t.camp, f, u)
	if _, err := t.tx.Mark(t.ctx, t.c.Campaign, u.Code, form, m.Kind, t.camp.Version, reason, t.c.ID); err != nil {
		return err
	}
	notice := Reply{Text: fmt.Sprintf(so.MarkNotice, f.Name(), t.unit.Name, markName(m.Kind), reason)}
	roles := everyone
	if IsPackage(form) {
		roles = reviewers
	} else {
		notice.Buttons = [][]Button{{{Label: msg.BtnGoFix, Data: goPrefix + f.ID}}}
	}
	if err := t.tell(u.Code, "marked", notice, roles...); err != nil {
		return err
	}
	t.note(so.MarkDone, u.Name, f.Name(), markName(m.Kind), reason)
	return t.forwardMenu()
}

// unmark takes back a mark while the package it would go up in has not.
func (t *turn) unmark(unit string) error {
	f := t.camp.Form(t.s.Marking.Form)
	r, err := t.packageReadiness(f)
	if err != nil {
		return err
	}
	t.s.Mode, t.s.Marking = ModeHome, nil
	var mark *markedUnit
	for i := range r.marked {
		if r.marked[i].Unit.Code == unit {
			mark = &r.marked[i]
		}
	}
	if mark == nil || !r.open() {
		t.note(so.MarkGone, f.Name())
		return t.forwardMenu()
	}
	if err := t.tx.SetSubmissionStatus(t.ctx, mark.Sub, SubWithdrawn, t.c.ID, "", nil); err != nil {
		return err
	}
	roles := everyone
	if IsPackage(mark.Sub.Form) {
		roles = reviewers
	}
	if err := t.tell(unit, "unmarked", Reply{Text: fmt.Sprintf(so.UnmarkNotice, t.unit.Name, f.Name(), markName(mark.Sub.Status))}, roles...); err != nil {
		return err
	}
	t.note(so.UnmarkDone, mark.Unit.Name, f.Name(), markName(mark.Sub.Status))
	return t.forwardMenu()
}

// markReason is the reason of a mark, for whoever reads it (a mark
// returned since keeps it in its history).
func (t *turn) markReason(sub *Submission, mark SubmissionStatus) (string, error) {
	events, err := t.tx.History(t.ctx, sub.ID)
	if err != nil {
		return "", err
	}
	for i := len(events) - 1; i >= 0; i-- {
		if events[i].Status == mark {
			return events[i].Reason, nil
		}
	}
	return "", nil
}

// markedNote is what a unit whose form was marked reads as it opens it.
func (t *turn) markedNote(f *campaign.Form) (string, error) {
	sub, err := t.tx.LatestSubmission(t.ctx, t.c.Campaign, t.c.Unit, f.ID)
	if err != nil || sub == nil || (sub.Status != SubExempt && sub.Status != SubNotReceived) {
		return "", err
	}
	reason, err := t.markReason(sub, sub.Status)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf(so.MarkedOpen, markName(sub.Status), reason), nil
}

// markedLine is a marked unit in a package as the level above reads it.
func (t *turn) markedLine(sub *Submission, mark SubmissionStatus) (string, error) {
	reason, err := t.markReason(sub, mark)
	if err != nil {
		return "", err
	}
	return markName(mark) + fmt.Sprintf(so.MarkReason, reason), nil
}

// versionOrMark names what a package carried for a unit: 第 2 版, or 免报.
func versionOrMark(c carriedUnit) string {
	if c.Mark != "" {
		return markName(c.Mark)
	}
	return fmt.Sprintf(so.Version, c.Version)
}
