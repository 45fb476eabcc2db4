package reports

import (
	"context"
	_ "embed"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/go-analyze/charts"

	"tianbao/campaign"
	"tianbao/catalog"
	"tianbao/store"
)

// Charts draws what a coordinator would rather look at than read, as PNG
// rendered on the server (github.com/go-analyze/charts, pure Go: the image
// is made where the data is, and reaches a phone as a photo).
type Charts struct {
	DB *store.DB
}

// ChartWidth and ChartHeightPerUnit size the progress chart: a phone's
// width at twice its density, a bar per unit.
const (
	ChartWidth         = 900
	chartHeightPerUnit = 34
	chartHeightBase    = 170
)

// ChartHeight is the progress chart's height for so many bars.
func ChartHeight(bars int) int { return chartHeightBase + chartHeightPerUnit*bars }

// The charts' labels are Chinese, which the charts module's own fonts do
// not cover, and a server (the distroless image) has no fonts: Droid Sans
// Fallback (Apache 2.0, from Debian's fonts-droid-fallback; see
// fonts/NOTICE) is built in.
//
//go:embed fonts/DroidSansFallback.ttf
var droidSans []byte

const chartFont = "droid-sans-fallback"

var (
	fontOnce sync.Once
	fontErr  error
)

// chartStates are the states a bar is stacked from, in order, with their
// colours (green, blue, amber, grey, light grey).
var chartStates = []struct {
	state string
	color charts.Color
}{
	{"approved", charts.ColorFromHex("2E9D57")},
	{"submitted", charts.ColorFromHex("3B7DD8")},
	{"returned", charts.ColorFromHex("E5A229")},
	{"draft", charts.ColorFromHex("9AA5B1")},
	{"none", charts.ColorFromHex("E1E5EA")},
}

// Progress is the progress of unit's subtree as a picture: one bar per unit
// below it (a city's counties and the city itself; a province's cities,
// counting their counties), each stacked from the forms in each state.
func (ch Charts) Progress(ctx context.Context, c *campaign.Campaign, unit string, now time.Time) ([]byte, error) {
	top := c.Units[unit]
	if top == nil {
		return nil, fmt.Errorf("chart: unit %s not in campaign %s", unit, c.ID)
	}
	book, err := (Summarizer{DB: ch.DB}).book(ctx, c, unit)
	if err != nil {
		return nil, err
	}
	forms := book.Columns(top, now) // as the matrix shows them
	// The bars: the unit itself if it fills forms, then each child with
	// everything below it.
	type bar struct {
		name   string
		counts map[string]float64
	}
	var bars []bar
	count := func(name string, units []*campaign.Unit) {
		b := bar{name: name, counts: map[string]float64{}}
		for _, u := range units {
			for _, f := range forms {
				if f.FilledByUnit(u) {
					b.counts[book.Return(u.Code, f.ID)]++
				}
			}
		}
		bars = append(bars, b)
	}
	if len(c.FormsForUnit(top)) > 0 {
		count(top.Name+catalog.ReportTexts.ChartOwn, []*campaign.Unit{top})
	}
	for _, code := range top.Children {
		count(c.Units[code].Name, descendants(c, code))
	}
	if len(bars) == 0 {
		count(top.Name, []*campaign.Unit{top})
	}
	// The chart draws its first category at the bottom: reverse, so that the
	// units read top down in the units file's order.
	for i, j := 0, len(bars)-1; i < j; i, j = i+1, j-1 {
		bars[i], bars[j] = bars[j], bars[i]
	}
	values := make([][]float64, len(chartStates))
	names := make([]string, len(chartStates))
	colors := make([]charts.Color, len(chartStates))
	for i, st := range chartStates {
		names[i], colors[i] = catalog.StateName(st.state), st.color
		for _, b := range bars {
			values[i] = append(values[i], b.counts[st.state])
		}
	}
	labels := make([]string, len(bars))
	for i, b := range bars {
		labels[i] = b.name
	}
	fontOnce.Do(func() {
		if fontErr = charts.InstallFont(chartFont, droidSans); fontErr == nil {
			fontErr = charts.SetDefaultFont(chartFont)
		}
	})
	if fontErr != nil {
		return nil, fmt.Errorf("chart font: %w", fontErr)
	}
	opt := charts.NewBarChartOptionWithData(values)
	opt.Horizontal = true
	opt.StackSeries = charts.Ptr(true)
	opt.Title.Text = fmt.Sprintf(catalog.ReportTexts.ChartTitle, top.Name, now.In(c.TimeZone).Format("2006年1月2日 15:04"))
	opt.Title.FontStyle.FontSize = 18
	opt.Legend.SeriesNames = names
	opt.Legend.Offset = charts.OffsetStr{Top: "28"}
	opt.Padding = charts.Box{Top: 20, Right: 30, Bottom: 20, Left: 20}
	opt.CategoryAxis = charts.CategoryAxisOption{Labels: labels}
	if len(opt.ValueAxis) > 0 { // counts of forms: whole numbers
		opt.ValueAxis[0].ValueFormatter = func(v float64) string { return strconv.Itoa(int(v + 0.5)) }
		opt.ValueAxis[0].Min = charts.Ptr(0.0)
		opt.ValueAxis[0].Unit = 1
	}
	opt.Theme = charts.GetDefaultTheme().WithSeriesColors(colors)
	p := charts.NewPainter(charts.PainterOptions{OutputFormat: charts.ChartOutputPNG, Width: ChartWidth, Height: ChartHeight(len(bars))})
	if err := p.BarChart(opt); err != nil {
		return nil, fmt.Errorf("chart: %w", err)
	}
	return p.Bytes()
}
