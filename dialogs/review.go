package dialogs

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"tianbao/campaign"
)

// rowSummary is one line about a list row: its number and every value,
// campaign.Compact (西湖区三墩智造小微园 · 50亩 · 3.5万㎡ · 2019-06 · 龙头企业开发), so
// that a reviewer reads every figure.
func rowSummary(s *campaign.Section, r *campaign.Row, n int) string {
	var parts []string
	asked := s.AskedFields(r.Key, r.Values)
	for _, fd := range s.Fields {
		if asked != nil && !asked[fd.ID] {
			continue
		}
		if v := r.Values[fd.ID]; v != "" {
			parts = append(parts, campaign.Compact(fd, v))
		}
	}
	if len(parts) == 0 {
		return fmt.Sprintf("%d. %s", n, msg.RowEmpty)
	}
	return fmt.Sprintf("%d. %s", n, strings.Join(parts, " · "))
}

func rowName(s *campaign.Section, r *campaign.Row, n int) string {
	if len(s.Fields) > 0 {
		if v := r.Values[s.Fields[0].ID]; v != "" {
			return fmt.Sprintf("%d. %s", n, v)
		}
	}
	return fmt.Sprintf("%d. %s", n, msg.NoRowsYet)
}

// listMenu shows a list section's rows with add, open and finish buttons.
func (t *turn) listMenu(f *campaign.Form, s *campaign.Section, d *campaign.Draft) error {
	rows := d.Rows(s.ID)
	title := s.Title
	if title == "" {
		title = f.Short
	}
	var b strings.Builder
	var buttons [][]Button
	switch {
	case len(rows) == 0 && s.MinRows > 0:
		fmt.Fprintf(&b, so.MinRowsEmpty, title, s.MinRows, s.RowNoun)
	case len(rows) == 0:
		fmt.Fprintf(&b, msg.ListEmpty, title, s.RowNoun)
	default:
		fmt.Fprintf(&b, msg.ListIntro, title, len(rows), s.RowNoun)
		if len(rows) < s.MinRows {
			fmt.Fprintf(&b, so.MinRowsHint, s.MinRows)
		}
		// A row left half-filled says so, here and on its button: the
		// contact coming back sees at once which park still lacks answers.
		missing := map[string]int{}
		for _, p := range d.Problems(f) {
			if p.Section == s.ID && (p.Missing || p.Empty) {
				missing[p.Row]++
			}
		}
		for i, r := range rows {
			line, label := rowSummary(s, r, i+1), rowName(s, r, i+1)
			if n := missing[r.Key]; n > 0 {
				line += fmt.Sprintf(msg.RowIncomplete, n)
				label = fmt.Sprintf(msg.BtnRowIncomplete, label)
			}
			b.WriteString("\n" + line)
			buttons = append(buttons, []Button{{Label: label, Data: "row:" + r.Key}})
		}
	}
	add := Button{Label: fmt.Sprintf(msg.BtnAddRow, s.RowNoun), Data: "add"}
	finish := Button{Label: msg.BtnFinishSection, Data: "finish"}
	if len(rows) == 0 && s.MinRows == 0 {
		finish.Label = fmt.Sprintf(msg.BtnNoRows, s.RowNoun)
	}
	if t.s.ListReturn == returnReview {
		finish.Label = msg.BtnBackToReview
	}
	buttons = append(buttons, []Button{add, finish})
	if t.nothingOwnAllowed(f, d) {
		buttons = append(buttons, []Button{{Label: msg.BtnNothingOwn, Data: "none"}})
	}
	t.screen(b.String(), buttons)
	return nil
}

// nothingOwnAllowed says the unit may report 本级无 for the form in one
// tap: a unit with units under it (a city, whose own part of 附件2 is often
// empty), a form made only of lists, and nothing entered yet.
func (t *turn) nothingOwnAllowed(f *campaign.Form, d *campaign.Draft) bool {
	if len(t.unit.Children) == 0 || d.Status == campaign.StatusSubmitted || d.Status == campaign.StatusApproved {
		return false
	}
	for _, s := range f.Sections {
		if s.Kind != campaign.List || len(d.Rows(s.ID)) > 0 || s.MinRows > 0 {
			return false
		}
	}
	return true
}

