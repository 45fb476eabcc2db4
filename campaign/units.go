package campaign

// The units table a campaign file names: tab-separated, a header row, then
// a unit a row. Two layouts, told apart by the header's column names:
//
//	code, name, parent                      any depth (the row with an empty parent is the top)
//	city_code, city, county_code, county    a province's cities and counties, under units.root
//
// and in either, optionally, kind (what the unit is: 市辖区, 县, 县级市, 部门)
// and tags (several words, separated by commas or 、), which forms are
// assigned by (a form's kinds: and tags:) and expressions read
// (unit.kind, unit.tags).

import (
	"fmt"
	"path"
	"regexp"
	"strings"
	"unicode/utf8"
)

// unitCodeRe is a unit's code in a code/name/parent units file: an
// administrative code, a 统一社会信用代码, or any short id.
var unitCodeRe = regexp.MustCompile(`^[0-9A-Za-z][0-9A-Za-z_-]{0,39}$`)

// The columns of the two layouts, and those either may add.
var (
	treeColumns       = []string{"code", "name", "parent"}
	cityCountyColumns = []string{"city_code", "city", "county_code", "county"}
	optionalColumns   = []string{"kind", "tags"}
)

// unitsLayout is a units file's header: which layout, and where each
// column is.
type unitsLayout struct {
	tree  bool
	index map[string]int
	width int
}

// cell is row's value of the column name ("" where the file has none).
func (lay unitsLayout) cell(cols []string, name string) string {
	i, ok := lay.index[name]
	if !ok || i >= len(cols) {
		return ""
	}
	return strings.TrimSpace(cols[i])
}

// required are the columns the layout cannot do without.
func (lay unitsLayout) required() []string {
	if lay.tree {
		return treeColumns
	}
	return cityCountyColumns
}

// MaxKindLength bounds a unit's kind and each of its tags, in characters.
const MaxKindLength = 40

func (l *loader) units(c *Campaign, raw *rawUnits) {
	if raw.File == "" {
		l.at("$.units", "units.file is required: a TSV of code, name, parent (or city_code, city, county_code, county)")
		return
	}
	data, ok := l.src.Files[raw.File]
	if why, unreadable := l.src.Unreadable[raw.File]; unreadable {
		l.at("$.units.file", "units file %q cannot be read: %s", raw.File, why)
		return
	}
	if !ok {
		l.at("$.units.file", "units file %q not found next to the campaign file", raw.File)
		return
	}
	name := path.Join(path.Dir(l.src.Name), raw.File)
	if p, bad := textProblem(name, data); bad {
		l.problems = append(l.problems, p)
		return
	}
	text := strings.TrimPrefix(string(data), "\uFEFF") // as a spreadsheet saves it
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	lay, ok := l.unitsHeader(name, lines[0])
	if !ok {
		return // the header says what is wrong; its rows would only repeat it
	}
	if lay.tree {
		l.treeUnits(c, raw, name, lines, lay)
	} else {
		l.cityCountyUnits(c, raw, name, lines, lay)
	}
	// Top down, level by level, each unit's children in file order.
	c.Order = nil
	for queue := []string{c.Root}; len(queue) > 0; queue = queue[1:] {
		if u := c.Units[queue[0]]; u != nil {
			c.Order = append(c.Order, u.Code)
			queue = append(queue, u.Children...)
		}
	}
}

