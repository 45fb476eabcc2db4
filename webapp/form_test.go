package webapp_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"tianbao/dialogs/dialogtest"
	"tianbao/webapp"
)

// Telegram users of the form's tests: 滨江区's contact and her backup.
const (
	userBinjiang  = 1006 // filler of 滨江区 (330108)
	userBinjiang2 = 1007 // the backup filler of 滨江区
)

// formDesk is newDesk with 滨江区's two contacts, who have filled nothing.
func formDesk(t *testing.T) (*desk, *dialogtest.Chat, *dialogtest.Chat) {
	d := newDesk(t)
	a := d.env.Contact("330108", "王芳")
	b := d.env.Contact("330108", "李明")
	link(t, d.env, a, userBinjiang)
	link(t, d.env, b, userBinjiang2)
	return d, a, b
}

// inputs counts what a person does on the page: each tap and each value
// typed (ended with the keyboard's 下一项, as a chat's answer ends with
// send), as the issue measures them.
type inputs struct {
	t   *testing.T
	ctx context.Context
	n   int
	log []string
}

// tap taps an element (a real mouse event at its middle).
func (in *inputs) tap(what, sel string) {
	in.t.Helper()
	in.n++
	in.log = append(in.log, "tap "+what)
	step(in.t, in.ctx, "tap "+what, chromedp.ScrollIntoView(chromedp.CSS(sel)), chromedp.Click(chromedp.CSS(sel)))
}

// typ types a value into whatever has the focus and presses Enter.
func (in *inputs) typ(value string) {
	in.t.Helper()
	in.n++
	in.log = append(in.log, "type "+value)
	step(in.t, in.ctx, "type "+value, chromedp.KeyEvent(value), chromedp.KeyEvent(kb.Enter))
}

// tapTo taps something that opens a form, and waits for the form.
func (in *inputs) tapTo(what, sel, form string) {
	in.t.Helper()
	n := eval[int](in.t, in.ctx, `Number(document.body.dataset.n || 0)`)
	in.tap(what, sel)
	step(in.t, in.ctx, "open "+form, until(fmt.Sprintf(`Number(document.body.dataset.n || 0) > %d && document.body.dataset.ready === "form" && location.hash === "#/form/%s"`, n, form)))
}

// choose taps a choice of the cell the page shows as the one to fill.
func (in *inputs) choose(value string) {
	in.t.Helper()
	in.tap(value, `.fld.cur .ch[data-v="`+value+`"]`)
}

// pick picks a file for the file cell the page shows as the one to fill
// (a tap on 选择文件 and the file chosen: one input, as a file sent in the
// chat is one), and waits for it to be taken.
func (in *inputs) pick(path string) {
	in.t.Helper()
	in.n++
	in.log = append(in.log, "pick "+path)
	step(in.t, in.ctx, "pick "+path, do(`document.querySelector(".fld.cur").dataset.picking = "1"`),
		chromedp.SetUploadFiles(chromedp.CSS(`.fld.cur input[type="file"]`), []string{path}),
		// Taken, and the page on to the next cell.
		until(`(function () { var f = document.querySelector("[data-picking]"); return f && f.querySelector(".fname").textContent !== "" &&
			document.body.dataset.pending === "0" && document.activeElement && document.activeElement.matches(".in"); })()`),
		do(`document.querySelector("[data-picking]").removeAttribute("data-picking")`))
}

// submit taps 提交 and waits for the next form (none: the unit's page).
func (in *inputs) submit(next string) {
	in.t.Helper()
	settled(in.t, in.ctx)
	n := eval[int](in.t, in.ctx, `Number(document.body.dataset.n || 0)`)
	in.tap("提交", "#fm-submit")
	want := `document.body.dataset.ready === "form" && location.hash === "#/form/` + next + `"`
	if next == "" {
		want = `document.body.dataset.ready === "mine"`
	}
	step(in.t, in.ctx, "on to "+next, until(fmt.Sprintf(`Number(document.body.dataset.n || 0) > %d && %s`, n, want)))
}

// settled waits for every save sent to be answered.
func settled(t *testing.T, ctx context.Context) {
	t.Helper()
	step(t, ctx, "saves answered", until(`document.body.dataset.pending === "0"`))
}

