package dialogs

import (
	"context"
	"errors"
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"

	"tianbao/campaign"
)

// The notice's spreadsheet filled offline. /template sends the unit's form
// as the notice prints it (a TemplateRef the transport makes), pre-filled
// with the draft; the person fills it in Excel or WPS and sends the file
// back. Every cell is read with the checks of a typed answer
// (campaign.Validate, the row's `when`, the draft's rules): what was empty
// and is valid goes into the draft at once; what would change an answer
// already there is listed and changed only after 确认; then the walk asks
// only what is left — each invalid cell, each required answer missing,
// each broken rule and each soft warning — naming each cell by its row
// and column as printed. A file for another unit or campaign (not one of
// the person's places), of an older campaign version, laid out
// differently, or for a form submitted already changes nothing and says
// why. ImportSheet is the same for a page that takes an upload.

// templatePrefix marks a button that sends a form's template: bound to the
// form, it works from any screen.
const templatePrefix = "tpl:"

// OtherPlaceError says a file is for another of the person's places (the
// campaign and unit it was made for): nothing was done, and the input is
// for that contact, which the transport makes current and gives it to.
type OtherPlaceError struct{ Contact int64 }

func (e *OtherPlaceError) Error() string {
	return "the file is for contact " + strconv.FormatInt(e.Contact, 10)
}

// SheetWalk is an imported file being followed up: changes waiting for
// 确认, and the cells still to answer.
type SheetWalk struct {
	Form string `json:"form"`
	// Pending is what waits for 确认: answers the file changes, list rows
	// it empties, rows it brings back.
	Pending *sheetPending `json:"pending,omitempty"`
	// Invalid are the cells the file filled that were refused.
	Invalid []SheetIssue `json:"invalid,omitempty"`
	// Where names each cell of the file by where it is printed.
	Where map[string]string `json:"where,omitempty"`
	// Items are what the walk asks, in order; At the one asked now.
	Items []SheetIssue `json:"items,omitempty"`
	At    int          `json:"at,omitempty"`
}

// SheetIssue is a cell of the form to see to, and why.
type SheetIssue struct {
	Section string `json:"s"`
	Row     string `json:"r,omitempty"`
	Field   string `json:"d,omitempty"`
	Text    string `json:"t"`
	// Soft: a warning to confirm (or answer anew).
	Soft bool `json:"w,omitempty"`
	// Rule is the rule a broken cross-field check is, asked at its first
	// field with a button to each other field it reads.
	Rule string `json:"u,omitempty"`
}

// SheetChange is one answer a file sets or changes.
type SheetChange struct {
	Section string `json:"s"`
	Row     string `json:"r,omitempty"`
	Field   string `json:"d"`
	Value   string `json:"v"`
	Where   string `json:"at"`
}

// sheetRow is a list row the file adds, with its answers.
type sheetRow struct {
	Section string            `json:"s"`
	Row     string            `json:"r"` // as the file names it (+n, or a key deleted since)
	Values  map[string]string `json:"v"`
	Label   string            `json:"l"`
}

// sheetPending is what a file changes that waits for 确认.
type sheetPending struct {
	Changes []SheetChange `json:"changes,omitempty"`
	Deletes []SheetChange `json:"deletes,omitempty"` // Field and Value unused
	Revived []sheetRow    `json:"revived,omitempty"` // rows deleted in the chat since, filled in the file
	Lines   []string      `json:"lines"`             // as shown
}

// SheetOutcome is what importing a file did (ImportSheet).
type SheetOutcome struct {
	Form string
	// Refused says why nothing was imported ("" when something was);
	// Retry, that a template made now would do (the file was laid out
	// from an older version, or its layout was changed).
	Refused string
	Retry   bool
	Filled  int // answers set where there were none
	Changed int // answers changed (with confirm), rows deleted and brought back
	// Pending lists, without confirm, what the file would change.
	Pending []string
	// Issues are the cells refused and what still blocks submission,
	// each named as printed.
	Issues []SheetIssue
}

