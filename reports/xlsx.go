package reports

import (
	"context"
	"fmt"
	"io"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"tianbao/campaign"
	"tianbao/catalog"
	"tianbao/store"
)

// Exporter writes the notice's tables for a unit's subtree.
type Exporter struct {
	DB *store.DB
}

// ExportOptions choose what goes into an export.
type ExportOptions struct {
	// IncludeDrafts exports the drafts as they stand (draft, submitted,
	// returned, approved), with a 状态 column; by default only what was
	// accepted at the exported unit's level (see accepted.go).
	IncludeDrafts bool
	// Forms limits the export to these forms; a standing return's id
	// names all its periods, a period's id (progress.2019q1) that one.
	// When empty: every one-off form, and each standing return's current
	// period (see Campaign.Current).
	Forms []string
	// Package exports the versions one package carries (its form only).
	Package int64
	// At is the moment that decides the current periods (zero: now).
	At time.Time

	// tmpl lays out a unit's template (template.go): its rows, not the
	// database's.
	tmpl *tmplRows
}

// at is the moment of the export.
func (o ExportOptions) at() time.Time {
	if o.At.IsZero() {
		return time.Now()
	}
	return o.At
}

// wants reports whether the options export form f. A period not open yet
// is not exported: it has nothing, and an empty sheet would say it had.
func (o ExportOptions) wants(c *campaign.Campaign, f *campaign.Form) bool {
	if !f.OpenAt(o.at()) {
		return false
	}
	if len(o.Forms) == 0 {
		for _, g := range c.Current(o.at()) {
			if g == f {
				return true
			}
		}
		return false
	}
	for _, id := range o.Forms {
		if id == f.ID || f.Period != nil && id == f.Template {
			return true
		}
	}
	return false
}

// sheetName is a form's sheet: its short name, and a period's label,
// within Excel's 31 characters.
func sheetName(f *campaign.Form) string {
	name := f.ShortName()
	if name == "" {
		name = f.ID
	}
	if r := []rune(name); len(r) > 31 {
		name = string(r[:31])
	}
	return name
}

func (o ExportOptions) statuses() []string {
	if o.IncludeDrafts {
		return []string{"draft", "submitted", "returned", "approved"}
	}
	return []string{"approved"}
}

// column is one column of a sheet: its header groups and label, and how a
// row's value is found.
type column struct {
	groups []string
	label  string
	width  float64 // preferred
	min    float64 // the narrowest where the sheet must be narrowed (0: width)
	grow   bool    // text that wraps: widened where the page has room
	value  func(r sheetRow) cell
}

// sheetRow is what a data row is made of.
type sheetRow struct {
	unit    *campaign.Unit
	seq     int
	rowKey  string
	section *campaign.Section
	values  map[string]string
	status  string
	total   bool
	label   string // for total rows
	n1, n2  int    // counts a status row carries
}

// cell is a value with its kind, for the style.
type cell struct {
	v    any
	kind int // 0 text, 1 integer, 2 decimal
}

// WriteXLSX writes one sheet per form: the subtree's approved data (or all,
// with IncludeDrafts), laid out like the notice.
func (x Exporter) WriteXLSX(ctx context.Context, w io.Writer, c *campaign.Campaign, unit string, opt ExportOptions) error {
	f, err := x.workbook(ctx, c, unit, opt)
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := f.WriteTo(w); err != nil {
		return fmt.Errorf("write xlsx: %w", err)
	}
	return nil
}

