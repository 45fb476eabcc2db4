package wecombot

import (
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"tianbao/dialogs"
	"tianbao/wecom"
)

func deskURL(string) string { return "https://tianbao.example.org/wecom/app?campaign=c" }

// every message checked as WeCom's limits say.
func check(t *testing.T, r rendered) {
	t.Helper()
	for _, m := range r.texts {
		if err := (wecom.Outgoing{To: []string{"zhangsan"}, Message: m}).Check(); err != nil {
			t.Errorf("a text WeCom refuses: %v", err)
		}
	}
	if r.card != nil {
		if err := (wecom.Outgoing{To: []string{"zhangsan"}, Message: r.card.msg}).Check(); err != nil {
			t.Errorf("a card WeCom refuses: %v", err)
		}
	}
}

func TestRenderShortButtonsOnACard(t *testing.T) {
	r := render(dialogs.Reply{Text: "按建设方式 · 改造提升（家）：3 家\n请核对。", Buttons: [][]dialogs.Button{{{Label: "确认无误", Data: "@1:9:ok"}, {Label: "重新输入", Data: "@1:9:re"}}}},
		"zhangsan", 1, true, deskURL, "")
	check(t, r)
	if len(r.texts) != 0 || r.card == nil || r.card.msg.Title != "按建设方式 · 改造提升（家）：3 家" || r.card.msg.SubTitle != "请核对。" {
		t.Fatalf("a short screen is one card: %+v", r)
	}
	if b := r.card.msg.Buttons; len(b) != 2 || b[0].Text != "确认无误" || b[0].Key != "p:@1:9:ok" || r.card.msg.ReplaceText == "" {
		t.Errorf("buttons %+v", b)
	}
}

func TestRenderLongLabelsAreNumbered(t *testing.T) {
	var row []dialogs.Button
	labels := []string{"补填：完成改造提升第 1 个园区（7 项）", "确认无误：第 2 个园区的占地面积", "✅ 提交", "返回首页", "改：新建成", "改：改造提升", "改：制造类园区", "改：目标企业"}
	for i, l := range labels {
		row = append(row, dialogs.Button{Label: l, Data: "@2:7:b" + string(rune('0'+i))})
	}
	r := render(dialogs.Reply{Text: "请核对已填内容", Buttons: [][]dialogs.Button{row}}, "zhangsan", 2, true, deskURL, "")
	check(t, r)
	body := ""
	for _, m := range r.texts {
		body += m.(wecom.Text).Content
	}
	if r.card.msg.SubTitle != "" {
		body += r.card.msg.SubTitle
	}
	for i, l := range labels {
		if !strings.Contains(body, strconv.Itoa(i+1)+". "+l) {
			t.Errorf("the full label %q is not listed with its number in %q", l, body)
		}
	}
	b := r.card.msg.Buttons
	if len(b) != wecom.MaxButtons || b[5].Text != "更多 ▸" || b[5].Key != "m:"+r.card.kept.TaskID+":5" {
		t.Fatalf("eight buttons: five and 更多, got %+v", b)
	}
	if b[0].Text != "1 补填：完成改造…" || b[2].Text != "3 提交" {
		t.Errorf("numbered buttons: %q, %q", b[0].Text, b[2].Text)
	}
	for _, x := range b {
		if n := utf8.RuneCountInString(x.Text); n > wecom.MaxButtonTextChars {
			t.Errorf("button %q has %d characters", x.Text, n)
		}
	}
	if len(r.card.kept.Buttons) != 8 {
		t.Errorf("the card keeps %d buttons, want all 8", len(r.card.kept.Buttons))
	}
	next := page(r.card.kept.TaskID, r.card.kept.Buttons, 5, false, deskURL)
	if len(next.Buttons) != 3 || next.Buttons[0].Text != "6 改：改造提升" {
		t.Errorf("the next page: %+v", next.Buttons)
	}
}

func TestRenderLongTextAndMarkup(t *testing.T) {
	var lines []string
	for i := 0; i < 200; i++ {
		lines = append(lines, "第 "+strconv.Itoa(i)+" 行：杭州市西湖区三墩镇小微企业园的占地面积")
	}
	text := strings.Join(lines, "\n") + "\n<a href=\"https://evil.example\">点我</a>\u2028\x01"
	r := render(dialogs.Reply{Text: text}, "zhangsan", 1, true, deskURL, "https://tianbao.example.org/wecom/app?place=1")
	check(t, r)
	if len(r.texts) < 4 {
		t.Fatalf("%d messages for %d bytes", len(r.texts), len(text))
	}
	all := ""
	for _, m := range r.texts {
		c := m.(wecom.Text).Content
		if len(c) > wecom.MaxTextBytes || !utf8.ValidString(c) {
			t.Errorf("a part of %d bytes", len(c))
		}
		all += c
	}
	if strings.Contains(all, `<a href="https://evil.example">`) {
		t.Errorf("the text's own link was kept as a link")
	}
	if !strings.HasSuffix(all, `<a href="https://tianbao.example.org/wecom/app?place=1">在工作台中查看</a>`) {
		t.Errorf("the notification's link: %q", all[len(all)-100:])
	}
}

func TestRenderDeskButton(t *testing.T) {
	r := render(dialogs.Reply{Text: "汇总", Buttons: [][]dialogs.Button{{{Label: "📊 打开工作台", WebApp: "https://t.example/app/?campaign=c&unit=330100&place=3"}}}},
		"zhangsan", 3, true, deskURL, "")
	check(t, r)
	if b := r.card.msg.Buttons; len(b) != 1 || b[0].URL == "" || b[0].Key != "" || r.card.msg.ReplaceText != "" {
		t.Errorf("a desk button opens the page: %+v", r.card.msg)
	}
	if q := deskQuery("https://t.example/app/?campaign=c&unit=330100&place=3&tma=x"); q != "campaign=c&place=3&unit=330100" {
		t.Errorf("deskQuery %q", q)
	}
}
