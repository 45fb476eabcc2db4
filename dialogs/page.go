package dialogs

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"tianbao/campaign"
	"tianbao/catalog"
)

// The form on the desk's page (issue 24): a filler sees a form of their
// own unit whole — record fields as a form, a table as a grid, a list as a
// card per row — and changes it cell by cell. Every cell goes through a
// turn of the contact, on the same draft the chat fills, with the chat's
// checks (campaign.Validate, the choices the unit may make, uniqueness,
// the section's rules, Problems) and its audit rows; the contact's place
// in the chat is left as it was. What a cell may hold is decided here and
// nowhere else: the page only shows what the engine says.
//
// A cell edit names the value the page showed (Was): when a backup contact
// changed that cell meanwhile, nothing is written and the page is told the
// current value (ErrConflict). Edits of different cells by two contacts at
// once both land: the store's turn checks the draft's revision and runs
// again on the newer draft.

var pageText = catalog.PageForm

// Errors of the page's form, each said to the person as it is.
var (
	// ErrFormLocked: the form is submitted or approved; nothing changes.
	ErrFormLocked = errors.New("the form is submitted or approved")
)

// PageConflict is a cell a backup contact changed since the page showed
// it: what it holds now, and what was refused.
type PageConflict struct {
	Section string `json:"section"`
	Row     string `json:"row,omitempty"`
	Field   string `json:"field"`
	Value   string `json:"value"` // the current canonical value
	Shown   string `json:"shown"` // as people read it
	Message string `json:"message"`
}

// PageEdit is a cell typed on the page: the form, its section, row (a
// list's or table's key; "" in a record) and field, the text as typed,
// and the canonical value the page showed in that cell (Was). New says the
// row is a list's blank card: the row is added with this first answer.
type PageEdit struct {
	Form    string `json:"form"`
	Section string `json:"section"`
	Row     string `json:"row"`
	Field   string `json:"field"`
	Text    string `json:"text"`
	Was     string `json:"was"`
	New     bool   `json:"new"`
}

// PageResult is what an action on the page did, with the form as it now
// stands.
type PageResult struct {
	Form *PageForm `json:"form"`
	// Refused is why a typed value was not taken (the chat's own message);
	// nothing changed.
	Refused string `json:"refused,omitempty"`
	// Conflict is set when the cell changed under the page; nothing changed.
	Conflict *PageConflict `json:"conflict,omitempty"`
	// Saved says what was stored (✔ 计划建筑面积：6 万平方米); Note what
	// the typed text was taken as, when it differs (已记为 6 万平方米).
	Saved string `json:"saved,omitempty"`
	Note  string `json:"note,omitempty"`
	// Row is the key of the row a blank card became.
	Row string `json:"row,omitempty"`
	// Done is what a submission or a confirmation did, for the page to say.
	Done string `json:"done,omitempty"`
	// Sheet is what a template uploaded did, or what deciding on its
	// changes did (pagesheet.go).
	Sheet *PageSheet `json:"sheet,omitempty"`
}

// PageForm is a form of the unit as the page shows it whole.
type PageForm struct {
	Form     string        `json:"form"`
	Name     string        `json:"name"`
	Short    string        `json:"short"`
	Intro    string        `json:"intro,omitempty"`
	Status   string        `json:"status"`
	Editable bool          `json:"editable"`
	Open     bool          `json:"open"` // open for answers at this moment
	Done     int           `json:"done"`
	Total    int           `json:"total"`
	Sections []PageSection `json:"sections"`
	// Problems is what blocks submission, in the chat's review's words and
	// order, each at the cell (or row, or section) it is about.
	Problems []PageProblem `json:"problems"`
	Missing  int           `json:"missing"` // of which unanswered required cells
	// Reason is a return's reason while the form is returned.
	Reason string `json:"reason,omitempty"`
	// NothingOwn says the unit may report 本级无 in one tap.
	NothingOwn bool `json:"nothingOwn,omitempty"`
	// SheetDiff is what a template sent back (in the chat or on the page)
	// would change of the answers there were, waiting for 确认.
	SheetDiff *SheetDiff `json:"sheetDiff,omitempty"`
}