// workbook lays out the sheets of WriteXLSX (or of a unit's template, see
// template.go) in a workbook the caller writes and closes.
func (x Exporter) workbook(ctx context.Context, c *campaign.Campaign, unit string, opt ExportOptions) (_ *excelize.File, err error) {
	top := c.Units[unit]
	if top == nil {
		return nil, fmt.Errorf("export: unit %s not in campaign %s", unit, c.ID)
	}
	f := excelize.NewFile()
	defer func() {
		if err != nil {
			f.Close()
		}
	}()
	st, err := newStyles(f)
	if err != nil {
		return nil, err
	}
	sheets := 0
	// add writes one sheet: streamed, printable (see print.go), its notes
	// under the table, its header rows repeated on every printed page.
	add := func(name, caption string, notes []string, write func(sh *sheet) error) error {
		if sheets == 0 {
			if err := f.SetSheetName("Sheet1", name); err != nil {
				return err
			}
		} else if _, err := f.NewSheet(name); err != nil {
			return err
		}
		sheets++
		// Before the stream writer: it keeps what the sheet already has.
		if err := fitToPage(f, name); err != nil {
			return err
		}
		sw, err := f.NewStreamWriter(name)
		if err != nil {
			return err
		}
		sh := &sheet{sw: sw, st: st, caption: caption, f: f, name: name}
		if err := write(sh); err != nil {
			return err
		}
		if err := sh.notes(notes); err != nil {
			return err
		}
		if err := sh.endBlock(); err != nil {
			return err
		}
		if err := sh.setUp(); err != nil {
			return err
		}
		if err := sw.Flush(); err != nil {
			return err
		}
		if sh.headTop > 0 && !sh.blocks {
			return f.SetDefinedName(&excelize.DefinedName{Name: "_xlnm.Print_Titles", Scope: name,
				RefersTo: fmt.Sprintf("'%s'!$%d:$%d", name, sh.headTop, sh.headBottom)})
		}
		return nil
	}
	units := descendants(c, unit)
	if opt.tmpl != nil {
		units = []*campaign.Unit{top} // a template: the unit's own form alone
	}
	var exported []*campaign.Form
	for _, form := range c.Forms {
		if !opt.wants(c, form) {
			continue
		}
		var fillers []*campaign.Unit
		for _, u := range units {
			if form.FilledByUnit(u) {
				fillers = append(fillers, u)
			}
		}
		if len(fillers) == 0 {
			continue
		}
		exported = append(exported, form)
		err := add(sheetName(form), form.Caption, form.Notes, func(sh *sheet) error {
			return x.writeForm(ctx, sh, c, top, form, fillers, opt)
		})
		if err != nil {
			return nil, fmt.Errorf("export %s: %w", form.ID, err)
		}
		if form.SummedTables() && len(fillers) > 1 {
			// The aggregate is the form's sheet; each unit's own, here.
			err := add(detailSheetName(form), "", nil, func(sh *sheet) error {
				picks, err := x.picksFor(ctx, c, top, form, opt)
				if err != nil {
					return err
				}
				return x.mixedForm(ctx, sh, c, top, form, fillers, opt, picks)
			})
			if err != nil {
				return nil, fmt.Errorf("export %s: %w", form.ID, err)
			}
		}
		if opt.tmpl == nil && hasBreakdown(c, top, form) {
			// Each unit below's subtree in a row, 本级, 合计.
			err := add(breakdownSheetName(form), "", nil, func(sh *sheet) error {
				return x.breakdownSheet(ctx, sh, c, top, form, fillers, opt)
			})
			if err != nil {
				return nil, fmt.Errorf("export %s: %w", form.ID, err)
			}
		}
	}
	if opt.tmpl == nil {
		if err := x.extraSheets(ctx, add, c, top, exported, opt); err != nil {
			return nil, err
		}
	}
	return f, nil
}

func detailSheetName(f *campaign.Form) string {
	name := []rune(sheetName(f))
	suffix := []rune(catalog.ReportTexts.DetailSheet)
	if len(name)+len(suffix) > 31 {
		name = name[:31-len(suffix)]
	}
	return string(name) + string(suffix)
}

// sheet writes rows in order with the merges and styles of the layout,
// and cuts them into printed pages (print.go).
type sheet struct {
	sw      *excelize.StreamWriter
	st      *styles
	f       *excelize.File
	name    string
	row     int // the last row written, 1-based
	caption string
	// headline is the sheet's header line (填报单位／填报日期／单位：万元),
	// printed under the seal line.
	headline string
	width    int       // the columns the banner spans
	colW     []float64 // each column's width, for wrapped rows' heights
	// headTop and headBottom are the header rows that repeat on each
	// printed page (0: none).
	headTop, headBottom int
	// blocks: the sheet has several blocks, each with its header
	// (附件2's sections), which it repeats itself on the pages a block
	// continues; else the header rows are the print titles.
	blocks bool
	blk    *block
	page   pageLayout
	used   float64 // the height of the rows on the current page
	top    float64 // the height of the print titles atop each later page
}

// put writes the next row, height points tall, turning the page first
// where it would not fit on this one.
func (s *sheet) put(values []excelize.Cell, height float64) error {
	if s.page.body > 0 && s.used > s.top && s.used+height > s.page.body {
		if err := s.newPage(); err != nil {
			return err
		}
	}
	s.row++
	s.used += height
	return s.sw.SetRow(cellName(1, s.row), toIface(values), excelize.RowOpts{Height: height})
}

func toIface(cells []excelize.Cell) []any {
	out := make([]any, len(cells))
	for i, c := range cells {
		out[i] = c
	}
	return out
}

func cellName(col, row int) string {
	name, _ := excelize.CoordinatesToCellName(col, row)
	return name
}

func (s *sheet) merge(c1, r1, c2, r2 int) error {
	if c1 == c2 && r1 == r2 {
		return nil
	}
	return s.sw.MergeCell(cellName(c1, r1), cellName(c2, r2))
}

// banner writes the title (and the 盖章 line) across width columns.
func (s *sheet) banner(title, stamp string, width int) error {
	s.width = width
	total := spanWidth(s.colW, 0, width-1)
	if s.caption != "" {
		if err := s.put(row(width, excelize.Cell{StyleID: s.st.caption, Value: s.caption}), 18); err != nil {
			return err
		}
	}
	// The title (16 pt) wraps within the sheet's width, its lines 22 pt.
	lines := textLines(title, total*cellFont/16)
	if err := s.put(row(width, excelize.Cell{StyleID: s.st.title, Value: title}), math.Max(30, float64(lines)*22+8)); err != nil {
		return err
	}
	if err := s.merge(1, s.row, width, s.row); err != nil {
		return err
	}
	if stamp == "" {
		return nil
	}
	if err := s.put(row(width, excelize.Cell{StyleID: s.st.stamp, Value: stamp}), float64(textLines(stamp, total))*lineHeight); err != nil {
		return err
	}
	return s.merge(1, s.row, width, s.row)
}

