// Package dialogs is the conversation and sign-off engine: it walks a contact
// through a campaign's forms (package campaign is the model and its checks),
// and carries submissions through review, returns and packages up the levels. An Input goes in, Replies come
// out; the engine knows nothing of Telegram or SQL. It declares the small
// interfaces it needs (Store, Tx, Campaigns) and the store implements them.
package dialogs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"tianbao/campaign"
)

// Role is what a contact may do.
type Role string

// The roles.
const (
	Filler   Role = "filler"
	Reviewer Role = "reviewer"
	Admin    Role = "admin"
)

// Contact is a person acting for a unit in a campaign: one of the
// person's places. A person (one Telegram account) may hold any number of
// them: several campaigns, several units, a filler in one and a reviewer
// in another; each has its own session.
type Contact struct {
	ID       int64
	Campaign string
	Unit     string
	Role     Role
	Name     string
	Person   int64
	// Current says this is the place the person's typed text goes to (a
	// chat is one conversation for all of a person's places).
	Current bool
}

// Route says how an input found its contact.
type Route uint8

const (
	// RouteDirect: the caller names the contact and acts there, leaving
	// the person's current place as it is (the console, the desk's
	// reviews, tests).
	RouteDirect Route = iota
	// RouteCurrent: typed in a chat, for whatever place the person is on.
	// If the person moved to another place since the caller looked (on
	// another replica, say), nothing is done and ErrNotCurrent says so.
	RouteCurrent
	// RouteSwitch: a button bound to the place (see Bind), or the desk's
	// way back into the chat: the place becomes the person's current one.
	RouteSwitch
)

// Input is one thing a contact did: typed text (commands included), a
// pressed button, or an uploaded file.
type Input struct {
	ContactID int64
	Route     Route
	// Places is how many places the person holds, as the transport knows
	// (0 or 1: one). With more, /start lists them to choose from, and the
	// start screen offers to switch.
	Places int
	// Arrived says the input brings the person to this place (an invite
	// just redeemed): /start shows the place's start screen, not the list.
	Arrived bool
	Text    string
	Button  string // the button's data, as Reply.Buttons carried it
	File    *FileInput
	// Edit says Text is a new version of a message that answered this
	// question (Telegram's edited_message): the answer is corrected,
	// checked again, wherever the contact stands now (see edits.go).
	Edit *AnswerRef
	// Key makes the input idempotent (a Telegram update id): applied once,
	// however often it arrives.
	Key string
}

// Reply is one message to show.
type Reply struct {
	Text    string
	Buttons [][]Button
	// Replace says the message may take the place of the one whose button
	// was pressed (a Telegram bot edits it rather than piling up messages).
	Replace bool
	// Notice is a short pop-up for the pressed button (此按钮已失效).
	Notice string
	// Typed says the screen asks for a typed answer (its buttons, if any,
	// are shortcuts), so a client must not read a typed number as a button.
	Typed bool
	// Attach is something to send with the text: a stored document, a
	// spreadsheet or a chart the transport makes.
	Attach *Attachment `json:",omitempty"`
	// Headed says the text names the place (or places) it is about
	// already, so no heading is put before it (see WithHeading).
	Headed bool `json:",omitempty"`
	// Answer names the question the input's typed text answered; it is
	// recorded with the input's replies and never shown, so that an edit
	// of that message later finds the answer it corrects (see edits.go).
	Answer *AnswerRef `json:",omitempty"`
}

// Attachment is what a reply carries besides its text. The engine names
// it; the transport fetches or makes it (a document from the database, a
// form's XLSX, a progress chart) and sends it after the text.
type Attachment struct {
	File   string     `json:",omitempty"` // a stored document's reference (file:ID)
	Name   string     `json:",omitempty"` // the name to send it under
	Export *ExportRef `json:",omitempty"` // a spreadsheet to make
	Chart  string     `json:",omitempty"` // a unit: the progress chart of its subtree
	// Template is a unit's form to fill offline (/template), pre-filled
	// with its draft.
	Template *TemplateRef `json:",omitempty"`
}

// TemplateRef names a template: a unit's form (a period's id for a
// standing return).
type TemplateRef struct {
	Unit, Form string
}

// ExportRef names a spreadsheet: one form of a unit's subtree, as a
// package carries it (Package) or as the unit's reviewers see it.
type ExportRef struct {
	Unit    string
	Form    string
	Package int64 `json:",omitempty"`
}

