package reports_test

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"io"
	"regexp"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"tianbao/campaign"
	"tianbao/campaigns"
	"tianbao/dialogs"
	"tianbao/dialogs/dialogtest"
	"tianbao/reports"
	"tianbao/store/storetest"
)

// builtinTemplate is a unit's template of a form of the built-in campaign
// with the draft the unit's contact typed (says).
func builtinTemplate(t *testing.T, unit, form string, says ...string) (*campaign.Campaign, []byte) {
	t.Helper()
	db := storetest.NewDB(t)
	env := dialogtest.New(t, db, now)
	c := env.Contact(unit, "张三")
	for _, s := range says {
		c.Say(s)
	}
	camp, err := env.Registry.Campaign(context.Background(), campaigns.BuiltinID)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := (reports.Templates{DB: db}).Write(context.Background(), &buf, camp, unit, form, now); err != nil {
		t.Fatal(err)
	}
	return camp, buf.Bytes()
}

// TestTemplateLayout: 附件2's template is the notice's table (the export's
// title, headers and blocks) with the draft's park and ten empty rows per
// block; the cells to fill are unlocked, everything else locked under
// sheet protection; a choice is a drop-down list; each column's header has
// a note; what the file is is in a very hidden, protected sheet and in
// the document's custom properties.
func TestTemplateLayout(t *testing.T) {
	camp, content := builtinTemplate(t, "330106", "a2", "/start", "附件2", "/cancel")
	f, err := excelize.OpenReader(bytes.NewReader(content))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetList(); len(got) != 2 || got[0] != "附件2" || got[1] != "tianbao" {
		t.Fatalf("sheets %v", got)
	}
	if v, _ := f.GetSheetVisible("tianbao"); v {
		t.Error("the sheet that names the file is visible")
	}
	sheet, cells, err := reports.Templates{}.Cells(context.Background(), camp, content)
	if err != nil || sheet != "附件2" {
		t.Fatal(sheet, err)
	}
	// Three blocks of ten empty rows, eight fields each.
	if len(cells) != 3*10*8 {
		t.Errorf("%d input cells, want 240", len(cells))
	}
	locked := func(ref string) bool {
		id, _ := f.GetCellStyle(sheet, ref)
		st, _ := f.GetStyle(id)
		return st.Protection == nil || st.Protection.Locked
	}
	name := cells["completed/+1/name"]
	if locked(name) {
		t.Errorf("%s (a park's name) is locked", name)
	}
	title, _ := f.GetCellValue(sheet, "A2")
	if title != "2019年小微企业园建设提升计划情况表" || !locked("A2") {
		t.Errorf("A2 %q, locked %v", title, locked("A2"))
	}
	// The protection of the sheet, as its XML says.
	xml := sheetXML(t, content, "xl/worksheets/sheet1.xml")
	if !strings.Contains(xml, `<sheetProtection`) || !strings.Contains(xml, `sheet="true"`) {
		t.Error("the form's sheet is not protected")
	}
	if !regexp.MustCompile(`<dataValidation [^>]*sqref="(?:[^"]* )?` + cells["completed/+1/ptype"] + `[ "][^>]*type="list"`).MatchString(xml) {
		t.Errorf("园区类型 (%s) has no drop-down list", cells["completed/+1/ptype"])
	}
	if !strings.Contains(xml, "生产制造类,生产性服务等其他类") {
		t.Error("the list's choices are not the field's")
	}
	comments, _ := f.GetComments(sheet)
	notes := ""
	for _, c := range comments {
		notes += c.Text + "\n"
	}
	for _, want := range []string{"计划用地（亩）", "单位：亩", "请从下拉列表中选择：生产制造类、生产性服务等其他类", "填年月"} {
		if !strings.Contains(notes, want) {
			t.Errorf("no note says %q; notes:\n%s", want, notes)
		}
	}
	props, _ := f.GetCustomProps()
	got := map[string]any{}
	for _, p := range props {
		got[p.Name] = p.Value
	}
	if got["tianbao.unit"] != "330106" || got["tianbao.form"] != "a2" || got["tianbao.campaign"] != "zj-2018-14" || got["tianbao.version"] != "1" {
		t.Errorf("custom properties %v", got)
	}
	id, err := reports.Templates{}.IdentifySheet(content)
	if err != nil || id.Unit != "330106" || id.Form != "a2" || id.Version != 1 || id.UnitName != "西湖区" {
		t.Errorf("identified as %+v, %v", id, err)
	}
}

