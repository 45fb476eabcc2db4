package campaign

import (
	"fmt"
	"math/big"
	"sort"
	"strconv"
	"strings"
)

// Status is where a unit's form stands.
type Status string

// The statuses of a form for a unit.
const (
	StatusDraft     Status = "draft"
	StatusSubmitted Status = "submitted"
	StatusReturned  Status = "returned"
	StatusApproved  Status = "approved"
	// Marked by the level above, with a reason: 免报 (nothing to report this
	// time) or 未收到 (not received, forwarded without it). The form can
	// still be filled and submitted.
	StatusExempt      Status = "exempt"
	StatusNotReceived Status = "not_received"
)

// Marked reports a status the level above set: 免报 or 未收到.
func (s Status) Marked() bool { return s == StatusExempt || s == StatusNotReceived }

// Draft is a unit's working copy of a form: shared by all the unit's
// contacts, changed only through its methods, which record every change for
// the store to write and audit.
type Draft struct {
	Campaign string
	Unit     string
	Form     string
	Status   Status
	Flags    Flags
	NextRow  int
	Sections map[string]*SectionData

	// Level is the level of the unit that fills the draft, as the turn
	// knows it: a field another level fills (filled_by) is not asked of it.
	// Empty (outside a turn): every field.
	Level Level
	// Last and LastYear are the unit's previous period of a standing
	// return and the same period a year before, as rules read them (set
	// by the turn when the form's rules name them; never saved).
	Last, LastYear *Snapshot
	// Filler and Period are the unit that fills the draft and the period
	// it is of, as expressions read them (unit.kind, period.first): set by
	// Bind. Without a filler, a rule that reads the unit does not apply
	// and a when that reads it asks its field.
	Filler *Unit
	Period *Period

	changes      []Change
	flagsChanged bool
}

// Bind says whose draft it is, of which form: the unit's level (a field
// another level fills is not asked of it), the unit and the form's period
// as expressions read them.
func (d *Draft) Bind(f *Form, u *Unit) {
	if u != nil {
		d.Level, d.Filler = u.Level, u
	}
	if f != nil {
		d.Period = f.Period
	}
}

// facts are the names besides the answers that the draft's expressions
// read: the unit and the period.
func (d *Draft) facts() map[string]any {
	return map[string]any{EnvUnit: unitEnv(d.Filler), EnvPeriod: periodEnv(d.Period)}
}

// Flags are the draft's small facts besides answers.
type Flags struct {
	// Soft holds the confirmed soft warnings: key section/row/rule, value
	// the fingerprint of the values confirmed (a change asks again).
	Soft map[string]string `json:"soft,omitempty"`
	// Done marks list sections the contact declared complete.
	Done map[string]bool `json:"done,omitempty"`
	// Reason and Flagged are a reviewer's return: why, and the items
	// (section/row/field, or section/row/ for a row) to correct.
	Reason  string   `json:"reason,omitempty"`
	Flagged []string `json:"flagged,omitempty"`
}

// SectionData is the rows of one section. A record section has one row with
// key ""; a table section one row per key; a list section rows in order.
type SectionData struct {
	Rows []*Row
}

// Row is one record, park or year.
type Row struct {
	Key    string
	Seq    int
	Values map[string]string
}

// ChangeKind names what a change does.
type ChangeKind string

// The kinds of change.
const (
	SetValue  ChangeKind = "set"
	AddRow    ChangeKind = "add_row"
	DeleteRow ChangeKind = "delete_row"
)

// Change is one recorded change to a draft.
type Change struct {
	Kind     ChangeKind
	Section  string
	Row      string
	Seq      int
	Field    string
	Old, New *string
}

// NewDraft returns an empty draft.
func NewDraft(campaign, unit, form string) *Draft {
	return &Draft{Campaign: campaign, Unit: unit, Form: form, Status: StatusDraft, NextRow: 1, Sections: map[string]*SectionData{}}
}