// Button is one choice under a message. Data is small (≤ 64 bytes), stable
// across restarts, and carries no authority: the engine checks it against
// the contact's current question. A button with WebApp opens that page (the
// desk's Mini App) instead of answering.
type Button struct {
	Label  string
	Data   string
	WebApp string `json:",omitempty"`
}

// Store is what the engine needs from persistence.
type Store interface {
	// WithContact runs fn in one transaction with the contact's session
	// locked, so that one contact's inputs apply one at a time. If fn
	// returns an error nothing is saved. fn may be run again after a
	// conflict with another transaction. A non-empty key makes the input
	// idempotent: if an input with that key was already applied, fn is not
	// run and a *DuplicateError carries the replies it produced.
	// The route says whether the contact must be (RouteCurrent), or
	// becomes (RouteSwitch), the person's current place; the store reads
	// Contact.Current afresh for such a turn rather than trusting what it
	// remembers.
	WithContact(ctx context.Context, contactID int64, route Route, key string, fn func(tx Tx, c *Contact, s *Session) error) error
}

// Tx is the engine's view of one transaction.
type Tx interface {
	// Draft loads a unit's draft of a form and locks it; a form never
	// touched comes back empty (and is created when saved).
	Draft(ctx context.Context, campaignID, unit, form string) (*campaign.Draft, error)
	// Drafts loads all of a unit's drafts, without locking, for overviews.
	Drafts(ctx context.Context, campaignID, unit string) (map[string]*campaign.Draft, error)
	// Save writes the contact's position in the dialog and, if d is not
	// nil, the draft's changes, flags and status, auditing every change;
	// with a key, it records the replies of the input.
	Save(ctx context.Context, c *Contact, s *Session, d *campaign.Draft, key string, replies []Reply) error
	// Submit stores an immutable copy of the draft and returns it.
	Submit(ctx context.Context, d *campaign.Draft, campaignVersion int, actor int64) (*Submission, error)
	// Submission loads a submission by id and locks it; LatestSubmission the
	// newest of a unit's form (nil if none); PreviousSubmission the version
	// before (nil if none).
	Submission(ctx context.Context, id int64) (*Submission, error)
	LatestSubmission(ctx context.Context, campaignID, unit, form string) (*Submission, error)
	// SetReviewValues writes what the reviewing level fills as it approves
	// into the submission and the unit's draft.
	SetReviewValues(ctx context.Context, s *Submission, section string, values map[string]string, actor int64) error
	// EarlierReturn is a unit's approved submission of a form, else its
	// latest, else nil: another period's, read without locks.
	EarlierReturn(ctx context.Context, campaignID, unit, form string) (*Submission, error)
	PreviousSubmission(ctx context.Context, s *Submission) (*Submission, error)
	// SetSubmissionStatus moves a submission (and its unit's draft) to a new
	// status, with the reason and the flagged items of a return, recording
	// the step in the submission's history and the audit log.
	SetSubmissionStatus(ctx context.Context, s *Submission, status SubmissionStatus, actor int64, reason string, flagged []string) error
	// Tell queues r, in this transaction, for the active contacts of unit
	// that have one of the roles, and returns how many there were (or, when
	// the store writes it only with the turn's draft, 1: maybe some).
	Tell(ctx context.Context, campaignID, unit, kind string, r Reply, roles ...Role) (int, error)
	// Notify queues messages for contacts (the outbox).
	Notify(ctx context.Context, n []Notification) error
	// RequestExtension stores a request (setting its ID); Extension loads
	// one and locks it; DecideExtension records the decision; UnitExtensions
	// maps a unit's forms to their approved new due dates.
	RequestExtension(ctx context.Context, r *ExtensionRequest, actor int64) error
	Extension(ctx context.Context, id int64) (*ExtensionRequest, error)
	DecideExtension(ctx context.Context, r *ExtensionRequest, status string, actor int64) error
	UnitExtensions(ctx context.Context, campaignID, unit string) (map[string]time.Time, error)
	// UnitStates returns the status of form for each of the units that has
	// a draft of it.
	UnitStates(ctx context.Context, campaignID string, units []string, form string) (map[string]campaign.Status, error)
	// Pending lists the submissions (forms and packages) of the units that
	// wait for review, oldest first.
	Pending(ctx context.Context, campaignID string, units []string) ([]PendingItem, error)
	// History is what happened to a submission, in order, with who did it.
	History(ctx context.Context, submission int64) ([]SubmissionEvent, error)
	// ContactNames lists the names of a unit's active contacts that have
	// one of the roles.
	ContactNames(ctx context.Context, campaignID, unit string, roles ...Role) ([]string, error)
	// Suggestions returns answers to a field that the other units under
	// parent (not unit) submitted, most frequent first.
	Suggestions(ctx context.Context, campaignID, parent, unit, form, field string, limit int) ([]string, error)
	// ReturnedPackages lists the units' latest packages of each form that
	// stand returned, oldest first.
	ReturnedPackages(ctx context.Context, campaignID string, units []string) ([]*Submission, error)
	// MakeCurrent makes c its person's current place, moving the person
	// away from the place they were on (whose turns in flight are then
	// caught by its session's version).
	MakeCurrent(ctx context.Context, c *Contact) error
	// Places lists the active places of c's person, c among them, with
	// the current one marked.
	Places(ctx context.Context, c *Contact) ([]Contact, error)
	// Mark records the level above's mark on a unit's form or package (免报,
	// 未收到) with its reason, as a submission of that status.
	Mark(ctx context.Context, campaignID, unit, form string, status SubmissionStatus, campaignVersion int, reason string, actor int64) (*Submission, error)
	// Holders lists who holds a role in a unit of a campaign.
	Holders(ctx context.Context, campaignID, unit string) ([]Holder, error)
	// RemovePlace takes a person's place in a unit away — and, when the
	// role is the roster's, the role and its place in every campaign that
	// shares it — recorded in the audit log as by's; ErrNotHolder when the
	// place is gone already.
	RemovePlace(ctx context.Context, contact int64, by *Contact, replaced bool) (Removal, error)
	// StoredFile and SaveFile keep uploads (see files.go).
	StoredFile(ctx context.Context, campaignID, unit, uniqueID string) (*StoredFile, error)
	SaveFile(ctx context.Context, up FileUpload) (string, error)
}

