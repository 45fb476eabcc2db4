package campaign

// The loader: a campaign definition file (YAML) and the units table it refers
// to, validated completely, every problem reported as FILE:LINE:COL. A file is
// either loaded whole into a *Campaign or refused with all its problems;
// nothing is ever half-loaded.

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"

	"tianbao/calendar"
	"tianbao/campaign/parse"
	"tianbao/catalog"
)

// Source is a campaign file with the files it refers to (the units table),
// kept together so that a stored campaign can be loaded again byte for byte.
type Source struct {
	Name  string            // the file's name, used in problem positions
	YAML  []byte            // the definition
	Files map[string][]byte // referred files by the name the definition uses
	// Unreadable are referred files that exist but were not read (not a
	// regular file, too large), with why.
	Unreadable map[string]string
	// Now is the moment an open-ended standing return's periods are made
	// up to (the end of the year after it); nil: the clock.
	Now func() time.Time
}

// FileProblem is one thing wrong with a campaign file, at a position.
type FileProblem struct {
	File      string
	Line, Col int
	Msg       string
}

func (p FileProblem) String() string {
	return fmt.Sprintf("%s:%d:%d: %s", p.File, p.Line, p.Col, p.Msg)
}

// Problems is every problem found in a file; it is the error Load returns.
type Problems []FileProblem

// MaxShown is how many problems Error lists before summing up the rest.
const MaxShown = 50

func (ps Problems) Error() string {
	var lines []string
	for i, p := range ps {
		if i == MaxShown {
			lines = append(lines, fmt.Sprintf("… and %d more problems", len(ps)-MaxShown))
			break
		}
		lines = append(lines, p.String())
	}
	return strings.Join(lines, "\n")
}

// Limits on what is read: a campaign file and its units table are text of
// a few hundred kilobytes; anything far larger is not one, and is refused
// before it is read whole.
const (
	MaxCampaignBytes = 4 << 20
	MaxUnitsBytes    = 16 << 20
)

// ReadFile reads a campaign file from disk with the files it refers to.
// Only regular files are read (a FIFO would block, /dev/zero never ends),
// and only up to the limits above.
func ReadFile(name string) (*Source, error) {
	if err := regularFile(name, MaxCampaignBytes); err != nil {
		return nil, err
	}
	return ReadFS(os.DirFS(filepath.Dir(name)), filepath.Base(name), name)
}

// regularFile refuses what is not a regular file of at most max bytes,
// without opening it.
func regularFile(name string, max int64) error {
	st, err := os.Stat(name)
	if err != nil {
		return fmt.Errorf("read campaign: %w", err)
	}
	if !st.Mode().IsRegular() {
		return fmt.Errorf("read campaign: %s is not a regular file", name)
	}
	if st.Size() > max {
		return fmt.Errorf("read campaign: %s is %d bytes; a campaign file is at most %d", name, st.Size(), max)
	}
	return nil
}

// readLimited reads a file of fsys, refusing one that is not regular or is
// larger than max.
func readLimited(fsys fs.FS, name string, max int64) ([]byte, error) {
	st, err := fs.Stat(fsys, name)
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", name)
	}
	if st.Size() > max {
		return nil, fmt.Errorf("%s is %d bytes, more than %d", name, st.Size(), max)
	}
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, max+1))
}

// ReadFS loads name from fsys with every units file it names; display is the
// name problems are reported under.
func ReadFS(fsys fs.FS, name, display string) (*Source, error) {
	src, err := readLimited(fsys, name, MaxCampaignBytes)
	if err != nil {
		return nil, fmt.Errorf("read campaign: %w", err)
	}
	s := &Source{Name: display, YAML: src, Files: map[string][]byte{}}
	// The units file is named inside the YAML; read it leniently here and let
	// Load report any problem with positions.
	var head struct {
		Units struct {
			File string `yaml:"file"`
		} `yaml:"units"`
	}
	var headErr error
	func() {
		defer func() { _ = recover() }() // see decode: Load reports the problem
		// Past the limits of limits.go nothing is parsed; Load says why.
		if _, over := overLimits(display, src); !over {
			headErr = yaml.Unmarshal(src, &head)
		}
	}()
	if headErr == nil && head.Units.File != "" && !strings.Contains(head.Units.File, "..") {
		b, err := readLimited(fsys, path.Clean(head.Units.File), MaxUnitsBytes)
		switch {
		case err == nil:
			s.Files[head.Units.File] = b
		case !errors.Is(err, fs.ErrNotExist):
			s.Unreadable = map[string]string{head.Units.File: err.Error()}
		}
	}
	return s, nil
}

// The raw shapes of the YAML file. Unknown keys are refused, so that a typo
// ("requird") is a reported problem rather than a silently ignored line.
type rawCampaign struct {
	ID        string       `yaml:"id"`
	Title     string       `yaml:"title"`
	Short     string       `yaml:"short"`
	Roster    string       `yaml:"roster"`
	Document  string       `yaml:"document"`
	Office    string       `yaml:"office"`
	Help      string       `yaml:"help"`
	TimeZone  string       `yaml:"timezone"`
	Levels    []rawLevel   `yaml:"levels"`
	Calendar  *rawCalendar `yaml:"calendar"`
	Units     rawUnits     `yaml:"units"`
	Reminders *rawReminder `yaml:"reminders"`
	Contact   *rawContact  `yaml:"contact"`
	Forms     []rawForm    `yaml:"forms"`
	Defs      any          `yaml:"definitions"` // anchors for reuse; not read otherwise
}

// rawContact says where a unit gives its contact person and phone.
type rawContact struct {
	Form  string `yaml:"form"`
	Name  string `yaml:"name"`
	Phone string `yaml:"phone"`
}

// rawLevel is one tier of the hierarchy, top down.
type rawLevel struct {
	ID   string `yaml:"id"`
	Name string `yaml:"name"`
}

type rawUnits struct {
	File string `yaml:"file"`
	Root struct {
		Code string `yaml:"code"`
		Name string `yaml:"name"`
	} `yaml:"root"`
}

type rawForm struct {
	ID        string                  `yaml:"id"`
	Short     string                  `yaml:"short"`
	Title     string                  `yaml:"title"`
	Intro     string                  `yaml:"intro"`
	Checklist []string                `yaml:"checklist"`
	Stamp     any                     `yaml:"stamp"` // the seal line (true: the catalogue's, with the unit's name)
	Header    []string                `yaml:"header"`
	UnitLabel string                  `yaml:"unit_label"`
	Caption   string                  `yaml:"caption"`
	Notes     []string                `yaml:"notes"`
	Levels    []string                `yaml:"levels"`
	Kinds     any                     `yaml:"kinds"` // a list, or per level: {county: [市辖区]}
	Tags      any                     `yaml:"tags"`  // the same, of tags
	Due       map[string]any          `yaml:"due"`   // per level: a date, or {working_days: N} / {days: N} after a period
	Periods   *rawPeriods             `yaml:"periods"`
	Previous  *rawPrevious            `yaml:"previous"` // the campaign of the periods before this file's
	Opens     *rawOpens               `yaml:"opens"`
	Reminders *rawReminder            `yaml:"reminders"`
	ByLevel   map[string]*rawReminder `yaml:"reminders_by_level"`
	Sections  []rawSection            `yaml:"sections"`
}

// rawPeriods makes a standing return: every month, quarter, half, year
// or ten days (上/中/下旬) from a first period on, or the periods listed.
type rawPeriods struct {
	Every      string          `yaml:"every"`
	From       string          `yaml:"from"`
	Until      string          `yaml:"until"`
	Cumulative bool            `yaml:"cumulative"`
	List       []rawPeriodItem `yaml:"list"`
}