// isSheet reports an upload that may be a filled template: a workbook by
// its name (Excel's, WPS's), or by its content once fetched.
func isSheet(in *FileInput) bool {
	if in.loaded {
		return slices.Contains(campaign.SniffFile(in.content), "xlsx")
	}
	switch strings.ToLower(path.Ext(in.Name)) {
	case ".xlsx", ".xls", ".et":
		return true
	}
	return false
}

// maxSheetBytes bounds a template sent back: one is tens of kilobytes, a
// province's list a few megabytes.
const maxSheetBytes = 20 << 20

// sheetFile takes an upload that may be a filled template; handled is
// false for a workbook that is none, sent where a file field takes one.
func (t *turn) sheetFile(in *FileInput) (handled bool, err error) {
	if t.Sheets == nil || !isSheet(in) {
		return false, nil
	}
	_, _, fd := t.position()
	atField := t.s.Mode == ModeField && fd != nil && fd.Type == campaign.File && slices.Contains(fd.FileTypes, "xlsx")
	if in.Size > maxSheetBytes {
		if atField {
			return false, nil // the field's own checks say it is too big
		}
		t.note("%s", sheetText.NotSheet)
		return true, t.show()
	}
	// Fetched now (a workbook is read, never stored): held by the input
	// for the field's own check if it is no template.
	content, err := in.fetch(t.ctx)
	var gone *FileRefusal
	if errors.As(err, &gone) {
		t.note("%s", gone.Text)
		return true, t.show()
	}
	if err != nil {
		return true, err
	}
	id, err := t.Sheets.IdentifySheet(content)
	var refusal *SheetRefusal
	if errors.As(err, &refusal) && atField {
		return false, nil // a workbook for the question, not a template
	}
	if err != nil && !errors.As(err, &refusal) {
		return true, err
	}
	out, err := t.importSheet(id, refusal, content, false)
	if err != nil {
		return true, err
	}
	if out.Refused == "" {
		f := t.camp.Form(out.Form)
		if out.Filled == 0 && len(out.Pending) == 0 {
			t.note(sheetText.ImportedNothing, f.Name())
		} else {
			t.note(sheetText.Imported, f.Name(), out.Filled)
		}
		if len(out.Pending) == 0 {
			t.sheetIntro(len(out.Issues))
		}
	}
	if out.Refused != "" {
		t.note("%s", out.Refused)
		if t.editing() || t.s.Mode == ModeView {
			return true, t.show()
		}
		var buttons [][]Button
		if out.Retry {
			buttons = t.templateButton(out.Form)
		}
		t.message(strings.Join(t.notes, "\n"), buttons)
		t.notes = nil
		return true, nil
	}
	return true, t.sheetNext()
}

// templateButton offers a form's template anew (after a refusal that a
// fresh one mends).
func (t *turn) templateButton(form string) [][]Button {
	f := t.camp.Form(form)
	if f == nil || !f.FilledByUnit(t.unit) {
		return nil
	}
	return [][]Button{{{Label: fmt.Sprintf(sheetText.BtnTemplate, f.ShortName()), Data: templatePrefix + t.camp.FormIndex(f)}}}
}