// nothingOwn submits the form empty as 本级无 and records it accepted:
// there is nothing in it for the unit's own reviewers to approve (they
// would be approving themselves), and it goes up with the unit's package.
func (t *turn) nothingOwn(f *campaign.Form, d *campaign.Draft) error {
	if !t.nothingOwnAllowed(f, d) {
		t.note(msg.Stale)
		return t.show()
	}
	for _, s := range f.Sections {
		d.SetDone(s.ID, true)
	}
	d.ClearReturn()
	d.SetStatus(campaign.StatusSubmitted)
	sub, err := t.tx.Submit(t.ctx, d, t.camp.Version, t.c.ID)
	if err != nil {
		return err
	}
	if err := t.tx.SetSubmissionStatus(t.ctx, sub, SubApproved, t.c.ID, msg.NothingOwnReason, nil); err != nil {
		return err
	}
	d.Status = campaign.StatusApproved // written by SetSubmissionStatus
	t.note(msg.NothingOwnDone, f.Name())
	t.s.Mode, t.s.Form = ModeHome, ""
	return t.show()
}

func (t *turn) listButton(name, arg string) error {
	f := t.camp.Form(t.s.Form)
	s := f.Section(t.s.Section)
	d, err := t.loadDraft(f.ID)
	if err != nil {
		return err
	}
	switch name {
	case "add":
		if s.MaxRows > 0 && len(d.Rows(s.ID)) >= s.MaxRows {
			t.note(msg.MaxRows, s.MaxRows, s.RowNoun)
			return t.show()
		}
		key := d.AddListRow(s.ID)
		first := campaign.NextAsked(d, s, key, nil)
		if first == nil {
			first = s.Fields[0]
		}
		t.at(ModeField, s.ID, key, first.ID)
		t.s.Return = returnWalk
		return t.show()
	case "none":
		return t.nothingOwn(f, d)
	case "finish":
		if n := len(d.Rows(s.ID)); n < s.MinRows {
			// A list that may not go empty (a weekly return's rows) is
			// not finished short.
			t.note(so.FinishTooFew, s.MinRows, s.RowNoun, n)
			return t.show()
		}
		d.SetDone(s.ID, true)
		if t.s.ListReturn == returnReview {
			t.at(ModeReview, "", "", "")
			return t.show()
		}
		return t.enterSectionAfter(f, s, d)
	case "row":
		if d.Row(s.ID, arg) != nil {
			t.at(ModeRow, s.ID, arg, "")
			return t.show()
		}
	}
	t.note(msg.Stale)
	return t.show()
}

// rowMenu shows one list row with a button per field and delete.
func (t *turn) rowMenu(f *campaign.Form, s *campaign.Section, d *campaign.Draft) error {
	values := map[string]string{}
	if r := d.Row(s.ID, t.s.Row); r != nil {
		values = r.Values
	}
	title := s.Title
	if title == "" {
		title = f.Short
	}
	var b strings.Builder
	if s.Kind == campaign.Table {
		b.WriteString(title + " " + strings.Trim(campaign.RowLabel(d, s, t.s.Row), "：") + "：")
	} else {
		fmt.Fprintf(&b, msg.RowMenu, title, d.RowIndex(s.ID, t.s.Row), s.RowNoun)
	}
	var buttons [][]Button
	for _, fd := range s.Fields {
		if !d.Asked(s, t.s.Row, fd) {
			continue
		}
		fmt.Fprintf(&b, "\n%s：%s", fd.Title(), campaign.Display(fd, values[fd.ID]))
		buttons = append(buttons, []Button{{Label: fmt.Sprintf(msg.BtnEdit, fd.Label), Data: "edit:" + s.FieldIndex(fd)}})
	}
	if s.Kind == campaign.Table {
		buttons = append(buttons, []Button{{Label: msg.BtnBackToReviewRow, Data: "list"}})
	} else {
		buttons = append(buttons, []Button{
			{Label: fmt.Sprintf(msg.BtnDeleteRow, s.RowNoun), Data: "del"},
			{Label: msg.BtnBackToList, Data: "list"},
		})
	}
	t.screen(b.String(), buttons)
	return nil
}