// Clone returns a deep copy of the draft as it stands, with no changes
// recorded: what loading it again after its changes were saved would give.
func (d *Draft) Clone() *Draft {
	c := &Draft{Campaign: d.Campaign, Unit: d.Unit, Form: d.Form, Status: d.Status, NextRow: d.NextRow,
		Sections: make(map[string]*SectionData, len(d.Sections)),
		Last:     d.Last, LastYear: d.LastYear, // other periods' returns: read only, shared
		Level: d.Level, Filler: d.Filler, Period: d.Period}
	c.Flags.Reason = d.Flags.Reason
	c.Flags.Flagged = append([]string(nil), d.Flags.Flagged...)
	if d.Flags.Soft != nil {
		c.Flags.Soft = make(map[string]string, len(d.Flags.Soft))
		for k, v := range d.Flags.Soft {
			c.Flags.Soft[k] = v
		}
	}
	if d.Flags.Done != nil {
		c.Flags.Done = make(map[string]bool, len(d.Flags.Done))
		for k, v := range d.Flags.Done {
			c.Flags.Done[k] = v
		}
	}
	for id, sec := range d.Sections {
		cs := &SectionData{Rows: make([]*Row, len(sec.Rows))}
		for i, r := range sec.Rows {
			values := make(map[string]string, len(r.Values))
			for k, v := range r.Values {
				values[k] = v
			}
			cs.Rows[i] = &Row{Key: r.Key, Seq: r.Seq, Values: values}
		}
		c.Sections[id] = cs
	}
	return c
}

// Changes returns the changes made since the draft was loaded.
func (d *Draft) Changes() []Change { return d.changes }

// FlagsChanged reports whether Flags changed since the draft was loaded.
func (d *Draft) FlagsChanged() bool { return d.flagsChanged }

// Dirty reports whether there is anything to save.
func (d *Draft) Dirty() bool { return len(d.changes) > 0 || d.flagsChanged }

// Rows returns the rows of a section (nil when none).
func (d *Draft) Rows(section string) []*Row {
	if s := d.Sections[section]; s != nil {
		return s.Rows
	}
	return nil
}

// Row returns a section's row by key, or nil.
func (d *Draft) Row(section, key string) *Row {
	for _, r := range d.Rows(section) {
		if r.Key == key {
			return r
		}
	}
	return nil
}

// RowIndex is the 1-based position of a row in its section (序号), or 0.
func (d *Draft) RowIndex(section, key string) int {
	for i, r := range d.Rows(section) {
		if r.Key == key {
			return i + 1
		}
	}
	return 0
}

// Value returns a stored answer and whether there is one ("" is a skipped
// optional field: answered, blank).
func (d *Draft) Value(section, row, field string) (string, bool) {
	r := d.Row(section, row)
	if r == nil {
		return "", false
	}
	v, ok := r.Values[field]
	return v, ok
}

// ensureRow returns the row, creating a record or table row on first use.
func (d *Draft) ensureRow(section, key string) *Row {
	if r := d.Row(section, key); r != nil {
		return r
	}
	s := d.Sections[section]
	if s == nil {
		s = &SectionData{}
		d.Sections[section] = s
	}
	r := &Row{Key: key, Values: map[string]string{}}
	s.Rows = append(s.Rows, r)
	return r
}

// Set stores an answer, recording the change; setting the same value is a no-op.
func (d *Draft) Set(section, row, field, value string) {
	r := d.ensureRow(section, row)
	old, had := r.Values[field]
	if had && old == value {
		return
	}
	c := Change{Kind: SetValue, Section: section, Row: row, Field: field, New: &value}
	if had {
		c.Old = &old
	}
	r.Values[field] = value
	d.changes = append(d.changes, c)
}

// AddListRow appends a new, empty row to a list section and returns its key.
func (d *Draft) AddListRow(section string) string {
	if d.NextRow < 1 {
		d.NextRow = 1
	}
	key := "r" + strconv.Itoa(d.NextRow)
	seq := d.NextRow
	d.NextRow++
	d.flagsChanged = true // NextRow is saved with the flags
	s := d.Sections[section]
	if s == nil {
		s = &SectionData{}
		d.Sections[section] = s
	}
	s.Rows = append(s.Rows, &Row{Key: key, Seq: seq, Values: map[string]string{}})
	d.changes = append(d.changes, Change{Kind: AddRow, Section: section, Row: key, Seq: seq})
	return key
}

// DeleteListRow removes a list row with its answers.
func (d *Draft) DeleteListRow(section, key string) {
	s := d.Sections[section]
	if s == nil {
		return
	}
	for i, r := range s.Rows {
		if r.Key == key {
			s.Rows = append(s.Rows[:i], s.Rows[i+1:]...)
			d.changes = append(d.changes, Change{Kind: DeleteRow, Section: section, Row: key})
			return
		}
	}
}