// unitsHeader reads the header row: the layout its column names say, or
// one problem at the first column that is wrong (a misspelt name is said
// so, with the name it resembles, never read as the other layout).
func (l *loader) unitsHeader(file, line string) (unitsLayout, bool) {
	cells := strings.Split(line, "\t")
	lay := unitsLayout{index: map[string]int{}, width: len(cells)}
	col := 1 // the column of cells[i], in characters
	fourCol := false
	for _, cell := range cells {
		fourCol = fourCol || contains(cityCountyColumns, strings.ToLower(strings.TrimSpace(cell)))
	}
	lay.tree = !fourCol
	want := fmt.Sprintf("want %s, then optionally %s", strings.Join(lay.required(), ", "), strings.Join(optionalColumns, " and "))
	if !fourCol {
		want = fmt.Sprintf("want code, name, parent (or city_code, city, county_code, county), then optionally %s", strings.Join(optionalColumns, " and "))
	}
	for i, cell := range cells {
		name := strings.ToLower(strings.TrimSpace(cell))
		known := contains(lay.required(), name) || contains(optionalColumns, name)
		switch _, seen := lay.index[name]; {
		case name == "" && i == len(cells)-1:
			// a trailing tab
		case !known:
			hint := ""
			if near := nearestName(name, append(append([]string(nil), lay.required()...), optionalColumns...)); near != "" {
				hint = fmt.Sprintf(" (%s?)", near)
			}
			l.problems = append(l.problems, FileProblem{file, 1, col, fmt.Sprintf("units file header: unknown column %q%s; %s", strings.TrimSpace(cell), hint, want)})
			return lay, false
		case seen:
			l.problems = append(l.problems, FileProblem{file, 1, col, fmt.Sprintf("units file header: column %q twice", name)})
			return lay, false
		default:
			lay.index[name] = i
		}
		col += utf8.RuneCountInString(cell) + 1
	}
	var missing []string
	for _, name := range lay.required() {
		if _, ok := lay.index[name]; !ok {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		l.problems = append(l.problems, FileProblem{file, 1, 1, fmt.Sprintf("units file header: no %s column; %s", strings.Join(missing, ", "), want)})
		return lay, false
	}
	return lay, true
}

// nearestName is the name of names within two edits of s, or "".
func nearestName(s string, names []string) string {
	best, bestD := "", 3
	for _, n := range names {
		if d := editDistance(s, n); d < bestD {
			best, bestD = n, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur := make([]int, len(rb)+1)
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(rb)]
}

// rowCells splits a data row, or reports at its line why it cannot be read.
func (l *loader) rowCells(file string, n int, line string, lay unitsLayout) ([]string, bool) {
	cols := strings.Split(line, "\t")
	for len(cols) > lay.width && strings.TrimSpace(cols[len(cols)-1]) == "" {
		cols = cols[:len(cols)-1] // trailing tabs
	}
	short := false
	for _, name := range lay.required() {
		short = short || lay.index[name] >= len(cols)
	}
	if short || len(cols) > lay.width {
		l.problems = append(l.problems, FileProblem{file, n, 1, fmt.Sprintf("want %d tab-separated columns (%s), got %d", lay.width, headerNames(lay), len(cols))})
		return nil, false
	}
	return cols, true
}

func headerNames(lay unitsLayout) string {
	names := make([]string, lay.width)
	for name, i := range lay.index {
		names[i] = name
	}
	return strings.Join(names, ", ")
}

// kindAndTags reads a row's kind and tags: short texts, tags separated by
// commas, 、 or spaces.
func (l *loader) kindAndTags(file string, n int, cols []string, lay unitsLayout, u *Unit) {
	u.Kind = lay.cell(cols, "kind")
	u.Tags = splitTags(lay.cell(cols, "tags"))
	for _, t := range append([]string{u.Kind}, u.Tags...) {
		if utf8.RuneCountInString(t) > MaxKindLength {
			l.problems = append(l.problems, FileProblem{file, n, 1, fmt.Sprintf("unit %s: a kind or tag of at most %d characters, not %q", u.Code, MaxKindLength, t)})
			return
		}
	}
}

// splitTags splits a tags cell: 开发区, 省级 / 开发区、省级 / 开发区 省级.
func splitTags(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		return r == ',' || r == '，' || r == '、' || r == ';' || r == '；' || r == ' ' || r == '　'
	})
}

// cityCountyUnits reads the four-column file (city_code, city, county_code,
// county, and a county's kind and tags) under the root the campaign file
// names.
func (l *loader) cityCountyUnits(c *Campaign, raw *rawUnits, name string, lines []string, lay unitsLayout) {
	if raw.Root.Code == "" || raw.Root.Name == "" {
		l.at("$.units.root", "units.root needs a code and a name (the province)")
	}
	if len(c.Levels) < 3 {
		l.at("$.levels", "a city_code, city, county_code, county units file needs three levels, it has %d", len(c.Levels))
		return
	}
	c.Root = raw.Root.Code
	c.Units = map[string]*Unit{raw.Root.Code: {Code: raw.Root.Code, Name: raw.Root.Name, Level: c.LevelAt(0)}}
	for i, line := range lines {
		if i == 0 || strings.TrimSpace(line) == "" {
			continue // the header
		}
		cols, ok := l.rowCells(name, i+1, line, lay)
		if !ok {
			continue
		}
		cityCode, city, code, county := lay.cell(cols, "city_code"), lay.cell(cols, "city"), lay.cell(cols, "county_code"), lay.cell(cols, "county")
		if !isCode(cityCode) || !isCode(code) {
			l.problems = append(l.problems, FileProblem{name, i + 1, 1, "unit codes are 6 digits"})
			continue
		}
		if cu := c.Units[cityCode]; cu == nil {
			c.Units[cityCode] = &Unit{Code: cityCode, Name: city, Level: c.LevelAt(1), Parent: c.Root}
			c.Units[c.Root].Children = append(c.Units[c.Root].Children, cityCode)
		} else if cu.Name != city {
			l.problems = append(l.problems, FileProblem{name, i + 1, 1, fmt.Sprintf("city %s is named %q here and %q above", cityCode, city, cu.Name)})
		}
		if c.Units[code] != nil {
			l.problems = append(l.problems, FileProblem{name, i + 1, 1, fmt.Sprintf("duplicate unit code %s", code)})
			continue
		}
		u := &Unit{Code: code, Name: county, Level: c.LevelAt(2), Parent: cityCode}
		l.kindAndTags(name, i+1, cols, lay, u)
		c.Units[code] = u
		c.Units[cityCode].Children = append(c.Units[cityCode].Children, code)
	}
}