// Campaigns hands out loaded campaigns.
type Campaigns interface {
	Campaign(ctx context.Context, id string) (*campaign.Campaign, error)
}

// ErrUnknownContact is returned for an input from a contact that does not exist.
var ErrUnknownContact = errors.New("unknown contact")

// ErrNotCurrent is returned, with nothing done, for an input routed to the
// person's current place (RouteCurrent) when the person has moved to
// another place since: the caller finds the current place and tries again.
var ErrNotCurrent = errors.New("the person is on another place now")

// DuplicateError is returned by Handle for an input whose key was already
// applied: nothing changed, and Replies is what the first time said.
type DuplicateError struct {
	Key     string
	Replies []Reply
	Sent    bool // the transport marked those replies delivered
}

func (e *DuplicateError) Error() string { return "input " + e.Key + " was already applied" }

// Engine runs the conversation.
type Engine struct {
	Store     Store
	Campaigns Campaigns
	Now       func() time.Time // a clock tests can set
	Log       *slog.Logger
	Summaries Summarizer // /summary; nil: reviewers get the status screen
	Nudges    Nudger     // a summary's 催报; nil: not offered
	Invites   Inviter    // /invite; nil: not offered
	// InviteLink turns an invitation's token into what to pass on (the
	// bot's t.me deep link); nil: "/start TOKEN", to send the bot.
	InviteLink func(token string) string
	// AppURL is the desk's page (APP_URL, the Mini App): reviewers get a
	// button to it under /start and /summary. Empty: no such button.
	AppURL string
	// Notified, if set, is called after an input that queued notifications
	// for other contacts was committed, so a sender can deliver them now
	// instead of polling for them.
	Notified func()
	// FileQuota bounds what each unit stores (zero fields: the defaults).
	FileQuota FileQuota
	// Sheets reads the templates /template sends when they come back
	// filled (see sheets.go); nil: no /template, and a workbook sent is a
	// file like any other.
	Sheets SheetReader
}

// Mode is the kind of screen a contact is on.
type Mode string

