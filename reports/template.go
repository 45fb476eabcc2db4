package reports

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"tianbao/campaign"
	"tianbao/catalog"
	"tianbao/dialogs"
	"tianbao/store"
)

// A template is one unit's form as the notice prints it (the export's own
// layout, written by the same code), to be filled offline in Excel, WPS or
// LibreOffice and sent back: the cells the unit answers are unlocked and
// tinted, everything else is locked (sheet protection, no password), a
// choice is a drop-down list, each column's hint is a note on its header.
// A list (附件2's parks) has its rows and empty ones to add more. The file
// records what it is — campaign, the campaign's version, form (a period's
// own id), unit, the list rows it was made with and a fingerprint of its
// layout — in a hidden, protected sheet and in custom document
// properties, both kept by Excel, WPS and LibreOffice when they save.
//
// Reading one back lays the template out again from what the file says
// (the same campaign version, unit and rows) and compares: every printed
// label must be where it was, and each input cell is read where the
// layout puts it. The layout is found by writing it with a marker in each
// input cell and reading the markers back, so that whatever the export's
// layout does (headers, blocks, widths, page breaks), the template and
// its reading follow it.

// Templates writes a unit's template from its draft, and reads filled
// ones (the engine's dialogs.SheetReader).
type Templates struct {
	DB *store.DB // for Write: the draft that prefills the template
}

var sheetText = catalog.Sheets

// metaSheet is the hidden sheet that says what the file is.
const metaSheet = "tianbao"

// templateKind is the first value of metaSheet: a file without it is no
// template of ours.
const templateKind = "tianbao-template/1"

// spareRows is how many empty rows a list gets for rows to add (fewer
// where the list's max_rows leaves less room).
const spareRows = 10

// maxTemplateRows bounds the rows a file may say a list has (a template
// offers a list's rows and ten more).
const maxTemplateRows = 2000

// inputMark begins a marker written in an input cell while the layout is
// found: a private-use character no answer holds.
const inputMark = "\uE000"

// tmplRows are the rows a template is laid out with, per section.
type tmplRows struct {
	rows map[string][]store.ExportRow
}

