package campaign

import (
	"fmt"

	"tianbao/catalog"
)

// A list's bounds on its rows: min_rows (a weekly list that may not go
// empty) and max_rows. Fewer or more rows block the submission, as a
// missing answer does.

// rowBounds checks a section's min_rows and max_rows as the file gives
// them: for lists only, not negative, the least no more than the most.
func (l *loader) rowBounds(p string, s *Section) {
	switch {
	case (s.MinRows != 0 || s.MaxRows != 0) && s.Kind != List:
		l.at(p, "min_rows and max_rows are for list sections (a table has its rows, a record one)")
	case s.MinRows < 0 || s.MaxRows < 0:
		l.at(p, "min_rows and max_rows cannot be negative")
	case s.MaxRows > 0 && s.MinRows > s.MaxRows:
		l.at(p+".min_rows", "min_rows %d is more than max_rows %d: no list could be submitted", s.MinRows, s.MaxRows)
	}
}

// rowBounds are a list's problems with its number of rows.
func (d *Draft) rowBounds(f *Form, s *Section) []Problem {
	if s.Kind != List {
		return nil
	}
	title := s.Title
	if title == "" {
		title = f.Short
	}
	n := len(d.Rows(s.ID))
	switch {
	case n < s.MinRows:
		return []Problem{{Section: s.ID, Rows: true, Text: fmt.Sprintf(catalog.Signoff.MinRowsProblem, title, s.MinRows, s.RowNoun, n)}}
	case s.MaxRows > 0 && n > s.MaxRows:
		return []Problem{{Section: s.ID, Rows: true, Text: fmt.Sprintf(catalog.Signoff.MaxRowsProblem, title, s.MaxRows, s.RowNoun, n)}}
	}
	return nil
}