// sheetXML is one part of a workbook.
func sheetXML(t *testing.T, content []byte, name string) string {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(content), int64(len(content)))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range zr.File {
		if f.Name == name {
			r, _ := f.Open()
			b, _ := io.ReadAll(r)
			r.Close()
			return string(b)
		}
	}
	t.Fatalf("no %s", name)
	return ""
}

// withCells rewrites cells of a workbook's first sheet as given XML (an
// inline string, a formula with the value it left, a date serial), the way
// other programs write them.
func withCells(t *testing.T, content []byte, cells map[string]string) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(content), int64(len(content)))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, f := range zr.File {
		r, _ := f.Open()
		b, _ := io.ReadAll(r)
		r.Close()
		if f.Name == "xl/worksheets/sheet1.xml" {
			s := string(b)
			for ref, cell := range cells {
				re := regexp.MustCompile(`<c r="` + ref + `"[^>]*?(/>|>.*?</c>)`)
				if !re.MatchString(s) {
					t.Fatalf("no cell %s", ref)
				}
				s = re.ReplaceAllLiteralString(s, cell)
			}
			b = []byte(s)
		}
		w, _ := zw.Create(f.Name)
		_, _ = w.Write(b)
	}
	_ = zw.Close()
	return out.Bytes()
}

// TestTemplateCellsAsSaved: what Excel, WPS and LibreOffice write for what
// a person typed reads as typed: an inline string, a shared string, a
// number stored as text, a float of many digits (shown as 15 significant
// digits), the value a formula left, a month typed where Excel made it a
// date (a serial with a date format, or a Chinese one), TRUE/FALSE.
func TestTemplateCellsAsSaved(t *testing.T) {
	camp, content := builtinTemplate(t, "330106", "a2", "/start")
	_, cells, err := reports.Templates{}.Cells(context.Background(), camp, content)
	if err != nil {
		t.Fatal(err)
	}
	// Styles the template's workbook has, for a date format: made with
	// excelize on a copy, whose styles part replaces the template's.
	f, _ := excelize.OpenReader(bytes.NewReader(content))
	ymd, _ := f.NewStyle(&excelize.Style{NumFmt: 14})
	cn := `yyyy"年"m"月"`
	ym, _ := f.NewStyle(&excelize.Style{CustomNumFmt: &cn})
	_ = f.SetCellStr("附件2", cells["completed/+1/address"], "三墩镇 1 号") // a shared string
	_ = f.SetCellStr("附件2", cells["completed/+1/land"], "50")         // a number stored as text
	var buf bytes.Buffer
	_, _ = f.WriteTo(&buf)
	f.Close()
	r := func(key string) string { return cells[key] }
	content = withCells(t, buf.Bytes(), map[string]string{
		r("completed/+1/name"):     `<c r="` + r("completed/+1/name") + `" t="inlineStr"><is><t>西湖创业园</t></is></c>`,
		r("completed/+1/ptype"):    `<c r="` + r("completed/+1/ptype") + `" t="inlineStr"><is><r><t>生产</t></r><r><t>制造类</t></r></is></c>`,
		r("completed/+1/industry"): `<c r="` + r("completed/+1/industry") + `" t="str"><f>"智能"&amp;"装备"</f><v>智能装备</v></c>`,
		r("completed/+1/area"):     `<c r="` + r("completed/+1/area") + `"><v>3.5000000000000004</v></c>`,
		r("completed/+1/finish"):   `<c r="` + r("completed/+1/finish") + `" s="` + itoa(ymd) + `"><v>43617</v></c>`,
		r("completed/+2/finish"):   `<c r="` + r("completed/+2/finish") + `" s="` + itoa(ym) + `"><v>43800</v></c>`,
		r("completed/+2/land"):     `<c r="` + r("completed/+2/land") + `"><f>20+30.5</f><v>50.5</v></c>`,
		r("completed/+2/name"):     `<c r="` + r("completed/+2/name") + `" t="b"><v>1</v></c>`,
		r("completed/+2/area"):     `<c r="` + r("completed/+2/area") + `"><v>1E-3</v></c>`,
	})
	file, err := reports.Templates{}.ReadSheet(context.Background(), camp, content)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, c := range file.Cells {
		if c.Text != "" {
			got[c.Section+"/"+c.Row+"/"+c.Field] = c.Text
		}
	}
	want := map[string]string{
		"completed/+1/name": "西湖创业园", "completed/+1/ptype": "生产制造类", "completed/+1/industry": "智能装备",
		"completed/+1/address": "三墩镇 1 号", "completed/+1/land": "50", "completed/+1/area": "3.5",
		"completed/+1/finish": "2019-06", "completed/+2/finish": "2019-12", "completed/+2/land": "50.5",
		"completed/+2/name": "TRUE", "completed/+2/area": "0.001",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s read %q, want %q", k, got[k], v)
		}
	}
	if len(got) != len(want) {
		t.Errorf("read %d cells, want %d: %v", len(got), len(want), got)
	}
}