// The screens.
const (
	ModeHome     Mode = ""         // the list of forms
	ModeField    Mode = "field"    // a question
	ModeConfirm  Mode = "confirm"  // a soft warning awaiting 确认 / 重新输入
	ModeList     Mode = "list"     // the rows of a list section
	ModeRow      Mode = "row"      // one row of a list section
	ModeDelete   Mode = "delete"   // confirming a row's deletion
	ModeReview   Mode = "review"   // everything entered, before submit
	ModeView     Mode = "view"     // a submitted form, read only
	ModeWithdraw Mode = "withdraw" // asked to confirm taking a submission back
	ModeApprove  Mode = "approve"  // a reviewer filling 核定数 / 审核意见 as they approve
	ModeReturn   Mode = "return"   // a reviewer writing a return: reason, then flags
	ModeExtend   Mode = "extend"   // a contact asking for more time
	ModeQueue    Mode = "queue"    // a reviewer's pending items
	ModeItem     Mode = "item"     // one pending item in full
	ModeBatch    Mode = "batch"    // confirming 全部通过
	ModePlaces   Mode = "places"   // the person's places, to choose one
	ModeMark     Mode = "mark"     // a reviewer marking a unit below 免报 or 未收到
	ModePeriods  Mode = "periods"  // every open period of a standing return (Form: its id)
	// ModeSheetDiff: a file sent back changes answers there were; 确认?
	ModeSheetDiff Mode = "sheetdiff"
)

// Where a single-field edit returns to.
const (
	returnWalk    = ""        // go on to the next field
	returnReview  = "review"  // back to the review screen
	returnRow     = "row"     // back to the row's menu
	returnMissing = "missing" // the next unanswered required field of the row, then the review
	returnFlagged = "flagged" // walk the items a reviewer flagged, then the review
	returnField   = "field:"  // field:<id>: back to that field of the row
	returnSheet   = "sheet"   // walk what an imported file left to see to, then the review
)

// Session is a contact's position in the dialog. It is stored with every
// input, so a draft resumes exactly where it stopped, in any process.
type Session struct {
	Seq        int    `json:"seq"` // numbers each screen; buttons carry it
	Mode       Mode   `json:"mode,omitempty"`
	Form       string `json:"form,omitempty"`
	Section    string `json:"section,omitempty"`
	Row        string `json:"row,omitempty"`
	Field      string `json:"field,omitempty"`
	Return     string `json:"return,omitempty"`
	ListReturn string `json:"list_return,omitempty"`
	Pending    string `json:"pending,omitempty"` // the answer a soft warning holds back
	// Replacing says Pending was typed on a warning's screen instead of
	// confirming it, and waits for its own yes before it is stored.
	Replacing bool     `json:"replacing,omitempty"`
	Suggest   []string `json:"suggest,omitempty"` // the suggestions shown as buttons
	// Returning is a reviewer's return in progress.
	Returning *Returning `json:"returning,omitempty"`
	// Approving is a reviewer's approval in progress that asks the fields
	// the reviewing level fills.
	Approving *Approving `json:"approving,omitempty"`
	// Marking is a reviewer's 免报／未收到 mark in progress.
	Marking *Marking `json:"marking,omitempty"`
	// FlagAt is the flagged item being corrected in a returned form.
	FlagAt int `json:"flag_at,omitempty"`
	// Extending is an extension request being written.
	Extending *Extending `json:"extending,omitempty"`
	// Page is the queue's page; Batch the items its 全部通过 covers; Item
	// the submission shown in full.
	Page  int     `json:"page,omitempty"`
	Batch []int64 `json:"batch,omitempty"`
	Item  int64   `json:"item,omitempty"`
	// Sheet is a file sent back being followed up (sheets.go).
	Sheet *SheetWalk `json:"sheet,omitempty"`
}

// Handle applies one input and returns what to show. The whole input is one
// transaction: on any error nothing is saved and the caller shows Apology().
func (e *Engine) Handle(ctx context.Context, in Input) ([]Reply, error) {
	return e.run(ctx, in.ContactID, in.Route, in.Key, in.Button != "", func(t *turn) error {
		t.places, t.arrived = in.Places, in.Arrived
		return t.dispatch(in)
	})
}

