package dialogs

import (
	"context"
	"errors"
	"fmt"

	"tianbao/campaign"
	"tianbao/campaign/parse"
)

// What the desk's page asks the engine to do goes through a turn of the
// same contact, with the checks and the audit log of the chat; the
// contact's place in the chat is left as it was.

// Errors of the page's actions, each said to the person as it is.
var (
	ErrNotYours      = errors.New(msg.NotYourReview)
	ErrHandled       = errors.New(msg.ReturnGone)
	ErrReviewInChat  = errors.New(webText.ReviewInChat)
	ErrNoReason      = errors.New(webText.NoReason)
	ErrReasonTooLong = errors.New(msg.ReasonTooLong)
	ErrNotFillable   = errors.New(msg.NotFillable)
	ErrBatchHandled  = errors.New(desk.BatchNothingLeft)
)

// Review approves, or returns with a reason and the items to correct, a
// submission (or a package) waiting for the contact's decision, as the
// chat's 通过 / 退回 do. It returns what was done, for the page to show.
func (e *Engine) Review(ctx context.Context, contact, submission int64, approve bool, reason string, flags []string) (string, error) {
	var done string
	_, err := e.run(ctx, contact, RouteDirect, "", false, func(t *turn) error {
		saved := *t.s
		defer func() { *t.s = saved }() // the chat stays where it was
		sub, err := t.tx.Submission(t.ctx, submission)
		if err != nil {
			return err
		}
		if sub == nil || sub.Campaign != t.c.Campaign || !t.canDecide(sub) {
			return ErrNotYours
		}
		f, unit := t.camp.Form(packageForm(sub.Form)), t.camp.Units[sub.Unit]
		if f == nil || unit == nil {
			return ErrNotYours
		}
		if sub.Status != SubSubmitted {
			return ErrHandled
		}
		if approve {
			if !IsPackage(sub.Form) && len(reviewFields(f, t.unit.Level)) > 0 {
				return ErrReviewInChat
			}
			if err := t.approve(sub); err != nil {
				return err
			}
			done = fmt.Sprintf(msg.ApprovedDone, subjectOf(unit, f, sub))
			return nil
		}
		// Cleaned as the chat cleans a typed reason: no NUL, controls or
		// bidirectional marks reach the county's chat, invisible-only is
		// no reason, and a long one is refused rather than cut.
		switch reason = parse.Text(reason); {
		case parse.Length(reason) == 0:
			return ErrNoReason
		case len([]rune(reason)) > 500:
			return ErrReasonTooLong
		}
		t.s.Returning = &Returning{Submission: sub.ID, Reason: reason, Flags: flags}
		if err := t.sendReturn(); err != nil {
			return err
		}
		done = fmt.Sprintf(msg.ReturnedDone, subjectOf(unit, f, sub))
		return nil
	})
	return done, err
}

// GoTo opens a form of the contact's own unit in the chat at a field (the
// page's 去修改), and sends that screen to the chat; the place becomes the
// person's current one, so that what they type next answers it.
func (e *Engine) GoTo(ctx context.Context, contact int64, formID, section, row, field string) (string, error) {
	_, err := e.run(ctx, contact, RouteSwitch, "", false, func(t *turn) error {
		f := t.camp.Form(formID)
		if f == nil || !f.FilledByUnit(t.unit) || !f.OpenAt(t.now()) {
			return ErrNotFillable
		}
		if err := t.open(f.ID); err != nil {
			return err
		}
		d, err := t.loadDraft(f.ID)
		if err != nil {
			return err
		}
		if i := flaggedIndex(d, section, row, field); i >= 0 {
			// A flagged item: the chat walks the flagged items from it, as
			// after the return notice's button, the reason said first.
			t.replies = nil
			note, err := t.returnedNote(f, d)
			if err != nil {
				return err
			}
			t.note(note)
			if !t.flaggedFrom(f, d, i) {
				t.at(ModeReview, "", "", "")
			}
			if err := t.show(); err != nil {
				return err
			}
		} else if s := f.Section(section); s != nil && d.Status != campaign.StatusSubmitted && d.Status != campaign.StatusApproved {
			if fd := s.Field(field); fd != nil && (s.Kind != campaign.List || d.Row(s.ID, row) != nil) && d.Asked(s, row, fd) {
				t.replies = nil
				t.at(ModeField, s.ID, row, fd.ID)
				t.s.Return = returnReview
				if err := t.show(); err != nil {
					return err
				}
			}
		}
		// What the chat would have shown goes to the chat.
		var n []Notification
		for _, r := range t.replies {
			n = append(n, Notification{ContactID: t.c.ID, Kind: "screen", Reply: r})
		}
		t.replies = nil
		t.notified = true
		return t.tx.Notify(t.ctx, n)
	})
	if err != nil {
		return "", err
	}
	return webText.GoToSent, nil
}