// importSheet checks a file against the contact's place and imports it
// into the form's draft; what waits for 确认 is applied only with confirm
// (else kept in the session for the chat to ask). Refusals are in the
// outcome; an error is a fault, or an *OtherPlaceError.
func (t *turn) importSheet(id *SheetID, refusal *SheetRefusal, content []byte, confirm bool) (*SheetOutcome, error) {
	out := &SheetOutcome{}
	if refusal != nil {
		out.Refused = refusal.Text
		return out, nil
	}
	out.Form = id.Form
	if id.Campaign != t.c.Campaign || id.Unit != t.c.Unit {
		places, err := t.tx.Places(t.ctx, t.c)
		if err != nil {
			return nil, err
		}
		for _, p := range places {
			if p.Campaign == id.Campaign && p.Unit == id.Unit && p.ID != t.c.ID {
				return nil, &OtherPlaceError{Contact: p.ID}
			}
		}
		name := id.UnitName
		if name == "" {
			name = id.Unit
		}
		if id.Campaign != t.c.Campaign {
			out.Refused = fmt.Sprintf(sheetText.SheetWrongCampaign, name, t.camp.ShortName())
		} else {
			out.Refused = fmt.Sprintf(sheetText.SheetWrongUnit, name, t.unit.Name)
		}
		out.Form = ""
		return out, nil
	}
	f := t.camp.Form(id.Form)
	switch {
	case id.Version != t.camp.Version:
		out.Refused, out.Retry = fmt.Sprintf(sheetText.SheetOldVersion, id.Version, t.camp.Version), f != nil
		return out, nil
	case f == nil:
		out.Refused, out.Form = sheetText.SheetFormGone, ""
		return out, nil
	case !f.FilledByUnit(t.unit):
		out.Refused, out.Form = fmt.Sprintf(sheetText.SheetNotFillable, f.Name()), ""
		return out, nil
	case !f.OpenAt(t.now()):
		out.Refused = fmt.Sprintf(msg.NotOpenYet, f.Name(), f.Opens.In(t.camp.TimeZone).Format("2006年1月2日"))
		return out, nil
	}
	d, err := t.loadDraft(f.ID)
	if err != nil {
		return nil, err
	}
	switch d.Status {
	case campaign.StatusSubmitted:
		version := 0
		if sub, err := t.tx.LatestSubmission(t.ctx, t.c.Campaign, t.c.Unit, f.ID); err != nil {
			return nil, err
		} else if sub != nil {
			version = sub.Version
		}
		out.Refused = fmt.Sprintf(sheetText.SheetSubmitted, f.Name(), version, f.ShortName())
		return out, nil
	case campaign.StatusApproved:
		out.Refused = fmt.Sprintf(sheetText.SheetApproved, f.Name())
		return out, nil
	}
	file, err := t.Sheets.ReadSheet(t.ctx, t.camp, content)
	var bad *SheetRefusal
	if errors.As(err, &bad) {
		out.Refused, out.Retry = bad.Text, true
		return out, nil
	}
	if err != nil {
		return nil, err
	}
	w := t.planSheet(f, d, file)
	out.Filled = w.filled
	t.s.Sheet = w.walk
	if p := w.walk.Pending; p != nil {
		out.Pending = p.Lines
		if confirm {
			out.Changed = t.applyPending(f, d, p)
			w.walk.Pending = nil
		}
	}
	t.collectIssues(f, d)
	out.Issues = w.walk.Items
	return out, nil
}

// plannedSheet is what planSheet did and left.
type plannedSheet struct {
	filled int
	walk   *SheetWalk
}

