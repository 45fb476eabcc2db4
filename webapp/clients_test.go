package webapp_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"

	"tianbao/webapp"
)

// Telegram's clients, as the browser tests play them. Each opens the page
// as the client does (the launch parameters in the address's hash), puts
// in the page what the client puts there before it loads (its proxy for
// the page's events), and delivers events to the page the way its source
// does. Nothing here is the page's own code: a page that listens in one
// place only, or sends in a shape a client cannot read, fails here.
//
//   - Telegram for Android (DrKLO/Telegram, BotWebViewContainer): a
//     JavascriptInterface TelegramWebviewProxy whose postEvent takes two
//     strings (the data as JSON text); events by evaluating
//     window.Telegram.WebView.receiveEvent('name', data).
//   - Telegram for iOS (Telegram-iOS, submodules/WebUI/Sources/
//     WebAppWebView.swift): a TelegramWebviewProxy injected at document
//     start, posting {eventName, eventData} to
//     webkit.messageHandlers.performAction; events by evaluating
//     window.TelegramGameProxy.receiveEvent("name", data) — with no check
//     that it exists (a TypeError if the page did not define it).
//   - Telegram Desktop (tdesktop, ui/chat/attach/attach_bot_webview.cpp):
//     TelegramWebviewProxy.postEvent hands JSON [type, data text] to
//     window.external.invoke; the data text is parsed as JSON arguments;
//     events by `if (window.TelegramGameProxy) {
//     window.TelegramGameProxy.receiveEvent("name", data); }` — silently
//     nothing if the page did not define it; data left out when empty.
//   - Telegram Web (tweb, components/telegramWebView.ts and webApp.tsx):
//     the page in a sandboxed iframe; messages taken only from the
//     iframe's window, JSON text both ways; iframe_ready / reload_iframe;
//     a download fetched by the host across origins in byte ranges
//     (apiFileManager: Range: bytes=offset-(offset+limit-1), the total
//     from Content-Range), a second prompt (window.open) if that fails.
type client struct {
	name     string // android, ios, tdesktop, weba
	platform string // tgWebAppPlatform
	inject   string // the client's proxy, at document start
	// deliver is the JavaScript the client evaluates to send the page an
	// event (data: JSON, or "" for none).
	deliver func(event, data string) string
}

// recorder keeps what the page posted, as the client received it, in
// window.__posted ({type, data}), and what broke the protocol in
// window.__broken: data that was not JSON text, a CSP violation.
const recorder = `window.__posted = []; window.__broken = [];
window.__rec = function (type, text) {
  if (typeof text !== "string") { window.__broken.push(type + ": data is " + typeof text + ", not JSON text"); return; }
  var data;
  try { data = text === "" ? undefined : JSON.parse(text); } catch (e) { window.__broken.push(type + ": data is not JSON: " + text); return; }
  window.__posted.push({ type: type, data: data });
};
document.addEventListener("securitypolicyviolation", function (e) { window.__broken.push("CSP: " + e.violatedDirective + " " + e.blockedURI); });
window.open = function (u) { window.__posted.push({ type: "window.open", data: { url: String(u) } }); return null; };
`

var (
	android = client{name: "android", platform: "android",
		inject: recorder + `window.TelegramWebviewProxy = { postEvent: function (eventType, eventData) { window.__rec(eventType, eventData); } };`,
		deliver: func(event, data string) string {
			if data == "" {
				data = "null"
			}
			return fmt.Sprintf(`window.Telegram.WebView.receiveEvent('%s', %s);`, event, data)
		}}
	ios = client{name: "ios", platform: "ios",
		inject: recorder + `window.webkit = { messageHandlers: { performAction: { postMessage: function (m) { window.__rec(m.eventName, m.eventData); } } } };
var TelegramWebviewProxyProto = function () {};
TelegramWebviewProxyProto.prototype.postEvent = function (eventName, eventData) { window.webkit.messageHandlers.performAction.postMessage({ eventName: eventName, eventData: eventData }); };
var TelegramWebviewProxy = new TelegramWebviewProxyProto();`,
		deliver: func(event, data string) string {
			if data == "" {
				data = "null"
			}
			return fmt.Sprintf(`window.TelegramGameProxy.receiveEvent("%s", %s)`, event, data)
		}}
	tdesktop = client{name: "tdesktop", platform: "tdesktop",
		inject: recorder + `window.external.invoke = function (s) { var a = JSON.parse(s); window.__rec(a[0], a[1]); };
window.TelegramWebviewProxy = {
postEvent: function (eventType, eventData) {
	if (window.external && window.external.invoke) {
		window.external.invoke(JSON.stringify([eventType, eventData]));
	}
}
};`,
		deliver: func(event, data string) string {
			if data != "" {
				data = ", " + data
			}
			return fmt.Sprintf("if (window.TelegramGameProxy) {\n\twindow.TelegramGameProxy.receiveEvent(\"%s\"%s);\n}", event, data)
		}}
	natives = []client{android, ios, tdesktop}
)