// flaggedIndex is where section/row/field stands among a returned draft's
// flagged items, -1 if it is not one of them.
func flaggedIndex(d *campaign.Draft, section, row, field string) int {
	if d.Status != campaign.StatusReturned || section == "" {
		return -1
	}
	for i, key := range d.Flags.Flagged {
		if key == section+"/"+row+"/"+field {
			return i
		}
	}
	return -1
}

// FlaggedItem is an item a reviewer's return flagged, named as its contact
// knows it: a field, or a list's row (Field empty).
type FlaggedItem struct {
	Section string `json:"section"`
	Row     string `json:"row,omitempty"`
	Field   string `json:"field,omitempty"`
	Label   string `json:"label"`
}

// Flagged lists what the return of a draft flagged, in the return's order,
// leaving out rows deleted since.
func Flagged(f *campaign.Form, d *campaign.Draft) []FlaggedItem {
	if d == nil || d.Status != campaign.StatusReturned {
		return nil
	}
	var out []FlaggedItem
	for _, key := range d.Flags.Flagged {
		sec, row, field := splitItem(key)
		s := f.Section(sec)
		if s == nil || (s.Kind == campaign.List && d.Row(sec, row) == nil) || (field != "" && s.Field(field) == nil) {
			continue
		}
		out = append(out, FlaggedItem{Section: sec, Row: row, Field: field, Label: itemLabel(f, d, key)})
	}
	return out
}

// ApproveBatch approves the submissions (or packages) of ids that still
// wait for the contact's decision, as the chat's 全部通过 does, and says
// what was done: those that others handled meanwhile, and those the
// reviewer fills fields of as they approve, are left as they are.
func (e *Engine) ApproveBatch(ctx context.Context, contact int64, ids []int64) (string, error) {
	var done string
	_, err := e.run(ctx, contact, RouteDirect, "", false, func(t *turn) error {
		saved := *t.s
		defer func() { *t.s = saved }() // the chat stays where it was
		// Ids come from a page: none of them the contact's to decide is
		// a refusal, not "already handled".
		yours := false
		for _, id := range ids {
			sub, err := t.tx.Submission(t.ctx, id)
			if err != nil {
				return err
			}
			yours = yours || sub != nil && sub.Campaign == t.c.Campaign && t.canDecide(sub)
		}
		if !yours {
			return ErrNotYours
		}
		approved, skipped, err := t.approveBatch(ids)
		if err != nil {
			return err
		}
		if approved == 0 {
			return ErrBatchHandled
		}
		done = fmt.Sprintf(desk.BatchDone, approved)
		if skipped > 0 {
			done += fmt.Sprintf(desk.BatchSkipped, skipped)
		}
		return nil
	})
	return done, err
}

// QueueItem is a submission or a package waiting for the contact, for the
// page: what it is, who sent it when, and the items a return may flag.
type QueueItem struct {
	ID       int64     `json:"id"`
	Unit     string    `json:"unit"`
	UnitName string    `json:"unitName"`
	Form     string    `json:"form"`
	Title    string    `json:"title"`
	Line     string    `json:"line"`
	Package  bool      `json:"package,omitempty"`
	InChat   bool      `json:"inChat,omitempty"` // approved only in the chat (the reviewer fills fields)
	Warned   bool      `json:"warned,omitempty"` // the filler confirmed soft warnings: look before 全部通过
	Items    []FlagOpt `json:"items"`
	Text     string    `json:"text"` // every figure, as the chat shows it
}

// FlagOpt is an item a return may flag.
type FlagOpt struct {
	Key   string `json:"key"`
	Label string `json:"label"`
}

// Queue is what waits for the contact's decision, oldest first: the same
// list as the chat's 📥 待您审核.
func (e *Engine) Queue(ctx context.Context, contact int64) ([]QueueItem, error) {
	var out []QueueItem
	_, err := e.run(ctx, contact, RouteDirect, "", false, func(t *turn) error {
		saved := *t.s
		defer func() { *t.s = saved }()
		items, err := t.pending()
		if err != nil {
			return err
		}
		for _, it := range items {
			sub, err := t.tx.Submission(t.ctx, it.ID)
			if err != nil {
				return err
			}
			if sub == nil {
				continue
			}
			f := t.camp.Form(packageForm(sub.Form))
			text, _, err := t.describe(sub)
			if err != nil {
				return err
			}
			q := QueueItem{ID: it.ID, Unit: it.Unit, UnitName: t.camp.Units[it.Unit].Name, Form: packageForm(it.Form), Title: f.Name(),
				Line: t.itemLine(it), Package: IsPackage(it.Form), Text: text}
			q.InChat = !q.Package && len(reviewFields(f, t.unit.Level)) > 0
			q.Warned = !q.Package && len(softWarnings(f, snapshotDraft(sub))) > 0
			flags, err := t.returnItems(sub, &Returning{})
			if err != nil {
				return err
			}
			for _, fl := range flags {
				q.Items = append(q.Items, FlagOpt{Key: fl.Key, Label: fl.Label})
			}
			out = append(out, q)
		}
		return nil
	})
	return out, err
}