// run is one turn of a contact: act runs on the contact's session and
// drafts, and everything it changed is saved in one transaction.
func (e *Engine) run(ctx context.Context, contactID int64, route Route, key string, pressed bool, act func(*turn) error) ([]Reply, error) {
	var out []Reply
	var notified bool
	err := e.Store.WithContact(ctx, contactID, route, key, func(tx Tx, c *Contact, s *Session) error {
		notified = false // a transaction run again starts over
		if !c.Current {
			switch route {
			case RouteCurrent:
				return ErrNotCurrent
			case RouteSwitch:
				if err := tx.MakeCurrent(ctx, c); err != nil {
					return err
				}
				c.Current = true
			}
		}
		camp, err := e.Campaigns.Campaign(ctx, c.Campaign)
		if err != nil {
			return fmt.Errorf("campaign of contact %d: %w", c.ID, err)
		}
		unit := camp.Units[c.Unit]
		if unit == nil {
			return fmt.Errorf("contact %d: unit %s not in campaign %s", c.ID, c.Unit, c.Campaign)
		}
		t := &turn{Engine: e, ctx: ctx, tx: tx, c: c, camp: camp, unit: unit, s: s, pressed: pressed,
			was: place{mode: s.Mode, form: s.Form, section: s.Section, row: s.Row}}
		if err := act(t); err != nil {
			return err
		}
		if t.answerRef != nil && len(t.replies) > 0 {
			t.replies[0].Answer = t.answerRef
		}
		var changed *campaign.Draft
		if t.draft != nil && t.draft.Dirty() {
			changed = t.draft
		}
		if err := tx.Save(ctx, c, s, changed, key, t.replies); err != nil {
			return err
		}
		out, notified = t.replies, t.notified
		return nil
	})
	if err != nil {
		return nil, err
	}
	if notified && e.Notified != nil {
		e.Notified()
	}
	return out, nil
}

// Apology is what to show when Handle failed.
func Apology() Reply { return Reply{Text: msg.Apology} }

// turn is the state of handling one input.
type turn struct {
	*Engine
	ctx     context.Context
	tx      Tx
	c       *Contact
	camp    *campaign.Campaign
	unit    *campaign.Unit
	s       *Session
	draft   *campaign.Draft
	replies []Reply
	notes   []string // said before the next screen, in the same message
	pressed bool
	// notified: notifications for other contacts were queued.
	notified bool
	// places is how many places the person holds, as the transport said;
	// arrived: the input brought the person here (see Input.Arrived).
	places  int
	arrived bool

	extensions map[string]time.Time // the unit's approved extensions, loaded once
	// was is where the contact stood when the input came; answered says
	// the input is typed text (an answer, not a command or a press).
	was      place
	answered bool
	// fresh is a submission of this turn that the contact reviews.
	fresh *PendingItem
	// answerRef is the question the input's typed text answered.
	answerRef *AnswerRef
	// submitted is the submission this turn made, if any.
	submitted *Submission
	// keepSheet: a turn of the page that leaves the chat where it was
	// keeps what it did to the imported file's state (Session.Sheet), which
	// the chat and the page share.
	keepSheet bool
}

// place is where in the dialog a contact stands.
type place struct {
	mode               Mode
	form, section, row string
}

func (t *turn) now() time.Time {
	if t.Now != nil {
		return t.Now()
	}
	return time.Now()
}

// note queues a line to be said before the next screen.
func (t *turn) note(format string, args ...any) {
	if len(args) > 0 {
		format = fmt.Sprintf(format, args...)
	}
	t.notes = append(t.notes, format)
}

// screen emits a screen: the queued notes, then text, with buttons. Every
// screen gets a new number, which stales every older button.
func (t *turn) screen(text string, buttons [][]Button) {
	t.s.Seq++
	if len(t.notes) > 0 {
		text = strings.Join(t.notes, "\n") + "\n\n" + text
		t.notes = nil
	}
	for i := range buttons {
		for j := range buttons[i] {
			// A button bound to an item (a review, a document) keeps
			// working on any screen, whenever; the others are this screen's.
			if !globalData(buttons[i][j].Data) {
				buttons[i][j].Data = strconv.Itoa(t.s.Seq) + ":" + buttons[i][j].Data
			}
		}
	}
	r := Reply{Text: text, Buttons: buttons}
	if t.pressed && len(t.replies) == 0 {
		r.Replace = true
	}
	t.replies = append(t.replies, r)
}

// addButtons adds a row of buttons to the screen just emitted, bound to it.
func (t *turn) addButtons(row []Button) {
	if len(row) == 0 || len(t.replies) == 0 {
		return
	}
	for i := range row {
		row[i].Data = strconv.Itoa(t.s.Seq) + ":" + row[i].Data
	}
	last := &t.replies[len(t.replies)-1]
	last.Buttons = append(last.Buttons, row)
}

