package reports

import (
	"fmt"
	"math"
	"strings"

	"github.com/xuri/excelize/v2"

	"tianbao/catalog"
)

// How a sheet prints. These tables are printed, stamped (盖章) and filed, so
// every sheet is laid out for A4 here, in one place: the columns are sized
// and, where the sheet is wide, narrowed (their text wraps) until the sheet
// fits one page wide at 9 pt or more; the page turns landscape where it
// would not fit upright at full size; every row's height is set for the
// lines its text wraps to; and the sheet is cut into pages here too, with
// manual page breaks, so that a block's header never sits alone at a
// page's foot and a sheet of several blocks (附件2's sections) repeats the
// header of the block a page continues.
//
// A column's width is counted in digits of the workbook's default font
// (Calibri 11): Excel draws one as 7 px, 5.25 pt; LibreOffice (with
// Carlito, Calibri's metric twin) as 5.52 pt, and it fits a sheet to the
// page about 5 % more tightly than it needs to. The cells' text is 宋体 11:
// a Chinese character is 11 pt wide, a digit 5.5 pt in 宋体 but up to 7 pt
// in the fonts that stand in for it. The estimates below take the side of
// each that is safe: the widest column drawing for the font size, the
// widest text for wrapping, and the largest scale for cutting pages (an
// application that shrinks more fits more on a page than planned).
const (
	pointsPerInch = 72.0
	a4Width       = 595.28 // points
	a4Height      = 841.89
	paperA4       = 9 // pageSetup paperSize

	marginSide   = 0.4 // inches
	marginTop    = 0.55
	marginBottom = 0.65
	marginHead   = 0.25 // the header's and footer's distance from the edge
	marginFoot   = 0.25

	unitPointsWide = 5.6  // the widest an application draws a column unit (LibreOffice: 5.52, Excel: 5.25)
	fitSlack       = 0.95 // LibreOffice fits to the page this much more tightly

	cellFont   = 11.0 // the cells' font size, points
	minFont    = 9.0  // never printed smaller
	fontMargin = 0.2  // points planned above minFont, for rounding
	easyFont   = 10.0 // a wide sheet is narrowed to print at this size, where it can be

	wideChar    = 2.1 // a Chinese character of the cell font, in column units
	narrowChar  = 1.3 // a digit or Latin letter, in the widest stand-in font
	spaceChar   = 0.7
	cellPadding = 1.0 // units a cell's text keeps clear of its borders (Excel: 5 px)

	lineHeight = 15.0 // points a line of 11-pt text takes in a row
	maxLines   = 27   // a row grows no further (Excel's limit, 409 pt)
	pageSafety = 0.97 // of a page's height planned, for rounding
)

// printableWidth is the width between the side margins, in points.
func printableWidth(landscape bool) float64 {
	w := a4Width
	if landscape {
		w = a4Height
	}
	return w - 2*marginSide*pointsPerInch
}

// printableHeight is the height between the top and bottom margins.
func printableHeight(landscape bool) float64 {
	h := a4Height
	if landscape {
		h = a4Width
	}
	return h - (marginTop+marginBottom)*pointsPerInch
}

// fontScale is the scale the most shrinking application fits columns of
// the total width (units) to the page with: at most 1.
func fontScale(total float64, landscape bool) float64 {
	return math.Min(1, fitSlack*printableWidth(landscape)/(total*unitPointsWide))
}

// widthAt is the total width of columns that prints with 11-pt text at
// size points on a page of the orientation, in the most shrinking
// application: at full size, at easyFont, at minFont (plus the margin).
func widthAt(size float64, landscape bool) float64 {
	return fitSlack * printableWidth(landscape) / (unitPointsWide * size / cellFont)
}

// widthBudget is the widest a sheet may be: landscape, at 9 pt.
func widthBudget() float64 { return widthAt(minFont+fontMargin, true) }

// excelScale is the scale Excel fits the columns to the page with, the
// largest any application uses: each column is trunc(w×7+0.5) pixels.
func excelScale(widths []float64, landscape bool) float64 {
	px := 0.0
	for _, w := range widths {
		px += math.Trunc(w*7 + 0.5)
	}
	return math.Min(1, printableWidth(landscape)/(px*0.75))
}

// pageLayout is how a sheet prints: its orientation, the scale an
// application fits it to the page's width with, and the height of rows a
// page holds at that scale (points of the sheet).
type pageLayout struct {
	landscape bool
	scale     float64 // the largest, for cutting pages
	font      float64 // the smallest, the effective size of 11-pt text
	body      float64
}

