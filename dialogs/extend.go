package dialogs

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"tianbao/campaign"
	"tianbao/campaign/parse"
)

// extensionPrefix marks a reviewer's buttons on an extension request:
// xt:<id>:ok|no.
const extensionPrefix = "xt:"

// maxExtension bounds how far a due date may be moved in one request.
const maxExtension = 90 * 24 * time.Hour

// Extending is a contact's extension request being written.
type Extending struct {
	Form   string `json:"form,omitempty"`
	Reason string `json:"reason,omitempty"`
}

// ExtensionRequest is a request for a later due date.
type ExtensionRequest struct {
	ID       int64
	Campaign string
	Unit     string
	Form     string
	Reason   string
	NewDue   time.Time // a date
	Status   string    // pending, approved, refused
}

// dueFor is a unit's due date for a form: its approved extension, or its
// level's date.
func (t *turn) dueFor(f *campaign.Form) (time.Time, bool) {
	if t.extensions == nil {
		ext, err := t.tx.UnitExtensions(t.ctx, t.c.Campaign, t.c.Unit)
		if err != nil {
			ext = map[string]time.Time{}
		}
		t.extensions = ext
	}
	if d, ok := t.extensions[f.ID]; ok {
		return campaign.EndOfDay(d, t.camp.TimeZone), true
	}
	due, ok := f.Due[t.unit.Level]
	return due, ok
}

// extendMenu (/extend) lists the forms not yet submitted.
func (t *turn) extendMenu() error {
	drafts, err := t.tx.Drafts(t.ctx, t.c.Campaign, t.c.Unit)
	if err != nil {
		return err
	}
	var buttons [][]Button
	for _, f := range t.camp.Recent(t.now(), campaign.MaxShownPeriods) {
		if !f.FilledByUnit(t.unit) || !f.OpenAt(t.now()) {
			continue
		}
		if d := drafts[f.ID]; d != nil && (d.Status == campaign.StatusSubmitted || d.Status == campaign.StatusApproved) {
			continue
		}
		buttons = append(buttons, []Button{{Label: f.ShortName() + " " + t.dueText(f), Data: "xf:" + t.camp.FormIndex(f)}})
	}
	if len(buttons) == 0 || t.unit.Parent == "" {
		t.note(msg.NothingToExtend)
		t.s.Mode = ModeHome
		return t.show()
	}
	t.s.Mode, t.s.Extending = ModeExtend, &Extending{}
	buttons = append(buttons, []Button{{Label: msg.BtnCancel, Data: "cancel"}})
	t.screen(msg.ExtendChooseForm, buttons)
	return nil
}

func (t *turn) extendScreen() error {
	e := t.s.Extending
	if e == nil || e.Form == "" {
		return t.extendMenu()
	}
	f := t.camp.Form(e.Form)
	if f == nil {
		return t.reset()
	}
	due, _ := t.dueFor(f)
	if e.Reason == "" {
		t.screen(fmt.Sprintf(msg.ExtendAskReason, f.Name(), due.In(t.camp.TimeZone).Format("2006年1月2日")), [][]Button{{{Label: msg.BtnCancel, Data: "cancel"}}})
	} else {
		t.screen(fmt.Sprintf(msg.ExtendAskDate, due.In(t.camp.TimeZone).Format("2006-01-02")), [][]Button{{{Label: msg.BtnCancel, Data: "cancel"}}})
	}
	t.replies[len(t.replies)-1].Typed = true
	return nil
}

func (t *turn) extendButton(name, arg string) error {
	switch name {
	case "cancel":
		t.s.Mode, t.s.Extending = ModeHome, nil
		return t.show()
	case "xf":
		if f := t.camp.FormAt(arg); f != nil && f.FilledByUnit(t.unit) && t.s.Extending != nil {
			t.s.Extending.Form = f.ID
			return t.show()
		}
	}
	return t.staleNotice()
}

