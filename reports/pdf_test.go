package reports_test

import (
	"math"
	"sort"
	"strings"

	"github.com/ledongthuc/pdf"
)

// What a printed page shows, read from the PDF LibreOffice writes: its
// size, each run of text with where it starts and ends and its size on
// paper, and the ruled lines (cell borders). The library parses the file,
// its fonts and their character maps; the page's drawing operators are
// followed here, since its own text walk decodes glyph positioning as
// characters.

type pdfRun struct {
	s        string
	x, y     float64 // the baseline's start, points from the bottom left
	w, size  float64 // width and effective font size on paper
	font     string
	top, bot float64 // the vertical extent of the glyphs (approximately)
}

type pdfSegment struct{ x1, y1, x2, y2 float64 }

type pdfPage struct {
	w, h  float64
	runs  []pdfRun
	lines []pdfSegment
	fills []pdfFill
}

// pdfFill is a filled rectangle (a cell's background) and its colour.
type pdfFill struct {
	x1, y1, x2, y2 float64
	rgb            [3]float64
}

type pdfMatrix [6]float64 // a b c d e f

func (m pdfMatrix) mul(n pdfMatrix) pdfMatrix {
	return pdfMatrix{
		m[0]*n[0] + m[1]*n[2], m[0]*n[1] + m[1]*n[3],
		m[2]*n[0] + m[3]*n[2], m[2]*n[1] + m[3]*n[3],
		m[4]*n[0] + m[5]*n[2] + n[4], m[4]*n[1] + m[5]*n[3] + n[5],
	}
}

func (m pdfMatrix) apply(x, y float64) (float64, float64) {
	return x*m[0] + y*m[2] + m[4], x*m[1] + y*m[3] + m[5]
}

var pdfIdentity = pdfMatrix{1, 0, 0, 1, 0, 0}

// readPDF reads every page of the file.
func readPDF(path string) ([]pdfPage, error) {
	f, r, err := pdf.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var pages []pdfPage
	for i := 1; i <= r.NumPage(); i++ {
		pages = append(pages, readPage(r.Page(i)))
	}
	return pages, nil
}