// maxFixButtons bounds the review's 去处理 buttons (Telegram takes 100 in all).
const maxFixButtons = 12

// fixButtons are what the review offers for one problem: 删除 for an empty
// row, 确认无误 for a pending soft warning, 改 for each field a broken
// cross-field rule names, 去处理 for a missing or repeated answer.
func fixButtons(f *campaign.Form, p campaign.Problem, i int) [][]Button {
	s := f.Section(p.Section)
	if s == nil {
		return nil
	}
	at := strconv.Itoa(i) + ":"
	label := strings.TrimSuffix(short(p.Text, 24), "：")
	switch {
	case p.Rows:
		title := s.Title
		if title == "" {
			title = f.Short
		}
		return [][]Button{{{Label: fmt.Sprintf(msg.BtnFix, short(title, 20)), Data: "fix:" + at + "0"}}}
	case p.Empty:
		return [][]Button{{{Label: fmt.Sprintf(msg.BtnFixDelete, short(strings.TrimSuffix(p.Where, "："), 20)), Data: "fix:" + at + "0"}}}
	case p.Soft:
		if p.Where != "" {
			label = short(strings.TrimSuffix(p.Where, "："), 20)
		}
		return [][]Button{{{Label: fmt.Sprintf(msg.BtnFixConfirm, label), Data: "fix:" + at + "0"}}}
	case p.Rule != "":
		var row []Button
		for j, id := range ruleFields(s, p.Rule) {
			if fd := s.Field(id); fd != nil {
				row = append(row, Button{Label: fmt.Sprintf(msg.BtnEdit, plainLabel(fd)), Data: "fix:" + at + strconv.Itoa(j)})
			}
		}
		if len(row) > 0 {
			return [][]Button{row}
		}
	case p.Field != "":
		if fd := s.Field(p.Field); fd != nil {
			return [][]Button{{{Label: fmt.Sprintf(msg.BtnFix, short(p.Where+plainLabel(fd), 24)), Data: "fix:" + at + "0"}}}
		}
	}
	return nil
}

// missingButton walks one row's n unanswered required fields, from p's.
func missingButton(f *campaign.Form, p campaign.Problem, i, n int) []Button {
	where := strings.TrimSuffix(p.Where, "：")
	if where == "" {
		if s := f.Section(p.Section); s != nil && s.Title != "" {
			where = s.Title
		} else {
			where = f.Short
		}
	}
	return []Button{{Label: fmt.Sprintf(msg.BtnFixMissing, short(where, 20), n), Data: "fix:" + strconv.Itoa(i) + ":0"}}
}

// ruleFields are the fields a section's rule reads, in the section's order.
func ruleFields(s *campaign.Section, rule string) []string {
	for _, r := range s.Rules {
		if r.ID != rule {
			continue
		}
		var out []string
		for _, fd := range s.Fields {
			if slices.Contains(r.Check.Fields, fd.ID) {
				out = append(out, fd.ID)
			}
		}
		return out
	}
	return nil
}

