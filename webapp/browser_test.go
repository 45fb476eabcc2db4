package webapp_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// The page in a real headless Chromium (Debian's chromium package; .ci/run
// installs it where it is missing), with a tiny stub of Telegram's
// window.Telegram.WebApp carrying a signed initData.

// chromiumPath finds the browser. There is no skipping: a machine without
// one fails, saying what to install.
func chromiumPath(t testing.TB) string {
	if p := os.Getenv("TIANBAO_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("the desk's browser tests need headless Chromium: apt-get install chromium (or set TIANBAO_CHROMIUM)")
	return ""
}

// fontsConf gives the browser a Chinese font where the machine has none
// (a server seldom does; every phone does): the charts' built-in Droid
// Sans Fallback, besides the system's fonts.
func fontsConf(t testing.TB) string {
	dir := t.TempDir()
	fonts, err := filepath.Abs("../reports/fonts")
	if err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(dir, "fonts.conf")
	body := `<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>` +
		`<include ignore_missing="yes">/etc/fonts/fonts.conf</include><dir>` + fonts + `</dir><cachedir>` + filepath.Join(dir, "cache") + `</cachedir></fontconfig>`
	if err := os.WriteFile(conf, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return conf
}

// newBrowser starts one headless Chromium for a test.
func newBrowser(t testing.TB, more ...chromedp.ExecAllocatorOption) context.Context {
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chromiumPath(t)), chromedp.NoSandbox,
		chromedp.Flag("disable-dev-shm-usage", true), chromedp.Env("FONTCONFIG_FILE="+fontsConf(t)))
	opts = append(opts, more...)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("starting %s: %v", chromiumPath(t), err)
	}
	return bctx
}

// light and dark are themeParams as Telegram's apps send them.
var (
	light = map[string]string{"bg_color": "#ffffff", "text_color": "#000000", "hint_color": "#707579", "link_color": "#3390ec", "button_color": "#3390ec",
		"button_text_color": "#ffffff", "secondary_bg_color": "#f4f4f5", "section_bg_color": "#ffffff", "destructive_text_color": "#e53935"}
	dark = map[string]string{"bg_color": "#212121", "text_color": "#ffffff", "hint_color": "#aaaaaa", "link_color": "#8774e1", "button_color": "#8774e1",
		"button_text_color": "#ffffff", "secondary_bg_color": "#0f0f0f", "section_bg_color": "#212121", "destructive_text_color": "#ff595a"}
)

// open opens the page in a new phone-sized tab as client c of version
// opens it for user, and waits for view.
func (d *desk) open(t testing.TB, bctx context.Context, c client, version string, user int64, theme map[string]string, path, view string) context.Context {
	t.Helper()
	ctx := tab(t, bctx, c.inject)
	step(t, ctx, "open as "+c.name, chromedp.Navigate(d.srv.URL+"/app/"+path+launchHash(d.initData(user), version, c.platform, theme)), ready(view))
	return ctx
}

// posted is what the page sent the client, by type, the last of each
// (null when it had no data).
func posted(t testing.TB, ctx context.Context) map[string]json.RawMessage {
	t.Helper()
	var list []struct {
		Type string
		Data json.RawMessage
	}
	if err := json.Unmarshal([]byte(eval[string](t, ctx, `JSON.stringify(window.__posted)`)), &list); err != nil {
		t.Fatal(err)
	}
	out := map[string]json.RawMessage{}
	for _, p := range list {
		if p.Data == nil {
			p.Data = json.RawMessage("null") // posted, without data
		}
		out[p.Type] = p.Data
	}
	return out
}

// noBreaks fails the test with what the page did against the protocol or
// the CSP, as the client saw it.
func noBreaks(t testing.TB, ctx context.Context) {
	t.Helper()
	if b := eval[[]string](t, ctx, `window.__broken`); len(b) > 0 {
		t.Errorf("the page broke the protocol or its CSP: %q", b)
	}
}

