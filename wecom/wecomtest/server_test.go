package wecomtest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

type rig struct {
	t   *testing.T
	s   *Server
	app *App
	tok string
}

func newRig(t *testing.T) *rig {
	t.Helper()
	s := New()
	t.Cleanup(s.Close)
	app := s.AddApp(App{TrustedDomain: "tb.example.org"})
	for _, id := range []string{"ZhangSan", "LiSi", "WangWu"} {
		s.AddMember(id, id)
	}
	r := &rig{t: t, s: s, app: app}
	a := r.get("/cgi-bin/gettoken", url.Values{"corpid": {s.CorpID}, "corpsecret": {app.Secret}})
	r.tok = a["access_token"].(string)
	return r
}

// call makes a request and decodes the JSON answer (HTTP 200 always, as
// WeCom answers; a 501 of the fake fails the test).
func (r *rig) call(method, path string, q url.Values, body string) map[string]any {
	r.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, r.s.URL+path+"?"+q.Encode(), rd)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		r.t.Fatalf("%s %s: HTTP %d %s", method, path, resp.StatusCode, data)
	}
	var out map[string]any
	if err := json.Unmarshal(data, &out); err != nil {
		r.t.Fatalf("%s: %v in %s", path, err, data)
	}
	return out
}

func (r *rig) get(path string, q url.Values) map[string]any {
	return r.call(http.MethodGet, path, q, "")
}

func (r *rig) send(body string) map[string]any {
	return r.call(http.MethodPost, "/cgi-bin/message/send", url.Values{"access_token": {r.tok}}, body)
}

func errcode(a map[string]any) int { n, _ := a["errcode"].(float64); return int(n) }

// msg builds a message/send body from JSON fragments.
func (r *rig) msg(to, typ, content string) string {
	return fmt.Sprintf(`{"touser":%q,"msgtype":%q,"agentid":%d,%q:%s}`, to, typ, r.app.AgentID, typ, content)
}

func TestGettoken(t *testing.T) {
	r := newRig(t)
	for q, want := range map[string]int{
		"corpsecret=" + r.app.Secret:                        41002,
		"corpid=" + r.s.CorpID:                              41004,
		"corpid=wwother&corpsecret=" + r.app.Secret:         40013,
		"corpid=" + r.s.CorpID + "&corpsecret=not-a-secret": 40001,
	} {
		v, _ := url.ParseQuery(q)
		if a := r.get("/cgi-bin/gettoken", v); errcode(a) != want || a["access_token"] != nil {
			t.Errorf("%s: %v, want %d", q, a, want)
		}
	}
	q := url.Values{"corpid": {r.s.CorpID}, "corpsecret": {r.app.Secret}}
	a := r.get("/cgi-bin/gettoken", q)
	if a["access_token"] != r.tok || a["expires_in"] != 7200.0 {
		t.Fatalf("within its lifetime: %v", a)
	}
	if len(r.tok) < 64 {
		t.Fatalf("a token of %d bytes", len(r.tok))
	}
	other := r.s.AddApp(App{})
	if a := r.get("/cgi-bin/gettoken", url.Values{"corpid": {r.s.CorpID}, "corpsecret": {other.Secret}}); a["access_token"] == r.tok {
		t.Fatal("two apps share a token")
	}
	r.s.Advance(7200 * time.Second)
	if a := r.get("/cgi-bin/agent/get", url.Values{"access_token": {r.tok}, "agentid": {fmt.Sprint(r.app.AgentID)}}); errcode(a) != 42001 {
		t.Fatalf("an expired token: %v", a)
	}
	if a := r.get("/cgi-bin/gettoken", q); a["access_token"] == r.tok {
		t.Fatal("an expired token given again")
	}
	for v, want := range map[string]int{"": 41001, "nonsense": 40014} {
		if a := r.get("/cgi-bin/agent/get", url.Values{"access_token": {v}, "agentid": {fmt.Sprint(r.app.AgentID)}}); errcode(a) != want {
			t.Errorf("token %q: %v, want %d", v, a, want)
		}
	}
	if !strings.Contains(fmt.Sprint(r.get("/cgi-bin/gettoken", url.Values{})["errmsg"]), "more info at https://open.work.weixin.qq.com/devtool/query?e=41002") {
		t.Fatal("errmsg not worded as WeCom words it")
	}
}