func (t *tmplRows) each(section string, fn func(store.ExportRow) error) error {
	for _, r := range t.rows[section] {
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}

// tmplInput is an input cell of a template's layout.
type tmplInput struct {
	ref      string
	row, col int
	sec      *campaign.Section
	rowKey   string // as in SheetCell.Row
	fd       *campaign.Field
}

// tmplLayout is where a template's labels and input cells are.
type tmplLayout struct {
	sheet  string
	inputs []tmplInput
	labels map[string]string // every other printed cell, by reference
	print  string            // a fingerprint of all of it
}

// shape is a template's list rows: per list section, each row's key as
// SheetCell.Row names it ("+n" for an empty row offered for a new one).
type shape map[string][]string

func (s shape) encode(sec string) string { return strings.Join(s[sec], ",") }

// layout writes form's template for unit with markers in its input cells
// and finds them: the workbook (the caller fills and closes it) and where
// everything is.
func layout(ctx context.Context, c *campaign.Campaign, unit *campaign.Unit, form *campaign.Form, rows shape) (*excelize.File, *tmplLayout, error) {
	form = tmplForm(form)
	tc := *c
	tc.Forms = []*campaign.Form{form}
	t := &tmplRows{rows: map[string][]store.ExportRow{}}
	// A marker is short (its number), so that rows are as tall as a
	// figure's, not as a long marker's.
	type marked struct {
		sec *campaign.Section
		row string
		fd  *campaign.Field
	}
	var marks []marked
	for _, sec := range form.Sections {
		mark := func(row string) map[string]string {
			values := map[string]string{}
			for _, fd := range sec.Fields {
				values[fd.ID] = inputMark + strconv.Itoa(len(marks))
				marks = append(marks, marked{sec, row, fd})
			}
			return values
		}
		switch sec.Kind {
		case campaign.Record:
			t.rows[sec.ID] = []store.ExportRow{{Unit: unit.Code, Values: mark(""), Status: "draft"}}
		case campaign.Table:
			for _, rk := range sec.Rows {
				values := map[string]string{}
				if len(rk.Sum) == 0 {
					values = mark(rk.Key) // a total is computed, never asked
				}
				t.rows[sec.ID] = append(t.rows[sec.ID], store.ExportRow{Unit: unit.Code, Row: rk.Key, Values: values, Status: "draft"})
			}
		case campaign.List:
			for _, key := range rows[sec.ID] {
				t.rows[sec.ID] = append(t.rows[sec.ID], store.ExportRow{Unit: unit.Code, Row: key, Values: mark(key), Status: "draft"})
			}
		}
	}
	streamed, err := Exporter{}.workbook(ctx, &tc, unit.Code, ExportOptions{Forms: []string{form.ID}, tmpl: t})
	if err != nil {
		return nil, nil, err
	}
	// The export streams its sheets, and a streamed sheet is written as
	// it was streamed: read back, it can be filled, noted and protected.
	var buf bytes.Buffer
	_, err = streamed.WriteTo(&buf)
	streamed.Close()
	if err != nil {
		return nil, nil, fmt.Errorf("template %s: %w", form.ID, err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		return nil, nil, fmt.Errorf("template %s: %w", form.ID, err)
	}
	lay := &tmplLayout{sheet: sheetName(form), labels: map[string]string{}}
	cells, err := f.GetRows(lay.sheet, excelize.Options{RawCellValue: true})
	if err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("template %s: %w", form.ID, err)
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\n", lay.sheet)
	for r, line := range cells {
		for col, v := range line {
			if v == "" {
				continue
			}
			ref := cellName(col+1, r+1)
			rest, ok := strings.CutPrefix(v, inputMark)
			if !ok {
				lay.labels[ref] = v
				fmt.Fprintf(h, "%s=%s\n", ref, v)
				continue
			}
			i, err := strconv.Atoi(rest)
			if err != nil || i < 0 || i >= len(marks) {
				f.Close()
				return nil, nil, fmt.Errorf("template %s: unreadable marker at %s", form.ID, ref)
			}
			m := marks[i]
			lay.inputs = append(lay.inputs, tmplInput{ref: ref, row: r + 1, col: col + 1, sec: m.sec, rowKey: m.row, fd: m.fd})
			fmt.Fprintf(h, "%s<%s|%s|%s\n", ref, m.sec.ID, m.row, m.fd.ID)
		}
	}
	lay.print = hex.EncodeToString(h.Sum(nil)[:12])
	return f, lay, nil
}

// tmplForm is form as its template lays it out: the notice's columns,
// but a column that shows several answers in one cell (附件1's
// 召集人（组长）及职务, a name and a post) split into a column per answer
// under it, and a field no column shows added at the end: a template has a
// cell for every answer, and one answer in each.
func tmplForm(form *campaign.Form) *campaign.Form {
	tf := *form
	tf.Sections = make([]*campaign.Section, len(form.Sections))
	for i, s := range form.Sections {
		ts := *s
		shown := map[string]bool{}
		for _, col := range s.Columns {
			if col.Field != nil {
				shown[col.Field.ID] = true
			}
		}
		fieldCol := func(fd *campaign.Field, group []string) *campaign.Column {
			e, _ := campaign.CompileExpr(fd.ID, s, nil)
			shown[fd.ID] = true
			return &campaign.Column{Label: fd.Label, Group: group, Value: e, Field: fd}
		}
		ts.Columns = nil
		for _, col := range s.Columns {
			var split []*campaign.Column
			if col.Field == nil && col.Value != nil {
				for _, fd := range s.Fields {
					if !shown[fd.ID] && slices.Contains(col.Value.Fields, fd.ID) {
						split = append(split, fieldCol(fd, append(slices.Clone(col.Group), col.Label)))
					}
				}
			}
			if len(split) == 0 {
				split = []*campaign.Column{col}
			}
			ts.Columns = append(ts.Columns, split...)
		}
		for _, fd := range s.Fields {
			if !shown[fd.ID] {
				ts.Columns = append(ts.Columns, fieldCol(fd, fd.Group))
			}
		}
		tf.Sections[i] = &ts
	}
	return &tf
}

// header is the label of an input's column (the nearest label above it
// that is the column's own), and its cell.
func (lay *tmplLayout) header(in tmplInput) (string, string) {
	want := columnLabel(in.sec, in.fd)
	for r := in.row - 1; r >= 1; r-- {
		ref := cellName(in.col, r)
		if v, ok := lay.labels[ref]; ok && v == want {
			return v, ref
		}
	}
	return want, ""
}

// columnLabel is the label a field's column is printed under.
func columnLabel(sec *campaign.Section, fd *campaign.Field) string {
	for _, col := range sec.Columns {
		if col.Field == fd {
			return col.Label
		}
	}
	return fd.Label
}

// where names an input cell as printed: its row number (and a table row's
// title), and its column's label, with its group where two columns share
// a label (附件3's two 园区数量（个）).
func (lay *tmplLayout) where(in tmplInput) string {
	label, _ := lay.header(in)
	shared := false
	for _, o := range lay.inputs {
		if o.sec == in.sec && o.fd != in.fd && columnLabel(o.sec, o.fd) == label {
			shared = true
		}
	}
	if shared && len(in.fd.Group) > 0 {
		label = in.fd.Group[len(in.fd.Group)-1] + " · " + label
	}
	row := ""
	if in.sec.Kind == campaign.Table {
		for _, rk := range in.sec.Rows {
			if rk.Key == in.rowKey {
				row = "【" + rk.Title + "】"
			}
		}
	}
	return fmt.Sprintf(sheetText.Where, in.row, row, label)
}

// templateShape is the rows a template of d offers: a list's rows, then
// empty ones for more.
func templateShape(form *campaign.Form, d *campaign.Draft) shape {
	s := shape{}
	for _, sec := range form.Sections {
		if sec.Kind != campaign.List {
			continue
		}
		var keys []string
		for _, r := range d.Rows(sec.ID) {
			keys = append(keys, r.Key)
		}
		spare := spareRows
		if sec.MaxRows > 0 {
			spare = min(spare, max(sec.MaxRows-len(keys), 0))
		}
		for i := 1; i <= spare; i++ {
			keys = append(keys, "+"+strconv.Itoa(i))
		}
		s[sec.ID] = keys
	}
	return s
}

// Write writes unit's template of form, pre-filled with its draft.
func (t Templates) Write(ctx context.Context, w io.Writer, c *campaign.Campaign, unitCode, formID string, now time.Time) error {
	unit, form := c.Units[unitCode], c.Form(formID)
	if unit == nil || form == nil {
		return fmt.Errorf("template: no unit %s or form %s in campaign %s", unitCode, formID, c.ID)
	}
	drafts, err := t.DB.UnitDrafts(ctx, c.ID, unitCode)
	if err != nil {
		return err
	}
	d := drafts[formID]
	if d == nil {
		d = campaign.NewDraft(c.ID, unitCode, formID)
	}
	d.Level = unit.Level
	f, err := t.make(ctx, c, unit, form, d, now)
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := f.WriteTo(w); err != nil {
		return fmt.Errorf("write template: %w", err)
	}
	return nil
}

// make lays the template out, fills it with d and protects it.
func (t Templates) make(ctx context.Context, c *campaign.Campaign, unit *campaign.Unit, form *campaign.Form, d *campaign.Draft, now time.Time) (_ *excelize.File, err error) {
	rows := templateShape(form, d)
	f, lay, err := layout(ctx, c, unit, form, rows)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			f.Close()
		}
	}()
	styles := map[[2]int]int{} // (style, field kind) → its input variant
	noted := map[string]bool{}
	lists := map[*campaign.Field][]string{}
	for _, in := range lay.inputs {
		value, _ := d.Answered(in.sec, in.rowKey, in.fd)
		if in.sec.Kind == campaign.List && strings.HasPrefix(in.rowKey, "+") {
			value = ""
		}
		open := in.fd.Type != campaign.File && (in.fd.FilledBy == "" || in.fd.FilledBy == unit.Level)
		if err := t.fillCell(f, lay.sheet, in, value, open, styles); err != nil {
			return nil, err
		}
		if open && (in.fd.Type == campaign.Choice || in.fd.Type == campaign.YesNo) {
			lists[in.fd] = append(lists[in.fd], in.ref)
		}
		if _, ref := lay.header(in); ref != "" && !noted[ref] {
			noted[ref] = true
			if err := f.AddComment(lay.sheet, excelize.Comment{Cell: ref, Author: sheetText.NoteAuthor, Text: fieldNote(in.sec, in.fd, unit.Level), Width: 240, Height: 120}); err != nil {
				return nil, err
			}
		}
	}
	if err := dropLists(f, lay.sheet, lists); err != nil {
		return nil, err
	}
	if err := f.ProtectSheet(lay.sheet, &excelize.SheetProtectionOptions{SelectLockedCells: true, SelectUnlockedCells: true, FormatColumns: true, FormatRows: true}); err != nil {
		return nil, err
	}
	meta := [][2]string{
		{"kind", templateKind}, {"campaign", c.ID}, {"version", strconv.Itoa(c.Version)}, {"form", form.ID},
		{"unit", unit.Code}, {"unit_name", unit.Name}, {"layout", lay.print}, {"made", now.In(c.TimeZone).Format(time.RFC3339)},
	}
	for _, sec := range form.Sections {
		if sec.Kind == campaign.List {
			meta = append(meta, [2]string{"rows." + sec.ID, rows.encode(sec.ID)})
		}
	}
	if err := writeMeta(f, meta); err != nil {
		return nil, err
	}
	return f, nil
}