// tab opens a phone-sized tab of the browser with the stub in place.
func tab(t testing.TB, bctx context.Context, script string) context.Context {
	ctx, cancel := chromedp.NewContext(bctx)
	t.Cleanup(cancel)
	err := chromedp.Do(ctx, chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2)), chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		if script == "" {
			return nil
		}
		_, err := cdp.Call(ctx, tg, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: script})
		return err
	}))
	if err != nil {
		t.Fatal(err)
	}
	return ctx
}

// step runs actions with a deadline, failing the test with what the page
// shows if they do not complete.
func step(t testing.TB, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(sctx, actions...); err != nil {
		bctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		body, _ := chromedp.Run(bctx, poll[string](`document.body.innerText.slice(0, 600) || "(empty)"`))
		t.Fatalf("%s: %v\npage: %s", what, err, body)
	}
}

// frameKey marks a context whose scripts run in the page's iframe#app (the
// desk inside a Telegram Web host): in a frame of another site only a poll
// with the frame's node reaches its execution context.
type frameKey struct{}

// inFrame is ctx with eval, do and ready working in iframe#app.
func inFrame(ctx context.Context) context.Context { return context.WithValue(ctx, frameKey{}, true) }

// poll waits for js to be truthy, in the page or its iframe#app, and
// returns its value.
func poll[T any](js string) chromedp.Action[T] {
	return func(ctx context.Context, tg *chromedp.Target) (T, error) {
		opts := []chromedp.PollOption{chromedp.WithPollingInterval(10 * time.Millisecond)}
		if ctx.Value(frameKey{}) == nil {
			return chromedp.Poll[T](js, opts...)(ctx, tg)
		}
		for {
			// The frame's document is found anew each time: a reload
			// replaces it.
			v, err := func() (T, error) {
				var zero T
				nctx, cancel := context.WithTimeout(ctx, 2*time.Second)
				defer cancel()
				frames, err := chromedp.Nodes(chromedp.CSS("iframe#app"))(nctx, tg)
				if err != nil {
					return zero, err
				}
				body, err := chromedp.Nodes(chromedp.CSS("body"), chromedp.FromNode(frames[0]))(nctx, tg)
				if err != nil {
					return zero, err
				}
				return chromedp.Poll[T](js, append(opts, chromedp.WithPollingInFrame(body[0]), chromedp.WithPollingTimeout(2*time.Second))...)(nctx, tg)
			}()
			if err == nil || ctx.Err() != nil {
				return v, err
			}
		}
	}
}

// eval evaluates js in the page (or its iframe#app), with a deadline.
func eval[T any](t testing.TB, ctx context.Context, js string) T {
	t.Helper()
	ectx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	s, err := chromedp.Run(ectx, poll[string](`JSON.stringify(`+js+`) ?? "null"`))
	if err != nil {
		t.Fatalf("%s: %v", js, err)
	}
	var v T
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("%s: %v in %s", js, err, s)
	}
	return v
}

// do runs a statement in the page (or its iframe#app).
func do(js string) chromedp.Action[chromedp.Void] { return poll[chromedp.Void](`(` + js + `, true)`) }

// until waits for a condition in the page (or its iframe#app).
func until(js string) chromedp.Action[chromedp.Void] { return poll[chromedp.Void](js) }

// click clicks an element of the page (or its iframe#app) by script.
func click(sel string) chromedp.Action[chromedp.Void] {
	return do(`document.querySelector(` + jsString(sel) + `).click()`)
}

// ready waits for the page to have drawn a view.
func ready(view string) chromedp.Action[chromedp.Void] {
	return until(`document.body && document.body.dataset.ready === ` + jsString(view))
}

// redraw runs an action and waits for the page to draw view anew.
func redraw(t testing.TB, ctx context.Context, what, view string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	n := eval[int](t, ctx, `Number(document.body.dataset.n || 0)`)
	actions = append(actions, until(fmt.Sprintf(`Number(document.body.dataset.n || 0) > %d && document.body.dataset.ready === %q`, n, view)))
	step(t, ctx, what, actions...)
}

