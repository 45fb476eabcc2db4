package dialogs

import (
	"fmt"
	"strconv"
	"strings"

	"tianbao/campaign"
	"tianbao/campaign/parse"
)

// show renders the session's current screen.
func (t *turn) show() error {
	switch t.s.Mode {
	case ModeHome:
		return t.home()
	case ModePlaces:
		return t.placesScreen()
	case ModePeriods:
		return t.periodsScreen()
	case ModeView:
		return t.view()
	case ModeWithdraw:
		return t.withdrawAsk()
	case ModeApprove:
		return t.approveScreen()
	case ModeReturn:
		return t.returnScreen()
	case ModeMark:
		return t.markScreen()
	case ModeExtend:
		return t.extendScreen()
	case ModeQueue:
		return t.queue()
	case ModeBatch:
		return t.batchScreen()
	case ModeItem:
		return t.itemScreen()
	}
	return t.withForm(t.showForm)
}

// withForm runs fn on the session's form and its draft; when the form is
// gone (the campaign was revised without it), the dialog starts over.
func (t *turn) withForm(fn func(*campaign.Form, *campaign.Draft) error) error {
	f := t.camp.Form(t.s.Form)
	if f == nil {
		return t.reset()
	}
	d, err := t.loadDraft(f.ID)
	if err != nil {
		return err
	}
	return fn(f, d)
}