// fillCell writes an input cell: its value (a figure as a number), an
// unlocked, tinted style (text cells formatted as text, so that Excel
// keeps 0571-… and 2019-06 as typed). A cell the unit does not fill (a
// file, sent in the chat; a figure another level fills) stays locked and
// shows what the draft holds.
func (t Templates) fillCell(f *excelize.File, sheet string, in tmplInput, value string, open bool, styles map[[2]int]int) error {
	base, err := f.GetCellStyle(sheet, in.ref)
	if err != nil {
		return err
	}
	kind := 0 // locked
	switch {
	case open && (in.fd.Type == campaign.Integer || in.fd.Type == campaign.Decimal):
		kind = 1
	case open:
		kind = 2
	}
	id, ok := styles[[2]int{base, kind}]
	if !ok {
		st, err := f.GetStyle(base)
		if err != nil {
			return err
		}
		if kind > 0 {
			st.Protection = &excelize.Protection{Locked: false}
			st.Fill = excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"FFF2CC"}}
		}
		if kind == 2 {
			st.NumFmt, st.CustomNumFmt = 49, nil // text: kept as typed
		}
		if id, err = f.NewStyle(st); err != nil {
			return err
		}
		styles[[2]int{base, kind}] = id
	}
	if err := f.SetCellStyle(sheet, in.ref, in.ref, id); err != nil {
		return err
	}
	switch {
	case value == "":
		return f.SetCellValue(sheet, in.ref, nil)
	case in.fd.Type == campaign.File:
		if fv, ok := campaign.DecodeFile(value); ok {
			value = fv.Name
		}
		return f.SetCellStr(sheet, in.ref, value)
	case in.fd.Type == campaign.Integer || in.fd.Type == campaign.Decimal:
		if n, err := strconv.ParseFloat(value, 64); err == nil {
			return f.SetCellFloat(sheet, in.ref, n, -1, 64)
		}
	}
	return f.SetCellStr(sheet, in.ref, value)
}