// focused is the cell that has the focus: section/row/field.
func focused(t *testing.T, ctx context.Context) string {
	t.Helper()
	return eval[string](t, ctx, `(function () { var e = document.activeElement; if (!e || !e.closest) return ""; var f = e.closest("[data-f]"), r = e.closest(".rw"), s = e.closest("[data-s]"); return s && r && f ? s.dataset.s + "/" + r.dataset.r + "/" + f.dataset.f : e.id || e.tagName; })()`)
}

// cellText is what a cell of the page shows: its input's value and its
// messages.
func cellText(t *testing.T, ctx context.Context, section, row, field string) string {
	t.Helper()
	return eval[string](t, ctx, fmt.Sprintf(`(function () {
		var sec = document.querySelector('[data-s="%s"]');
		var rw = Array.from(sec.querySelectorAll(".rw")).find(function (x) { return x.dataset.r === %q && !x.classList.contains("ghost"); });
		if (!rw) return "(no row)";
		var f = rw.querySelector('[data-f="%s"]');
		var i = f.querySelector(".in"), on = f.querySelector(".ch.on"), m = f.querySelector(".msgs");
		return (i ? i.value : on ? on.textContent : (f.querySelector(".ro") || f).textContent) + " | " + (m ? m.innerText : "");
	})()`, section, row, field))
}

// retype selects what a cell holds and types a new value over it: a tap
// into the cell and the value.
func (in *inputs) retype(what, sel, value string) {
	in.t.Helper()
	in.tap(what, sel)
	step(in.t, in.ctx, "select "+what, do(`document.activeElement.select()`))
	in.n--
	in.typ(value)
}

// cellSel is the selector of a cell's container.
func cellSel(section, row, field string) string {
	return fmt.Sprintf(`[data-s="%s"] .rw[data-r="%s"]:not(.ghost) [data-f="%s"]`, section, row, field)
}