// planSheet applies what a file fills where the draft had nothing (rows
// added in its empty rows included), and plans the rest: changes to
// answers there were, rows emptied, and the cells refused.
func (t *turn) planSheet(f *campaign.Form, d *campaign.Draft, file *SheetFile) plannedSheet {
	w := &SheetWalk{Form: f.ID, Where: map[string]string{}}
	pending := &sheetPending{}
	filled := 0
	// The file's cells, row by row, in its order.
	type rowCells struct {
		sec   *campaign.Section
		row   string
		cells []SheetCell
	}
	var rows []*rowCells
	byRow := map[[2]string]*rowCells{}
	for _, c := range file.Cells {
		sec := f.Section(c.Section)
		if sec == nil || sec.Field(c.Field) == nil {
			continue
		}
		k := [2]string{c.Section, c.Row}
		rc := byRow[k]
		if rc == nil {
			rc = &rowCells{sec: sec, row: c.Row}
			byRow[k] = rc
			rows = append(rows, rc)
		}
		rc.cells = append(rc.cells, c)
	}
	for _, rc := range rows {
		sec := rc.sec
		empty := true
		for _, c := range rc.cells {
			empty = empty && strings.TrimSpace(c.Text) == ""
		}
		existing := sec.Kind != campaign.List || d.Row(sec.ID, rc.row) != nil
		fresh := sec.Kind == campaign.List && strings.HasPrefix(rc.row, "+")
		switch {
		case empty && (fresh || !existing):
			continue // an empty row offered, or one deleted since and left empty
		case empty && sec.Kind == campaign.List:
			r := d.Row(sec.ID, rc.row)
			if len(r.Values) == 0 {
				d.DeleteListRow(sec.ID, rc.row) // nothing in it: nothing to ask about
				continue
			}
			label := strings.TrimSuffix(campaign.RowLabel(d, sec, rc.row), "：")
			if len(sec.Fields) > 0 && r.Values[sec.Fields[0].ID] != "" {
				label += "「" + r.Values[sec.Fields[0].ID] + "」"
			}
			pending.Deletes = append(pending.Deletes, SheetChange{Section: sec.ID, Row: rc.row, Where: label})
			pending.Lines = append(pending.Lines, fmt.Sprintf(sheetText.DiffDelete, label))
			continue
		}
		// What the row holds once the file is read: the draft's answers
		// with the file's valid cells on top; a field the row then does
		// not ask is not read.
		values := map[string]string{}
		if existing {
			values = d.ValuesWith(sec.ID, rc.row, nil)
		}
		read := map[string]string{}
		for _, c := range rc.cells {
			fd := sec.Field(c.Field)
			if !t.fillsHere(fd) {
				continue
			}
			text := strings.TrimSpace(c.Text)
			if text == "" {
				if existing {
					read[fd.ID] = ""
					values[fd.ID] = ""
				}
				continue
			}
			if v, problem := campaign.Validate(fd, text); problem == "" {
				read[fd.ID], values[fd.ID] = v, v
			}
		}
		asked := sec.AskedBy(rc.row, values, d.Level)
		var sets []SheetChange
		for _, c := range rc.cells {
			fd := sec.Field(c.Field)
			if !t.fillsHere(fd) || sec.IsSum(rc.row) || sec.BlankIn(rc.row, fd) {
				continue
			}
			w.Where[itemKey(sec.ID, rc.row, fd.ID)] = c.Where
			text := strings.TrimSpace(c.Text)
			if asked != nil && !asked[fd.ID] {
				if text != "" {
					w.Invalid = append(w.Invalid, SheetIssue{Section: sec.ID, Row: rc.row, Field: fd.ID, Text: fmt.Sprintf(sheetText.CellNotAsked, c.Where)})
				}
				continue
			}
			if text != "" {
				if _, problem := campaign.Validate(fd, text); problem != "" {
					w.Invalid = append(w.Invalid, SheetIssue{Section: sec.ID, Row: rc.row, Field: fd.ID, Text: cellProblem(c.Where, fd, text, problem)})
					continue
				}
			}
			v, ok := read[fd.ID]
			if !ok {
				continue
			}
			old := ""
			if existing {
				old, _ = d.Answered(sec, rc.row, fd)
			}
			if v == old {
				continue
			}
			sets = append(sets, SheetChange{Section: sec.ID, Row: rc.row, Field: fd.ID, Value: v, Where: c.Where})
			if old != "" && existing {
				pending.Lines = append(pending.Lines, fmt.Sprintf(sheetText.DiffLine, c.Where, campaign.Display(fd, old), campaign.Display(fd, v)))
			}
		}
		switch {
		case sec.Kind == campaign.List && !existing:
			if len(sets) == 0 && !hasText(rc.cells) {
				continue
			}
			values := map[string]string{}
			for _, s := range sets {
				values[s.Field] = s.Value
			}
			if fresh {
				// A row added in the file: a new park, like one added in
				// the chat.
				t.addSheetRow(sec, d, values, rc.row, w)
				filled += len(values)
				continue
			}
			label := fmt.Sprintf(sheetText.RowRevived, sec.Title, sec.RowNoun)
			pending.Revived = append(pending.Revived, sheetRow{Section: sec.ID, Row: rc.row, Values: values, Label: label})
			pending.Lines = append(pending.Lines, fmt.Sprintf(sheetText.DiffRevive, label, rowText(sec, values)))
		default:
			for _, s := range sets {
				old, _ := d.Answered(sec, s.Row, sec.Field(s.Field))
				if old != "" {
					pending.Changes = append(pending.Changes, s)
					continue
				}
				d.Set(s.Section, s.Row, s.Field, s.Value)
				filled++
			}
		}
	}
	for _, sec := range f.Sections {
		d.RecomputeSums(sec)
		if sec.Kind == campaign.List {
			d.SetDone(sec.ID, true) // the file presents the whole list
		}
	}
	if len(pending.Lines) > 0 {
		w.Pending = pending
	}
	return plannedSheet{filled: filled, walk: w}
}