// notes writes the notice's 注 under the table, each across the sheet,
// all on one page.
func (s *sheet) notes(notes []string) error {
	if len(notes) == 0 {
		return nil
	}
	width := max(s.width, 1)
	total := spanWidth(s.colW, 0, width-1)
	heights := make([]float64, len(notes))
	for i, n := range notes {
		heights[i] = float64(textLines(n, total)) * lineHeight
	}
	if err := s.endBlock(); err != nil {
		return err
	}
	if err := s.keep(lineHeight + sum(heights)); err != nil {
		return err
	}
	if err := s.put(nil, lineHeight); err != nil { // a blank line between the table and its notes
		return err
	}
	for i, n := range notes {
		if err := s.put(row(width, excelize.Cell{StyleID: s.st.note, Value: n}), heights[i]); err != nil {
			return err
		}
		if err := s.merge(1, s.row, width, s.row); err != nil {
			return err
		}
	}
	return nil
}

func sum(xs []float64) float64 {
	t := 0.0
	for _, x := range xs {
		t += x
	}
	return t
}

func row(width int, first excelize.Cell) []excelize.Cell {
	cells := make([]excelize.Cell, width)
	cells[0] = first
	return cells
}

// header writes the grouped header rows of cols: equal groups side by side
// merge across, and a label with fewer groups than the deepest column merges
// down to the last header row. Offset shifts the columns right.
func (s *sheet) header(cols []column, offset int, lead string) error {
	depth := headerDepth(cols)
	heights := s.headerHeights(cols, offset, lead)
	first := s.row + 1
	for level := 0; level < depth; level++ {
		cells := make([]excelize.Cell, offset+len(cols))
		for j := range cells {
			cells[j] = excelize.Cell{StyleID: s.st.header}
		}
		if level == 0 && offset > 0 {
			cells[0].Value = lead
		}
		for j, c := range cols {
			switch {
			case level < len(c.groups):
				if j == 0 || !sameGroups(cols[j-1], c, level) {
					cells[offset+j].Value = c.groups[level]
				}
			case level == len(c.groups):
				cells[offset+j].Value = c.label
			}
		}
		if err := s.put(cells, heights[level]); err != nil {
			return err
		}
	}
	for j, c := range cols {
		col := offset + j + 1
		if err := s.merge(col, first+len(c.groups), col, first+depth-1); err != nil {
			return err
		}
		for level := range c.groups {
			if j > 0 && sameGroups(cols[j-1], c, level) {
				continue
			}
			k := groupEnd(cols, j, level)
			if err := s.merge(col, first+level, offset+k+1, first+level); err != nil {
				return err
			}
		}
	}
	return nil
}

// groupEnd is the last column of the group cols[j] begins at level.
func groupEnd(cols []column, j, level int) int {
	k := j
	for k+1 < len(cols) && sameGroups(cols[k], cols[k+1], level) {
		k++
	}
	return k
}

// headerHeights are the heights of cols' header rows: each as tall as the
// lines its groups and labels wrap to; a label merged down over several
// rows gets what it lacks in the last.
func (s *sheet) headerHeights(cols []column, offset int, lead string) []float64 {
	depth := headerDepth(cols)
	h := make([]float64, depth)
	for i := range h {
		h[i] = 20
	}
	lines := func(text string, from, to int) float64 {
		return float64(textLines(text, spanWidth(s.colW, from, to))) * lineHeight
	}
	for j, c := range cols {
		for level := range c.groups {
			if j == 0 || !sameGroups(cols[j-1], c, level) {
				h[level] = math.Max(h[level], lines(c.groups[level], offset+j, offset+groupEnd(cols, j, level)))
			}
		}
	}
	for j, c := range cols {
		need := lines(c.label, offset+j, offset+j)
		if have := sum(h[len(c.groups):]); need > have {
			h[depth-1] += need - have
		}
	}
	return h
}

// headerDepth is the number of header rows cols need.
func headerDepth(cols []column) int {
	depth := 1
	for _, c := range cols {
		depth = max(depth, len(c.groups)+1)
	}
	return depth
}

// open begins a sheet of columns: their widths, the banner and header rows
// (and xSplit columns) kept in view, the banner with its title and stamp.
func (s *sheet) open(title, stamp string, cols []column, xSplit int) error {
	if err := s.widths(cols); err != nil {
		return err
	}
	if err := s.freeze(stamp, cols, xSplit); err != nil {
		return err
	}
	return s.banner(title, stamp, len(cols))
}

