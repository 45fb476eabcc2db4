package reports_test

import (
	"context"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"tianbao/reports"
	"tianbao/reports/reportstest"
	"tianbao/store/storetest"
)

// peakHeap samples the heap while fn runs and returns its peak in bytes.
func peakHeap(fn func()) uint64 {
	runtime.GC()
	var peak atomic.Uint64
	done := make(chan struct{})
	go func() {
		var m runtime.MemStats
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			runtime.ReadMemStats(&m)
			if m.HeapInuse > peak.Load() {
				peak.Store(m.HeapInuse)
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	fn()
	close(done)
	return peak.Load()
}

// BenchmarkProvinceExport is the province's XLSX at national scale: 2,900
// counties in 330 cities, 58,000 parks in 附件2, every 附件3.
func BenchmarkProvinceExport(b *testing.B) {
	db := storetest.NewDB(b)
	c := reportstest.SeedNational(b, db)
	x := reports.Exporter{DB: db}
	var size int
	var peak uint64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p := peakHeap(func() {
			var buf countingWriter
			if err := x.WriteXLSX(context.Background(), &buf, c, "330000", reports.ExportOptions{}); err != nil {
				b.Fatal(err)
			}
			size = buf.n
		})
		if size < 1<<20 {
			b.Fatalf("the export is %d bytes: the accepted data was not found", size)
		}
		peak = max(peak, p)
	}
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
	b.ReportMetric(float64(size)/(1<<20), "xlsx-MB")
}

// BenchmarkProvinceSummary is the province's /summary at the same scale.
func BenchmarkProvinceSummary(b *testing.B) {
	db := storetest.NewDB(b)
	c := reportstest.SeedNational(b, db)
	s := reports.Summarizer{DB: db}
	now := time.Date(2018, 12, 7, 9, 30, 0, 0, c.TimeZone)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		text, _, err := s.Summary(context.Background(), c, "330000", now)
		if err != nil {
			b.Fatal(err)
		}
		if !strings.Contains(text, "市0：⬜✅✅⬜⬜") || !strings.Contains(text, "市329：⬜✅✅⬜⬜") { // 附件2 and 附件3 forwarded and approved
			b.Fatalf("summary:\n%s", text[:min(len(text), 2000)])
		}
	}
}

type countingWriter struct{ n int }

func (w *countingWriter) Write(p []byte) (int, error) { w.n += len(p); return len(p), nil }