type rawPeriodItem struct {
	Key   string            `yaml:"key"`
	Label string            `yaml:"label"`
	Start string            `yaml:"start"`
	End   string            `yaml:"end"`
	Due   map[string]string `yaml:"due"`
}

// rawPrevious names where the periods before a file's first are: the same
// standing return in last year's campaign (its form, by default this
// form's id).
type rawPrevious struct {
	Campaign string `yaml:"campaign"`
	Form     string `yaml:"form"`
}

// rawOpens is when a period can be filled: so many (working) days after
// it ends; by default the day after.
type rawOpens struct {
	Days        int `yaml:"days"`
	WorkingDays int `yaml:"working_days"`
}

// rawCalendar adjusts the working-day calendar: days off and days worked
// of the campaign's own, over the national calendar (or instead of it).
type rawCalendar struct {
	National *bool    `yaml:"national"`
	Off      []string `yaml:"off"`
	Work     []string `yaml:"work"`
}

// rawReminder is a reminder policy; every key is optional and falls back
// to the enclosing policy (form level → form → campaign → the default).
type rawReminder struct {
	At          *string `yaml:"at"`
	BeforeDays  []int   `yaml:"before_days"`
	OverdueDays *int    `yaml:"overdue_days"`
	RepeatDays  *int    `yaml:"repeat_days"`
	QuietHours  *string `yaml:"quiet_hours"`
	Weekends    *bool   `yaml:"weekends"`
	WorkingDays *bool   `yaml:"working_days"`
}

type rawSection struct {
	ID       string        `yaml:"id"`
	Title    string        `yaml:"title"`
	Kind     string        `yaml:"kind"`
	RowNoun  string        `yaml:"row_noun"`
	Rows     []rawRowKey   `yaml:"rows"`
	MaxRows  int           `yaml:"max_rows"`
	MinRows  int           `yaml:"min_rows"`
	Total    bool          `yaml:"total"`
	Rollup   string        `yaml:"rollup"`
	RowLabel string        `yaml:"row_label"`
	Fields   []rawField    `yaml:"fields"`
	Computed []rawComputed `yaml:"computed"`
	Rules    []rawRule     `yaml:"rules"`
	Columns  []rawColumn   `yaml:"columns"`
	Carry    bool          `yaml:"carry"`
	Seed     *rawSeed      `yaml:"seed"`
}

// rawSeed is where a list's first rows come from.
type rawSeed struct {
	Campaign string            `yaml:"campaign"`
	Form     string            `yaml:"form"`
	Sections []string          `yaml:"sections"`
	Fields   map[string]string `yaml:"fields"` // this section's field: the other's
}

type rawRowKey struct {
	Key      string   `yaml:"key"`
	Title    string   `yaml:"title"`
	Sum      []string `yaml:"sum"`      // a total row: the sum of these rows
	PartOf   string   `yaml:"part_of"`  // a 其中 row: no figure above that row's
	Blank    []string `yaml:"blank"`    // fields left empty here (——)
	Required []string `yaml:"required"` // the only fields required here
}

type rawField struct {
	ID           string   `yaml:"id"`
	Label        string   `yaml:"label"`
	Short        string   `yaml:"short"`
	Group        []string `yaml:"group"`
	Hint         string   `yaml:"hint"`
	Example      string   `yaml:"example"`
	Unit         string   `yaml:"unit"`
	Type         string   `yaml:"type"`
	Optional     bool     `yaml:"optional"`
	Unique       bool     `yaml:"unique"`
	Sum          *bool    `yaml:"sum"` // false: a figure not added up (a ratio)
	Min          any      `yaml:"min"`
	Max          any      `yaml:"max"`
	Decimals     *int     `yaml:"decimals"`
	MinLen       int      `yaml:"min_len"`
	MaxLen       int      `yaml:"max_len"`
	RangeMessage string   `yaml:"range_message"`
	Choices      []any    `yaml:"choices"` // texts, or {value: 由设区市统一编制, when: unit.kind == "市辖区"}
	FileTypes    []string `yaml:"file_types"`
	MaxMB        int      `yaml:"max_mb"`
	Suggest      bool     `yaml:"suggest"`
	When         string   `yaml:"when"`
	Carry        bool     `yaml:"carry"`
	FilledBy     string   `yaml:"filled_by"` // a level: the reviewing one, or one of the form's
	Kind         string   `yaml:"kind"`      // text: person_name
	Pattern      string   `yaml:"pattern"`   // text: a regular expression the answer must match
	PatternMsg   string   `yaml:"pattern_message"`
	SoftMin      any      `yaml:"soft_min"` // integer, decimal: a figure below is asked to be confirmed
	SoftMax      any      `yaml:"soft_max"` // … above
	SoftMessage  string   `yaml:"soft_message"`
}

type rawComputed struct {
	ID    string `yaml:"id"`
	Label string `yaml:"label"`
	Expr  string `yaml:"expr"`
}

type rawRule struct {
	ID      string `yaml:"id"`
	Row     string `yaml:"row"`
	Check   string `yaml:"check"`
	Soft    bool   `yaml:"soft"`
	Message string `yaml:"message"`
}

type rawColumn struct {
	Label string   `yaml:"label"`
	Group []string `yaml:"group"`
	Value string   `yaml:"value"`
}

// knownFileTypes are the document kinds a file field may accept.
var knownFileTypes = map[string]bool{"pdf": true, "doc": true, "docx": true, "wps": true, "xls": true, "xlsx": true, "jpg": true, "png": true, "ofd": true, "zip": true}

// telegramDownloadLimit is the most a bot may download from Telegram.
const telegramDownloadLimit = 20