// freeze keeps the banner and header rows (and xSplit columns) in view; it
// must come before the first row is written.
func (s *sheet) freeze(stamp string, cols []column, xSplit int) error {
	y := 1 + headerDepth(cols)
	if stamp != "" {
		y++
	}
	if s.caption != "" {
		y++
	}
	s.headTop, s.headBottom = y-headerDepth(cols)+1, y
	if !s.blocks {
		s.top = sum(s.headerHeights(cols, 0, ""))
	}
	p := &excelize.Panes{Freeze: true, YSplit: y, XSplit: xSplit, TopLeftCell: cellName(xSplit+1, y+1), ActivePane: "bottomLeft"}
	if xSplit > 0 {
		p.ActivePane = "bottomRight"
	}
	return s.sw.SetPanes(p)
}

// sameGroups: b continues a's group at level (the same groups down to it).
func sameGroups(a, b column, level int) bool {
	if len(a.groups) <= level || len(b.groups) <= level {
		return false
	}
	for i := 0; i <= level; i++ {
		if a.groups[i] != b.groups[i] {
			return false
		}
	}
	return true
}

// fieldColumn is a column of a section's export columns.
func fieldColumn(sec *campaign.Section, col *campaign.Column) column {
	c := labelColumn(col.Label)
	c.groups = col.Group
	fd := col.Field
	switch {
	case fd != nil && fd.Type == campaign.Integer:
		c.fit(9, 9) // six digits
		c.value = func(r sheetRow) cell {
			if n, err := strconv.Atoi(r.values[fd.ID]); err == nil {
				return cell{v: n, kind: 1}
			}
			return cell{v: r.values[fd.ID]}
		}
	case fd != nil && fd.Type == campaign.Decimal:
		c.fit(11, 11) // seven characters: 12345.6, 1234.56
		c.value = func(r sheetRow) cell {
			if v, err := strconv.ParseFloat(r.values[fd.ID], 64); err == nil {
				return cell{v: v, kind: 2}
			}
			return cell{v: r.values[fd.ID]}
		}
	default:
		switch {
		case fd == nil || fd.Type == campaign.Text:
			// Eight characters a line, more for a long text (a 100
			// character address), four at least.
			pref := 18.0
			if fd != nil && fd.MaxLen > 0 {
				pref = min(10+float64(fd.MaxLen)/6, 24)
			}
			c.fit(pref, 11)
			c.grow = true
		case fd.Type == campaign.Phone:
			c.fit(20.5, 20.5) // a number a line: 0571-87059132、
		case fd.Type == campaign.File:
			c.fit(16, 11) // its name
			c.grow = true
		case fd.Type == campaign.Choice:
			// The longest choice on one line, or on two where long.
			w := 0.0
			for _, ch := range fd.Choices {
				w = max(w, textWidth(ch))
			}
			if w+cellPadding > 14 {
				w = math.Ceil(w/2/wideChar) * wideChar
			}
			c.fit(w+cellPadding, w+cellPadding)
		case fd.Type == campaign.Date:
			c.fit(15, 15) // 2018-09-15
		case fd.Type == campaign.YearMonth:
			c.fit(11, 11) // 2019-06
		default:
			c.fit(6, 6)
		}
		c.value = func(r sheetRow) cell {
			// A computed column that gives a figure is a number in the sheet.
			if col.Field == nil {
				switch v := ColumnRaw(sec, col, r.values).(type) {
				case int:
					return cell{v: v, kind: 1}
				case float64:
					if !math.IsInf(v, 0) && !math.IsNaN(v) {
						return cell{v: v, kind: 2}
					}
				}
			}
			v := ColumnValue(sec, col, r.values)
			if fd != nil && fd.Type == campaign.Phone {
				// Several numbers print one a line: spreadsheets
				// would cut 87059132、13957112233 inside a number.
				v = strings.ReplaceAll(v, "、", "、\n")
			}
			return cell{v: v}
		}
	}
	if fd != nil && sec.Kind == campaign.Table {
		// A cell the notice leaves empty in this row is printed ——.
		inner := c.value
		c.value = func(r sheetRow) cell {
			if sec.BlankIn(r.rowKey, fd) {
				return cell{v: catalog.ReportTexts.Dash}
			}
			return inner(r)
		}
	}
	return c
}

// labelColumn is a column sized for its label: header cells wrap, so a
// long label takes two lines rather than a wide column, and three where
// the sheet must be narrowed.
func labelColumn(label string) column {
	w := textWidth(label)
	pref := math.Min(w/2+cellPadding, 22)
	return column{label: label, width: pref, min: math.Min(w/3+cellPadding, pref)}
}

// fit widens the column to pref for its values, and to least at the
// narrowest.
func (c *column) fit(pref, least float64) {
	c.width = max(c.width, pref)
	c.min = min(max(c.min, least), c.width)
}

// minWidth is the narrowest the column may be printed.
func (c column) minWidth() float64 {
	if c.min > 0 && c.min < c.width {
		return c.min
	}
	return c.width
}

