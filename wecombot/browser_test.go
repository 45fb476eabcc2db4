package wecombot_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// The desk inside WeCom, in a real headless Chromium: the member's browser
// is signed in to the fake WeCom (wecomtest's SignInURL), opens the link of
// a message, goes through WeCom's OAuth redirect and lands on the desk
// with a session cookie.

func chromiumPath(t testing.TB) string {
	if p := os.Getenv("TIANBAO_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("the browser tests need headless Chromium: apt-get install chromium (or set TIANBAO_CHROMIUM)")
	return ""
}

// fontsConf gives the browser a Chinese font (the charts' built-in one).
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

// newTab starts a headless Chromium with a phone-sized tab.
func newTab(t testing.TB) context.Context {
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chromiumPath(t)), chromedp.NoSandbox,
		chromedp.Flag("disable-dev-shm-usage", true), chromedp.Env("FONTCONFIG_FILE="+fontsConf(t)))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	if err := chromedp.Do(bctx, chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2))); err != nil {
		t.Fatalf("starting %s: %v", chromiumPath(t), err)
	}
	return bctx
}

func step(t testing.TB, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(sctx, actions...); err != nil {
		body, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`location.href + "\n" + document.body.innerText.slice(0, 600)`))
		t.Fatalf("%s: %v\npage: %s", what, err, body)
	}
}

func eval[T any](t testing.TB, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("%s: %v", js, err)
	}
	return v
}

func ready(view string) chromedp.Action[chromedp.Void] {
	return chromedp.WaitVisible(chromedp.CSS(`body[data-ready="` + view + `"]`))
}

func redraw(t testing.TB, ctx context.Context, what, view string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	n := eval[int](t, ctx, `Number(document.body.dataset.n || 0)`)
	actions = append(actions, chromedp.Poll[chromedp.Void](fmt.Sprintf(`Number(document.body.dataset.n || 0) > %d && document.body.dataset.ready === %q`, n, view)))
	step(t, ctx, what, actions...)
}

// screenshot saves the page as PNG in TIANBAO_SCREENSHOTS (default
// testdata/screenshots), to be looked at.
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
	if err := os.WriteFile(filepath.Join(dir, "wecom-"+name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}
