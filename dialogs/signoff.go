package dialogs

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"tianbao/campaign"
	"tianbao/campaign/parse"
	"tianbao/catalog"
)

// Prefixes of buttons that stand outside the contact's dialog.
const (
	reviewPrefix = "rv:" // rv:<submission>:ok|no|view, on a review request and the queue
	goPrefix     = "go:" // go:<form>, opens a form (on a return notice)
	sumPrefix    = "sm:" // sm:<unit>, a summary's drill-down
	filePrefix   = "fl:" // fl:<submission>:<n>, sends a submission's n-th document
)

// OpenButton is the data of a button that opens a form from a message
// outside the dialog (a reminder, a return notice).
func OpenButton(form string) string { return goPrefix + form }

// SummaryButton is the data of a summary's drill-down button for unit.
func SummaryButton(unit string) string { return sumPrefix + unit }

// SubmissionStatus is where a submitted version stands.
type SubmissionStatus string

// The statuses of a submission.
const (
	SubSubmitted SubmissionStatus = "submitted"
	SubReturned  SubmissionStatus = "returned"
	SubApproved  SubmissionStatus = "approved"
	SubWithdrawn SubmissionStatus = "withdrawn"
)

// Submission is an immutable submitted version of a unit's form.
type Submission struct {
	ID       int64
	Campaign string
	Unit     string
	Form     string
	Version  int
	Status   SubmissionStatus
	Data     campaign.Snapshot
	At       time.Time     // submitted at
	Waited   time.Duration // since then, by the database's clock
}

// PendingItem is a submission waiting for a reviewer's decision.
type PendingItem struct {
	ID      int64
	Unit    string
	Form    string // a form id, or a package's (pkg:<form>)
	Version int
	At      time.Time     // when it was submitted
	Waited  time.Duration // since then, by the database's clock
	By      string        // who submitted it
}

// SubmissionEvent is one step of a submission's history.
type SubmissionEvent struct {
	Status  SubmissionStatus
	By      string // the actor's name
	ByUnit  string
	Reason  string
	Flagged []string
	At      time.Time
}

// Notification is a message for another contact than the one whose input
// caused it.
type Notification struct {
	ContactID int64
	Kind      string
	Reply     Reply
}

// Returning is a reviewer's return being written.
type Returning struct {
	Submission int64    `json:"submission"`
	Reason     string   `json:"reason,omitempty"`
	Flags      []string `json:"flags,omitempty"`
	Drill      string   `json:"drill,omitempty"` // a package's unit opened to flag its items
	Row        string   `json:"row,omitempty"`   // a row (section/row) opened to flag its single fields
}

// Summarizer writes /summary for a unit's subtree and the details behind
// its buttons (reports implements it).
type Summarizer interface {
	Summary(ctx context.Context, c *campaign.Campaign, unit string, now time.Time) (string, [][]Button, error)
	Details(ctx context.Context, c *campaign.Campaign, unit, what string, now time.Time) (string, [][]Button, error)
}

// Nudger sends the late units of a subtree a reminder now (催报), as the
// schedule would, and recorded as it records its own; each unit at most
// once an hour (reminders implements it).
type Nudger interface {
	Nudge(ctx context.Context, c *campaign.Campaign, unit string, now time.Time) (NudgeResult, error)
}

// NudgeResult is what a 催报 did: units reminded, messages queued, and the
// units left out because they were reminded within the hour.
type NudgeResult struct {
	Units, Messages int
	Recent          []string
}

// Prefixes of a summary's buttons: its details, the chart, a 催报.
const (
	detailPrefix = "sd:" // sd:<unit>:<what>
	chartPrefix  = "ch:" // ch:<unit>
	nudgePrefix  = "nd:" // nd:<unit>
)

// DetailButton opens one of a summary's details.
func DetailButton(unit, what string) string { return detailPrefix + unit + ":" + what }

// ChartButton sends a subtree's progress chart.
func ChartButton(unit string) string { return chartPrefix + unit }

// NudgeButton reminds a subtree's late units now.
func NudgeButton(unit string) string { return nudgePrefix + unit }

