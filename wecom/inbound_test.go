package wecom

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// The shapes of 消息格式 (90239) and 事件格式 (90240).
const (
	clickXML = `<xml><ToUserName><![CDATA[ww1]]></ToUserName><FromUserName><![CDATA[ZhangSan]]></FromUserName>` +
		`<CreateTime>1700000000</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[click]]></Event>` +
		`<EventKey><![CDATA[menu_start]]></EventKey><AgentID>1000002</AgentID></xml>`
	cardXML = `<xml><ToUserName><![CDATA[ww1]]></ToUserName><FromUserName><![CDATA[ZhangSan]]></FromUserName>` +
		`<CreateTime>1700000001</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[template_card_event]]></Event>` +
		`<EventKey><![CDATA[approve:17]]></EventKey><TaskId><![CDATA[review-17-v2]]></TaskId>` +
		`<CardType><![CDATA[button_interaction]]></CardType><ResponseCode><![CDATA[RC1]]></ResponseCode>` +
		`<AgentID>1000002</AgentID><SelectedItems><SelectedItem><QuestionKey><![CDATA[q1]]></QuestionKey>` +
		`<OptionIds><OptionId><![CDATA[a]]></OptionId><OptionId><![CDATA[b]]></OptionId></OptionIds></SelectedItem></SelectedItems></xml>`
	enterXML = `<xml><ToUserName><![CDATA[ww1]]></ToUserName><FromUserName><![CDATA[ZhangSan]]></FromUserName>` +
		`<CreateTime>1700000002</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[enter_agent]]></Event>` +
		`<EventKey><![CDATA[]]></EventKey><AgentID>1000002</AgentID></xml>`
)

func TestParseEvents(t *testing.T) {
	m, err := ParseInbound([]byte(clickXML))
	if err != nil || m.Type != TypeEvent || m.Event != EventClick || m.EventKey != "menu_start" || m.UserID != "ZhangSan" || m.AgentID != 1000002 {
		t.Fatalf("click: %+v %v", m, err)
	}
	m, err = ParseInbound([]byte(cardXML))
	if err != nil {
		t.Fatal(err)
	}
	if m.Event != EventTemplateCard || m.EventKey != "approve:17" || m.TaskID != "review-17-v2" || m.CardType != CardButtonInteraction ||
		m.ResponseCode != "RC1" || len(m.Selected) != 1 || m.Selected[0].QuestionKey != "q1" || strings.Join(m.Selected[0].OptionIDs, ",") != "a,b" {
		t.Fatalf("card event: %+v", m)
	}
	m, err = ParseInbound([]byte(enterXML))
	if err != nil || m.Event != EventEnterAgent || m.EventKey != "" {
		t.Fatalf("enter_agent: %+v %v", m, err)
	}
}

func TestParseRefusesWhatNoMessageLooksLike(t *testing.T) {
	for name, x := range map[string]string{
		"not XML":           "hello",
		"no sender":         strings.Replace(clickXML, "<FromUserName><![CDATA[ZhangSan]]></FromUserName>", "", 1),
		"no type":           strings.Replace(clickXML, "<MsgType><![CDATA[event]]></MsgType>", "", 1),
		"no time":           strings.Replace(clickXML, "<CreateTime>1700000000</CreateTime>", "", 1),
		"a bad time":        strings.Replace(clickXML, "1700000000", "soon", 1),
		"an event nameless": strings.Replace(clickXML, "<Event><![CDATA[click]]></Event>", "", 1),
		"a text without MsgId": `<xml><ToUserName>ww1</ToUserName><FromUserName>a</FromUserName><CreateTime>1</CreateTime>` +
			`<MsgType>text</MsgType><Content>5</Content></xml>`,
		"a MsgId not a number": `<xml><ToUserName>ww1</ToUserName><FromUserName>a</FromUserName><CreateTime>1</CreateTime>` +
			`<MsgType>text</MsgType><Content>5</Content><MsgId>12x</MsgId></xml>`,
		"an AgentID not a number": strings.Replace(clickXML, "<AgentID>1000002</AgentID>", "<AgentID>app</AgentID>", 1),
	} {
		if _, err := ParseInbound([]byte(x)); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: %v, want ErrMalformed", name, err)
		}
	}
}

func TestDedupeKeys(t *testing.T) {
	text := &Inbound{UserID: "a", CreateTime: 1, Type: TypeText, MsgID: "4561255354251345929"}
	if text.DedupeKey() != "msg:4561255354251345929" {
		t.Fatalf("a message's key is %q", text.DedupeKey())
	}
	press := func(key string, at int64) string {
		return (&Inbound{UserID: "a", CreateTime: at, Type: TypeEvent, Event: EventTemplateCard, TaskID: "t1", EventKey: key}).DedupeKey()
	}
	if press("approve", 1) != press("approve", 1) {
		t.Fatal("a redelivered press has another key")
	}
	if press("approve", 1) == press("return", 1) {
		t.Fatal("two buttons pressed within a second share a key")
	}
	if press("approve", 1) == press("approve", 2) {
		t.Fatal("two presses a second apart share a key")
	}
	other := &Inbound{UserID: "b", CreateTime: 1, Type: TypeEvent, Event: EventTemplateCard, TaskID: "t1", EventKey: "approve"}
	if other.DedupeKey() == press("approve", 1) {
		t.Fatal("two members' presses share a key")
	}
	if k := press(strings.Repeat("k", 1024), 1); len(k) > 68 || !strings.HasPrefix(k, "evt:") {
		t.Fatalf("an event key of %d bytes: %q", len(k), k)
	}
}

func TestMemberNextSend(t *testing.T) {
	now := time.Date(2018, 12, 3, 10, 0, 0, 0, time.UTC)
	if got := MemberNextSend(nil, now); !got.Equal(now) {
		t.Fatalf("nobody sent: %v", got)
	}
	var recent []time.Time
	for i := range 29 {
		recent = append(recent, now.Add(-time.Duration(59-i)*time.Second)) // 29 in the last minute
	}
	if got := MemberNextSend(recent, now); !got.Equal(now) {
		t.Fatalf("29 in a minute: the 30th must go now, not %v", got)
	}
	recent = append(recent, now.Add(-time.Second)) // 30: the oldest (59 s ago) must leave
	if got, want := MemberNextSend(recent, now), now.Add(time.Second); !got.Equal(want) {
		t.Fatalf("30 in a minute: next at %v, want %v", got, want)
	}
	// 1,000 in the last hour, spread out and none in the last minute.
	recent = recent[:0]
	for i := range 1000 {
		recent = append(recent, now.Add(-59*time.Minute-59*time.Second).Add(time.Duration(i)*3480*time.Millisecond))
	}
	if got, want := MemberNextSend(recent, now), now.Add(time.Second); !got.Equal(want) {
		t.Fatalf("1,000 in an hour: next at %v, want %v", got, want)
	}
	// Older than an hour does not count.
	if got := MemberNextSend([]time.Time{now.Add(-2 * time.Hour)}, now); !got.Equal(now) {
		t.Fatalf("an old send counted: %v", got)
	}
}