// widest is the columns of tables laid one under another in a sheet: at
// each position the widest of the tables' columns there, the narrowest it
// may be cut to the largest of theirs.
func widest(tables [][]column) []column {
	var widths []column
	for _, cols := range tables {
		for j, col := range cols {
			if j == len(widths) {
				widths = append(widths, col)
				continue
			}
			w := &widths[j]
			w.min = max(w.minWidth(), col.minWidth())
			w.width = max(w.width, col.width)
			w.grow = w.grow || col.grow
		}
	}
	return widths
}

// widths sets the columns' widths as they fit the page (print.go).
func (s *sheet) widths(cols []column) error {
	s.colW, s.page = fitColumns(cols)
	for i, w := range s.colW {
		if err := s.sw.SetColWidth(i+1, i+1, w); err != nil {
			return err
		}
	}
	return nil
}

func (s *sheet) dataRow(cols []column, r sheetRow) error {
	return s.putWrapped(s.cells(cols, r))
}

// cells are a row's values in cols, styled.
func (s *sheet) cells(cols []column, r sheetRow) []excelize.Cell {
	cells := make([]excelize.Cell, len(cols))
	for i, c := range cols {
		v := c.value(r)
		style := s.st.text
		switch {
		case v.kind == 1 && r.total:
			style = s.st.totalInt
		case v.kind == 2 && r.total:
			style = s.st.totalDec
		case r.total:
			style = s.st.total
		case v.kind == 1:
			style = s.st.integer
		case v.kind == 2:
			style = s.st.decimal
		}
		cells[i] = excelize.Cell{StyleID: style, Value: v.v}
	}
	return cells
}

// putWrapped writes a data row: text wraps within its column, and the row
// is as tall as its text needs (no spreadsheet reliably grows a row by
// itself for a file written this way).
func (s *sheet) putWrapped(cells []excelize.Cell) error {
	return s.put(cells, rowHeight(cells, s.colW))
}

// stampFor is what the sheet prints under its title: the campaign file's
// seal line for the exporting unit, and the sheet's header line (see
// headline), one under the other.
func (s *sheet) stampFor(c *campaign.Campaign, top *campaign.Unit, form *campaign.Form) string {
	var lines []string
	for _, l := range []string{form.StampLine(top), s.headline} {
		if l != "" {
			lines = append(lines, l)
		}
	}
	return strings.Join(lines, "\n")
}

// headline is the form's header line for an export of top: 填报单位 the
// unit exported, the header sections' answers (填报日期) from its own
// return where it has one (else left blank, to be written in by hand),
// the units of measure as the file words them.
func (x Exporter) headline(ctx context.Context, c *campaign.Campaign, top *campaign.Unit, form *campaign.Form, opt ExportOptions, picks map[string]store.SubmissionRef) (string, error) {
	values := map[string]string{}
	if form.FilledByUnit(top) {
		for _, s := range form.HeaderSections() {
			err := x.rows(ctx, c, form, s.ID, []*campaign.Unit{top}, opt, picks, func(r store.ExportRow) error {
				for k, v := range r.Values {
					values[k] = v
				}
				return nil
			})
			if err != nil {
				return "", err
			}
		}
	}
	return form.HeaderLine(top, values), nil
}

func (x Exporter) writeForm(ctx context.Context, sh *sheet, c *campaign.Campaign, top *campaign.Unit, form *campaign.Form, fillers []*campaign.Unit, opt ExportOptions) error {
	picks, err := x.picksFor(ctx, c, top, form, opt)
	if err != nil {
		return err
	}
	if sh.headline, err = x.headline(ctx, c, top, form, opt, picks); err != nil {
		return err
	}
	kinds := map[campaign.SectionKind]int{}
	for _, s := range form.Sections {
		kinds[s.Kind]++
	}
	switch {
	case form.SummedTables():
		// Tables summed over the units, the header sections' answers the
		// header line (a record section listed too would make it mixed).
		return x.tableForm(ctx, sh, c, top, form, fillers, opt, picks)
	case kinds[campaign.List] == len(form.Sections):
		return x.listForm(ctx, sh, c, top, form, fillers, opt, picks)
	case kinds[campaign.Record] == len(form.Sections):
		return x.recordForm(ctx, sh, c, top, form, fillers, opt, picks)
	}
	return x.mixedForm(ctx, sh, c, top, form, fillers, opt, picks)
}

func codesOf(units []*campaign.Unit) []string {
	out := make([]string, len(units))
	for i, u := range units {
		out[i] = u.Code
	}
	return out
}

func statusColumn() column {
	return column{label: catalog.ReportTexts.State, width: 8, value: func(r sheetRow) cell {
		if r.total {
			return cell{v: ""} // a total has no state of its own
		}
		return cell{v: catalog.StateName(r.status)}
	}}
}