func hasText(cells []SheetCell) bool {
	for _, c := range cells {
		if strings.TrimSpace(c.Text) != "" {
			return true
		}
	}
	return false
}

// addSheetRow adds a list row a file filled, and names its cells by the
// row's new key.
func (t *turn) addSheetRow(sec *campaign.Section, d *campaign.Draft, values map[string]string, fileRow string, w *SheetWalk) string {
	key := d.AddListRow(sec.ID)
	for _, fd := range sec.Fields {
		if v, ok := values[fd.ID]; ok {
			d.Set(sec.ID, key, fd.ID, v)
		}
	}
	for i := range w.Invalid {
		if w.Invalid[i].Section == sec.ID && w.Invalid[i].Row == fileRow {
			w.Invalid[i].Row = key
		}
	}
	for _, fd := range sec.Fields {
		if at, ok := w.Where[itemKey(sec.ID, fileRow, fd.ID)]; ok {
			w.Where[itemKey(sec.ID, key, fd.ID)] = at
			delete(w.Where, itemKey(sec.ID, fileRow, fd.ID))
		}
	}
	return key
}

// rowText is a row's answers in one line.
func rowText(sec *campaign.Section, values map[string]string) string {
	var parts []string
	for _, fd := range sec.Fields {
		if v := values[fd.ID]; v != "" {
			parts = append(parts, campaign.Compact(fd, v))
		}
	}
	return strings.Join(parts, " · ")
}

// fillsHere reports a field the unit answers in a template: not a file
// (sent in the chat) nor a figure another level fills.
func (t *turn) fillsHere(fd *campaign.Field) bool {
	return fd.Type != campaign.File && (fd.FilledBy == "" || fd.FilledBy == t.unit.Level)
}

func itemKey(section, row, field string) string { return section + "/" + row + "/" + field }

// cellProblem names a refused cell: 第 6 行「占地面积（亩）」：「约50」需要一个确切的数字…
// (the check's sentence, which begins with the field's label, follows
// the cell's own text instead).
func cellProblem(where string, fd *campaign.Field, text, problem string) string {
	rest := strings.TrimPrefix(problem, "「"+fd.Label+"」")
	return fmt.Sprintf(sheetText.CellProblem, where, short(text, 30), rest)
}

// applyPending makes the changes a file waited for 确认 for, and returns
// how many.
func (t *turn) applyPending(f *campaign.Form, d *campaign.Draft, p *sheetPending) int {
	n := 0
	for _, c := range p.Changes {
		sec := f.Section(c.Section)
		if sec == nil || sec.Field(c.Field) == nil || sec.Kind == campaign.List && d.Row(c.Section, c.Row) == nil {
			continue
		}
		d.Set(c.Section, c.Row, c.Field, c.Value)
		n++
	}
	for _, r := range p.Revived {
		if sec := f.Section(r.Section); sec != nil && sec.Kind == campaign.List {
			if t.s.Sheet != nil {
				t.addSheetRow(sec, d, r.Values, r.Row, t.s.Sheet)
			} else {
				t.addSheetRow(sec, d, r.Values, r.Row, &SheetWalk{Where: map[string]string{}})
			}
			n++
		}
	}
	for _, del := range p.Deletes {
		if d.Row(del.Section, del.Row) != nil {
			d.DeleteListRow(del.Section, del.Row)
			n++
		}
	}
	for _, sec := range f.Sections {
		d.RecomputeSums(sec)
	}
	return n
}