var idRe = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,39}$`)

// yearRe: a table's rows may be keyed by what they are ("2018").
var yearRe = regexp.MustCompile(`^[0-9][a-z0-9_-]{0,39}$`)

// loader collects problems while it builds a campaign.
type loader struct {
	src      *Source
	file     *ast.File
	problems Problems
	// exprs are the expressions of the section being read, with where
	// they are, for the checks of checks.go once it is whole.
	exprs []located
	// kinds and tags are those of the units table, for the checks of
	// unit.kind and unit.tags.
	kinds, tags []string
}

func (l *loader) at(p string, format string, args ...any) {
	line, col := l.position(p)
	l.problems = append(l.problems, FileProblem{File: l.src.Name, Line: line, Col: col, Msg: fmt.Sprintf(format, args...)})
}

// position finds the line and column of a YAML path, walking up to the
// nearest existing parent when the key itself is missing. A path through
// an alias (*park_name) is followed into its anchor: a mistake in a piece
// reused three times is at its one line, said once.
func (l *loader) position(p string) (int, int) {
	full := p
	for p != "" && p != "$" {
		if yp, err := yaml.PathString(p); err == nil {
			if n, err := yp.FilterFile(l.file); err == nil && n != nil && n.GetToken() != nil {
				if alias, ok := n.(*ast.AliasNode); ok {
					if at := l.inAnchor(alias, full[len(p):]); at != nil {
						n = at
					}
				}
				pos := n.GetToken().Position
				return pos.Line, pos.Column
			}
		}
		i := strings.LastIndexAny(p, ".[")
		if i <= 0 {
			break
		}
		p = p[:i]
	}
	return 1, 1
}

// inAnchor is the node at rest (".type", "[0].min") inside the value of
// the anchor an alias names, or the nearest of its parents there; nil
// when there is no such anchor.
func (l *loader) inAnchor(alias *ast.AliasNode, rest string) ast.Node {
	name := alias.Value.String()
	var anchor *ast.AnchorNode
	for _, doc := range l.file.Docs {
		ast.Walk(visitFunc(func(n ast.Node) bool {
			if a, ok := n.(*ast.AnchorNode); ok && anchor == nil && a.Name.String() == name {
				anchor = a
			}
			return anchor == nil
		}), doc)
	}
	if anchor == nil {
		return nil
	}
	for rest != "" {
		if yp, err := yaml.PathString("$" + rest); err == nil {
			if n, err := yp.FilterNode(anchor.Value); err == nil && n != nil && n.GetToken() != nil {
				return n
			}
		}
		i := strings.LastIndexAny(rest, ".[")
		if i <= 0 {
			break
		}
		rest = rest[:i]
	}
	return anchor.Value
}

// visitFunc walks an AST while it returns true.
type visitFunc func(ast.Node) bool

func (f visitFunc) Visit(n ast.Node) ast.Visitor {
	if f(n) {
		return f
	}
	return nil
}

// Load validates a campaign source and builds the campaign, or returns
// Problems listing everything wrong with it.
func Load(src *Source) (*Campaign, error) {
	l := &loader{src: src}
	if p, bad := textProblem(src.Name, src.YAML); bad {
		return nil, Problems{p}
	}
	file, err := l.parse() // within the limits of limits.go
	if err != nil {
		return nil, err
	}
	l.file = file
	if len(file.Docs) == 0 || file.Docs[0].Body == nil {
		return nil, Problems{{File: src.Name, Line: 1, Col: 1, Msg: "empty campaign file"}}
	}
	var raw rawCampaign
	if err := decode(file.Docs[0].Body, &raw); err != nil {
		return nil, l.yamlProblem(err)
	}
	c := l.campaign(&raw)
	if len(l.problems) > 0 {
		sort.SliceStable(l.problems, func(i, j int) bool {
			if l.problems[i].File != l.problems[j].File {
				return l.problems[i].File < l.problems[j].File
			}
			if l.problems[i].Line != l.problems[j].Line {
				return l.problems[i].Line < l.problems[j].Line
			}
			return l.problems[i].Col < l.problems[j].Col
		})
		// Each once: a piece reused through an alias is read once per use.
		var once Problems
		seen := map[FileProblem]bool{}
		for _, p := range l.problems {
			if !seen[p] {
				seen[p] = true
				once = append(once, p)
			}
		}
		return nil, once
	}
	return c, nil
}

// decode is yaml.NodeToValue with unknown keys refused. go-yaml v1.19 can
// panic on some malformed tagged nodes (found by FuzzLoad); a bad file must
// get a message, not crash the program.
func decode(n ast.Node, v any) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("the file is not a campaign definition YAML can read (%v)", r)
		}
	}()
	return yaml.NodeToValue(n, v, yaml.DisallowUnknownField())
}

func (l *loader) yamlProblem(err error) Problems {
	var ye yaml.Error
	if errors.As(err, &ye) && ye.GetToken() != nil {
		pos := ye.GetToken().Position
		return Problems{{File: l.src.Name, Line: pos.Line, Col: pos.Column, Msg: plainYAMLMessage(ye.GetMessage())}}
	}
	return Problems{{File: l.src.Name, Line: 1, Col: 1, Msg: plainYAMLMessage(firstLine(err.Error()))}}
}

// goTypeRe is go-yaml's wording for a value of the wrong type, which names
// this program's Go types; a campaign author needs the YAML's words.
var goTypeRe = regexp.MustCompile(`cannot unmarshal (\S+) into Go (?:struct field \S+|value) of type (\S+)`)

func plainYAMLMessage(m string) string {
	sub := goTypeRe.FindStringSubmatch(m)
	if sub == nil {
		return m
	}
	want := map[string]string{"int": "a whole number", "int64": "a whole number", "float64": "a number", "bool": "true or false",
		"string": "a text", "[]string": "a list", "*int": "a whole number", "*bool": "true or false", "*string": "a text"}[sub[2]]
	if want == "" {
		want = "a value of another kind"
	}
	return fmt.Sprintf("this value is %s; %s is wanted here", article(sub[1]), want)
}

func article(kind string) string {
	switch kind {
	case "string":
		return "a text"
	case "number", "int", "float":
		return "a number"
	case "bool":
		return "true or false"
	}
	return "a " + kind
}

// textProblem finds what no campaign text may hold and PostgreSQL would
// refuse to store: invalid UTF-8 and NUL; it reports the first, at its
// line and column (in characters).
func textProblem(name string, b []byte) (FileProblem, bool) {
	line, col := 1, 1
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			return FileProblem{name, line, col, "the file is not valid UTF-8 text (save it as UTF-8)"}, true
		case r == 0:
			return FileProblem{name, line, col, "the file holds a NUL character, which no text may contain"}, true
		case r == '\n':
			line, col = line+1, 1
		default:
			col++
		}
		i += size
	}
	return FileProblem{}, false
}

func (l *loader) campaign(raw *rawCampaign) *Campaign {
	c := &Campaign{
		ID: raw.ID, Title: raw.Title, Short: strings.TrimSpace(raw.Short), Document: raw.Document, Office: raw.Office,
		Help: strings.TrimSpace(raw.Help), Roster: Roster(raw.Roster),
	}
	switch c.Roster {
	case RosterAuto, RosterShared, RosterOwn:
	default:
		l.at("$.roster", "roster %q: want shared (the people already registered for these units take part, no new invitations) or own (this campaign invites its own)", raw.Roster)
	}
	if n := len([]rune(c.Short)); n > 20 {
		l.at("$.short", "short is %d characters; at most 20 (it heads messages and names buttons)", n)
	}
	if !idRe.MatchString(raw.ID) {
		l.at("$.id", "campaign id %q must be lower-case letters, digits, '-' or '_', starting with a letter", raw.ID)
	}
	if strings.TrimSpace(raw.Title) == "" {
		l.at("$.title", "title is required")
	}
	if raw.TimeZone == "" {
		raw.TimeZone = "Asia/Shanghai"
	}
	loc, err := time.LoadLocation(raw.TimeZone)
	if err != nil {
		l.at("$.timezone", "unknown time zone %q", raw.TimeZone)
		loc = time.UTC
	}
	c.TimeZone = loc
	l.calendar(c, raw.Calendar)
	l.levels(c, raw.Levels)
	l.units(c, &raw.Units)
	base := l.reminder("$.reminders", raw.Reminders, DefaultReminders)
	if len(raw.Forms) == 0 {
		l.at("$.forms", "a campaign needs at least one form")
	}
	seen := map[string]bool{}
	for i := range raw.Forms {
		p := fmt.Sprintf("$.forms[%d]", i)
		f := l.form(p, &raw.Forms[i], c)
		formPolicy := l.reminder(p+".reminders", raw.Forms[i].Reminders, base)
		f.Reminders = map[Level]ReminderPolicy{}
		for _, ld := range c.Levels { // who fills it, and who forwards it up
			if c.Reports(f, ld.ID) {
				f.Reminders[ld.ID] = l.reminder(p+".reminders_by_level."+string(ld.ID), raw.Forms[i].ByLevel[string(ld.ID)], formPolicy)
			}
		}
		for k := range raw.Forms[i].ByLevel {
			if !c.Reports(f, Level(k)) {
				l.at(p+".reminders_by_level."+k, "reminders for level %q, which neither fills nor forwards form %q", k, f.ID)
			}
		}
		if seen[f.ID] {
			l.at(p+".id", "duplicate form id %q", f.ID)
		}
		seen[f.ID] = true
		if raw.Forms[i].Periods != nil {
			c.Forms = append(c.Forms, l.periods(p, &raw.Forms[i], f, c)...)
			continue
		}
		c.Forms = append(c.Forms, f)
	}
	if raw.Contact != nil {
		c.Contact = l.contact(raw.Contact, c)
	}
	return c
}

// contact checks the contact key: a form whose record section has both
// fields.
func (l *loader) contact(raw *rawContact, c *Campaign) *ContactFields {
	f := c.Form(raw.Form)
	if f == nil {
		l.at("$.contact.form", "contact: no form %q", raw.Form)
		return nil
	}
	for _, s := range f.Sections {
		if s.Kind == Record && s.Field(raw.Name) != nil && s.Field(raw.Phone) != nil {
			return &ContactFields{Form: f.ID, Section: s.ID, Name: raw.Name, Phone: raw.Phone}
		}
	}
	l.at("$.contact", "contact: form %q has no record section with the fields %q and %q", raw.Form, raw.Name, raw.Phone)
	return nil
}

// levels reads the campaign's tiers (DefaultLevels when it names none).
func (l *loader) levels(c *Campaign, raw []rawLevel) {
	if len(raw) == 0 {
		c.Levels = append([]LevelDef(nil), DefaultLevels...)
		return
	}
	seen := map[string]bool{}
	for i, r := range raw {
		p := fmt.Sprintf("$.levels[%d]", i)
		if !idRe.MatchString(r.ID) || seen[r.ID] {
			l.at(p+".id", "level id %q is repeated, or not lower-case letters, digits, '-' or '_'", r.ID)
		}
		if strings.TrimSpace(r.Name) == "" {
			l.at(p+".name", "level %q needs its name as the notices write it (省, 设区市, 乡镇)", r.ID)
		}
		seen[r.ID] = true
		c.Levels = append(c.Levels, LevelDef{ID: Level(r.ID), Name: r.Name})
	}
}

func levelIDs(c *Campaign) string {
	var ids []string
	for _, d := range c.Levels {
		ids = append(ids, string(d.ID))
	}
	return strings.Join(ids, ", ")
}

// reminder applies raw on top of base.
func (l *loader) reminder(p string, raw *rawReminder, base ReminderPolicy) ReminderPolicy {
	out := base
	out.BeforeDays = append([]int(nil), base.BeforeDays...)
	if raw == nil {
		return out
	}
	atOK := true
	if raw.At != nil {
		at, ok := clock(*raw.At)
		if !ok {
			l.at(p+".at", "reminder time %q: want HH:MM", *raw.At)
			atOK = false
		} else {
			out.At = at
		}
	}
	if raw.BeforeDays != nil {
		for i, d := range raw.BeforeDays {
			if d < 0 || d > 60 {
				l.at(fmt.Sprintf("%s.before_days[%d]", p, i), "days before the due date must be 0..60")
			}
		}
		out.BeforeDays = raw.BeforeDays
	}
	if raw.OverdueDays != nil {
		if *raw.OverdueDays < 0 || *raw.OverdueDays > 60 {
			l.at(p+".overdue_days", "overdue_days must be 0..60")
		}
		out.OverdueDays = *raw.OverdueDays
	}
	if raw.RepeatDays != nil {
		if *raw.RepeatDays < 0 || *raw.RepeatDays > 60 {
			l.at(p+".repeat_days", "repeat_days must be 0..60 (0: no reminder after the overdue days)")
		}
		out.RepeatDays = *raw.RepeatDays
	}
	if raw.QuietHours != nil {
		from, to, ok := strings.Cut(*raw.QuietHours, "-")
		f, ok1 := clock(strings.TrimSpace(from))
		t, ok2 := clock(strings.TrimSpace(to))
		if !ok || !ok1 || !ok2 {
			l.at(p+".quiet_hours", "quiet hours %q: want HH:MM-HH:MM", *raw.QuietHours)
		}
		out.QuietFrom, out.QuietTo = f, t
	}
	if raw.Weekends != nil {
		out.Weekends = *raw.Weekends
	}
	if raw.WorkingDays != nil {
		out.WorkingDays = *raw.WorkingDays
	}
	probe := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC).Add(out.At)
	if atOK && out.Quiet(probe) {
		l.at(p, "reminders at %02d:%02d fall in the quiet hours", int(out.At.Hours()), int(out.At.Minutes())%60)
	}
	return out
}

func clock(s string) (time.Duration, bool) {
	t, err := time.Parse("15:04", s)
	if err != nil {
		return 0, false
	}
	return time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute, true
}

func isCode(s string) bool {
	if len(s) != 6 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

func (l *loader) form(p string, raw *rawForm, c *Campaign) *Form {
	f := &Form{ID: raw.ID, Short: raw.Short, Title: raw.Title, Intro: strings.TrimSpace(raw.Intro),
		Checklist: raw.Checklist, Caption: raw.Caption, Notes: raw.Notes, UnitLabel: strings.TrimSpace(raw.UnitLabel), Due: map[Level]time.Time{}}
	if !idRe.MatchString(raw.ID) {
		l.at(p+".id", "form id %q must be lower-case letters, digits, '-' or '_', starting with a letter", raw.ID)
	}
	if strings.TrimSpace(raw.Title) == "" {
		l.at(p+".title", "form %q needs a title", raw.ID)
	}
	if len(raw.Levels) == 0 {
		l.at(p+".levels", "form %q: say which levels fill it (city, county)", raw.ID)
	}
	for i, lv := range raw.Levels {
		level := Level(lv)
		if !c.HasLevel(level) {
			l.at(fmt.Sprintf("%s.levels[%d]", p, i), "unknown level %q (the campaign's levels: %s)", lv, levelIDs(c))
			continue
		}
		f.Levels = append(f.Levels, level)
	}
	l.assignment(p, raw, f, c)
	rules := l.dueRules(p, raw, f, c)
	l.kinds, l.tags = c.Kinds(), c.Tags()
	if raw.Periods == nil && raw.Previous != nil {
		l.at(p+".previous", "previous is for a standing return (a form with periods:)")
	}
	if raw.Periods == nil {
		for level, r := range rules {
			if r.Date.IsZero() {
				l.at(p+".due."+string(level), "so many days after the period: form %q has no periods (give a date)", raw.ID)
				continue
			}
			f.Due[level] = r.Date
		}
		l.dueOrder(p, f, c)
	}
	if len(raw.Sections) == 0 {
		l.at(p+".sections", "form %q has no sections", raw.ID)
	}
	seen := map[string]bool{}
	for i := range raw.Sections {
		sp := fmt.Sprintf("%s.sections[%d]", p, i)
		s := l.section(sp, &raw.Sections[i], raw.Periods != nil)
		if seen[s.ID] {
			l.at(sp+".id", "duplicate section id %q in form %q", s.ID, raw.ID)
		}
		seen[s.ID] = true
		f.Sections = append(f.Sections, s)
		l.rollup(sp, &raw.Sections[i], s)
		for j, fd := range s.Fields {
			if fd.FilledBy != "" {
				l.filledBy(fmt.Sprintf("%s.fields[%d].filled_by", sp, j), c, f, s, fd)
			}
		}
	}
	l.sheetLines(p, raw, f)
	return f
}

func (l *loader) section(p string, raw *rawSection, periodic bool) *Section {
	l.exprs = nil
	defer func() { l.exprChecks(raw.ID, periodic) }()
	s := &Section{ID: raw.ID, Title: raw.Title, Kind: SectionKind(raw.Kind), RowNoun: raw.RowNoun,
		MaxRows: raw.MaxRows, MinRows: raw.MinRows, Total: raw.Total, Carry: raw.Carry}
	l.rowBounds(p, s)
	if !idRe.MatchString(raw.ID) {
		l.at(p+".id", "section id %q must be lower-case letters, digits, '-' or '_'", raw.ID)
	}
	switch s.Kind {
	case Record:
	case List:
		if s.RowNoun == "" {
			s.RowNoun = "行"
		}
	case Table:
		if len(raw.Rows) == 0 {
			l.at(p+".rows", "a table section needs its rows (key and title)")
		}
		seen := map[string]bool{}
		for i, r := range raw.Rows {
			if !idRe.MatchString(r.Key) && !yearRe.MatchString(r.Key) || seen[r.Key] {
				l.at(fmt.Sprintf("%s.rows[%d]", p, i), "row key %q is repeated, or not lower-case letters, digits, '-' or '_' (at most 40)", r.Key)
			}
			seen[r.Key] = true
			if r.Title == "" {
				r.Title = r.Key
			}
			s.Rows = append(s.Rows, RowKey{Key: r.Key, Title: r.Title, Sum: r.Sum, PartOf: r.PartOf, Blank: r.Blank, Required: r.Required})
		}
	default:
		l.at(p+".kind", "unknown section kind %q (want record, list or table)", raw.Kind)
	}
	if len(raw.Rows) > 0 && s.Kind != Table {
		l.at(p+".rows", "rows are only for table sections")
	}
	if len(raw.Fields) == 0 {
		l.at(p+".fields", "section %q has no fields", raw.ID)
	}
	seen := map[string]bool{}
	before := len(l.problems)
	for i := range raw.Fields {
		fp := fmt.Sprintf("%s.fields[%d]", p, i)
		fd := l.field(fp, &raw.Fields[i])
		if seen[fd.ID] {
			l.at(fp+".id", "duplicate field id %q in section %q", fd.ID, raw.ID)
		}
		seen[fd.ID] = true
		s.Fields = append(s.Fields, fd)
	}
	if len(l.problems) == before {
		for i := range raw.Fields {
			if w := raw.Fields[i].When; strings.TrimSpace(w) != "" {
				l.when(fmt.Sprintf("%s.fields[%d].when", p, i), s, i, w)
			}
			l.choiceWhens(fmt.Sprintf("%s.fields[%d].choices", p, i), s, i)
			s.Fields[i].Carry = raw.Fields[i].Carry
			s.Fields[i].FilledBy = Level(raw.Fields[i].FilledBy)
		}
	}
	if sd := raw.Seed; sd != nil {
		switch {
		case s.Kind != List:
			l.at(p+".seed", "seed is for list sections")
		case !idRe.MatchString(sd.Campaign) || !idRe.MatchString(sd.Form) || len(sd.Sections) == 0 || len(sd.Fields) == 0:
			l.at(p+".seed", "seed needs a campaign, a form, its sections and fields (this field: theirs)")
		default:
			for to := range sd.Fields {
				if s.Field(to) == nil {
					l.at(p+".seed.fields."+to, "seed: section %q has no field %q", s.ID, to)
				}
			}
			s.Seed = &Seed{Campaign: sd.Campaign, Form: sd.Form, Sections: sd.Sections, Fields: sd.Fields}
		}
	}
	if len(l.problems) > before {
		// Expressions over broken fields would only repeat those problems.
		return s
	}
	for i, rc := range raw.Computed {
		cp := fmt.Sprintf("%s.computed[%d]", p, i)
		if !idRe.MatchString(rc.ID) || seen[rc.ID] {
			l.at(cp+".id", "computed id %q is invalid or already a field or computed value", rc.ID)
		}
		seen[rc.ID] = true
		e, err := CompileExpr(rc.Expr, s, s.Computed)
		if err != nil {
			l.at(cp+".expr", "%v", err)
			continue
		}
		l.track(cp+".expr", "computed value "+rc.ID, e, nil)
		s.Computed = append(s.Computed, &Computed{ID: rc.ID, Label: rc.Label, Expr: e})
	}
	ruleIDs := map[string]bool{}
	for i, rr := range raw.Rules {
		rp := fmt.Sprintf("%s.rules[%d]", p, i)
		if !idRe.MatchString(rr.ID) || ruleIDs[rr.ID] {
			l.at(rp+".id", "rule id %q is invalid or repeated", rr.ID)
		}
		ruleIDs[rr.ID] = true
		if strings.TrimSpace(rr.Message) == "" {
			l.at(rp+".message", "rule %q needs a message for the person filling the form", rr.ID)
		}
		check, err := CompileCheck(rr.Check, s, s.Computed)
		if err == nil {
			err = ChoiceLiterals(check, s)
		}
		if err != nil {
			l.at(rp+".check", "%v", err)
			continue
		}
		msg, err := CompileTemplate(rr.Message, s, s.Computed)
		if err != nil {
			l.at(rp+".message", "%v", err)
			continue
		}
		l.track(rp+".check", "rule "+rr.ID, check, nil)
		l.track(rp+".message", "the message of rule "+rr.ID, nil, msg)
		if rr.Row != "" && (s.Kind != Table || !hasRow(s, rr.Row)) {
			l.at(rp+".row", "rule %q is for row %q, which is not a row of this table", rr.ID, rr.Row)
			continue
		}
		s.Rules = append(s.Rules, &Rule{ID: rr.ID, Soft: rr.Soft, Row: rr.Row, Check: check, Message: msg})
	}
	for i, fd := range s.Fields {
		l.softBounds(fmt.Sprintf("%s.fields[%d]", p, i), s, fd, ruleIDs)
	}
	for i, rc := range raw.Columns {
		cp := fmt.Sprintf("%s.columns[%d]", p, i)
		if rc.Label == "" {
			l.at(cp+".label", "a column needs a label")
		}
		e, err := CompileExpr(rc.Value, s, s.Computed)
		if err != nil {
			l.at(cp+".value", "%v", err)
			continue
		}
		l.track(cp+".value", "column "+rc.Label, e, nil)
		col := &Column{Label: rc.Label, Group: rc.Group, Value: e}
		if fd := s.Field(strings.TrimSpace(rc.Value)); fd != nil {
			col.Field = fd
		}
		s.Columns = append(s.Columns, col)
	}
	if s.Kind == Table {
		l.tableRows(p, s)
	}
	if len(raw.Columns) == 0 {
		for _, fd := range s.Fields {
			e, err := CompileExpr(fd.ID, s, nil)
			if err == nil {
				s.Columns = append(s.Columns, &Column{Label: fd.Label, Group: fd.Group, Value: e, Field: fd})
			}
		}
	}
	return s
}

// softBounds turns a figure's soft_min and soft_max into soft rules: a
// figure outside what is usual is asked to be confirmed (1,200 万平方米 of
// parks for one county), never refused.
func (l *loader) softBounds(p string, s *Section, fd *Field, ruleIDs map[string]bool) {
	for _, b := range []struct {
		bound *float64
		op    string
		text  string
	}{{fd.SoftMin, ">=", catalog.Chat.SoftBelow}, {fd.SoftMax, "<=", catalog.Chat.SoftAbove}} {
		if b.bound == nil {
			continue
		}
		id := "usual_" + fd.ID
		if b.op == ">=" {
			id += "_min"
		} else {
			id += "_max"
		}
		if ruleIDs[id] {
			l.at(p+".soft_max", "rule id %q, made for this field's soft bound, is taken by a rule of the section", id)
			continue
		}
		ruleIDs[id] = true
		bound := formatFloat(*b.bound)
		check, err := CompileCheck(fmt.Sprintf("%s %s %s", fd.ID, b.op, bound), s, nil)
		if err != nil {
			l.at(p+".soft_max", "%v", err)
			continue
		}
		text := fd.SoftMessage
		if text == "" {
			text = fmt.Sprintf(b.text, fd.Label, "{"+fd.ID+"}", fd.Unit, bound, fd.Unit)
		}
		msg, err := CompileTemplate(text, s, nil)
		if err != nil {
			l.at(p+".soft_message", "%v", err)
			continue
		}
		s.Rules = append(s.Rules, &Rule{ID: id, Soft: true, Check: check, Message: msg})
	}
}

// when compiles the condition of field i, which may read only the fields
// before it in its section (they are answered first) and must compare a
// choice only with one of its choices.
func (l *loader) when(p string, s *Section, i int, src string) {
	before := &Section{ID: s.ID, Kind: s.Kind, Fields: s.Fields[:i]}
	e, err := CompileCheck(src, before, nil)
	if err != nil {
		if strings.Contains(err.Error(), " names ") {
			l.at(p, "%v (a field's when may read only the fields before it)", err)
		} else {
			l.at(p, "%v", err)
		}
		return
	}
	if err := ChoiceLiterals(e, before); err != nil {
		l.at(p, "%v", err)
		return
	}
	l.track(p, "the when of field "+s.Fields[i].ID, e, nil)
	s.Fields[i].When = e
}

func (l *loader) field(p string, raw *rawField) *Field {
	f := &Field{ID: raw.ID, Label: raw.Label, Short: raw.Short, Group: raw.Group, Hint: raw.Hint, Example: raw.Example,
		Unit: raw.Unit, Type: FieldType(raw.Type), Optional: raw.Optional, Unique: raw.Unique,
		MinLen: raw.MinLen, MaxLen: raw.MaxLen, RangeMessage: raw.RangeMessage,
		Suggest: raw.Suggest}
	l.choices(p+".choices", raw.Choices, f)
	if !idRe.MatchString(raw.ID) || reservedName(raw.ID) {
		l.at(p+".id", "field id %q must be lower-case letters, digits or '_', starting with a letter, and not a reserved name", raw.ID)
	}
	if strings.TrimSpace(raw.Label) == "" {
		l.at(p+".label", "field %q needs a label", raw.ID)
	}
	known := false
	for _, t := range FieldTypes {
		known = known || t == f.Type
	}
	if !known {
		names := make([]string, len(FieldTypes))
		for i, t := range FieldTypes {
			names[i] = string(t)
		}
		l.at(p+".type", "unknown field type %q (want one of %s)", raw.Type, strings.Join(names, ", "))
	}
	switch f.Type {
	case Integer, Decimal:
		f.Min = l.number(p+".min", raw.Min)
		f.Max = l.number(p+".max", raw.Max)
		if f.Min != nil && f.Max != nil && *f.Min > *f.Max {
			l.at(p+".max", "max %v is below min %v", *f.Max, *f.Min)
		}
		if f.Type == Decimal {
			f.Decimals = 2
			if raw.Decimals != nil {
				f.Decimals = *raw.Decimals
			}
			if f.Decimals < 0 || f.Decimals > 6 {
				l.at(p+".decimals", "decimals must be between 0 and 6")
			}
		}
	case YearMonth, Date:
		norm := parse.YearMonth
		if f.Type == Date {
			norm = parse.Date
		}
		f.After = l.dateBound(p+".min", raw.Min, norm)
		f.Before = l.dateBound(p+".max", raw.Max, norm)
		if f.After != "" && f.Before != "" && f.After > f.Before {
			l.at(p+".max", "max %s is before min %s", f.Before, f.After)
		}
	case Text:
		if raw.MinLen < 0 || raw.MaxLen < 0 || (raw.MaxLen > 0 && raw.MinLen > raw.MaxLen) {
			l.at(p+".max_len", "length bounds %d..%d are not a range", raw.MinLen, raw.MaxLen)
		}
		switch TextKind(raw.Kind) {
		case "", PersonName:
			f.Kind = TextKind(raw.Kind)
		default:
			l.at(p+".kind", "unknown text kind %q (want person_name)", raw.Kind)
		}
		if raw.Pattern != "" {
			re, err := regexp.Compile(raw.Pattern)
			if err != nil {
				l.at(p+".pattern", "pattern %q is not a regular expression: %v", raw.Pattern, err)
			}
			f.Pattern, f.PatternMessage = re, raw.PatternMsg
		}
	case Choice:
		if len(raw.Choices) == 0 {
			l.at(p+".choices", "choice field %q has an empty choice list", raw.ID)
		}
		seen := map[string]bool{}
		for i, ch := range f.Choices {
			if strings.TrimSpace(ch) == "" || seen[ch] {
				l.at(fmt.Sprintf("%s.choices[%d]", p, i), "choice %q is empty or repeated", ch)
			}
			seen[ch] = true
		}
	case File:
		if len(raw.FileTypes) == 0 {
			l.at(p+".file_types", "file field %q: list the accepted file types (pdf, doc, docx, wps, jpg, png …)", raw.ID)
		}
		for i, t := range raw.FileTypes {
			if !knownFileTypes[strings.ToLower(t)] {
				l.at(fmt.Sprintf("%s.file_types[%d]", p, i), "unknown file type %q", t)
			}
			f.FileTypes = append(f.FileTypes, strings.ToLower(t))
		}
		mb := raw.MaxMB
		if mb == 0 {
			mb = telegramDownloadLimit
		}
		if mb < 0 || mb > telegramDownloadLimit {
			l.at(p+".max_mb", "max_mb must be 1..%d (the most a Telegram bot may download)", telegramDownloadLimit)
		}
		f.MaxBytes = int64(mb) << 20
	}
	if (raw.Kind != "" || raw.Pattern != "" || raw.PatternMsg != "") && f.Type != Text && known {
		l.at(p+".kind", "kind, pattern and pattern_message apply to text fields only")
	}
	if raw.SoftMin != nil || raw.SoftMax != nil || raw.SoftMessage != "" {
		if f.Type != Integer && f.Type != Decimal {
			l.at(p+".soft_max", "soft_min and soft_max apply to integer and decimal fields only")
		} else {
			f.SoftMin = l.number(p+".soft_min", raw.SoftMin)
			f.SoftMax = l.number(p+".soft_max", raw.SoftMax)
			f.SoftMessage = raw.SoftMessage
			if f.SoftMin != nil && f.SoftMax != nil && *f.SoftMin > *f.SoftMax {
				l.at(p+".soft_max", "soft_max %v is below soft_min %v", *f.SoftMax, *f.SoftMin)
			}
		}
	}
	if known && (raw.Min != nil || raw.Max != nil) && f.Type != Integer && f.Type != Decimal && f.Type != YearMonth && f.Type != Date {
		l.at(p+".min", "min and max apply to integer, decimal, year-month and date fields only")
	}
	if raw.Sum != nil {
		f.NoSum = !*raw.Sum
		if known && f.Type != Integer && f.Type != Decimal {
			l.at(p+".sum", "sum applies to integer and decimal fields (a figure not added up: sum: false)")
		}
	}
	if len(raw.Choices) > 0 && f.Type != Choice && f.Type != Text {
		l.at(p+".choices", "choices apply to choice fields (or text fields, as suggestions)")
	}
	if len(f.choiceSrc) > 0 && f.Type != Choice {
		l.at(p+".choices", "a choice's when applies to choice fields only")
	}
	return f
}

func reservedName(id string) bool {
	return id == EnvOthers || id == EnvElsewhere || id == EnvPrev || id == "fixed"
}

func (l *loader) number(p string, v any) *float64 {
	if v == nil {
		return nil
	}
	var f float64
	switch x := v.(type) {
	case uint64:
		f = float64(x)
	case int64:
		f = float64(x)
	case int:
		f = float64(x)
	case float64:
		f = x
	default:
		l.at(p, "want a number, got %v", v)
		return nil
	}
	return &f
}

func (l *loader) dateBound(p string, v any, norm func(string) (string, error)) string {
	if v == nil {
		return ""
	}
	s := fmt.Sprint(v)
	if t, ok := v.(time.Time); ok {
		s = t.Format("2006-01-02")
	}
	out, err := norm(s)
	if err != nil {
		l.at(p, "%q is not a valid bound for this field", s)
		return ""
	}
	return out
}

// levelNoun names a level's units in a message (counties, cities).
func levelNoun(l Level) string {
	switch l {
	case City:
		return "cities"
	case County:
		return "counties"
	}
	return "units of level " + string(l)
}

// dueRules reads a form's due: per level, a date, or {working_days: N}
// or {days: N} after each period's end.
func (l *loader) dueRules(p string, raw *rawForm, f *Form, c *Campaign) map[Level]DueRule {
	rules := map[Level]DueRule{}
	keys := make([]string, 0, len(raw.Due))
	for k := range raw.Due {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		level, kp := Level(k), p+".due."+k
		if !c.Reports(f, level) {
			l.at(kp, "due date for level %q, which neither fills nor forwards form %q", k, raw.ID)
			continue
		}
		switch v := raw.Due[k].(type) {
		case string:
			t, err := ParseDue(v, c.TimeZone)
			if err != nil {
				l.at(kp, "%v", err)
				continue
			}
			rules[level] = DueRule{Date: t}
		case map[string]any:
			var r DueRule
			for key, n := range v {
				days, ok := wholeNumber(n)
				switch {
				case !ok || days < 1 || days > 366:
					l.at(kp+"."+key, "%s: want a number of days from 1 to 366", key)
				case key == "working_days":
					r.WorkingDays = days
				case key == "days":
					r.Days = days
				default:
					l.at(kp+"."+key, "unknown key %q (want working_days or days)", key)
				}
			}
			if (r.WorkingDays > 0) == (r.Days > 0) {
				l.at(kp, "give one of working_days or days")
				continue
			}
			rules[level] = r
		default:
			l.at(kp, "want a date (2018-12-05) or {working_days: 10} after the period")
		}
	}
	for _, level := range f.Levels {
		if _, ok := rules[level]; !ok && raw.Due[string(level)] == nil && (raw.Periods == nil || len(raw.Periods.List) == 0) {
			l.at(p+".due", "form %q has no due date for level %q", raw.ID, level)
		}
	}
	return rules
}

func wholeNumber(v any) (int, bool) {
	switch n := v.(type) {
	case int:
		return n, true
	case int64:
		return int(n), true
	case uint64:
		return int(n), true
	case float64:
		return int(n), n == float64(int(n))
	}
	return 0, false
}

// dueOrder: a lower level reports to the one above, which needs time to
// review.
func (l *loader) dueOrder(p string, f *Form, c *Campaign) {
	for i := 0; i+1 < len(c.Levels); i++ {
		upper, lower := c.Levels[i].ID, c.Levels[i+1].ID
		if ud, ok := f.Due[upper]; ok {
			if ld, ok := f.Due[lower]; ok && ld.After(ud) {
				what := "the level above"
				if f.Period != nil {
					what = "the level above in " + f.Period.Label
				}
				l.at(p+".due."+string(lower), "%s are due after %s (%s > %s): it could not review them", levelNoun(lower), what, ld.Format("2006-01-02"), ud.Format("2006-01-02"))
			}
		}
	}
}

// calendar is the campaign's working days: the national calendar (or
// weekends only, national: false) with its own days off and worked.
func (l *loader) calendar(c *Campaign, raw *rawCalendar) {
	c.Calendar = calendar.China()
	if raw == nil {
		return
	}
	if raw.National != nil && !*raw.National {
		c.Calendar = calendar.Weekends()
	}
	read := func(key string, list []string) []calendar.Day {
		var out []calendar.Day
		for i, s := range list {
			d, err := calendar.ParseDay(s)
			if err != nil {
				l.at(fmt.Sprintf("$.calendar.%s[%d]", key, i), "%v", err)
				continue
			}
			out = append(out, d)
		}
		return out
	}
	c.Calendar = c.Calendar.With(read("off", raw.Off), read("work", raw.Work))
}

// periods makes a standing return's instances: one form per period, each
// with its deadlines per level and the day it opens.
func (l *loader) periods(p string, raw *rawForm, base *Form, c *Campaign) []*Form {
	rp := raw.Periods
	rules := l.dueRules(p, raw, base, c)
	var list []Period
	perDue := map[string]map[Level]time.Time{}
	switch {
	case len(rp.List) > 0:
		if rp.Every != "" && rp.Every != string(Listed) {
			l.at(p+".periods.every", "give every or list, not both")
		}
		if raw.Previous != nil {
			l.at(p+".previous", "previous needs periods made by every: (the period before the first is worked out from it)")
			raw.Previous = nil
		}
		seen := map[string]bool{}
		for i, it := range rp.List {
			ip := fmt.Sprintf("%s.periods.list[%d]", p, i)
			start, err1 := calendar.ParseDay(it.Start)
			end, err2 := calendar.ParseDay(it.End)
			switch {
			case !periodKeyRe.MatchString(it.Key) || seen[it.Key]:
				l.at(ip+".key", "period key %q is repeated, or not lower-case letters and digits (at most 12)", it.Key)
				continue
			case strings.TrimSpace(it.Label) == "":
				l.at(ip+".label", "period %q needs its label as the notice writes it (2019年上半年)", it.Key)
				continue
			case err1 != nil || err2 != nil || end.Before(start):
				l.at(ip, "period %q: start and end are dates (YYYY-MM-DD), the end not before the start", it.Key)
				continue
			}
			seen[it.Key] = true
			list = append(list, Period{Key: it.Key, Label: it.Label, Start: start, End: end, Index: len(list)})
			if len(it.Due) > 0 {
				perDue[it.Key] = map[Level]time.Time{}
				for k, v := range it.Due {
					t, err := ParseDue(v, c.TimeZone)
					if err != nil || !c.Reports(base, Level(k)) {
						l.at(ip+".due."+k, "due for level %q: a date for a level that fills or forwards the form", k)
						continue
					}
					perDue[it.Key][Level(k)] = t
				}
			}
		}
	default:
		kind := PeriodKind(rp.Every)
		switch kind {
		case Monthly, Quarterly, HalfYearly, Yearly, TenDaily:
		default:
			l.at(p+".periods.every", "unknown period %q (want month, quarter, half, year or tenday, or a list)", rp.Every)
			return nil
		}
		if kind == TenDaily && rp.Cumulative {
			l.at(p+".periods.cumulative", "ten-day periods are not cumulative")
		}
		y, n, err := ParsePeriodRef(kind, rp.From)
		if err != nil {
			l.at(p+".periods.from", "%v", err)
			return nil
		}
		now := time.Now()
		if l.src.Now != nil {
			now = l.src.Now()
		}
		// Open-ended: up to the end of the year after now.
		uy, un := now.In(c.TimeZone).Year()+1, map[PeriodKind]int{Yearly: 1, HalfYearly: 2, Quarterly: 4, Monthly: 12, TenDaily: 36}[kind]
		if rp.Until != "" {
			if uy, un, err = ParsePeriodRef(kind, rp.Until); err != nil {
				l.at(p+".periods.until", "%v", err)
				return nil
			}
		}
		list = Periods(kind, rp.Cumulative, y, n, uy, un)
		if len(list) == 0 {
			l.at(p+".periods", "no period from %s until %s", rp.From, rp.Until)
		}
		if len(list) > 1200 {
			l.at(p+".periods", "%d periods: give until", len(list))
			return nil
		}
	}
	// A listed period's place in its year, among those the file lists.
	for i := range list {
		if list[i].PerYear == 0 {
			for j := range list {
				if list[j].Year() == list[i].Year() {
					list[i].PerYear++
					if j <= i {
						list[i].Number++
					}
				}
			}
		}
	}
	var out []*Form
	for i := range list {
		per := list[i]
		f := *base
		f.ID, f.Template, f.Period = InstanceID(base.ID, per.Key), base.ID, &per
		f.Due = map[Level]time.Time{}
		for _, ld := range c.Levels {
			level := ld.ID
			if d, ok := perDue[per.Key][level]; ok {
				f.Due[level] = d
			} else if r, ok := rules[level]; ok {
				f.Due[level] = r.DueFor(&per, c.Calendar, c.TimeZone)
			} else if base.FilledBy(level) {
				l.at(p+".due", "form %q has no due date for level %q in %s", raw.ID, level, per.Label)
			}
		}
		opens := per.End.AddDays(1)
		if o := raw.Opens; o != nil {
			switch {
			case o.WorkingDays > 0:
				opens = c.Calendar.AddWorkdays(per.End, o.WorkingDays)
			case o.Days > 0:
				opens = per.End.AddDays(o.Days)
			}
		}
		f.Opens = opens.Start(c.TimeZone)
		if i > 0 {
			f.Prev = out[i-1].ID
		}
		l.dueOrder(p, &f, c)
		out = append(out, &f)
	}
	// The same period a year before: it ends on the same day of the year
	// (the last of February counting as the same day).
	for _, f := range out {
		for _, g := range out {
			fe, ge := f.Period.End, g.Period.End
			sameDay := ge.Day == fe.Day || fe.Month == time.February && fe.Day >= 28 && ge.Day >= 28
			if ge.Year == fe.Year-1 && ge.Month == fe.Month && sameDay && g.Period.Start.Month == f.Period.Start.Month {
				f.LastYear = g.ID
			}
		}
	}
	if pr := raw.Previous; pr != nil && len(out) > 0 {
		l.previous(p, pr, rp, out, c)
	}
	return out
}

// previous links a standing return's first periods to last year's
// campaign: the period before the file's first, and the same periods a
// year before, are the same return's there (progress.2019q4 of
// zj-2019-parks-quarterly for 2020's first quarter), read by last,
// last_year and carry as if they were in this file.
func (l *loader) previous(p string, pr *rawPrevious, rp *rawPeriods, out []*Form, c *Campaign) {
	form := pr.Form
	if form == "" {
		form = out[0].Template
	}
	switch {
	case !idRe.MatchString(pr.Campaign) || !idRe.MatchString(form):
		l.at(p+".previous", "previous: {campaign: last year's campaign id, form: its form's id (this form's by default)}")
		return
	case pr.Campaign == c.ID:
		l.at(p+".previous.campaign", "previous names this campaign itself: its periods before are in this file already")
		return
	}
	kind := PeriodKind(rp.Every)
	first := out[0].Period
	y, n := first.Year(), first.Number
	if n--; n < 1 {
		y, n = y-1, perYear(kind)
	}
	out[0].Prev, out[0].PrevCampaign = InstanceID(form, periodOf(kind, rp.Cumulative, y, n).Key), pr.Campaign
	for _, f := range out {
		if f.LastYear == "" && f.Period.Year() == first.Year() {
			f.LastYear, f.LastYearCampaign = InstanceID(form, periodOf(kind, rp.Cumulative, f.Period.Year()-1, f.Period.Number).Key), pr.Campaign
		}
	}
}

// periodKeyRe is a listed period's key: it is part of the form's id.
var periodKeyRe = regexp.MustCompile(`^[a-z0-9]{1,12}$`)

// tableRows checks a table's total, 其中, blank and required rows against
// its rows and fields: a total sums rows above it (no circle), a 其中 row
// is part of another row, and the fields named are the table's.
func (l *loader) tableRows(p string, s *Section) {
	index := map[string]int{}
	for i, r := range s.Rows {
		index[r.Key] = i
	}
	for i, r := range s.Rows {
		rp := fmt.Sprintf("%s.rows[%d]", p, i)
		for _, k := range r.Sum {
			j, ok := index[k]
			switch {
			case !ok:
				l.at(rp+".sum", "row %q sums row %q, which the table does not have", r.Key, k)
			case j == i:
				l.at(rp+".sum", "row %q sums itself", r.Key)
			case len(s.Rows[j].Sum) > 0 && j > i:
				l.at(rp+".sum", "row %q sums the total row %q below it: a total may sum only totals above it", r.Key, k)
			}
		}
		if r.PartOf != "" {
			if j, ok := index[r.PartOf]; !ok || j == i {
				l.at(rp+".part_of", "row %q is part of %q, which is not another row of the table", r.Key, r.PartOf)
			}
		}
		if len(r.Sum) > 0 && (len(r.Blank) > 0 || len(r.Required) > 0) {
			l.at(rp, "a total row is computed: blank and required do not apply to it")
		}
		for key, list := range map[string][]string{"blank": r.Blank, "required": r.Required} {
			for _, id := range list {
				if s.Field(id) == nil {
					l.at(rp+"."+key, "row %q: the table has no field %q", r.Key, id)
				}
			}
		}
	}
}

func hasRow(s *Section, key string) bool {
	for _, r := range s.Rows {
		if r.Key == key {
			return true
		}
	}
	return false
}

// filledBy checks a field that another level fills: the level that reviews
// the form's fillers (it fills the field as it approves), or one of the
// form's own levels (the levels below see it read only); in a record
// section, one value per unit.
func (l *loader) filledBy(p string, c *Campaign, f *Form, s *Section, fd *Field) {
	if !c.HasLevel(fd.FilledBy) {
		l.at(p, "filled_by %q is not a level of the campaign (%s)", fd.FilledBy, levelIDs(c))
		return
	}
	if s.Kind != Record {
		l.at(p, "filled_by is for fields of record sections (one value per unit)")
		return
	}
	if fd.Type == File {
		l.at(p, "a file is not filled by another level")
		return
	}
	if f.FilledBy(fd.FilledBy) {
		return
	}
	for i := 0; i+1 < len(c.Levels); i++ {
		if c.Levels[i].ID == fd.FilledBy && f.FilledBy(c.Levels[i+1].ID) {
			return // the reviewing level, as it approves
		}
	}
	l.at(p, "filled_by %q: want a level of the form (%s) or the one right above a level of it, which reviews it", fd.FilledBy, joinLevels(f.Levels))
}

func joinLevels(ls []Level) string {
	var out []string
	for _, l := range ls {
		out = append(out, string(l))
	}
	return strings.Join(out, ", ")
}
