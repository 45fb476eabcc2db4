package wecomtest

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Web OAuth as WeCom serves it: 构造网页授权链接
// (https://developer.work.weixin.qq.com/document/path/91022) and 获取访问用户身份
// (https://developer.work.weixin.qq.com/document/path/91023).
//
// In a browser, the member is whoever the cookie MemberCookie names: a
// test signs a headless browser in with SignInURL. Outside WeCom's client
// (no cookie) the authorize page refuses, as WeCom's does.

// MemberCookie names the member a browser plays (on the fake's host).
const MemberCookie = "wecomtest_member"

// Outsider is the prefix of a MemberCookie value for a WeChat user who is
// not a member: their codes answer openid, not userid.
const Outsider = "outsider:"

type code struct {
	userID  string // a member's UserID, or "" for an outsider
	openID  string
	agent   int64
	expires time.Time
	used    bool
}

// SignInURL is a page of the fake that makes the browser opening it play
// userID, then sends it on to next (the app's page, or an authorize link).
func (s *Server) SignInURL(userID, next string) string {
	return s.URL + "/wecomtest/as?" + url.Values{"member": {userID}, "next": {next}}.Encode()
}

func (s *Server) signInBrowser(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	http.SetCookie(w, &http.Cookie{Name: MemberCookie, Value: url.QueryEscape(q.Get("member")), Path: "/", HttpOnly: true})
	next := q.Get("next")
	if next == "" {
		next = "/"
	}
	http.Redirect(w, r, next, http.StatusFound)
}

// authorize serves open.weixin.qq.com/connect/oauth2/authorize: it checks
// the link as the docs require it, issues a code for the member and
// redirects to redirect_uri?code=CODE&state=STATE.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	page := func(status int, text string) { http.Error(w, text, status) }
	s.mu.Lock()
	defer s.mu.Unlock()
	if q.Get("appid") != s.CorpID {
		page(http.StatusBadRequest, "appid 参数错误") // appid: 企业的CorpID
		return
	}
	if q.Get("response_type") != "code" {
		page(http.StatusBadRequest, "response_type 参数错误") // 此时固定为：code
		return
	}
	scope := q.Get("scope")
	if scope != "snsapi_base" && scope != "snsapi_privateinfo" {
		page(http.StatusBadRequest, "scope 参数错误")
		return
	}
	// state: 企业可以填写a-zA-Z0-9的参数值，长度不可超过128个字节
	if st := q.Get("state"); len(st) > 128 || strings.Trim(st, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") != "" {
		page(http.StatusBadRequest, "state 参数错误")
		return
	}
	var app *App
	if a := q.Get("agentid"); a != "" {
		id, err := strconv.ParseInt(a, 10, 64)
		if app = s.apps[id]; err != nil || app == nil {
			page(http.StatusBadRequest, "agentid 参数错误")
			return
		}
	} else if scope == "snsapi_privateinfo" {
		page(http.StatusBadRequest, "agentid 参数错误") // snsapi_privateinfo时必填
		return
	}
	redirect, err := url.Parse(q.Get("redirect_uri"))
	if err != nil || (redirect.Scheme != "http" && redirect.Scheme != "https") || redirect.Host == "" {
		page(http.StatusBadRequest, "redirect_uri 参数错误")
		return
	}
	// The redirect's domain must be the app's 可信域名, matched exactly,
	// port included; without agentid, some app's.
	if app == nil {
		for _, id := range s.order {
			if s.apps[id].TrustedDomain == redirect.Host {
				app = s.apps[id]
				break
			}
		}
	}
	if app == nil || app.TrustedDomain != redirect.Host {
		page(http.StatusBadRequest, "redirect_uri 参数错误") // the domain is not the app's trusted domain
		return
	}
	ck, err := r.Cookie(MemberCookie)
	if err != nil || ck.Value == "" {
		page(http.StatusForbidden, "请在企业微信客户端打开链接")
		return
	}
	who, _ := url.QueryUnescape(ck.Value)
	c := &code{agent: app.AgentID, expires: s.now().Add(s.Limits.CodeTTL)}
	if open, ok := strings.CutPrefix(who, Outsider); ok {
		c.openID = "o" + open
	} else {
		m := s.members[strings.ToLower(who)]
		if m == nil || m.left {
			page(http.StatusForbidden, "你不是该企业的成员")
			return
		}
		c.userID = m.id
	}
	value := randomToken(43)
	s.codes[value] = c
	target := *redirect
	rq := target.Query()
	rq.Set("code", value)
	rq.Set("state", q.Get("state"))
	target.RawQuery = rq.Encode()
	http.Redirect(w, r, target.String(), http.StatusFound)
}

// getUserInfo: GET /cgi-bin/auth/getuserinfo?access_token=&code=. A code
// is consumed once, within five minutes (40029: code只能消费一次 … 5分钟);
// one issued for another app's link is 50001 (颁发code的场景在哪个应用点击
// 的。消费code使用的access_token是否有该应用权限).
func (s *Server) getUserInfo(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.auth(w, r)
	if t == nil {
		return
	}
	v := r.URL.Query().Get("code")
	if v == "" {
		fail(w, 41008, "", nil)
		return
	}
	c := s.codes[v]
	switch {
	case c == nil || c.used || !s.now().Before(c.expires) || len(v) > 512:
		if !s.countCall(r.URL.Path) {
			fail(w, 45009, "", nil)
			return
		}
		fail(w, 40029, "", nil)
		return
	case c.agent != t.agent:
		fail(w, 50001, "", nil)
		return
	}
	c.used = true
	if c.userID == "" {
		ok(w, map[string]any{"openid": c.openID, "external_userid": ""})
		return
	}
	ok(w, map[string]any{"userid": c.userID})
}