// recordForm: one row per unit, the city before its counties, with a 总计
// row per city and for the whole export where the section asks for one.
func (x Exporter) recordForm(ctx context.Context, sh *sheet, c *campaign.Campaign, top *campaign.Unit, form *campaign.Form, fillers []*campaign.Unit, opt ExportOptions, picks map[string]store.SubmissionRef) error {
	unitLabel := unitColumn(c, form)
	cols := []column{{label: unitLabel, width: 14, min: 11, value: func(r sheetRow) cell {
		if r.total {
			return cell{v: r.label}
		}
		return cell{v: r.unit.Name}
	}}}
	total := false
	for _, s := range form.Sections {
		total = total || s.Total
		for _, col := range s.Columns {
			cols = append(cols, fieldColumn(s, col))
		}
	}
	if opt.IncludeDrafts {
		cols = append(cols, statusColumn())
	}
	data := map[string]sheetRow{}
	for _, s := range form.Sections {
		err := x.rows(ctx, c, form, s.ID, fillers, opt, picks, func(r store.ExportRow) error {
			sr, ok := data[r.Unit]
			if !ok {
				sr = sheetRow{unit: c.Units[r.Unit], status: r.Status, values: map[string]string{}}
			}
			for k, v := range r.Values {
				sr.values[k] = v
			}
			data[r.Unit] = sr
			return nil
		})
		if err != nil {
			return err
		}
	}
	fills := map[string]bool{}
	for _, u := range fillers {
		fills[u.Code] = true
	}
	// Sums per section/field under a unit, for its 总计 row: exact
	// (decimal figures summed as fractions), written as numbers. The rows
	// are a unit's each: a few thousand at most, held to be printed in
	// blocks of columns where there are more than a page holds.
	var rows []sheetRow
	var walk func(u *campaign.Unit) (map[string]*big.Rat, bool, error)
	walk = func(u *campaign.Unit) (map[string]*big.Rat, bool, error) {
		sums := map[string]*big.Rat{}
		any := false
		if fills[u.Code] {
			r, ok := data[u.Code]
			if ok || opt.IncludeDrafts {
				if !ok {
					r = sheetRow{unit: u, values: map[string]string{}, status: "draft"}
				}
				rows = append(rows, r)
			}
			if ok {
				addSums(form, r.values, sums)
				any = true
			}
		}
		for _, code := range u.Children {
			childSums, childAny, err := walk(c.Units[code])
			if err != nil {
				return nil, false, err
			}
			if childAny {
				for k, v := range childSums {
					if sums[k] == nil {
						sums[k] = new(big.Rat)
					}
					sums[k].Add(sums[k], v)
				}
				any = true
			}
		}
		if total && len(u.Children) > 0 && any {
			label := fmt.Sprintf(catalog.ReportTexts.CityTotal, u.Name)
			if u.Code == top.Code {
				label = catalog.ReportTexts.Total
			}
			values := map[string]string{}
			for k, v := range sums {
				values[k] = ratString(v)
			}
			rows = append(rows, sheetRow{total: true, label: label, values: values, unit: u})
		}
		return sums, any, nil
	}
	if _, _, err := walk(top); err != nil {
		return err
	}
	return sh.grid(form.Title, sh.stampFor(c, top, form), cols[:1], cols[1:], rows)
}

// addSums adds a row's numeric answers (by field id) into sums, exactly.
func addSums(form *campaign.Form, values map[string]string, sums map[string]*big.Rat) {
	for _, s := range form.Sections {
		if !s.Total {
			continue
		}
		for _, fd := range s.Fields {
			if fd.Type != campaign.Integer && fd.Type != campaign.Decimal || fd.NoSum {
				continue
			}
			if v, ok := new(big.Rat).SetString(values[fd.ID]); ok && values[fd.ID] != "" {
				if sums[fd.ID] == nil {
					sums[fd.ID] = new(big.Rat)
				}
				sums[fd.ID].Add(sums[fd.ID], v)
			}
		}
	}
}

// ratString writes an exact sum of decimal figures as a decimal ("12.5").
func ratString(v *big.Rat) string {
	if v.IsInt() {
		return v.Num().String()
	}
	s := v.FloatString(12)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	return s
}

