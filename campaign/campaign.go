// Package campaign is the model of a notice and what is checked against it:
// levels and units, forms, sections, fields, periods, rules and their
// expressions, `when`, the checks of one typed answer (with package parse
// for what people type), a unit's draft of a form and what blocks its
// submission — and the loader of campaign files (load.go). Every other
// package imports it; it imports none of them but the calendar and the
// catalogue of texts.
package campaign

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"tianbao/calendar"
)

// Level is a tier of the unit hierarchy, by the id a campaign gives it.
type Level string

// The levels of a provincial hierarchy, top down: a campaign's levels when
// its file names none.
const (
	Province Level = "province"
	City     Level = "city"
	County   Level = "county"
)

// LevelDef is one tier of a campaign's hierarchy: its id in the campaign
// file and its name as the notices write it (设区市, 县（市、区）, 乡镇).
type LevelDef struct {
	ID   Level
	Name string
}

// DefaultLevels are province, city and county.
var DefaultLevels = []LevelDef{{Province, "省"}, {City, "设区市"}, {County, "县（市、区）"}}

// Name is the level's Chinese name among the default levels; a campaign's
// own levels are named by Campaign.LevelName.
func (l Level) Name() string {
	for _, d := range DefaultLevels {
		if d.ID == l {
			return d.Name
		}
	}
	return string(l)
}

// LevelName is a level's name as the campaign gives it.
func (c *Campaign) LevelName(l Level) string {
	for _, d := range c.Levels {
		if d.ID == l {
			return d.Name
		}
	}
	return l.Name()
}

// LevelAt is the level of depth i (0 is the top), or "".
func (c *Campaign) LevelAt(i int) Level {
	if i < 0 || i >= len(c.Levels) {
		return ""
	}
	return c.Levels[i].ID
}

// HasLevel reports whether the campaign has the level.
func (c *Campaign) HasLevel(l Level) bool {
	for _, d := range c.Levels {
		if d.ID == l {
			return true
		}
	}
	return false
}

// Unit is one office of the hierarchy: the province, a city, a county.
type Unit struct {
	Code     string
	Name     string
	Level    Level
	Parent   string   // code of the parent unit; "" for the root
	Children []string // codes, in the order of the units file
	// Kind and Tags are what the units table says the unit is (市辖区, 县,
	// 县级市; 开发区, 山区): forms are assigned by them (a form's kinds and
	// tags), and expressions read them (unit.kind, unit.tags).
	Kind string
	Tags []string
}

// Campaign is one notice: who reports what, by when, checked how. It is
// built by Load from a definition file and never changed after.
type Campaign struct {
	ID      string
	Version int // set when stored; 0 for a campaign not yet loaded
	Title   string
	// Short names the campaign in a few characters: the first line of a
	// message to someone with places in several campaigns, the buttons
	// between them. ShortName falls back on the title.
	Short string
	// Roster says whether the people registered for the campaign's units
	// (invited once, for any campaign over the same units) take part
	// without new invitations: RosterAuto (the file says nothing) shares
	// when the hierarchy matches theirs.
	Roster   Roster
	Document string // the notice's number, e.g. 浙中小企业办〔2018〕14号
	Office   string // the issuing office
	Help     string // who to ask, shown by /help
	TimeZone *time.Location
	Root     string // code of the top unit
	// Levels are the tiers of the hierarchy, top down (DefaultLevels when
	// the file names none); a unit's depth is its level.
	Levels []LevelDef
	// Calendar says which days are worked: deadlines in working days and
	// reminders count by it.
	Calendar *calendar.Calendar
	Units    map[string]*Unit
	Order    []string // unit codes, top down, in file order
	Forms    []*Form
	// Contact names where a unit gives its contact person and phone (a
	// record section's fields): shown to reviewers next to late units.
	Contact *ContactFields
}

// Roster is a campaign file's roster: whether the people already
// registered for its units take part in it.
type Roster string

// The rosters a file may ask for.
const (
	RosterAuto   Roster = ""       // shared when the units sit as they do in the campaigns that share
	RosterShared Roster = "shared" // shared, even where the hierarchy differs
	RosterOwn    Roster = "own"    // this campaign's people are invited for it alone
)

// ShortName is the campaign's short name, else its title.
func (c *Campaign) ShortName() string {
	if c.Short != "" {
		return c.Short
	}
	return c.Title
}