// fieldNote is a column's note: required or not, the unit, an example, the
// hint, the choices, or why the cell is not to be filled here.
func fieldNote(sec *campaign.Section, fd *campaign.Field, level campaign.Level) string {
	var lines []string
	switch {
	case fd.Type == campaign.File:
		return fd.Title() + "\n" + sheetText.NoteFile
	case fd.FilledBy != "" && fd.FilledBy != level:
		return fd.Title() + "\n" + sheetText.NoteFilledAbove
	case fd.Optional:
		lines = append(lines, sheetText.NoteOptional)
	default:
		lines = append(lines, sheetText.NoteRequired)
	}
	if fd.Unit != "" {
		lines = append(lines, fmt.Sprintf(sheetText.NoteUnit, fd.Unit))
	}
	if fd.Example != "" {
		lines = append(lines, fmt.Sprintf(sheetText.NoteExample, fd.Example))
	}
	if fd.Hint != "" {
		lines = append(lines, fmt.Sprintf(sheetText.NoteHint, fd.Hint))
	}
	switch fd.Type {
	case campaign.Choice:
		lines = append(lines, fmt.Sprintf(sheetText.NoteChoices, strings.Join(fd.Choices, "、")))
	case campaign.YesNo:
		lines = append(lines, fmt.Sprintf(sheetText.NoteChoices, "是、否"))
	case campaign.YearMonth:
		lines = append(lines, sheetText.NoteYearMonth)
	case campaign.Date:
		lines = append(lines, sheetText.NoteDate)
	}
	return fd.Title() + "\n" + strings.Join(lines, "\n")
}