// listForm: a block per section (可建成, 完成改造提升, 开工建设), each with its
// own header and rows numbered 序号 within the block, and the area.
func (x Exporter) listForm(ctx context.Context, sh *sheet, c *campaign.Campaign, top *campaign.Unit, form *campaign.Form, fillers []*campaign.Unit, opt ExportOptions, picks map[string]store.SubmissionRef) error {
	multi := len(form.Sections) > 1
	lead := []column{
		{label: catalog.ReportTexts.Seq, width: 5.5, value: func(r sheetRow) cell { return cell{v: r.seq, kind: 1} }},
		areaColumn(c, func(r sheetRow) bool { return true }),
	}
	blocks := make([][]column, len(form.Sections))
	for i, s := range form.Sections {
		cols := append([]column(nil), lead...)
		for _, col := range s.Columns {
			cols = append(cols, fieldColumn(s, col))
		}
		if opt.IncludeDrafts {
			cols = append(cols, statusColumn())
		}
		blocks[i] = cols
	}
	offset := 0
	if multi {
		offset = 1
	}
	// Widths: the widest of each position over the blocks; the sections'
	// names, three characters a line.
	widths := widest(blocks)
	if multi {
		widths = append([]column{{width: 3*wideChar + cellPadding}}, widths...)
	}
	if err := sh.widths(widths); err != nil {
		return err
	}
	stamp := sh.stampFor(c, top, form)
	sh.blocks = multi
	if !multi {
		if err := sh.freeze(stamp, blocks[0], 0); err != nil {
			return err
		}
	}
	if err := sh.banner(form.Title, stamp, len(widths)); err != nil {
		return err
	}
	for i, s := range form.Sections {
		cols := blocks[i]
		if err := sh.beginBlock(cols, offset, s.Title); err != nil {
			return err
		}
		seq := 0
		err := x.rows(ctx, c, form, s.ID, fillers, opt, picks, func(r store.ExportRow) error {
			seq++
			sr := sheetRow{unit: c.Units[r.Unit], seq: seq, rowKey: r.Row, section: s, values: r.Values, status: r.Status}
			cells := make([]excelize.Cell, offset+len(cols))
			if multi {
				cells[0] = excelize.Cell{StyleID: sh.st.header}
			}
			for j, col := range cols {
				v := col.value(sr)
				style := sh.st.text
				if v.kind == 1 {
					style = sh.st.integer
				} else if v.kind == 2 {
					style = sh.st.decimal
				}
				cells[offset+j] = excelize.Cell{StyleID: style, Value: v.v}
			}
			return sh.putWrapped(cells)
		})
		if err != nil {
			return err
		}
		if seq == 0 { // the notice leaves an empty row in an empty section
			cells := make([]excelize.Cell, offset+len(cols))
			for j := range cells {
				cells[j] = excelize.Cell{StyleID: sh.st.text}
			}
			if multi {
				cells[0] = excelize.Cell{StyleID: sh.st.header}
			}
			if err := sh.put(cells, lineHeight); err != nil {
				return err
			}
		}
	}
	return sh.endBlock()
}

// areaColumn names a row's unit with the units above it (杭州市西湖区);
// shown says on which rows.
func areaColumn(c *campaign.Campaign, shown func(sheetRow) bool) column {
	return column{label: catalog.ReportTexts.Area, width: 14, min: 11, value: func(r sheetRow) cell {
		if !shown(r) {
			return cell{v: ""}
		}
		return cell{v: areaName(c, r.unit)}
	}}
}

// areaName is a unit with the units above it, the top one left out:
// 杭州市西湖区 (and 杭州市西湖区三墩镇 a level further down).
func areaName(c *campaign.Campaign, u *campaign.Unit) string {
	if u == nil {
		return ""
	}
	name := u.Name
	for p := c.Units[u.Parent]; p != nil && p.Parent != ""; p = c.Units[p.Parent] {
		name = p.Name + name
	}
	return name
}

// unitColumn heads the column of unit names: the form's unit_label (the
// notice's 市、县（市、区）), else the names of the levels that fill it.
func unitColumn(c *campaign.Campaign, form *campaign.Form) string {
	if form.UnitLabel != "" {
		return form.UnitLabel
	}
	var names []string
	for _, l := range c.Levels {
		if form.FilledBy(l.ID) {
			names = append(names, l.Name)
		}
	}
	return strings.Join(names, "、")
}