// screenshot saves the whole page as PNG in TIANBAO_SCREENSHOTS (default
// webapp/testdata/screenshots), to be looked at.
func screenshot(t testing.TB, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("TIANBAO_SCREENSHOTS")
	if dir == "" {
		dir = filepath.Join("testdata", "screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// screenshotOf saves one element of the page as PNG beside screenshot's.
func screenshotOf(t testing.TB, ctx context.Context, sel, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.Screenshot(chromedp.CSS(sel)))
	if err != nil {
		t.Fatal(err)
	}
	dir := os.Getenv("TIANBAO_SCREENSHOTS")
	if dir == "" {
		dir = filepath.Join("testdata", "screenshots")
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// spreadEvents puts the seed's steps on the days before now, one a day, so
// that the progress over time has a shape.
func spreadEvents(t testing.TB, d *desk) {
	t.Helper()
	if _, err := d.env.DB.ExecContext(context.Background(), `UPDATE submission_events e SET at = $1::timestamptz - (n.k * interval '1 day')
		FROM (SELECT id, count(*) OVER () - row_number() OVER (ORDER BY id) AS k FROM submission_events) n WHERE n.id = e.id`,
		d.env.Now.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
}

func TestTheDeskInABrowser(t *testing.T) {
	d := newDesk(t)
	d.env.Contact("330103", "丙").SubmitA3("1", "0", "1", "10", "5", "0", "0", "0", "5")
	d.env.Contact("330108", "丁").SubmitA3("3", "0", "2", "40", "12", "1", "1.2", "8", "30")
	d.env.Contact("330105", "戊").Say("/start").Press("附件1").Say("拱墅区小微企业园工作领导小组")
	spreadEvents(t, d)
	bctx := newBrowser(t)
	app := d.srv.URL + "/app/"

	// 杭州市's reviewer: the matrix of its 13 counties and itself.
	city := d.open(t, bctx, android, "8.0", userHangzhou, light, "", "desk")
	if rows := eval[int](t, city, `document.querySelectorAll("#matrix tbody tr").length`); rows != 14 {
		t.Errorf("matrix rows: %d", rows)
	}
	col := eval[int](t, city, `Array.from(document.querySelectorAll("#matrix thead th")).findIndex(th => th.textContent.startsWith("附件3"))`)
	if col < 1 {
		t.Fatalf("no 附件3 column")
	}
	count := func(ctx context.Context, state string) string {
		return eval[string](t, ctx, fmt.Sprintf(`(document.querySelector('#matrix tfoot tr[data-count="%s"]') || {cells: []}).cells[%d]?.textContent || ""`, state, col))
	}
	if a, s, n := count(city, "approved"), count(city, "submitted"), count(city, "none"); a != "1" || s != "3" || n != "9" {
		t.Errorf("附件3 counts: approved %s, submitted %s, none %s", a, s, n)
	}
	word := eval[string](t, city, fmt.Sprintf(`document.querySelector('#matrix tr[data-unit="330102"]').cells[%d].textContent`, col))
	if word != "已通过" {
		t.Errorf("上城区's 附件3 reads %q", word)
	}
	if title := eval[string](t, city, `document.getElementById("title").textContent`); !strings.Contains(title, "小微企业园") {
		t.Errorf("title %q", title)
	}
	// The page is ready only with everything it shows: the queue's count
	// came before the mark.
	if badge := eval[string](t, city, `document.querySelector("nav .badge")?.textContent || ""`); badge != "3" {
		t.Errorf("queue badge %q", badge)
	}
	screenshot(t, city, "desk-city")

	// A cell: 西湖区's 附件3 as the notice's table, with 通过 / 退回 on it.
	redraw(t, city, "open a cell", "cell", chromedp.Click(chromedp.CSS(fmt.Sprintf(`#matrix tr[data-unit="330106"] td:nth-child(%d) button`, col+1))))
	if g := eval[string](t, city, `Array.from(document.querySelectorAll("table.ret thead th[colspan]")).map(th => th.textContent + "/" + th.colSpan).join(",")`); !strings.Contains(g, "按园区类型/6") || !strings.Contains(g, "生产制造类/3") {
		t.Errorf("grouped headers: %s", g)
	}
	if row := eval[string](t, city, `Array.from(document.querySelectorAll("table.ret tbody td")).map(td => td.textContent).join("|")`); row != "3|0|2|100|50|1|5.5|20|100" {
		t.Errorf("西湖区's row: %s", row)
	}
	if v := eval[string](t, city, `document.querySelector("#cell-state .muted").textContent`); v != "第 1 版" {
		t.Errorf("a county's version reads %q", v)
	}
	screenshot(t, city, "cell")
	redraw(t, city, "approve in the cell", "cell", chromedp.Click(chromedp.CSS(`.card.q [data-act="approve"]`)))
	if st := eval[string](t, city, `document.querySelector("#cell-state .st").textContent`); st != "已通过" {
		t.Errorf("after 通过 the cell reads %q", st)
	}
	d.xihu.Inbox().Expect("审核通过")

	// The queue: 退回 with a reason and a flagged item.
	redraw(t, city, "open the queue", "queue", chromedp.Navigate(app+"#/queue"))
	if n := eval[int](t, city, `document.querySelectorAll(".card.q").length`); n != 2 {
		t.Errorf("queue has %d", n)
	}
	step(t, city, "start a return", chromedp.Click(chromedp.CSS(`.card.q [data-act="return"]`)),
		chromedp.SendKeys(chromedp.CSS(`.card.q textarea`), "占地面积请按附件2核对"),
		chromedp.Click(chromedp.CSS(`.card.q label.flag input`)))
	screenshot(t, city, "queue-return")
	redraw(t, city, "send the return", "queue", chromedp.Click(chromedp.CSS(`.card.q [data-act="send"]`)))
	if n := eval[int](t, city, `document.querySelectorAll(".card.q").length`); n != 1 {
		t.Errorf("queue after 退回 has %d", n)
	}
	var status, reason string
	if err := d.env.DB.QueryRowContext(context.Background(), `SELECT s.status, e.reason FROM submissions s JOIN submission_events e ON e.submission_id = s.id
		WHERE s.unit_code = '330103' ORDER BY e.id DESC LIMIT 1`).Scan(&status, &reason); err != nil {
		t.Fatal(err)
	}
	if status != "returned" || reason != "占地面积请按附件2核对" {
		t.Errorf("下城区's 附件3: %s %q", status, reason)
	}

	// Progress over time, totals and the chart: all there when ready.
	redraw(t, city, "open the trend", "trend", chromedp.Navigate(app+"#/trend/330100"))
	if pts := eval[int](t, city, `document.querySelector("svg polyline").getAttribute("points").split(" ").length`); pts < 4 {
		t.Errorf("progress line has %d points", pts)
	}
	if w := eval[int](t, city, `document.querySelector("#chart img").naturalWidth`); w == 0 {
		t.Error("the chart was not there when the page said it was ready")
	}
	screenshot(t, city, "trend")
	redraw(t, city, "open the exports", "export", chromedp.Navigate(app+"#/export/330100"))
	if n := eval[int](t, city, `document.querySelectorAll("a.dl").length`); n != 12 {
		t.Errorf("%d downloads", n)
	}
	screenshot(t, city, "export")
	noBreaks(t, city)

	// The province drills down: its cities, then 杭州市's counties.
	prov := d.open(t, bctx, android, "8.0", userProvince, light, "", "desk")
	if rows := eval[int](t, prov, `document.querySelectorAll("#matrix tbody tr").length`); rows != 11 {
		t.Errorf("province rows: %d", rows)
	}
	screenshot(t, prov, "desk-province")
	redraw(t, prov, "drill into 杭州市", "desk", chromedp.Click(chromedp.CSS(`#matrix tr[data-unit="330100"] th a`)))
	if crumbs := eval[string](t, prov, `document.querySelector(".crumbs").textContent`); crumbs != "浙江省›杭州市" {
		t.Errorf("crumbs %q", crumbs)
	}
	if rows := eval[int](t, prov, `document.querySelectorAll("#matrix tbody tr").length`); rows != 14 {
		t.Errorf("杭州市 rows: %d", rows)
	}
	// Telegram's back button goes up a level.
	redraw(t, prov, "back up", "desk", chromedp.Evaluate[chromedp.Void](android.deliver("back_button_pressed", "")))
	if crumbs := eval[string](t, prov, `document.querySelector(".crumbs").textContent`); crumbs != "浙江省" {
		t.Errorf("after back: %q", crumbs)
	}

	// A filler: its unit's forms; 去修改 sends the question to the chat and
	// closes the page.
	xihu := d.open(t, bctx, android, "8.0", userXihu, light, "", "mine")
	if n := eval[int](t, xihu, `document.querySelectorAll(".card.mine").length`); n < 2 {
		t.Errorf("filler sees %d forms", n)
	}
	if nav := eval[string](t, xihu, `document.getElementById("tabs").textContent`); nav != "" {
		t.Errorf("a filler has tabs: %q", nav)
	}
	screenshot(t, xihu, "mine")
	step(t, xihu, "去修改", chromedp.Click(chromedp.CSS(`.card.mine[data-form="a1"] a.dl`)), chromedp.WaitVisible(chromedp.CSS(`#toast`)))
	step(t, xihu, "the page closes", chromedp.Poll[chromedp.Void](`window.__posted.some(p => p.type === "web_app_close")`))
	if p := posted(t, xihu); p["web_app_ready"] == nil {
		t.Errorf("events posted to Telegram: %v", p)
	}
	label := eval[string](t, xihu, `document.querySelector('.card.mine[data-form="a1"] a.dl span').textContent`)
	d.xihu.Inbox().Expect(label + "（第 1/5 项）")
	noBreaks(t, xihu)

	// Dark theme: Telegram's colours, not the page's own.
	night := d.open(t, bctx, android, "8.0", userHangzhou, dark, "", "desk")
	if bg := eval[string](t, night, `getComputedStyle(document.body).backgroundColor`); bg != "rgb(15, 15, 15)" {
		t.Errorf("dark background %s", bg)
	}
	screenshot(t, night, "desk-dark")
}

// TestTheDeskLaunchedAsTelegramDoes: the launch parameters in the URL's
// hash, as Telegram's clients open a Mini App, gone from the address once
// read, kept for a reload; without them, or with a forged signature,
// nothing but a message.
func TestTheDeskLaunchedAsTelegramDoes(t *testing.T) {
	d := newDesk(t)
	bctx := newBrowser(t)
	app := d.srv.URL + "/app/"
	ctx := d.open(t, bctx, ios, "7.10", userHangzhou, light, "?unit=330106", "desk")
	if crumbs := eval[string](t, ctx, `document.querySelector(".crumbs").textContent`); crumbs != "杭州市›西湖区" {
		t.Errorf("opened at %q", crumbs)
	}
	if h := eval[string](t, ctx, `location.href`); strings.Contains(h, "tgWebAppData") {
		t.Errorf("initData left in the address: %s", h)
	}
	// A reload keeps the session (the hash is gone; sessionStorage has it).
	step(t, ctx, "reload", chromedp.Reload(), ready("desk"))
	// The hash as #path?params, which Telegram's script also reads.
	other := tab(t, bctx, android.inject)
	step(t, other, "launch with a path", chromedp.Navigate(app+"#/queue?"+strings.TrimPrefix(launchHash(d.initData(userHangzhou), "8.0", "android", light), "#")), ready("desk"))

	bare := tab(t, bctx, "")
	step(t, bare, "open without Telegram", chromedp.Navigate(app), ready("error"))
	if msg := eval[string](t, bare, `document.getElementById("error").textContent`); !strings.Contains(msg, "Telegram") {
		t.Errorf("without initData: %q", msg)
	}
	forged := tab(t, bctx, android.inject)
	step(t, forged, "open forged", chromedp.Navigate(app+launchHash(strings.Replace(d.initData(userHangzhou), "1001", "1002", 1), "8.0", "android", light)), ready("error"))
	if msg := eval[string](t, forged, `document.getElementById("error").textContent`); !strings.Contains(msg, "登录已失效") {
		t.Errorf("forged: %q", msg)
	}
	screenshot(t, forged, "forged")
}