// collectIssues lists what the walk asks after an import: the cells the
// file filled that were refused (in its order), then what blocks the
// submission of the draft as it now stands — a required answer missing, a
// broken rule, a repeated value, a soft warning — each once.
func (t *turn) collectIssues(f *campaign.Form, d *campaign.Draft) {
	w := t.s.Sheet
	seen := map[string]bool{}
	var items []SheetIssue
	for _, in := range w.Invalid {
		if k := itemKey(in.Section, in.Row, in.Field); !seen[k] {
			seen[k] = true
			items = append(items, in)
		}
	}
	where := func(sec *campaign.Section, row, field string) string {
		if at, ok := w.Where[itemKey(sec.ID, row, field)]; ok {
			return at
		}
		label := strings.TrimSuffix(campaign.RowLabel(d, sec, row), "：")
		if fd := sec.Field(field); fd != nil {
			label += "「" + fd.Title() + "」"
		}
		return label
	}
	for _, p := range d.Problems(f) {
		sec := f.Section(p.Section)
		if sec == nil {
			continue
		}
		field := p.Field
		rule := ""
		if field == "" && p.Rule != "" {
			// A rule: asked at its first field, with a button to each of
			// the others it reads.
			if ids := ruleFields(sec, p.Rule); len(ids) > 0 {
				field, rule = ids[0], p.Rule
			}
		}
		if field == "" {
			continue // an empty row, too few rows: the review offers what to do
		}
		k := itemKey(sec.ID, p.Row, field)
		if seen[k] {
			continue
		}
		seen[k] = true
		var text string
		switch {
		case p.Missing:
			text = fmt.Sprintf(sheetText.CellMissing, where(sec, p.Row, field))
		case p.Soft:
			text = fmt.Sprintf(sheetText.CellSoft, where(sec, p.Row, field)) // the warning follows on its screen
		default:
			text = where(sec, p.Row, field) + "：" + strings.TrimPrefix(p.Text, p.Where)
		}
		items = append(items, SheetIssue{Section: sec.ID, Row: p.Row, Field: field, Text: text, Soft: p.Soft, Rule: rule})
	}
	// What named the file's cells is in the items now.
	w.Items, w.At, w.Invalid, w.Where = items, 0, nil, nil
}

// sheetNext shows where an import stands: its changes to confirm, else
// the next cell to see to, else the review.
func (t *turn) sheetNext() error {
	w := t.s.Sheet
	f := t.camp.Form(w.Form)
	if f == nil {
		t.s.Sheet = nil
		return t.reset()
	}
	t.s.Form, t.s.Pending, t.s.Replacing = f.ID, "", false
	d, err := t.loadDraft(f.ID)
	if err != nil {
		return err
	}
	if w.Pending != nil {
		t.s.Mode = ModeSheetDiff
		return t.show()
	}
	return t.sheetItem(f, d, w.At)
}

