package wecombot_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"tianbao/wecom/wecomtest"
	"tianbao/wecombot"
)

// A forged callback signature, a stale one and another app's are refused
// with 403 and change nothing; a callback WeCom delivers twice is applied
// once.
func TestCallbacksForgedStaleOrRepeatedChangeNothing(t *testing.T) {
	h := newHarness(t)
	h.enrol(enrolment)
	county := h.phone("ZhangSan")
	county.expect("您已被登记为西湖区的填报人")
	county.press("开始使用").expect("请选择要填写的表格")
	county.press("附件3（未开始）").expect("新建成（家）（第 1/9 项）")
	ctx := context.Background()
	applied := func() int { return h.count(`SELECT count(*) FROM processed_inputs WHERE key LIKE 'wc:%'`) }
	before, received := applied(), len(county.m.Received())

	// A forged signature: the message is sealed right, the signature is not.
	cb, err := county.m.TextCallback("5")
	if err != nil {
		t.Fatal(err)
	}
	forged := *cb
	u, _ := url.Parse(cb.URL)
	q := u.Query()
	q.Set("msg_signature", strings.Repeat("0", 40))
	u.RawQuery = q.Encode()
	forged.URL = u.String()
	if status, _, err := h.fake.Post(ctx, &forged); err != nil || status != http.StatusForbidden {
		t.Errorf("a forged signature: %d %v, want 403", status, err)
	}
	// Another app of the organisation, with its own token and key, posting
	// to this app's callback URL.
	other := h.fake.AddApp(wecomtest.App{Name: "另一个应用", CallbackURL: h.url(wecombot.CallbackPath), TrustedDomain: h.addr})
	if d, err := county.m.In(other.AgentID).Send(ctx, "5"); err == nil || d.Status != http.StatusForbidden {
		t.Errorf("another app's callback: %+v %v, want 403", d, err)
	}
	// A message whose signed time is two hours old (a captured request
	// replayed later).
	h.fake.Advance(-2 * time.Hour)
	if d, err := county.m.Send(ctx, "5"); err == nil || d.Status != http.StatusForbidden {
		t.Errorf("a stale callback: %+v %v, want 403", d, err)
	}
	h.fake.Advance(2 * time.Hour)
	if n := applied(); n != before {
		t.Errorf("refused callbacks applied %d inputs", n-before)
	}
	if n := h.count(`SELECT count(*) FROM answers WHERE unit_code = '330106'`); n != 0 {
		t.Errorf("refused callbacks stored %d answers", n)
	}
	if got := county.m.Received(); len(got) != received {
		t.Errorf("refused callbacks were answered: %s", show(got[len(got)-1]))
	}

	// The genuine one, delivered twice as WeCom does when it doubts: once.
	for range 2 {
		if d, err := h.fake.Deliver(ctx, cb); err != nil || d.Status != http.StatusOK {
			t.Fatalf("the genuine callback: %+v %v", d, err)
		}
	}
	county.expect("改造提升（家）（第 2/9 项）")
	if n := h.count(`SELECT count(*) FROM audit_log WHERE unit_code = '330106' AND action = 'answer.set'`); n != 1 {
		t.Errorf("the answer was applied %d times", n)
	}
	if got := county.m.Received(); len(got) != received+1 {
		t.Errorf("a redelivery was answered again: %d messages after it, want 1", len(got)-received)
	}
	h.noViolations()
}

// browser is an HTTP client that plays a phone's WeCom browser without
// following redirects, keeping the cookies the test hands it.
type browser struct {
	t      *testing.T
	client *http.Client
}