func readPage(p pdf.Page) pdfPage {
	var page pdfPage
	box := p.V.Key("MediaBox")
	page.w = box.Index(2).Float64() - box.Index(0).Float64()
	page.h = box.Index(3).Float64() - box.Index(1).Float64()

	type state struct {
		ctm       pdfMatrix
		font      *pdf.Font
		fontName  string
		size      float64
		charSpace float64
		wordSpace float64
		hscale    float64
		leading   float64
		rise      float64
		fill      [3]float64
	}
	g := state{ctm: pdfIdentity, hscale: 1}
	var stack []state
	var tm, tlm pdfMatrix
	var enc pdf.TextEncoding
	fonts := map[string]*pdf.Font{}
	var path [][2]float64
	var rects []pdfFill

	show := func(raw string) {
		if g.font == nil {
			return
		}
		text := enc.Decode(raw)
		start := pdfMatrix{g.size * g.hscale, 0, 0, g.size, 0, g.rise}.mul(tm).mul(g.ctm)
		advance := 0.0
		for i := 0; i < len(raw); i++ {
			w := g.font.Width(int(raw[i])) / 1000 * g.size
			w += g.charSpace
			if raw[i] == ' ' {
				w += g.wordSpace
			}
			advance += w * g.hscale
		}
		x, y := start.apply(0, 0)
		size := math.Hypot(start[2], start[3])
		end := pdfMatrix{1, 0, 0, 1, advance, 0}.mul(tm).mul(g.ctm)
		ex, _ := end.apply(0, 0)
		page.runs = append(page.runs, pdfRun{s: text, x: x, y: y, w: ex - x, size: size, font: g.fontName,
			top: y + 0.88*size, bot: y - 0.12*size})
		tm = pdfMatrix{1, 0, 0, 1, advance, 0}.mul(tm)
	}
	pdf.Interpret(p.V.Key("Contents"), func(stk *pdf.Stack, op string) {
		n := stk.Len()
		args := make([]pdf.Value, n)
		for i := n - 1; i >= 0; i-- {
			args[i] = stk.Pop()
		}
		num := func(i int) float64 { return args[i].Float64() }
		switch op {
		case "q":
			stack = append(stack, g)
		case "Q":
			if len(stack) > 0 {
				g = stack[len(stack)-1]
				stack = stack[:len(stack)-1]
			}
		case "cm":
			g.ctm = pdfMatrix{num(0), num(1), num(2), num(3), num(4), num(5)}.mul(g.ctm)
		case "BT":
			tm, tlm = pdfIdentity, pdfIdentity
		case "Tf":
			name := args[0].Name()
			if fonts[name] == nil {
				f := p.Font(name)
				fonts[name] = &f
			}
			g.font, g.size = fonts[name], num(1)
			g.fontName = g.font.BaseFont()
			enc = g.font.Encoder()
		case "Tc":
			g.charSpace = num(0)
		case "Tw":
			g.wordSpace = num(0)
		case "Tz":
			g.hscale = num(0) / 100
		case "TL":
			g.leading = num(0)
		case "Ts":
			g.rise = num(0)
		case "Td", "TD":
			if op == "TD" {
				g.leading = -num(1)
			}
			tlm = pdfMatrix{1, 0, 0, 1, num(0), num(1)}.mul(tlm)
			tm = tlm
		case "Tm":
			tlm = pdfMatrix{num(0), num(1), num(2), num(3), num(4), num(5)}
			tm = tlm
		case "T*":
			tlm = pdfMatrix{1, 0, 0, 1, 0, -g.leading}.mul(tlm)
			tm = tlm
		case "Tj":
			show(args[0].RawString())
		case "'", "\"":
			tlm = pdfMatrix{1, 0, 0, 1, 0, -g.leading}.mul(tlm)
			tm = tlm
			show(args[n-1].RawString())
		case "TJ":
			a := args[0]
			for i := 0; i < a.Len(); i++ {
				v := a.Index(i)
				if v.Kind() == pdf.String {
					show(v.RawString())
				} else {
					tm = pdfMatrix{1, 0, 0, 1, -v.Float64() / 1000 * g.size * g.hscale, 0}.mul(tm)
				}
			}
		case "rg":
			g.fill = [3]float64{num(0), num(1), num(2)}
		case "g":
			g.fill = [3]float64{num(0), num(0), num(0)}
		case "re":
			x1, y1 := g.ctm.apply(num(0), num(1))
			x2, y2 := g.ctm.apply(num(0)+num(2), num(1)+num(3))
			rects = append(rects, pdfFill{x1: math.Min(x1, x2), y1: math.Min(y1, y2), x2: math.Max(x1, x2), y2: math.Max(y1, y2)})
		case "m":
			x, y := g.ctm.apply(num(0), num(1))
			path = [][2]float64{{x, y}}
		case "l":
			x, y := g.ctm.apply(num(0), num(1))
			path = append(path, [2]float64{x, y})
		case "S", "s":
			for i := 1; i < len(path); i++ {
				page.lines = append(page.lines, pdfSegment{path[i-1][0], path[i-1][1], path[i][0], path[i][1]})
			}
			path, rects = nil, nil
		case "f", "f*", "F":
			for _, r := range rects {
				r.rgb = g.fill
				page.fills = append(page.fills, r)
			}
			path, rects = nil, nil
		case "n", "B", "b", "B*", "b*":
			path, rects = nil, nil
		}
	})
	return page
}

// landscape reports whether the page is wider than high.
func (p pdfPage) landscape() bool { return p.w > p.h }

// textRows are the page's runs joined into lines of text, top to bottom:
// runs on one baseline, left to right.
func (p pdfPage) textRows() []pdfTextRow {
	runs := append([]pdfRun(nil), p.runs...)
	sort.SliceStable(runs, func(i, j int) bool {
		if math.Abs(runs[i].y-runs[j].y) > 1 {
			return runs[i].y > runs[j].y
		}
		return runs[i].x < runs[j].x
	})
	var rows []pdfTextRow
	for _, r := range runs {
		if strings.TrimSpace(r.s) == "" {
			continue
		}
		if n := len(rows); n > 0 && math.Abs(rows[n-1].y-r.y) <= 1 {
			rows[n-1].runs = append(rows[n-1].runs, r)
			continue
		}
		rows = append(rows, pdfTextRow{y: r.y, runs: []pdfRun{r}})
	}
	return rows
}

type pdfTextRow struct {
	y    float64
	runs []pdfRun
}

func (r pdfTextRow) String() string {
	var b strings.Builder
	for _, run := range r.runs {
		b.WriteString(run.s)
	}
	return b.String()
}

// contains reports whether the row holds s.
func (r pdfTextRow) contains(s string) bool { return strings.Contains(r.String(), s) }