// message emits a reply that is not a screen of the dialog (a summary, a
// menu outside the walk): it carries the queued notes but does not stale
// the buttons of the screen the contact is on.
func (t *turn) message(text string, buttons [][]Button) {
	if len(t.notes) > 0 {
		text = strings.Join(t.notes, "\n") + "\n\n" + text
		t.notes = nil
	}
	t.replies = append(t.replies, Reply{Text: text, Buttons: buttons})
}

// loadDraft returns the current form's draft, loaded (and locked) once per turn.
func (t *turn) loadDraft(form string) (*campaign.Draft, error) {
	if t.draft != nil && t.draft.Form == form {
		return t.draft, nil
	}
	d, err := t.tx.Draft(t.ctx, t.c.Campaign, t.c.Unit, form)
	if err != nil {
		return nil, err
	}
	d.Bind(t.camp.Form(form), t.unit)
	if err := t.withEarlier(t.camp.Form(form), d); err != nil {
		return nil, err
	}
	t.draft = d
	return d, nil
}

// withEarlier gives d what its form's rules read besides its answers: its
// unit and period (when not bound yet), and the period before and the
// year before of d's unit (only for a form whose rules read them). A
// reviewer's view of a submission needs them too, or a warning its
// contact confirmed about the quarter before is not seen.
func (t *turn) withEarlier(f *campaign.Form, d *campaign.Draft) error {
	if d.Filler == nil { // its level left as it is: a reviewer reads every field
		d.Filler = t.camp.Units[d.Unit]
		if f != nil {
			d.Period = f.Period
		}
	}
	if f == nil || f.Period == nil || !f.ReadsEarlier() {
		return nil
	}
	var err error
	if d.Last, err = t.earlierOf(f.PrevCampaign, d.Unit, f.Prev); err != nil {
		return err
	}
	d.LastYear, err = t.earlierOf(f.LastYearCampaign, d.Unit, f.LastYear)
	return err
}

// earlier is the contact's unit's return for another period of the form,
// or nil: in this campaign, or in the one named (last year's file).
func (t *turn) earlier(campaignID, form string) (*campaign.Snapshot, error) {
	return t.earlierOf(campaignID, t.c.Unit, form)
}

// earlierOf is unit's return for another period of the form, or nil: in
// this campaign ("") or the one named.
func (t *turn) earlierOf(campaignID, unit, form string) (*campaign.Snapshot, error) {
	if form == "" {
		return nil, nil
	}
	if campaignID == "" {
		campaignID = t.c.Campaign
	}
	sub, err := t.tx.EarlierReturn(t.ctx, campaignID, unit, form)
	if err != nil || sub == nil {
		return nil, err
	}
	return &sub.Data, nil
}

func (t *turn) dispatch(in Input) error {
	if in.Edit != nil {
		return t.edit(*in.Edit, in.Text)
	}
	if t.editing() && !isGlobal(in) {
		// A backup may have submitted the form since this contact's screen
		// was shown: nothing of a submitted form is changed (but by
		// withdrawing it, from its read-only view).
		f := t.camp.Form(t.s.Form)
		if f != nil {
			d, err := t.loadDraft(f.ID)
			if err != nil {
				return err
			}
			if d.Status == campaign.StatusSubmitted || d.Status == campaign.StatusApproved {
				t.note(msg.SubmittedMeanwhile)
				t.s.Mode = ModeView
				return t.show()
			}
		}
	}
	switch {
	case in.File != nil:
		return t.file(in.File)
	case in.Button != "":
		return t.button(in.Button)
	}
	if cmd, ok := ParseCommand(in.Text); ok {
		return t.command(cmd)
	}
	if strings.TrimSpace(in.Text) == "" {
		// Nothing to read (a sticker, a client asking for the screen): show
		// where the contact stands.
		return t.show()
	}
	t.answered = true
	return t.text(in.Text)
}

// ParseCommand reads "/cmd", "/cmd@botname" and "/cmd args" (as typed or
// from a Telegram deep link); it returns the command's name in lower case.
func ParseCommand(text string) (string, bool) {
	text = strings.TrimSpace(text)
	if !strings.HasPrefix(text, "/") || len(text) < 2 {
		return "", false
	}
	word, _, _ := strings.Cut(text[1:], " ")
	word, _, _ = strings.Cut(word, "@")
	for _, r := range word {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_') {
			return "", false
		}
	}
	return strings.ToLower(word), word != ""
}

