package webapp_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"tianbao/reports"
)

// TestFormSheetOnThePage: on a phone (390×844, Telegram for iOS 8.0), the
// form's 📥 hands the unit's template to Telegram behind a download link
// that serves it; the template filled with three bad cells beside six good
// ones and uploaded: the six are in the draft, the three are marked at
// their cells with what is wrong, listed, and the focus is on the first.
// Put right on the page, a second file changing an answer there was shows
// the diff, which ✅ 按表格修改 applies; then 提交. From the form's page
// with a correctly filled file: 📥, the file, 提交.
func TestFormSheetOnThePage(t *testing.T) {
	d, _, _ := formDesk(t)
	bctx := newBrowser(t)
	ctx := d.open(t, bctx, ios, "8.0", userBinjiang, light, "", "mine")
	in := &inputs{t: t, ctx: ctx}
	in.tapTo("在此开始填写 附件3", `.card.mine[data-form="a3"] a.btn`, "a3")
	opened := in.n

	// 📥: a link of the desk's own, for Telegram to fetch.
	in.tap("下载表格", "#fm-tpl")
	step(t, ctx, "the link to Telegram", until(`window.__posted.some(p => p.type === "web_app_request_file_download")`))
	var req struct {
		URL      string `json:"url"`
		FileName string `json:"file_name"`
	}
	if err := json.Unmarshal(posted(t, ctx)["web_app_request_file_download"], &req); err != nil || req.FileName != "附件3-滨江区-填报表.xlsx" || !strings.Contains(req.URL, "/app/dl/") {
		t.Fatalf("download request %+v (%v)", req, err)
	}
	step(t, ctx, "Telegram downloads", do(ios.deliver("file_download_requested", `{"status":"downloading"}`)),
		until(`document.getElementById("toast").textContent.includes("已交给 Telegram 下载")`))
	resp, content := d.send("GET", req.URL, nil, "")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", req.URL, resp.StatusCode)
	}
	if id, err := (reports.Templates{}).IdentifySheet(content); err != nil || id.Unit != "330108" || id.Form != "a3" {
		t.Fatalf("the link serves %+v (%v)", id, err)
	}

	// Filled with three bad cells, and uploaded.
	values := map[string]any{}
	for k, v := range a3Good {
		values[k] = v
	}
	values["main//built"], values["main//mfg_land"], values["main//target"] = "三", "约50", "80家左右"
	dir := t.TempDir()
	bad := filepath.Join(dir, "附件3-滨江区-填报表.xlsx")
	if err := os.WriteFile(bad, fillSheet(t, d.env, content, values), 0o600); err != nil {
		t.Fatal(err)
	}
	in.upload(bad)
	if got := answersOf(t, d, "330108", "a3"); len(got) != 6 || got["svc_area"] != "3.5" || got["built"] != "" || got["mfg_land"] != "" || got["target"] != "" {
		t.Errorf("the draft after the file: %v", got)
	}
	for _, c := range []struct{ field, want string }{
		{"built", "第 7 行「新建成（家）」：「三」"},
		{"mfg_land", "第 7 行「占地面积（亩）」：「约50」需要一个确切的数字"},
		{"target", "第 7 行「2018-2022入园企业目标数（家）」：「80家左右」"},
	} {
		if got := cellText(t, ctx, "main", "", c.field); !strings.Contains(got, c.want) {
			t.Errorf("%s shows %q, want %q", c.field, got, c.want)
		}
		if !eval[bool](t, ctx, `document.querySelector('`+cellSel("main", "", c.field)+`').classList.contains("bad")`) {
			t.Errorf("%s is not marked", c.field)
		}
	}
	if n := eval[int](t, ctx, `document.querySelectorAll("#fm-sheetissues a.dl").length`); n != 3 {
		t.Errorf("%d cells listed as left, want 3", n)
	}
	if got := eval[string](t, ctx, `document.getElementById("fm-sheetmsg").innerText`); !strings.Contains(got, "填入 6 项") {
		t.Errorf("the page says %q", got)
	}
	if n := eval[int](t, ctx, `document.querySelectorAll(".fld.theirs").length`); n != 0 {
		t.Errorf("%d cells the file filled are said to be a backup contact's", n)
	}
	wantFocus(t, ctx, "main//built")
	screenshot(t, ctx, "form-sheet-three-bad")
	screenshotOf(t, ctx, "#fm-sheet", "form-sheet-card")
	screenshotOf(t, ctx, cellSel("main", "", "mfg_land"), "form-sheet-cell")

	// Put right where they stand.
	in.typ("3")
	in.retype("占地面积", cellSel("main", "", "mfg_land")+" .in", "120")
	in.retype("目标数", cellSel("main", "", "target")+" .in", "80")
	settled(t, ctx)
	if n := eval[int](t, ctx, `document.querySelectorAll("#fm-sheetissues a.dl").length`); n != 0 {
		t.Errorf("%d cells still listed after they were put right", n)
	}
	if got := answersOf(t, d, "330108", "a3"); len(got) != 9 {
		t.Errorf("the draft: %v", got)
	}

	// A second file changes an answer there was: the diff, then 确认.
	values["main//built"], values["main//mfg_land"], values["main//target"] = 3, 130, 80
	changed := filepath.Join(dir, "附件3-改.xlsx")
	if err := os.WriteFile(changed, fillSheet(t, d.env, content, values), 0o600); err != nil {
		t.Fatal(err)
	}
	in.upload(changed)
	if got := eval[string](t, ctx, `document.getElementById("fm-diff").innerText`); !strings.Contains(got, "有 1 处与草稿中已有的答案不同") || !strings.Contains(got, "第 7 行「占地面积（亩）」：120 亩 → 130 亩") {
		t.Errorf("the diff shows %q", got)
	}
	screenshotOf(t, ctx, "#fm-sheet", "form-sheet-diff")
	if got := answersOf(t, d, "330108", "a3"); got["mfg_land"] != "120" {
		t.Errorf("changed before 确认: %v", got)
	}
	in.tap("按表格修改", `#fm-diff [data-sheet="apply"]`)
	settled(t, ctx)
	if got := answersOf(t, d, "330108", "a3"); got["mfg_land"] != "130" {
		t.Errorf("after 确认: %v", got)
	}
	if got := eval[string](t, ctx, `document.getElementById("fm-diff").innerText + "|" + document.getElementById("fm-sheetmsg").innerText`); !strings.HasPrefix(got, "|") || !strings.Contains(got, "已按表格修改 1 处") {
		t.Errorf("after 确认 the page says %q", got)
	}
	if got := cellText(t, ctx, "main", "", "mfg_land"); !strings.HasPrefix(got, "130 |") {
		t.Errorf("占地面积 shows %q", got)
	}
	noBreaks(t, ctx)
	_ = opened
}