// fix acts on the review's problem i (arg i:j): deletes the empty row,
// confirms the soft warning, or goes to the field (the j-th a rule names)
// to change it and come back.
func (t *turn) fix(f *campaign.Form, d *campaign.Draft, arg string) error {
	iText, jText, _ := strings.Cut(arg, ":")
	i, err1 := strconv.Atoi(iText)
	j, err2 := strconv.Atoi(jText)
	problems := d.Problems(f)
	if err1 != nil || err2 != nil || i < 0 || i >= len(problems) {
		t.note(msg.FixedNone)
		return t.show()
	}
	p := problems[i]
	s := f.Section(p.Section)
	switch {
	case s == nil:
	case p.Rows:
		t.at(ModeList, s.ID, "", "")
		t.s.ListReturn = returnReview
		return t.show()
	case p.Empty:
		d.DeleteListRow(s.ID, p.Row)
		t.note(msg.RowDeleted)
		return t.show()
	case p.Soft:
		for _, fl := range d.CheckRow(f, s, p.Row, "", nil) {
			if fl.Rule.ID == p.Rule && !fl.Blocks() {
				d.Confirm(fl.Key(), fl.Fingerprint)
			}
		}
		return t.show()
	case p.Rule != "":
		if ids := ruleFields(s, p.Rule); j >= 0 && j < len(ids) {
			t.at(ModeField, s.ID, p.Row, ids[j])
			t.s.Return = returnReview
			return t.show()
		}
	case p.Missing:
		t.at(ModeField, s.ID, p.Row, p.Field)
		t.s.Return = returnMissing
		return t.show()
	case p.Field != "":
		t.at(ModeField, s.ID, p.Row, p.Field)
		t.s.Return = returnReview
		return t.show()
	}
	t.note(msg.FixedNone)
	return t.show()
}

func (t *turn) rowButton(name, arg string) error {
	f := t.camp.Form(t.s.Form)
	s := f.Section(t.s.Section)
	switch name {
	case "edit":
		if fd := s.FieldAt(arg); fd != nil {
			t.at(ModeField, s.ID, t.s.Row, fd.ID)
			t.s.Return = returnRow
			return t.show()
		}
	case "del":
		if s.Kind != campaign.List {
			break
		}
		t.s.Mode = ModeDelete
		return t.show()
	case "list":
		if s.Kind == campaign.Table {
			t.at(ModeReview, "", "", "")
			return t.show()
		}
		t.at(ModeList, s.ID, "", "")
		return t.show()
	}
	t.note(msg.Stale)
	return t.show()
}

func (t *turn) deleteAsk(s *campaign.Section, d *campaign.Draft) error {
	r := d.Row(s.ID, t.s.Row)
	name := msg.NoRowsYet
	if len(s.Fields) > 0 && r.Values[s.Fields[0].ID] != "" {
		name = r.Values[s.Fields[0].ID]
	}
	t.screen(fmt.Sprintf(msg.DeleteAsk, d.RowIndex(s.ID, r.Key), s.RowNoun, name),
		[][]Button{{{Label: msg.BtnConfirmDelete, Data: "yes"}, {Label: msg.BtnCancel, Data: "no"}}})
	return nil
}

func (t *turn) deleteButton(name string) error {
	f := t.camp.Form(t.s.Form)
	s := f.Section(t.s.Section)
	switch name {
	case "yes":
		d, err := t.loadDraft(f.ID)
		if err != nil {
			return err
		}
		d.DeleteListRow(s.ID, t.s.Row)
		t.note(msg.RowDeleted)
		if t.s.Return == returnFlagged && t.s.Field != "" {
			// Deleted from the walk of a return: on to the next flagged item.
			if t.flaggedFrom(f, d, t.s.FlagAt+1) {
				return t.show()
			}
			t.at(ModeReview, "", "", "")
			t.s.Return = returnWalk
			return t.show()
		}
		t.at(ModeList, s.ID, "", "")
		return t.show()
	case "no":
		if t.s.Return == returnFlagged && t.s.Field != "" {
			t.s.Mode = ModeField
			return t.show()
		}
		t.s.Mode = ModeRow
		return t.show()
	}
	t.note(msg.Stale)
	return t.show()
}