func (t *turn) command(cmd string) error {
	switch cmd {
	case "start":
		if err := t.leaveRow(); err != nil {
			return err
		}
		t.s.Mode, t.s.Form, t.s.Returning, t.s.Marking = ModeHome, "", nil, nil
		if t.places > 1 && !t.arrived {
			return t.placesScreen()
		}
		return t.show()
	case "status":
		// Where the unit stands, on top of the screen the contact is on.
		if t.s.Mode == ModeHome {
			return t.show()
		}
		line, err := t.statusLine()
		if err != nil {
			return err
		}
		t.note(line)
		return t.show()
	case "summary":
		return t.summary()
	case "invite":
		return t.inviteMenu()
	case "forward":
		return t.forwardMenu()
	case "extend":
		return t.extendMenu()
	case "template":
		return t.templateMenu()
	case "help":
		help, err := t.help()
		if err != nil {
			return err
		}
		t.note(help)
		return t.show()
	case "back":
		return t.back()
	case "skip":
		return t.skip()
	case "cancel":
		if t.s.Form != "" {
			t.note(msg.Cancelled)
		}
		if err := t.leaveRow(); err != nil {
			return err
		}
		t.s.Mode, t.s.Form = ModeHome, ""
		return t.show()
	}
	t.note(msg.UnknownCommand + t.commandList())
	return t.show()
}

// editing reports whether the contact's screen changes a form's draft.
func (t *turn) editing() bool {
	switch t.s.Mode {
	case ModeField, ModeConfirm, ModeList, ModeRow, ModeDelete, ModeReview, ModeSheetDiff:
		return t.s.Form != ""
	}
	return false
}

// isGlobal reports an input that does not act on the contact's screen: a
// command, or a button of a message from outside the dialog.
func isGlobal(in Input) bool {
	if in.Button == "" {
		_, cmd := ParseCommand(in.Text)
		return cmd && in.File == nil
	}
	return globalData(in.Button)
}

// globalData reports a button bound to an item rather than to a screen.
func globalData(data string) bool {
	for _, prefix := range []string{reviewPrefix, goPrefix, sumPrefix, forwardPrefix, extensionPrefix, filePrefix, detailPrefix, chartPrefix, nudgePrefix, reopenPrefix, withdrawPrefix, invitePrefix, homePrefix, placesPrefix, openPrefix, boundMark, markPrefix, templatePrefix} {
		if strings.HasPrefix(data, prefix) {
			return true
		}
	}
	return false
}

// text is typed text that is not a command: an answer, or a misplaced word.
func (t *turn) text(text string) error {
	switch t.s.Mode {
	case ModeReturn:
		return t.returnText(text)
	case ModeMark:
		return t.markText(text)
	case ModeExtend:
		return t.extendText(text)
	case ModeApprove:
		return t.approveAnswer(text, false)
	case ModeConfirm:
		t.answerRef = t.question()
		return t.confirmText(text)
	case ModeField:
		t.answerRef = t.question()
		f, sec, fd := t.position()
		if fd == nil {
			return t.reset()
		}
		t.s.Pending = ""
		value, problem := campaign.Validate(fd, text)
		if problem != "" {
			t.note(problem)
			return t.show()
		}
		return t.accept(f, sec, fd, value, false)
	}
	t.note(msg.NoQuestion)
	return t.show()
}

// position resolves the session's form, section and field.
func (t *turn) position() (*campaign.Form, *campaign.Section, *campaign.Field) {
	f := t.camp.Form(t.s.Form)
	if f == nil {
		return nil, nil, nil
	}
	sec := f.Section(t.s.Section)
	if sec == nil {
		return f, nil, nil
	}
	return f, sec, sec.Field(t.s.Field)
}

// reset recovers from a session that points at something the campaign no
// longer has (a new campaign version renamed a field): back to the start.
func (t *turn) reset() error {
	t.s.Mode, t.s.Form = ModeHome, ""
	return t.show()
}