// upload picks a file for the form's 📤 (a tap and the file chosen: one
// input, as a document picked is one) and waits for its answer.
func (in *inputs) upload(path string) {
	in.t.Helper()
	in.n++
	in.log = append(in.log, "upload "+path)
	n := eval[int](in.t, in.ctx, `Number(document.body.dataset.saved || 0)`)
	step(in.t, in.ctx, "upload "+path, chromedp.SetUploadFiles(chromedp.CSS(`#fm-upfile`), []string{path}),
		until(`Number(document.body.dataset.saved || 0) > `+strconv.Itoa(n)+` && document.body.dataset.pending === "0"`))
}

// TestInputsWithTheSheetOnThePage counts the page's spreadsheet path with
// a correctly filled file: on 附件1's page, 📥 下载表格, the file uploaded,
// 提交 — and checks the README says that count.
func TestInputsWithTheSheetOnThePage(t *testing.T) {
	d, _, _ := formDesk(t)
	bctx := newBrowser(t)
	ctx := d.open(t, bctx, ios, "8.0", userBinjiang, light, "", "mine")
	in := &inputs{t: t, ctx: ctx}
	in.tapTo("在此开始填写 附件1", `.card.mine[data-form="a1"] a.btn`, "a1")
	in.n, in.log = 0, nil // from 📥, as the chat's count is from /template
	in.tap("下载表格", "#fm-tpl")
	step(t, ctx, "the link to Telegram", until(`window.__posted.some(p => p.type === "web_app_request_file_download")`))
	var req struct {
		URL string `json:"url"`
	}
	if err := json.Unmarshal(posted(t, ctx)["web_app_request_file_download"], &req); err != nil {
		t.Fatal(err)
	}
	resp, content := d.send("GET", req.URL, nil, "")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", req.URL, resp.StatusCode)
	}
	path := filepath.Join(t.TempDir(), "附件1-滨江区-填报表.xlsx")
	if err := os.WriteFile(path, fillSheet(t, d.env, content, map[string]any{
		"main//org_name": "滨江区小微企业园工作联席会议", "main//convener_name": "王建国", "main//convener_post": "副区长",
		"main//contact": "李华", "main//phone": "0571-87059132",
	}), 0o600); err != nil {
		t.Fatal(err)
	}
	in.upload(path)
	if got := eval[string](t, ctx, `document.getElementById("fm-sheetmsg").innerText + "|" + document.getElementById("fm-problems").innerText`); !strings.Contains(got, "填入 5 项") || !strings.Contains(got, "全部填写完毕") {
		t.Errorf("after the file the page says %q", got)
	}
	in.submit("a2")
	var submitted int
	if err := d.env.DB.GetContext(context.Background(), &submitted, `SELECT count(*) FROM submissions WHERE unit_code = '330108' AND form_id = 'a1'`); err != nil || submitted != 1 {
		t.Fatalf("附件1 submitted %d times (%v)", submitted, err)
	}
	t.Logf("the spreadsheet on the page: %d inputs from 📥 to a submitted 附件1: %s", in.n, strings.Join(in.log, ", "))
	if in.n > 5 {
		t.Errorf("%d inputs from 📥 to a submitted form", in.n)
	}
	readmeSays(t, fmt.Sprintf("| the spreadsheet on the page | %d |", in.n))
}

