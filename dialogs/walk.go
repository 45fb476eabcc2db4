package dialogs

import (
	"fmt"
	"strconv"
	"strings"
)

// show renders the session's current screen.
func (t *turn) show() error {
	switch t.s.Mode {
	case ModeHome:
		return t.home()
	case ModeView:
		return t.view()
	case ModeReturn:
		return t.returnScreen()
	case ModeExtend:
		return t.extendScreen()
	case ModeQueue:
		return t.queue()
	case ModeBatch:
		return t.batchScreen()
	case ModeItem:
		return t.itemScreen()
	}
	f := t.camp.Form(t.s.Form)
	if f == nil {
		return t.reset()
	}
	d, err := t.loadDraft(f.ID)
	if err != nil {
		return err
	}
	if d.Status == StatusSubmitted || d.Status == StatusApproved {
		// Submitted from another phone meanwhile: nothing here is editable.
		t.s.Mode = ModeView
		return t.view()
	}
	sec := f.Section(t.s.Section)
	switch t.s.Mode {
	case ModeField:
		if sec == nil || sec.Field(t.s.Field) == nil || (sec.Kind == List && d.Row(sec.ID, t.s.Row) == nil) {
			return t.reset()
		}
		return t.ask(f, sec, sec.Field(t.s.Field), d)
	case ModeConfirm:
		if sec == nil || sec.Field(t.s.Field) == nil {
			return t.reset()
		}
		return t.askConfirm(f, sec, sec.Field(t.s.Field), d)
	case ModeList:
		if sec == nil {
			return t.reset()
		}
		return t.listMenu(f, sec, d)
	case ModeRow, ModeDelete:
		if sec == nil || d.Row(sec.ID, t.s.Row) == nil {
			t.s.Mode = ModeList
			return t.show()
		}
		if t.s.Mode == ModeDelete {
			return t.deleteAsk(sec, d)
		}
		return t.rowMenu(f, sec, d)
	case ModeReview:
		return t.review(f, d)
	}
	return t.reset()
}

// home lists the unit's forms with their status and deadline.
func (t *turn) home() error {
	drafts, err := t.tx.Drafts(t.ctx, t.c.Campaign, t.c.Unit)
	if err != nil {
		return err
	}
	if t.draft != nil {
		drafts[t.draft.Form] = t.draft // this turn's changes are not saved yet
	}
	var b strings.Builder
	doc := ""
	if t.camp.Document != "" {
		doc = "\n" + t.camp.Document
	}
	name := t.c.Name
	if name == "" {
		name = "填报人"
	}
	fmt.Fprintf(&b, msg.Welcome, name, t.unit.Name, t.camp.Title, doc)
	// A reviewer's start is what waits for them, before their own forms.
	pendingText, buttons, err := t.pendingBlock()
	if err != nil {
		return err
	}
	if pendingText != "" {
		b.WriteString("\n\n" + pendingText)
	} else if t.reviews() && len(t.unit.Children) > 0 {
		b.WriteString("\n\n" + desk.QueueEmpty)
	}
	forms := t.camp.FormsFor(t.unit.Level)
	if len(forms) == 0 {
		if pendingText == "" {
			b.WriteString("\n\n" + msg.NoForms)
		}
		t.screen(b.String(), buttons)
		return nil
	}
	b.WriteString("\n")
	for i, f := range forms {
		d := drafts[f.ID]
		if d == nil {
			d = NewDraft(t.c.Campaign, t.c.Unit, f.ID)
		}
		status := statusText(f, d)
		fmt.Fprintf(&b, "\n%d. %s\n    %s · %s", i+1, f.Name(), status, t.dueText(f))
		buttons = append(buttons, []Button{{Label: fmt.Sprintf("%s（%s）", shortName(f), status), Data: "open:" + t.camp.index(f)}})
	}
	b.WriteString("\n\n" + msg.ChooseForm)
	t.screen(b.String(), buttons)
	return nil
}

func shortName(f *Form) string {
	if f.Short != "" {
		return f.Short
	}
	return f.Title
}

func statusText(f *Form, d *Draft) string {
	switch d.Status {
	case StatusSubmitted:
		return msg.StatusSubmitted
	case StatusApproved:
		return msg.StatusApproved
	case StatusReturned:
		return msg.StatusReturned
	}
	if !d.Started() {
		return msg.StatusNotStarted
	}
	done, total := d.Progress(f)
	return fmt.Sprintf(msg.StatusDraft, done, total)
}