// launchHash is the hash a client opens the page with.
func launchHash(initData, version, platform string, theme map[string]string) string {
	th, _ := json.Marshal(theme)
	v := url.Values{"tgWebAppData": {initData}, "tgWebAppVersion": {version}, "tgWebAppPlatform": {platform}, "tgWebAppThemeParams": {string(th)}}
	return "#" + v.Encode()
}

// themeEvent is theme_changed's data.
func themeEvent(theme map[string]string) string {
	b, _ := json.Marshal(map[string]any{"theme_params": theme})
	return string(b)
}

// webHost is Telegram Web as the tests play it: a page on its own origin
// that frames the desk as tweb does and answers its events as tweb does.
// window.__host keeps what happened: the events received, whether the back
// button shows, reload_supported, and a download's outcome.
func webHost(desk, version string, theme map[string]string, initData string) string {
	src := desk + launchHash(initData, version, "weba", theme)
	th, _ := json.Marshal(theme)
	return strings.NewReplacer("{{SRC}}", jsString(src), "{{THEME}}", string(th)).Replace(`<!doctype html>
<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{margin:0;font:14px sans-serif} #bar{display:flex;gap:8px;padding:6px;background:#eee} iframe{border:0;width:100%;height:780px}</style></head>
<body><div id="bar"><button id="back" hidden>← back</button><span id="title">Telegram Web (test host)</span></div>
<iframe id="app" sandbox="allow-scripts allow-same-origin allow-popups allow-forms allow-modals allow-storage-access-by-user-activation"></iframe>
<script>
var host = window.__host = { events: [], back: false, reloadSupported: false, willReload: 0, downloads: [], fallbacks: 0, loads: 0 };
var frame = document.getElementById("app");
var theme = {{THEME}};
function send(type, data) { frame.contentWindow.postMessage(JSON.stringify({ eventType: type, eventData: data }), "*"); }
window.__send = send;
frame.addEventListener("load", function () { host.loads++; });
window.addEventListener("message", function (e) {
  if (e.source !== frame.contentWindow) return; // tweb: only its iframe's window
  var m = JSON.parse(e.data), type = m.eventType, data = m.eventData === "" ? undefined : m.eventData;
  host.events.push({ type: type, data: data });
  switch (type) {
  case "iframe_ready": host.reloadSupported = !!(data && data.reload_supported); break;
  case "iframe_will_reload": host.willReload++; break;
  case "web_app_setup_back_button": host.back = !!data.is_visible; document.getElementById("back").hidden = !host.back; break;
  case "web_app_request_theme": send("theme_changed", { theme_params: theme }); break;
  case "web_app_request_file_download": download(data.url, data.file_name); break;
  }
});
document.getElementById("back").addEventListener("click", function () { send("back_button_pressed"); });
// reload: tweb's 重新加载 — reload_iframe where the page said it can,
// else the iframe made anew.
window.__reload = function () {
  if (host.reloadSupported) { send("reload_iframe"); } else { frame.src = frame.src; }
};
window.__theme = function (t) { theme = t; send("theme_changed", { theme_params: t }); };
// download: the person accepts; the file is fetched in parts of 4 KB
// (tweb asks the size from the first part's Content-Range), else the
// manual fallback, a second prompt that opens the link in a new tab.
async function download(url, name) {
  send("file_download_requested", { status: "downloading" });
  var d = { url: url, name: name, parts: 0, statuses: [], size: 0, bytes: null, error: "" };
  host.downloads.push(d);
  try {
    var limit = 4096, offset = 0, chunks = [];
    while (true) {
      var res = await fetch(url, { method: "GET", headers: { Range: "bytes=" + offset + "-" + (offset + limit - 1) } });
      d.statuses.push(res.status);
      if (res.status !== 206 && res.status !== 200) throw new Error("HTTP " + res.status);
      var buf = new Uint8Array(await res.arrayBuffer());
      d.parts++;
      if (offset === 0) {
        var cr = res.headers.get("content-range");
        d.size = parseInt(cr ? cr.split("/")[1] : "0", 10);
        if (!d.size) throw new Error("no Content-Range");
      }
      chunks.push(buf);
      offset += buf.length;
      if (offset >= d.size || buf.length === 0) break;
    }
    var all = new Uint8Array(offset), at = 0;
    chunks.forEach(function (c) { all.set(c, at); at += c.length; });
    var s = ""; for (var i = 0; i < all.length; i++) s += String.fromCharCode(all[i]);
    d.bytes = btoa(s);
  } catch (e) {
    d.error = String(e && e.message || e);
    host.fallbacks++; // BotDownloadPromptManual → safeWindowOpen(url)
  }
  d.done = true;
}
frame.src = {{SRC}};
</script></body></html>`)
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// TestTheDeskOnEveryClient: on Telegram for Android and iOS and on
// Telegram Desktop, each as its source delivers events: Telegram's back
// button goes up, a theme change recolours the page, and a download goes
// to Telegram as a link of its own (never the sign-in), which the client
// fetches; before 8.0 the link goes to the browser instead, and before 6.1
// there is no back button to set up.
func TestTheDeskOnEveryClient(t *testing.T) {
	d := newDesk(t)
	bctx := newBrowser(t)
	app := d.srv.URL + "/app/"
	for _, c := range natives {
		t.Run(c.name, func(t *testing.T) {
			ctx := d.open(t, bctx, c, "8.0", userHangzhou, light, "", "desk")
			if p := posted(t, ctx); p["web_app_ready"] == nil || p["web_app_expand"] == nil {
				t.Errorf("%s: no web_app_ready/expand: %v", c.name, p)
			}
			redraw(t, ctx, "open a cell", "cell", chromedp.Navigate(app+"#/cell/330106/a3"))
			if p := posted(t, ctx); string(p["web_app_setup_back_button"]) != `{"is_visible":true}` {
				t.Errorf("%s: back button %s", c.name, p["web_app_setup_back_button"])
			}
			redraw(t, ctx, "press Telegram's back button", "desk", chromedp.Evaluate[chromedp.Void](c.deliver("back_button_pressed", "")))
			if crumbs := eval[string](t, ctx, `document.querySelector(".crumbs").textContent`); crumbs != "杭州市" {
				t.Errorf("%s: after back: %q", c.name, crumbs)
			}
			if p := posted(t, ctx); string(p["web_app_setup_back_button"]) != `{"is_visible":false}` {
				t.Errorf("%s: back button at home %s", c.name, p["web_app_setup_back_button"])
			}
			step(t, ctx, "change the theme", chromedp.Evaluate[chromedp.Void](c.deliver("theme_changed", themeEvent(dark))),
				chromedp.Poll[chromedp.Void](`getComputedStyle(document.body).backgroundColor === "rgb(15, 15, 15)"`))
			screenshot(t, ctx, "client-"+c.name+"-dark")

			// A download: a link of its own for Telegram to fetch.
			redraw(t, ctx, "open the exports", "export", chromedp.Navigate(app+"#/export/330100"))
			step(t, ctx, "download 附件3", chromedp.Click(chromedp.CSS(`a.dl[data-form="a3"][data-format="xlsx"]`)),
				chromedp.Poll[chromedp.Void](`window.__posted.some(p => p.type === "web_app_request_file_download")`))
			var req struct {
				URL      string `json:"url"`
				FileName string `json:"file_name"`
			}
			if err := json.Unmarshal(posted(t, ctx)["web_app_request_file_download"], &req); err != nil {
				t.Fatal(err)
			}
			req.FileName = strings.TrimSpace(req.FileName)
			if !strings.HasPrefix(req.URL, app+"dl/") || strings.Contains(req.URL, "auth_date") || strings.Contains(req.URL, "tgWebAppData") || !strings.HasSuffix(req.FileName, ".xlsx") {
				t.Errorf("%s: download request %+v", c.name, req)
			}
			body := fetch(t, req.URL, http.StatusOK)
			if !bytes.HasPrefix(body, []byte("PK")) {
				t.Errorf("%s: the link gave %.40q", c.name, body)
			}
			step(t, ctx, "Telegram says it downloads", chromedp.Evaluate[chromedp.Void](c.deliver("file_download_requested", `{"status":"downloading"}`)),
				chromedp.Poll[chromedp.Void](`document.getElementById("toast").textContent.includes("已交给 Telegram 下载")`))
			noBreaks(t, ctx)
		})
	}

	// Before 8.0: the link is opened in the browser (web_app_open_link),
	// still a link of its own.
	older := d.open(t, bctx, ios, "7.10", userHangzhou, light, "", "desk")
	redraw(t, older, "open the exports", "export", chromedp.Navigate(app+"#/export/330100"))
	step(t, older, "download on 7.10", chromedp.Click(chromedp.CSS(`a.dl[data-format="zip"]`)),
		chromedp.Poll[chromedp.Void](`window.__posted.some(p => p.type === "web_app_open_link")`))
	p := posted(t, older)
	if p["web_app_request_file_download"] != nil {
		t.Errorf("7.10 was asked to download: %s", p["web_app_request_file_download"])
	}
	var link struct {
		URL string `json:"url"`
	}
	_ = json.Unmarshal(p["web_app_open_link"], &link)
	if !strings.HasPrefix(link.URL, app+"dl/") || bytes.HasPrefix(fetch(t, link.URL, http.StatusOK), []byte("PK")) == false {
		t.Errorf("7.10's link %q", link.URL)
	}
	noBreaks(t, older)
	// 6.0 has no back button to set up, and opens links itself.
	oldest := d.open(t, bctx, android, "6.0", userHangzhou, light, "", "desk")
	redraw(t, oldest, "open a cell", "cell", chromedp.Navigate(app+"#/cell/330106/a3"))
	redraw(t, oldest, "open the exports", "export", chromedp.Navigate(app+"#/export/330100"))
	step(t, oldest, "download on 6.0", chromedp.Click(chromedp.CSS(`a.dl[data-format="xlsx"]`)),
		chromedp.Poll[chromedp.Void](`window.__posted.some(p => p.type === "window.open")`))
	p = posted(t, oldest)
	for _, m := range []string{"web_app_setup_back_button", "web_app_open_link", "web_app_request_file_download"} {
		if p[m] != nil {
			t.Errorf("6.0 was sent %s %s", m, p[m])
		}
	}
	noBreaks(t, oldest)
}

// fetch GETs a link as a client's own downloader does.
func fetch(t testing.TB, link string, want int) []byte {
	t.Helper()
	resp, err := http.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Errorf("GET %s: %d %.80q, want %d", link, resp.StatusCode, b, want)
	}
	return b
}