// SetDone marks a list section complete or not.
func (d *Draft) SetDone(section string, done bool) {
	if d.Flags.Done[section] == done {
		return
	}
	if d.Flags.Done == nil {
		d.Flags.Done = map[string]bool{}
	}
	if done {
		d.Flags.Done[section] = true
	} else {
		delete(d.Flags.Done, section)
	}
	d.flagsChanged = true
}

// Confirm records that the contact confirmed a soft warning for these values.
func (d *Draft) Confirm(key, fingerprint string) {
	if d.Flags.Soft == nil {
		d.Flags.Soft = map[string]string{}
	}
	if d.Flags.Soft[key] == fingerprint {
		return
	}
	d.Flags.Soft[key] = fingerprint
	d.flagsChanged = true
}

// ClearReturn forgets a reviewer's return (its reason and flagged items):
// the form is submitted again.
func (d *Draft) ClearReturn() {
	if d.Flags.Reason != "" || len(d.Flags.Flagged) > 0 {
		d.Flags.Reason, d.Flags.Flagged = "", nil
		d.flagsChanged = true
	}
}

// SetStatus changes the draft's status.
func (d *Draft) SetStatus(s Status) {
	if d.Status != s {
		d.Status = s
		d.flagsChanged = true
	}
}

// Started reports whether anything was entered.
func (d *Draft) Started() bool {
	for _, s := range d.Sections {
		for _, r := range s.Rows {
			if len(r.Values) > 0 || r.Seq > 0 {
				return true
			}
		}
	}
	return len(d.Flags.Done) > 0
}

// Progress counts answered and askable fields: record and table fields, and
// the fields of the list rows that exist.
func (d *Draft) Progress(f *Form) (done, total int) {
	for _, s := range f.Sections {
		for _, key := range rowKeys(d, s) {
			asked := d.AskedMap(s, key)
			for _, fd := range s.Fields {
				if asked != nil && !asked[fd.ID] {
					continue
				}
				total++
				if _, ok := d.Answered(s, key, fd); ok {
					done++
				}
			}
		}
	}
	return done, total
}

// RowKeys lists the rows a section has (list) or must have (record, table),
// in order.
func (d *Draft) RowKeys(s *Section) []string { return rowKeys(d, s) }

// rowKeys lists the rows a section has or must have.
func rowKeys(d *Draft, s *Section) []string {
	switch s.Kind {
	case Record:
		return []string{""}
	case Table:
		keys := make([]string, len(s.Rows))
		for i, r := range s.Rows {
			keys[i] = r.Key
		}
		return keys
	}
	var keys []string
	for _, r := range d.Rows(s.ID) {
		keys = append(keys, r.Key)
	}
	return keys
}

// ValuesWith is a row's stored values with override on top (a copy).
func (d *Draft) ValuesWith(section, row string, override map[string]string) map[string]string {
	values := map[string]string{}
	if r := d.Row(section, row); r != nil {
		for k, v := range r.Values {
			values[k] = v
		}
	}
	for k, v := range override {
		values[k] = v
	}
	return values
}

// env builds what a section's expressions see for one row.
func (d *Draft) env(f *Form, s *Section, row string, override map[string]string) map[string]any {
	values := d.ValuesWith(s.ID, row, override)
	d.dropUnasked(s, row, values)
	env := rowEnv(s, values)
	var others []map[string]any
	for _, r := range d.Rows(s.ID) {
		if r.Key != row {
			others = append(others, rowEnv(s, r.Values))
		}
	}
	env[EnvOthers] = others
	var elsewhere []map[string]any
	for _, os := range f.Sections {
		if os.ID == s.ID {
			continue
		}
		for _, r := range d.Rows(os.ID) {
			elsewhere = append(elsewhere, rowEnv(os, r.Values))
		}
	}
	env[EnvElsewhere] = elsewhere
	env[EnvPrev] = nil
	if s.Kind == Table {
		for i, rk := range s.Rows {
			if rk.Key == row && i > 0 {
				if pr := d.Row(s.ID, s.Rows[i-1].Key); pr != nil {
					env[EnvPrev] = rowEnv(s, pr.Values)
				} else {
					env[EnvPrev] = map[string]any{}
				}
			}
		}
	}
	if s.Kind == Table {
		rows := map[string]any{}
		for _, rk := range s.Rows {
			vals := d.ValuesWith(s.ID, rk.Key, nil)
			if rk.Key == row {
				vals = values
			}
			rows[rk.Key] = rowEnv(s, vals)
		}
		env[EnvRows] = rows
	}
	env[EnvLast] = snapshotRow(d.Last, s, row)
	env[EnvLastYear] = snapshotRow(d.LastYear, s, row)
	for k, v := range d.facts() {
		if s.Field(k) == nil {
			env[k] = v
		}
	}
	if d.Period == nil {
		env[EnvPeriod] = periodEnv(f.Period)
	}
	compute(s, values, env)
	return env
}