// TestFormWithAPersonsMistakes: 附件3 and a park of 附件2 filled on a
// phone's page with the mistakes people make — a figure in 万平方米 with its
// unit, full-width digits, an estimate, a sum that does not add up, a
// warning to confirm — each answered at its cell by the chat's own checks;
// then the same drafts finished and submitted in the chat, the reviewers
// told, and the page showing what was submitted.
func TestFormWithAPersonsMistakes(t *testing.T) {
	d, wang, _ := formDesk(t)
	bctx := newBrowser(t)
	app := d.srv.URL + "/app/"
	ctx := d.open(t, bctx, ios, "8.0", userBinjiang, light, "", "mine")
	in := &inputs{t: t, ctx: ctx}
	in.tapTo("在此开始填写 附件3", `.card.mine[data-form="a3"] a.btn`, "a3")
	wantFocus(t, ctx, "main//built")
	for _, v := range []string{"３", "1", "2", "约50", "１２０", "1", "6万平方米", "45"} {
		in.typ(v)
	}
	settled(t, ctx)
	for _, c := range []struct{ field, want string }{
		{"built", "3 | 已记为 3 家"},
		{"mfg_land", "约50 | 「占地面积（亩）」需要一个确切的数字"},
		{"mfg_firms", "120 | 已记为 120 家"},
		{"svc_area", "6 | 已记为 6 万平方米"},
		{"upgraded", "改造提升的 1 家园区须为尚未列入小微企业园名单的园区（表注 1）。请确认。 确认无误"},
	} {
		if got := cellText(t, ctx, "main", "", c.field); !strings.Contains(got, c.want) {
			t.Errorf("%s shows %q, want %q", c.field, got, c.want)
		}
	}
	// The broken sum, at every field it reads.
	for _, f := range []string{"built", "upgraded", "mfg_count", "svc_count"} {
		if got := cellText(t, ctx, "main", "", f); !strings.Contains(got, "按建设方式合计 4 家") || !strings.Contains(got, "按园区类型合计 3 个") {
			t.Errorf("%s does not say the sum is broken: %q", f, got)
		}
	}
	var stored string
	if err := d.env.DB.GetContext(context.Background(), &stored, `SELECT string_agg(field_id || '=' || value, ' ' ORDER BY field_id) FROM answers WHERE unit_code = '330108' AND form_id = 'a3'`); err != nil {
		t.Fatal(err)
	}
	if stored != "built=3 mfg_count=2 mfg_firms=120 svc_area=6 svc_count=1 svc_firms=45 upgraded=1" {
		t.Errorf("the draft holds %s", stored)
	}
	screenshot(t, ctx, "form-mistakes")
	screenshotOf(t, ctx, cellSel("main", "", "mfg_land"), "form-mistakes-refused")
	screenshotOf(t, ctx, cellSel("main", "", "upgraded"), "form-mistakes-soft")
	// Put right where they stand: the estimate, the sum, the warning.
	in.retype("占地面积", cellSel("main", "", "mfg_land")+" .in", "140")
	in.retype("制造类园区", cellSel("main", "", "mfg_count")+" .in", "3")
	settled(t, ctx)
	in.tap("确认无误", cellSel("main", "", "upgraded")+" [data-confirm]")
	settled(t, ctx)
	for _, f := range []string{"built", "upgraded", "mfg_count", "svc_count", "mfg_land"} {
		if got := cellText(t, ctx, "main", "", f); strings.Contains(got, "合计") || strings.Contains(got, "确切") || strings.Contains(got, "请确认") {
			t.Errorf("%s still says %q", f, got)
		}
	}
	if p := eval[string](t, ctx, `document.getElementById("fm-problems").innerText`); !strings.Contains(p, "还有 1 项未填写") || strings.Contains(p, "提示未确认") {
		t.Errorf("what still blocks 附件3: %q", p)
	}
	screenshot(t, ctx, "form-a3-put-right")

	// One park of 附件2: a ratio that warns until the land is right.
	redraw(t, ctx, "open 附件2", "form", chromedp.Navigate(app+"#/form/a2"))
	wantFocus(t, ctx, "completed//name")
	in.typ("滨江智造小微园")
	in.typ("滨江区浦沿街道东信大道 66 号")
	in.choose("生产制造类")
	in.typ("智能装备")
	in.choose("政府主导开发")
	in.typ("５")
	in.typ("6万平方米")
	settled(t, ctx)
	if got := cellText(t, ctx, "completed", "r1", "area"); !strings.Contains(got, "已记为 6 万平方米") || !strings.Contains(got, "容积率为 18.00") {
		t.Errorf("the park's area: %q", got)
	}
	if got := cellText(t, ctx, "completed", "r1", "land"); !strings.Contains(got, "5 | ") || !strings.Contains(got, "容积率为 18.00") {
		t.Errorf("the park's land: %q", got)
	}
	screenshotOf(t, ctx, `[data-s="completed"] .rw[data-r="r1"]`, "form-park-warning")
	in.typ("2019年6月")
	in.retype("计划用地", cellSel("completed", "r1", "land")+" .in", "50")
	settled(t, ctx)
	if got := cellText(t, ctx, "completed", "r1", "land") + cellText(t, ctx, "completed", "r1", "area"); strings.Contains(got, "容积率") {
		t.Errorf("the warning stayed: %q", got)
	}
	if got := cellText(t, ctx, "completed", "r1", "finish"); !strings.HasPrefix(got, "2019-06 | ") {
		t.Errorf("the park's finish: %q", got)
	}
	screenshot(t, ctx, "form-a2-park")
	noBreaks(t, ctx)

	// The chat goes on with the same drafts, and submits.
	wang.Say("/start").Press("附件3").Expect("2018-2022入园企业目标数（家）")
	wang.Say("200").Expect("全部填写完毕").Press("✅ 提交").Expect("已提交《附件3")
	wang.Press("附件2").Expect("1. 滨江智造小微园 · 滨江区浦沿街道东信大道 66 号 · 生产制造类 · 智能装备 · 政府主导开发 · 50亩 · 6万㎡ · 2019-06")
	wang.Press("本部分填完了").Press("本部分没有园区").Press("本部分没有园区").Expect("全部填写完毕").Press("✅ 提交").Expect("已提交《附件2")
	d.city.Inbox().Expect("滨江区 提交了《附件3", "滨江区 提交了《附件2")
	redraw(t, ctx, "open 附件3 again", "form", chromedp.Navigate(app+"#/form/a3"))
	if v := eval[string](t, ctx, `document.getElementById("fm-state").innerText + "|" + document.querySelectorAll("#view .in").length + "|" + !!document.getElementById("fm-submit")`); !strings.HasPrefix(v, "已提交") || !strings.HasSuffix(v, "|0|false") {
		t.Errorf("a submitted form on the page: %s", v)
	}
	screenshot(t, ctx, "form-submitted")
}