// Every refusal of message/send the docs give a code for.
func TestSendRefusals(t *testing.T) {
	r := newRig(t)
	other := r.s.AddApp(App{})
	closed := r.s.AddApp(App{Closed: true})
	long := strings.Repeat("a", 2049)
	btn := func(s string) string {
		return `{"card_type":"button_interaction","task_id":"t1","main_title":{"title":"审核"},"button_list":[` + s + `]}`
	}
	for _, tc := range []struct {
		name, body string
		want       int
	}{
		{"\\u escape", `{"touser":"ZhangSan","msgtype":"text","agentid":1,"text":{"content":"\u0041"}}`, 40033},
		{"not JSON", `{"touser":`, 40058},
		{"no agentid", `{"touser":"ZhangSan","msgtype":"text","text":{"content":"x"}}`, 41011},
		{"agentid a string", `{"touser":"ZhangSan","msgtype":"text","agentid":"1000002","text":{"content":"x"}}`, 40056},
		{"no such app", `{"touser":"ZhangSan","msgtype":"text","agentid":9,"text":{"content":"x"}}`, 40056},
		{"another app", fmt.Sprintf(`{"touser":"ZhangSan","msgtype":"text","agentid":%d,"text":{"content":"x"}}`, other.AgentID), 301002},
		{"an unknown msgtype", r.msg("ZhangSan", "telegram", `{}`), 40008},
		{"empty text", r.msg("ZhangSan", "text", `{"content":""}`), 44004},
		{"text of 2,049 bytes", r.msg("ZhangSan", "text", `{"content":"`+long+`"}`), 45002},
		{"text not a string", r.msg("ZhangSan", "text", `{"content":5}`), 40058},
		{"textcard without title", r.msg("ZhangSan", "textcard", `{"description":"d","url":"https://x.org"}`), 41016},
		{"textcard without description", r.msg("ZhangSan", "textcard", `{"title":"t","url":"https://x.org"}`), 40058},
		{"textcard without url", r.msg("ZhangSan", "textcard", `{"title":"t","description":"d"}`), 41010},
		{"textcard url without protocol", r.msg("ZhangSan", "textcard", `{"title":"t","description":"d","url":"x.org/a"}`), 45034},
		{"textcard url of 2,049 bytes", r.msg("ZhangSan", "textcard", `{"title":"t","description":"d","url":"https://x.org/`+long[:2049-14]+`"}`), 40058},
		{"card without task_id", r.msg("ZhangSan", "template_card", `{"card_type":"button_interaction","main_title":{"title":"t"},"button_list":[{"text":"a","key":"a"}]}`), 40058},
		{"task_id with :", r.msg("ZhangSan", "template_card", strings.Replace(btn(`{"text":"a","key":"a"}`), `"t1"`, `"t:1"`, 1)), 40058},
		{"task_id of 129", r.msg("ZhangSan", "template_card", strings.Replace(btn(`{"text":"a","key":"a"}`), `"t1"`, `"`+long[:129]+`"`, 1)), 40058},
		{"card without title", r.msg("ZhangSan", "template_card", `{"card_type":"button_interaction","task_id":"t9","button_list":[{"text":"a","key":"a"}]}`), 40058},
		{"no buttons", r.msg("ZhangSan", "template_card", btn(``)), 40058},
		{"seven buttons", r.msg("ZhangSan", "template_card", btn(strings.Repeat(`{"text":"a","key":"a"},`, 6)+`{"text":"a","key":"b"}`)), 40058},
		{"a button without text", r.msg("ZhangSan", "template_card", btn(`{"key":"a"}`)), 42020},
		{"a button without key", r.msg("ZhangSan", "template_card", btn(`{"text":"a"}`)), 42019},
		{"a key of 1,025 bytes", r.msg("ZhangSan", "template_card", btn(`{"text":"a","key":"`+long[:1025]+`"}`)), 42018},
		{"a repeated key", r.msg("ZhangSan", "template_card", btn(`{"text":"a","key":"k"},{"text":"b","key":"k"}`)), 42018},
		{"a link button without url", r.msg("ZhangSan", "template_card", btn(`{"type":1,"text":"a"}`)), 40058},
		{"seven fields", r.msg("ZhangSan", "template_card", strings.Replace(btn(`{"text":"a","key":"a"}`), `"main_title"`,
			`"horizontal_content_list":[`+strings.TrimSuffix(strings.Repeat(`{"keyname":"k"},`, 7), ",")+`],"main_title"`, 1)), 40058},
		{"a field without keyname", r.msg("ZhangSan", "template_card", strings.Replace(btn(`{"text":"a","key":"a"}`), `"main_title"`,
			`"horizontal_content_list":[{"value":"v"}],"main_title"`, 1)), 40058},
		{"an unknown card_type", r.msg("ZhangSan", "template_card", `{"card_type":"telegram","task_id":"t"}`), 40058},
		{"no recipient", fmt.Sprintf(`{"msgtype":"text","agentid":%d,"text":{"content":"x"}}`, r.app.AgentID), 82001},
		{"1,001 recipients", r.msg(strings.TrimSuffix(strings.Repeat("a|", 1001), "|"), "text", `{"content":"x"}`), 40032},
		{"a 5-hour duplicate check", strings.Replace(r.msg("ZhangSan", "text", `{"content":"x"}`), `"agentid"`,
			`"enable_duplicate_check":1,"duplicate_check_interval":18000,"agentid"`, 1), 40058},
	} {
		if a := r.send(tc.body); errcode(a) != tc.want {
			t.Errorf("%s: %v, want %d", tc.name, a, tc.want)
		}
	}
	tokC := r.get("/cgi-bin/gettoken", url.Values{"corpid": {r.s.CorpID}, "corpsecret": {closed.Secret}})["access_token"].(string)
	a := r.call(http.MethodPost, "/cgi-bin/message/send", url.Values{"access_token": {tokC}},
		fmt.Sprintf(`{"touser":"ZhangSan","msgtype":"text","agentid":%d,"text":{"content":"x"}}`, closed.AgentID))
	if errcode(a) != 50003 {
		t.Errorf("a disabled app: %v", a)
	}
	if a := r.get("/cgi-bin/message/send", url.Values{"access_token": {r.tok}}); errcode(a) != 40063 {
		t.Errorf("GET: %v", a)
	}
	if n := len(r.s.Received("ZhangSan")); n != 0 {
		t.Fatalf("%d refused messages delivered", n)
	}
}