// reviewerUnit is the unit whose reviewers review u's own forms: a unit with
// units below it reviews its own (the city's 联席会议 审定 its rows before
// forwarding them); a county is reviewed by its city.
func reviewerUnit(c *campaign.Campaign, u *campaign.Unit) string {
	if len(u.Children) > 0 && u.Parent != "" {
		return u.Code
	}
	return u.Parent
}

// notifySubmitted tells the reviewing unit's reviewers about a submission:
// everything in it, what changed since the version before, its documents,
// and 通过 / 退回. The same item waits in their queue (see desk.go) whether
// or not this message reaches anyone.
func (t *turn) notifySubmitted(f *campaign.Form, d *campaign.Draft, sub *Submission) error {
	parent := reviewerUnit(t.camp, t.unit)
	if parent == "" {
		return nil
	}
	sub.Campaign, sub.Unit, sub.Form = t.c.Campaign, t.c.Unit, f.ID
	text, buttons, err := t.describe(sub)
	if err != nil {
		return err
	}
	return t.tell(parent, "review", Reply{Text: text, Buttons: buttons}, reviewers...)
}

// Whom tell addresses.
var (
	reviewers = []Role{Reviewer, Admin}
	everyone  = []Role{Filler, Reviewer, Admin}
)

// tell queues a message, in this transaction, for the active contacts of
// unit that have one of the roles (nobody for no unit).
func (t *turn) tell(unit, kind string, r Reply, roles ...Role) error {
	if unit == "" {
		return nil
	}
	n, err := t.tx.Tell(t.ctx, t.c.Campaign, unit, kind, r, roles...)
	t.notified = t.notified || n > 0
	return err
}

// reviewAction handles 通过 / 退回 on a review request.
func (t *turn) reviewAction(rest string) error {
	idText, action, _ := strings.Cut(rest, ":")
	id, err := strconv.ParseInt(idText, 10, 64)
	if err != nil || (action != "ok" && action != "no" && action != "view") {
		return t.staleNotice()
	}
	sub, err := t.tx.Submission(t.ctx, id)
	if err != nil {
		return err
	}
	if sub == nil || sub.Campaign != t.c.Campaign || !t.canDecide(sub) {
		if t.Log != nil {
			t.Log.Warn("refused a review action", "contact", t.c.ID, "submission", id)
		}
		t.note(msg.NotYourReview)
		return t.show()
	}
	f := t.camp.Form(packageForm(sub.Form))
	unit := t.camp.Units[sub.Unit]
	if f == nil || unit == nil {
		return t.staleNotice()
	}
	switch {
	case action == "view":
		t.s.Mode, t.s.Item = ModeItem, sub.ID
		return t.show()
	case sub.Status != SubSubmitted:
		// Handled meanwhile, by this reviewer or another: say by whom.
		handled, err := t.handledLine(sub)
		if err != nil {
			return err
		}
		t.replies = append(t.replies, Reply{Text: fmt.Sprintf(msg.AlreadyReviewed, subjectOf(unit, f, sub), handled), Replace: t.pressed})
		return nil
	case action == "ok":
		if asked, err := t.startApproval(sub); asked || err != nil {
			return err // the fields the reviewer fills come first
		}
		if err := t.approve(sub); err != nil {
			return err
		}
		done := fmt.Sprintf(msg.ApprovedDone, subjectOf(unit, f, sub))
		if t.s.Mode == ModeItem && t.s.Item == sub.ID {
			// Approved from the item's own screen: on to the next item
			// waiting, or the list, not a message with nothing to press.
			t.note(done)
			return t.nextItem()
		}
		// The request itself becomes the record of the decision; the
		// reviewer's own dialog stays where it was.
		t.replies = append(t.replies, Reply{Text: done, Replace: t.pressed})
		return nil
	}
	t.s.Mode, t.s.Returning = ModeReturn, &Returning{Submission: sub.ID}
	return t.show()
}