// sheetItem asks the walk's item i, or the next one still open; after
// the last, the review.
func (t *turn) sheetItem(f *campaign.Form, d *campaign.Draft, i int) error {
	w := t.s.Sheet
	for ; w != nil && i < len(w.Items); i++ {
		it := w.Items[i]
		sec := f.Section(it.Section)
		if sec == nil || sec.Field(it.Field) == nil || sec.Kind == campaign.List && d.Row(sec.ID, it.Row) == nil {
			continue
		}
		fd := sec.Field(it.Field)
		if !d.Asked(sec, it.Row, fd) {
			continue
		}
		w.At = i
		t.note("%s", it.Text)
		t.at(ModeField, sec.ID, it.Row, fd.ID)
		t.s.Return = returnSheet
		if v, ok := d.Answered(sec, it.Row, fd); it.Soft && ok && v != "" {
			if t.softOpen(f, sec, it.Row, fd, v, d) {
				t.s.Mode, t.s.Pending = ModeConfirm, v
			}
		}
		if err := t.show(); err != nil {
			return err
		}
		if it.Rule != "" && !it.Soft {
			var jumps []Button
			for _, id := range ruleFields(sec, it.Rule) {
				if other := sec.Field(id); other != nil && id != fd.ID {
					jumps = append(jumps, Button{Label: fmt.Sprintf(msg.BtnEdit, plainLabel(other)), Data: "jump:" + sec.FieldIndex(other)})
				}
			}
			t.addButtons(jumps)
		}
		return nil
	}
	t.s.Sheet = nil
	t.at(ModeReview, "", "", "")
	t.s.Return = returnWalk
	return t.show()
}

// softOpen reports a soft warning on a field's answer not confirmed yet.
func (t *turn) softOpen(f *campaign.Form, sec *campaign.Section, row string, fd *campaign.Field, v string, d *campaign.Draft) bool {
	for _, fl := range d.CheckRow(f, sec, row, fd.ID, map[string]string{fd.ID: v}) {
		if !fl.Blocks() && d.Flags.Soft[fl.Key()] != fl.Fingerprint {
			return true
		}
	}
	return false
}

// nextSheet moves on after an item of the walk was answered.
func (t *turn) nextSheet(f *campaign.Form, d *campaign.Draft) error {
	if t.s.Sheet == nil {
		t.at(ModeReview, "", "", "")
		t.s.Return = returnWalk
		return t.show()
	}
	return t.sheetItem(f, d, t.s.Sheet.At+1)
}

// sheetDiff shows what a file would change and asks.
func (t *turn) sheetDiff(f *campaign.Form, d *campaign.Draft) error {
	w := t.s.Sheet
	if w != nil && w.Pending == nil && w.Form == f.ID {
		// Decided on the page meanwhile: on with what is left.
		return t.sheetItem(f, d, w.At)
	}
	if w == nil || w.Pending == nil {
		t.firstOpen(f, d)
		return t.show()
	}
	lines := w.Pending.Lines
	more := ""
	if len(lines) > maxDiffLines {
		more = "\n" + fmt.Sprintf(sheetText.DiffMore, len(lines)-maxDiffLines)
		lines = lines[:maxDiffLines]
	}
	text := fmt.Sprintf(sheetText.DiffHead, f.ShortName(), len(w.Pending.Lines)) + "\n" + strings.Join(lines, "\n") + more
	t.screen(text, [][]Button{{{Label: sheetText.BtnApply, Data: "apply"}, {Label: sheetText.BtnKeepOld, Data: "keep"}}})
	return nil
}

// maxDiffLines bounds the diff shown in one message.
const maxDiffLines = 40

func (t *turn) sheetDiffButton(name string) error {
	f := t.camp.Form(t.s.Form)
	w := t.s.Sheet
	if f == nil || w == nil || w.Pending == nil {
		return t.staleNotice()
	}
	d, err := t.loadDraft(f.ID)
	if err != nil {
		return err
	}
	if d.Status == campaign.StatusSubmitted || d.Status == campaign.StatusApproved {
		t.s.Sheet = nil
		t.note(msg.SubmittedMeanwhile)
		t.s.Mode = ModeView
		return t.show()
	}
	switch name {
	case "apply":
		n := t.applyPending(f, d, w.Pending)
		t.note(sheetText.DiffApplied, n)
	case "keep":
		t.note(sheetText.DiffKept, len(w.Pending.Lines))
	default:
		return t.staleNotice()
	}
	w.Pending = nil
	t.collectIssues(f, d)
	t.sheetIntro(len(w.Items))
	return t.sheetItem(f, d, 0)
}