// fitColumns gives the columns' widths on paper and the page they print
// on: upright where they fit it at full size, else landscape; a sheet too
// wide to print at 10 pt is narrowed (its text columns down to their
// minimum, their text wrapping to more lines), and one narrower than the
// page has its text columns widened to fill it (fewer lines, fewer
// pages).
func fitColumns(cols []column) ([]float64, pageLayout) {
	widths := make([]float64, len(cols))
	total, spare, growable := 0.0, 0.0, 0.0
	for i, c := range cols {
		widths[i] = c.width
		total += c.width
		spare += c.width - c.minWidth()
		if c.grow {
			growable += c.width
		}
	}
	landscape := total > widthAt(cellFont, false)
	switch easy, full := widthAt(easyFont, landscape), widthAt(cellFont, landscape); {
	case total > easy && spare > 0:
		cut := math.Min(1, (total-easy)/spare)
		for i, c := range cols {
			widths[i] -= (c.width - c.minWidth()) * cut
		}
		total -= spare * cut
	case total < full && growable > 0:
		add := math.Min(1, (full-total)/growable) // at most twice as wide
		for i, c := range cols {
			if c.grow {
				widths[i] += c.width * add
				total += c.width * add
			}
		}
	}
	scale := excelScale(widths, landscape)
	return widths, pageLayout{
		landscape: landscape,
		scale:     scale,
		font:      cellFont * fontScale(total, landscape),
		body:      pageSafety * printableHeight(landscape) / scale,
	}
}

// splitColumns divides rest into groups that each fit the page at 9 pt
// beside the lead columns: a sheet too wide for one page (a monthly
// return's twelve periods, a ten-day one's thirty-six) prints as several
// blocks, one under the other, each with the lead columns.
func splitColumns(lead, rest []column) [][]column {
	base := 0.0
	for _, c := range lead {
		base += c.minWidth()
	}
	var groups [][]column
	var cur []column
	used := base
	for _, c := range rest {
		if len(cur) > 0 && used+c.minWidth() > widthBudget() {
			groups = append(groups, cur)
			cur, used = nil, base
		}
		cur = append(cur, c)
		used += c.minWidth()
	}
	return append(groups, cur)
}

// charWidth is a character's width in column units.
func charWidth(r rune) float64 {
	switch {
	case r == ' ':
		return spaceChar
	case r < 0x2E80:
		return narrowChar
	}
	return wideChar
}

// textWidth is a line of text's width in column units.
func textWidth(s string) float64 {
	w := 0.0
	for _, r := range s {
		w += charWidth(r)
	}
	return w
}

// noLineStart are the characters a line never starts with (they stay
// with the character before); noLineEnd, ends with.
const (
	noLineStart = "、，。；：？！）」』】》〕”’%,.;:?!)]}"
	noLineEnd   = "（「『【《〔“‘([{"
)

// canBreak reports whether a line may break between a and b, as
// spreadsheets break lines, erring on the side of not: around a Chinese
// character, after a space, a hyphen or a slash; never before a closing
// mark or after an opening one, nor between a closing mark and a Latin
// letter or digit (LibreOffice keeps 87059135、13957112233 together).
func canBreak(a, b rune) bool {
	ideograph := func(r rune) bool {
		return r >= 0x2E80 && !strings.ContainsRune(noLineStart, r) && !strings.ContainsRune(noLineEnd, r)
	}
	switch {
	case strings.ContainsRune(noLineStart, b), strings.ContainsRune(noLineEnd, a):
		return false
	case a == ' ', a == '-', a == '/':
		return true
	case strings.ContainsRune(noLineStart, a):
		return ideograph(b) || strings.ContainsRune(noLineEnd, b)
	}
	return ideograph(a) || ideograph(b)
}

// breakTokens cuts text where a line may break.
func breakTokens(s string) []string {
	var out []string
	start, prev := 0, rune(-1)
	for i, r := range s {
		if prev >= 0 && canBreak(prev, r) {
			out = append(out, s[start:i])
			start = i
		}
		prev = r
	}
	if start < len(s) {
		out = append(out, s[start:])
	}
	return out
}

// textLines is the number of lines text wraps to in a column of width
// units: greedily, as a spreadsheet wraps, a word longer than a line cut
// anywhere.
func textLines(s string, width float64) int {
	capacity := math.Max(width-cellPadding, wideChar)
	if !strings.Contains(s, "\n") && textWidth(s) <= capacity {
		return 1 // most cells
	}
	lines := 0
	for _, para := range strings.Split(s, "\n") {
		n, used := 1, 0.0
		for _, tok := range breakTokens(para) {
			w := textWidth(tok)
			if used > 0 && used+textWidth(strings.TrimRight(tok, " ")) > capacity {
				n, used = n+1, 0
			}
			if used == 0 && w > capacity {
				for _, r := range tok {
					if cw := charWidth(r); used > 0 && used+cw > capacity {
						n, used = n+1, cw
					} else {
						used += cw
					}
				}
				continue
			}
			used += w
		}
		lines += n
	}
	return max(lines, 1)
}