// summary writes every answer of the form, lists as numbered rows.
func summary(f *campaign.Form, d *campaign.Draft) string {
	var b strings.Builder
	b.WriteString(f.Name())
	for _, s := range f.Sections {
		if s.Title != "" {
			b.WriteString("\n\n【" + s.Title + "】")
		} else {
			b.WriteString("\n")
		}
		switch s.Kind {
		case campaign.List:
			rows := d.Rows(s.ID)
			if len(rows) == 0 {
				b.WriteString("\n" + msg.NoRowsYet)
			}
			for i, r := range rows {
				b.WriteString("\n" + rowSummary(s, r, i+1))
			}
		case campaign.Table:
			for _, rk := range s.Rows {
				var parts []string
				for _, fd := range s.Fields {
					switch {
					case s.BlankIn(rk.Key, fd):
						parts = append(parts, fd.Label+" "+msg.Dash)
						continue
					case !d.Asked(s, rk.Key, fd) && !s.IsSum(rk.Key):
						continue
					}
					v, _ := d.Value(s.ID, rk.Key, fd.ID)
					parts = append(parts, fd.Label+" "+strings.TrimSpace(strings.TrimSuffix(campaign.Display(fd, v), fd.Unit)))
				}
				b.WriteString("\n" + rk.Title + "：" + strings.Join(parts, "；"))
			}
		default:
			for _, fd := range s.Fields {
				v, _ := d.Value(s.ID, "", fd.ID)
				if fd.FilledBy != "" && d.Level != "" && fd.FilledBy != d.Level {
					// Another level's cell: shown, not asked.
					if v == "" {
						v = msg.FilledAbove
					} else {
						v = campaign.Display(fd, v)
					}
					b.WriteString("\n" + fd.Title() + "：" + v)
					continue
				}
				if !d.Asked(s, "", fd) {
					continue
				}
				b.WriteString("\n" + fd.Title() + "：" + campaign.Display(fd, v))
			}
		}
	}
	return b.String()
}

// review shows everything entered with a button per field, list and table
// row, and the submit button.
func (t *turn) review(f *campaign.Form, d *campaign.Draft) error {
	var b strings.Builder
	if d.Status == campaign.StatusReturned {
		note, err := t.returnedNote(f, d)
		if err != nil {
			return err
		}
		b.WriteString(note + "\n\n")
	}
	fmt.Fprintf(&b, msg.ReviewIntro, summary(f, d))
	var buttons [][]Button
	for _, s := range f.Sections {
		switch s.Kind {
		case campaign.List:
			title := s.Title
			if title == "" {
				title = s.RowNoun
			}
			buttons = append(buttons, []Button{{Label: fmt.Sprintf(msg.BtnOpenList, title, len(d.Rows(s.ID)), s.RowNoun), Data: "list:" + f.SectionIndex(s)}})
		case campaign.Table:
			var row []Button
			for ri, rk := range s.Rows {
				if len(rk.Sum) > 0 {
					continue // computed
				}
				row = append(row, Button{Label: fmt.Sprintf(msg.BtnEdit, rk.Title), Data: "trow:" + f.SectionIndex(s) + ":" + strconv.Itoa(ri)})
				if len(row) == 3 {
					buttons, row = append(buttons, row), nil
				}
			}
			if len(row) > 0 {
				buttons = append(buttons, row)
			}
		default:
			for _, fd := range s.Fields {
				if d.Asked(s, "", fd) {
					buttons = append(buttons, []Button{{Label: fmt.Sprintf(msg.BtnEdit, plainLabel(fd)), Data: "edit:" + f.SectionIndex(s) + ":" + s.FieldIndex(fd)}})
				}
			}
		}
	}
	if problems := t.problems(f, d); len(problems) > 0 {
		b.WriteString("\n\n" + msg.ReviewBlocked)
		var fixes [][]Button
		// A row's unanswered fields are one line and one button, which
		// walks them.
		missing := map[string][]string{}
		for _, p := range problems {
			if p.Missing {
				k := p.Section + "\x00" + p.Row
				missing[k] = append(missing[k], plainLabel(f.Section(p.Section).Field(p.Field)))
			}
		}
		for i, p := range problems {
			if !p.Missing {
				b.WriteString("\n· " + p.Text)
				if len(fixes) < maxFixButtons {
					fixes = append(fixes, fixButtons(f, p, i)...)
				}
				continue
			}
			k := p.Section + "\x00" + p.Row
			names, first := missing[k]
			if !first {
				continue
			}
			delete(missing, k)
			if len(names) == 1 {
				b.WriteString("\n· " + p.Text)
			} else {
				fmt.Fprintf(&b, "\n· %s"+msg.MissingMany, p.Where, len(names), strings.Join(names, "、"))
			}
			if len(fixes) < maxFixButtons {
				fixes = append(fixes, missingButton(f, p, i, len(names)))
			}
		}
		buttons = append(fixes, buttons...)
	} else {
		b.WriteString("\n\n" + msg.ReviewReady)
	}
	buttons = append(buttons, []Button{{Label: msg.BtnSubmit, Data: "submit"}, {Label: msg.BtnHome, Data: "home"}})
	t.screen(b.String(), buttons)
	return nil
}

