package dialogs

import (
	"fmt"
	"strings"

	"tianbao/campaign"
	"tianbao/catalog"
)

// Correcting an answer by editing the message that gave it. Every typed
// answer to a question names that question in the input's recorded
// replies (Reply.Answer); the transport finds it again when the person
// edits the message (Telegram's edited_message) and sends the new text as
// an Input with Edit. The new text is checked as a typed answer is — the
// same parsing, the field's bounds, uniqueness, the cross-field rules —
// and replaces the answer while the form is a draft (or returned); a
// refused edit says why and changes nothing, and a submitted form is not
// changed by an edit, which says so.

// AnswerRef names one question of a unit's form: the form (a period's id
// for a standing return), its section, the row (a list's or table's key;
// "" in a record) and the field.
type AnswerRef struct {
	Form    string `json:"f"`
	Section string `json:"s"`
	Row     string `json:"r,omitempty"`
	Field   string `json:"d"`
}

var sheetText = catalog.Sheets

// question is the question the contact is on, as an AnswerRef (nil when
// it is none).
func (t *turn) question() *AnswerRef {
	if t.s.Form == "" || t.s.Field == "" {
		return nil
	}
	return &AnswerRef{Form: t.s.Form, Section: t.s.Section, Row: t.s.Row, Field: t.s.Field}
}

// edit applies the new text of a message that answered ref.
func (t *turn) edit(ref AnswerRef, text string) error {
	f := t.camp.Form(ref.Form)
	var sec *campaign.Section
	var fd *campaign.Field
	if f != nil && f.FilledByUnit(t.unit) {
		sec = f.Section(ref.Section)
	}
	if sec != nil {
		fd = sec.Field(ref.Field)
	}
	if fd == nil {
		t.message(sheetText.EditGone, nil)
		return nil
	}
	if fd.Type == campaign.File {
		t.message(fmt.Sprintf(sheetText.EditFileField, fd.Title()), nil)
		return nil
	}
	// Still on that very question: the corrected message is its answer,
	// and the walk goes on from it as it would have.
	if q := t.question(); t.c.Current && (t.s.Mode == ModeField || t.s.Mode == ModeConfirm) && q != nil && *q == ref {
		t.answered = true
		return t.text(text)
	}
	d, err := t.loadDraft(f.ID)
	if err != nil {
		return err
	}
	old, had := d.Value(sec.ID, ref.Row, fd.ID)
	shownOld := campaign.Display(fd, old)
	switch {
	case d.Status == campaign.StatusSubmitted:
		sub, err := t.tx.LatestSubmission(t.ctx, t.c.Campaign, t.c.Unit, f.ID)
		if err != nil {
			return err
		}
		version := 0
		if sub != nil {
			version = sub.Version
		}
		t.message(fmt.Sprintf(sheetText.EditSubmitted, fd.Title(), f.ShortName(), version, shownOld, f.ShortName()), nil)
		return nil
	case d.Status == campaign.StatusApproved:
		t.message(fmt.Sprintf(sheetText.EditApproved, f.ShortName(), fd.Title(), shownOld), nil)
		return nil
	case sec.Kind == campaign.List && d.Row(sec.ID, ref.Row) == nil:
		t.message(fmt.Sprintf(sheetText.EditRowGone, sec.RowNoun), nil)
		return nil
	case !d.Asked(sec, ref.Row, fd) || sec.IsSum(ref.Row) || sec.BlankIn(ref.Row, fd):
		t.message(fmt.Sprintf(sheetText.EditNotAsked, fd.Title()), nil)
		return nil
	}
	value, problem := campaign.Validate(fd, text)
	if problem != "" {
		t.message(fmt.Sprintf(sheetText.EditRefused, fd.Title(), shownOld, problem), nil)
		return nil
	}
	if had && old == value {
		t.message(fmt.Sprintf(sheetText.EditSame, fd.Title(), shownOld), nil)
		return nil
	}
	if d.UniqueClash(sec, ref.Row, fd, value) {
		t.message(fmt.Sprintf(sheetText.EditRefused, fd.Title(), shownOld, fmt.Sprintf(msg.Unique, value, fd.Label)), nil)
		return nil
	}
	fails := d.CheckRow(f, sec, ref.Row, fd.ID, map[string]string{fd.ID: value})
	t.logBroken(fails)
	var hard, soft []string
	for _, fl := range fails {
		switch {
		case fl.Blocks():
			hard = append(hard, "· "+fl.Message)
		case d.Flags.Soft[fl.Key()] != fl.Fingerprint:
			soft = append(soft, fl.Message)
		}
	}
	if len(hard) > 0 {
		t.message(fmt.Sprintf(sheetText.EditHard, fd.Title(), campaign.Display(fd, value), shownOld)+"\n"+strings.Join(hard, "\n"), nil)
		return nil
	}
	d.Set(sec.ID, ref.Row, fd.ID, value)
	d.RecomputeSums(sec)
	where := strings.TrimSuffix(campaign.RowLabel(d, sec, ref.Row), "：")
	if where != "" {
		where += " "
	}
	t.note(sheetText.EditDone, where+fd.Title(), shownOld, campaign.Display(fd, value))
	// A soft warning is not confirmed by an edit: it waits on the review,
	// like any other, for 确认无误.
	for _, s := range soft {
		t.note(sheetText.EditSoft, s)
	}
	if t.c.Current && t.s.Form == f.ID && t.editing() {
		// The screen the person is looking at is about this form: shown
		// again, with the change.
		return t.show()
	}
	text = strings.Join(t.notes, "\n")
	t.notes = nil
	t.message(text, nil)
	return nil
}