// treeUnits reads a code, name, parent file: any depth the campaign's
// levels allow. The root is the row without a parent, or units.root; a
// unit's level is its depth. A wrong row is reported once: the units
// under a unit whose parent is wrong are not reported again.
func (l *loader) treeUnits(c *Campaign, raw *rawUnits, name string, lines []string, lay unitsLayout) {
	c.Units = map[string]*Unit{}
	lineOf := map[string]int{}
	type row struct{ code, parent string }
	var rows []row
	if raw.Root.Code != "" {
		if raw.Root.Name == "" {
			l.at("$.units.root", "units.root needs a name")
		}
		c.Root = raw.Root.Code
		c.Units[c.Root] = &Unit{Code: c.Root, Name: raw.Root.Name}
	}
	for i, line := range lines {
		if i == 0 || strings.TrimSpace(line) == "" {
			continue
		}
		cols, ok := l.rowCells(name, i+1, line, lay)
		if !ok {
			continue
		}
		code, uname, parent := lay.cell(cols, "code"), lay.cell(cols, "name"), lay.cell(cols, "parent")
		switch {
		case !unitCodeRe.MatchString(code):
			l.problems = append(l.problems, FileProblem{name, i + 1, 1, fmt.Sprintf("unit code %q: letters, digits, '-' or '_', at most 40", code)})
			continue
		case uname == "":
			l.problems = append(l.problems, FileProblem{name, i + 1, 1, fmt.Sprintf("unit %s has no name", code)})
			continue
		case c.Units[code] != nil:
			l.problems = append(l.problems, FileProblem{name, i + 1, 1, fmt.Sprintf("duplicate unit code %s", code)})
			continue
		case parent == "" && c.Root != "":
			l.problems = append(l.problems, FileProblem{name, i + 1, 1, fmt.Sprintf("unit %s has no parent, but %s is the root already", code, c.Root)})
			continue
		case parent == "":
			c.Root = code
		}
		u := &Unit{Code: code, Name: uname, Parent: parent}
		l.kindAndTags(name, i+1, cols, lay, u)
		c.Units[code] = u
		lineOf[code] = i + 1
		if parent != "" {
			rows = append(rows, row{code, parent})
		}
	}
	if c.Root == "" {
		l.at("$.units", "the units file has no root: one row with an empty parent, or units.root")
		return
	}
	orphan := map[string]bool{} // names a parent the file does not have: reported, and its units below are not
	for _, r := range rows {
		if c.Units[r.parent] == nil {
			l.problems = append(l.problems, FileProblem{name, lineOf[r.code], 1, fmt.Sprintf("unit %s names parent %s, which is not in the file", r.code, r.parent)})
			orphan[r.code] = true
			continue
		}
		c.Units[r.parent].Children = append(c.Units[r.parent].Children, r.code)
	}
	// Levels by depth, from the root; a unit deeper than the campaign's
	// levels, or not under the root (a cycle), is refused with its line.
	depth := map[string]int{c.Root: 0}
	c.Units[c.Root].Level = c.LevelAt(0)
	for queue := []string{c.Root}; len(queue) > 0; queue = queue[1:] {
		u := c.Units[queue[0]]
		for _, ch := range u.Children {
			depth[ch] = depth[u.Code] + 1
			if depth[ch] >= len(c.Levels) {
				l.problems = append(l.problems, FileProblem{name, lineOf[ch], 1, fmt.Sprintf("unit %s is %d levels below %s, deeper than the campaign's %d levels (%s)", ch, depth[ch], c.Root, len(c.Levels), levelIDs(c))})
			} else {
				c.Units[ch].Level = c.LevelAt(depth[ch])
			}
			queue = append(queue, ch) // its own children are too deep, not in a circle
		}
	}
	for _, r := range rows {
		if _, ok := depth[r.code]; ok || orphan[r.code] {
			continue
		}
		// Not under the root: below an orphan (reported there), or in a
		// circle of parents.
		seen, below := map[string]bool{}, false
		for code := r.code; code != "" && !seen[code] && c.Units[code] != nil; code = c.Units[code].Parent {
			seen[code] = true
			if orphan[code] {
				below = true
				break
			}
		}
		if !below {
			l.problems = append(l.problems, FileProblem{name, lineOf[r.code], 1, fmt.Sprintf("unit %s is not under the root %s (its parents go round in a circle)", r.code, c.Root)})
		}
	}
	for code := range orphan {
		delete(c.Units, code)
	}
}

