package campaign

import (
	"fmt"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/parser"
)

// AskedFields says, for a row's values, which of the section's fields are
// asked: none in a table's total row (computed), none of the fields a
// table row leaves blank, and a field with a when only if it holds on the
// answers before it that are themselves asked. A when that cannot be
// evaluated asks the field (fail closed: a question too many is better
// than a figure missing). nil means every field is asked.
func (s *Section) AskedFields(row string, values map[string]string) map[string]bool {
	return s.AskedBy(row, values, "")
}

// AskedBy is askedFields for a unit of level: a field another level fills
// (filled_by) is not asked of it. An empty level asks them all.
func (s *Section) AskedBy(row string, values map[string]string, level Level) map[string]bool {
	return s.askedBy(row, values, level, nil)
}

// AskedMap is AskedBy for the draft's unit, with what its whens read of
// the unit and the period.
func (d *Draft) AskedMap(s *Section, row string) map[string]bool {
	return s.askedBy(row, d.ValuesWith(s.ID, row, nil), d.Level, d.facts())
}

// askedBy is AskedBy with facts (the unit, the period) besides the answers.
func (s *Section) askedBy(row string, values map[string]string, level Level, facts map[string]any) map[string]bool {
	var r *RowKey
	if s.Kind == Table {
		r = s.row(row)
	}
	special := r != nil && (len(r.Sum) > 0 || len(r.Blank) > 0)
	for _, fd := range s.Fields {
		special = special || fd.When != nil || level != "" && fd.FilledBy != "" && fd.FilledBy != level
	}
	if !special {
		return nil
	}
	asked := make(map[string]bool, len(s.Fields))
	env := map[string]any{}
	for k, v := range facts {
		env[k] = v
	}
	for _, fd := range s.Fields {
		ok := (r == nil || len(r.Sum) == 0 && !contains(r.Blank, fd.ID)) && (level == "" || fd.FilledBy == "" || fd.FilledBy == level)
		if ok && fd.When != nil {
			res, err := fd.When.Eval(env)
			b, isBool := res.(bool)
			ok = err != nil || !isBool || b
		}
		asked[fd.ID] = ok
		if v, has := values[fd.ID]; ok && has && v != "" {
			env[fd.ID] = typed(fd, v)
		}
	}
	return asked
}

// Asked says whether the field is asked in the draft's row.
func (d *Draft) Asked(s *Section, row string, fd *Field) bool {
	asked := d.AskedMap(s, row)
	return asked == nil || asked[fd.ID]
}

// dropUnasked removes the values of fields not asked in the row (rules
// and computed values never see them); a total row's figures are kept.
func (d *Draft) dropUnasked(s *Section, row string, values map[string]string) {
	if s.IsSum(row) {
		return
	}
	asked := s.askedBy(row, values, "", d.facts())
	if asked == nil {
		return
	}
	for id, ok := range asked {
		if !ok {
			delete(values, id)
		}
	}
}

// NextAsked is the first field after after (from the start when nil) that
// is asked in the row, or nil.
func NextAsked(d *Draft, s *Section, row string, after *Field) *Field {
	asked := d.AskedMap(s, row)
	seen := after == nil
	for _, fd := range s.Fields {
		if seen && (asked == nil || asked[fd.ID]) {
			return fd
		}
		seen = seen || fd == after
	}
	return nil
}

// PrevAsked is the last field before before (from the end when nil) that
// is asked in the row, or nil.
func PrevAsked(d *Draft, s *Section, row string, before *Field) *Field {
	asked := d.AskedMap(s, row)
	seen := before == nil
	for i := len(s.Fields) - 1; i >= 0; i-- {
		fd := s.Fields[i]
		if seen && (asked == nil || asked[fd.ID]) {
			return fd
		}
		seen = seen || fd == before
	}
	return nil
}

// ClearUnasked blanks the answers of fields that are no longer asked (the
// plan file of a plan now compiled by the city), so that a submission holds
// only what its questions asked.
func (d *Draft) ClearUnasked(f *Form) {
	for _, s := range f.Sections {
		d.RecomputeSums(s)
		for _, key := range rowKeys(d, s) {
			if s.IsSum(key) {
				continue // computed
			}
			asked := s.askedBy(key, d.ValuesWith(s.ID, key, nil), "", d.facts()) // a reviewer's field is kept
			for _, fd := range s.Fields {
				if asked != nil && !asked[fd.ID] {
					if v, ok := d.Value(s.ID, key, fd.ID); ok && v != "" {
						d.Set(s.ID, key, fd.ID, "")
					}
				}
			}
		}
	}
}

// ChoiceLiterals checks that an expression compares each choice field only
// with one of its choices: `compiled == "本地编制"` against the choice
// 本地单独编制 would quietly never hold.
func ChoiceLiterals(e *Expr, s *Section) error {
	tree, err := parser.Parse(e.Source)
	if err != nil {
		return err
	}
	v := &choiceVisitor{s: s, src: e.Source}
	ast.Walk(&tree.Node, v)
	return v.err
}

type choiceVisitor struct {
	s   *Section
	src string
	err error
}

func (v *choiceVisitor) Visit(n *ast.Node) {
	b, ok := (*n).(*ast.BinaryNode)
	if !ok || v.err != nil || (b.Operator != "==" && b.Operator != "!=") {
		return
	}
	id, str := identAndString(b.Left, b.Right)
	if id == nil {
		id, str = identAndString(b.Right, b.Left)
	}
	if id == nil {
		return
	}
	fd := v.s.Field(id.Value)
	if fd == nil || (fd.Type != Choice && fd.Type != YesNo) {
		return
	}
	choices := fd.Choices
	if fd.Type == YesNo {
		choices = []string{"是", "否"}
	}
	for _, c := range choices {
		if c == str.Value {
			return
		}
	}
	v.err = fmt.Errorf("expression %q compares %s with %q, which is not one of its choices %q", v.src, fd.ID, str.Value, choices)
}

func identAndString(a, b ast.Node) (*ast.IdentifierNode, *ast.StringNode) {
	id, ok1 := a.(*ast.IdentifierNode)
	str, ok2 := b.(*ast.StringNode)
	if ok1 && ok2 {
		return id, str
	}
	return nil, nil
}

// ChoiceOffered reports whether the draft's unit may choose value for a
// choice field in the row: a choice the file gives a when (由设区市统一编制
// only for 市辖区) is offered where it holds on the unit, the period and
// the row's answers before the field. A when that cannot be evaluated
// (the unit not known) offers the choice.
func (d *Draft) ChoiceOffered(s *Section, row string, fd *Field, value string) bool {
	cond := fd.ChoiceWhen[value]
	if fd.Type != Choice || cond == nil {
		return true
	}
	env := d.facts()
	values := d.ValuesWith(s.ID, row, nil)
	for _, x := range s.Fields {
		if x == fd {
			break
		}
		if v := values[x.ID]; v != "" {
			env[x.ID] = typed(x, v)
		}
	}
	res, err := cond.Eval(env)
	b, ok := res.(bool)
	return err != nil || !ok || b
}

// Offered are the choices of a choice field the draft's unit may make in
// the row (see ChoiceOffered), as their places among the field's choices
// from 1, in order.
func (d *Draft) Offered(s *Section, row string, fd *Field) []int {
	var out []int
	for i, c := range fd.Choices {
		if d.ChoiceOffered(s, row, fd, c) {
			out = append(out, i+1)
		}
	}
	return out
}