// TestFormTwoContactsAtOnce: 滨江区's contact and her backup fill one form
// at the same moment, each on a phone: cells of each other's land, and
// each page shows the other's; the same cell typed by both goes to the
// first, and the second sees her value in it and why his was not saved,
// and keeps his own in one tap. Nothing typed is lost.
func TestFormTwoContactsAtOnce(t *testing.T) {
	d, _, _ := formDesk(t)
	bctx := newBrowser(t)
	app := d.srv.URL + "/app/"
	wang := d.open(t, bctx, ios, "8.0", userBinjiang, light, "", "mine")
	li := d.open(t, bctx, tdesktop, "8.0", userBinjiang2, light, "", "mine")
	redraw(t, wang, "she opens 附件1", "form", chromedp.Navigate(app+"#/form/a1"))
	redraw(t, li, "he opens 附件1", "form", chromedp.Navigate(app+"#/form/a1"))
	w := &inputs{t: t, ctx: wang}
	l := &inputs{t: t, ctx: li}
	// Both pages are open on the empty form; she saves 机构名称, then he,
	// whose page still shows it empty, 联系人.
	w.typ("滨江区小微企业园工作联席会议")
	settled(t, wang)
	l.tap("联系人", cellSel("main", "", "contact")+" .in")
	l.typ("李华")
	settled(t, li)
	// His page got her 机构名称 with his answer.
	if got := cellText(t, li, "main", "", "org_name"); !strings.HasPrefix(got, "滨江区小微企业园工作联席会议 | 其他联系人刚改过此项") {
		t.Errorf("his page's 机构名称: %q", got)
	}
	// The same cell from both, each having seen it empty.
	w.tap("联系方式", cellSel("main", "", "phone")+" .in")
	w.typ("0571-87059132")
	settled(t, wang)
	l.tap("联系方式", cellSel("main", "", "phone")+" .in")
	l.typ("13957112233")
	settled(t, li)
	got := cellText(t, li, "main", "", "phone")
	if !strings.HasPrefix(got, "0571-87059132 | ") || !strings.Contains(got, "刚被其他联系人改为「0571-87059132」") || !strings.Contains(got, "您输入的「13957112233」没有保存") {
		t.Errorf("his phone after hers: %q", got)
	}
	screenshotOf(t, li, cellSel("main", "", "phone"), "form-conflict")
	l.tap("仍用我的", cellSel("main", "", "phone")+" [data-mine]")
	settled(t, li)
	if got := cellText(t, li, "main", "", "phone"); !strings.HasPrefix(got, "13957112233 | ") || strings.Contains(got, "没有保存") {
		t.Errorf("his phone kept: %q", got)
	}
	// Her page shows his change as she goes on.
	w.tap("召集人姓名", cellSel("main", "", "convener_name")+" .in")
	w.typ("张明")
	settled(t, wang)
	for field, want := range map[string]string{"phone": "13957112233 | 其他联系人刚改过此项", "contact": "李华 | 其他联系人刚改过此项"} {
		if got := cellText(t, wang, "main", "", field); !strings.HasPrefix(got, want) {
			t.Errorf("her %s: %q", field, got)
		}
	}
	screenshot(t, wang, "form-two-contacts")
	var all string
	if err := d.env.DB.GetContext(context.Background(), &all, `SELECT string_agg(field_id || '=' || value, ' ' ORDER BY field_id) FROM answers WHERE unit_code = '330108' AND form_id = 'a1'`); err != nil {
		t.Fatal(err)
	}
	if all != "contact=李华 convener_name=张明 org_name=滨江区小微企业园工作联席会议 phone=13957112233" {
		t.Errorf("the draft holds %s", all)
	}
	var history string
	if err := d.env.DB.GetContext(context.Background(), &history, `SELECT string_agg(COALESCE(old_value, '∅') || '→' || new_value, ' ' ORDER BY id) FROM audit_log WHERE unit_code = '330108' AND target = 'main//phone'`); err != nil {
		t.Fatal(err)
	}
	if history != "∅→0571-87059132 0571-87059132→13957112233" {
		t.Errorf("the phone's audit: %s", history)
	}

	// Two parks begun at once, each in a blank card: both are there.
	redraw(t, wang, "she opens 附件2", "form", chromedp.Navigate(app+"#/form/a2"))
	redraw(t, li, "he opens 附件2", "form", chromedp.Navigate(app+"#/form/a2"))
	w.typ("滨江智造小微园")
	l.typ("长河创新园")
	settled(t, wang)
	settled(t, li)
	// Back on her page after a while: his park is there, and she goes on
	// where she was.
	step(t, wang, "the page shown again", do(`document.dispatchEvent(new Event("visibilitychange"))`),
		until(`document.querySelectorAll('[data-s="completed"] .rw:not(.ghost)').length === 2`))
	settled(t, wang)
	w.typ("滨江区浦沿街道东信大道 66 号")
	settled(t, wang)
	if names := eval[string](t, wang, `Array.from(document.querySelectorAll('[data-s="completed"] .rw:not(.ghost) .fc-t')).map(x => x.textContent).sort().join("、")`); names != "滨江智造小微园、长河创新园" {
		t.Errorf("her page shows the parks %s", names)
	}
	var address string
	if err := d.env.DB.GetContext(context.Background(), &address, `SELECT a.value FROM answers a JOIN answers n ON n.row_key = a.row_key AND n.form_id = a.form_id AND n.unit_code = a.unit_code AND n.field_id = 'name'
		WHERE a.unit_code = '330108' AND a.form_id = 'a2' AND a.field_id = 'address' AND n.value = '滨江智造小微园'`); err != nil || address != "滨江区浦沿街道东信大道 66 号" {
		t.Errorf("her park's address: %q %v", address, err)
	}
	screenshot(t, wang, "form-two-parks")
	var parks int
	if err := d.env.DB.GetContext(context.Background(), &parks, `SELECT count(*) FROM answer_rows WHERE unit_code = '330108' AND form_id = 'a2'`); err != nil || parks != 2 {
		t.Errorf("%d parks stored (%v)", parks, err)
	}
	noBreaks(t, wang)
	noBreaks(t, li)
}

