package wecom

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

func card() ButtonCard {
	return ButtonCard{TaskID: "review-17_v2@a", Title: "西湖区 附件3 待审核", Fields: []CardField{{Key: "提交人", Value: "张三"}},
		Link: "https://tb.example.org/app/", Buttons: []CardButton{{Text: "通过", Key: "approve"}, {Text: "退回", Key: "return", Style: 2}},
		ReplaceText: "已处理"}
}

// Each documented limit: the value at the limit passes, one past it is a
// FieldError naming the field.
func TestFieldLimits(t *testing.T) {
	to := []string{"ZhangSan"}
	ok := func(m Message) Outgoing { return Outgoing{To: to, Message: m} }
	bytesOf := func(n int) string { return strings.Repeat("a", n) }
	charsOf := func(n int) string { return strings.Repeat("填", n) }
	link := func(n int) string { return "https://x.org/" + bytesOf(n-len("https://x.org/")) }
	type tc struct {
		field   string
		at, out Message
	}
	c := func(f func(*ButtonCard)) ButtonCard { b := card(); f(&b); return b }
	tcard := func(title, desc, url, btn string) TextCard { return TextCard{title, desc, url, btn} }
	for _, x := range []tc{
		{"text.content", Text{bytesOf(2048)}, Text{bytesOf(2049)}},
		{"text.content", Text{strings.Repeat("填", 682) + "aa"}, Text{strings.Repeat("填", 683)}}, // 2,048 bytes and 2,049
		{"textcard.title", tcard(bytesOf(128), "d", link(30), ""), tcard(bytesOf(129), "d", link(30), "")},
		{"textcard.title", tcard(charsOf(42)+"aa", "d", link(30), ""), tcard(charsOf(43), "d", link(30), "")}, // 128 bytes, 129
		{"textcard.description", tcard("t", bytesOf(512), link(30), ""), tcard("t", bytesOf(513), link(30), "")},
		{"textcard.url", tcard("t", "d", link(2048), ""), tcard("t", "d", link(2049), "")},
		{"textcard.btntxt", tcard("t", "d", link(30), charsOf(4)), tcard("t", "d", link(30), charsOf(5))},
		{"template_card.task_id", c(func(b *ButtonCard) { b.TaskID = bytesOf(128) }), c(func(b *ButtonCard) { b.TaskID = bytesOf(129) })},
		{"template_card.task_id", c(func(b *ButtonCard) { b.TaskID = "a-b_c@d" }), c(func(b *ButtonCard) { b.TaskID = "a:b" })},
		{"template_card.main_title.title", c(func(b *ButtonCard) { b.Title = charsOf(36) }), c(func(b *ButtonCard) { b.Title = charsOf(37) })},
		{"template_card.main_title.desc", c(func(b *ButtonCard) { b.TitleDesc = charsOf(44) }), c(func(b *ButtonCard) { b.TitleDesc = charsOf(45) })},
		{"template_card.sub_title_text", c(func(b *ButtonCard) { b.SubTitle = charsOf(160) }), c(func(b *ButtonCard) { b.SubTitle = charsOf(161) })},
		{"template_card.horizontal_content_list", c(func(b *ButtonCard) { b.Fields = make([]CardField, 6); fill(b.Fields) }),
			c(func(b *ButtonCard) { b.Fields = make([]CardField, 7); fill(b.Fields) })},
		{"template_card.horizontal_content_list[0].keyname", c(func(b *ButtonCard) { b.Fields[0].Key = charsOf(5) }), c(func(b *ButtonCard) { b.Fields[0].Key = charsOf(6) })},
		{"template_card.horizontal_content_list[0].value", c(func(b *ButtonCard) { b.Fields[0].Value = charsOf(30) }), c(func(b *ButtonCard) { b.Fields[0].Value = charsOf(31) })},
		{"template_card.jump_list", c(func(b *ButtonCard) { b.Jumps = []CardJump{{"a", link(20)}, {"b", link(20)}, {"c", link(20)}} }),
			c(func(b *ButtonCard) {
				b.Jumps = []CardJump{{"a", link(20)}, {"b", link(20)}, {"c", link(20)}, {"d", link(20)}}
			})},
		{"template_card.jump_list[0].title", c(func(b *ButtonCard) { b.Jumps = []CardJump{{charsOf(18), link(20)}} }),
			c(func(b *ButtonCard) { b.Jumps = []CardJump{{charsOf(19), link(20)}} })},
		{"template_card.button_list", c(func(b *ButtonCard) { b.Buttons = buttons(6) }), c(func(b *ButtonCard) { b.Buttons = buttons(7) })},
		{"template_card.button_list", c(func(b *ButtonCard) { b.Buttons = buttons(1) }), c(func(b *ButtonCard) { b.Buttons = nil })},
		{"template_card.button_list[0].text", c(func(b *ButtonCard) { b.Buttons[0].Text = charsOf(10) }), c(func(b *ButtonCard) { b.Buttons[0].Text = charsOf(11) })},
		{"template_card.button_list[0].key", c(func(b *ButtonCard) { b.Buttons[0].Key = bytesOf(1024) }), c(func(b *ButtonCard) { b.Buttons[0].Key = bytesOf(1025) })},
		{"template_card.button_list[1].key", c(func(b *ButtonCard) {}), c(func(b *ButtonCard) { b.Buttons[1].Key = "approve" })},
		{"template_card.button_list[1].style", c(func(b *ButtonCard) { b.Buttons[1].Style = 4 }), c(func(b *ButtonCard) { b.Buttons[1].Style = 5 })},
		{"template_card.card_action.url", c(func(b *ButtonCard) { b.Link = "http://x.org/p" }), c(func(b *ButtonCard) { b.Link = "x.org/p" })},
		{"template_card.replace_text", c(func(b *ButtonCard) { b.ReplaceText = charsOf(10) }), c(func(b *ButtonCard) { b.ReplaceText = charsOf(11) })},
	} {
		if err := ok(x.at).Check(); err != nil {
			t.Errorf("%s at its limit: %v", x.field, err)
		}
		err := ok(x.out).Check()
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != x.field || !errors.Is(err, ErrInvalidMessage) {
			t.Errorf("%s past its limit: %v", x.field, err)
		}
	}
}