// dropLists makes each choice field's cells a drop-down list: the choices
// written in the list itself where they fit its 255 characters, else read
// from the hidden sheet.
func dropLists(f *excelize.File, sheet string, lists map[*campaign.Field][]string) error {
	fields := make([]*campaign.Field, 0, len(lists))
	for fd := range lists {
		fields = append(fields, fd)
	}
	sort.Slice(fields, func(i, j int) bool { return lists[fields[i]][0] < lists[fields[j]][0] })
	col := 3 // the hidden sheet's columns from C on hold long lists
	for _, fd := range fields {
		choices := fd.Choices
		if fd.Type == campaign.YesNo {
			choices = []string{"是", "否"}
		}
		dv := excelize.NewDataValidation(true)
		dv.Sqref = strings.Join(lists[fd], " ")
		inline := len(strings.Join(choices, ",")) <= 255
		for _, ch := range choices {
			inline = inline && !strings.ContainsAny(ch, ",\"")
		}
		if inline {
			if err := dv.SetDropList(choices); err != nil {
				return err
			}
		} else {
			if err := ensureMeta(f); err != nil {
				return err
			}
			for i, ch := range choices {
				if err := f.SetCellStr(metaSheet, cellName(col, i+1), ch); err != nil {
					return err
				}
			}
			letter, _ := excelize.ColumnNumberToName(col)
			dv.SetSqrefDropList(fmt.Sprintf("%s!$%s$1:$%s$%d", metaSheet, letter, letter, len(choices)))
			col++
		}
		errStyle := excelize.DataValidationErrorStyleStop
		dv.SetError(errStyle, sheetText.ListErrorTitle, fmt.Sprintf(sheetText.ListError, strings.Join(choices, "、")))
		if err := f.AddDataValidation(sheet, dv); err != nil {
			return err
		}
	}
	return nil
}

func ensureMeta(f *excelize.File) error {
	if idx, _ := f.GetSheetIndex(metaSheet); idx >= 0 {
		return nil
	}
	_, err := f.NewSheet(metaSheet)
	return err
}

// writeMeta records what the file is in the hidden, protected sheet (its
// first two columns) and in the custom document properties.
func writeMeta(f *excelize.File, meta [][2]string) error {
	if err := ensureMeta(f); err != nil {
		return err
	}
	for i, kv := range meta {
		if err := f.SetSheetRow(metaSheet, cellName(1, i+1), &[]any{kv[0], kv[1]}); err != nil {
			return err
		}
		if err := f.SetCustomProps(excelize.CustomProperty{Name: "tianbao." + kv[0], Value: kv[1]}); err != nil {
			return err
		}
	}
	if err := f.SetCellStr(metaSheet, cellName(1, len(meta)+2), sheetText.MetaNotice); err != nil {
		return err
	}
	if err := f.ProtectSheet(metaSheet, &excelize.SheetProtectionOptions{}); err != nil {
		return err
	}
	f.SetActiveSheet(0)
	return f.SetSheetVisible(metaSheet, false, true)
}

// readMeta reads what a file says it is: the hidden sheet, else the
// custom properties; where both are there they must agree.
func readMeta(f *excelize.File) (map[string]string, error) {
	fromSheet := map[string]string{}
	if idx, _ := f.GetSheetIndex(metaSheet); idx >= 0 {
		rows, err := f.GetRows(metaSheet, excelize.Options{RawCellValue: true})
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			if len(r) >= 2 && r[0] != "" {
				fromSheet[r[0]] = r[1]
			}
		}
	}
	fromProps := map[string]string{}
	props, _ := f.GetCustomProps()
	for _, p := range props {
		if k, ok := strings.CutPrefix(p.Name, "tianbao."); ok {
			fromProps[k] = fmt.Sprint(p.Value)
		}
	}
	switch {
	case fromSheet["kind"] == templateKind:
		for k, v := range fromProps {
			if fromSheet[k] != v {
				return nil, &dialogs.SheetRefusal{Text: sheetText.MetaDisagree}
			}
		}
		return fromSheet, nil
	case fromProps["kind"] == templateKind:
		return fromProps, nil
	}
	return nil, &dialogs.SheetRefusal{Text: sheetText.NotTemplate}
}