// dueText says how long is left for the contact's unit (its level's date,
// or an approved extension).
func (t *turn) dueText(f *Form) string {
	due, ok := t.dueFor(f)
	if !ok {
		return ""
	}
	day := due.In(t.camp.TimeZone).Format("1月2日")
	left := DaysLeft(t.now(), due, t.camp.TimeZone)
	switch {
	case left > 0:
		return fmt.Sprintf(msg.DueIn, day, left)
	case left == 0:
		return fmt.Sprintf(msg.DueToday, day)
	}
	return fmt.Sprintf(msg.Overdue, -left, day)
}

// open starts or resumes a form.
func (t *turn) open(formID string) error {
	f := t.camp.Form(formID)
	if f == nil || !f.FilledBy(t.unit.Level) {
		t.note(msg.NotFillable)
		t.s.Mode = ModeHome
		return t.show()
	}
	d, err := t.loadDraft(f.ID)
	if err != nil {
		return err
	}
	t.s.Form, t.s.Return, t.s.ListReturn, t.s.Pending = f.ID, returnWalk, returnWalk, ""
	if d.Status == StatusSubmitted || d.Status == StatusApproved {
		t.s.Mode = ModeView
		return t.show()
	}
	if d.Status == StatusReturned && len(d.Flags.Flagged) > 0 {
		t.note(returnedNote(f, d))
		if t.flaggedFrom(f, d, 0) {
			return t.show()
		}
	}
	if !d.Started() {
		intro := f.Name()
		if f.Intro != "" {
			intro += "\n" + f.Intro
		}
		if len(f.Checklist) > 0 {
			intro += "\n" + msg.Checklist + "\n· " + strings.Join(f.Checklist, "\n· ")
		}
		t.note(intro)
	}
	t.firstOpen(f, d)
	return t.show()
}

// firstOpen moves the session to the first thing not yet done in the form.
func (t *turn) firstOpen(f *Form, d *Draft) {
	for _, sec := range f.Sections {
		if sec.Kind == List {
			if !d.Flags.Done[sec.ID] {
				t.at(ModeList, sec.ID, "", "")
				return
			}
			for _, r := range d.Rows(sec.ID) {
				for _, fd := range sec.Fields {
					if _, ok := r.Values[fd.ID]; !ok {
						t.at(ModeField, sec.ID, r.Key, fd.ID)
						return
					}
				}
			}
			continue
		}
		for _, key := range rowKeys(d, sec) {
			for _, fd := range sec.Fields {
				if _, ok := d.Value(sec.ID, key, fd.ID); !ok {
					t.at(ModeField, sec.ID, key, fd.ID)
					return
				}
			}
		}
	}
	t.at(ModeReview, "", "", "")
}

// logBroken logs every rule that could not be evaluated, by campaign and
// rule id (never the values: they may be personal data).
func (t *turn) logBroken(fails []Failure) {
	for _, fl := range fails {
		if fl.Broken != nil && t.Log != nil {
			t.Log.Error("a rule cannot be evaluated; it blocks", "campaign", t.camp.ID, "section", fl.Section, "rule", fl.Rule.ID, "err", fl.Broken)
		}
	}
}

// problems is the draft's Problems, with broken rules logged.
func (t *turn) problems(f *Form, d *Draft) []Problem {
	ps := d.Problems(f)
	for _, p := range ps {
		if p.Broken != nil && t.Log != nil {
			t.Log.Error("a rule cannot be evaluated; it blocks", "campaign", t.camp.ID, "section", p.Section, "rule", p.Rule, "err", p.Broken)
		}
	}
	return ps
}

func (t *turn) at(m Mode, section, row, field string) {
	t.s.Mode, t.s.Section, t.s.Row, t.s.Field, t.s.Pending = m, section, row, field, ""
}

