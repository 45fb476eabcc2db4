package webapp_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"tianbao/campaigns"
	"tianbao/dialogs"
	"tianbao/reports/reportstest"
	"tianbao/store"
	"tianbao/store/storetest"
	"tianbao/webapp"
)

// BenchmarkDeskFirstLoad opens the page as the country's coordinator over
// 2,900 counties in 330 cities (every county's returns approved) in
// headless Chromium, to the drawn matrix of the 330 cities: the time from
// navigation to the matrix, and the bytes that came over the wire (the page,
// and the API's JSON, gzipped as a browser asks).
//
//	go test -run '^$' -bench DeskFirstLoad -benchtime 10x ./webapp
func BenchmarkDeskFirstLoad(b *testing.B) {
	db := storetest.NewDB(b)
	c := reportstest.SeedNational(b, db)
	ctx := context.Background()
	root := ""
	for code, u := range c.Units {
		if u.Parent == "" {
			root = code
		}
	}
	id, err := db.ConsoleContact(ctx, c.ID, root, dialogs.Admin, "全国")
	if err != nil {
		b.Fatal(err)
	}
	if err := db.LinkTelegram(ctx, id, 4242); err != nil {
		b.Fatal(err)
	}
	reg := campaigns.NewRegistry(db)
	at := time.Date(2018, 12, 2, 10, 0, 0, 0, c.TimeZone)
	engine := &dialogs.Engine{Store: store.Dialogs{DB: db}, Campaigns: reg, Now: func() time.Time { return at }}
	s := &webapp.Server{Auth: webapp.Auth{Token: botToken}, DB: db, Reg: reg, Engine: engine, Now: func() time.Time { return at }}
	mux := http.NewServeMux()
	mux.Handle("/app/", s.Handler())
	srv := httptest.NewServer(mux)
	defer srv.Close()
	bctx := newBrowser(b)
	initData := webapp.InitData(botToken, webapp.User{ID: 4242, FirstName: "全国"}, at)
	var ms, pageBytes, apiBytes, apiRaw float64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		t := tab(b, bctx, android.inject)
		b.StartTimer()
		step(b, t, "open the country's desk", chromedp.Navigate(srv.URL+"/app/"+launchHash(initData, "8.0", "android", light)), ready("desk"))
		b.StopTimer()
		if rows := eval[int](b, t, `document.querySelectorAll("#matrix tbody tr").length`); rows != 330 {
			b.Fatalf("%d rows", rows)
		}
		ms += eval[float64](b, t, `Number(document.body.dataset.t)`)
		pageBytes += eval[float64](b, t, `performance.getEntriesByType("navigation")[0].encodedBodySize`)
		apiBytes += eval[float64](b, t, `performance.getEntriesByType("resource").filter(e => e.name.includes("/api/")).reduce((n, e) => n + e.encodedBodySize, 0)`)
		apiRaw += eval[float64](b, t, `performance.getEntriesByType("resource").filter(e => e.name.includes("/api/")).reduce((n, e) => n + e.decodedBodySize, 0)`)
		b.StartTimer()
	}
	n := float64(b.N)
	b.ReportMetric(ms/n, "ms-to-matrix")
	b.ReportMetric(pageBytes/n, "page-B")
	b.ReportMetric(apiBytes/n, "api-B")
	b.ReportMetric(apiRaw/n, "api-raw-B")
}
