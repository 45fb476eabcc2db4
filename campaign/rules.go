package campaign

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/parser"
	"github.com/expr-lang/expr/vm"
)

// Names that rules may use besides the section's fields and computed values.
const (
	// EnvOthers is the list of the section's other rows (for uniqueness).
	EnvOthers = "others"
	// EnvElsewhere is the list of rows in the form's other sections.
	EnvElsewhere = "elsewhere"
	// EnvPrev is the previous row of a Table section (nil for the first).
	EnvPrev = "prev"
	// EnvLast is the same row in the unit's previous period of a standing
	// return (its approved submission, else its latest); EnvLastYear the
	// same row a year before. A rule that names one does not apply where
	// there is none.
	EnvLast     = "last"
	EnvLastYear = "last_year"
	// EnvRows is a table's rows by key (rows.income.amount), for identities
	// across rows: a balance, a total checked against its parts.
	EnvRows = "rows"
	// EnvUnit is the unit that fills the form: unit.code, unit.name,
	// unit.kind, unit.tags and unit.level, from the units table.
	EnvUnit = "unit"
	// EnvPeriod is a standing return's period: period.key, period.label,
	// period.year, period.index (its place in its year, from 1),
	// period.count (the periods of a year), period.first and period.last
	// (the first and the last of its year). A form without periods has
	// none, and an expression naming it is refused when the file is loaded.
	EnvPeriod = "period"
)

// functions callable from campaign expressions.
var functions = []expr.Option{
	// near(a, b, tolerance): a balance identity of money holds to the fen
	// (near(closing, opening + income - spending, 0.01)).
	expr.Function("near", func(p ...any) (any, error) {
		a, ok1 := toFloat(p[0])
		b, ok2 := toFloat(p[1])
		tol, ok3 := toFloat(p[2])
		if !ok1 || !ok2 || !ok3 || tol < 0 {
			return nil, fmt.Errorf("near(number, number, tolerance)")
		}
		return math.Abs(a-b) <= tol+1e-9, nil
	}, new(func(float64, float64, float64) bool)),
	expr.Function("fixed", func(p ...any) (any, error) {
		v, ok := toFloat(p[0])
		n, ok2 := p[1].(int)
		if !ok || !ok2 || n < 0 || n > 10 {
			return nil, fmt.Errorf("fixed(number, places)")
		}
		return strconv.FormatFloat(v, 'f', n, 64), nil
	}, new(func(float64, int) string), new(func(int, int) string)),
}

// reserved are the names an expression may use besides the section's own;
// a field of the same name hides one (a file written before it was one).
var reserved = map[string]bool{EnvOthers: true, EnvElsewhere: true, EnvPrev: true, EnvLast: true, EnvLastYear: true, EnvRows: true,
	EnvUnit: true, EnvPeriod: true, "fixed": true, "near": true}

// Expr is a compiled expression of a campaign file with the fields it reads.
type Expr struct {
	Source string
	Fields []string // field ids read, directly or through computed values
	// Last and LastYear say the expression reads the previous period's
	// row, or the year before's; Unit and Period, the unit that fills the
	// form and the period it is of.
	Last, LastYear bool
	Unit, Period   bool
	prog           *vm.Program
}

// Template is a message with {expression} parts, e.g. "容积率为 {fixed(ratio, 2)}".
type Template struct {
	Source string
	parts  []templatePart
	Fields []string
}

type templatePart struct {
	text string
	expr *Expr
}

// CompileCheck compiles a rule's check, which must be true or false.
func CompileCheck(src string, s *Section, computed []*Computed) (*Expr, error) {
	return compile(src, s, computed, expr.AsBool())
}

// CompileExpr compiles src for section s. Unknown names are reported by name;
// so are type errors that can be seen without data.
func CompileExpr(src string, s *Section, computed []*Computed) (*Expr, error) {
	return compile(src, s, computed)
}

