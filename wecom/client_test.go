package wecom_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"tianbao/wecom"
	"tianbao/wecom/wecomtest"
)

const sendPath = "/cgi-bin/message/send"

// fixture: a fake organisation with the app and two members, and a client
// on the fake's clock.
func fixture(t *testing.T) (*wecomtest.Server, *wecomtest.App, *wecom.Client) {
	t.Helper()
	srv := wecomtest.New()
	t.Cleanup(srv.Close)
	app := srv.AddApp(wecomtest.App{TrustedDomain: "tb.example.org"})
	srv.AddMember("ZhangSan", "张三")
	srv.AddMember("LiSi", "李四")
	return srv, app, client(t, srv, app)
}

func client(t *testing.T, srv *wecomtest.Server, app *wecomtest.App) *wecom.Client {
	t.Helper()
	c, err := wecom.New(wecom.Config{CorpID: srv.CorpID, AgentID: app.AgentID, Secret: app.Secret,
		BaseURL: srv.URL, OAuthURL: srv.URL, Now: srv.Now})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func text(to, s string) wecom.Outgoing {
	return wecom.Outgoing{To: []string{to}, Message: wecom.Text{Content: s}}
}

func TestTokenCachedAndShared(t *testing.T) {
	srv, _, c := fixture(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := c.Send(ctx, text("ZhangSan", "你好"))
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := srv.Calls("/cgi-bin/gettoken"); n != 1 {
		t.Fatalf("20 concurrent sends asked for a token %d times", n)
	}
	if n := len(srv.Member("ZhangSan").Received()); n != 20 {
		t.Fatalf("%d messages received", n)
	}
}

// 42001 (expired) and 40014 (ended early): the token is replaced and the
// message sent once.
func TestTokenRenewedWhenRefused(t *testing.T) {
	for name, end := range map[string]func(*wecomtest.Server){
		"42001": (*wecomtest.Server).ExpireTokens,
		"40014": (*wecomtest.Server).InvalidateTokens,
	} {
		t.Run(name, func(t *testing.T) {
			srv, _, c := fixture(t)
			ctx := context.Background()
			if _, err := c.Send(ctx, text("ZhangSan", "一")); err != nil {
				t.Fatal(err)
			}
			end(srv)
			if _, err := c.Send(ctx, text("ZhangSan", "二")); err != nil {
				t.Fatalf("after the token ended: %v", err)
			}
			if n := srv.Calls("/cgi-bin/gettoken"); n != 2 {
				t.Fatalf("gettoken called %d times, want 2", n)
			}
			if n, calls := len(srv.Member("ZhangSan").Received()), srv.Calls(sendPath); n != 2 || calls != 3 {
				t.Fatalf("%d received over %d calls; want 2 over 3 (one refused)", n, calls)
			}
		})
	}
}

// A token refused again after a fresh gettoken is not retried forever.
func TestTokenRefusedTwice(t *testing.T) {
	srv, _, c := fixture(t)
	srv.FailNext(sendPath, 42001, 2)
	_, err := c.Send(context.Background(), text("ZhangSan", "x"))
	if !errors.Is(err, wecom.ErrTokenRejected) {
		t.Fatalf("%v, want ErrTokenRejected", err)
	}
	if n := srv.Calls(sendPath); n != 2 {
		t.Fatalf("%d calls, want 2", n)
	}
}

// Renewed ten minutes before its 7,200 s: the fake, as the docs say, gives
// the same token while it is valid; it is used to its end, then replaced.
func TestTokenRenewedEarly(t *testing.T) {
	srv, _, c := fixture(t)
	ctx := context.Background()
	first, err := c.Token(ctx)
	if err != nil {
		t.Fatal(err)
	}
	srv.Advance(7200*time.Second - 9*time.Minute)
	if tok, _ := c.Token(ctx); tok != first || srv.Calls("/cgi-bin/gettoken") != 2 {
		t.Fatalf("renewal: %d gettoken calls, same token %v", srv.Calls("/cgi-bin/gettoken"), tok == first)
	}
	if _, _ = c.Token(ctx); srv.Calls("/cgi-bin/gettoken") != 2 {
		t.Fatal("the same token renewed again before its end")
	}
	srv.Advance(9 * time.Minute)
	if tok, _ := c.Token(ctx); tok == first || srv.Calls("/cgi-bin/gettoken") != 3 {
		t.Fatal("the expired token was not replaced")
	}
	if _, err := c.Send(ctx, text("ZhangSan", "x")); err != nil {
		t.Fatal(err)
	}
}

// A renewal that fails leaves the still valid token in use.
func TestFailedRenewalKeepsValidToken(t *testing.T) {
	srv, _, c := fixture(t)
	ctx := context.Background()
	first, _ := c.Token(ctx)
	srv.Advance(7200*time.Second - 5*time.Minute)
	srv.FailNext("/cgi-bin/gettoken", -1, 1)
	if tok, err := c.Token(ctx); err != nil || tok != first {
		t.Fatalf("%v; the old token should serve", err)
	}
	if _, err := c.Send(ctx, text("ZhangSan", "x")); err != nil {
		t.Fatal(err)
	}
}

func TestBadCredentials(t *testing.T) {
	srv, app, _ := fixture(t)
	ctx := context.Background()
	for name, cfg := range map[string]wecom.Config{
		"secret": {CorpID: srv.CorpID, AgentID: app.AgentID, Secret: "wrong", BaseURL: srv.URL},
		"corpid": {CorpID: "wwother", AgentID: app.AgentID, Secret: app.Secret, BaseURL: srv.URL},
	} {
		c, err := wecom.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.Send(ctx, text("ZhangSan", "x"))
		if !errors.Is(err, wecom.ErrCredentials) {
			t.Errorf("%s: %v, want ErrCredentials", name, err)
		}
		if strings.Contains(err.Error(), app.Secret) || strings.Contains(err.Error(), "wrong") {
			t.Errorf("%s: the error shows the secret: %v", name, err)
		}
	}
	if srv.Calls(sendPath) != 0 {
		t.Fatal("a message was sent without a token")
	}
}

// A transport error does not carry the URL, whose query has the token.
func TestTransportErrorHidesSecrets(t *testing.T) {
	srv, app, _ := fixture(t)
	c, _ := wecom.New(wecom.Config{CorpID: srv.CorpID, AgentID: app.AgentID, Secret: app.Secret, BaseURL: "http://127.0.0.1:1"})
	_, err := c.Send(context.Background(), text("ZhangSan", "x"))
	var tr *wecom.TransportError
	if !errors.As(err, &tr) || strings.Contains(err.Error(), app.Secret) || strings.Contains(err.Error(), "corpsecret") {
		t.Fatalf("%v", err)
	}
	if _, ok := wecom.RetryAfter(err); !ok {
		t.Fatal("a transport error is not retryable")
	}
}

func TestFieldLimitRefusedBeforeSending(t *testing.T) {
	srv, _, c := fixture(t)
	_, err := c.Send(context.Background(), text("ZhangSan", strings.Repeat("a", 2049)))
	var fe *wecom.FieldError
	if !errors.As(err, &fe) || fe.Field != "text.content" {
		t.Fatalf("%v", err)
	}
	if srv.Calls(sendPath) != 0 || srv.Calls("/cgi-bin/gettoken") != 0 {
		t.Fatal("a message over a limit reached WeCom")
	}
}

// Every kind the client sends is accepted by the strict fake, whole.
func TestMessagesAsReceived(t *testing.T) {
	srv, _, c := fixture(t)
	ctx := context.Background()
	if _, err := c.Send(ctx, wecom.Outgoing{To: []string{"ZhangSan"}, Message: wecom.TextCard{Title: "附件3 已退回",
		Description: `<div class="gray">2018年12月3日</div><div class="normal">请修改后重新提交</div>`,
		URL:         "https://tb.example.org/app/#/unit/330106", Button: "去修改"}}); err != nil {
		t.Fatal(err)
	}
	res, err := c.Send(ctx, wecom.Outgoing{To: []string{"zhangsan"}, Message: wecom.ButtonCard{TaskID: "r17", Title: "西湖区 附件3 待审核",
		SubTitle: "第 2 版，12月3日 10:05 提交", Fields: []wecom.CardField{{Key: "提交人", Value: "张三"}, {Key: "查看", Value: "原文", URL: "https://tb.example.org/app/"}},
		Link: "https://tb.example.org/app/#/review/17", Buttons: []wecom.CardButton{{Text: "通过", Key: "a:17"}, {Text: "退回", Key: "r:17", Style: 2}},
		ReplaceText: "已处理"}})
	if err != nil {
		t.Fatal(err)
	}
	if res.MsgID == "" || res.ResponseCode == "" {
		t.Fatalf("result %+v", res)
	}
	got := srv.Member("ZhangSan").Received()
	if len(got) != 2 || got[0].Card == nil || got[0].Card.Button != "去修改" || got[1].Template == nil ||
		got[1].Template.Buttons[1].Key != "r:17" || got[1].Template.Fields[1].URL != "https://tb.example.org/app/" {
		t.Fatalf("received %+v", got)
	}
	if v := srv.Violations(); len(v) != 0 {
		t.Fatalf("WeCom would have cut or dropped: %v", v)
	}
}

// A member who left: the single recipient is 81013 with invaliduser; among
// others, a partial success naming them. Both are InvalidUserError.
func TestInvalidUser(t *testing.T) {
	srv, _, c := fixture(t)
	ctx := context.Background()
	srv.RemoveMember("LiSi")
	_, err := c.Send(ctx, text("LiSi", "x"))
	var iu *wecom.InvalidUserError
	if !errors.As(err, &iu) || !errors.Is(err, wecom.ErrInvalidUser) || iu.Code != wecom.CodeAllInvalid || strings.Join(iu.Users, ",") != "LiSi" {
		t.Fatalf("%v", err)
	}
	res, err := c.Send(ctx, wecom.Outgoing{To: []string{"ZhangSan", "LiSi", "WangWu"}, Message: wecom.Text{Content: "x"}})
	if !errors.As(err, &iu) || iu.Code != 0 || strings.Join(iu.Users, ",") != "LiSi,WangWu" || res == nil || res.MsgID == "" {
		t.Fatalf("%+v %v", res, err)
	}
	if n := len(srv.Member("ZhangSan").Received()); n != 1 {
		t.Fatalf("the valid member received %d", n)
	}
	if _, ok := wecom.RetryAfter(err); ok {
		t.Fatal("an invalid user is retryable")
	}
}

// 45009 past the app's daily recipients; 45033 and -1 from the fake's
// canned answers: typed, retryable, with the documented waits.
func TestRateLimitsAndBusy(t *testing.T) {
	srv, _, c := fixture(t)
	ctx := context.Background()
	srv.Limits.AccountLimit = 0 // 0 × 200 recipients a day
	_, err := c.Send(ctx, text("ZhangSan", "x"))
	if !errors.Is(err, wecom.ErrRateLimited) {
		t.Fatalf("%v, want ErrRateLimited", err)
	}
	if d, ok := wecom.RetryAfter(err); !ok || d != time.Minute {
		t.Fatalf("45009: retry after %v %v", d, ok)
	}
	srv.Limits.AccountLimit = 500
	if _, err := c.Send(ctx, text("ZhangSan", "x")); !errors.Is(err, wecom.ErrRateLimited) {
		t.Fatalf("blocked for the rest of the day: %v", err)
	}
	srv.Advance(24 * time.Hour)
	if _, err := c.Send(ctx, text("ZhangSan", "x")); err != nil {
		t.Fatalf("the next day: %v", err)
	}
	srv.FailNext(sendPath, 45033, 1)
	if _, err = c.Send(ctx, text("ZhangSan", "x")); !errors.Is(err, wecom.ErrRateLimited) {
		t.Fatalf("45033: %v", err)
	}
	srv.FailNext(sendPath, -1, 1)
	_, err = c.Send(ctx, text("ZhangSan", "x"))
	if d, ok := wecom.RetryAfter(err); !errors.Is(err, wecom.ErrBusy) || !ok || d != time.Second {
		t.Fatalf("-1: %v (%v %v)", err, d, ok)
	}
}

// Past 30 a minute to one member WeCom drops messages silently; a sender
// pacing with MemberNextSend loses none.
func TestMemberRate(t *testing.T) {
	srv, _, c := fixture(t)
	ctx := context.Background()
	var sent []time.Time
	held := false
	for i := range 31 {
		if at := wecom.MemberNextSend(sent, srv.Now()); at.After(srv.Now()) {
			if i != 30 {
				t.Fatalf("message %d held back", i+1)
			}
			held = true
			srv.Advance(at.Sub(srv.Now()))
		}
		if _, err := c.Send(ctx, text("ZhangSan", "x")); err != nil {
			t.Fatal(err)
		}
		sent = append(sent, srv.Now())
	}
	if !held || len(srv.Dropped("ZhangSan")) != 0 || len(srv.Member("ZhangSan").Received()) != 31 {
		t.Fatalf("paced: %d dropped", len(srv.Dropped("ZhangSan")))
	}
}

func TestOAuth(t *testing.T) {
	srv, app, c := fixture(t)
	ctx := context.Background()
	link, err := c.AuthorizeURL("https://tb.example.org/app/?v=1", "s7Kq")
	if err != nil {
		t.Fatal(err)
	}
	want := srv.URL + "/connect/oauth2/authorize?appid=" + srv.CorpID + "&redirect_uri=https%3A%2F%2Ftb.example.org%2Fapp%2F%3Fv%3D1" +
		"&response_type=code&scope=snsapi_base&state=s7Kq&agentid=" + strconv.FormatInt(app.AgentID, 10) + "#wechat_redirect"
	if link != want {
		t.Fatalf("link\n%s\nwant\n%s", link, want)
	}
	target, err := srv.Member("ZhangSan").Authorize(ctx, link)
	if err != nil {
		t.Fatal(err)
	}
	if target.Host != "tb.example.org" || target.Query().Get("state") != "s7Kq" || target.Query().Get("v") != "1" {
		t.Fatalf("redirected to %s", target)
	}
	code := target.Query().Get("code")
	if id, err := c.UserID(ctx, code); err != nil || id != "ZhangSan" {
		t.Fatalf("%q %v", id, err)
	}
	if _, err := c.UserID(ctx, code); !errors.Is(err, wecom.ErrInvalidCode) {
		t.Fatalf("a code used twice: %v", err)
	}
	stale, _ := srv.Member("LiSi").Authorize(ctx, link)
	srv.Advance(5*time.Minute + time.Second)
	if _, err := c.UserID(ctx, stale.Query().Get("code")); !errors.Is(err, wecom.ErrInvalidCode) {
		t.Fatalf("a code five minutes old: %v", err)
	}
	// A code from another app's link, exchanged with this app's token.
	other := srv.AddApp(wecomtest.App{TrustedDomain: "other.example.org"})
	oc := client(t, srv, other)
	olink, _ := oc.AuthorizeURL("https://other.example.org/", "")
	ot, err := srv.Member("ZhangSan").Authorize(ctx, olink)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.UserID(ctx, ot.Query().Get("code")); !errors.Is(err, wecom.ErrCodeOtherApp) {
		t.Fatalf("another app's code: %v", err)
	}
	if id, err := oc.UserID(ctx, ot.Query().Get("code")); err != nil || id != "ZhangSan" {
		t.Fatalf("the other app's own code: %q %v (not consumed by the refusal)", id, err)
	}
	// A WeChat user outside the organisation.
	out, err := srv.Member(wecomtest.Outsider+"x1").Authorize(ctx, link)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.UserID(ctx, out.Query().Get("code")); !errors.Is(err, wecom.ErrNotMember) {
		t.Fatalf("an outsider: %v", err)
	}
	// The links the fake refuses, as WeCom's page does.
	bad, _ := c.AuthorizeURL("https://evil.example.org/", "")
	if _, err := srv.Member("ZhangSan").Authorize(ctx, bad); err == nil {
		t.Fatal("a redirect outside the trusted domain was served")
	}
	if _, err := srv.Member("ZhangSan").Authorize(ctx, strings.TrimSuffix(link, "#wechat_redirect")); err == nil {
		t.Fatal("a link without #wechat_redirect carried the member's identity")
	}
	if _, err := c.AuthorizeURL("https://tb.example.org/", "a-b"); err == nil {
		t.Fatal("a state outside a-zA-Z0-9 accepted")
	}
	if _, err := c.AuthorizeURL("https://tb.example.org/", strings.Repeat("a", 129)); err == nil {
		t.Fatal("a state of 129 bytes accepted")
	}
	if _, err := c.AuthorizeURL("/app/", ""); err == nil {
		t.Fatal("a relative redirect accepted")
	}
}

func TestAgent(t *testing.T) {
	_, app, c := fixture(t)
	a, err := c.Agent(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if a.AgentID != app.AgentID || a.Name != "填报助手" || a.Closed || a.RedirectDomain != "tb.example.org" || len(a.Users) != 2 {
		t.Fatalf("%+v", a)
	}
	app.Closed = true
	if _, err := c.Send(context.Background(), text("ZhangSan", "x")); !errors.Is(err, wecom.ErrApp) {
		t.Fatalf("a disabled app: %v", err)
	}
}