// ask shows the question for a field.
func (t *turn) ask(f *Form, sec *Section, fd *Field, d *Draft) error {
	var b strings.Builder
	b.WriteString(shortName(f))
	if sec.Title != "" {
		b.WriteString(" · " + sec.Title)
	}
	switch sec.Kind {
	case List:
		fmt.Fprintf(&b, " · 第 %d 个%s", d.RowIndex(sec.ID, t.s.Row), sec.RowNoun)
	case Table:
		b.WriteString(" · " + strings.Trim(rowLabel(d, sec, t.s.Row), "："))
	}
	idx := 0
	for i, x := range sec.Fields {
		if x.ID == fd.ID {
			idx = i + 1
		}
	}
	fmt.Fprintf(&b, "\n\n%s（%s）", fd.Title(), fmt.Sprintf(msg.Progress, idx, len(sec.Fields)))
	if fd.Optional {
		b.WriteString(msg.Optional)
	}
	if fd.Hint != "" {
		b.WriteString("\n" + fmt.Sprintf(msg.Hint, fd.Hint))
	}
	if fd.Unit != "" {
		b.WriteString("\n" + fmt.Sprintf(msg.UnitOf, fd.Unit))
	}
	if fd.Example != "" {
		b.WriteString("\n" + fmt.Sprintf(msg.Example, fd.Example))
	}
	if fd.Type == File {
		b.WriteString("\n" + fmt.Sprintf(msg.FileExpected, strings.Join(fd.FileTypes, "、")))
	}
	current, has := d.Value(sec.ID, t.s.Row, fd.ID)
	if has && current != "" {
		b.WriteString("\n" + fmt.Sprintf(msg.CurrentAnswer, Display(fd, current)))
	}
	var buttons [][]Button
	switch fd.Type {
	case Choice:
		buttons = choiceButtons(fd.Choices)
	case YesNo:
		buttons = [][]Button{{{Label: "是", Data: "choice:1"}, {Label: "否", Data: "choice:2"}}}
	case Text:
		t.s.Suggest = nil
		if fd.Suggest && t.unit.Parent != "" {
			sugg, err := t.tx.Suggestions(t.ctx, t.c.Campaign, t.unit.Parent, t.unit.Code, f.ID, fd.ID, 6)
			if err != nil {
				return err
			}
			t.s.Suggest = sugg
			for i, s := range sugg {
				buttons = append(buttons, []Button{{Label: s, Data: "sugg:" + strconv.Itoa(i)}})
			}
		}
	}
	var last []Button
	if has && current != "" {
		last = append(last, Button{Label: msg.BtnKeep, Data: "keep"})
	}
	if fd.Optional {
		last = append(last, Button{Label: msg.BtnSkip, Data: "skip"})
	}
	if len(last) > 0 {
		buttons = append(buttons, last)
	}
	t.screen(b.String(), buttons)
	t.replies[len(t.replies)-1].Typed = fd.Type != Choice && fd.Type != YesNo
	return nil
}

// choiceButtons lays choices out two to a row when they are short.
func choiceButtons(choices []string) [][]Button {
	var rows [][]Button
	long := false
	for _, c := range choices {
		long = long || len([]rune(c)) > 8
	}
	for i, c := range choices {
		b := Button{Label: c, Data: "choice:" + strconv.Itoa(i+1)}
		if !long && len(rows) > 0 && len(rows[len(rows)-1]) == 1 {
			rows[len(rows)-1] = append(rows[len(rows)-1], b)
			continue
		}
		rows = append(rows, []Button{b})
	}
	return rows
}

func (t *turn) fieldButton(name, arg string) error {
	f, sec, fd := t.position()
	if fd == nil {
		return t.reset()
	}
	switch name {
	case "choice":
		n, _ := strconv.Atoi(arg)
		choices := fd.Choices
		if fd.Type == YesNo {
			choices = []string{"是", "否"}
		}
		if n >= 1 && n <= len(choices) && (fd.Type == Choice || fd.Type == YesNo) {
			return t.accept(f, sec, fd, choices[n-1], false)
		}
	case "sugg":
		n, err := strconv.Atoi(arg)
		if err == nil && n >= 0 && n < len(t.s.Suggest) && fd.Type == Text {
			value, problem := Validate(fd, t.s.Suggest[n])
			if problem != "" {
				t.note(problem)
				return t.show()
			}
			return t.accept(f, sec, fd, value, false)
		}
	case "skip":
		return t.skip()
	case "keep":
		d, err := t.loadDraft(f.ID)
		if err != nil {
			return err
		}
		if v, ok := d.Value(sec.ID, t.s.Row, fd.ID); ok && v != "" {
			return t.advance(f, sec, fd, d)
		}
	}
	t.note(msg.Stale)
	return t.show()
}