// showForm renders a screen of a form being filled.
func (t *turn) showForm(f *campaign.Form, d *campaign.Draft) error {
	if d.Status == campaign.StatusSubmitted || d.Status == campaign.StatusApproved {
		// Submitted from another phone meanwhile: nothing here is editable.
		t.s.Mode = ModeView
		return t.view()
	}
	sec := f.Section(t.s.Section)
	switch t.s.Mode {
	case ModeField:
		if sec == nil || sec.Field(t.s.Field) == nil || (sec.Kind == campaign.List && d.Row(sec.ID, t.s.Row) == nil) {
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
		if sec != nil && sec.Kind == campaign.Table && t.s.Mode == ModeRow {
			return t.rowMenu(f, sec, d)
		}
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
	case ModeSheetDiff:
		return t.sheetDiff(f, d)
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
	if returnsText, returnButtons, err := t.returnsBlock(); err != nil {
		return err
	} else if returnsText != "" {
		b.WriteString("\n\n" + returnsText)
		buttons = append(buttons, returnButtons...)
	}
	if db, ok := t.deskButton(""); ok {
		buttons = append(buttons, []Button{db})
	}
	forms := t.camp.ShownFor(t.unit, t.now(), func(f *campaign.Form) bool {
		d := drafts[f.ID]
		return d != nil && (d.Status == campaign.StatusSubmitted || d.Status == campaign.StatusApproved)
	})
	if len(forms) == 0 {
		if pendingText == "" {
			b.WriteString("\n\n" + msg.NoForms)
		}
		if pb := t.placesButton(); pb != nil {
			buttons = append(buttons, pb)
		}
		t.screen(b.String(), buttons)
		return nil
	}
	b.WriteString("\n")
	for i, f := range forms {
		d := drafts[f.ID]
		if d == nil {
			d = campaign.NewDraft(t.c.Campaign, t.c.Unit, f.ID)
		}
		status := statusText(f, d)
		switch {
		case !f.OpenAt(t.now()):
			status = fmt.Sprintf(msg.StatusOpensOn, f.Opens.In(t.camp.TimeZone).Format("2006年1月2日"))
			fmt.Fprintf(&b, "\n%d. %s\n    %s", i+1, f.Name(), status)
		case d.Status == campaign.StatusSubmitted || d.Status == campaign.StatusApproved || d.Status.Marked():
			fmt.Fprintf(&b, "\n%d. %s\n    %s", i+1, f.Name(), status) // done, or marked above: no deadline to chase
		default:
			fmt.Fprintf(&b, "\n%d. %s\n    %s · %s", i+1, f.Name(), status, t.dueText(f))
		}
		// Bound to the form, not to this screen: pressed from any start
		// screen, whenever, it opens the form while it can be filled.
		buttons = append(buttons, []Button{{Label: fmt.Sprintf("%s（%s）", shortName(f), status), Data: openPrefix + t.camp.FormIndex(f)}})
	}
	buttons = append(buttons, t.olderButtons(forms)...) // the periods not listed, behind a button
	b.WriteString("\n\n" + msg.ChooseForm)
	if pb := t.placesButton(); pb != nil {
		buttons = append(buttons, pb)
	}
	t.screen(b.String(), buttons)
	return nil
}

func shortName(f *campaign.Form) string { return f.ShortName() }

func statusText(f *campaign.Form, d *campaign.Draft) string {
	switch d.Status {
	case campaign.StatusSubmitted:
		return msg.StatusSubmitted
	case campaign.StatusApproved:
		return msg.StatusApproved
	case campaign.StatusReturned:
		return msg.StatusReturned
	case campaign.StatusExempt:
		return so.StateExempt
	case campaign.StatusNotReceived:
		return so.StateNotReceived
	}
	if !d.Started() {
		return msg.StatusNotStarted
	}
	done, total := d.Progress(f)
	return fmt.Sprintf(msg.StatusDraft, done, total)
}

// dueText says how long is left for the contact's unit (its level's date,
// or an approved extension).
func (t *turn) dueText(f *campaign.Form) string {
	due, ok := t.dueFor(f)
	if !ok {
		return ""
	}
	day := due.In(t.camp.TimeZone).Format("2006年1月2日")
	left := campaign.DaysLeft(t.now(), due, t.camp.TimeZone)
	whose := t.whoseDue(f)
	switch {
	case left > 0:
		return fmt.Sprintf(msg.DueIn, day, left) + whose
	case left == 0:
		return fmt.Sprintf(msg.DueToday, day) + whose
	}
	return fmt.Sprintf(msg.Overdue, -left, day) + whose
}

// whoseDue says whom a date is for and the date behind it: a county's is
// its city's (报杭州市), which must report on by its own
// (杭州市 12月10日前报浙江省).
func (t *turn) whoseDue(f *campaign.Form) string {
	parent := t.camp.Units[t.unit.Parent]
	if parent == nil {
		return ""
	}
	grand := t.camp.Units[parent.Parent]
	if d, ok := f.Due[parent.Level]; ok && grand != nil && t.camp.Owes(parent, f).Any() {
		return fmt.Sprintf(msg.DueWhoseChain, parent.Name, parent.Name, d.In(t.camp.TimeZone).Format("1月2日"), grand.Name)
	}
	return fmt.Sprintf(msg.DueWhose, parent.Name)
}

// open starts or resumes a form.
func (t *turn) open(formID string) error {
	f := t.camp.Form(formID)
	if f == nil || !f.FilledByUnit(t.unit) {
		t.note(msg.NotFillable)
		t.s.Mode = ModeHome
		return t.show()
	}
	if !f.OpenAt(t.now()) {
		t.note(msg.NotOpenYet, f.Name(), f.Opens.In(t.camp.TimeZone).Format("2006年1月2日"))
		t.s.Mode = ModeHome
		return t.show()
	}
	d, err := t.loadDraft(f.ID)
	if err != nil {
		return err
	}
	t.s.Form, t.s.Return, t.s.ListReturn, t.s.Pending = f.ID, returnWalk, returnWalk, ""
	editable := d.Status != campaign.StatusSubmitted && d.Status != campaign.StatusApproved
	if w := t.s.Sheet; w != nil && w.Form == f.ID && w.Pending != nil && editable {
		// A file's changes to this form still wait for 确认 (uploaded on
		// the page, or sent here before the person went elsewhere): they
		// are asked first, never dropped unseen.
		return t.sheetNext()
	}
	if w := t.s.Sheet; w != nil && (w.Form == f.ID || w.Pending == nil) {
		// A file's follow-up ends where its form is opened anew; another
		// form's changes waiting for 确认 stay, for the page to show.
		t.s.Sheet = nil
	}
	if !editable {
		t.s.Mode = ModeView
		return t.show()
	}
	if d.Status.Marked() {
		note, err := t.markedNote(f)
		if err != nil {
			return err
		}
		if note != "" {
			t.note(note)
		}
	}
	if d.Status == campaign.StatusReturned && len(d.Flags.Flagged) > 0 {
		note, err := t.returnedNote(f, d)
		if err != nil {
			return err
		}
		t.note(note)
		if t.flaggedFrom(f, d, 0) {
			return t.show()
		}
	}
	if !d.Started() && f.Period != nil {
		if err := t.prefill(f, d); err != nil {
			return err
		}
		if d.Started() {
			t.note(msg.Prefilled)
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
func (t *turn) firstOpen(f *campaign.Form, d *campaign.Draft) {
	for _, sec := range f.Sections {
		if sec.Kind == campaign.List {
			if !d.Flags.Done[sec.ID] {
				t.at(ModeList, sec.ID, "", "")
				return
			}
			for _, r := range d.Rows(sec.ID) {
				for _, fd := range sec.Fields {
					if _, ok := d.Answered(sec, r.Key, fd); !ok && d.Asked(sec, r.Key, fd) {
						t.at(ModeField, sec.ID, r.Key, fd.ID)
						return
					}
				}
			}
			continue
		}
		for _, key := range d.RowKeys(sec) {
			for _, fd := range sec.Fields {
				if _, ok := d.Answered(sec, key, fd); !ok && d.Asked(sec, key, fd) {
					t.at(ModeField, sec.ID, key, fd.ID)
					return
				}
			}
		}
	}
	t.at(ModeReview, "", "", "")
}

// leaveRow drops the list row the contact is leaving if nothing was
// entered in it (添加 then /cancel or /start): an empty row is no park, and
// would block submission with a missing answer for every field.
func (t *turn) leaveRow() error {
	if t.s.Mode != ModeField || t.s.Row == "" {
		return nil
	}
	f := t.camp.Form(t.s.Form)
	if f == nil {
		return nil
	}
	sec := f.Section(t.s.Section)
	if sec == nil || sec.Kind != campaign.List {
		return nil
	}
	d, err := t.loadDraft(f.ID)
	if err != nil {
		return err
	}
	if r := d.Row(sec.ID, t.s.Row); r != nil && len(r.Values) == 0 && d.Status != campaign.StatusSubmitted && d.Status != campaign.StatusApproved {
		d.DeleteListRow(sec.ID, r.Key)
	}
	return nil
}

// statusLine is where each of the unit's forms stands, in one line.
func (t *turn) statusLine() (string, error) {
	drafts, err := t.tx.Drafts(t.ctx, t.c.Campaign, t.c.Unit)
	if err != nil {
		return "", err
	}
	if t.draft != nil {
		drafts[t.draft.Form] = t.draft
	}
	var parts []string
	for _, f := range t.camp.ShownFor(t.unit, t.now(), func(f *campaign.Form) bool {
		d := drafts[f.ID]
		return d != nil && (d.Status == campaign.StatusSubmitted || d.Status == campaign.StatusApproved)
	}) {
		d := drafts[f.ID]
		if d == nil {
			d = campaign.NewDraft(t.c.Campaign, t.c.Unit, f.ID)
		}
		parts = append(parts, shortName(f)+" "+statusText(f, d))
	}
	return msg.StatusLineHead + strings.Join(parts, " · "), nil
}

// help is /help: who reviews this unit (the first people to ask), then the
// campaign's own help, then the commands.
func (t *turn) help() (string, error) {
	var b strings.Builder
	if up := reviewerUnit(t.camp, t.unit); up != "" && up != t.c.Unit {
		names, err := t.tx.ContactNames(t.ctx, t.c.Campaign, up, reviewers...)
		if err != nil {
			return "", err
		}
		if len(names) > 0 {
			fmt.Fprintf(&b, msg.HelpReviewer, t.camp.Units[up].Name, strings.Join(names, "、"))
		} else {
			fmt.Fprintf(&b, msg.HelpNoReviewer, t.camp.Units[up].Name)
		}
		b.WriteString("\n\n")
	}
	help := t.camp.Help
	if help == "" {
		help = t.camp.Office
	}
	if t.unit.Parent == "" {
		// The top unit is whom the notice's contacts are: not told to call
		// itself, but shown what the others see.
		help = fmt.Sprintf(msg.HelpTop, t.camp.Title, help)
	}
	b.WriteString(help + "\n\n" + t.commandList())
	if len(t.camp.FormsForUnit(t.unit)) > 0 {
		b.WriteString("\n" + sheetText.HelpEdit)
	}
	return b.String(), nil
}

// commandList is the commands the contact can use, as /help lists them:
// filling only where the unit fills a form, /extend where it owes one to a
// level above, /forward where there is a level above to forward to.
func (t *turn) commandList() string {
	fill, reviewer := "", ""
	if len(t.camp.FormsForUnit(t.unit)) > 0 {
		fill = msg.HelpFill
		if t.Sheets != nil {
			fill += sheetText.HelpTemplate
		}
		if t.unit.Parent != "" {
			fill += msg.HelpExtend
		}
	}
	if t.reviews() {
		forward := ""
		if t.unit.Parent != "" {
			forward = msg.HelpForward
		}
		reviewer = fmt.Sprintf(msg.HelpReviewerCommands, forward)
	}
	return fmt.Sprintf(msg.HelpCommands, fill, reviewer)
}

// logBroken logs every rule that could not be evaluated, by campaign and
// rule id (never the values: they may be personal data).
func (t *turn) logBroken(fails []campaign.Failure) {
	for _, fl := range fails {
		if fl.Broken != nil && t.Log != nil {
			t.Log.Error("a rule cannot be evaluated; it blocks", "campaign", t.camp.ID, "section", fl.Section, "rule", fl.Rule.ID, "err", fl.Broken)
		}
	}
}

// problems is the draft's Problems, with broken rules logged.
func (t *turn) problems(f *campaign.Form, d *campaign.Draft) []campaign.Problem {
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
func (t *turn) ask(f *campaign.Form, sec *campaign.Section, fd *campaign.Field, d *campaign.Draft) error {
	var b strings.Builder
	// The form, section and row head a question, except right after an
	// answer typed to the previous question of the same ones: that
	// question, with its head, stands just above (a press edits its
	// message away, and a command or a return to the chat shows the
	// question anew: there the head is shown).
	if !t.answered || (t.was.mode != ModeField && t.was.mode != ModeConfirm) || t.was.form != f.ID || t.was.section != sec.ID || t.was.row != t.s.Row {
		b.WriteString(shortName(f))
		if sec.Title != "" {
			b.WriteString(" · " + sec.Title)
		}
		switch sec.Kind {
		case campaign.List:
			fmt.Fprintf(&b, " · 第 %d 个%s", d.RowIndex(sec.ID, t.s.Row), sec.RowNoun)
		case campaign.Table:
			b.WriteString(" · " + strings.Trim(campaign.RowLabel(d, sec, t.s.Row), "："))
		}
		b.WriteString("\n\n")
	}
	idx, of := 0, 0
	asked := d.AskedMap(sec, t.s.Row)
	for _, x := range sec.Fields {
		if asked != nil && !asked[x.ID] && x != fd {
			continue
		}
		of++
		if x.ID == fd.ID {
			idx = of
		}
	}
	fmt.Fprintf(&b, "%s（%s）", fd.Title(), fmt.Sprintf(msg.Progress, idx, of))
	if sec.OptionalIn(t.s.Row, fd) {
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
	if fd.Type == campaign.File {
		b.WriteString("\n" + fmt.Sprintf(msg.FileExpected, strings.Join(fd.FileTypes, "、")))
	}
	current, has := d.Value(sec.ID, t.s.Row, fd.ID)
	if has && current != "" && !campaign.StillValid(fd, current) {
		// The campaign file changed since: the old answer is shown, to be
		// answered again.
		b.WriteString("\n" + fmt.Sprintf(msg.AnswerNoLongerFits, current))
		has, current = false, ""
	}
	if has && current != "" {
		b.WriteString("\n" + fmt.Sprintf(msg.CurrentAnswer, campaign.Display(fd, current)))
	}
	var buttons [][]Button
	switch fd.Type {
	case campaign.Choice:
		buttons = offeredButtons(fd.Choices, d.Offered(sec, t.s.Row, fd))
	case campaign.YesNo:
		buttons = [][]Button{{{Label: "是", Data: "choice:1"}, {Label: "否", Data: "choice:2"}}}
	case campaign.Text:
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
	if sec.OptionalIn(t.s.Row, fd) {
		last = append(last, Button{Label: msg.BtnSkip, Data: "skip"})
	}
	if t.flaggedRow(sec, d) {
		// A reviewer may flag a row that should not be there at all.
		last = append(last, Button{Label: fmt.Sprintf(msg.BtnDeleteRow, sec.RowNoun), Data: "rowdel"})
	}
	if len(last) > 0 {
		buttons = append(buttons, last)
	}
	t.screen(b.String(), buttons)
	t.replies[len(t.replies)-1].Typed = fd.Type != campaign.Choice && fd.Type != campaign.YesNo
	return nil
}

// flaggedRow says the walk is on a list row a reviewer flagged as a whole.
func (t *turn) flaggedRow(sec *campaign.Section, d *campaign.Draft) bool {
	if sec.Kind != campaign.List || t.s.Return != returnFlagged || t.s.FlagAt >= len(d.Flags.Flagged) {
		return false
	}
	s, row, field := splitItem(d.Flags.Flagged[t.s.FlagAt])
	return s == sec.ID && row == t.s.Row && field == ""
}

// choiceButtons lays choices out two to a row when they are short.
func choiceButtons(choices []string) [][]Button {
	all := make([]int, len(choices))
	for i := range choices {
		all[i] = i + 1
	}
	return offeredButtons(choices, all)
}

// offeredButtons lays out the choices offered (their places from 1), each
// pressed by its place among all the field's choices.
func offeredButtons(choices []string, offered []int) [][]Button {
	var rows [][]Button
	long := false
	for _, n := range offered {
		long = long || len([]rune(choices[n-1])) > 8
	}
	for _, n := range offered {
		c := choices[n-1]
		b := Button{Label: c, Data: "choice:" + strconv.Itoa(n)}
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
		if fd.Type == campaign.YesNo {
			choices = []string{"是", "否"}
		}
		if n >= 1 && n <= len(choices) && (fd.Type == campaign.Choice || fd.Type == campaign.YesNo) {
			return t.accept(f, sec, fd, choices[n-1], false)
		}
	case "sugg":
		n, err := strconv.Atoi(arg)
		if err == nil && n >= 0 && n < len(t.s.Suggest) && fd.Type == campaign.Text {
			value, problem := campaign.Validate(fd, t.s.Suggest[n])
			if problem != "" {
				t.note(problem)
				return t.show()
			}
			return t.accept(f, sec, fd, value, false)
		}
	case "skip":
		return t.skip()
	case "rowdel":
		d, err := t.loadDraft(f.ID)
		if err != nil {
			return err
		}
		if t.flaggedRow(sec, d) {
			t.s.Mode = ModeDelete
			return t.show()
		}
	case "jump":
		if other := sec.FieldAt(arg); other != nil && other.ID != fd.ID {
			t.s.Return = returnField + fd.ID
			t.s.Field = other.ID
			return t.show()
		}
	case "keep":
		d, err := t.loadDraft(f.ID)
		if err != nil {
			return err
		}
		if v, ok := d.Answered(sec, t.s.Row, fd); ok && v != "" {
			return t.advance(f, sec, fd, d)
		}
	}
	t.note(msg.Stale)
	return t.show()
}

// accept stores a valid answer after the unique and cross-field checks,
// or holds it back for a soft confirmation.
func (t *turn) accept(f *campaign.Form, sec *campaign.Section, fd *campaign.Field, value string, confirmed bool) error {
	d, err := t.loadDraft(f.ID)
	if err != nil {
		return err
	}
	if sec.Kind == campaign.List && d.Row(sec.ID, t.s.Row) == nil {
		return t.reset()
	}
	if !d.ChoiceOffered(sec, t.s.Row, fd, value) {
		// A choice this unit may not make, typed or pressed on an old
		// screen: refused, naming those it may.
		var offered []string
		for _, n := range d.Offered(sec, t.s.Row, fd) {
			offered = append(offered, fd.Choices[n-1])
		}
		t.note(msg.ChoiceRefused, value, fd.Label, strings.Join(offered, " / "))
		return t.show()
	}
	if d.UniqueClash(sec, t.s.Row, fd, value) {
		t.note(msg.Unique, value, fd.Label)
		return t.show()
	}
	fails := d.CheckRow(f, sec, t.s.Row, fd.ID, map[string]string{fd.ID: value})
	var hard, soft []campaign.Failure
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
	// A rule on this field alone (against the period before, a bound of
	// its own) has no partner to change next: refused at once, whatever
	// screen the answer came from.
	alone := len(hard) > 0
	for _, h := range hard {
		alone = alone && len(h.Rule.Check.Fields) == 1 && h.Rule.Check.Fields[0] == fd.ID
	}
	if len(hard) > 0 && (t.s.Return == returnWalk || t.s.Return == returnSheet || alone) {
		for _, h := range hard {
			t.note(h.Message)
		}
		if err := t.show(); err != nil {
			return err
		}
		// The mistake may be in a field answered before: a button for each
		// other field the rule names, which comes back here after.
		var jumps []Button
		for _, h := range hard {
			for _, id := range ruleFields(sec, h.Rule.ID) {
				if other := sec.Field(id); other != nil && id != fd.ID {
					jumps = append(jumps, Button{Label: fmt.Sprintf(msg.BtnEdit, plainLabel(other)), Data: "jump:" + sec.FieldIndex(other)})
				}
			}
		}
		t.addButtons(jumps)
		return nil
	}
	if len(soft) > 0 && !confirmed {
		t.s.Mode, t.s.Pending = ModeConfirm, value
		return t.show()
	}
	d.Set(sec.ID, t.s.Row, fd.ID, value)
	d.RecomputeSums(sec) // a table's 合计 follows its rows
	for _, fl := range soft {
		d.Confirm(fl.Key(), fl.Fingerprint)
	}
	t.note("✔ %s：%s", fd.Title(), campaign.Display(fd, value))
	if len(hard) > 0 {
		t.note(msg.HardOpenAfterEdit)
		for _, h := range hard {
			t.note("· " + h.Message)
		}
	}
	return t.advance(f, sec, fd, d)
}

// askConfirm shows the soft warnings the pending answer raises.
func (t *turn) askConfirm(f *campaign.Form, sec *campaign.Section, fd *campaign.Field, d *campaign.Draft) error {
	if t.s.Replacing {
		old, _ := d.Value(sec.ID, t.s.Row, fd.ID)
		text := fmt.Sprintf(msg.ReplaceAsk, fd.Title(), campaign.Display(fd, t.s.Pending))
		if old != "" {
			text += "\n" + fmt.Sprintf(msg.CurrentAnswer, campaign.Display(fd, old))
		}
		t.screen(text, [][]Button{{{Label: fmt.Sprintf(msg.BtnReplaceWith, short(campaign.Display(fd, t.s.Pending), 20)), Data: "ok"}, {Label: msg.BtnRedo, Data: "redo"}}})
		return nil
	}
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
	text := fmt.Sprintf("%s：%s\n\n%s\n%s\n\n%s", fd.Title(), campaign.Display(fd, t.s.Pending), msg.SoftIntro, strings.Join(lines, "\n"), msg.SoftAsk)
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
		pending, replacing := t.s.Pending, t.s.Replacing
		t.s.Mode, t.s.Pending, t.s.Replacing = ModeField, "", false
		// A replacement the person confirmed still meets its own warnings.
		return t.accept(f, sec, fd, pending, !replacing)
	case "redo":
		t.s.Mode, t.s.Pending, t.s.Replacing = ModeField, "", false
		return t.show()
	}
	t.note(msg.Stale)
	return t.show()
}

// confirmWords are what people type to say yes to a warning instead of
// pressing 确认无误.
var confirmWords = map[string]bool{"是": true, "对": true, "对的": true, "是的": true, "确认": true, "确定": true,
	"无误": true, "确认无误": true, "没错": true, "正确": true, "好": true, "好的": true, "ok": true, "yes": true}

// confirmText is text typed on a warning's screen: a yes confirms; any
// other text is checked as a new answer, and shown for its own yes (or
// its own warning) before it is stored: typed 对的 never becomes a park's
// name unseen.
func (t *turn) confirmText(text string) error {
	f, sec, fd := t.position()
	if fd == nil {
		return t.reset()
	}
	word := strings.ToLower(strings.Trim(parse.Fold(text), "。.!！~ "))
	if confirmWords[word] {
		return t.confirmButton("ok")
	}
	value, problem := campaign.Validate(fd, text)
	if problem != "" {
		t.note(problem)
		return t.show() // the same warning, for the same answer
	}
	d, err := t.loadDraft(f.ID)
	if err != nil {
		return err
	}
	for _, fl := range d.CheckRow(f, sec, t.s.Row, fd.ID, map[string]string{fd.ID: value}) {
		if !fl.Blocks() && d.Flags.Soft[fl.Key()] != fl.Fingerprint {
			t.s.Pending, t.s.Replacing = value, false // the new answer warns too
			return t.show()
		}
	}
	t.s.Pending, t.s.Replacing = value, true
	return t.show()
}

// short cuts a label for a button.
func short(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// advance moves on after an answer: back to where an edit came from, or to
// the next field of the walk.
func (t *turn) advance(f *campaign.Form, sec *campaign.Section, fd *campaign.Field, d *campaign.Draft) error {
	if back, ok := strings.CutPrefix(t.s.Return, returnField); ok {
		// An earlier field changed from a rule's message: back to the field
		// whose answer the rule refused.
		t.s.Field, t.s.Return = back, returnWalk
		if t.s.Sheet != nil && t.s.Sheet.Form == f.ID {
			t.s.Return = returnSheet // and on with the file's walk after it
		}
		return t.show()
	}
	switch t.s.Return {
	case returnSheet:
		return t.nextSheet(f, d)
	case returnFlagged:
		return t.nextFlagged(f, sec, fd, d)
	case returnReview, returnMissing:
		// Back to the review, unless the row lacks answers (one the
		// change has just made asked, 正式规划文本 after 本地单独编制):
		// those first.
		for _, p := range d.Problems(f) {
			if p.Missing && p.Section == sec.ID && p.Row == t.s.Row {
				t.s.Field = p.Field
				return t.show()
			}
		}
		t.at(ModeReview, "", "", "")
		t.s.Return = returnWalk
		return t.show()
	case returnRow:
		t.at(ModeRow, sec.ID, t.s.Row, "")
		return t.show()
	}
	// The next field of the same row that is asked.
	if next := campaign.NextAsked(d, sec, t.s.Row, fd); next != nil {
		t.s.Field = next.ID
		return t.show()
	}
	// The row is complete.
	switch sec.Kind {
	case campaign.List:
		t.note(msg.RowSaved, d.RowIndex(sec.ID, t.s.Row), sec.RowNoun)
		t.at(ModeList, sec.ID, "", "")
		return t.show()
	case campaign.Table:
		for i, r := range sec.Rows {
			if r.Key == t.s.Row {
				if t.firstInRows(d, sec, sec.Rows[i+1:]) {
					return t.show()
				}
				break
			}
		}
	}
	return t.enterSectionAfter(f, sec, d)
}

// enterSectionAfter goes to the start of the section after sec, or to the review.
func (t *turn) enterSectionAfter(f *campaign.Form, sec *campaign.Section, d *campaign.Draft) error {
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

func (t *turn) enterSection(s *campaign.Section, d *campaign.Draft) error {
	switch s.Kind {
	case campaign.List:
		t.s.ListReturn = returnWalk
		t.at(ModeList, s.ID, "", "")
	case campaign.Table:
		if !t.firstInRows(d, s, s.Rows) {
			return t.enterSectionAfter(t.camp.Form(t.s.Form), s, d)
		}
	default:
		if !t.firstInRows(d, s, []campaign.RowKey{{}}) {
			return t.enterSectionAfter(t.camp.Form(t.s.Form), s, d)
		}
	}
	return t.show()
}

// firstInRows moves to the first asked field of the first of rows that has
// one; false if none has.
func (t *turn) firstInRows(d *campaign.Draft, s *campaign.Section, rows []campaign.RowKey) bool {
	for _, r := range rows {
		if fd := campaign.NextAsked(d, s, r.Key, nil); fd != nil {
			t.at(ModeField, s.ID, r.Key, fd.ID)
			return true
		}
	}
	return false
}

// lastInRows moves to the last asked field of the last of rows that has
// one; false if none has.
func (t *turn) lastInRows(d *campaign.Draft, s *campaign.Section, rows []campaign.RowKey) bool {
	for i := len(rows) - 1; i >= 0; i-- {
		if fd := campaign.PrevAsked(d, s, rows[i].Key, nil); fd != nil {
			t.at(ModeField, s.ID, rows[i].Key, fd.ID)
			return true
		}
	}
	return false
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
			if sec := f.Section(t.s.Section); sec != nil && sec.Kind == campaign.Table {
				t.at(ModeReview, "", "", "") // a table row is reached from the review
			} else {
				t.at(ModeList, t.s.Section, "", "")
			}
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
	if back, ok := strings.CutPrefix(t.s.Return, returnField); ok {
		t.s.Field, t.s.Return = back, returnWalk
		return t.show()
	}
	if t.s.Return != returnWalk {
		// Backing out of a single-field edit returns where it came from.
		if t.s.Return == returnRow {
			t.at(ModeRow, sec.ID, t.s.Row, "")
		} else {
			t.at(ModeReview, "", "", "")
		}
		t.s.Return = returnWalk
		return t.show()
	}
	d, err := t.loadDraft(f.ID)
	if err != nil {
		return err
	}
	if prev := campaign.PrevAsked(d, sec, t.s.Row, fd); prev != nil {
		t.s.Field = prev.ID
		return t.show()
	}
	switch sec.Kind {
	case campaign.List:
		// Backing out of a row's first field: to the list; a row left
		// empty is not kept.
		if r := d.Row(sec.ID, t.s.Row); r != nil && len(r.Values) == 0 {
			d.DeleteListRow(sec.ID, r.Key)
		}
		t.at(ModeList, sec.ID, "", "")
		return t.show()
	case campaign.Table:
		for i, r := range sec.Rows {
			if r.Key == t.s.Row {
				if t.lastInRows(d, sec, sec.Rows[:i]) {
					return t.show()
				}
				break
			}
		}
	}
	return t.backBefore(f, sec)
}

// backBefore goes to the end of the section before sec.
func (t *turn) backBefore(f *campaign.Form, sec *campaign.Section) error {
	var prev *campaign.Section
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
func (t *turn) lastOf(f *campaign.Form, s *campaign.Section, d *campaign.Draft) error {
	switch s.Kind {
	case campaign.List:
		t.s.ListReturn = returnWalk
		t.at(ModeList, s.ID, "", "")
	case campaign.Table:
		if !t.lastInRows(d, s, s.Rows) {
			return t.backBefore(f, s)
		}
	default:
		if !t.lastInRows(d, s, []campaign.RowKey{{}}) {
			return t.backBefore(f, s)
		}
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
	if !sec.OptionalIn(t.s.Row, fd) {
		t.note(msg.CannotSkip, fd.Title())
		return t.show()
	}
	d, err := t.loadDraft(f.ID)
	if err != nil {
		return err
	}
	d.Set(sec.ID, t.s.Row, fd.ID, "")
	d.RecomputeSums(sec)
	return t.advance(f, sec, fd, d)
}