func compile(src string, s *Section, computedSoFar []*Computed, extra ...expr.Option) (*Expr, error) {
	tree, err := parser.Parse(src)
	if err != nil {
		return nil, fmt.Errorf("expression %q: %s", src, firstLine(err.Error()))
	}
	idents := identifiers(&tree.Node)
	known := map[string]*Computed{}
	for _, c := range computedSoFar {
		known[c.ID] = c
	}
	deps := map[string]bool{}
	var unknown []string
	for _, name := range idents {
		switch {
		case s.Field(name) != nil:
			deps[name] = true
		case known[name] != nil:
			for _, f := range known[name].Expr.Fields {
				deps[f] = true
			}
		case reserved[name]:
		default:
			unknown = append(unknown, name)
		}
	}
	if len(unknown) > 0 {
		return nil, fmt.Errorf("expression %q names %s, which is not a field or computed value of section %q", src, strings.Join(unknown, ", "), s.ID)
	}
	opts := append([]expr.Option{expr.Env(sampleEnv(s, computedSoFar))}, functions...)
	opts = append(opts, extra...)
	prog, err := expr.Compile(src, opts...)
	if err != nil {
		return nil, fmt.Errorf("expression %q: %s", src, firstLine(err.Error()))
	}
	fields := make([]string, 0, len(deps))
	for f := range deps {
		fields = append(fields, f)
	}
	sort.Strings(fields)
	e := &Expr{Source: src, Fields: fields, prog: prog}
	for _, name := range idents {
		if s.Field(name) != nil {
			continue // a field of that name hides the name
		}
		e.Last = e.Last || name == EnvLast
		e.LastYear = e.LastYear || name == EnvLastYear
		e.Unit = e.Unit || name == EnvUnit
		e.Period = e.Period || name == EnvPeriod
	}
	return e, nil
}