// snapshotRow is a row of an earlier period, as rules see it, or nil.
func snapshotRow(snap *Snapshot, s *Section, key string) any {
	if snap == nil {
		return nil
	}
	for _, r := range snap.Sections[s.ID] {
		if r.Key == key {
			return rowEnv(s, r.Values)
		}
	}
	return nil
}

// compute adds the section's computed values that can be computed (every
// field they read has a value) to env.
func compute(s *Section, values map[string]string, env map[string]any) {
	for _, c := range s.Computed {
		if hasAll(values, c.Expr.Fields) {
			if v, err := c.Expr.Eval(env); err == nil {
				env[c.ID] = v
			}
		}
	}
}

func rowEnv(s *Section, values map[string]string) map[string]any {
	env := make(map[string]any, len(values)+len(s.Computed)+3)
	for _, fd := range s.Fields {
		if v, ok := values[fd.ID]; ok && v != "" && StillValid(fd, v) {
			env[fd.ID] = typed(fd, v)
		}
	}
	return env
}

// Answered is a row's answer to the field if it has one that still fits
// the field (see StillValid).
func (d *Draft) Answered(s *Section, row string, fd *Field) (string, bool) {
	v, ok := d.Value(s.ID, row, fd.ID)
	if !ok || v != "" && !StillValid(fd, v) {
		return "", false
	}
	return v, true
}

func hasAll(values map[string]string, fields []string) bool {
	for _, f := range fields {
		if values[f] == "" {
			return false
		}
	}
	return true
}

// Failure is a rule that does not hold for a row, with its message.
type Failure struct {
	Rule        *Rule
	Section     string
	Row         string
	Message     string
	Fingerprint string
	Broken      error // the rule could not be evaluated: it blocks, hard or soft
}

// Blocks reports whether the failure stops a submission outright (a hard
// rule, or any rule that could not be evaluated).
func (f Failure) Blocks() bool { return !f.Rule.Soft || f.Broken != nil }

// Key identifies the failure for soft confirmations.
func (f Failure) Key() string { return f.Section + "/" + f.Row + "/" + f.Rule.ID }

// CheckRow evaluates the rules of a row that can be evaluated (every field
// they name has a value), with override applied on top of the stored values,
// and returns those that fail. Only rules naming field (if not "") are
// considered.
func (d *Draft) CheckRow(f *Form, s *Section, row, field string, override map[string]string) []Failure {
	values := d.ValuesWith(s.ID, row, override)
	d.dropUnasked(s, row, values)
	var env map[string]any
	var out []Failure
	for _, rule := range s.Rules {
		if field != "" && !contains(rule.Check.Fields, field) {
			continue
		}
		if rule.Row != "" && rule.Row != row {
			continue // a rule of one table row
		}
		if !hasAll(values, rule.Check.Fields) {
			continue
		}
		if env == nil {
			env = d.env(f, s, row, override)
		}
		// A rule about the period before, or the year before, does not
		// apply where the unit has no such return (or no such row).
		if rule.Check.Last && env[EnvLast] == nil || rule.Check.LastYear && env[EnvLastYear] == nil {
			continue
		}
		// Nor does a rule about the unit where it is not known (a draft
		// read outside a turn).
		if (rule.Check.Unit || rule.Message != nil && rule.Message.Reads(EnvUnit)) && d.Filler == nil {
			continue
		}
		res, err := rule.Check.Eval(env)
		ok, isBool := res.(bool)
		if err == nil && !isBool {
			err = fmt.Errorf("the check gave %T, not true or false", res)
		}
		if err != nil {
			// Fail closed: a rule that cannot be evaluated on these values
			// (a division by zero, expr's budget) blocks as a broken hard
			// rule would, whatever its kind, and the turn logs it.
			out = append(out, Failure{Rule: rule, Section: s.ID, Row: row, Message: fmt.Sprintf(msg.RuleBroken, rule.ID),
				Fingerprint: fingerprint(values, rule.Check.Fields), Broken: err})
			continue
		}
		if ok {
			continue
		}
		out = append(out, Failure{Rule: rule, Section: s.ID, Row: row, Message: rule.Message.Render(env),
			Fingerprint: fingerprint(values, rule.Check.Fields)})
	}
	return append(out, d.partOfFailures(s, row, field, values)...)
}