func newBrowser(t *testing.T) *browser {
	return &browser{t: t, client: &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (b *browser) get(link string, cookies ...*http.Cookie) *http.Response {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodGet, link, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	for _, c := range cookies {
		req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	resp, err := b.client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

func cookie(resp *http.Response, name string) *http.Cookie {
	for _, c := range resp.Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// signIn goes through WeCom's sign-in as the member from the desk's entry
// at query, and returns the session cookie and where the member lands.
func (h *harness) signIn(b *browser, member, query string) (*http.Cookie, *http.Response, string) {
	h.t.Helper()
	first := b.get(h.url(wecombot.EntryPath + "?" + query))
	state := cookie(first, "tianbao_wecom_state")
	if first.StatusCode != http.StatusFound || state == nil {
		h.t.Fatalf("the desk's entry without a session: %d, state cookie %v", first.StatusCode, state)
	}
	back, err := h.fake.Member(member).Authorize(context.Background(), first.Header.Get("Location"))
	if err != nil {
		h.t.Fatal(err)
	}
	resp := b.get(back.String(), state)
	return cookie(resp, wecombot.SessionCookie), resp, back.String()
}

// The sign-in: the session cookie is HttpOnly, Secure, SameSite and
// short-lived; the code WeCom gave is used once (a replay is refused, even
// with the state), a sign-in that did not start in this browser is refused,
// an expired session is refused, a WeCom member who is nobody's contact
// gets no session.
func TestSignInIsOnceAndShortLived(t *testing.T) {
	h := newHarness(t)
	done := h.enrol(enrolment)
	city := done[1].ContactID
	b := newBrowser(t)
	query := fmt.Sprintf("campaign=zj-2018-14&unit=330100&place=%d", city)
	session, resp, back := h.signIn(b, "lishenhe", query)
	if resp.StatusCode != http.StatusFound || !strings.HasPrefix(resp.Header.Get("Location"), "/app/?") || session == nil {
		t.Fatalf("sign-in: %d to %q, session %v", resp.StatusCode, resp.Header.Get("Location"), session)
	}
	if !session.HttpOnly || !session.Secure || session.SameSite != http.SameSiteLaxMode || session.MaxAge != 3600 || session.Path != "/" {
		t.Errorf("the session cookie: %+v", session)
	}
	if got, _ := url.Parse(resp.Header.Get("Location")); got.Query().Get("place") != fmt.Sprint(city) || got.Query().Get("unit") != "330100" {
		t.Errorf("landed at %s, want the card's place", got)
	}
	var me struct {
		Name, UnitName string
		Reviews        bool
	}
	if code := h.api(session, "GET", "/app/api/me?"+query, &me); code != http.StatusOK || me.UnitName != "杭州市" || !me.Reviews || me.Name != "李审核" {
		t.Errorf("me with the session: %d %+v", code, me)
	}

	// The same redirect again (the code replayed), with the state cookie
	// the browser had: WeCom refuses the code, and so does the sign-in.
	u, _ := url.Parse(back)
	state := &http.Cookie{Name: "tianbao_wecom_state", Value: u.Query().Get("state")}
	if resp := b.get(back, state); resp.StatusCode != http.StatusUnauthorized || cookie(resp, wecombot.SessionCookie) != nil {
		t.Errorf("a replayed code: %d, session %v", resp.StatusCode, cookie(resp, wecombot.SessionCookie))
	}
	// A fresh code, but the sign-in did not start in this browser (no
	// state cookie, or another one): refused before the code is used.
	first := b.get(h.url(wecombot.EntryPath))
	fresh, err := h.fake.Member("lishenhe").Authorize(context.Background(), first.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	if resp := b.get(fresh.String()); resp.StatusCode != http.StatusBadRequest || cookie(resp, wecombot.SessionCookie) != nil {
		t.Errorf("no state cookie: %d", resp.StatusCode)
	}
	if resp := b.get(fresh.String(), &http.Cookie{Name: "tianbao_wecom_state", Value: "Another0State"}); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("another state: %d", resp.StatusCode)
	}

	// A member WeCom knows who is nobody's contact: no session.
	h.fake.AddMember("zhaoliu", "赵六")
	if s, resp, _ := h.signIn(b, "zhaoliu", ""); resp.StatusCode != http.StatusForbidden || s != nil {
		t.Errorf("a stranger's sign-in: %d, session %v", resp.StatusCode, s)
	}
	// Without a session, or with a forged or expired one, the desk says 401.
	if code := h.api(nil, "GET", "/app/api/me", nil); code != http.StatusUnauthorized {
		t.Errorf("no session: %d", code)
	}
	if code := h.api(&http.Cookie{Name: wecombot.SessionCookie, Value: "forged"}, "GET", "/app/api/me", nil); code != http.StatusUnauthorized {
		t.Errorf("a forged session: %d", code)
	}
	if _, err := h.db.ExecContext(context.Background(), `UPDATE wecom_sessions SET expires_at = now() - interval '1 second'`); err != nil {
		t.Fatal(err)
	}
	if code := h.api(session, "GET", "/app/api/me?"+query, nil); code != http.StatusUnauthorized {
		t.Errorf("an expired session: %d", code)
	}
	h.noViolations()
}

// api calls the desk's API with a session cookie (nil: none) and decodes
// the answer into out.
func (h *harness) api(session *http.Cookie, method, path string, out any) int {
	h.t.Helper()
	req, err := http.NewRequest(method, h.url(path), nil)
	if err != nil {
		h.t.Fatal(err)
	}
	if session != nil {
		req.AddCookie(&http.Cookie{Name: session.Name, Value: session.Value})
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	if out != nil && resp.StatusCode == http.StatusOK {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			h.t.Fatal(err)
		}
	}
	return resp.StatusCode
}

// A member of another unit (余杭区's filler) signed in by WeCom sees their
// own unit and nothing of 杭州市's or 西湖区's: the same rights as through
// Telegram, checked on the server whatever the link names.
func TestMemberOfAnotherUnitIsRefused(t *testing.T) {
	h := newHarness(t)
	done := h.enrol(enrolment)
	city := done[1].ContactID
	county := h.phone("ZhangSan")
	submitA3(t, h, county)
	b := newBrowser(t)
	// 余杭区's filler opens the link of the city's review request.
	session, resp, _ := h.signIn(b, "wangwu", fmt.Sprintf("campaign=zj-2018-14&unit=330100&place=%d", city))
	if session == nil || resp.StatusCode != http.StatusFound {
		t.Fatalf("余杭区's filler could not sign in: %d", resp.StatusCode)
	}
	for _, path := range []string{
		fmt.Sprintf("/app/api/me?campaign=zj-2018-14&place=%d", city), // the city's place
		"/app/api/desk?campaign=zj-2018-14&unit=330100",               // the city's desk
		"/app/api/return?campaign=zj-2018-14&unit=330106&form=a3",     // 西湖区's 附件3
	} {
		if code := h.api(session, "GET", path, nil); code != http.StatusForbidden {
			t.Errorf("余杭区's filler GET %s: %d, want 403", path, code)
		}
	}
	var me struct{ Unit string }
	if code := h.api(session, "GET", "/app/api/me", &me); code != http.StatusOK || me.Unit != "330110" {
		t.Errorf("余杭区's filler's own desk: %d %+v", code, me)
	}
	var queue []any
	if code := h.api(session, "GET", "/app/api/queue", &queue); code != http.StatusOK || len(queue) != 0 {
		t.Errorf("余杭区's filler's queue: %d, %d items", code, len(queue))
	}
	// Typing the city's button: 余杭区's newest screen has none of it, and
	// nothing is approved.
	other := h.phone("wangwu")
	other.expect("您已被登记为余杭区的填报人")
	other.say("✅ 通过")
	other.say("/start").expect("您好，王五（余杭区）")
	if n := h.count(`SELECT count(*) FROM submissions WHERE status = 'approved'`); n != 0 {
		t.Errorf("%d submissions approved by 余杭区's filler", n)
	}
	h.noViolations()
}