// ContactFields locate a unit's stated contact in its answers.
type ContactFields struct {
	Form, Section, Name, Phone string
}

// ReminderPolicy says when the contacts of units that have not submitted a
// form are reminded, in the campaign's time zone.
type ReminderPolicy struct {
	At          time.Duration // time of day
	BeforeDays  []int         // days before the due date; 0 is the due day
	OverdueDays int           // then daily after the due date, for this many days
	RepeatDays  int           // after those, again every this many days while still missing (0: never)
	QuietFrom   time.Duration // no reminder goes out from QuietFrom to QuietTo
	QuietTo     time.Duration // (equal: no quiet hours; may wrap past midnight)
	Weekends    bool          // false: no reminder on a Saturday or Sunday, the due day excepted
	// WorkingDays counts BeforeDays and the overdue days in working days
	// (the campaign's calendar), and moves a reminder that would fall on a
	// day off to the working day before: never dropped, never on a holiday.
	WorkingDays bool
}

// DefaultReminders: 7, 3 and 1 days before and on the day at 09:30, then
// daily while overdue for up to 7 days, then weekly for as long as it is
// missing.
var DefaultReminders = ReminderPolicy{At: 9*time.Hour + 30*time.Minute, BeforeDays: []int{7, 3, 1, 0}, OverdueDays: 7, RepeatDays: 7, Weekends: true}

// Quiet reports whether a time of day falls in the quiet hours.
func (p ReminderPolicy) Quiet(t time.Time) bool {
	if p.QuietFrom == p.QuietTo {
		return false
	}
	d := time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute
	if p.QuietFrom < p.QuietTo {
		return d >= p.QuietFrom && d < p.QuietTo
	}
	return d >= p.QuietFrom || d < p.QuietTo
}

// Slots are the reminder times for a due date: the before-days at At, then
// daily while overdue; weekends dropped if they do not count; in working
// days by cal when the policy says so.
func (p ReminderPolicy) Slots(due time.Time, loc *time.Location, cal *calendar.Calendar) []time.Time {
	if p.WorkingDays && cal != nil {
		return p.workingSlots(due, loc, cal)
	}
	y, m, d := due.In(loc).Date()
	day := func(offset int) time.Time {
		return time.Date(y, m, d+offset, 0, 0, 0, 0, loc).Add(p.At)
	}
	var out []time.Time
	add := func(offset int) {
		t := day(offset)
		if !p.Weekends && offset != 0 && (t.Weekday() == time.Saturday || t.Weekday() == time.Sunday) {
			return
		}
		out = append(out, t)
	}
	for _, k := range p.BeforeDays {
		add(-k)
	}
	for j := 1; j <= p.OverdueDays; j++ {
		add(j)
	}
	return out
}

// workingSlots counts in working days, and moves each reminder to a
// working day: the due day's, if the deadline itself falls on a day off,
// to the working day before it.
func (p ReminderPolicy) workingSlots(due time.Time, loc *time.Location, cal *calendar.Calendar) []time.Time {
	dueDay := calendar.DayOf(due, loc)
	seen := map[calendar.Day]bool{}
	var out []time.Time
	add := func(d calendar.Day) {
		d = cal.OnOrBefore(d)
		if !seen[d] {
			seen[d] = true
			out = append(out, d.Start(loc).Add(p.At))
		}
	}
	for _, k := range p.BeforeDays {
		if k == 0 {
			add(dueDay)
		} else {
			add(cal.SubWorkdays(dueDay, k))
		}
	}
	for j := 1; j <= p.OverdueDays; j++ {
		add(cal.AddWorkdays(dueDay, j))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Before(out[j]) })
	return out
}

// Form returns the form with id, or nil.
func (c *Campaign) Form(id string) *Form {
	for _, f := range c.Forms {
		if f.ID == id {
			return f
		}
	}
	return nil
}

// FormAt is the form a button names (see index), or nil.
func (c *Campaign) FormAt(ref string) *Form {
	i, key, periodic := strings.Cut(ref, "~")
	n, err := strconv.Atoi(i)
	if err != nil || n < 0 {
		return nil
	}
	seen := -1
	var last string
	for _, f := range c.Forms {
		if f.Base() != last {
			seen++
			last = f.Base()
		}
		if seen == n && (!periodic && f.Period == nil || periodic && f.Period != nil && f.Period.Key == key) {
			return f
		}
	}
	return nil
}