// approve approves a waiting submission or package and tells its unit.
func (t *turn) approve(sub *Submission) error {
	f := t.camp.Form(packageForm(sub.Form))
	if err := t.tx.SetSubmissionStatus(t.ctx, sub, SubApproved, t.c.ID, "", nil); err != nil {
		return err
	}
	if IsPackage(sub.Form) {
		return t.tell(sub.Unit, "package_approved", Reply{Text: fmt.Sprintf(msg.PackageApproved, f.Name(), sub.Version, t.unit.Name)}, reviewers...)
	}
	return t.tell(sub.Unit, "approved", Reply{Text: fmt.Sprintf(msg.ApprovedNotice, f.Name(), sub.Version, t.unit.Name)}, everyone...)
}

func subStatusName(s SubmissionStatus) string {
	switch s {
	case SubApproved:
		return msg.StatusApproved
	case SubReturned:
		return msg.StatusReturned
	case SubWithdrawn:
		return msg.StatusWithdrawn
	}
	return msg.StatusSubmitted
}

// staleNotice re-shows the current screen with the stale-button notice.
func (t *turn) staleNotice() error {
	t.pressed = false
	if err := t.show(); err != nil {
		return err
	}
	t.replies[0].Notice = msg.Stale
	return nil
}

// returnScreen asks for the reason, then for the items to flag.
func (t *turn) returnScreen() error {
	r := t.s.Returning
	if r == nil {
		t.s.Mode = ModeHome
		return t.show()
	}
	sub, err := t.tx.Submission(t.ctx, r.Submission)
	if err != nil {
		return err
	}
	if sub == nil || sub.Status != SubSubmitted || t.camp.Form(packageForm(sub.Form)) == nil {
		t.s.Mode, t.s.Returning = ModeHome, nil
		t.note(msg.ReturnGone)
		return t.show()
	}
	f, unit := t.camp.Form(packageForm(sub.Form)), t.camp.Units[sub.Unit]
	if r.Reason == "" {
		t.screen(fmt.Sprintf(msg.ReturnAskReason, subjectOf(unit, f, sub)), [][]Button{{{Label: msg.BtnCancel, Data: "cancel"}}})
		t.replies[len(t.replies)-1].Typed = true
		return nil
	}
	items, err := t.returnItems(sub, r)
	if err != nil {
		return err
	}
	prefix := ""
	if r.Drill != "" {
		prefix = r.Drill + "|"
	}
	var buttons [][]Button
	for i, it := range items {
		mark := "☐ "
		if slices.Contains(r.Flags, it.Key) {
			mark = "☑ "
		}
		label := mark + it.Label
		if n := countInside(r.Flags, prefix, it.Open); it.Open != "" && n > 0 {
			label = fmt.Sprintf(so.RowFlagged, label, n)
		}
		row := []Button{{Label: label, Data: "flag:" + strconv.Itoa(i)}}
		if it.Unit != "" || it.Open != "" {
			row = append(row, Button{Label: msg.BtnFlagInside, Data: "drill:" + strconv.Itoa(i)})
		}
		buttons = append(buttons, row)
	}
	switch {
	case r.Row != "":
		buttons = append(buttons, []Button{{Label: so.BtnBackToItems, Data: "undrill"}})
	case r.Drill != "":
		buttons = append(buttons, []Button{{Label: msg.BtnBackToUnits, Data: "undrill"}})
	}
	buttons = append(buttons, []Button{{Label: fmt.Sprintf(msg.BtnConfirmReturn, len(r.Flags)), Data: "send"}, {Label: msg.BtnCancel, Data: "cancel"}})
	text := fmt.Sprintf(msg.ReturnAskFlags, unit.Name, f.Name(), r.Reason)
	if IsPackage(sub.Form) {
		text = fmt.Sprintf(msg.ReturnAskUnits, unit.Name, f.Name(), r.Reason)
		if r.Drill != "" {
			text = fmt.Sprintf(msg.ReturnAskInside, t.camp.Units[r.Drill].Name, r.Reason)
		}
	}
	if r.Row != "" {
		where, err := t.openedRowLabel(sub, r)
		if err != nil {
			return err
		}
		text = fmt.Sprintf(msg.ReturnAskInside, where, r.Reason)
	}
	t.screen(text, buttons)
	return nil
}