func itoa(n int) string {
	b := []byte{}
	if n == 0 {
		return "0"
	}
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

// TestTemplateNotOneRefused: what is no template, or is one no longer, is
// refused with what is wrong.
func TestTemplateNotOneRefused(t *testing.T) {
	camp, content := builtinTemplate(t, "330106", "a3", "/start")
	refused := func(b []byte, want string) {
		t.Helper()
		_, err := reports.Templates{}.ReadSheet(context.Background(), camp, b)
		var r *dialogs.SheetRefusal
		if err == nil || !strings.Contains(err.Error(), want) || !errorsAs(err, &r) {
			t.Errorf("want a refusal saying %q, got %v", want, err)
		}
	}
	refused([]byte("%PDF-1.4 not a workbook"), "不是 Excel/WPS 表格")
	refused(content[:len(content)/2], "不是 Excel/WPS 表格")
	// A header rewritten.
	f, _ := excelize.OpenReader(bytes.NewReader(content))
	_ = f.SetCellStr("附件3", "B5", "新建（家）")
	var b bytes.Buffer
	_, _ = f.WriteTo(&b)
	refused(b.Bytes(), "第 5 行 B 列应为「新建成（家）」，现在是「新建（家）」")
	// The hidden sheet deleted: the document's properties still say it.
	f, _ = excelize.OpenReader(bytes.NewReader(content))
	_ = f.DeleteSheet("tianbao")
	b.Reset()
	_, _ = f.WriteTo(&b)
	if _, err := (reports.Templates{}).ReadSheet(context.Background(), camp, b.Bytes()); err != nil {
		t.Errorf("without the hidden sheet: %v", err)
	}
	// Both gone: no template.
	f, _ = excelize.OpenReader(bytes.NewReader(b.Bytes()))
	for _, p := range []string{"kind", "campaign", "version", "form", "unit", "unit_name", "layout", "made"} {
		_ = f.SetCustomProps(excelize.CustomProperty{Name: "tianbao." + p})
	}
	b.Reset()
	_, _ = f.WriteTo(&b)
	refused(b.Bytes(), "不是用 /template 下载的填报表格")
}

func errorsAs(err error, target **dialogs.SheetRefusal) bool {
	r, ok := err.(*dialogs.SheetRefusal)
	if ok {
		*target = r
	}
	return ok
}

// TestTemplateMergedCells: the notice's merged headers as Excel and WPS
// save them — every covered cell written, styled and empty, or repeating
// the merged value — read as the template wrote them; a merge a person
// makes over an input cell (merging keeps the first cell's value only) is
// refused as a change of layout, never read as the first cell's answer.
func TestTemplateMergedCells(t *testing.T) {
	camp, content := builtinTemplate(t, "330106", "a3", "/start")
	sheet, cells, err := reports.Templates{}.Cells(context.Background(), camp, content)
	if err != nil {
		t.Fatal(err)
	}
	f, _ := excelize.OpenReader(bytes.NewReader(content))
	values := map[string]any{"main//built": 3, "main//upgraded": 0, "main//mfg_count": 2, "main//mfg_land": 120, "main//mfg_firms": 45,
		"main//svc_count": 1, "main//svc_area": 3.5, "main//svc_firms": 20, "main//target": 80}
	for k, v := range values {
		_ = f.SetCellValue(sheet, cells[k], v)
	}
	merges, err := f.GetMergeCells(sheet)
	if err != nil || len(merges) < 5 {
		t.Fatalf("the template's merges: %v %v", merges, err)
	}
	// Every covered cell written with the first cell's style, as Excel does.
	covered := map[string]string{}
	for _, m := range merges {
		st, _ := f.GetCellStyle(sheet, m.GetStartAxis())
		_ = f.SetCellStyle(sheet, m.GetStartAxis(), m.GetEndAxis(), st)
		c1, r1, _ := excelize.CellNameToCoordinates(m.GetStartAxis())
		c2, r2, _ := excelize.CellNameToCoordinates(m.GetEndAxis())
		for r := r1; r <= r2; r++ {
			for c := c1; c <= c2; c++ {
				if r != r1 || c != c1 {
					ref, _ := excelize.CoordinatesToCellName(c, r)
					covered[ref] = m.GetCellValue()
				}
			}
		}
	}
	var buf bytes.Buffer
	_, _ = f.WriteTo(&buf)
	f.Close()
	excel := buf.Bytes()
	// A writer that repeats the merged value in its covered cells.
	repeat := map[string]string{}
	for ref, v := range covered {
		if v != "" {
			repeat[ref] = `<c r="` + ref + `" t="inlineStr"><is><t>` + v + `</t></is></c>`
		}
	}
	if len(repeat) == 0 {
		t.Fatal("no merged label to repeat")
	}
	wps := withCells(t, excel, repeat)
	for name, b := range map[string][]byte{"covered cells empty": excel, "covered cells repeated": wps} {
		file, err := reports.Templates{}.ReadSheet(context.Background(), camp, b)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		for _, c := range file.Cells {
			if want := fmt.Sprint(values[c.Section+"/"+c.Row+"/"+c.Field]); c.Text != want {
				t.Errorf("%s: %s read %q, want %s", name, c.Where, c.Text, want)
			}
		}
	}
	// Two input cells merged by a person: 新建成 over 改造提升.
	f, _ = excelize.OpenReader(bytes.NewReader(excel))
	_ = f.UnprotectSheet(sheet)
	if err := f.MergeCell(sheet, cells["main//built"], cells["main//upgraded"]); err != nil {
		t.Fatal(err)
	}
	buf.Reset()
	_, _ = f.WriteTo(&buf)
	f.Close()
	_, err = reports.Templates{}.ReadSheet(context.Background(), camp, buf.Bytes())
	var r *dialogs.SheetRefusal
	if err == nil || !errorsAs(err, &r) || !strings.Contains(err.Error(), cells["main//built"]+":"+cells["main//upgraded"]+" 合并了单元格，盖住了要填写的第 7 行「改造提升（家）」") {
		t.Errorf("a merge over an input: %v", err)
	}
}