// PageSection is a section: its fields (a grid's columns) and rows.
type PageSection struct {
	ID      string      `json:"id"`
	Title   string      `json:"title,omitempty"`
	Kind    string      `json:"kind"`
	RowNoun string      `json:"rowNoun,omitempty"`
	Fields  []PageField `json:"fields"`
	Rows    []PageRow   `json:"rows"`
	CanAdd  bool        `json:"canAdd,omitempty"` // a list that takes another row
	// Messages are the section's own problems (too few rows).
	Messages []string `json:"messages,omitempty"`
}

// PageField is a question, as an input.
type PageField struct {
	ID        string   `json:"id"`
	Label     string   `json:"label"`
	Short     string   `json:"short"`
	Group     []string `json:"group,omitempty"`
	Type      string   `json:"type"`
	Unit      string   `json:"unit,omitempty"`
	Hint      string   `json:"hint,omitempty"`
	Example   string   `json:"example,omitempty"`
	Optional  bool     `json:"optional,omitempty"`
	Signed    bool     `json:"signed,omitempty"` // a figure that may be negative
	Choices   []string `json:"choices,omitempty"`
	Suggest   []string `json:"suggest,omitempty"` // what other units under the same parent submitted
	FileTypes []string `json:"fileTypes,omitempty"`
	MaxMB     int64    `json:"maxMB,omitempty"`
	MaxLen    int      `json:"maxLen,omitempty"`
}

// PageRow is a row: a record's one, a table's year, a list's park.
type PageRow struct {
	Key     string     `json:"key"`
	Title   string     `json:"title,omitempty"` // a table row's title; a list row's name
	Index   int        `json:"index,omitempty"` // a list row's 序号
	Sum     bool       `json:"sum,omitempty"`   // a computed total, never typed
	Flagged bool       `json:"flagged,omitempty"`
	Cells   []PageCell `json:"cells"`
}

// PageCell is one answer in its row, in the section's field order.
type PageCell struct {
	Field    string `json:"field"`
	Value    string `json:"value"`           // canonical, as stored ("" none)
	Shown    string `json:"shown,omitempty"` // as people read it (a file by name)
	Asked    bool   `json:"asked"`           // asked in this row (a when may not ask it)
	Blank    bool   `json:"blank,omitempty"` // a cell the row leaves empty: ——
	ReadOnly bool   `json:"readOnly,omitempty"`
	Missing  bool   `json:"missing,omitempty"`
	Flagged  bool   `json:"flagged,omitempty"` // a return flagged it
	// Changed says a flagged cell holds another value than the version
	// that was returned.
	Changed  bool          `json:"changed,omitempty"`
	Offered  []string      `json:"offered,omitempty"` // the choices the unit may make, where it may not make them all
	Messages []PageMessage `json:"messages,omitempty"`
}

// PageMessage is a problem shown at a cell: a rule that fails (shown on
// every field it reads), an unconfirmed soft warning (with what confirms
// it), a repeated value, a choice no longer offered.
type PageMessage struct {
	Text        string `json:"text"`
	Soft        bool   `json:"soft,omitempty"`
	Rule        string `json:"rule,omitempty"` // the rule's id
	Fingerprint string `json:"fingerprint,omitempty"`
}

// PageProblem is one of Problems, placed: a cell (Field), a row, or the
// section.
type PageProblem struct {
	Section string `json:"section"`
	Row     string `json:"row,omitempty"`
	Field   string `json:"field,omitempty"`
	Text    string `json:"text"`
	Soft    bool   `json:"soft,omitempty"`
	Missing bool   `json:"missing,omitempty"`
	Empty   bool   `json:"empty,omitempty"`
}