func (t *turn) reviewButton(name, arg string) error {
	f := t.camp.Form(t.s.Form)
	d, err := t.loadDraft(f.ID)
	if err != nil {
		return err
	}
	switch name {
	case "edit":
		secIdx, fieldIdx, _ := strings.Cut(arg, ":")
		if s := f.SectionAt(secIdx); s != nil && s.Kind == campaign.Record && s.FieldAt(fieldIdx) != nil {
			t.at(ModeField, s.ID, "", s.FieldAt(fieldIdx).ID)
			t.s.Return = returnReview
			return t.show()
		}
	case "trow":
		// A table's row (附件4's year) opens as a row: one 改 per field.
		secIdx, rowIdx, _ := strings.Cut(arg, ":")
		if s := f.SectionAt(secIdx); s != nil && s.Kind == campaign.Table {
			if ri, err := strconv.Atoi(rowIdx); err == nil && ri >= 0 && ri < len(s.Rows) && len(s.Rows[ri].Sum) == 0 {
				key := s.Rows[ri].Key
				if first := campaign.NextAsked(d, s, key, nil); first != nil && first == campaign.PrevAsked(d, s, key, nil) {
					// One question in the row: the row menu would be one more tap.
					t.at(ModeField, s.ID, key, first.ID)
					t.s.Return = returnReview
					return t.show()
				}
				t.at(ModeRow, s.ID, s.Rows[ri].Key, "")
				return t.show()
			}
		}
	case "list":
		if s := f.SectionAt(arg); s != nil && s.Kind == campaign.List {
			t.at(ModeList, s.ID, "", "")
			t.s.ListReturn = returnReview
			return t.show()
		}
	case "fix":
		return t.fix(f, d, arg)
	case "submit":
		return t.submit(f, d)
	case "home":
		t.s.Mode, t.s.Form = ModeHome, ""
		return t.show()
	}
	t.note(msg.Stale)
	return t.show()
}

// submit stores an immutable version once nothing blocks it.
func (t *turn) submit(f *campaign.Form, d *campaign.Draft) error {
	if problems := t.problems(f, d); len(problems) > 0 {
		t.note(msg.ReviewBlocked)
		for _, p := range problems {
			t.note("· " + p.Text)
		}
		return t.show()
	}
	for _, s := range f.Sections {
		if s.Kind == campaign.List {
			d.SetDone(s.ID, true)
		}
	}
	d.ClearReturn()
	d.ClearUnasked(f) // a submission holds only what its questions asked
	d.SetStatus(campaign.StatusSubmitted)
	sub, err := t.tx.Submit(t.ctx, d, t.camp.Version, t.c.ID)
	if err != nil {
		return err
	}
	t.submitted = sub
	if err := t.notifySubmitted(f, d, sub); err != nil {
		return err
	}
	if t.canDecide(sub) {
		// A unit whose own reviewers 审定 its own rows (a city): what was
		// just submitted waits for them, and the start screen shown now
		// says so, though its row is written only as the turn commits.
		t.fresh = &PendingItem{ID: sub.ID, Unit: sub.Unit, Form: sub.Form, Version: sub.Version, At: t.now(), By: t.c.Name}
	}
	t.note(msg.Submitted, f.Name(), sub.Version)
	t.s.Mode, t.s.Form = ModeHome, ""
	return t.show()
}