// TestFormReturned: a form the city returned opens on the page with the
// reason on top and the flagged cells marked, the first one to correct
// with the focus; a corrected cell says so; submitted again from the page.
func TestFormReturned(t *testing.T) {
	d, wang, _ := formDesk(t)
	wang.SubmitA3("3", "0", "2", "100", "50", "1", "5.5", "20", "100")
	var q []struct {
		ID    int64
		Unit  string
		Items []struct{ Key, Label string }
	}
	d.get(userHangzhou, "queue", &q)
	var sub int64
	var flags []string
	for _, it := range q {
		if it.Unit == "330108" {
			sub = it.ID
			for _, f := range it.Items {
				if strings.Contains(f.Label, "占地") || strings.Contains(f.Label, "入小微园企业数") && strings.Contains(f.Label, "生产制造类") {
					flags = append(flags, f.Key)
				}
			}
		}
	}
	if code, b := d.call(userHangzhou, "POST", "review", map[string]any{"submission": sub, "approve": false, "reason": "占地面积与附件2合计不一致，请核对", "flags": flags}); code != 200 || len(flags) != 2 {
		t.Fatalf("return (flags %q): %d %s", flags, code, b)
	}
	bctx := newBrowser(t)
	ctx := d.open(t, bctx, android, "8.0", userBinjiang, light, "", "mine")
	in := &inputs{t: t, ctx: ctx}
	in.tapTo("在此填写 附件3", `.card.mine[data-form="a3"] a.btn`, "a3")
	note := eval[string](t, ctx, `document.getElementById("returned").innerText`)
	for _, want := range []string{"杭州市 杭州审核", "退回修改", "理由：占地面积与附件2合计不一致，请核对", "占地面积（亩）"} {
		if !strings.Contains(note, want) {
			t.Errorf("the reason on top lacks %q:\n%s", want, note)
		}
	}
	wantFocus(t, ctx, "main//mfg_land")
	if n := eval[int](t, ctx, `document.querySelectorAll(".fld.flag").length`); n != 2 {
		t.Errorf("%d cells marked", n)
	}
	screenshot(t, ctx, "form-returned")
	in.typ("140")
	settled(t, ctx)
	if got := cellText(t, ctx, "main", "", "mfg_land"); !strings.HasPrefix(got, "140 | ") || !strings.Contains(got, "已改") {
		t.Errorf("the corrected cell: %q", got)
	}
	screenshotOf(t, ctx, "#fm-sections", "form-returned-corrected")
	in.submit("policies") // the next form still to fill
	d.city.Inbox().Expect("滨江区 提交了《附件3", "第 2 版", "100 亩 → 140 亩")
	noBreaks(t, ctx)
}