// openLimits bound what a file may unpack to: a template is a few hundred
// kilobytes; a zip that inflates past these is no template.
var openLimits = excelize.Options{UnzipSizeLimit: 64 << 20, UnzipXMLSizeLimit: 32 << 20}

// open reads a file sent back as a workbook, or says why it is none.
func open(content []byte) (*excelize.File, error) {
	kinds := campaign.SniffFile(content)
	if len(kinds) == 0 || kinds[0] != "xlsx" {
		if len(kinds) > 0 && (kinds[0] == "xls" || kinds[0] == "doc" || kinds[0] == "wps") {
			// The OLE container of old Office files: an .xls (or a
			// workbook encrypted with a password, which is one too).
			return nil, &dialogs.SheetRefusal{Text: sheetText.OldFormat}
		}
		return nil, &dialogs.SheetRefusal{Text: sheetText.NotSheet}
	}
	f, err := excelize.OpenReader(bytes.NewReader(content), openLimits)
	if err != nil {
		return nil, &dialogs.SheetRefusal{Text: sheetText.Unreadable}
	}
	return f, nil
}

// IdentifySheet reads what a file says it is.
func (Templates) IdentifySheet(content []byte) (*dialogs.SheetID, error) {
	f, err := open(content)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	meta, err := readMeta(f)
	if err != nil {
		return nil, err
	}
	return sheetID(meta)
}

func sheetID(meta map[string]string) (*dialogs.SheetID, error) {
	v, err := strconv.Atoi(meta["version"])
	if err != nil || meta["campaign"] == "" || meta["form"] == "" || meta["unit"] == "" {
		return nil, &dialogs.SheetRefusal{Text: sheetText.NotTemplate}
	}
	return &dialogs.SheetID{Campaign: meta["campaign"], Version: v, Form: meta["form"], Unit: meta["unit"], UnitName: meta["unit_name"]}, nil
}

// ReadSheet reads a filled template of campaign c.
func (Templates) ReadSheet(ctx context.Context, c *campaign.Campaign, content []byte) (*dialogs.SheetFile, error) {
	f, err := open(content)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	meta, err := readMeta(f)
	if err != nil {
		return nil, err
	}
	id, err := sheetID(meta)
	if err != nil {
		return nil, err
	}
	unit, form := c.Units[id.Unit], c.Form(id.Form)
	if id.Campaign != c.ID || id.Version != c.Version || unit == nil || form == nil {
		return nil, &dialogs.SheetRefusal{Text: sheetText.NotTemplate} // the engine checked these first
	}
	rows := shape{}
	for _, sec := range form.Sections {
		if sec.Kind != campaign.List {
			continue
		}
		if v := meta["rows."+sec.ID]; v != "" {
			rows[sec.ID] = strings.Split(v, ",")
		}
		if len(rows[sec.ID]) > maxTemplateRows {
			return nil, &dialogs.SheetRefusal{Text: sheetText.NotTemplate}
		}
	}
	want, lay, err := layout(ctx, c, unit, form, rows)
	if err != nil {
		return nil, err
	}
	want.Close()
	if lay.print != meta["layout"] {
		return nil, &dialogs.SheetRefusal{Text: sheetText.LayoutRelease}
	}
	if idx, _ := f.GetSheetIndex(lay.sheet); idx < 0 {
		return nil, &dialogs.SheetRefusal{Text: fmt.Sprintf(sheetText.SheetMissing, lay.sheet)}
	}
	diffs := compareLabels(f, lay)
	if len(diffs) == 0 {
		if diffs, err = mergedInputs(f, lay); err != nil {
			return nil, err
		}
	}
	if len(diffs) > 0 {
		return nil, &dialogs.SheetRefusal{Text: fmt.Sprintf(sheetText.LayoutChanged, strings.Join(diffs, "；"))}
	}
	out := &dialogs.SheetFile{SheetID: *id}
	for _, in := range lay.inputs {
		text, err := readCell(f, lay.sheet, in)
		if err != nil {
			return nil, err
		}
		out.Cells = append(out.Cells, dialogs.SheetCell{Section: in.sec.ID, Row: in.rowKey, Field: in.fd.ID, Text: text, Where: lay.where(in)})
	}
	return out, nil
}