func (t *turn) button(data string) error {
	// Buttons of messages sent to a contact from outside their dialog
	// (review requests, returns) do not belong to a screen: they are
	// checked against the submission and the presser's rights instead.
	if rest, ok := strings.CutPrefix(data, reviewPrefix); ok {
		return t.reviewAction(rest)
	}
	if form, ok := strings.CutPrefix(data, goPrefix); ok {
		return t.open(form)
	}
	if unit, ok := strings.CutPrefix(data, sumPrefix); ok {
		return t.summaryOf(unit)
	}
	if form, ok := strings.CutPrefix(data, forwardPrefix); ok {
		return t.forward(form)
	}
	if rest, ok := strings.CutPrefix(data, extensionPrefix); ok {
		return t.extensionAction(rest)
	}
	if rest, ok := strings.CutPrefix(data, filePrefix); ok {
		return t.sendFile(rest)
	}
	if rest, ok := strings.CutPrefix(data, detailPrefix); ok {
		return t.summaryDetail(rest)
	}
	if rest, ok := strings.CutPrefix(data, reopenPrefix); ok {
		return t.reopen(rest)
	}
	if form, ok := strings.CutPrefix(data, withdrawPrefix); ok {
		return t.withdrawPackage(form)
	}
	if form, ok := strings.CutPrefix(data, markPrefix); ok {
		return t.startMark(form)
	}
	if unit, ok := strings.CutPrefix(data, chartPrefix); ok {
		return t.chart(unit)
	}
	if unit, ok := strings.CutPrefix(data, nudgePrefix); ok {
		return t.nudge(unit)
	}
	if rest, ok := strings.CutPrefix(data, invitePrefix); ok {
		return t.inviteButton(rest)
	}
	if rest, ok := strings.CutPrefix(data, templatePrefix); ok {
		return t.template(rest)
	}
	if idx, ok := strings.CutPrefix(data, openPrefix); ok {
		f := t.camp.FormAt(idx)
		if f == nil {
			t.pressed = false
			if err := t.show(); err != nil {
				return err
			}
			t.replies[0].Notice = msg.Stale
			return nil
		}
		if err := t.leaveRow(); err != nil {
			return err
		}
		return t.open(f.ID)
	}
	if data == homePrefix {
		// A place's start screen, from the list of places (or any message
		// of the place): the place is the person's current one now.
		if err := t.leaveRow(); err != nil {
			return err
		}
		t.s.Mode, t.s.Form, t.s.Returning = ModeHome, "", nil
		return t.show()
	}
	if data == placesPrefix {
		if err := t.leaveRow(); err != nil {
			return err
		}
		return t.placesScreen()
	}
	seqText, action, _ := strings.Cut(data, ":")
	seq, err := strconv.Atoi(seqText)
	if err != nil || seq != t.s.Seq {
		t.pressed = false // the stale message stays as it is; the current screen comes anew
		if err := t.show(); err != nil {
			return err
		}
		t.replies[0].Notice = msg.Stale
		return nil
	}
	name, arg, _ := strings.Cut(action, ":")
	switch t.s.Mode {
	case ModeHome:
		switch name {
		case "open":
			if f := t.camp.FormAt(arg); f != nil {
				return t.open(f.ID)
			}
		case "queue":
			t.s.Mode, t.s.Page = ModeQueue, 0
			return t.show()
		case "forward":
			return t.forwardMenu()
		case "periods":
			return t.allPeriods(arg)
		}
	case ModePeriods:
		return t.periodsButton(name, arg)
	case ModeQueue:
		return t.queueButton(name, arg)
	case ModeBatch:
		return t.batchButton(name)
	case ModeItem:
		return t.itemButton(name)
	case ModeView:
		switch name {
		case "home":
			t.s.Mode, t.s.Form = ModeHome, ""
			return t.show()
		case "withdraw":
			t.s.Mode = ModeWithdraw
			return t.show()
		case "redo":
			return t.withForm(t.redoOwn)
		}
	case ModeApprove:
		return t.approveButton(name, arg)
	case ModeWithdraw:
		t.s.Mode = ModeView
		if name != "yes" {
			return t.show()
		}
		return t.withForm(t.withdraw)
	case ModeField:
		return t.fieldButton(name, arg)
	case ModeConfirm:
		return t.confirmButton(name)
	case ModeList:
		return t.listButton(name, arg)
	case ModeRow:
		return t.rowButton(name, arg)
	case ModeDelete:
		return t.deleteButton(name)
	case ModeReview:
		return t.reviewButton(name, arg)
	case ModeSheetDiff:
		return t.sheetDiffButton(name)
	case ModeReturn:
		return t.returnButton(name, arg)
	case ModeMark:
		return t.markButton(name, arg)
	case ModeExtend:
		return t.extendButton(name, arg)
	}
	// A button of the current screen with an action it does not have: a
	// forged or garbled callback. Nothing changes.
	t.pressed = false
	if err := t.show(); err != nil {
		return err
	}
	t.replies[0].Notice = msg.Stale
	return nil
}