// Kinds are the kinds the campaign's units are of, in the order of the
// units file.
func (c *Campaign) Kinds() []string {
	var out []string
	for _, code := range c.Order {
		if k := c.Units[code].Kind; k != "" && !contains(out, k) {
			out = append(out, k)
		}
	}
	return out
}

// Tags are the tags the campaign's units carry, in the order of the units
// file.
func (c *Campaign) Tags() []string {
	var out []string
	for _, code := range c.Order {
		for _, t := range c.Units[code].Tags {
			if !contains(out, t) {
				out = append(out, t)
			}
		}
	}
	return out
}

// HasTag reports whether the unit carries the tag.
func (u *Unit) HasTag(tag string) bool { return contains(u.Tags, tag) }

// assignment reads a form's kinds and tags: a list for every level of the
// form, or a mapping from some of its levels to lists. Each named must be
// what some unit of those levels is or carries, and some unit must fill
// the form.
func (l *loader) assignment(p string, raw *rawForm, f *Form, c *Campaign) {
	bad := false
	read := func(key string, v any, known func(*Unit) []string, what string) map[Level][]string {
		if v == nil {
			return nil
		}
		out := map[Level][]string{}
		list := func(kp string, level Level, v any) {
			items, ok := v.([]any)
			if !ok || len(items) == 0 {
				l.at(kp, "%s: want a list of %s (from the units table's %s column)", key, what, key[:len(key)-1])
				bad = true
				return
			}
			var have []string
			for _, code := range c.Order {
				if u := c.Units[code]; u.Level == level || level == "" && f.FilledBy(u.Level) {
					for _, k := range known(u) {
						if !contains(have, k) {
							have = append(have, k)
						}
					}
				}
			}
			for i, it := range items {
				s, ok := it.(string)
				if !ok || strings.TrimSpace(s) == "" {
					l.at(fmt.Sprintf("%s[%d]", kp, i), "%s: want a text, not %v", key, it)
					bad = true
					continue
				}
				if !contains(have, s) {
					where := "the form's levels"
					if level != "" {
						where = "level " + string(level)
					}
					l.at(fmt.Sprintf("%s[%d]", kp, i), "%s: no unit of %s has %s %q (the units table's: %s)", key, where, what, s, orNone(have))
					bad = true
				}
				out[level] = append(out[level], s)
			}
		}
		switch x := v.(type) {
		case []any:
			list(p+"."+key, "", x)
		case map[string]any:
			for k, items := range x {
				if !f.FilledBy(Level(k)) {
					l.at(p+"."+key+"."+k, "%s for level %q, which does not fill form %q", key, k, f.ID)
					bad = true
					continue
				}
				list(p+"."+key+"."+k, Level(k), items)
			}
		default:
			l.at(p+"."+key, "%s: want a list, or per level ({county: [...]})", key)
			bad = true
		}
		return out
	}
	f.Kinds = read("kinds", raw.Kinds, func(u *Unit) []string {
		if u.Kind == "" {
			return nil
		}
		return []string{u.Kind}
	}, "kind")
	f.Tags = read("tags", raw.Tags, func(u *Unit) []string { return u.Tags }, "tag")
	if bad || len(f.Levels) == 0 || c.Units == nil {
		return
	}
	for _, code := range c.Order {
		if f.FilledByUnit(c.Units[code]) {
			return
		}
	}
	l.at(p+".levels", "no unit fills form %q: none of its levels' units is of its kinds and carries its tags", f.ID)
}

func orNone(list []string) string {
	if len(list) == 0 {
		return "none"
	}
	return strings.Join(list, ", ")
}