// partOfFailures checks a 其中 row: none of its figures above the row it is
// part of. field, if set, limits the check to that field.
func (d *Draft) partOfFailures(s *Section, row, field string, values map[string]string) []Failure {
	r := s.row(row)
	if s.Kind != Table || r == nil || r.PartOf == "" {
		return nil
	}
	whole := d.ValuesWith(s.ID, r.PartOf, nil)
	var out []Failure
	for _, fd := range s.Fields {
		if (fd.Type != Integer && fd.Type != Decimal) || field != "" && fd.ID != field {
			continue
		}
		part, ok1 := new(big.Rat).SetString(values[fd.ID])
		all, ok2 := new(big.Rat).SetString(whole[fd.ID])
		if !ok1 || !ok2 || values[fd.ID] == "" || whole[fd.ID] == "" || part.Cmp(all) <= 0 {
			continue
		}
		parent := s.row(r.PartOf)
		out = append(out, Failure{Rule: &Rule{ID: "part_of_" + fd.ID, Check: &Expr{Fields: []string{fd.ID}}}, Section: s.ID, Row: row,
			Message:     fmt.Sprintf(msg.PartOfExceeds, r.Title, fd.Label, Display(fd, values[fd.ID]), parent.Title, Display(fd, whole[fd.ID])),
			Fingerprint: fingerprint(values, []string{fd.ID})})
	}
	return out
}

// RecomputeSums sets a table's total rows to the sums of their rows, field
// by field, exactly (a figure of no row stays empty).
func (d *Draft) RecomputeSums(s *Section) {
	if s.Kind != Table {
		return
	}
	for _, r := range s.Rows {
		if len(r.Sum) == 0 {
			continue
		}
		for _, fd := range s.Fields {
			if fd.Type != Integer && fd.Type != Decimal || fd.NoSum { // a ratio is not added up
				continue
			}
			total, any := new(big.Rat), false
			for _, k := range r.Sum {
				v, _ := d.Value(s.ID, k, fd.ID)
				if x, ok := new(big.Rat).SetString(v); ok && v != "" {
					total.Add(total, x)
					any = true
				}
			}
			value := ""
			if any {
				value = RatText(total)
			}
			if old, _ := d.Value(s.ID, r.Key, fd.ID); old != value {
				d.Set(s.ID, r.Key, fd.ID, value)
			}
		}
	}
}

// RatText writes an exact figure without trailing zeros: 12.5, 3.
func RatText(v *big.Rat) string {
	if v.IsInt() {
		return v.RatString()
	}
	return strings.TrimRight(strings.TrimRight(v.FloatString(12), "0"), ".")
}

// UniqueClash returns the field's value if another row of the section has it.
func (d *Draft) UniqueClash(s *Section, row string, fd *Field, value string) bool {
	if !fd.Unique {
		return false
	}
	for _, r := range d.Rows(s.ID) {
		if r.Key != row && r.Values[fd.ID] == value {
			return true
		}
	}
	return false
}