// FormsFor returns the forms that some units of level fill, in file order.
// What one unit fills is FormsForUnit.
func (c *Campaign) FormsFor(level Level) []*Form {
	var out []*Form
	for _, f := range c.Forms {
		if f.FilledBy(level) {
			out = append(out, f)
		}
	}
	return out
}

// FormsForUnit returns the forms u fills, in file order: those of its
// level that its kind and tags are assigned (see Form.FilledByUnit). The
// reminders, /summary, the desk, /forward and the exports all ask it.
func (c *Campaign) FormsForUnit(u *Unit) []*Form {
	var out []*Form
	for _, f := range c.Forms {
		if f.FilledByUnit(u) {
			out = append(out, f)
		}
	}
	return out
}

// InSubtree reports whether unit lies at or below top.
func (c *Campaign) InSubtree(top, unit string) bool {
	for u := c.Units[unit]; u != nil; u = c.Units[u.Parent] {
		if u.Code == top {
			return true
		}
	}
	return false
}

// Form is one table of the notice (附件1 …), made of sections.
type Form struct {
	ID        string
	Short     string // 附件1
	Title     string // 小微企业园工作联席会议（领导小组）建立情况汇总表
	Intro     string // shown when the form is opened
	Checklist []string
	// Stamp is the seal line the sheet carries under its title, as the
	// notice prints it (杭州市小微企业园工作联席会议（领导小组）办公室（盖章）),
	// reading unit (the exporting unit) and period; nil: none.
	Stamp   *Template
	Caption string   // printed above the sheet's title, as the notice numbers its tables (附件1)
	Notes   []string // printed under the sheet's table, as the notice's 注
	// Header is the sheet's header line under the title, item by item
	// (填报单位：{unit.name}, 填报日期：{date}, 单位：万元): its expressions read
	// the fields of the form's header sections (rollup: header), unit and
	// period.
	Header []*Template
	// UnitLabel heads the column of units' names (市、县（市、区）); by
	// default the names of the levels that fill the form.
	UnitLabel string
	Levels    []Level
	// Kinds and Tags narrow who fills the form among its levels' units:
	// per level (the key "" for every level), the kinds one of which a
	// unit must be, and the tags one of which it must carry (none: all).
	Kinds, Tags map[Level][]string
	Due         map[Level]time.Time // the end of the due day, per level
	Reminders   map[Level]ReminderPolicy
	Sections    []*Section
	// A standing return is one Form per period, sharing its sections:
	// Template is the id in the file, Period the instance's (nil for a
	// one-off form), Opens when it can be filled, Prev and LastYear the ids
	// of the period before and the same period a year before ("" if none).
	Template       string
	Period         *Period
	Opens          time.Time
	Prev, LastYear string
	// PrevCampaign and LastYearCampaign are the campaigns Prev and
	// LastYear are of, where not this one: last year's file, which the
	// file's previous: names, for its first periods.
	PrevCampaign, LastYearCampaign string
}

// FilledBy reports whether units of level fill this form (all of them, or
// those its kinds and tags say: see FilledByUnit).
func (f *Form) FilledBy(level Level) bool {
	for _, l := range f.Levels {
		if l == level {
			return true
		}
	}
	return false
}

// FilledByUnit reports whether u fills this form: its level is one of the
// form's, and it is of one of the kinds and carries one of the tags the
// form names for that level (or for every level), if it names any.
func (f *Form) FilledByUnit(u *Unit) bool {
	if u == nil || !f.FilledBy(u.Level) {
		return false
	}
	for _, key := range []Level{"", u.Level} {
		if kinds, ok := f.Kinds[key]; ok && !contains(kinds, u.Kind) {
			return false
		}
		if tags, ok := f.Tags[key]; ok && !anyOf(tags, u.Tags) {
			return false
		}
	}
	return true
}

// anyOf reports whether any of have is among want.
func anyOf(want, have []string) bool {
	for _, h := range have {
		if contains(want, h) {
			return true
		}
	}
	return false
}