// openedRowLabel names the row a return has opened to flag its fields:
// 西湖区 可建成第 2 个园区「三墩园」.
func (t *turn) openedRowLabel(sub *Submission, r *Returning) (string, error) {
	f := t.camp.Form(packageForm(sub.Form))
	data, _, err := t.flaggedData(sub, r)
	if err != nil {
		return "", err
	}
	label := itemLabel(f, campaign.DraftOf("", "", f.ID, data), r.Row+"/")
	if r.Drill != "" {
		label = t.camp.Units[r.Drill].Name + " " + label
	}
	return label, nil
}

// flaggedData is the answers and level of what a return flags items in: the
// submission's own, or with a package's unit opened, that unit's carried
// submission.
func (t *turn) flaggedData(sub *Submission, r *Returning) (campaign.Snapshot, campaign.Level, error) {
	if !IsPackage(sub.Form) {
		return sub.Data, t.camp.Units[sub.Unit].Level, nil
	}
	for _, c := range carriedOf(sub) {
		if c.Unit != r.Drill {
			continue
		}
		unitSub, err := t.tx.Submission(t.ctx, c.Submission)
		if err != nil || unitSub == nil {
			return campaign.Snapshot{}, "", err
		}
		return unitSub.Data, t.camp.Units[c.Unit].Level, nil
	}
	return campaign.Snapshot{}, "", nil
}

// returnItems is what a return can flag: a form's fields and rows; for a
// package, the units it carries (whole), or with one unit opened, that
// unit's fields and rows (keyed unit|item).
func (t *turn) returnItems(sub *Submission, r *Returning) ([]flagItem, error) {
	f := t.camp.Form(packageForm(sub.Form))
	if IsPackage(sub.Form) && r.Drill == "" {
		var out []flagItem
		for _, c := range carriedOf(sub) {
			out = append(out, flagItem{Key: c.Unit, Label: fmt.Sprintf(msg.FlagUnit, t.camp.Units[c.Unit].Name, c.Version), Unit: c.Unit})
		}
		return out, nil
	}
	data, level, err := t.flaggedData(sub, r)
	if err != nil || level == "" {
		return nil, err
	}
	items := flagItems(f, data, level)
	if r.Row != "" {
		items = rowFlagItems(f, data, level, r.Row)
	}
	if r.Drill != "" {
		for i := range items {
			items[i].Key = r.Drill + "|" + items[i].Key
		}
	}
	return items, nil
}

func (t *turn) returnText(text string) error {
	r := t.s.Returning
	reason := parse.Text(text)
	if r == nil {
		t.s.Mode = ModeHome
		return t.show()
	}
	if r.Reason != "" || reason == "" {
		t.note(msg.NoQuestion)
		return t.show()
	}
	if len([]rune(reason)) > 500 {
		t.note(msg.ReasonTooLong)
		return t.show()
	}
	r.Reason = reason
	return t.show()
}

func (t *turn) returnButton(name, arg string) error {
	r := t.s.Returning
	if r == nil {
		return t.staleNotice()
	}
	switch name {
	case "cancel":
		t.s.Mode, t.s.Returning = ModeHome, nil
		t.note(msg.ReturnCancelled)
		return t.show()
	case "flag", "drill":
		sub, err := t.tx.Submission(t.ctx, r.Submission)
		if err != nil || sub == nil {
			return err
		}
		items, err := t.returnItems(sub, r)
		if err != nil {
			return err
		}
		i, err := strconv.Atoi(arg)
		if err != nil || i < 0 || i >= len(items) || r.Reason == "" {
			return t.staleNotice()
		}
		switch {
		case name == "drill" && items[i].Unit != "":
			r.Drill = items[i].Unit
		case name == "drill" && items[i].Open != "":
			r.Row = items[i].Open
		case name == "drill":
			return t.staleNotice()
		case slices.Contains(r.Flags, items[i].Key):
			r.Flags = remove(r.Flags, items[i].Key)
		default:
			r.Flags = append(r.Flags, items[i].Key)
		}
		return t.show()
	case "undrill":
		if r.Row != "" {
			r.Row = ""
		} else {
			r.Drill = ""
		}
		return t.show()
	case "send":
		return t.sendReturn()
	}
	return t.staleNotice()
}