// rowHeight is the height of a row of cells in columns of the widths:
// tall enough for the most lines any text wraps to.
func rowHeight(cells []excelize.Cell, widths []float64) float64 {
	lines := 1
	for i, c := range cells {
		if str, ok := c.Value.(string); ok && str != "" && i < len(widths) {
			lines = max(lines, textLines(str, widths[i]))
		}
	}
	return float64(min(lines, maxLines)) * lineHeight
}

// spanWidth is the width of columns from..to (0-based, inclusive).
func spanWidth(widths []float64, from, to int) float64 {
	w := 0.0
	for i := from; i <= to && i < len(widths); i++ {
		w += widths[i]
	}
	return w
}

// block is a part of a sheet under a header of its own: 附件2's section,
// a further table of a form, a group of a wide sheet's columns.
type block struct {
	cols   []column
	offset int    // the columns before cols (附件2's section names)
	lead   string // the section's name, down the first column
	start  int    // the first row of the block on this page
}

// beginBlock writes a block's header rows, first turning the page if the
// header and the block's first rows would not fit on this one.
func (s *sheet) beginBlock(cols []column, offset int, lead string) error {
	if err := s.endBlock(); err != nil {
		return err
	}
	heights := s.headerHeights(cols, offset, lead)
	if err := s.keep(sum(heights) + 2*lineHeight); err != nil {
		return err
	}
	s.blk = &block{cols: cols, offset: offset, lead: lead, start: s.row + 1}
	return s.header(cols, offset, lead)
}

// endBlock closes the block: its name merged down its first column.
func (s *sheet) endBlock() error {
	b := s.blk
	s.blk = nil
	if b == nil || b.offset == 0 || s.row < b.start {
		return nil
	}
	return s.merge(1, b.start, 1, s.row)
}

// keep turns the page unless rows of height h fit on what is left of it
// (or would not fit on an empty page either).
func (s *sheet) keep(h float64) error {
	if s.used > s.top && s.used+h > s.page.body && s.top+h <= s.page.body {
		return s.newPage()
	}
	return nil
}

// newPage ends the page before the next row: a manual break, and in a
// sheet of blocks the current block's header again (its name marked 续).
func (s *sheet) newPage() error {
	if err := s.sw.InsertPageBreak(cellName(1, s.row+1)); err != nil {
		return err
	}
	s.used = s.top
	b := s.blk
	if !s.blocks || b == nil {
		return nil
	}
	if b.offset > 0 && s.row >= b.start {
		if err := s.merge(1, b.start, 1, s.row); err != nil {
			return err
		}
	}
	b.start = s.row + 1
	lead := b.lead
	if lead != "" {
		lead += catalog.ReportTexts.Continued
	}
	return s.header(b.cols, b.offset, lead)
}

// setUp gives the sheet its page: A4 in the orientation chosen, one page
// wide, margins, and a footer naming the sheet and the page. It must come
// before the stream is flushed.
func (s *sheet) setUp() error {
	orientation := "portrait"
	if s.page.landscape {
		orientation = "landscape"
	}
	size, wide, tall := paperA4, 1, 0
	if err := s.f.SetPageLayout(s.name, &excelize.PageLayoutOptions{Size: &size, Orientation: &orientation, FitToWidth: &wide, FitToHeight: &tall}); err != nil {
		return fmt.Errorf("page setup of %s: %w", s.name, err)
	}
	side, top, bottom, head, foot := marginSide, marginTop, marginBottom, marginHead, marginFoot
	if err := s.f.SetPageMargins(s.name, &excelize.PageLayoutMarginsOptions{Left: &side, Right: &side, Top: &top, Bottom: &bottom, Header: &head, Footer: &foot}); err != nil {
		return fmt.Errorf("page margins of %s: %w", s.name, err)
	}
	no := false
	if err := s.f.SetHeaderFooter(s.name, &excelize.HeaderFooterOptions{ScaleWithDoc: &no, OddFooter: catalog.ReportTexts.PageFooter}); err != nil {
		return fmt.Errorf("page footer of %s: %w", s.name, err)
	}
	return nil
}

// fitToPage is set before a sheet's stream is opened (the stream writes
// the sheet's properties first).
func fitToPage(f *excelize.File, sheet string) error {
	yes := true
	return f.SetSheetProps(sheet, &excelize.SheetPropsOptions{FitToPage: &yes})
}