// FormIndex names f in a button: the position of its form in the file (an id
// may be 40 characters, and a button's data only 64 bytes), and for a
// period its key (3~2019q1), which stays the same however many periods
// the campaign has come to hold.
func (c *Campaign) FormIndex(f *Form) string {
	seen := -1
	var last string
	for _, x := range c.Forms {
		if x.Base() != last {
			seen++
			last = x.Base()
		}
		if x == f {
			if f.Period != nil {
				return strconv.Itoa(seen) + "~" + f.Period.Key
			}
			return strconv.Itoa(seen)
		}
	}
	return "-1"
}

// SectionAt is the section at a button's index, or nil.
func (f *Form) SectionAt(i string) *Section {
	n, err := strconv.Atoi(i)
	if err != nil || n < 0 || n >= len(f.Sections) {
		return nil
	}
	return f.Sections[n]
}

func (f *Form) SectionIndex(s *Section) string {
	for i, x := range f.Sections {
		if x == s {
			return strconv.Itoa(i)
		}
	}
	return "-1"
}

// Section returns the section with id, or nil.
func (f *Form) Section(id string) *Section {
	for _, s := range f.Sections {
		if s.ID == id {
			return s
		}
	}
	return nil
}

// Name is how the form is named to people: "附件3 2018-2022年…", and a
// period's with its label: "进度季报 小微企业园建设进度（2019年1-3月）".
func (f *Form) Name() string {
	name := f.Title
	if f.Short != "" {
		name = f.Short + " " + f.Title
	}
	if f.Period != nil {
		name += "（" + f.Period.Label + "）"
	}
	return name
}

// ShortName is the form's short name, with the period's label.
func (f *Form) ShortName() string {
	name := f.Short
	if name == "" {
		name = f.Title
	}
	if f.Period != nil {
		name += " " + f.Period.Label
	}
	return name
}

// How a section rolls up in an aggregating unit's export (Section.Rollup).
const (
	RollupSum    = "sum"    // a table: each cell the sum of the units' (the default)
	RollupList   = "list"   // each unit's rows, one after another (a record's default)
	RollupHeader = "header" // a record: its answers are the sheet's header line (填报日期)
)

// HeaderSections are the record sections whose answers are the sheet's
// header line.
func (f *Form) HeaderSections() []*Section {
	var out []*Section
	for _, s := range f.Sections {
		if s.Rollup == RollupHeader {
			out = append(out, s)
		}
	}
	return out
}

// SummedTables reports whether an aggregating unit's export prints the
// form as the notice prints its tables, each cell summed over the units:
// it has tables, every one summed, and no other section than the header
// line's.
func (f *Form) SummedTables() bool {
	tables := 0
	for _, s := range f.Sections {
		switch {
		case s.Kind == Table && s.Rollup == RollupSum:
			tables++
		case s.Rollup != RollupHeader:
			return false
		}
	}
	return tables > 0
}

// StampLine is the form's seal line for a sheet unit u exports ("": none).
func (f *Form) StampLine(u *Unit) string {
	if f.Stamp == nil {
		return ""
	}
	return f.Stamp.RenderBlank(map[string]any{EnvUnit: unitEnv(u), EnvPeriod: periodEnv(f.Period)})
}

// HeaderLine is the sheet's header line for unit u: each item rendered
// with the answers of the header sections (values, by field id; an answer
// not given is left blank, to be written in by hand), the items spaced.
func (f *Form) HeaderLine(u *Unit, values map[string]string) string {
	if len(f.Header) == 0 {
		return ""
	}
	env := map[string]any{EnvUnit: unitEnv(u), EnvPeriod: periodEnv(f.Period)}
	for _, s := range f.HeaderSections() {
		for k, v := range rowEnv(s, values) {
			env[k] = v
		}
	}
	items := make([]string, len(f.Header))
	for i, t := range f.Header {
		items[i] = t.RenderBlank(env)
	}
	return strings.Join(items, "　　　")
}

// SectionKind says how many records a section holds per unit.
type SectionKind string

// The section kinds.
const (
	Record SectionKind = "record" // exactly one record per unit
	List   SectionKind = "list"   // zero or more rows (parks, policies), numbered 序号
	Table  SectionKind = "table"  // a fixed set of rows, e.g. one per year
)