// compareLabels lists (up to three) printed cells that are not what the
// template printed there: a row or column inserted, deleted or moved, a
// header rewritten.
func compareLabels(f *excelize.File, lay *tmplLayout) []string {
	refs := make([]string, 0, len(lay.labels))
	for ref := range lay.labels {
		refs = append(refs, ref)
	}
	sort.Slice(refs, func(i, j int) bool {
		ci, ri, _ := excelize.CellNameToCoordinates(refs[i])
		cj, rj, _ := excelize.CellNameToCoordinates(refs[j])
		return ri < rj || ri == rj && ci < cj
	})
	var out []string
	for _, ref := range refs {
		got, err := f.GetCellValue(lay.sheet, ref, excelize.Options{RawCellValue: true})
		if err != nil || strings.TrimSpace(got) != strings.TrimSpace(lay.labels[ref]) {
			col, row, _ := excelize.CellNameToCoordinates(ref)
			letter, _ := excelize.ColumnNumberToName(col)
			shown := fmt.Sprintf(sheetText.LayoutGot, got)
			if strings.TrimSpace(got) == "" {
				shown = sheetText.LayoutEmpty
			}
			out = append(out, fmt.Sprintf(sheetText.LayoutCell, row, letter, short(lay.labels[ref], 20), shown))
			if len(out) == 3 {
				break
			}
		}
	}
	return out
}

// maxMerges bounds the merged ranges a template may hold: the notice's
// headers have a dozen.
const maxMerges = 5000

// mergedInputs lists (up to three) merged ranges that cover an input cell
// other than as their first cell. Merging keeps only the first cell's
// value (Excel and WPS say so as they merge); read through the merge, the
// covered input would take that value, an answer no one typed there. The
// template's own merges (its title, its grouped headers) cover labels only.
func mergedInputs(f *excelize.File, lay *tmplLayout) ([]string, error) {
	merges, err := f.GetMergeCells(lay.sheet, true)
	if err != nil {
		return nil, err
	}
	if len(merges) > maxMerges {
		return []string{fmt.Sprintf(sheetText.Merges, len(merges))}, nil
	}
	var out []string
	for _, m := range merges {
		c1, r1, err1 := excelize.CellNameToCoordinates(m.GetStartAxis())
		c2, r2, err2 := excelize.CellNameToCoordinates(m.GetEndAxis())
		if err1 != nil || err2 != nil {
			continue
		}
		for _, in := range lay.inputs {
			if in.col >= c1 && in.col <= c2 && in.row >= r1 && in.row <= r2 && (in.col != c1 || in.row != r1) {
				out = append(out, fmt.Sprintf(sheetText.LayoutMerged, m.GetStartAxis()+":"+m.GetEndAxis(), lay.where(in)))
				break
			}
		}
		if len(out) == 3 {
			break
		}
	}
	return out, nil
}

func short(s string, n int) string {
	r := []rune(strings.ReplaceAll(s, "\n", " "))
	if len(r) <= n {
		return string(r)
	}
	return string(r[:n-1]) + "…"
}

// readCell reads an input cell as a person filled it, the same whichever
// program saved it: a shared or inline string, a number stored as text as
// its text, a number as it shows (at most 15 significant digits, as Excel
// shows it: 0.1+0.2 is 0.3), a date (a serial with a date format, or an
// ISO date cell) as its date, TRUE/FALSE as 是/否 where yes or no is
// asked, the result a formula left.
func readCell(f *excelize.File, sheet string, in tmplInput) (string, error) {
	raw, err := f.GetCellValue(sheet, in.ref, excelize.Options{RawCellValue: true})
	if err != nil {
		return "", err
	}
	typ, err := f.GetCellType(sheet, in.ref)
	if err != nil {
		return "", err
	}
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return "", nil
	}
	switch typ {
	case excelize.CellTypeBool:
		yes := raw == "1" || strings.EqualFold(raw, "true")
		if in.fd.Type == campaign.YesNo {
			if yes {
				return "是", nil
			}
			return "否", nil
		}
		return strings.ToUpper(strconv.FormatBool(yes)), nil
	case excelize.CellTypeDate:
		if t, err := time.Parse(time.RFC3339Nano, raw); err == nil {
			return dateText(in.fd, t), nil
		}
		if t, err := time.Parse("2006-01-02T15:04:05", raw); err == nil {
			return dateText(in.fd, t), nil
		}
		return raw, nil
	case excelize.CellTypeNumber, excelize.CellTypeUnset:
		n, err := strconv.ParseFloat(raw, 64)
		if err != nil {
			return raw, nil
		}
		if (in.fd.Type == campaign.Date || in.fd.Type == campaign.YearMonth) && dateFormatted(f, sheet, in.ref) {
			if t, err := excelize.ExcelDateToTime(n, false); err == nil {
				return dateText(in.fd, t), nil
			}
		}
		return shownNumber(n), nil
	}
	return raw, nil
}