// accept stores a valid answer after the unique and cross-field checks,
// or holds it back for a soft confirmation.
func (t *turn) accept(f *Form, sec *Section, fd *Field, value string, confirmed bool) error {
	d, err := t.loadDraft(f.ID)
	if err != nil {
		return err
	}
	if sec.Kind == List && d.Row(sec.ID, t.s.Row) == nil {
		return t.reset()
	}
	if d.UniqueClash(sec, t.s.Row, fd, value) {
		t.note(msg.Unique, value, fd.Label)
		return t.show()
	}
	fails := d.CheckRow(f, sec, t.s.Row, fd.ID, map[string]string{fd.ID: value})
	var hard, soft []Failure
	t.logBroken(fails)
	for _, fl := range fails {
		if fl.Blocks() {
			hard = append(hard, fl)
		} else if d.Flags.Soft[fl.Key()] != fl.Fingerprint {
			soft = append(soft, fl)
		}
	}
	// While walking, a broken rule is refused at once, naming both sides.
	// When one field is changed from the review, its partner may be the one
	// to change next: the answer is kept and the rule stays open, blocking
	// submission until it holds.
	if len(hard) > 0 && t.s.Return == returnWalk {
		for _, h := range hard {
			t.note(h.Message)
		}
		return t.show()
	}
	if len(soft) > 0 && !confirmed {
		t.s.Mode, t.s.Pending = ModeConfirm, value
		return t.show()
	}
	d.Set(sec.ID, t.s.Row, fd.ID, value)
	for _, fl := range soft {
		d.Confirm(fl.Key(), fl.Fingerprint)
	}
	t.note("✔ %s：%s", fd.Title(), Display(fd, value))
	if len(hard) > 0 {
		t.note(msg.HardOpenAfterEdit)
		for _, h := range hard {
			t.note("· " + h.Message)
		}
	}
	return t.advance(f, sec, fd, d)
}

// askConfirm shows the soft warnings the pending answer raises.
func (t *turn) askConfirm(f *Form, sec *Section, fd *Field, d *Draft) error {
	fails := d.CheckRow(f, sec, t.s.Row, fd.ID, map[string]string{fd.ID: t.s.Pending})
	var lines []string
	for _, fl := range fails {
		if !fl.Blocks() {
			lines = append(lines, fl.Message)
		}
	}
	if len(lines) == 0 { // the warning went away (a partner field changed meanwhile)
		t.s.Mode = ModeField
		return t.show()
	}
	text := fmt.Sprintf("%s：%s\n\n%s\n%s\n\n%s", fd.Title(), Display(fd, t.s.Pending), msg.SoftIntro, strings.Join(lines, "\n"), msg.SoftAsk)
	t.screen(text, [][]Button{{{Label: msg.BtnConfirm, Data: "ok"}, {Label: msg.BtnRedo, Data: "redo"}}})
	return nil
}

func (t *turn) confirmButton(name string) error {
	f, sec, fd := t.position()
	if fd == nil {
		return t.reset()
	}
	switch name {
	case "ok":
		pending := t.s.Pending
		t.s.Mode, t.s.Pending = ModeField, ""
		return t.accept(f, sec, fd, pending, true)
	case "redo":
		t.s.Mode, t.s.Pending = ModeField, ""
		return t.show()
	}
	t.note(msg.Stale)
	return t.show()
}

// advance moves on after an answer: back to where an edit came from, or to
// the next field of the walk.
func (t *turn) advance(f *Form, sec *Section, fd *Field, d *Draft) error {
	switch t.s.Return {
	case returnFlagged:
		return t.nextFlagged(f, sec, fd, d)
	case returnReview:
		t.at(ModeReview, "", "", "")
		t.s.Return = returnWalk
		return t.show()
	case returnRow:
		t.at(ModeRow, sec.ID, t.s.Row, "")
		return t.show()
	}
	// The next field of the same row.
	for i, x := range sec.Fields {
		if x.ID == fd.ID && i+1 < len(sec.Fields) {
			t.s.Field = sec.Fields[i+1].ID
			return t.show()
		}
	}
	// The row is complete.
	if t.s.Return == returnRowReview {
		t.at(ModeReview, "", "", "")
		t.s.Return = returnWalk
		return t.show()
	}
	switch sec.Kind {
	case List:
		t.note(msg.RowSaved, d.RowIndex(sec.ID, t.s.Row), sec.RowNoun)
		t.at(ModeList, sec.ID, "", "")
		return t.show()
	case Table:
		for i, r := range sec.Rows {
			if r.Key == t.s.Row && i+1 < len(sec.Rows) {
				t.at(ModeField, sec.ID, sec.Rows[i+1].Key, sec.Fields[0].ID)
				return t.show()
			}
		}
	}
	return t.enterSectionAfter(f, sec, d)
}