// extendText takes the reason, then the date, and sends the request.
func (t *turn) extendText(text string) error {
	e := t.s.Extending
	if e == nil || e.Form == "" {
		t.note(msg.NoQuestion)
		return t.show()
	}
	if e.Reason == "" {
		reason := parse.Text(text)
		if reason == "" || len([]rune(reason)) > 500 {
			t.note(msg.ReasonTooLong)
			return t.show()
		}
		e.Reason = reason
		return t.show()
	}
	f := t.camp.Form(e.Form)
	day, err := parse.Date(text)
	if err != nil {
		t.note(msg.ExtendBadDate)
		return t.show()
	}
	newDue, _ := time.ParseInLocation("2006-01-02", day, t.camp.TimeZone)
	due, _ := t.dueFor(f)
	if !newDue.Add(24*time.Hour-time.Second).After(due) || newDue.Sub(due) > maxExtension {
		t.note(msg.ExtendDateRange, due.In(t.camp.TimeZone).Format("2006-01-02"))
		return t.show()
	}
	req := &ExtensionRequest{Campaign: t.c.Campaign, Unit: t.c.Unit, Form: f.ID, Reason: e.Reason, NewDue: newDue, Status: "pending"}
	if err := t.tx.RequestExtension(t.ctx, req, t.c.ID); err != nil {
		return err
	}
	id := strconv.FormatInt(req.ID, 10)
	text = fmt.Sprintf(msg.ExtendRequest, t.unit.Name, f.Name(), due.In(t.camp.TimeZone).Format("1月2日"), newDue.Format("1月2日"), e.Reason)
	buttons := [][]Button{{{Label: msg.BtnApproveExtension, Data: extensionPrefix + id + ":ok"}, {Label: msg.BtnRefuseExtension, Data: extensionPrefix + id + ":no"}}}
	if err := t.tell(t.unit.Parent, "extension", Reply{Text: text, Buttons: buttons}, reviewers...); err != nil {
		return err
	}
	t.s.Mode, t.s.Extending = ModeHome, nil
	t.note(msg.ExtendSent, f.Name(), newDue.Format("1月2日"))
	return t.show()
}

// extensionAction is a reviewer's one tap on an extension request.
func (t *turn) extensionAction(rest string) error {
	idText, action, _ := strings.Cut(rest, ":")
	id, err := strconv.ParseInt(idText, 10, 64)
	if err != nil || (action != "ok" && action != "no") {
		return t.staleNotice()
	}
	req, err := t.tx.Extension(t.ctx, id)
	if err != nil {
		return err
	}
	// The unit's deadline is set from above: the reviewers of the unit the
	// request went to (its parent) decide.
	if req == nil || req.Campaign != t.c.Campaign || t.camp.Units[req.Unit] == nil || t.camp.Units[req.Unit].Parent != t.c.Unit || !t.reviews() {
		t.note(msg.NotYourReview)
		return t.show()
	}
	f, unit := t.camp.Form(req.Form), t.camp.Units[req.Unit]
	if f == nil || unit == nil {
		return t.staleNotice()
	}
	if req.Status != "pending" {
		t.message(fmt.Sprintf(msg.ExtensionDecided, unit.Name, f.Name()), nil)
		return nil
	}
	status, notice, done := "approved", msg.ExtensionApproved, msg.ExtensionApprovedDone
	if action == "no" {
		status, notice, done = "refused", msg.ExtensionRefused, msg.ExtensionRefusedDone
	}
	if err := t.tx.DecideExtension(t.ctx, req, status, t.c.ID); err != nil {
		return err
	}
	if err := t.tell(req.Unit, "extension_"+status, Reply{Text: fmt.Sprintf(notice, f.Name(), req.NewDue.Format("1月2日"), t.unit.Name)}, everyone...); err != nil {
		return err
	}
	t.replies = append(t.replies, Reply{Text: fmt.Sprintf(done, unit.Name, f.Name(), req.NewDue.Format("1月2日")), Replace: t.pressed})
	return nil
}
