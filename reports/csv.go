// Package reports turns answers into what people and machines read outside
// the chat: a unit's form as CSV (and, with the review issue, the notice's
// tables as XLSX and the /summary text).
package reports

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"

	"tianbao/campaign"
	"tianbao/catalog"
)

// Table is a form laid out flat: a header and one line per record or row.
type Table struct {
	Header []string
	Rows   [][]string
}

// FormTable lays out a unit's draft of form f. A single record section is
// one line of the field labels; a list adds 序号, a table its row titles. A
// form of several sections gets 部分 and 序号/行 columns and the union of the
// sections' columns, in order of first appearance.
func FormTable(f *campaign.Form, d *campaign.Draft) Table {
	multi := len(f.Sections) > 1
	var header []string
	index := map[string]int{}
	add := func(label string) int {
		if i, ok := index[label]; ok {
			return i
		}
		index[label] = len(header)
		header = append(header, label)
		return len(header) - 1
	}
	// In a single section, repeated labels (附件3's two 园区数量（个）) each
	// keep their own column; across sections, one label is one column.
	colsOf := map[*campaign.Section][]int{}
	if multi {
		add(catalog.ReportTexts.Section)
		add(catalog.ReportTexts.Seq)
	} else if s := f.Sections[0]; s.Kind == campaign.List {
		header = append(header, catalog.ReportTexts.Seq)
	} else if s.Kind == campaign.Table {
		header = append(header, s.RowLabel)
	}
	for _, s := range f.Sections {
		for _, c := range s.Columns {
			if multi {
				colsOf[s] = append(colsOf[s], add(ColumnTitle(c)))
			} else {
				colsOf[s] = append(colsOf[s], len(header))
				header = append(header, ColumnTitle(c))
			}
		}
	}
	t := Table{Header: header}
	for _, s := range f.Sections {
		for i, key := range d.RowKeys(s) {
			line := make([]string, len(header))
			lead := strconv.Itoa(i + 1)
			if s.Kind == campaign.Table {
				lead = s.Rows[i].Title
			}
			switch {
			case multi:
				title := s.Title
				if title == "" {
					title = s.ID
				}
				line[0] = title
				if s.Kind != campaign.Record {
					line[1] = lead
				}
			case s.Kind != campaign.Record:
				line[0] = lead
			}
			values := map[string]string{}
			if r := d.Row(s.ID, key); r != nil {
				values = campaign.FitValues(s, r.Values) // an answer the revised file refuses is not exported
			}
			for j, c := range s.Columns {
				line[colsOf[s][j]] = ColumnValue(s, c, values)
			}
			t.Rows = append(t.Rows, line)
		}
	}
	return t
}

// WithPeriod puts the period of a standing return's form before each line
// (期别), so that several periods make one table.
func WithPeriod(t Table, f *campaign.Form) Table {
	out := Table{Header: append([]string{catalog.ReportTexts.Period}, t.Header...)}
	for _, r := range t.Rows {
		out.Rows = append(out.Rows, append([]string{f.Period.Label}, r...))
	}
	return out
}

// ColumnValue is a column's canonical value for one row: the stored value of
// a field column (a file by its name), or the column's expression.
func ColumnValue(s *campaign.Section, c *campaign.Column, values map[string]string) string {
	if c.Field != nil {
		v := values[c.Field.ID]
		if c.Field.Type == campaign.File {
			if fv, ok := campaign.DecodeFile(v); ok {
				return fv.Name
			}
		}
		return v
	}
	for _, f := range c.Value.Fields {
		if values[f] == "" {
			return ""
		}
	}
	return campaign.EvalColumn(s, c, values)
}

// ColumnRaw is a column's value as the expression gives it (a number stays
// a number), or nil when a field it reads is unanswered.
func ColumnRaw(s *campaign.Section, c *campaign.Column, values map[string]string) any {
	for _, f := range c.Value.Fields {
		if values[f] == "" {
			return nil
		}
	}
	return campaign.EvalColumnRaw(s, c, values)
}

// WriteCSV writes the table as UTF-8 CSV; bom prefixes the byte-order mark
// Excel needs to read Chinese text.
func WriteCSV(w io.Writer, t Table, bom bool) error {
	if bom {
		if _, err := io.WriteString(w, "\uFEFF"); err != nil {
			return fmt.Errorf("write csv: %w", err)
		}
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(neutralise(t.Header)); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	for _, r := range t.Rows {
		if err := cw.Write(neutralise(r)); err != nil {
			return fmt.Errorf("write csv: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	return nil
}

// neutralise defuses cells a spreadsheet would run as formulas: those that
// begin with =, +, -, @, a tab or a carriage return get a leading
// apostrophe, as OWASP's CSV-injection guidance says. A figure (-5, +3.5)
// is left as it is: it is a number to the spreadsheet, not a formula.
func neutralise(row []string) []string {
	out := row
	for i, c := range row {
		if c == "" || !strings.ContainsRune("=+-@\t\r", rune(c[0])) {
			continue
		}
		if _, err := strconv.ParseFloat(c, 64); err == nil && c[0] != '=' && c[0] != '@' {
			continue
		}
		if &out[0] == &row[0] {
			out = append([]string(nil), row...)
		}
		out[i] = "'" + c
	}
	return out
}

// ColumnTitle names a column in a one-row CSV header by its whole group
// path (按园区类型·生产制造类·园区数量（个）), so that no two are equal as
// 附件3's two 园区数量（个） would be.
func ColumnTitle(c *campaign.Column) string {
	return strings.Join(append(append([]string(nil), c.Group...), c.Label), "·")
}
