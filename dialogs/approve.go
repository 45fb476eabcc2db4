package dialogs

import (
	"fmt"
	"strconv"
	"strings"

	"tianbao/campaign"
)

// Approving is an approval that asks, first, the fields the reviewing
// level fills (filled_by: its level): 核定数 beside a 上报数, 审核意见.
type Approving struct {
	Submission int64             `json:"submission"`
	At         int               `json:"at"`               // the field asked now
	Values     map[string]string `json:"values,omitempty"` // section/field: answer
}

// reviewField is a field the reviewing level fills, with its section.
type reviewField struct {
	Section *campaign.Section
	Field   *campaign.Field
}

// reviewFields are the fields of f that units of level fill as they
// approve it: in record sections, filled_by that level, which does not
// fill the form itself.
func reviewFields(f *campaign.Form, level campaign.Level) []reviewField {
	if f == nil || f.FilledBy(level) {
		return nil
	}
	var out []reviewField
	for _, s := range f.Sections {
		if s.Kind != campaign.Record {
			continue
		}
		for _, fd := range s.Fields {
			if fd.FilledBy == level {
				out = append(out, reviewField{s, fd})
			}
		}
	}
	return out
}

// startApproval approves sub, or first asks the fields the reviewer's
// level fills.
func (t *turn) startApproval(sub *Submission) (bool, error) {
	f := t.camp.Form(packageForm(sub.Form))
	if IsPackage(sub.Form) || len(reviewFields(f, t.unit.Level)) == 0 {
		return false, nil
	}
	t.s.Mode, t.s.Approving = ModeApprove, &Approving{Submission: sub.ID, Values: map[string]string{}}
	return true, t.show()
}

// approveScreen asks the next field the reviewer fills.
func (t *turn) approveScreen() error {
	a := t.s.Approving
	sub, err := t.approvingSub()
	if err != nil || sub == nil {
		return err
	}
	f := t.camp.Form(sub.Form)
	fields := reviewFields(f, t.unit.Level)
	if a.At >= len(fields) {
		return t.finishApproval(sub)
	}
	rf := fields[a.At]
	var b strings.Builder
	fmt.Fprintf(&b, msg.ApproveAsk, subjectOf(t.camp.Units[sub.Unit], f, sub), rf.Field.Title(), fmt.Sprintf(msg.Progress, a.At+1, len(fields)))
	if rf.Field.Optional {
		b.WriteString(msg.Optional)
	}
	if rf.Field.Hint != "" {
		b.WriteString("\n" + fmt.Sprintf(msg.Hint, rf.Field.Hint))
	}
	if rf.Field.Unit != "" {
		b.WriteString("\n" + fmt.Sprintf(msg.UnitOf, rf.Field.Unit))
	}
	// Beside it, what the unit returned in the same section.
	for _, r := range sub.Data.Sections[rf.Section.ID] {
		for _, fd := range rf.Section.Fields {
			if v := r.Values[fd.ID]; v != "" && fd.FilledBy == "" {
				fmt.Fprintf(&b, "\n· %s：%s", fd.Title(), campaign.Display(fd, v))
			}
		}
	}
	var buttons [][]Button
	switch rf.Field.Type {
	case campaign.Choice:
		buttons = choiceButtons(rf.Field.Choices)
	case campaign.YesNo:
		buttons = [][]Button{{{Label: "是", Data: "choice:1"}, {Label: "否", Data: "choice:2"}}}
	}
	last := []Button{{Label: msg.BtnCancel, Data: "cancel"}}
	if rf.Field.Optional {
		last = append([]Button{{Label: msg.BtnSkip, Data: "skip"}}, last...)
	}
	buttons = append(buttons, last)
	t.screen(b.String(), buttons)
	t.replies[len(t.replies)-1].Typed = rf.Field.Type != campaign.Choice && rf.Field.Type != campaign.YesNo
	return nil
}

// approvingSub is the submission being approved, still waiting; else the
// approval is dropped and the reviewer told.
func (t *turn) approvingSub() (*Submission, error) {
	sub, err := t.tx.Submission(t.ctx, t.s.Approving.Submission)
	if err != nil {
		return nil, err
	}
	if sub == nil || sub.Status != SubSubmitted || !t.canDecide(sub) {
		t.s.Mode, t.s.Approving = ModeHome, nil
		t.note(msg.ReturnGone)
		return nil, t.show()
	}
	return sub, nil
}

// approveAnswer takes the reviewer's answer (text, a choice, or "" to skip).
func (t *turn) approveAnswer(text string, skip bool) error {
	sub, err := t.approvingSub()
	if err != nil || sub == nil {
		return err
	}
	fields := reviewFields(t.camp.Form(sub.Form), t.unit.Level)
	a := t.s.Approving
	if a.At >= len(fields) {
		return t.finishApproval(sub)
	}
	rf := fields[a.At]
	value := ""
	if !skip {
		v, problem := campaign.Validate(rf.Field, text)
		if problem != "" {
			t.note(problem)
			return t.show()
		}
		value = v
	} else if !rf.Field.Optional {
		t.note(msg.CannotSkip, rf.Field.Title())
		return t.show()
	}
	if a.Values == nil {
		a.Values = map[string]string{} // an empty map is not kept in the session
	}
	a.Values[rf.Section.ID+"/"+rf.Field.ID] = value
	a.At++
	return t.show()
}

func (t *turn) approveButton(name, arg string) error {
	switch name {
	case "cancel":
		t.s.Mode, t.s.Approving = ModeHome, nil
		return t.show()
	case "skip":
		return t.approveAnswer("", true)
	case "choice":
		sub, err := t.approvingSub()
		if err != nil || sub == nil {
			return err
		}
		fields := reviewFields(t.camp.Form(sub.Form), t.unit.Level)
		if t.s.Approving.At < len(fields) {
			fd := fields[t.s.Approving.At].Field
			choices := fd.Choices
			if fd.Type == campaign.YesNo {
				choices = []string{"是", "否"}
			}
			if n, err := strconv.Atoi(arg); err == nil && n >= 1 && n <= len(choices) {
				return t.approveAnswer(choices[n-1], false)
			}
		}
	}
	return t.staleNotice()
}

// finishApproval writes the reviewer's values and approves.
func (t *turn) finishApproval(sub *Submission) error {
	bySection := map[string]map[string]string{}
	for k, v := range t.s.Approving.Values {
		sec, field, _ := strings.Cut(k, "/")
		if bySection[sec] == nil {
			bySection[sec] = map[string]string{}
		}
		bySection[sec][field] = v
	}
	for sec, values := range bySection {
		if err := t.tx.SetReviewValues(t.ctx, sub, sec, values, t.c.ID); err != nil {
			return err
		}
	}
	if err := t.approve(sub); err != nil {
		return err
	}
	f := t.camp.Form(sub.Form)
	t.s.Mode, t.s.Approving = ModeHome, nil
	t.note(msg.ApprovedDone, subjectOf(t.camp.Units[sub.Unit], f, sub))
	return t.show()
}