// TestTheDeskInTelegramWeb: in Telegram Web's iframe, on another site, the
// page says iframe_ready and reloads on reload_iframe; the host's back
// button and theme reach it (and a message from any other window does
// not); a download completes in one step, fetched across origins in byte
// ranges, with no second prompt.
func TestTheDeskInTelegramWeb(t *testing.T) {
	var hostOrigin string
	var hostPage atomic.Value
	host := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = io.WriteString(w, hostPage.Load().(string))
	}))
	t.Cleanup(host.Close)
	// The host on "localhost", the desk on 127.0.0.1: two sites, as
	// web.telegram.org and the bot's server are.
	hostOrigin = strings.Replace(host.URL, "127.0.0.1", "localhost", 1)
	d := newDesk(t, func(s *webapp.Server) { s.WebOrigins = []string{hostOrigin} })
	app := d.srv.URL + "/app/"
	hostPage.Store(webHost(app, "9.1", light, d.initData(userHangzhou)))
	// The desk's frame in the host's process, so that the test can look
	// into it (Chrome would run a frame of another site apart).
	bctx := newBrowser(t, chromedp.Flag("disable-features", "SitePerProcess,IsolateOrigins"), chromedp.Flag("disable-site-isolation-trials", true))
	web := tab(t, bctx, "")
	step(t, web, "open Telegram Web", chromedp.Navigate(hostOrigin+"/"),
		chromedp.Poll[chromedp.Void](`__host.events.some(e => e.type === "web_app_ready") && __host.reloadSupported`))
	fr := inFrame(web)
	step(t, fr, "the desk in the iframe", ready("desk"))
	if h := eval[string](t, web, `JSON.stringify(__host.events.map(e => e.type))`); !strings.Contains(h, `"iframe_ready"`) || !strings.Contains(h, `"web_app_request_theme"`) {
		t.Errorf("the host got %s", h)
	}

	redraw(t, fr, "open a cell", "cell", do(`location.hash = "#/cell/330106/a3"`))
	step(t, web, "the host shows its back button", chromedp.WaitVisible(chromedp.CSS(`#back`)))
	// A message from another window than the host is not Telegram's.
	step(t, web, "a stranger's message", chromedp.Evaluate[chromedp.Void](`(function () {
		var s = document.createElement("iframe"); document.body.appendChild(s);
		s.contentWindow.eval("parent.document.getElementById('app').contentWindow.postMessage(JSON.stringify({eventType: 'back_button_pressed'}), '*')");
	})()`))
	time.Sleep(300 * time.Millisecond) // a message is delivered in a task; give it one
	if v := eval[string](t, fr, `document.body.dataset.ready + location.hash`); v != "cell#/cell/330106/a3" {
		t.Errorf("a message from another window moved the page: %s", v)
	}
	n := eval[int](t, fr, `Number(document.body.dataset.n)`)
	step(t, web, "press back", chromedp.Click(chromedp.CSS(`#back`)))
	step(t, fr, "back up", until(fmt.Sprintf(`Number(document.body.dataset.n) > %d && document.body.dataset.ready === "desk" && location.hash === "#/desk/330100"`, n)))
	step(t, web, "change the theme", chromedp.Evaluate[chromedp.Void](`__theme(`+jsonOf(dark)+`)`))
	step(t, fr, "dark", until(`getComputedStyle(document.body).backgroundColor === "rgb(15, 15, 15)"`))

	// 重新加载: reload_iframe, iframe_will_reload, and the page again, signed
	// in from the tab's storage.
	step(t, web, "reload", chromedp.Evaluate[chromedp.Void](`__reload()`), chromedp.Poll[chromedp.Void](`__host.willReload === 1 && __host.loads >= 2`))
	step(t, fr, "the desk again", ready("desk"))

	// A download, as tweb fetches it.
	redraw(t, fr, "open the exports", "export", do(`location.hash = "#/export/330100"`))
	step(t, fr, "download everything", click(`a.dl[data-format="xlsx"]`))
	step(t, web, "the host downloads", chromedp.Poll[chromedp.Void](`__host.downloads.length === 1 && __host.downloads[0].done`))
	var dl struct {
		URL, Name, Bytes, Error string
		Parts, Size             int
		Statuses                []int
	}
	if err := json.Unmarshal([]byte(eval[string](t, web, `JSON.stringify(__host.downloads[0])`)), &dl); err != nil {
		t.Fatal(err)
	}
	raw, _ := base64.StdEncoding.DecodeString(dl.Bytes)
	if dl.Error != "" || eval[int](t, web, `__host.fallbacks`) != 0 {
		t.Fatalf("the download fell back to a second prompt: %s (%+v)", dl.Error, dl.Statuses)
	}
	if dl.Parts < 2 || len(raw) != dl.Size || !bytes.HasPrefix(raw, []byte("PK")) || strings.Contains(dl.URL, "auth_date") {
		t.Errorf("download: %d parts %v, %d of %d bytes, %.4q, %s", dl.Parts, dl.Statuses, len(raw), dl.Size, raw, dl.URL)
	}
	for _, s := range dl.Statuses {
		if s != http.StatusPartialContent {
			t.Errorf("a range came back %d", s)
		}
	}
	if _, err := excelize.OpenReader(bytes.NewReader(raw)); err != nil {
		t.Errorf("the file assembled from its ranges: %v", err)
	}
	step(t, fr, "the page says so", until(`document.getElementById("toast").textContent.includes("已交给 Telegram 下载")`))
	screenshot(t, web, "client-web")
}

func jsonOf(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