// RowKey names one fixed row of a Table section.
type RowKey struct {
	Key   string
	Title string
	// Sum makes the row a total (合计, 总计): each figure the sum of these
	// rows', computed, never asked.
	Sum []string
	// PartOf makes it a 其中 row: no figure above that row's.
	PartOf string
	// Blank are the fields this row leaves empty ("——", never asked);
	// Required, when given, the only fields it requires.
	Blank, Required []string
}

// row is the table row with key, or nil.
func (s *Section) row(key string) *RowKey {
	for i := range s.Rows {
		if s.Rows[i].Key == key {
			return &s.Rows[i]
		}
	}
	return nil
}

// BlankIn reports whether a table row leaves the field empty (——).
func (s *Section) BlankIn(row string, fd *Field) bool {
	if r := s.row(row); r != nil {
		return contains(r.Blank, fd.ID)
	}
	return false
}

// IsSum reports whether a table row is a computed total.
func (s *Section) IsSum(row string) bool {
	r := s.row(row)
	return r != nil && len(r.Sum) > 0
}

// OptionalIn reports whether the field may be left empty in the row: an
// optional field, or one a table row does not require.
func (s *Section) OptionalIn(row string, fd *Field) bool {
	if fd.Optional {
		return true
	}
	if r := s.row(row); r != nil && len(r.Required) > 0 {
		return !contains(r.Required, fd.ID)
	}
	return false
}

// Section is a part of a form with its fields, computed values and rules.
type Section struct {
	ID      string
	Title   string
	Kind    SectionKind
	RowNoun string   // what a row is called: 园区, 文件
	Rows    []RowKey // Table sections only
	MaxRows int      // List sections: 0 means no limit
	MinRows int      // List sections: fewer rows are not submitted (0: none is fine)
	Total   bool     // the export adds a 总计 row summing numeric columns
	// Rollup is how an aggregating unit's export prints the section:
	// RollupSum, RollupList or RollupHeader.
	Rollup string
	// RowLabel heads a table's column of row titles (年度, 项目).
	RowLabel string
	Fields   []*Field
	Computed []*Computed
	Rules    []*Rule
	Columns  []*Column // export columns; the fields' labels when none are given
	// Carry fills a standing return's new period from the unit's last one:
	// every row and answer of the section, to confirm or change.
	Carry bool
	// Seed fills a list the first time from another return (the parks
	// that 附件2 of another campaign planned), when no earlier period has
	// any: the unit's approved submission there.
	Seed *Seed
}

// Seed is where a list's first rows come from: a form of a campaign (its
// sections), each field from one of theirs (to: from).
type Seed struct {
	Campaign, Form string
	Sections       []string
	Fields         map[string]string
}

// Field returns the field with id, or nil.
func (s *Section) Field(id string) *Field {
	for _, f := range s.Fields {
		if f.ID == id {
			return f
		}
	}
	return nil
}

// FieldAt is the field at a button's index, or nil.
func (s *Section) FieldAt(i string) *Field {
	n, err := strconv.Atoi(i)
	if err != nil || n < 0 || n >= len(s.Fields) {
		return nil
	}
	return s.Fields[n]
}

func (s *Section) FieldIndex(fd *Field) string {
	for i, x := range s.Fields {
		if x == fd {
			return strconv.Itoa(i)
		}
	}
	return "-1"
}

// FieldType is what kind of answer a field takes.
type FieldType string

// The field types.
const (
	Text      FieldType = "text"
	Integer   FieldType = "integer"
	Decimal   FieldType = "decimal"
	Choice    FieldType = "choice"
	YearMonth FieldType = "year-month"
	Date      FieldType = "date"
	Phone     FieldType = "phone"
	YesNo     FieldType = "yes-no"
	File      FieldType = "file"
)

// FieldTypes lists every field type a campaign file may use.
var FieldTypes = []FieldType{Text, Integer, Decimal, Choice, YearMonth, Date, Phone, YesNo, File}