// TestFormOnEveryClient: the form on Telegram for Android and iOS, on
// Telegram Desktop (each as its source delivers events) and in Telegram
// Web's iframe on another site: a cell typed and saved (the POST from the
// page's own origin, with the sign-in in its header), Telegram's back
// button back to the unit's page.
func TestFormOnEveryClient(t *testing.T) {
	d, _, _ := formDesk(t)
	bctx := newBrowser(t)
	for i, c := range natives {
		t.Run(c.name, func(t *testing.T) {
			ctx := d.open(t, bctx, c, "8.0", userBinjiang, light, "", "mine")
			in := &inputs{t: t, ctx: ctx}
			in.tapTo("在此填写 附件1", `.card.mine[data-form="a1"] a.btn`, "a1")
			if p := posted(t, ctx); string(p["web_app_setup_back_button"]) != `{"is_visible":true}` {
				t.Errorf("back button %s", p["web_app_setup_back_button"])
			}
			field := []string{"org_name", "convener_name", "convener_post"}[i]
			in.tap(field, cellSel("main", "", field)+" .in")
			in.typ([]string{"滨江区小微企业园工作联席会议", "张明", "区政府副区长"}[i])
			settled(t, ctx)
			var v string
			if err := d.env.DB.GetContext(context.Background(), &v, `SELECT value FROM answers WHERE unit_code = '330108' AND field_id = $1`, field); err != nil || v == "" {
				t.Errorf("%s not saved: %v", field, err)
			}
			redraw(t, ctx, "press Telegram's back button", "mine", chromedp.Evaluate[chromedp.Void](c.deliver("back_button_pressed", "")))
			noBreaks(t, ctx)
		})
	}
	t.Run("weba", func(t *testing.T) {
		host, hostOrigin := webHostServer(t)
		d := newDesk(t, func(s *webapp.Server) { s.WebOrigins = []string{hostOrigin} })
		link(t, d.env, d.env.Contact("330108", "王芳"), userBinjiang)
		host.Store(webHost(d.srv.URL+"/app/", "9.1", light, d.initData(userBinjiang)))
		bctx := newBrowser(t, chromedp.Flag("disable-features", "SitePerProcess,IsolateOrigins"), chromedp.Flag("disable-site-isolation-trials", true))
		web := tab(t, bctx, "")
		step(t, web, "open Telegram Web", chromedp.Navigate(hostOrigin+"/"))
		fr := inFrame(web)
		step(t, fr, "the desk in the iframe", ready("mine"))
		redraw(t, fr, "open 附件1", "form", click(`.card.mine[data-form="a1"] a.btn`))
		step(t, web, "the host shows its back button", chromedp.WaitVisible(chromedp.CSS(`#back`)))
		step(t, web, "type in the frame", chromedp.KeyEvent("滨江区小微企业园工作联席会议"), chromedp.KeyEvent(kb.Enter))
		step(t, fr, "saved", until(`document.body.dataset.pending === "0" && Number(document.body.dataset.saved) >= 1`))
		var v string
		if err := d.env.DB.GetContext(context.Background(), &v, `SELECT value FROM answers WHERE unit_code = '330108' AND field_id = 'org_name'`); err != nil || v != "滨江区小微企业园工作联席会议" {
			t.Errorf("org_name from Telegram Web: %q %v", v, err)
		}
		n := eval[int](t, fr, `Number(document.body.dataset.n)`)
		step(t, web, "press back", chromedp.Click(chromedp.CSS(`#back`)))
		step(t, fr, "back to the unit", until(fmt.Sprintf(`Number(document.body.dataset.n) > %d && document.body.dataset.ready === "mine"`, n)))
		screenshot(t, web, "form-client-web")
	})
}

// webHostServer serves Telegram Web's stand-in (webHost) on an origin of
// its own, "localhost" where the desk is 127.0.0.1: two sites.
func webHostServer(t *testing.T) (*atomic.Value, string) {
	var page atomic.Value
	host := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = io.WriteString(w, page.Load().(string))
	}))
	t.Cleanup(host.Close)
	return &page, strings.Replace(host.URL, "127.0.0.1", "localhost", 1)
}