// dateText writes a date cell's date as the field reads it.
func dateText(fd *campaign.Field, t time.Time) string {
	if fd.Type == campaign.YearMonth {
		return t.Format("2006-01")
	}
	return t.Format("2006-01-02")
}

// shownNumber is a number as a spreadsheet shows it: 15 significant
// digits, no exponent, no trailing zeros.
func shownNumber(n float64) string {
	s := strconv.FormatFloat(n, 'e', 14, 64)
	mant, exp, _ := strings.Cut(s, "e")
	e, _ := strconv.Atoi(exp)
	neg := strings.HasPrefix(mant, "-")
	digits := strings.ReplaceAll(strings.TrimPrefix(mant, "-"), ".", "")
	point := 1 + e // digits before the decimal point
	var out string
	switch {
	case point <= 0:
		out = "0." + strings.Repeat("0", -point) + digits
	case point >= len(digits):
		out = digits + strings.Repeat("0", point-len(digits))
	default:
		out = digits[:point] + "." + digits[point:]
	}
	if strings.Contains(out, ".") {
		out = strings.TrimRight(strings.TrimRight(out, "0"), ".")
	}
	if neg && out != "0" {
		out = "-" + out
	}
	return out
}

// dateFormatted reports whether a cell's number format shows a date: one
// of the built-in date formats (the Chinese ones among them) or a custom
// format with a year, month or day in it.
func dateFormatted(f *excelize.File, sheet, ref string) bool {
	id, err := f.GetCellStyle(sheet, ref)
	if err != nil {
		return false
	}
	st, err := f.GetStyle(id)
	if err != nil || st == nil {
		return false
	}
	switch n := st.NumFmt; {
	case n >= 14 && n <= 22, n >= 27 && n <= 36, n >= 45 && n <= 47, n >= 50 && n <= 58:
		return true
	}
	if st.CustomNumFmt == nil {
		return false
	}
	code := strings.ToLower(*st.CustomNumFmt)
	// What is quoted or bracketed is shown as it is ("年", [Red]).
	var b strings.Builder
	quoted, bracket := false, false
	for _, r := range code {
		switch {
		case r == '"':
			quoted = !quoted
		case r == '[' && !quoted:
			bracket = true
		case r == ']' && !quoted:
			bracket = false
		case !quoted && !bracket:
			b.WriteRune(r)
		}
	}
	return strings.ContainsAny(b.String(), "ymd") || strings.Contains(code, "年") || strings.Contains(code, "月")
}

// Cells maps each input cell of a template (a file /template made, filled
// or not) to its reference on the form's sheet: section/row/field (a list's
// row as the file names it: its key, or +n) → C7. For tools and tests that
// fill a template as a person would.
func (Templates) Cells(ctx context.Context, c *campaign.Campaign, content []byte) (sheet string, cells map[string]string, err error) {
	f, err := open(content)
	if err != nil {
		return "", nil, err
	}
	defer f.Close()
	meta, err := readMeta(f)
	if err != nil {
		return "", nil, err
	}
	unit, form := c.Units[meta["unit"]], c.Form(meta["form"])
	if unit == nil || form == nil {
		return "", nil, &dialogs.SheetRefusal{Text: sheetText.NotTemplate}
	}
	rows := shape{}
	for _, sec := range form.Sections {
		if v := meta["rows."+sec.ID]; sec.Kind == campaign.List && v != "" {
			rows[sec.ID] = strings.Split(v, ",")
		}
	}
	want, lay, err := layout(ctx, c, unit, form, rows)
	if err != nil {
		return "", nil, err
	}
	want.Close()
	cells = map[string]string{}
	for _, in := range lay.inputs {
		cells[in.sec.ID+"/"+in.rowKey+"/"+in.fd.ID] = in.ref
	}
	return lay.sheet, cells, nil
}