// Field is one question.
type Field struct {
	ID       string
	Label    string
	Short    string   // a few characters for one-line summaries (制造类园区); Label when empty
	Group    []string // header groups above the label, outermost first (按园区类型, 生产制造类)
	Hint     string
	Example  string
	Unit     string // of measure: 亩, 万平方米, 家
	Type     FieldType
	Optional bool
	Unique   bool // no two rows of the section may share the value
	// NoSum: a figure that is not added up (a ratio, 亩均税收): left out of
	// totals, summed tables and the breakdown by subordinate.
	NoSum bool

	Min, Max       *float64 // integer and decimal
	Decimals       int      // decimal: places kept
	MinLen, MaxLen int      // text: in characters
	After, Before  string   // year-month and date: inclusive bounds, canonical form
	RangeMessage   string   // replaces the generic message when a bound is broken
	Choices        []string // choice; for text, suggestions shown as buttons
	// ChoiceWhen offers a choice only where its expression holds (on the
	// unit, the period and the answers before the field): 由设区市统一编制
	// for 市辖区 only. A choice without one is always offered.
	ChoiceWhen map[string]*Expr
	choiceSrc  map[string]string // the whens as the file writes them, until compiled
	FileTypes  []string          // file: accepted kinds (pdf, doc, docx, wps, jpg, png)
	MaxBytes   int64             // file: size limit
	Suggest    bool              // text: offer the answers others in the same city gave
	// When, if set, is asked only when it holds on the row's earlier
	// answers (正式规划文本 only for a plan compiled locally); a field not
	// asked is not required and not submitted.
	When *Expr
	// Carry fills the field in a new period with the last period's answer.
	Carry bool
	// FilledBy is the level that fills the field, when not the form's
	// fillers: the reviewing level as it approves (核定数, 审核意见), or a
	// level of the form's own whose cells the levels below see read only.
	FilledBy Level
	// Kind refines a text: PersonName refuses what is no name (a phone
	// number typed into 联系人).
	Kind TextKind
	// Pattern, if set, is what a text answer must match, and
	// PatternMessage says so to the person.
	Pattern        *regexp.Regexp
	PatternMessage string
	// SoftMin and SoftMax bound what is usual: a figure outside is a soft
	// warning to confirm (made into rules by the loader); SoftMessage
	// replaces the catalogue's sentence.
	SoftMin, SoftMax *float64
	SoftMessage      string
}

// TextKind refines what a text field holds.
type TextKind string

// PersonName is a person's name: no digits, no address of e-mail or web.
const PersonName TextKind = "person_name"

// Title is the label with its groups, as a question shows it.
func (f *Field) Title() string {
	out := ""
	for _, g := range f.Group {
		out += g + " · "
	}
	return out + f.Label
}

// Computed is a value derived from a row's fields (the plot ratio, a sum).
type Computed struct {
	ID    string
	Label string
	Expr  *Expr
}

// Rule is a check across fields. A hard rule must hold; a soft one asks the
// person to confirm. A rule is checked once every field it names has a value.
type Rule struct {
	ID      string
	Soft    bool
	Row     string // a table's rule of one row (its key); "" for every row
	Check   *Expr
	Message *Template
}

// Column is one column of the exported table: a label and the value's expression.
type Column struct {
	Label string
	Group []string
	Value *Expr
	Field *Field // set when the column is exactly a field
}

// EndOfDay is the last second of date's day (its year, month and day, as
// written) in loc: a due date means the end of that day.
func EndOfDay(date time.Time, loc *time.Location) time.Time {
	y, m, d := date.Date()
	return time.Date(y, m, d, 23, 59, 59, 0, loc)
}

// ParseDue reads a due date ("2018-12-05" or "2018-12-05 17:00") in loc. A
// bare date means the end of that day.
func ParseDue(s string, loc *time.Location) (time.Time, error) {
	if t, err := time.ParseInLocation("2006-01-02 15:04", s, loc); err == nil {
		return t, nil
	}
	t, err := time.ParseInLocation("2006-01-02", s, loc)
	if err != nil {
		return time.Time{}, fmt.Errorf("due date %q: want YYYY-MM-DD or YYYY-MM-DD HH:MM", s)
	}
	return EndOfDay(t, loc), nil
}

// DaysLeft is the number of calendar days from now until due, in loc: 0 on
// the due day, negative once it has passed.
func DaysLeft(now, due time.Time, loc *time.Location) int {
	y1, m1, d1 := now.In(loc).Date()
	y2, m2, d2 := due.In(loc).Date()
	a := time.Date(y1, m1, d1, 0, 0, 0, 0, time.UTC)
	b := time.Date(y2, m2, d2, 0, 0, 0, 0, time.UTC)
	return int(b.Sub(a).Hours() / 24)
}

func formatFloat(v float64) string {
	return strconv.FormatFloat(v, 'f', -1, 64)
}