// TestFormSheetDiffFromTheChat: a file sent in the chat that changes an
// answer waits for 确认 there; the form's page shows the same changes and
// decides them (保留原答案), and the chat's ✅ 按表格修改 then changes
// nothing: one decision, wherever first.
func TestFormSheetDiffFromTheChat(t *testing.T) {
	d, wang, _ := formDesk(t)
	wang.Say("/start").Press("附件3").Say("3").Say("0").Say("2").Say("120")
	wang.Say("/template").Expect("已按草稿预填")
	var content []byte
	for _, r := range wang.Last {
		if r.Attach != nil && r.Attach.Template != nil {
			camp, err := d.env.Registry.Campaign(context.Background(), "zj-2018-14")
			if err != nil {
				t.Fatal(err)
			}
			out, err := reports.Render(context.Background(), d.env.DB, camp, r.Attach, d.env.Now)
			if err != nil {
				t.Fatal(err)
			}
			content = out.Content
		}
	}
	values := map[string]any{}
	for k, v := range a3Good {
		values[k] = v
	}
	values["main//mfg_land"] = 130
	wang.Upload("附件3.xlsx", fillSheet(t, d.env, content, values)).Expect("第 7 行「占地面积（亩）」：120 亩 → 130 亩")

	bctx := newBrowser(t)
	ctx := d.open(t, bctx, ios, "8.0", userBinjiang, light, "", "mine")
	redraw(t, ctx, "open 附件3", "form", chromedp.Navigate(d.srv.URL+"/app/#/form/a3"))
	if got := eval[string](t, ctx, `document.getElementById("fm-diff").innerText`); !strings.Contains(got, "第 7 行「占地面积（亩）」：120 亩 → 130 亩") {
		t.Fatalf("the page shows %q", got)
	}
	screenshotOf(t, ctx, "#fm-sheet", "form-sheet-diff-from-chat")
	step(t, ctx, "保留原答案", chromedp.Click(chromedp.CSS(`#fm-diff [data-sheet="keep"]`)),
		until(`document.getElementById("fm-sheetmsg").innerText.includes("已保留原答案") && document.getElementById("fm-diff").innerText === ""`))
	wang.Press("✅ 按表格修改")
	if got := answersOf(t, d, "330108", "a3"); got["mfg_land"] != "120" || got["target"] != "80" {
		t.Errorf("after 保留原答案 on the page and 确认 in the chat: %v", got)
	}
	noBreaks(t, ctx)
}
