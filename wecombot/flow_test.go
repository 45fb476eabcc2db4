package wecombot_test

import (
	"testing"

	"github.com/chromedp/chromedp"
)

// enrolment is the province's file: 西湖区's filler, 杭州市's reviewer, and
// 余杭区's filler (another county of the same city).
const enrolment = "unit\trole\tuserid\tname\n" +
	"330106\tfiller\tZhangSan\t张三\n" +
	"330100\treviewer\tlishenhe\t李审核\n" +
	"330110\t填报人\twangwu\t王五\n"

func TestCountyEnrolledByFileFillsA3InWeComAndSubmits(t *testing.T) {
	h := newHarness(t)
	h.enrol(enrolment)
	county := h.phone("ZhangSan")
	submitA3(t, h, county)
	if n := h.count(`SELECT count(*) FROM drafts WHERE unit_code = '330106' AND form_id = 'a3' AND status = 'submitted'`); n != 1 {
		t.Errorf("a3 not submitted")
	}
	if n := h.count(`SELECT count(*) FROM answers WHERE unit_code = '330106' AND form_id = 'a3'`); n != 9 {
		t.Errorf("%d answers stored, want 9", n)
	}
	city := h.phone("lishenhe")
	city.expect("您已被登记为杭州市的审核人")
	city.expect("【待审核】西湖区 提交了《附件3")
	card := city.expect("✅ 通过").Template
	if card.Link == "" {
		t.Fatalf("the review request links to nothing: %+v", card)
	}

	// The reviewer opens the desk from the card, in WeCom's browser: through
	// WeCom's OAuth to the page, signed in by the session it opened.
	tab := newTab(t)
	step(t, tab, "open the desk through WeCom's sign-in", chromedp.Navigate(h.fake.SignInURL("lishenhe", card.Link)), ready("desk"))
	screenshot(t, tab, "desk-city")
	step(t, tab, "open the queue", chromedp.Navigate(h.url("/app/#/queue")), ready("queue"))
	if n := eval[int](t, tab, `document.querySelectorAll(".card.q").length`); n != 1 {
		t.Errorf("queue has %d", n)
	}
	screenshot(t, tab, "queue")
	redraw(t, tab, "approve", "queue", chromedp.Click(chromedp.CSS(`.card.q [data-act="approve"]`)))
	if n := h.count(`SELECT count(*) FROM submissions WHERE unit_code = '330106' AND form_id = 'a3' AND status = 'approved'`); n != 1 {
		t.Errorf("西湖区's 附件3 is not approved")
	}
	county.expect("审核通过")
	h.noViolations()
}

// submitA3 is 西湖区's contact, enrolled, filling 附件3 in WeCom from the
// welcome to 提交: card buttons, typed answers, a soft warning confirmed,
// the review's eleven buttons (five and 更多 on the card, every one
// numbered in the text) and 提交 chosen by its number.
func submitA3(t *testing.T, h *harness, county *phone) {
	t.Helper()
	county.expect("您已被登记为西湖区的填报人")
	county.press("开始使用")
	county.expect("请选择要填写的表格", "附件3（未开始）")
	county.press("附件3（未开始）")
	county.expect("按建设方式 · 新建成（家）（第 1/9 项）")
	county.say("5").expect("改造提升（家）（第 2/9 项）")
	county.say("3").expect("请确认", "[确认无误]")
	county.press("确认无误").expect("生产制造类 · 园区数量（个）")
	for _, v := range []string{"6", "600", "1200", "2", "12万平方米", "300", "2000"} {
		county.say(v).expect("✔")
	}
	county.expect("全部填写完毕", "[更多 ▸]")
	county.press("更多 ▸").expect("[6 改：服务类园区]", "[10 提交]")
	county.say(county.option("✅ 提交")).expect("已提交《附件3 2018-2022年小微企业园建设规划目标》（第 1 版）")
}