// enterSectionAfter goes to the start of the section after sec, or to the review.
func (t *turn) enterSectionAfter(f *Form, sec *Section, d *Draft) error {
	next := false
	for _, s := range f.Sections {
		if next {
			return t.enterSection(s, d)
		}
		next = s.ID == sec.ID
	}
	t.at(ModeReview, "", "", "")
	return t.show()
}

func (t *turn) enterSection(s *Section, d *Draft) error {
	switch s.Kind {
	case List:
		t.s.ListReturn = returnWalk
		t.at(ModeList, s.ID, "", "")
	case Table:
		t.at(ModeField, s.ID, s.Rows[0].Key, s.Fields[0].ID)
	default:
		t.at(ModeField, s.ID, "", s.Fields[0].ID)
	}
	return t.show()
}

// back goes one field back in the walk, showing its current answer.
func (t *turn) back() error {
	f, sec, fd := t.position()
	if f == nil {
		t.note(msg.NoQuestion)
		return t.show()
	}
	if (t.s.Mode != ModeField && t.s.Mode != ModeConfirm) || fd == nil {
		switch t.s.Mode {
		case ModeRow, ModeDelete:
			t.at(ModeList, t.s.Section, "", "")
		case ModeList:
			if t.s.ListReturn == returnReview {
				t.at(ModeReview, "", "", "")
			} else {
				return t.backBefore(f, f.Section(t.s.Section))
			}
		case ModeReview:
			d, err := t.loadDraft(f.ID)
			if err != nil {
				return err
			}
			return t.lastOf(f, f.Sections[len(f.Sections)-1], d)
		default:
			t.note(msg.NoQuestion)
		}
		return t.show()
	}
	t.s.Mode, t.s.Pending = ModeField, ""
	if t.s.Return != returnWalk && t.s.Return != returnRowReview {
		// Backing out of a single-field edit returns where it came from.
		if t.s.Return == returnRow {
			t.at(ModeRow, sec.ID, t.s.Row, "")
		} else {
			t.at(ModeReview, "", "", "")
		}
		t.s.Return = returnWalk
		return t.show()
	}
	for i, x := range sec.Fields {
		if x.ID == fd.ID && i > 0 {
			t.s.Field = sec.Fields[i-1].ID
			return t.show()
		}
	}
	switch sec.Kind {
	case List:
		// Backing out of a row's first field: to the list; a row left
		// empty is not kept.
		d, err := t.loadDraft(f.ID)
		if err != nil {
			return err
		}
		if r := d.Row(sec.ID, t.s.Row); r != nil && len(r.Values) == 0 {
			d.DeleteListRow(sec.ID, r.Key)
		}
		t.at(ModeList, sec.ID, "", "")
		return t.show()
	case Table:
		for i, r := range sec.Rows {
			if r.Key == t.s.Row && i > 0 {
				t.at(ModeField, sec.ID, sec.Rows[i-1].Key, sec.Fields[len(sec.Fields)-1].ID)
				return t.show()
			}
		}
	}
	return t.backBefore(f, sec)
}

// backBefore goes to the end of the section before sec.
func (t *turn) backBefore(f *Form, sec *Section) error {
	var prev *Section
	for _, s := range f.Sections {
		if s.ID == sec.ID {
			break
		}
		prev = s
	}
	if prev == nil {
		t.note(msg.NothingBefore)
		return t.show()
	}
	d, err := t.loadDraft(f.ID)
	if err != nil {
		return err
	}
	return t.lastOf(f, prev, d)
}

// lastOf shows the last step of a section: its last field, or its list.
func (t *turn) lastOf(f *Form, s *Section, d *Draft) error {
	switch s.Kind {
	case List:
		t.s.ListReturn = returnWalk
		t.at(ModeList, s.ID, "", "")
	case Table:
		t.at(ModeField, s.ID, s.Rows[len(s.Rows)-1].Key, s.Fields[len(s.Fields)-1].ID)
	default:
		t.at(ModeField, s.ID, "", s.Fields[len(s.Fields)-1].ID)
	}
	return t.show()
}

// skip leaves an optional field blank.
func (t *turn) skip() error {
	f, sec, fd := t.position()
	if t.s.Mode != ModeField || fd == nil {
		t.note(msg.NoQuestion)
		return t.show()
	}
	if !fd.Optional {
		t.note(msg.CannotSkip, fd.Title())
		return t.show()
	}
	d, err := t.loadDraft(f.ID)
	if err != nil {
		return err
	}
	d.Set(sec.ID, t.s.Row, fd.ID, "")
	return t.advance(f, sec, fd, d)
}
