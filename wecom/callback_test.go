package wecom_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"tianbao/wecom"
	"tianbao/wecom/wecomtest"
)

// inbox is an app's side of the callback: it applies each message once
// (by DedupeKey) and can be made to fail, as a database might.
type inbox struct {
	mu    sync.Mutex
	got   []*wecom.Inbound
	seen  map[string]bool
	fails int
}

func (in *inbox) handle(_ context.Context, m *wecom.Inbound) error {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.fails > 0 {
		in.fails--
		return errors.New("the database is down")
	}
	if in.seen[m.DedupeKey()] {
		return nil
	}
	in.seen[m.DedupeKey()] = true
	in.got = append(in.got, m)
	return nil
}

func (in *inbox) messages() []*wecom.Inbound {
	in.mu.Lock()
	defer in.mu.Unlock()
	return append([]*wecom.Inbound(nil), in.got...)
}

type callbackRig struct {
	srv  *wecomtest.Server
	app  *wecomtest.App
	recv *wecom.Receiver
	in   *inbox
	url  string
}

func newCallbackRig(t *testing.T) *callbackRig {
	t.Helper()
	srv := wecomtest.New()
	t.Cleanup(srv.Close)
	app := srv.AddApp(wecomtest.App{TrustedDomain: "tb.example.org"})
	srv.AddMember("ZhangSan", "张三")
	recv, err := wecom.NewReceiver(app.Token, app.AESKey, srv.CorpID, app.AgentID)
	if err != nil {
		t.Fatal(err)
	}
	recv.Now = srv.Now
	in := &inbox{seen: map[string]bool{}}
	h := &wecom.Handler{Receiver: recv, Handle: in.handle, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	app.CallbackURL = ts.URL + "/wecom/callback"
	return &callbackRig{srv: srv, app: app, recv: recv, in: in, url: app.CallbackURL}
}

func TestCallbackURLVerification(t *testing.T) {
	rig := newCallbackRig(t)
	if err := rig.srv.VerifyCallbackURL(context.Background(), 0); err != nil {
		t.Fatal(err)
	}
	// The admin console saving a URL whose server has another token fails.
	other := rig.srv.AddApp(wecomtest.App{CallbackURL: rig.url})
	if err := rig.srv.VerifyCallbackURL(context.Background(), other.AgentID); err == nil {
		t.Fatal("a verification signed with another token passed")
	}
}

func TestCallbackMessagesAndEvents(t *testing.T) {
	rig := newCallbackRig(t)
	ctx := context.Background()
	zs := rig.srv.Member("ZhangSan")
	if d, err := zs.Send(ctx, "6万平方米 <&>"); err != nil || d.Attempts != 1 || d.Reply != nil {
		t.Fatalf("%+v %v", d, err)
	}
	if _, err := zs.Enter(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := zs.Click(ctx, "start"); err != nil {
		t.Fatal(err)
	}
	c := client(t, rig.srv, rig.app)
	if _, err := c.Send(ctx, wecom.Outgoing{To: []string{"ZhangSan"}, Message: wecom.ButtonCard{TaskID: "r17", Title: "附件3 待审核",
		Buttons: []wecom.CardButton{{Text: "通过", Key: "a:17"}, {Text: "退回", Key: "r:17"}}, ReplaceText: "已处理"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := zs.Press(ctx, "r17", "a:17"); err != nil {
		t.Fatal(err)
	}
	if _, err := zs.Press(ctx, "r17", "r:17"); !errors.Is(err, wecomtest.ErrAlreadyPressed) {
		t.Fatalf("a second press on a replaced card: %v", err)
	}
	if _, err := zs.Press(ctx, "r18", "a:17"); err == nil {
		t.Fatal("a press on a card never received")
	}
	got := rig.in.messages()
	if len(got) != 4 {
		t.Fatalf("%d messages handled", len(got))
	}
	if m := got[0]; m.Type != wecom.TypeText || m.Content != "6万平方米 <&>" || m.UserID != "ZhangSan" || m.AgentID != rig.app.AgentID || m.MsgID == "" {
		t.Fatalf("text: %+v", m)
	}
	if got[1].Event != wecom.EventEnterAgent || got[2].Event != wecom.EventClick || got[2].EventKey != "start" {
		t.Fatalf("events: %+v %+v", got[1], got[2])
	}
	if m := got[3]; m.Event != wecom.EventTemplateCard || m.TaskID != "r17" || m.EventKey != "a:17" || m.CardType != "button_interaction" || m.ResponseCode == "" {
		t.Fatalf("press: %+v", m)
	}
}

// WeCom delivers again what was not answered 200; the app applies it once.
func TestCallbackRedelivery(t *testing.T) {
	rig := newCallbackRig(t)
	ctx := context.Background()
	rig.in.fails = 2
	d, err := rig.srv.Member("ZhangSan").Send(ctx, "5")
	if err != nil || d.Attempts != 3 || d.Status != http.StatusOK {
		t.Fatalf("%+v %v", d, err)
	}
	if _, err := rig.srv.Deliver(ctx, d.Callback); err != nil { // the same request once more
		t.Fatal(err)
	}
	if n := len(rig.in.messages()); n != 1 {
		t.Fatalf("applied %d times", n)
	}
	rig.in.fails = 4
	if d, err := rig.srv.Member("ZhangSan").Send(ctx, "6"); !errors.Is(err, wecomtest.ErrNotDelivered) || d.Attempts != 4 {
		t.Fatalf("after four failures: %+v %v", d, err)
	}
}

func post(t *testing.T, srv *wecomtest.Server, cb *wecomtest.Callback) int {
	t.Helper()
	status, _, err := srv.Post(context.Background(), cb)
	if err != nil {
		t.Fatal(err)
	}
	return status
}

func requery(cb *wecomtest.Callback, change func(q url.Values)) *wecomtest.Callback {
	u, _ := url.Parse(cb.URL)
	q := u.Query()
	change(q)
	u.RawQuery = q.Encode()
	out := *cb
	out.URL = u.String()
	return &out
}

// Forged, misaddressed, stale and malformed callbacks are refused and never
// reach the app.
func TestCallbackRefusals(t *testing.T) {
	rig := newCallbackRig(t)
	zs := rig.srv.Member("ZhangSan")
	cb, err := zs.TextCallback("5")
	if err != nil {
		t.Fatal(err)
	}
	for name, bad := range map[string]*wecomtest.Callback{
		"a forged signature": requery(cb, func(q url.Values) { q.Set("msg_signature", strings.Repeat("0", 40)) }),
		"another nonce":      requery(cb, func(q url.Values) { q.Set("nonce", "1") }),
		"another timestamp":  requery(cb, func(q url.Values) { q.Set("timestamp", "1409659813") }),
	} {
		if s := post(t, rig.srv, bad); s != http.StatusForbidden {
			t.Errorf("%s: %d", name, s)
		}
	}
	// Another organisation whose app has the same token and key (the
	// ciphertext names its corp ID).
	otherOrg := wecomtest.New()
	defer otherOrg.Close()
	otherOrg.AddApp(wecomtest.App{AgentID: rig.app.AgentID, Token: rig.app.Token, AESKey: rig.app.AESKey, CallbackURL: rig.url})
	otherOrg.AddMember("ZhangSan", "张三")
	if cb, err := otherOrg.Member("ZhangSan").TextCallback("5"); err != nil || post(t, otherOrg, cb) != http.StatusForbidden {
		t.Errorf("another corp: %v", err)
	}
	// Another app of the organisation sharing the token and key.
	other := rig.srv.AddApp(wecomtest.App{Token: rig.app.Token, AESKey: rig.app.AESKey, CallbackURL: rig.url})
	if cb, err := zs.In(other.AgentID).TextCallback("5"); err != nil || post(t, rig.srv, cb) != http.StatusForbidden {
		t.Errorf("another app: %v", err)
	}
	// A captured request replayed two hours later.
	rig.recv.Now = func() time.Time { return rig.srv.Now().Add(2 * time.Hour) }
	if s := post(t, rig.srv, cb); s != http.StatusForbidden {
		t.Errorf("stale: %d", s)
	}
	rig.recv.Now = rig.srv.Now
	for name, bad := range map[string]*wecomtest.Callback{
		"no signature": requery(cb, func(q url.Values) { q.Del("msg_signature") }),
		"no Encrypt":   {AgentID: cb.AgentID, URL: cb.URL, Body: []byte("<xml><ToUserName>x</ToUserName></xml>")},
		"not XML":      {AgentID: cb.AgentID, URL: cb.URL, Body: []byte("{}")},
	} {
		if s := post(t, rig.srv, bad); s != http.StatusBadRequest {
			t.Errorf("%s: %d", name, s)
		}
	}
	if s := post(t, rig.srv, &wecomtest.Callback{URL: cb.URL, Body: bytes.Repeat([]byte("x"), wecom.MaxCallbackBody+1)}); s != http.StatusRequestEntityTooLarge {
		t.Errorf("an oversized body: %d", s)
	}
	for _, m := range []string{http.MethodPut, http.MethodDelete} {
		req, _ := http.NewRequest(m, rig.url, nil)
		if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusMethodNotAllowed {
			t.Errorf("%s: %v %v", m, resp, err)
		}
	}
	if n := len(rig.in.messages()); n != 0 {
		t.Fatalf("%d refused callbacks reached the app", n)
	}
	if s := post(t, rig.srv, cb); s != http.StatusOK || len(rig.in.messages()) != 1 {
		t.Fatalf("the genuine callback: %d", s)
	}
}

// Seal makes a passive reply WeCom opens.
func TestPassiveReply(t *testing.T) {
	rig := newCallbackRig(t)
	body, err := rig.recv.Seal([]byte("<xml><Content><![CDATA[收到]]></Content></xml>"), "1700000000", "123")
	if err != nil {
		t.Fatal(err)
	}
	c, _ := wecom.NewCrypto(rig.app.Token, rig.app.AESKey, rig.srv.CorpID)
	plain, err := wecom.OpenReply(c, body)
	if err != nil || !strings.Contains(string(plain), "收到") {
		t.Fatalf("%q %v", plain, err)
	}
	if _, err := wecom.OpenReply(c, bytes.Replace(body, []byte("1700000000"), []byte("1700000001"), 1)); !errors.Is(err, wecom.ErrSignature) {
		t.Fatalf("a reply with its timestamp changed: %v", err)
	}
}