func fingerprint(values map[string]string, fields []string) string {
	parts := make([]string, len(fields))
	for i, f := range fields {
		parts[i] = f + "=" + values[f]
	}
	return strings.Join(parts, ";")
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Problem is a reason a form cannot be submitted yet.
type Problem struct {
	Section, Row, Field string
	Where               string // the row it is in (可建成第 2 个园区：), if a list or table
	Text                string
	Soft                bool   // an unconfirmed soft warning
	Rule                string // the rule that fails, if a rule does
	Broken              error  // the rule could not be evaluated
	Empty               bool   // a list row with nothing in it
	Missing             bool   // a required field without an answer
	Rows                bool   // a list with fewer rows than its min_rows, or more than its max_rows
}

// Problems lists everything that blocks submission: missing required fields,
// failing hard rules, unconfirmed soft warnings, repeated unique values.
func (d *Draft) Problems(f *Form) []Problem {
	var out []Problem
	for _, s := range f.Sections {
		out = append(out, d.rowBounds(f, s)...)
		for _, key := range rowKeys(d, s) {
			where := RowLabel(d, s, key)
			if r := d.Row(s.ID, key); s.Kind == List && r != nil && len(r.Values) == 0 {
				// A row added and left empty: one problem, to delete it.
				out = append(out, Problem{Section: s.ID, Row: key, Where: where, Text: where + msg.RowEmptyProblem, Empty: true})
				continue
			}
			asked := d.AskedMap(s, key)
			for _, fd := range s.Fields {
				if asked != nil && !asked[fd.ID] {
					continue // not asked in this row: neither required nor checked
				}
				v, ok := d.Answered(s, key, fd)
				if !s.OptionalIn(key, fd) && (!ok || v == "") {
					out = append(out, Problem{Section: s.ID, Row: key, Field: fd.ID, Where: where, Text: where + fmt.Sprintf(msg.MissingRequired, fd.Title()), Missing: true})
				}
				if ok && v != "" && !d.ChoiceOffered(s, key, fd, v) {
					// A choice this unit may not make (a county's 由设区市统一编制):
					// to be answered again.
					out = append(out, Problem{Section: s.ID, Row: key, Field: fd.ID, Where: where, Text: where + fmt.Sprintf(msg.ChoiceNotOffered, fd.Title(), v), Missing: true})
				}
				if ok && v != "" && d.UniqueClash(s, key, fd, v) {
					out = append(out, Problem{Section: s.ID, Row: key, Field: fd.ID, Where: where, Text: where + fmt.Sprintf(msg.Unique, v, fd.Label)})
				}
			}
			for _, fail := range d.CheckRow(f, s, key, "", nil) {
				if fail.Blocks() {
					out = append(out, Problem{Section: s.ID, Row: key, Where: where, Text: where + fail.Message, Broken: fail.Broken, Rule: fail.Rule.ID})
				} else if d.Flags.Soft[fail.Key()] != fail.Fingerprint {
					out = append(out, Problem{Section: s.ID, Row: key, Where: where, Text: where + fmt.Sprintf(msg.SoftUnconfirmed, fail.Message), Soft: true, Rule: fail.Rule.ID})
				}
			}
		}
	}
	return out
}

// RowLabel names a row in messages: "可建成第 2 个园区：", "【2019年】".
func RowLabel(d *Draft, s *Section, key string) string {
	switch s.Kind {
	case List:
		return fmt.Sprintf("%s第 %d 个%s：", s.Title, d.RowIndex(s.ID, key), s.RowNoun)
	case Table:
		for _, r := range s.Rows {
			if r.Key == key {
				return fmt.Sprintf(msg.TableRow, r.Title)
			}
		}
	}
	return ""
}

// Snapshot is an immutable copy of a draft's answers, as submitted.
type Snapshot struct {
	Sections map[string][]SnapshotRow `json:"sections"`
}

// SnapshotRow is one row of a snapshot.
type SnapshotRow struct {
	Key    string            `json:"key"`
	Values map[string]string `json:"values"`
}

// Snapshot copies the draft's answers in order.
func (d *Draft) Snapshot() Snapshot {
	s := Snapshot{Sections: map[string][]SnapshotRow{}}
	ids := make([]string, 0, len(d.Sections))
	for id := range d.Sections {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		for _, r := range d.Sections[id].Rows {
			vals := make(map[string]string, len(r.Values))
			for k, v := range r.Values {
				vals[k] = v
			}
			s.Sections[id] = append(s.Sections[id], SnapshotRow{Key: r.Key, Values: vals})
		}
	}
	return s
}

// DraftOf is a snapshot as a draft (read only: it records no changes), so
// that what was submitted is read with the draft's methods.
func DraftOf(campaignID, unit, form string, snap Snapshot) *Draft {
	d := NewDraft(campaignID, unit, form)
	for sec, rows := range snap.Sections {
		sd := &SectionData{}
		for _, r := range rows {
			values := make(map[string]string, len(r.Values))
			for k, v := range r.Values {
				values[k] = v
			}
			sd.Rows = append(sd.Rows, &Row{Key: r.Key, Values: values})
		}
		d.Sections[sec] = sd
	}
	return d
}

// EvalColumn evaluates an export column's expression on one row's values
// (with the section's computed values) and writes the result for people.
func EvalColumn(s *Section, c *Column, values map[string]string) string {
	v := EvalColumnRaw(s, c, values)
	if v == nil {
		return ""
	}
	return display(v)
}

// EvalColumnRaw is EvalColumn's value as the expression gives it (nil when
// it cannot be evaluated).
func EvalColumnRaw(s *Section, c *Column, values map[string]string) any {
	env := rowEnv(s, values)
	compute(s, values, env)
	v, err := c.Value.Eval(env)
	if err != nil {
		return nil
	}
	return v
}