func remove(list []string, s string) []string {
	var out []string
	for _, x := range list {
		if x != s {
			out = append(out, x)
		}
	}
	return out
}

// sendReturn returns the submission with the reason and flags.
func (t *turn) sendReturn() error {
	r := t.s.Returning
	sub, err := t.tx.Submission(t.ctx, r.Submission)
	if err != nil {
		return err
	}
	if sub == nil || !t.canDecide(sub) || sub.Status != SubSubmitted || r.Reason == "" {
		t.s.Mode, t.s.Returning = ModeHome, nil
		t.note(msg.ReturnGone)
		return t.show()
	}
	if IsPackage(sub.Form) {
		return t.returnPackage(sub, r.Reason, r.Flags)
	}
	f, unit := t.camp.Form(sub.Form), t.camp.Units[sub.Unit]
	// Items in form order, whatever the order they were ticked in, and only
	// what the unit may correct.
	flagged := orderFlags(f, sub.Data, unit.Level, r.Flags)
	var labels []string
	for _, key := range flagged {
		labels = append(labels, itemLabel(f, snapshotDraft(sub), key))
	}
	if err := t.tx.SetSubmissionStatus(t.ctx, sub, SubReturned, t.c.ID, r.Reason, flagged); err != nil {
		return err
	}
	what := msg.WholeForm
	if len(labels) > 0 {
		what = strings.Join(labels, "、")
	}
	notice := fmt.Sprintf(msg.ReturnedNotice, f.Name(), sub.Version, t.unit.Name, r.Reason, what)
	if err := t.tell(sub.Unit, "returned", Reply{Text: notice, Buttons: [][]Button{{{Label: msg.BtnGoFix, Data: goPrefix + f.ID}}}}, everyone...); err != nil {
		return err
	}
	t.s.Mode, t.s.Returning = ModeHome, nil
	t.note(msg.ReturnedDone, subjectOf(unit, f, sub))
	return t.show()
}

// returnedNote explains a returned form to its contact.
func (t *turn) returnedNote(f *campaign.Form, d *campaign.Draft) (string, error) {
	what := msg.WholeForm
	if len(d.Flags.Flagged) > 0 {
		var labels []string
		var returned *Submission
		for _, key := range d.Flags.Flagged {
			sec, row, _ := splitItem(key)
			if s := f.Section(sec); s != nil && s.Kind == campaign.List && d.Row(sec, row) == nil {
				// Flagged, and deleted since: named as the returned version had it.
				if returned == nil {
					var err error
					if returned, err = t.tx.LatestSubmission(t.ctx, t.c.Campaign, t.c.Unit, f.ID); err != nil {
						return "", err
					}
				}
				name := ""
				if returned != nil {
					for _, r := range returned.Data.Sections[sec] {
						if r.Key == row && len(s.Fields) > 0 {
							name = r.Values[s.Fields[0].ID]
						}
					}
				}
				labels = append(labels, fmt.Sprintf(msg.RowDeletedName, s.Title+s.RowNoun, name))
				continue
			}
			labels = append(labels, itemLabel(f, d, key))
		}
		what = strings.Join(labels, "、")
	}
	return fmt.Sprintf(msg.ReturnedHeader, d.Flags.Reason, what), nil
}

// flaggedFrom goes to the first flagged item at or after index i that still
// exists, and reports whether there was one.
func (t *turn) flaggedFrom(f *campaign.Form, d *campaign.Draft, i int) bool {
	for ; i < len(d.Flags.Flagged); i++ {
		// Only what the unit may fill: not a row deleted meanwhile, a field
		// another level fills, a cell left empty (——) or a total.
		s, row, fd := flaggedField(f, d, d.Flags.Flagged[i])
		if fd == nil {
			continue
		}
		t.at(ModeField, s.ID, row, fd.ID)
		t.s.Return = returnFlagged
		t.s.FlagAt = i
		return true
	}
	return false
}

