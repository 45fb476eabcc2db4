package webapp_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestTheDeskOnAPhone: the desk as a county official and a city's
// coordinator use it on a 390-px phone. A returned form says why, who
// returned it and what to correct, each with 去修改 into the chat at that
// question; a county's versions are 第 N 版; the daily chart draws one
// day; a wide table says it scrolls and keeps its first column; a list's
// rows are cards; the queue approves the cards chosen, all at once.
func TestTheDeskOnAPhone(t *testing.T) {
	d := newDesk(t)
	d.env.Contact("330103", "丙").SubmitA3("1", "0", "1", "10", "5", "0", "0", "0", "5")
	d.env.Contact("330108", "丁").SubmitA3("3", "0", "2", "40", "12", "1", "1.2", "8", "30")
	// 西湖区 lists a park in 附件2 (a draft).
	d.xihu.Say("/start").Press("附件2").Press("➕ 添加园区").Say("西湖创业园").Say("三墩镇西园八路 1 号").Press("生产制造类").Say("智能装备").
		Press("政府主导开发").Say("50").Say("6").Say("2019-06")
	// 杭州市 returns 西湖区's 附件3, 占地面积 flagged.
	var q []struct {
		ID    int64
		Unit  string
		Items []struct{ Key, Label string }
	}
	d.get(userHangzhou, "queue", &q)
	var xihuA3 int64
	flag := ""
	for _, it := range q {
		if it.Unit == "330106" {
			xihuA3 = it.ID
			for _, f := range it.Items {
				if strings.Contains(f.Label, "占地") {
					flag = f.Key
				}
			}
		}
	}
	if code, b := d.call(userHangzhou, "POST", "review", map[string]any{"submission": xihuA3, "approve": false, "reason": "占地面积与附件2合计不一致，请核对", "flags": []string{flag}}); code != 200 || flag == "" {
		t.Fatalf("return (flag %q): %d %s", flag, code, b)
	}
	d.xihu.Inbox()
	oneDay(t, d)
	bctx := newBrowser(t)
	app := d.srv.URL + "/app/"

	// The county: the returned form first says why and what.
	county := d.open(t, bctx, ios, "8.0", userXihu, light, "", "mine")
	note := eval[string](t, county, `document.querySelector('.card.mine[data-form="a3"] #returned')?.innerText || ""`)
	for _, want := range []string{"杭州市 杭州审核", "退回修改", "理由：占地面积与附件2合计不一致，请核对", "需修改：", "占地面积（亩）", "去修改"} {
		if !strings.Contains(note, want) {
			t.Errorf("the returned form's note lacks %q:\n%s", want, note)
		}
	}
	if v := eval[string](t, county, `document.querySelector('.card.mine[data-form="a3"] .muted').textContent`); v != "第 1 版" {
		t.Errorf("the county's version reads %q", v)
	}
	// 附件2's park as a card, the table hidden on a phone.
	if n := eval[int](t, county, `document.querySelectorAll('.card.mine[data-form="a2"] .tbl.k-list .rowcard').length`); n != 1 {
		t.Errorf("附件2 has %d cards", n)
	}
	card := eval[string](t, county, `document.querySelector('.card.mine[data-form="a2"] .rowcard').innerText`)
	for _, want := range []string{"1. 西湖创业园", "园区地址", "三墩镇西园八路 1 号", "计划用地", "50"} {
		if !strings.Contains(card, want) {
			t.Errorf("the park's card lacks %q:\n%s", want, card)
		}
	}
	if shown := eval[bool](t, county, `getComputedStyle(document.querySelector('.card.mine[data-form="a2"] .tbl.k-list .scroll')).display !== "none"`); shown {
		t.Error("附件2's table is shown on a phone beside its cards")
	}
	screenshot(t, county, "phone-county-returned")
	screenshotOf(t, county, `.card.mine[data-form="a3"]`, "phone-county-returned-a3")
	screenshotOf(t, county, `.card.mine[data-form="a2"]`, "phone-county-park-card")
	// 去修改 on the flagged item: the chat, at that question, the reason first.
	step(t, county, "去修改 the flagged item", chromedp.Click(chromedp.CSS(`#returned a.fix`)),
		until(`window.__posted.some(p => p.type === "web_app_close")`))
	d.xihu.Inbox().Expect("理由：占地面积与附件2合计不一致，请核对", "占地面积（亩）")
	d.xihu.Say("60").Expect("全部填写完毕").Press("✅ 提交").Expect("已提交")
	noBreaks(t, county)

	// On a wide screen the park is a table row again.
	wide := tab(t, bctx, ios.inject)
	step(t, wide, "a wide screen", chromedp.EmulateViewport(1024, 800), chromedp.Navigate(app+launchHash(d.initData(userXihu), "8.0", "ios", light)), ready("mine"))
	if v := eval[string](t, wide, `getComputedStyle(document.querySelector('.card.mine[data-form="a2"] .cards')).display + "/" + document.querySelectorAll('.card.mine[data-form="a2"] table.ret tbody tr').length`); v != "none/1" {
		t.Errorf("附件2 on a wide screen: %s", v)
	}

	// The city: 西湖区's resubmission, its versions, the wide table.
	city := d.open(t, bctx, ios, "8.0", userHangzhou, light, "", "desk")
	redraw(t, city, "open 西湖区's 附件3", "cell", chromedp.Navigate(app+"#/cell/330106/a3"))
	text := eval[string](t, city, `document.getElementById("view").innerText`)
	for _, want := range []string{"第 2 版", "与第 1 版相比", "60"} {
		if !strings.Contains(text, want) {
			t.Errorf("the cell lacks %q", want)
		}
	}
	if strings.Contains(text, "次上报") {
		t.Errorf("a county's version called 上报:\n%s", text)
	}
	if h := eval[string](t, city, `Array.from(document.querySelectorAll("#history li")).map(li => li.firstChild.textContent).join("|")`); !strings.Contains(h, "第 1 版") || !strings.Contains(h, "第 2 版") {
		t.Errorf("history: %s", h)
	}
	// 附件3 is wider than the phone: it says so, and its first column stays
	// while it scrolls.
	if hint := eval[string](t, city, `(document.querySelector("#cell-table .scroll-hint:not([hidden])") || {}).textContent || ""`); !strings.Contains(hint, "左右滑动查看全部 9 列") {
		t.Errorf("no scroll hint: %q", hint)
	}
	first := `document.querySelector("#cell-table table.ret tbody td")`
	before := eval[float64](t, city, first+`.getBoundingClientRect().left`)
	step(t, city, "scroll the table", do(`document.querySelector("#cell-table .scroll").scrollLeft = 400`))
	// Unfrozen it would be 400 px off the screen; frozen it stays, at the
	// card's edge.
	if after := eval[float64](t, city, first+`.getBoundingClientRect().left`); after < 0 || after > before {
		t.Errorf("the first column moved from %.0f to %.0f", before, after)
	}
	if last := eval[float64](t, city, `document.querySelector("#cell-table table.ret tbody td:last-child").getBoundingClientRect().right`); last > 390 {
		t.Errorf("the last column is still off screen at %.0f after scrolling", last)
	}
	screenshot(t, city, "phone-cell-scrolled")
	screenshotOf(t, city, `#cell-table`, "phone-cell-table-scrolled")

	// 全部通过 for the two chosen, as the chat's batch: listed, then done.
	redraw(t, city, "open the queue", "queue", chromedp.Navigate(app+"#/queue"))
	if n := eval[int](t, city, `document.querySelectorAll(".card.q input[data-pick]").length`); n != 3 {
		t.Fatalf("%d cards to choose from", n)
	}
	if dis := eval[bool](t, city, `document.querySelector('#batchbar [data-act="batch"]').disabled`); !dis {
		t.Error("全部通过 with nothing chosen")
	}
	step(t, city, "choose two", chromedp.Click(chromedp.CSS(`.card.q[data-id] input[data-pick]`)),
		do(`document.querySelectorAll(".card.q input[data-pick]")[1].click()`))
	if label := eval[string](t, city, `document.querySelector('#batchbar [data-act="batch"]').textContent`); label != "✅ 全部通过（已选 2 份）" {
		t.Errorf("the batch button reads %q", label)
	}
	step(t, city, "全部通过", chromedp.Click(chromedp.CSS(`#batchbar [data-act="batch"]`)), chromedp.WaitVisible(chromedp.CSS(`#batch [data-act="yes"]`)))
	ask := eval[string](t, city, `document.getElementById("batch").innerText`)
	if !strings.Contains(ask, "确认一次通过以下 2 份") || strings.Count(ask, "《附件3》") != 2 {
		t.Errorf("the batch asks:\n%s", ask)
	}
	screenshot(t, city, "phone-queue-batch")
	screenshotOf(t, city, `#batch`, "phone-queue-batch-ask")
	chosen := eval[[]int64](t, city, `Array.from(document.querySelectorAll(".card.q input[data-pick]:checked")).map(i => Number(i.dataset.pick))`)
	redraw(t, city, "confirm", "queue", chromedp.Click(chromedp.CSS(`#batch [data-act="yes"]`)))
	step(t, city, "the page says so", until(`document.getElementById("toast").textContent.includes("已通过 2 份")`))
	if n := eval[int](t, city, `document.querySelectorAll(".card.q").length`); n != 1 {
		t.Errorf("%d cards left", n)
	}
	for _, id := range chosen {
		var status string
		if err := d.env.DB.QueryRowContext(context.Background(), `SELECT status FROM submissions WHERE id = $1`, id).Scan(&status); err != nil || status != "approved" {
			t.Errorf("submission %d: %s %v", id, status, err)
		}
	}

	// The daily chart with everything on one day: a point per line, with
	// its figures.
	oneDay(t, d)
	redraw(t, city, "open the trend", "trend", chromedp.Navigate(app+"#/trend/330100"))
	if days := eval[int](t, city, `document.querySelectorAll("#daily circle").length`); days != 2 {
		t.Errorf("one day drew %d points", days)
	}
	if v := eval[string](t, city, `Array.from(document.querySelectorAll("#daily text.val")).map(x => x.textContent).join("|")`); v != fmt.Sprintf("已交（含已通过） %d|已通过 %d", 4, 3) {
		t.Errorf("the day's figures: %s", v)
	}
	screenshot(t, city, "phone-trend-one-day")
	noBreaks(t, city)
}

// oneDay puts every step so far on the day before the desk's clock, an hour
// before it: a campaign's first day.
func oneDay(t testing.TB, d *desk) {
	t.Helper()
	if _, err := d.env.DB.ExecContext(context.Background(), `UPDATE submission_events SET at = $1`, d.env.Now.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
}