// view shows a submitted or approved form, read only.
func (t *turn) view() error { return t.withForm(t.viewForm) }

func (t *turn) viewForm(f *campaign.Form, d *campaign.Draft) error {
	if d.Status != campaign.StatusSubmitted && d.Status != campaign.StatusApproved {
		// Returned or reopened meanwhile: continue where the walk stands.
		t.firstOpen(f, d)
		return t.show()
	}
	head := fmt.Sprintf(msg.AlreadySubmitted, f.Name())
	buttons := [][]Button{{{Label: msg.BtnWithdraw, Data: "withdraw"}, {Label: msg.BtnHome, Data: "home"}}}
	if d.Status == campaign.StatusApproved {
		head = fmt.Sprintf(msg.AlreadyApproved, f.Name())
		buttons = [][]Button{{{Label: msg.BtnHome, Data: "home"}}}
		if reviewerUnit(t.camp, t.unit) == t.unit.Code {
			// The unit's own part, accepted by itself: it may fill it
			// again until its package has gone up.
			buttons = [][]Button{{{Label: msg.BtnRedoOwn, Data: "redo"}, {Label: msg.BtnHome, Data: "home"}}}
		}
	}
	t.screen(head+"\n\n"+summary(f, d), buttons)
	return nil
}

// redoOwn reopens the unit's own approved form (本级无 that was not, after
// all) while its package is not with the level above.
func (t *turn) redoOwn(f *campaign.Form, d *campaign.Draft) error {
	if d.Status != campaign.StatusApproved || reviewerUnit(t.camp, t.unit) != t.unit.Code {
		return t.staleNotice()
	}
	pkg, err := t.tx.LatestSubmission(t.ctx, t.c.Campaign, t.c.Unit, PackageForm(f.ID))
	if err != nil {
		return err
	}
	if pkg != nil && (pkg.Status == SubSubmitted || pkg.Status == SubApproved) {
		t.note(msg.RedoOwnForwarded)
		return t.show()
	}
	sub, err := t.tx.LatestSubmission(t.ctx, t.c.Campaign, t.c.Unit, f.ID)
	if err != nil {
		return err
	}
	if sub == nil || sub.Status != SubApproved {
		return t.staleNotice()
	}
	if err := t.tx.SetSubmissionStatus(t.ctx, sub, SubWithdrawn, t.c.ID, "", nil); err != nil {
		return err
	}
	d.Status = campaign.StatusDraft // written by SetSubmissionStatus
	for _, s := range f.Sections {
		if s.Kind == campaign.List {
			d.SetDone(s.ID, false)
		}
	}
	t.note(msg.RedoOwnDone, f.Name())
	t.firstOpen(f, d)
	return t.show()
}

// withdrawAsk asks before a submission is taken back: its reviewers are
// told, and it must be submitted again.
func (t *turn) withdrawAsk() error { return t.withForm(t.withdrawAskForm) }

func (t *turn) withdrawAskForm(f *campaign.Form, d *campaign.Draft) error {
	if d.Status != campaign.StatusSubmitted {
		t.s.Mode = ModeView
		return t.view()
	}
	t.screen(fmt.Sprintf(msg.WithdrawAsk, f.Name()), [][]Button{{{Label: msg.BtnConfirmWithdraw, Data: "yes"}, {Label: msg.BtnCancel, Data: "no"}}})
	return nil
}