// nextFlagged moves on after answering a flagged item: the rest of a
// flagged row, then the next item, then the review.
func (t *turn) nextFlagged(f *campaign.Form, sec *campaign.Section, fd *campaign.Field, d *campaign.Draft) error {
	if t.s.FlagAt < len(d.Flags.Flagged) {
		_, _, field := splitItem(d.Flags.Flagged[t.s.FlagAt])
		if field == "" {
			if next := campaign.NextAsked(d, sec, t.s.Row, fd); next != nil {
				t.s.Field = next.ID
				return t.show()
			}
		}
	}
	if t.flaggedFrom(f, d, t.s.FlagAt+1) {
		return t.show()
	}
	t.at(ModeReview, "", "", "")
	t.s.Return = returnWalk
	return t.show()
}

// withdraw takes back a submission nobody has reviewed yet.
func (t *turn) withdraw(f *campaign.Form, d *campaign.Draft) error {
	sub, err := t.tx.LatestSubmission(t.ctx, t.c.Campaign, t.c.Unit, f.ID)
	if err != nil {
		return err
	}
	if sub == nil || sub.Status != SubSubmitted {
		t.note(msg.CannotWithdraw)
		return t.show()
	}
	if err := t.tx.SetSubmissionStatus(t.ctx, sub, SubWithdrawn, t.c.ID, "", nil); err != nil {
		return err
	}
	d.Status = campaign.StatusDraft // written by SetSubmissionStatus
	if err := t.tell(reviewerUnit(t.camp, t.unit), "withdrawn", Reply{Text: fmt.Sprintf(msg.WithdrawnNotice, t.unit.Name, f.Name(), sub.Version)}, reviewers...); err != nil {
		return err
	}
	t.note(msg.WithdrawnDone, f.Name(), sub.Version)
	t.at(ModeReview, "", "", "")
	return t.show()
}

// summary shows /summary: a reviewer's subtree, or a filler's own unit.
func (t *turn) summary() error { return t.summaryOf(t.c.Unit) }

// summaryOf shows the summary of a unit in the contact's subtree.
func (t *turn) summaryOf(unit string) error {
	if (t.c.Role != Reviewer && t.c.Role != Admin) || t.Summaries == nil {
		t.s.Mode, t.s.Form = ModeHome, ""
		return t.show()
	}
	if t.camp.Units[unit] == nil || !t.camp.InSubtree(t.c.Unit, unit) {
		if t.Log != nil {
			t.Log.Warn("refused a summary", "contact", t.c.ID, "unit", unit)
		}
		t.note(msg.NotYourSummary)
		return t.show()
	}
	text, buttons, err := t.Summaries.Summary(t.ctx, t.camp, unit, t.now())
	if err != nil {
		return err
	}
	if b, ok := t.deskButton(unit); ok {
		buttons = append(buttons, []Button{b})
	}
	t.message(text, buttons)
	return nil
}

// deskButton opens the desk's page (the Mini App) at a unit, for a
// reviewer, when there is one.
func (t *turn) deskButton(unit string) (Button, bool) {
	if t.AppURL == "" || !t.reviews() {
		return Button{}, false
	}
	if unit == "" {
		unit = t.c.Unit
	}
	// The desk opens at this place (its campaign and unit), whatever the
	// person does in the chat meanwhile; the page checks it is theirs.
	u := t.AppURL
	sep := "?"
	if strings.Contains(u, "?") {
		sep = "&"
	}
	u += sep + "campaign=" + url.QueryEscape(t.c.Campaign) + "&unit=" + url.QueryEscape(unit) + "&place=" + strconv.FormatInt(t.c.ID, 10)
	return Button{Label: catalog.DeskTexts["button"], WebApp: u}, true
}

// mayLookAt checks a summary button's unit: in the contact's subtree, and
// the contact a reviewer; a refusal is said and logged.
func (t *turn) mayLookAt(unit string) bool {
	if t.reviews() && t.Summaries != nil && t.camp.Units[unit] != nil && t.camp.InSubtree(t.c.Unit, unit) {
		return true
	}
	if t.Log != nil {
		t.Log.Warn("refused a summary button", "contact", t.c.ID, "unit", unit)
	}
	t.note(msg.NotYourSummary)
	return false
}