// mixedForm: a record part and a table part (附件4: the plan file and the
// yearly targets): one row per unit and table row, the record's columns on
// the unit's first row.
func (x Exporter) mixedForm(ctx context.Context, sh *sheet, c *campaign.Campaign, top *campaign.Unit, form *campaign.Form, fillers []*campaign.Unit, opt ExportOptions, picks map[string]store.SubmissionRef) error {
	cols := []column{areaColumn(c, func(r sheetRow) bool { return r.seq <= 1 })}
	var table *campaign.Section
	var record []*campaign.Section
	for _, s := range form.Sections {
		switch s.Kind {
		case campaign.Table:
			table = s
		case campaign.Record:
			record = append(record, s)
		}
	}
	for _, s := range record {
		for _, col := range s.Columns {
			fc := fieldColumn(s, col)
			inner := fc.value
			fc.value = func(r sheetRow) cell {
				if r.seq > 1 {
					return cell{v: ""}
				}
				return inner(r)
			}
			cols = append(cols, fc)
		}
	}
	if table != nil {
		year := column{label: table.RowLabel, value: func(r sheetRow) cell {
			for _, rk := range table.Rows {
				if rk.Key == r.rowKey {
					return cell{v: rk.Title}
				}
			}
			return cell{v: r.rowKey}
		}}
		for _, rk := range table.Rows {
			year.width = max(year.width, min(textWidth(rk.Title)+cellPadding, 16))
		}
		year.min = min(year.width, 9)
		cols = append(cols, year)
		for _, col := range table.Columns {
			cols = append(cols, fieldColumn(table, col))
		}
	}
	if opt.IncludeDrafts {
		cols = append(cols, statusColumn())
	}
	recordValues := map[string]map[string]string{}
	status := map[string]string{}
	for _, s := range record {
		err := x.rows(ctx, c, form, s.ID, fillers, opt, picks, func(r store.ExportRow) error {
			if recordValues[r.Unit] == nil {
				recordValues[r.Unit] = map[string]string{}
			}
			for k, v := range r.Values {
				recordValues[r.Unit][k] = v
			}
			status[r.Unit] = r.Status
			return nil
		})
		if err != nil {
			return err
		}
	}
	tableRows := map[string][]store.ExportRow{}
	if table != nil {
		err := x.rows(ctx, c, form, table.ID, fillers, opt, picks, func(r store.ExportRow) error {
			tableRows[r.Unit] = append(tableRows[r.Unit], r)
			status[r.Unit] = r.Status
			return nil
		})
		if err != nil {
			return err
		}
	}
	if err := sh.open(form.Title, sh.stampFor(c, top, form), cols, 0); err != nil {
		return err
	}
	if err := sh.beginBlock(cols, 0, ""); err != nil {
		return err
	}
	for _, u := range fillers {
		st, ok := status[u.Code]
		if !ok {
			continue
		}
		base := recordValues[u.Code]
		rows := tableRows[u.Code]
		if table != nil {
			// In the table's own order of rows (years).
			byKey := map[string]store.ExportRow{}
			for _, r := range rows {
				byKey[r.Row] = r
			}
			rows = rows[:0]
			for _, rk := range table.Rows {
				if r, ok := byKey[rk.Key]; ok {
					rows = append(rows, r)
				}
			}
		}
		if len(rows) == 0 {
			rows = []store.ExportRow{{Unit: u.Code}}
		}
		// A unit's rows print on one page.
		lines := make([][]excelize.Cell, len(rows))
		height := 0.0
		for i, r := range rows {
			values := map[string]string{}
			for k, v := range base {
				values[k] = v
			}
			for k, v := range r.Values {
				values[k] = v
			}
			lines[i] = sh.cells(cols, sheetRow{unit: u, seq: i + 1, rowKey: r.Row, values: values, status: st})
			height += rowHeight(lines[i], sh.colW)
		}
		if err := sh.keep(height); err != nil {
			return err
		}
		for _, l := range lines {
			if err := sh.putWrapped(l); err != nil {
				return err
			}
		}
	}
	return nil
}

// styles are the workbook's cell styles.
type styles struct {
	title, stamp, header, text, integer, decimal, total, totalInt, totalDec int
	caption, note                                                           int
}

func newStyles(f *excelize.File) (*styles, error) {
	border := []excelize.Border{{Type: "left", Style: 1, Color: "000000"}, {Type: "right", Style: 1, Color: "000000"},
		{Type: "top", Style: 1, Color: "000000"}, {Type: "bottom", Style: 1, Color: "000000"}}
	font := &excelize.Font{Family: "宋体", Size: 11}
	bold := &excelize.Font{Family: "宋体", Size: 11, Bold: true}
	mk := func(s *excelize.Style) int {
		id, err := f.NewStyle(s)
		if err != nil {
			panic(err) // the styles below are constants; an error is a bug
		}
		return id
	}
	// Decimals as typed (42, 42.5, 12.35), not padded to 42.00.
	decFmt := "General"
	// Figures sit level with the text beside them (centred, as it is).
	middle := &excelize.Alignment{Vertical: "center"}
	st := &styles{
		caption:  mk(&excelize.Style{Font: &excelize.Font{Family: "黑体", Size: 12}, Alignment: &excelize.Alignment{Horizontal: "left"}}),
		note:     mk(&excelize.Style{Font: font, Alignment: &excelize.Alignment{Horizontal: "left", Vertical: "top", WrapText: true}}),
		title:    mk(&excelize.Style{Font: &excelize.Font{Family: "黑体", Size: 16, Bold: true}, Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center"}}),
		stamp:    mk(&excelize.Style{Font: font, Alignment: &excelize.Alignment{Horizontal: "left", Vertical: "center", WrapText: true}}),
		header:   mk(&excelize.Style{Font: bold, Border: border, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}}, Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true}}),
		text:     mk(&excelize.Style{Font: font, Border: border, Alignment: &excelize.Alignment{Vertical: "center", WrapText: true}}),
		integer:  mk(&excelize.Style{Font: font, Border: border, NumFmt: 1, Alignment: middle}),
		decimal:  mk(&excelize.Style{Font: font, Border: border, CustomNumFmt: &decFmt, Alignment: middle}),
		total:    mk(&excelize.Style{Font: bold, Border: border, Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true}}),
		totalInt: mk(&excelize.Style{Font: bold, Border: border, NumFmt: 1, Alignment: middle}),
		totalDec: mk(&excelize.Style{Font: bold, Border: border, CustomNumFmt: &decFmt, Alignment: middle}),
	}
	return st, nil
}
