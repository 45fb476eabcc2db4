package campaign

// Checks of a section's expressions once it is read whole: what can never
// apply (last, last_year or period in a form without periods) and what
// can never hold (unit.kind compared with a kind no unit is).

import (
	"fmt"
	"strings"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/parser"
)

// located is an expression (or a message) of the file with its path and
// what it is, in words.
type located struct {
	path, what string
	expr       *Expr
	tmpl       *Template
}

// track keeps an expression or a message for exprChecks.
func (l *loader) track(path, what string, e *Expr, t *Template) {
	l.exprs = append(l.exprs, located{path: path, what: what, expr: e, tmpl: t})
}

// exprChecks refuses, in a form without periods, an expression naming
// last, last_year or period (it could never apply: there is no period
// before, nor a period at all), and everywhere a comparison of unit.kind
// or unit.tags with what no unit of the units table is or carries.
func (l *loader) exprChecks(section string, periodic bool) {
	for _, x := range l.exprs {
		reads := func(name string) bool {
			if x.expr != nil {
				return x.expr.Reads(name)
			}
			return x.tmpl.Reads(name)
		}
		if !periodic {
			var names []string
			for _, n := range []string{EnvLast, EnvLastYear, EnvPeriod} {
				if reads(n) {
					names = append(names, n)
				}
			}
			if len(names) > 0 {
				l.at(x.path, "%s reads %s, but its form has no periods: it could never apply (give the form periods:, or leave it out)", x.what, strings.Join(names, " and "))
				continue
			}
		}
		var sources []string
		if x.expr != nil {
			sources = []string{x.expr.Source}
		} else {
			for _, p := range x.tmpl.parts {
				if p.expr != nil {
					sources = append(sources, p.expr.Source)
				}
			}
		}
		for _, src := range sources {
			if err := factLiterals(src, l.kinds, l.tags); err != nil {
				l.at(x.path, "%v", err)
				break
			}
		}
	}
	l.exprs = nil
}

// factLiterals checks that an expression compares unit.kind only with
// kinds some unit is (unit.kind == "市辖区", unit.kind in ["县", "县级市"])
// and looks in unit.tags only for tags some unit carries ("开发区" in
// unit.tags): a misspelt kind would quietly never hold.
func factLiterals(src string, kinds, tags []string) error {
	tree, err := parser.Parse(src)
	if err != nil {
		return nil // compile reported it
	}
	v := &factVisitor{src: src, kinds: kinds, tags: tags}
	ast.Walk(&tree.Node, v)
	return v.err
}

type factVisitor struct {
	src         string
	kinds, tags []string
	err         error
}

// unitMember is "kind" for unit.kind, "tags" for unit.tags, else "".
func unitMember(n ast.Node) string {
	m, ok := n.(*ast.MemberNode)
	if !ok {
		return ""
	}
	id, ok1 := m.Node.(*ast.IdentifierNode)
	prop, ok2 := m.Property.(*ast.StringNode)
	if !ok1 || !ok2 || id.Value != EnvUnit {
		return ""
	}
	return prop.Value
}

// strings of a literal: a text, or an array of texts.
func literals(n ast.Node) []string {
	switch x := n.(type) {
	case *ast.StringNode:
		return []string{x.Value}
	case *ast.ArrayNode:
		var out []string
		for _, e := range x.Nodes {
			if s, ok := e.(*ast.StringNode); ok {
				out = append(out, s.Value)
			}
		}
		return out
	}
	return nil
}

func (v *factVisitor) Visit(n *ast.Node) {
	b, ok := (*n).(*ast.BinaryNode)
	if !ok || v.err != nil {
		return
	}
	check := func(member string, values []string) {
		known, what := v.kinds, "kinds"
		if member == "tags" {
			known, what = v.tags, "tags"
		}
		if len(known) == 0 {
			// The units table classifies no unit this way (a national
			// table without the column, under a province's file): no
			// spelling to check, and the condition holds for no unit, so
			// what it offers is offered to none (closed, not open).
			return
		}
		for _, s := range values {
			if !contains(known, s) {
				v.err = fmt.Errorf("expression %q compares unit.%s with %q, which no unit of the units table has (its %s: %s)", v.src, member, s, what, orNone(known))
				return
			}
		}
	}
	switch b.Operator {
	case "==", "!=":
		if m := unitMember(b.Left); m == "kind" {
			check(m, literals(b.Right))
		} else if m := unitMember(b.Right); m == "kind" {
			check(m, literals(b.Left))
		}
	case "in", "not in":
		switch m := unitMember(b.Right); m {
		case "tags":
			check(m, literals(b.Left))
		}
		if m := unitMember(b.Left); m == "kind" {
			check(m, literals(b.Right))
		}
	}
}

// choices reads a field's choices: texts, or {value, when} for a choice
// offered only where its when holds.
func (l *loader) choices(p string, raw []any, f *Field) {
	for i, c := range raw {
		switch x := c.(type) {
		case string:
			f.Choices = append(f.Choices, x)
		case map[string]any:
			value, ok1 := x["value"].(string)
			when, ok2 := x["when"].(string)
			if !ok1 || !ok2 || len(x) != 2 {
				l.at(fmt.Sprintf("%s[%d]", p, i), "a choice is a text, or {value: the text, when: the condition it is offered on}")
				continue
			}
			f.Choices = append(f.Choices, value)
			if f.choiceSrc == nil {
				f.choiceSrc = map[string]string{}
			}
			f.choiceSrc[value] = when
		case nil:
			f.Choices = append(f.Choices, "")
		default:
			f.Choices = append(f.Choices, fmt.Sprint(x))
		}
	}
}

// choiceWhens compiles the whens of field i's choices, which read what its
// when may: the unit, the period and the fields before it.
func (l *loader) choiceWhens(p string, s *Section, i int) {
	fd := s.Fields[i]
	before := &Section{ID: s.ID, Kind: s.Kind, Fields: s.Fields[:i]}
	for j, value := range fd.Choices {
		src, ok := fd.choiceSrc[value]
		if !ok {
			continue
		}
		cp := fmt.Sprintf("%s[%d].when", p, j)
		e, err := CompileCheck(src, before, nil)
		if err == nil {
			err = ChoiceLiterals(e, before)
		}
		if err != nil {
			l.at(cp, "%v", err)
			continue
		}
		if fd.ChoiceWhen == nil {
			fd.ChoiceWhen = map[string]*Expr{}
		}
		fd.ChoiceWhen[value] = e
		l.track(cp, fmt.Sprintf("the when of choice %q", value), e, nil)
	}
	fd.choiceSrc = nil
}