// sheetIntro says how many cells the walk will ask.
func (t *turn) sheetIntro(n int) {
	if n == 0 {
		t.note(sheetText.AllGood)
		return
	}
	t.note(sheetText.ToFix, n)
}

// templateMenu is /template: the form the contact is in, or the one form
// the unit can fill now, is sent at once; else the forms to choose from.
func (t *turn) templateMenu() error {
	if t.Sheets == nil {
		t.note(msg.UnknownCommand + t.commandList())
		return t.show()
	}
	var open []*campaign.Form
	drafts, err := t.tx.Drafts(t.ctx, t.c.Campaign, t.c.Unit)
	if err != nil {
		return err
	}
	if t.draft != nil {
		drafts[t.draft.Form] = t.draft
	}
	done := func(f *campaign.Form) bool {
		d := drafts[f.ID]
		return d != nil && (d.Status == campaign.StatusSubmitted || d.Status == campaign.StatusApproved)
	}
	for _, f := range t.camp.ShownFor(t.unit, t.now(), done) {
		if f.OpenAt(t.now()) && !done(f) {
			open = append(open, f)
			if f.ID == t.s.Form {
				return t.sendTemplate(f)
			}
		}
	}
	switch len(open) {
	case 0:
		t.message(sheetText.TemplateNone, nil)
		return nil
	case 1:
		return t.sendTemplate(open[0])
	}
	var buttons [][]Button
	for _, f := range open {
		buttons = append(buttons, []Button{{Label: fmt.Sprintf(sheetText.BtnTemplate, f.ShortName()), Data: templatePrefix + t.camp.FormIndex(f)}})
	}
	t.message(sheetText.TemplateChoose, buttons)
	return nil
}

// template sends a form's template, from a button (tpl:<form>).
func (t *turn) template(ref string) error {
	f := t.camp.FormAt(ref)
	if f == nil || !f.FilledByUnit(t.unit) || t.Sheets == nil {
		return t.staleNotice()
	}
	d, err := t.loadDraft(f.ID)
	if err != nil {
		return err
	}
	if d.Status == campaign.StatusSubmitted || d.Status == campaign.StatusApproved {
		t.message(fmt.Sprintf(sheetText.TemplateSubmitted, f.Name()), nil)
		return nil
	}
	return t.sendTemplate(f)
}

// sendTemplate sends the unit's template of f, made by the transport from
// the draft as this turn leaves it.
func (t *turn) sendTemplate(f *campaign.Form) error {
	t.message(fmt.Sprintf(sheetText.TemplateSent, f.Name()), nil)
	t.replies[len(t.replies)-1].Attach = &Attachment{Template: &TemplateRef{Unit: t.c.Unit, Form: f.ID}}
	return nil
}

// ImportSheet imports a filled template for a contact's place, as sending
// it in the chat does, and returns what it did: for a page that takes an
// upload. The chat's place is left as it was and nothing is asked: what
// the file would change of the answers already there is listed (Pending)
// and changed only with confirm; the cells refused and what still blocks
// submission are the outcome's Issues. A file for another of the
// person's places is an *OtherPlaceError.
func (e *Engine) ImportSheet(ctx context.Context, contact int64, content []byte, confirm bool) (*SheetOutcome, error) {
	if e.Sheets == nil {
		return nil, errors.New("import a sheet: no reader")
	}
	var out *SheetOutcome
	_, err := e.run(ctx, contact, RouteDirect, "", false, func(t *turn) error {
		saved := *t.s
		defer func() { *t.s = saved }() // the chat stays where it was
		id, err := t.Sheets.IdentifySheet(content)
		var refusal *SheetRefusal
		if err != nil && !errors.As(err, &refusal) {
			return err
		}
		out, err = t.importSheet(id, refusal, content, confirm)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
