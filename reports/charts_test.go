package reports_test

import (
	"bytes"
	"context"
	"image/png"
	"os"
	"testing"

	"tianbao/campaigns"
	"tianbao/reports"
)

// TestProgressChart: the summary's chart is a PNG of a phone's width (at
// twice its density) and a bar per unit: the city's own and its 13
// counties. TIANBAO_CHART_OUT=/tmp/hz.png keeps it to look at.
func TestProgressChart(t *testing.T) {
	env := seed(t)
	ctx := context.Background()
	camp, err := env.Registry.Campaign(ctx, campaigns.BuiltinID)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		unit string
		bars int
	}{{"330100", 14}, {"330000", 11}} {
		b, err := (reports.Charts{DB: env.DB}).Progress(ctx, camp, tc.unit, now)
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := png.DecodeConfig(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s: not a PNG: %v", tc.unit, err)
		}
		if cfg.Width != reports.ChartWidth || cfg.Height != reports.ChartHeight(tc.bars) {
			t.Errorf("%s: chart of %d×%d, want %d×%d", tc.unit, cfg.Width, cfg.Height, reports.ChartWidth, reports.ChartHeight(tc.bars))
		}
		if _, err := png.Decode(bytes.NewReader(b)); err != nil {
			t.Errorf("%s: the PNG does not decode: %v", tc.unit, err)
		}
		if out := os.Getenv("TIANBAO_CHART_OUT"); out != "" {
			if err := os.WriteFile(out+"-"+tc.unit+".png", b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}