func fill(fs []CardField) {
	for i := range fs {
		fs[i] = CardField{Key: fmt.Sprint("k", i), Value: "v"}
	}
}

func buttons(n int) []CardButton {
	var out []CardButton
	for i := range n {
		out = append(out, CardButton{Text: fmt.Sprint("b", i), Key: fmt.Sprint("k", i)})
	}
	return out
}

func TestRequiredFieldsAndRecipients(t *testing.T) {
	for name, o := range map[string]Outgoing{
		"no message":            {To: []string{"a"}},
		"no recipient":          {Message: Text{"x"}},
		"1,001 recipients":      {To: make([]string, 1001), Message: Text{"x"}},
		"an empty text":         {To: []string{"a"}, Message: Text{""}},
		"a card without title":  {To: []string{"a"}, Message: TextCard{Description: "d", URL: "https://x.org"}},
		"a card without url":    {To: []string{"a"}, Message: TextCard{Title: "t", Description: "d"}},
		"a relative url":        {To: []string{"a"}, Message: TextCard{Title: "t", Description: "d", URL: "/app/"}},
		"a UserID with |":       {To: []string{"a|b"}, Message: Text{"x"}},
		"a UserID of 65":        {To: []string{strings.Repeat("a", 65)}, Message: Text{"x"}},
		"a recipient twice":     {To: []string{"ZhangSan", "zhangsan"}, Message: Text{"x"}},
		"a task without id":     {To: []string{"a"}, Message: func() ButtonCard { b := card(); b.TaskID = ""; return b }()},
		"a button with both":    {To: []string{"a"}, Message: func() ButtonCard { b := card(); b.Buttons[0].URL = "https://x.org"; return b }()},
		"a NUL in a text":       {To: []string{"a"}, Message: Text{"a\x00b"}},
		"U+2028 in a title":     {To: []string{"a"}, Message: TextCard{Title: "a\u2028b", Description: "d", URL: "https://x.org"}},
		"not UTF-8":             {To: []string{"a"}, Message: Text{"\xff"}},
		"a 5-hour check":        {To: []string{"a"}, Message: Text{"x"}, DuplicateCheck: 5 * time.Hour},
		"a card without title2": {To: []string{"a"}, Message: func() ButtonCard { b := card(); b.Title = ""; return b }()},
	} {
		if err := o.Check(); !errors.Is(err, ErrInvalidMessage) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// The body: what the docs show, and nothing WeCom refuses: "<", ">", "&",
// line breaks and tabs as themselves, no \u escape.
func TestBody(t *testing.T) {
	c, err := New(Config{CorpID: "ww1", AgentID: 1000002, Secret: "s"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.Body(Outgoing{To: []string{"ZhangSan", "LiSi"}, Message: Text{"<b>A & B</b>\n\t第二行 \\u0041"}, DuplicateCheck: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"touser":"ZhangSan|LiSi","msgtype":"text","agentid":1000002,"text":{"content":"<b>A & B</b>\n\t第二行 \\u0041"},` +
		`"enable_duplicate_check":1,"duplicate_check_interval":3600}`
	if string(b) != want {
		t.Fatalf("body\n%s\nwant\n%s", b, want)
	}
	if HasUEscape(b) {
		t.Fatal("an escaped backslash before u taken for a \\u escape")
	}
	b, err = c.Body(Outgoing{To: []string{"a"}, Message: card()})
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	tc := got["template_card"].(map[string]any)
	if tc["card_type"] != "button_interaction" || tc["task_id"] != "review-17_v2@a" || tc["replace_text"] != "已处理" {
		t.Fatalf("card %v", tc)
	}
	btns := tc["button_list"].([]any)
	if len(btns) != 2 || btns[1].(map[string]any)["key"] != "return" || btns[1].(map[string]any)["style"] != 2.0 {
		t.Fatalf("buttons %v", btns)
	}
	if act := tc["card_action"].(map[string]any); act["type"] != 1.0 || act["url"] != "https://tb.example.org/app/" {
		t.Fatalf("card_action %v", act)
	}
}