// summaryDetail opens a detail behind a summary's button.
func (t *turn) summaryDetail(rest string) error {
	unit, what, _ := strings.Cut(rest, ":")
	if !t.mayLookAt(unit) {
		return t.show()
	}
	text, buttons, err := t.Summaries.Details(t.ctx, t.camp, unit, what, t.now())
	if err != nil {
		return err
	}
	t.replies = append(t.replies, Reply{Text: text, Buttons: buttons, Replace: t.pressed})
	return nil
}

// chart sends a subtree's progress as a picture.
func (t *turn) chart(unit string) error {
	if !t.mayLookAt(unit) {
		return t.show()
	}
	t.replies = append(t.replies, Reply{Text: fmt.Sprintf(catalog.Texts.ChartCaption, t.camp.Units[unit].Name), Attach: &Attachment{Chart: unit}})
	return nil
}

// nudge reminds the late units of a subtree now (催报).
func (t *turn) nudge(unit string) error {
	if !t.mayLookAt(unit) {
		return t.show()
	}
	if t.Nudges == nil {
		return t.staleNotice()
	}
	r, err := t.Nudges.Nudge(t.ctx, t.camp, unit, t.now())
	if err != nil {
		return err
	}
	text := fmt.Sprintf(msg.NudgeDone, r.Units, r.Messages)
	if r.Units == 0 {
		text = msg.NudgeNone
	}
	if len(r.Recent) > 0 {
		text += "\n" + fmt.Sprintf(msg.NudgeRecent, strings.Join(r.Recent, "、"))
	}
	t.notified = t.notified || r.Messages > 0
	t.replies = append(t.replies, Reply{Text: text})
	return nil
}

// Diff lists what changed between two versions of a form, for people:
// "新建成（家）：5 → 4", rows added and removed.
func Diff(f *campaign.Form, old, cur campaign.Snapshot) []string {
	var out []string
	rowsOf := func(s campaign.Snapshot, sec string) map[string]map[string]string {
		m := map[string]map[string]string{}
		for _, r := range s.Sections[sec] {
			m[r.Key] = r.Values
		}
		return m
	}
	for _, s := range f.Sections {
		before, after := rowsOf(old, s.ID), rowsOf(cur, s.ID)
		name := func(values map[string]string) string {
			if len(s.Fields) > 0 {
				return values[s.Fields[0].ID]
			}
			return ""
		}
		for _, r := range cur.Sections[s.ID] {
			prev, existed := before[r.Key]
			where := ""
			switch s.Kind {
			case campaign.List:
				if !existed {
					out = append(out, fmt.Sprintf(msg.DiffAdded, s.Title, s.RowNoun, name(r.Values)))
					continue
				}
				where = s.Title + "「" + name(r.Values) + "」"
			case campaign.Table:
				for _, rk := range s.Rows {
					if rk.Key == r.Key {
						where = rk.Title
					}
				}
			}
			for _, fd := range s.Fields {
				a, b := prev[fd.ID], r.Values[fd.ID]
				if a != b {
					label := fd.Title()
					if where != "" {
						label = where + " " + fd.Label
					}
					out = append(out, fmt.Sprintf("%s：%s → %s", label, campaign.Display(fd, a), campaign.Display(fd, b)))
				}
			}
		}
		if s.Kind == campaign.List {
			for _, r := range old.Sections[s.ID] {
				if _, still := after[r.Key]; !still {
					out = append(out, fmt.Sprintf(msg.DiffRemoved, s.Title, s.RowNoun, name(r.Values)))
				}
			}
		}
	}
	return out
}

// subjectOf names a submission in a reviewer's messages: 西湖区《附件3 …》第 2 版,
// or, for a package, 杭州市《附件3 …》汇总（第 2 次上报）.
func subjectOf(unit *campaign.Unit, f *campaign.Form, sub *Submission) string {
	if IsPackage(sub.Form) {
		return fmt.Sprintf(desk.ItemPackage, unit.Name, f.Name(), sub.Version)
	}
	return fmt.Sprintf(desk.ItemForm, unit.Name, f.Name(), sub.Version)
}
