package reports_test

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"tianbao/campaign"
	"tianbao/reports"
	"tianbao/store/storetest"
)

// office finds LibreOffice, for printing the exports as a coordinator does.
func office(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"soffice", "libreoffice"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("the print tests need LibreOffice: apt-get install libreoffice-calc-nogui fonts-crosextra-carlito")
	return ""
}

// officeFonts gives LibreOffice the fonts a coordinator's machine has: a
// Chinese font (the charts' Droid Sans Fallback, which a server seldom
// has and every office PC does in some form) besides the system's, where
// Calibri, the workbook's default font that column widths are counted
// in, must be Carlito, its metric twin, as Debian's LibreOffice brings it.
func officeFonts(t *testing.T, dir string) []string {
	t.Helper()
	fonts, err := filepath.Abs("fonts")
	if err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(dir, "fonts.conf")
	body := `<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>` +
		`<include ignore_missing="yes">/etc/fonts/fonts.conf</include><dir>` + fonts + `</dir><cachedir>` + filepath.Join(dir, "fc-cache") + `</cachedir></fontconfig>`
	if err := os.WriteFile(conf, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	env := append(os.Environ(), "FONTCONFIG_FILE="+conf)
	if out, err := exec.Command("fc-match", "-f", "%{family}", "Calibri").Output(); err == nil && !strings.Contains(string(out), "Carlito") {
		t.Fatalf("Calibri is printed in %q: install fonts-crosextra-carlito, or LibreOffice draws every column a third wider than Excel", out)
	}
	return env
}

// printPDF converts each workbook to PDF with LibreOffice, in one run.
func printPDF(t *testing.T, dir string, books ...string) {
	t.Helper()
	args := []string{"--headless", "-env:UserInstallation=file://" + filepath.Join(dir, "profile"), "--convert-to", "pdf", "--outdir", dir}
	cmd := exec.Command(office(t), append(args, books...)...)
	cmd.Env = officeFonts(t, dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("soffice: %v\n%s", err, out)
	}
}

// printedSheet is a sheet's pages, found by the footer each page has.
type printedSheet struct {
	name  string
	pages []pdfPage
}

var footer = regexp.MustCompile(`^(.+?)　?第 ?(\d+) ?页，共 ?(\d+) ?页$`)

// sheetsOf groups a PDF's pages by sheet, in order, checking that every
// page has its footer and that the footers number the pages.
func sheetsOf(t *testing.T, pages []pdfPage) []printedSheet {
	t.Helper()
	var out []printedSheet
	for i, p := range pages {
		var m []string
		for _, r := range p.textRows() {
			if f := footer.FindStringSubmatch(r.String()); f != nil && r.y > 0 && r.y < 60 { // in the bottom margin
				m = f
			}
		}
		if m == nil {
			t.Fatalf("page %d has no footer", i+1)
		}
		if n, _ := strconv.Atoi(m[2]); n != i+1 {
			t.Errorf("%s: page %d is footed page %s of %s", m[1], i+1, m[2], m[3])
		}
		if len(out) == 0 || out[len(out)-1].name != m[1] {
			out = append(out, printedSheet{name: m[1]})
		}
		s := &out[len(out)-1]
		s.pages = append(s.pages, p)
	}
	return out
}

func TestExportsPrint(t *testing.T) {
	db := storetest.NewDB(t)
	ctx := context.Background()
	x := reports.Exporter{DB: db}
	dir := t.TempDir()
	write := func(name string, c *campaign.Campaign, unit string, opt reports.ExportOptions) string {
		var buf bytes.Buffer
		if err := x.WriteXLSX(ctx, &buf, c, unit, opt); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, name+".xlsx")
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	books := []string{
		write("province", seedProvince(t, db), "330000", reports.ExportOptions{}),
		write("quarterly", seedQuarterly(t, db), "330000", reports.ExportOptions{Forms: []string{"progress"}}),
		write("funds", seedFunds(t, db), "330100", reports.ExportOptions{}),
		write("wide", seedWide(t, db), "330100", reports.ExportOptions{}),
	}
	printPDF(t, dir, books...)
	if out := os.Getenv("TIANBAO_PRINT_OUT"); out != "" {
		// For looking at the pages: TIANBAO_PRINT_OUT=/tmp/print go test ./reports -run TestExportsPrint
		for _, b := range books {
			for _, ext := range []string{".xlsx", ".pdf"} {
				name := strings.TrimSuffix(filepath.Base(b), ".xlsx") + ext
				data, err := os.ReadFile(filepath.Join(dir, name))
				if err != nil {
					t.Fatal(err)
				}
				if err := os.MkdirAll(out, 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(out, name), data, 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	// What each sheet must print as: upright or landscape, and a text of
	// its header (in every header and on every page).
	want := map[string]struct {
		landscape bool
		marker    string
	}{
		"province/附件1": {false, "机构名称"}, "province/附件2": {true, "序号"}, "province/附件3": {true, "按建设方式"},
		// Each city's subtree on a line (按下级汇总), 本级, 合计.
		"province/附件2按下级": {true, "单位"}, "province/附件3按下级": {true, "单位"},
		"province/政策措施按下级": {false, "单位"}, "province/附件4按下级": {true, "单位"},
		"quarterly/进度季报 2019年1-3月按下级": {false, "单位"}, "quarterly/进度季报 2019年1-6月按下级": {false, "单位"},
		"quarterly/进度季报 2019年1-9月按下级": {false, "单位"}, "quarterly/进度季报 2019年1-12月按下级": {false, "单位"},
		"funds/资金表按下级":  {true, "单位"},
		"province/政策措施": {true, "文件名称"}, "province/附件4": {true, "所属地区"}, "province/填报情况": {true, "单位"},
		"quarterly/进度季报 2019年1-3月": {false, "园区名称"}, "quarterly/进度季报 2019年1-6月": {false, "园区名称"},
		"quarterly/进度季报 2019年1-9月": {false, "园区名称"}, "quarterly/进度季报 2019年1-12月": {false, "园区名称"},
		"quarterly/填报情况": {true, "单位"}, "quarterly/进度季报各期": {false, "项目"},
		"funds/资金表": {false, "项目"}, "funds/资金表明细": {false, "所属地区"}, "funds/填报情况": {false, "单位"},
		// Thirty figures: two blocks of columns, one under the other.
		"wide/监测表": {true, "监测指标"}, "wide/填报情况": {false, "单位"},
	}
	seen := map[string]bool{}
	for _, b := range books {
		book := strings.TrimSuffix(filepath.Base(b), ".xlsx")
		pages, err := readPDF(strings.TrimSuffix(b, ".xlsx") + ".pdf")
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range sheetsOf(t, pages) {
			key := book + "/" + s.name
			w, ok := want[key]
			if !ok {
				t.Errorf("%s: a sheet the test does not know", key)
				continue
			}
			seen[key] = true
			smallest := checkPrinted(t, key, s, w.landscape, w.marker)
			t.Logf("%s: %d pages, text at %.1f pt or more", key, len(s.pages), smallest)
		}
		all := ""
		for _, p := range pages {
			for _, r := range p.textRows() {
				all += r.String() + "\n"
			}
		}
		if book == "province" {
			// A phone of two numbers, each whole on its line.
			for _, s := range []string{"0571-87059135、", "13957112236"} {
				if !strings.Contains(all, s) {
					t.Errorf("province: %q is not printed", s)
				}
			}
		}
	}
	for key := range want {
		if !seen[key] {
			t.Errorf("%s was not printed", key)
		}
	}
}

// headerFill is the background of header cells (DDEBF7).
var headerFill = [3]float64{0xDD / 255.0, 0xEB / 255.0, 0xF7 / 255.0}

// inHeader reports whether the run lies on a header cell's background.
func (p pdfPage) inHeader(r pdfRun) bool {
	for _, f := range p.fills {
		if math.Abs(f.rgb[0]-headerFill[0]) < 0.01 && math.Abs(f.rgb[1]-headerFill[1]) < 0.01 && math.Abs(f.rgb[2]-headerFill[2]) < 0.01 &&
			r.x >= f.x1-1 && r.x <= f.x2+1 && r.y >= f.y1-1 && r.y <= f.y2+1 {
			return true
		}
	}
	return false
}

// checkPrinted checks a sheet's pages: A4 in the orientation wanted, no
// text under 9 pt, the table's header atop every page and never a header
// without a row under it at a page's foot, no text across a cell's
// border (clipped or spilling), no ####. It returns the smallest size.
func checkPrinted(t *testing.T, key string, s printedSheet, landscape bool, marker string) float64 {
	t.Helper()
	smallest := math.Inf(1)
	for i, p := range s.pages {
		at := fmt.Sprintf("%s page %d", key, i+1)
		if math.Abs(math.Min(p.w, p.h)-595.3) > 1 || math.Abs(math.Max(p.w, p.h)-841.9) > 1 {
			t.Errorf("%s is %.1f×%.1f pt, not A4", at, p.w, p.h)
		}
		if p.landscape() != landscape {
			t.Errorf("%s: landscape %v, want %v", at, p.landscape(), landscape)
		}
		for _, r := range p.runs {
			if strings.TrimSpace(r.s) == "" {
				continue
			}
			smallest = math.Min(smallest, r.size)
			if r.size < 9-0.05 {
				t.Errorf("%s: %q printed at %.2f pt", at, r.s, r.size)
			}
			if strings.Contains(r.s, "###") {
				t.Errorf("%s: a figure too wide for its column (%q)", at, r.s)
			}
		}
		// The grid: its top and bottom borders; the rows of text within.
		top, bottom := math.Inf(-1), math.Inf(1)
		for _, l := range p.lines {
			if math.Abs(l.y1-l.y2) < 0.1 {
				top, bottom = math.Max(top, l.y1), math.Min(bottom, l.y1)
			}
		}
		var headerTop, dataTop, lowest float64 = math.Inf(-1), math.Inf(-1), math.Inf(1)
		lowestIsHeader, markers := false, 0
		for _, row := range p.textRows() {
			if row.y >= top || row.y <= bottom {
				continue // the banner above, the notes and footer below
			}
			header := true
			for _, r := range row.runs {
				header = header && p.inHeader(r)
			}
			if row.contains(marker) {
				markers++
			}
			if header {
				headerTop = math.Max(headerTop, row.y)
			} else {
				dataTop = math.Max(dataTop, row.y)
			}
			if row.y < lowest {
				lowest, lowestIsHeader = row.y, header
			}
		}
		if markers == 0 || headerTop < dataTop {
			t.Errorf("%s does not begin with the table's header (%q)", at, marker)
		}
		if lowestIsHeader {
			t.Errorf("%s ends with a header and no row under it", at)
		}
		// No text across a border: a ruled line through a run's glyphs.
		for _, r := range p.runs {
			if strings.TrimSpace(r.s) == "" || r.y >= top || r.y <= bottom {
				continue
			}
			for _, l := range p.lines {
				horizontal := math.Abs(l.y1-l.y2) < 0.1
				x1, x2 := math.Min(l.x1, l.x2), math.Max(l.x1, l.x2)
				y1, y2 := math.Min(l.y1, l.y2), math.Max(l.y1, l.y2)
				switch {
				case horizontal && x1 < r.x+1 && x2 > r.x+1 && l.y1 > r.bot+0.3 && l.y1 < r.top-0.3:
					t.Errorf("%s: %q is cut by a row's border at %.1f (its glyphs %.1f–%.1f)", at, r.s, l.y1, r.bot, r.top)
				case !horizontal && y1 < r.y && y2 > r.y && l.x1 > r.x+0.5 && l.x1 < r.x+r.w-0.5:
					t.Errorf("%s: %q runs across a column's border at %.1f (%.1f–%.1f)", at, r.s, l.x1, r.x, r.x+r.w)
				}
			}
		}
	}
	return smallest
}

// TestExportsPaginate: the pages as cut in the workbook itself (no office
// program needed): every sheet A4, one page wide; a sheet of one header
// repeats it as print titles; in 附件2, a sheet of blocks, every page
// break falls between rows, never right after a header, and the page
// after it begins with its block's header again.
func TestExportsPaginate(t *testing.T) {
	db := storetest.NewDB(t)
	c := seedProvince(t, db)
	var buf bytes.Buffer
	if err := (reports.Exporter{DB: db}).WriteXLSX(context.Background(), &buf, c, "330000", reports.ExportOptions{}); err != nil {
		t.Fatal(err)
	}
	f := open(t, buf.Bytes())
	titles := map[string]string{}
	for _, dn := range f.GetDefinedName() {
		if dn.Name == "_xlnm.Print_Titles" {
			titles[dn.Scope] = dn.RefersTo
		}
	}
	for i, name := range f.GetSheetList() {
		layout, err := f.GetPageLayout(name)
		if err != nil {
			t.Fatal(err)
		}
		if layout.Size == nil || *layout.Size != 9 || layout.FitToWidth == nil || *layout.FitToWidth != 1 || layout.FitToHeight == nil || *layout.FitToHeight != 0 {
			t.Errorf("%s: page layout %+v, want A4 (9), one page wide", name, layout)
		}
		if strings.HasSuffix(name, "按下级") {
			continue // a line a city: a page
		}
		want := map[string]string{"附件1": "'附件1'!$3:$3", "附件2": "", "附件3": "'附件3'!$4:$6", "政策措施": "'政策措施'!$2:$2", "附件4": "'附件4'!$3:$3", "填报情况": "'填报情况'!$2:$2"}[name]
		if titles[name] != want {
			t.Errorf("%s: print titles %q, want %q", name, titles[name], want)
		}
		breaks := rowBreaks(t, buf.Bytes(), i+1)
		if len(breaks) == 0 && name != "附件3" {
			t.Errorf("%s: no page breaks", name)
		}
		if name != "附件2" {
			continue
		}
		rows, _ := f.GetRows(name)
		header := func(r int) bool { return r >= 1 && r <= len(rows) && len(rows[r-1]) > 1 && rows[r-1][1] == "序号" }
		for _, b := range breaks { // rows 1…b on one page, b+1 on the next
			if header(b) || !header(b+1) {
				t.Errorf("附件2: a page ends at row %d (%q) and the next begins %q", b, rows[b-1], rows[b])
			}
		}
	}
}

// rowBreaks are the rows a sheet's manual page breaks follow.
func rowBreaks(t *testing.T, xlsx []byte, sheet int) []int {
	t.Helper()
	z, err := zip.NewReader(bytes.NewReader(xlsx), int64(len(xlsx)))
	if err != nil {
		t.Fatal(err)
	}
	r, err := z.Open(fmt.Sprintf("xl/worksheets/sheet%d.xml", sheet))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	var out []int
	if i := bytes.Index(b, []byte("<rowBreaks")); i >= 0 {
		for _, m := range regexp.MustCompile(`<brk id="(\d+)"`).FindAllSubmatch(b[i:], -1) {
			n, _ := strconv.Atoi(string(m[1]))
			out = append(out, n)
		}
	}
	return out
}