// CompileTemplate compiles a message whose {…} parts are expressions.
func CompileTemplate(src string, s *Section, computed []*Computed) (*Template, error) {
	t := &Template{Source: src}
	deps := map[string]bool{}
	rest := src
	for rest != "" {
		i := strings.IndexByte(rest, '{')
		if i < 0 {
			t.parts = append(t.parts, templatePart{text: rest})
			break
		}
		j := strings.IndexByte(rest[i:], '}')
		if j < 0 {
			return nil, fmt.Errorf("message %q: '{' without '}'", src)
		}
		if i > 0 {
			t.parts = append(t.parts, templatePart{text: rest[:i]})
		}
		e, err := CompileExpr(strings.TrimSpace(rest[i+1:i+j]), s, computed)
		if err != nil {
			return nil, err
		}
		for _, f := range e.Fields {
			deps[f] = true
		}
		t.parts = append(t.parts, templatePart{expr: e})
		rest = rest[i+j+1:]
	}
	for f := range deps {
		t.Fields = append(t.Fields, f)
	}
	sort.Strings(t.Fields)
	return t, nil
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

// identifiers lists the free names of an expression: fields, computed values
// and functions, but not the members of a row (".name") or builtins.
func identifiers(n *ast.Node) []string {
	v := &identVisitor{seen: map[string]bool{}}
	ast.Walk(n, v)
	return v.names
}

type identVisitor struct {
	seen  map[string]bool
	names []string
}

func (v *identVisitor) Visit(n *ast.Node) {
	if id, ok := (*n).(*ast.IdentifierNode); ok && !v.seen[id.Value] {
		v.seen[id.Value] = true
		v.names = append(v.names, id.Value)
	}
}

// sampleEnv gives every name a value of its type so that expressions are
// type-checked when the campaign is loaded, not when a person answers.
func sampleEnv(s *Section, computed []*Computed) map[string]any {
	row := map[string]any{}
	for _, f := range s.Fields {
		row[f.ID] = zeroOf(f.Type)
	}
	rows := map[string]any{}
	for _, r := range s.Rows {
		rows[r.Key] = row
	}
	env := map[string]any{
		EnvOthers:    []map[string]any{},
		EnvElsewhere: []map[string]any{},
		EnvPrev:      map[string]any{},
		EnvLast:      row,
		EnvLastYear:  row,
		EnvRows:      rows,
		EnvUnit:      unitEnv(&Unit{}),
		EnvPeriod:    periodEnv(&Period{}),
	}
	for _, f := range s.Fields {
		env[f.ID] = zeroOf(f.Type)
	}
	for _, c := range computed {
		v, err := expr.Run(c.Expr.prog, env)
		if err != nil || v == nil {
			v = 0.0
		}
		env[c.ID] = v
	}
	return env
}

// unitEnv is a unit as expressions read it (nil: not known).
func unitEnv(u *Unit) any {
	if u == nil {
		return nil
	}
	tags := u.Tags
	if tags == nil {
		tags = []string{}
	}
	return map[string]any{"code": u.Code, "name": u.Name, "kind": u.Kind, "tags": tags, "level": string(u.Level)}
}

// periodEnv is a period as expressions read it (nil: a form without
// periods).
func periodEnv(p *Period) any {
	if p == nil {
		return nil
	}
	return map[string]any{"key": p.Key, "label": p.Label, "year": p.Year(), "index": p.Number, "count": p.PerYear,
		"first": p.Number == 1, "last": p.Number == p.PerYear}
}

// Reads reports whether any of the template's expressions reads name
// (last, last_year, unit, period).
func (t *Template) Reads(name string) bool {
	for _, p := range t.parts {
		if p.expr != nil && p.expr.Reads(name) {
			return true
		}
	}
	return false
}

// Reads reports whether the expression reads name: last, last_year, unit
// or period.
func (e *Expr) Reads(name string) bool {
	switch name {
	case EnvLast:
		return e.Last
	case EnvLastYear:
		return e.LastYear
	case EnvUnit:
		return e.Unit
	case EnvPeriod:
		return e.Period
	}
	return false
}

func zeroOf(t FieldType) any {
	switch t {
	case Integer:
		return 0
	case Decimal:
		return 0.0
	}
	return ""
}

// typed converts a stored canonical value into the value rules see.
func typed(f *Field, v string) any {
	switch f.Type {
	case Integer:
		if n, err := strconv.Atoi(v); err == nil {
			return n
		}
	case Decimal:
		if x, err := strconv.ParseFloat(v, 64); err == nil {
			return x
		}
	}
	return v
}

// Eval runs the expression on env.
func (e *Expr) Eval(env map[string]any) (any, error) {
	return expr.Run(e.prog, env)
}

// Render fills the template's parts from env.
func (t *Template) Render(env map[string]any) string { return t.render(env, "—", "?") }

// RenderBlank is Render with what has no value left blank (a line of a
// printed sheet, to be written in by hand).
func (t *Template) RenderBlank(env map[string]any) string { return t.render(env, "", "") }

func (t *Template) render(env map[string]any, none, broken string) string {
	var b strings.Builder
	for _, p := range t.parts {
		if p.expr == nil {
			b.WriteString(p.text)
			continue
		}
		v, err := p.expr.Eval(env)
		switch {
		case err != nil:
			b.WriteString(broken)
		case v == nil:
			b.WriteString(none)
		default:
			b.WriteString(display(v))
		}
	}
	return b.String()
}

// display writes a value for people: floats rounded to two places.
func display(v any) string {
	switch x := v.(type) {
	case nil:
		return "—"
	case float64:
		if math.IsInf(x, 0) || math.IsNaN(x) {
			return "—"
		}
		return strings.TrimSuffix(strings.TrimRight(strconv.FormatFloat(x, 'f', 2, 64), "0"), ".")
	case int:
		return strconv.Itoa(x)
	case string:
		return x
	case bool:
		if x {
			return "是"
		}
		return "否"
	}
	return fmt.Sprint(v)
}

func toFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case int:
		return float64(x), true
	case float64:
		return x, true
	}
	return 0, false
}