// page runs act in a turn of contact on one of its unit's forms, leaving
// the contact's place in the chat as it was, and returns the result with
// the form as it then stands. A form the unit does not fill, or not open
// yet, is ErrNotFillable.
func (e *Engine) page(ctx context.Context, contact int64, formID string, act func(t *turn, f *campaign.Form, d *campaign.Draft, res *PageResult) error) (*PageResult, error) {
	var res *PageResult
	_, err := e.run(ctx, contact, RouteDirect, "", false, func(t *turn) error {
		saved := *t.s
		defer func() { // the chat stays where it was
			now := *t.s
			*t.s = saved
			if t.keepSheet { // but a file's changes waiting for 确认 are the chat's too
				t.s.Sheet, t.s.Seq = now.Sheet, now.Seq
			}
		}()
		res = &PageResult{}
		f := t.camp.Form(formID)
		if f == nil || !f.FilledByUnit(t.unit) || !f.OpenAt(t.now()) {
			return ErrNotFillable
		}
		d, err := t.loadDraft(f.ID)
		if err != nil {
			return err
		}
		if act != nil {
			if err := act(t, f, d, res); err != nil {
				return err
			}
		}
		res.Form, err = t.pageForm(f, d)
		return err
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// PageView is a form of the contact's unit as the page shows it.
func (e *Engine) PageView(ctx context.Context, contact int64, formID string) (*PageForm, error) {
	res, err := e.page(ctx, contact, formID, nil)
	if err != nil {
		return nil, err
	}
	return res.Form, nil
}

// editable refuses changes to a submitted or approved form, saying why.
func editable(f *campaign.Form, d *campaign.Draft, res *PageResult) bool {
	switch d.Status {
	case campaign.StatusSubmitted:
		res.Refused = fmt.Sprintf(pageText.Locked, f.Name())
		return false
	case campaign.StatusApproved:
		res.Refused = fmt.Sprintf(pageText.LockedApproved, f.Name())
		return false
	}
	return true
}

// cellOf finds the section, the field and the row an edit names, or says
// why there is no such cell to change.
func (t *turn) cellOf(f *campaign.Form, d *campaign.Draft, in PageEdit, res *PageResult) (*campaign.Section, *campaign.Field, bool) {
	s := f.Section(in.Section)
	var fd *campaign.Field
	if s != nil {
		fd = s.Field(in.Field)
	}
	if fd == nil {
		res.Refused = fmt.Sprintf(pageText.NotAsked, in.Field)
		return nil, nil, false
	}
	switch s.Kind {
	case campaign.Record:
		if in.Row != "" || in.New {
			res.Refused = fmt.Sprintf(pageText.NotAsked, fd.Title())
			return nil, nil, false
		}
	case campaign.Table:
		if in.New || !slices.ContainsFunc(s.Rows, func(r campaign.RowKey) bool { return r.Key == in.Row }) || s.IsSum(in.Row) || s.BlankIn(in.Row, fd) {
			res.Refused = fmt.Sprintf(pageText.NotAsked, fd.Title())
			return nil, nil, false
		}
	case campaign.List:
		if in.New {
			if s.MaxRows > 0 && len(d.Rows(s.ID)) >= s.MaxRows {
				res.Refused = fmt.Sprintf(msg.MaxRows, s.MaxRows, s.RowNoun)
				return nil, nil, false
			}
		} else if d.Row(s.ID, in.Row) == nil {
			res.Conflict = &PageConflict{Section: s.ID, Row: in.Row, Field: fd.ID, Message: fmt.Sprintf(pageText.RowGone, s.RowNoun)}
			return nil, nil, false
		}
	}
	return s, fd, true
}

// PageSet changes one cell of a form of the contact's unit: the text is
// checked as the chat checks a typed answer, and stored in the unit's
// draft, unless the cell changed since the page showed it. As on the
// chat's review, a rule between several fields that the new value breaks
// is shown on every field it reads and blocks submission, while a rule of
// this field alone refuses it; a soft warning waits at its cells for 确认无误.
func (e *Engine) PageSet(ctx context.Context, contact int64, in PageEdit) (*PageResult, error) {
	return e.page(ctx, contact, in.Form, func(t *turn, f *campaign.Form, d *campaign.Draft, res *PageResult) error {
		if !editable(f, d, res) {
			return nil
		}
		s, fd, ok := t.cellOf(f, d, in, res)
		if !ok {
			return nil
		}
		if fd.Type == campaign.File {
			res.Refused = fmt.Sprintf(pageText.FileOnly, fd.Title())
			return nil
		}
		return t.pageSet(f, d, s, fd, in, "", res)
	})
}

// pageSet checks and stores a value for an edit; value, when not empty,
// is an uploaded file's, already checked.
func (t *turn) pageSet(f *campaign.Form, d *campaign.Draft, s *campaign.Section, fd *campaign.Field, in PageEdit, value string, res *PageResult) error {
	if !t.pageCheck(d, s, fd, in, res) {
		return nil
	}
	row := in.Row
	current := ""
	if !in.New {
		current, _ = d.Value(s.ID, row, fd.ID)
	}
	typed := strings.TrimSpace(in.Text)
	if value == "" && typed == "" {
		if !s.OptionalIn(row, fd) {
			_, problem := campaign.Validate(fd, "")
			if fd.Type != campaign.Text {
				problem = fmt.Sprintf(msg.CannotSkip, fd.Title())
			}
			res.Refused = problem
			return nil
		}
		if current != "" && !in.New {
			d.Set(s.ID, row, fd.ID, "")
			d.RecomputeSums(s)
			res.Saved = fmt.Sprintf(pageText.Cleared, fd.Title())
		}
		return nil
	}
	if value == "" {
		var problem string
		if value, problem = campaign.Validate(fd, in.Text); problem != "" {
			res.Refused = problem
			return nil
		}
	}
	if in.New {
		// The blank card becomes a row, with this as its first answer.
		row = d.AddListRow(s.ID)
		res.Row = row
		if !d.Asked(s, row, fd) {
			res.Refused = fmt.Sprintf(pageText.NotAsked, fd.Title())
			return t.undoRow(s, d, in, res)
		}
	}
	if !d.ChoiceOffered(s, row, fd, value) {
		var offered []string
		for _, n := range d.Offered(s, row, fd) {
			offered = append(offered, fd.Choices[n-1])
		}
		res.Refused = fmt.Sprintf(msg.ChoiceRefused, value, fd.Label, strings.Join(offered, " / "))
		return t.undoRow(s, d, in, res)
	}
	if d.UniqueClash(s, row, fd, value) {
		res.Refused = fmt.Sprintf(msg.Unique, value, fd.Label)
		return t.undoRow(s, d, in, res)
	}
	fails := d.CheckRow(f, s, row, fd.ID, map[string]string{fd.ID: value})
	t.logBroken(fails)
	// A rule on this field alone (a bound of its own, the period before)
	// has no partner to change next: refused, whatever the page. A rule
	// between several fields keeps the answer and stays open at every
	// field it reads, as on the chat's review.
	var alone []string
	for _, fl := range fails {
		if fl.Blocks() && len(fl.Rule.Check.Fields) == 1 && fl.Rule.Check.Fields[0] == fd.ID {
			alone = append(alone, fl.Message)
		}
	}
	if len(alone) > 0 {
		res.Refused = strings.Join(alone, "\n")
		return t.undoRow(s, d, in, res)
	}
	if current == value {
		return nil
	}
	d.Set(s.ID, row, fd.ID, value)
	d.RecomputeSums(s)
	shown := campaign.Display(fd, value)
	res.Saved = fmt.Sprintf(pageText.Saved, fd.Title(), shown)
	if fd.Type != campaign.File && typed != value && typed != shown {
		res.Note = fmt.Sprintf(pageText.Converted, shown)
	}
	return nil
}

// pageCheck says whether an edit's cell may be changed: asked of the
// unit in its row, and still holding what the page showed (else a backup
// contact changed it since, and res says to what).
func (t *turn) pageCheck(d *campaign.Draft, s *campaign.Section, fd *campaign.Field, in PageEdit, res *PageResult) bool {
	if fd.FilledBy != "" && fd.FilledBy != t.unit.Level || !in.New && !d.Asked(s, in.Row, fd) {
		res.Refused = fmt.Sprintf(pageText.NotAsked, fd.Title())
		return false
	}
	current := ""
	if !in.New {
		current, _ = d.Value(s.ID, in.Row, fd.ID)
	}
	if current != in.Was {
		res.Conflict = &PageConflict{Section: s.ID, Row: in.Row, Field: fd.ID, Value: current, Shown: shownValue(fd, current),
			Message: fmt.Sprintf(pageText.Conflict, fd.Title(), shownValue(fd, current), shownValue(fd, in.Was), strings.TrimSpace(in.Text))}
		return false
	}
	return true
}

// undoRow takes back a row added for a refused first answer: a blank card
// refused stays a blank card.
func (t *turn) undoRow(s *campaign.Section, d *campaign.Draft, in PageEdit, res *PageResult) error {
	if in.New && res.Row != "" {
		d.DeleteListRow(s.ID, res.Row)
		res.Row = ""
	}
	return nil
}

// shownValue is a value as a conflict names it.
func shownValue(fd *campaign.Field, v string) string {
	return campaign.Display(fd, v)
}

// PageFile stores an uploaded document as a file cell's answer, checked
// and kept as the chat keeps a document sent at that question (its size,
// its kind by content, the unit's quota).
func (e *Engine) PageFile(ctx context.Context, contact int64, in PageEdit, file *FileInput) (*PageResult, error) {
	return e.page(ctx, contact, in.Form, func(t *turn, f *campaign.Form, d *campaign.Draft, res *PageResult) error {
		if !editable(f, d, res) {
			return nil
		}
		s, fd, ok := t.cellOf(f, d, in, res)
		if !ok {
			return nil
		}
		if fd.Type != campaign.File {
			res.Refused = fmt.Sprintf(pageText.NotFile, fd.Title())
			return nil
		}
		in.Text = file.Name
		// The cell must be one to change before anything is stored.
		if probe := (PageResult{}); !t.pageCheck(d, s, fd, in, &probe) {
			*res = probe
			return nil
		}
		value, refused, err := t.storeFile(f.ID, fd, file)
		if err != nil || refused != "" {
			res.Refused = refused
			return err
		}
		return t.pageSet(f, d, s, fd, in, value, res)
	})
}

// PageConfirm confirms a soft warning at its cells (确认无误), for the
// values the page showed it for (its fingerprint): had they changed
// meanwhile, the warning is shown again instead.
func (e *Engine) PageConfirm(ctx context.Context, contact int64, formID, section, row, rule, fingerprint string) (*PageResult, error) {
	return e.page(ctx, contact, formID, func(t *turn, f *campaign.Form, d *campaign.Draft, res *PageResult) error {
		if !editable(f, d, res) {
			return nil
		}
		s := f.Section(section)
		if s == nil || s.Kind == campaign.List && d.Row(s.ID, row) == nil {
			res.Refused = pageText.SoftGone
			return nil
		}
		for _, fl := range d.CheckRow(f, s, row, "", nil) {
			if fl.Rule.ID == rule && !fl.Blocks() && fl.Fingerprint == fingerprint {
				d.Confirm(fl.Key(), fl.Fingerprint)
				res.Done = fmt.Sprintf(pageText.Confirmed, fl.Message)
				return nil
			}
		}
		res.Refused = pageText.SoftGone
		return nil
	})
}

// PageDeleteRow deletes a list's row, as the chat's 🗑 删除 does; name is
// the row's name as the page showed it: a row renamed meanwhile is not
// deleted.
func (e *Engine) PageDeleteRow(ctx context.Context, contact int64, formID, section, row, name string) (*PageResult, error) {
	return e.page(ctx, contact, formID, func(t *turn, f *campaign.Form, d *campaign.Draft, res *PageResult) error {
		if !editable(f, d, res) {
			return nil
		}
		s := f.Section(section)
		if s == nil || s.Kind != campaign.List {
			res.Refused = fmt.Sprintf(pageText.NotAsked, section)
			return nil
		}
		r := d.Row(s.ID, row)
		if r == nil {
			res.Conflict = &PageConflict{Section: s.ID, Row: row, Message: fmt.Sprintf(pageText.RowGone, s.RowNoun)}
			return nil
		}
		first := ""
		if len(s.Fields) > 0 {
			first = r.Values[s.Fields[0].ID]
		}
		if first != name {
			res.Conflict = &PageConflict{Section: s.ID, Row: row, Message: fmt.Sprintf(pageText.ConflictRow, s.RowNoun)}
			return nil
		}
		n := d.RowIndex(s.ID, row)
		d.DeleteListRow(s.ID, row)
		if first == "" {
			first = msg.NoRowsYet
		}
		res.Done = fmt.Sprintf(pageText.Deleted, n, s.RowNoun, first)
		return nil
	})
}

// PageSubmit submits a form from the page under the chat's review's rules:
// refused with the same Problems while anything blocks it, else the
// chat's own submission (an immutable version, the reviewers told as
// ever). nothingOwn is the chat's 本级无 for a unit with nothing of its
// own to report.
func (e *Engine) PageSubmit(ctx context.Context, contact int64, formID string, nothingOwn bool) (*PageResult, error) {
	return e.page(ctx, contact, formID, func(t *turn, f *campaign.Form, d *campaign.Draft, res *PageResult) error {
		if !editable(f, d, res) {
			return nil
		}
		if nothingOwn {
			if !t.nothingOwnAllowed(f, d) {
				res.Refused = pageText.NothingOwnRefused
				return nil
			}
			t.s.Form = f.ID
			if err := t.nothingOwn(f, d); err != nil {
				return err
			}
			res.Done = fmt.Sprintf(msg.NothingOwnDone, f.Name())
			return nil
		}
		if problems := t.problems(f, d); len(problems) > 0 {
			lines := []string{msg.ReviewBlocked}
			for _, p := range problems {
				lines = append(lines, "· "+p.Text)
			}
			res.Refused = strings.Join(lines, "\n")
			return nil
		}
		t.s.Form = f.ID
		if err := t.submit(f, d); err != nil {
			return err
		}
		if t.submitted != nil {
			res.Done = fmt.Sprintf(msg.Submitted, f.Name(), t.submitted.Version)
		}
		return nil
	})
}

// pageForm lays a form and its draft out for the page: every cell with its
// value, whether it is asked, and the problems at it.
func (t *turn) pageForm(f *campaign.Form, d *campaign.Draft) (*PageForm, error) {
	p := &PageForm{Form: f.ID, Name: f.Name(), Short: f.ShortName(), Intro: f.Intro, Status: string(d.Status),
		Open: f.OpenAt(t.now()), Problems: []PageProblem{}}
	if p.Status == "" {
		p.Status = string(campaign.StatusDraft)
	}
	p.Editable = p.Open && d.Status != campaign.StatusSubmitted && d.Status != campaign.StatusApproved
	p.Done, p.Total = d.Progress(f)
	if d.Status == campaign.StatusReturned {
		p.Reason = d.Flags.Reason
	}
	p.NothingOwn = p.Editable && t.nothingOwnAllowed(f, d)
	if w := t.s.Sheet; p.Editable && w != nil && w.Form == f.ID && w.Pending != nil {
		p.SheetDiff = &SheetDiff{Head: fmt.Sprintf(sheetText.DiffHead, f.ShortName(), len(w.Pending.Lines)), Lines: w.Pending.Lines, Token: sheetToken(w)}
	}
	flagged := map[string]bool{}
	for _, key := range d.Flags.Flagged {
		flagged[key] = true
	}
	// What the returned version held, to say which flagged cells changed.
	var returned *campaign.Draft
	if d.Status == campaign.StatusReturned && len(d.Flags.Flagged) > 0 {
		sub, err := t.tx.LatestSubmission(t.ctx, t.c.Campaign, t.c.Unit, f.ID)
		if err != nil {
			return nil, err
		}
		if sub != nil {
			returned = snapshotDraft(sub)
		}
	}
	cells := map[[3]string]*PageCell{}
	for _, s := range f.Sections {
		ps := PageSection{ID: s.ID, Title: s.Title, Kind: string(s.Kind), RowNoun: s.RowNoun, Rows: []PageRow{}}
		for _, fd := range s.Fields {
			pf := PageField{ID: fd.ID, Label: fd.Label, Short: plainLabel(fd), Group: fd.Group, Type: string(fd.Type), Unit: fd.Unit,
				Hint: fd.Hint, Example: fd.Example, Optional: fd.Optional, Choices: fd.Choices, FileTypes: fd.FileTypes,
				MaxMB: fd.MaxBytes >> 20, MaxLen: fd.MaxLen, Signed: fd.Min == nil || *fd.Min < 0}
			if fd.Type == campaign.YesNo {
				pf.Choices = []string{"是", "否"}
			}
			if fd.Type == campaign.Text && fd.Suggest && t.unit.Parent != "" && p.Editable {
				sugg, err := t.tx.Suggestions(t.ctx, t.c.Campaign, t.unit.Parent, t.unit.Code, f.ID, fd.ID, 8)
				if err != nil {
					return nil, err
				}
				pf.Suggest = sugg
			}
			ps.Fields = append(ps.Fields, pf)
		}
		for i, key := range d.RowKeys(s) {
			pr := PageRow{Key: key, Cells: []PageCell{}}
			switch s.Kind {
			case campaign.Table:
				pr.Title, pr.Sum = s.Rows[i].Title, s.IsSum(key)
			case campaign.List:
				pr.Index = i + 1
				if r := d.Row(s.ID, key); r != nil && len(s.Fields) > 0 {
					pr.Title = r.Values[s.Fields[0].ID]
				}
				pr.Flagged = flagged[s.ID+"/"+key+"/"]
			}
			asked := d.AskedMap(s, key)
			for _, fd := range s.Fields {
				v, _ := d.Value(s.ID, key, fd.ID)
				c := PageCell{Field: fd.ID, Value: v, Asked: asked == nil || asked[fd.ID], Blank: s.BlankIn(key, fd)}
				if v != "" {
					c.Shown = campaign.Display(fd, v)
				}
				c.ReadOnly = pr.Sum || c.Blank || fd.FilledBy != "" && fd.FilledBy != t.unit.Level || !p.Editable
				if c.ReadOnly && pr.Sum {
					c.Asked = true // shown, computed
				}
				c.Flagged = flagged[s.ID+"/"+key+"/"+fd.ID]
				if c.Flagged && returned != nil {
					was, _ := returned.Value(s.ID, key, fd.ID)
					c.Changed = was != v
				}
				if fd.Type == campaign.Choice && len(fd.ChoiceWhen) > 0 {
					for _, n := range d.Offered(s, key, fd) {
						c.Offered = append(c.Offered, fd.Choices[n-1])
					}
					if c.Offered == nil {
						c.Offered = []string{}
					}
				}
				pr.Cells = append(pr.Cells, c)
			}
			ps.Rows = append(ps.Rows, pr)
		}
		ps.CanAdd = s.Kind == campaign.List && p.Editable && (s.MaxRows == 0 || len(ps.Rows) < s.MaxRows)
		p.Sections = append(p.Sections, ps)
	}
	for si := range p.Sections {
		ps := &p.Sections[si]
		for ri := range ps.Rows {
			pr := &ps.Rows[ri]
			for ci := range pr.Cells {
				cells[[3]string{ps.ID, pr.Key, pr.Cells[ci].Field}] = &pr.Cells[ci]
			}
		}
	}
	// Every rule that fails, at every field it reads; a soft one not yet
	// confirmed with what confirms it.
	for _, s := range f.Sections {
		for _, key := range d.RowKeys(s) {
			if s.IsSum(key) {
				continue
			}
			for _, fl := range d.CheckRow(f, s, key, "", nil) { // logged by problems below
				soft := !fl.Blocks()
				if soft && d.Flags.Soft[fl.Key()] == fl.Fingerprint {
					continue // confirmed
				}
				m := PageMessage{Text: fl.Message, Soft: soft, Rule: fl.Rule.ID}
				if soft {
					m.Fingerprint = fl.Fingerprint
				}
				fields := ruleFields(s, fl.Rule.ID)
				if len(fields) == 0 {
					fields = fl.Rule.Check.Fields
				}
				for _, id := range fields {
					if c := cells[[3]string{s.ID, key, id}]; c != nil {
						c.Messages = append(c.Messages, m)
					}
				}
			}
		}
	}
	for _, pb := range t.problems(f, d) {
		pp := PageProblem{Section: pb.Section, Row: pb.Row, Field: pb.Field, Text: pb.Text, Soft: pb.Soft, Missing: pb.Missing, Empty: pb.Empty}
		c := cells[[3]string{pb.Section, pb.Row, pb.Field}]
		switch {
		case pb.Rows:
			for i := range p.Sections {
				if p.Sections[i].ID == pb.Section {
					p.Sections[i].Messages = append(p.Sections[i].Messages, pb.Text)
				}
			}
		case pb.Rule != "":
			// At the first field the rule reads (its message is at all of them).
			if s := f.Section(pb.Section); s != nil {
				if ids := ruleFields(s, pb.Rule); len(ids) > 0 {
					pp.Field = ids[0]
				}
			}
		case pb.Missing && c != nil && c.Value == "":
			c.Missing = true
			p.Missing++
		case c != nil:
			// A repeated value, or a choice the unit may no longer make.
			c.Messages = append(c.Messages, PageMessage{Text: strings.TrimPrefix(pb.Text, pb.Where)})
		}
		p.Problems = append(p.Problems, pp)
	}
	return p, nil
}