func TestSendNotModelled(t *testing.T) {
	r := newRig(t)
	for _, body := range []string{
		r.msg("ZhangSan", "image", `{"media_id":"m"}`),
		r.msg("ZhangSan", "template_card", `{"card_type":"vote_interaction","task_id":"t"}`),
		r.msg("ZhangSan", "template_card", `{"card_type":"button_interaction","task_id":"t","main_title":{"title":"t"},"button_selection":{},"button_list":[{"text":"a","key":"a"}]}`),
	} {
		resp, err := http.Post(r.s.URL+"/cgi-bin/message/send?access_token="+r.tok, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotImplemented {
			t.Errorf("%s: HTTP %d, want 501", body, resp.StatusCode)
		}
	}
}

func TestSendInvalidUsers(t *testing.T) {
	r := newRig(t)
	r.s.RemoveMember("LiSi")
	r.app.Visible = []string{"ZhangSan", "LiSi"}
	a := r.send(r.msg("LiSi|Nobody", "text", `{"content":"x"}`))
	if errcode(a) != 81013 || a["invaliduser"] != "lisi|nobody" {
		t.Fatalf("no valid recipient: %v", a)
	}
	a = r.send(r.msg("ZhangSan|LiSi|WangWu", "text", `{"content":"x"}`)) // WangWu is outside the visible range
	if errcode(a) != 0 || a["invaliduser"] != "lisi|wangwu" || a["msgid"] == "" {
		t.Fatalf("a partial success: %v", a)
	}
	if len(r.s.Received("ZhangSan")) != 1 || len(r.s.Received("WangWu")) != 0 {
		t.Fatal("delivered to the wrong members")
	}
	a = r.send(r.msg("@all", "text", `{"content":"all"}`))
	if errcode(a) != 0 || len(r.s.Received("ZhangSan")) != 2 || len(r.s.Received("WangWu")) != 0 {
		t.Fatalf("@all: %v", a)
	}
}

// What WeCom accepts but shows cut or changed is delivered so, and recorded.
func TestSendCuts(t *testing.T) {
	r := newRig(t)
	a := r.send(r.msg("ZhangSan", "textcard", `{"title":"`+strings.Repeat("填", 43)+`","description":"d","url":"https://x.org","btntxt":"去修改一下"}`))
	if errcode(a) != 0 {
		t.Fatal(a)
	}
	got := r.s.Received("ZhangSan")[0]
	if got.Card.Title != strings.Repeat("填", 42) || got.Card.Button != "去修改一" || len(got.Cut) != 2 {
		t.Fatalf("shown %+v, cut %v", got.Card, got.Cut)
	}
	a = r.send(r.msg("ZhangSan", "template_card", `{"card_type":"button_interaction","task_id":"t1","main_title":{"title":"`+
		strings.Repeat("审", 37)+`"},"button_list":[{"text":"通过","key":"a","style":7}]}`))
	if errcode(a) != 0 || a["response_code"] == "" {
		t.Fatal(a)
	}
	tpl := r.s.Received("ZhangSan")[1].Template
	if len([]rune(tpl.Title)) != 36 || tpl.Buttons[0].Style != 1 {
		t.Fatalf("%+v", tpl)
	}
	if v := r.s.Violations(); len(v) != 4 {
		t.Fatalf("violations %q", v)
	}
	if a := r.send(r.msg("ZhangSan", "template_card", `{"card_type":"button_interaction","task_id":"t1","main_title":{"title":"t"},"button_list":[{"text":"a","key":"a"}]}`)); errcode(a) != 40058 {
		t.Fatalf("task_id t1 again: %v", a)
	}
}

// Past 30 a minute to a member, messages are dropped without an error.
func TestMemberRateDrops(t *testing.T) {
	r := newRig(t)
	for i := range 31 {
		if a := r.send(r.msg("ZhangSan", "text", fmt.Sprintf(`{"content":"%d"}`, i))); errcode(a) != 0 {
			t.Fatal(a)
		}
	}
	if got, dropped := len(r.s.Received("ZhangSan")), r.s.Dropped("ZhangSan"); got != 30 || len(dropped) != 1 || dropped[0].Text != "30" {
		t.Fatalf("%d received, dropped %+v", got, dropped)
	}
	r.s.Advance(time.Minute)
	r.send(r.msg("ZhangSan", "text", `{"content":"later"}`))
	if got := len(r.s.Received("ZhangSan")); got != 31 {
		t.Fatalf("a minute later: %d received", got)
	}
	r.s.Limits.MemberHour = 31
	r.s.Advance(time.Minute)
	r.send(r.msg("ZhangSan", "text", `{"content":"hour"}`))
	if got := len(r.s.Received("ZhangSan")); got != 31 {
		t.Fatalf("past the hourly limit: %d received", got)
	}
}

// 200 recipients a day per account of the limit, then 45009 until the next
// day in China.
func TestDailyQuota(t *testing.T) {
	r := newRig(t)
	r.s.SetNow(time.Date(2018, 12, 3, 23, 0, 0, 0, time.FixedZone("CST", 8*3600)))
	r.s.Limits.AccountLimit = 1
	r.s.Limits.MemberMinute, r.s.Limits.MemberHour = 1000, 1000
	for i := range 66 { // 198 recipients
		if a := r.send(r.msg("ZhangSan|LiSi|WangWu", "text", fmt.Sprintf(`{"content":"%d"}`, i))); errcode(a) != 0 {
			t.Fatalf("send %d: %v", i, a)
		}
	}
	if a := r.send(r.msg("ZhangSan|LiSi|WangWu", "text", `{"content":"x"}`)); errcode(a) != 45009 {
		t.Fatalf("201 recipients: %v", a)
	}
	if a := r.send(r.msg("ZhangSan", "text", `{"content":"x"}`)); errcode(a) != 45009 {
		t.Fatalf("blocked for the day: %v", a)
	}
	r.s.Advance(time.Hour)
	if a := r.send(r.msg("ZhangSan", "text", `{"content":"x"}`)); errcode(a) != 0 {
		t.Fatalf("the next day: %v", a)
	}
}

// One API's calls per organisation: 45009 past the minute's, for 60 s.
func TestAPIRate(t *testing.T) {
	r := newRig(t)
	r.s.Limits.APIMinute = 3
	q := url.Values{"access_token": {r.tok}, "agentid": {fmt.Sprint(r.app.AgentID)}}
	for i := range 3 {
		if a := r.get("/cgi-bin/agent/get", q); errcode(a) != 0 {
			t.Fatalf("call %d: %v", i, a)
		}
	}
	if a := r.get("/cgi-bin/agent/get", q); errcode(a) != 45009 {
		t.Fatalf("the fourth: %v", a)
	}
	r.s.Advance(59 * time.Second)
	if a := r.get("/cgi-bin/agent/get", q); errcode(a) != 45009 {
		t.Fatalf("still blocked: %v", a)
	}
	r.s.Advance(time.Second)
	if a := r.get("/cgi-bin/agent/get", q); errcode(a) != 0 {
		t.Fatalf("after 60 s: %v", a)
	}
	for range 10 { // message/send is not counted here
		r.send(r.msg("ZhangSan", "text", `{"content":"x"}`))
	}
}

func TestDuplicateCheck(t *testing.T) {
	r := newRig(t)
	body := strings.Replace(r.msg("ZhangSan", "text", `{"content":"x"}`), `"agentid"`,
		`"enable_duplicate_check":1,"duplicate_check_interval":60,"agentid"`, 1)
	for range 2 {
		if a := r.send(body); errcode(a) != 0 {
			t.Fatal(a)
		}
	}
	if n := len(r.s.Received("ZhangSan")); n != 1 {
		t.Fatalf("the same request twice within its interval: %d received", n)
	}
	r.s.Advance(time.Minute)
	r.send(body)
	if n := len(r.s.Received("ZhangSan")); n != 2 {
		t.Fatalf("after the interval: %d received", n)
	}
}

func TestFailNext(t *testing.T) {
	r := newRig(t)
	r.s.FailNext("/cgi-bin/message/send", 45033, 2)
	for _, want := range []int{45033, 45033, 0} {
		if a := r.send(r.msg("ZhangSan", "text", `{"content":"x"}`)); errcode(a) != want {
			t.Fatalf("%v, want %d", a, want)
		}
	}
}

func authorizeURL(s *Server, q url.Values) string {
	return s.URL + "/connect/oauth2/authorize?" + q.Encode() + "#wechat_redirect"
}

func TestAuthorizePage(t *testing.T) {
	r := newRig(t)
	good := url.Values{"appid": {r.s.CorpID}, "redirect_uri": {"https://tb.example.org/app/"}, "response_type": {"code"},
		"scope": {"snsapi_base"}, "state": {"abc"}, "agentid": {fmt.Sprint(r.app.AgentID)}}
	with := func(k, v string) url.Values {
		q := url.Values{}
		for kk, vv := range good {
			q[kk] = vv
		}
		if v == "" {
			q.Del(k)
		} else {
			q.Set(k, v)
		}
		return q
	}
	ctx := context.Background()
	zs := r.s.Member("ZhangSan")
	for name, q := range map[string]url.Values{
		"another corp":       with("appid", "wwother"),
		"response_type":      with("response_type", "token"),
		"scope":              with("scope", "snsapi_userinfo"),
		"state with -":       with("state", "a-b"),
		"state of 129":       with("state", strings.Repeat("a", 129)),
		"an unknown agent":   with("agentid", "9"),
		"an untrusted host":  with("redirect_uri", "https://evil.example.org/app/"),
		"another port":       with("redirect_uri", "https://tb.example.org:8443/app/"),
		"a relative address": with("redirect_uri", "/app/"),
	} {
		if _, err := zs.Authorize(ctx, authorizeURL(r.s, q)); err == nil {
			t.Errorf("%s: served", name)
		}
	}
	// Outside WeCom (no member), and a member who left.
	resp, err := http.Get(authorizeURL(r.s, good))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("a browser outside WeCom: %d", resp.StatusCode)
	}
	r.s.RemoveMember("LiSi")
	if _, err := r.s.Member("LiSi").Authorize(ctx, authorizeURL(r.s, good)); err == nil {
		t.Fatal("a member who left was given a code")
	}
	// Without agentid, the app whose trusted domain the redirect is.
	target, err := zs.Authorize(ctx, authorizeURL(r.s, with("agentid", "")))
	if err != nil {
		t.Fatal(err)
	}
	c := target.Query().Get("code")
	if a := r.get("/cgi-bin/auth/getuserinfo", url.Values{"access_token": {r.tok}, "code": {c}}); a["userid"] != "ZhangSan" {
		t.Fatalf("%v", a)
	}
	for v, want := range map[string]int{c: 40029, "": 41008, "nonsense": 40029} {
		if a := r.get("/cgi-bin/auth/getuserinfo", url.Values{"access_token": {r.tok}, "code": {v}}); errcode(a) != want {
			t.Errorf("code %q: %v, want %d", v, a, want)
		}
	}
	// A browser signed in through SignInURL is sent on, then redirected with a code.
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		_, _ = io.WriteString(w, "code="+req.URL.Query().Get("code"))
	}))
	defer app.Close()
	r.app.TrustedDomain = strings.TrimPrefix(app.URL, "http://")
	resp2, err := zs.OpenOAuth(ctx, nil, authorizeURL(r.s, with("redirect_uri", app.URL+"/p")))
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp2.Body)
	resp2.Body.Close()
	if !strings.HasPrefix(string(page), "code=") || len(page) < 20 {
		t.Fatalf("the app's page: %s", page)
	}
}

// The fake's URL verification insists on the plaintext and nothing else.
func TestVerifyCallbackURLStrict(t *testing.T) {
	r := newRig(t)
	h := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		c, _ := r.s.crypto(r.app)
		plain, err := c.Decrypt(req.URL.Query().Get("echostr"))
		if err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		_, _ = w.Write(append(plain, '\n')) // a line break too many
	}))
	defer h.Close()
	r.app.CallbackURL = h.URL
	if err := r.s.VerifyCallbackURL(context.Background(), 0); err == nil {
		t.Fatal("an answer with a line break passed")
	}
}
