package wecom

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Sentinels for the answers the bot acts on; an *APIError, *InvalidUserError
// or *FieldError matches them with errors.Is.
var (
	// ErrCredentials: gettoken refused the corp ID or the app's secret
	// (40001, 40013, 41002, 41004, 40091). Retrying does not help; the
	// configuration is wrong, or the secret was reset in the admin console.
	ErrCredentials = errors.New("wecom: corp ID or app secret refused")
	// ErrTokenRejected: an access token refused twice in a row (40014,
	// 42001, 40001 after a fresh gettoken).
	ErrTokenRejected = errors.New("wecom: access token refused")
	// ErrRateLimited: 45009 (calls over a limit) or 45033 (too many at once).
	ErrRateLimited = errors.New("wecom: rate limited")
	// ErrBusy: -1, 系统繁忙 (the docs: retry later, at most three times).
	ErrBusy = errors.New("wecom: system busy")
	// ErrInvalidUser: a recipient who is not a member the app can reach: not
	// in the directory (left the organisation, deleted), or outside the
	// app's visible range (81013 with invaliduser, or invaliduser in a
	// partial success).
	ErrInvalidUser = errors.New("wecom: recipient is not a member the app can reach")
	// ErrInvalidCode: an OAuth code unknown, used already, or older than
	// five minutes (40029; 42022).
	ErrInvalidCode = errors.New("wecom: OAuth code invalid, used or expired")
	// ErrCodeOtherApp: 50001, the code was issued by a link of an app (or a
	// redirect domain) this app's token has no rights to.
	ErrCodeOtherApp = errors.New("wecom: OAuth code not issued for this app or its trusted domain")
	// ErrNotMember: the OAuth code belongs to a WeChat user who is not a
	// member of the organisation (auth/getuserinfo answers openid, not userid).
	ErrNotMember = errors.New("wecom: the visitor is not a member of the organisation")
	// ErrApp: the agent ID is wrong, belongs to another app, or the app is
	// disabled (40056, 41011, 301002, 50003, 48002).
	ErrApp = errors.New("wecom: app (agent) refused")
	// ErrInvalidMessage: a message that breaks a documented field limit,
	// refused here before it is sent (a *FieldError), or by WeCom.
	ErrInvalidMessage = errors.New("wecom: message breaks a WeCom limit")
	// ErrUntrustedIP: 60020, the server's address is not among the app's
	// 企业可信IP.
	ErrUntrustedIP = errors.New("wecom: server IP not in the app's trusted IPs")
)

// Error codes from 全局错误码
// (https://developer.work.weixin.qq.com/document/path/90313) that the
// client acts on.
const (
	CodeBusy              = -1
	CodeOK                = 0
	CodeInvalidSecret     = 40001 // 不合法的secret参数 (and, on old docs, an invalid access_token)
	CodeInvalidUserID     = 40003 // 无效的UserID (left, deleted)
	CodeInvalidCorpID     = 40013
	CodeInvalidToken      = 40014 // 不合法的access_token
	CodeInvalidCode       = 40029 // 不合法的oauth_code (used once, 5 minutes)
	CodeUserListLength    = 40032 // 不合法的UserID列表长度 (message/send: 1000)
	CodeIllegalChar       = 40033 // 不合法的请求字符，不能包含\uxxxx格式的字符
	CodeInvalidAgent      = 40056
	CodeInvalidParameter  = 40058 // a value too long, too many items, a required one empty, bad JSON
	CodeEmptyParameter    = 40063
	CodeTokenMissing      = 41001
	CodeCorpIDMissing     = 41002
	CodeSecretMissing     = 41004
	CodeAuthCodeMissing   = 41008
	CodeURLMissing        = 41010
	CodeAgentMissing      = 41011
	CodeTitleMissing      = 41016
	CodeTokenExpired      = 42001 // access_token已过期
	CodeCodeUsed          = 42022 // code已经被使用过。只能使用一次
	CodeEmptyContent      = 44004 // 文本消息content参数为空
	CodeContentTooLong    = 45002 // 消息内容大小超过限制 (text: 2048 bytes)
	CodeFreqLimit         = 45009 // 接口调用超过限制
	CodeConcurrencyLimit  = 45033 // 接口并发调用超过限制
	CodeURLNoScheme       = 45034 // url必须有协议头
	CodeNoPrivilege       = 48002
	CodeUntrustedDomain   = 50001 // redirect_url未登记可信域名 (also: a code of another app)
	CodeAppDisabled       = 50003
	CodeUntrustedIP       = 60020
	CodeUserNotVisible    = 60021 // userid不在应用可见范围内
	CodeUserNotFound      = 60111
	CodeAllInvalid        = 81013 // UserID、部门ID、标签ID全部非法或无权限
	CodeNoRecipients      = 82001 // 指定的成员/部门/标签全部为空
	CodeAgentNotPermitted = 301002
)

// APIError is an answer with a non-zero errcode.
type APIError struct {
	Op   string // the client's operation: "message/send", "gettoken" …
	Code int
	Msg  string // WeCom's errmsg (English, with a hint and the caller's IP)
}

func (e *APIError) Error() string {
	return fmt.Sprintf("wecom %s: errcode %d: %s", e.Op, e.Code, e.Msg)
}

// Is maps the codes the bot acts on to the sentinels above.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrCredentials:
		return e.Op == "gettoken" && (e.Code == CodeInvalidSecret || e.Code == CodeInvalidCorpID ||
			e.Code == CodeCorpIDMissing || e.Code == CodeSecretMissing || e.Code == 40091)
	case ErrTokenRejected:
		return e.Op != "gettoken" && isTokenCode(e.Code)
	case ErrRateLimited:
		return e.Code == CodeFreqLimit || e.Code == CodeConcurrencyLimit
	case ErrBusy:
		return e.Code == CodeBusy
	case ErrInvalidCode:
		return e.Code == CodeInvalidCode || e.Code == CodeCodeUsed
	case ErrCodeOtherApp:
		return e.Code == CodeUntrustedDomain
	case ErrApp:
		return e.Code == CodeInvalidAgent || e.Code == CodeAgentMissing || e.Code == CodeAgentNotPermitted ||
			e.Code == CodeAppDisabled || e.Code == CodeNoPrivilege
	case ErrInvalidMessage:
		return e.Code == CodeInvalidParameter || e.Code == CodeIllegalChar || e.Code == CodeEmptyContent ||
			e.Code == CodeContentTooLong || e.Code == CodeURLNoScheme || e.Code == CodeTitleMissing ||
			e.Code == CodeURLMissing || e.Code == 40008
	case ErrUntrustedIP:
		return e.Code == CodeUntrustedIP
	}
	return false
}

// RetryAfter says whether the same request may succeed later, and how long
// to wait at least. From the docs: 45009 is lifted a minute after a
// per-minute limit trips (longer after an hourly or daily one: the caller
// backs off further when it recurs); 45033 means too many concurrent
// calls; -1 is to be retried after a while, at most three times.
func (e *APIError) RetryAfter() (time.Duration, bool) {
	switch e.Code {
	case CodeFreqLimit:
		return time.Minute, true
	case CodeConcurrencyLimit:
		return 2 * time.Second, true
	case CodeBusy:
		return time.Second, true
	}
	return 0, false
}

// RetryAfter reports whether err (from any call of the client) may succeed
// when tried again, and the least wait. Transport failures and HTTP errors
// are retryable after a second; refusals of the request itself are not.
func RetryAfter(err error) (time.Duration, bool) {
	var api *APIError
	if errors.As(err, &api) {
		return api.RetryAfter()
	}
	var tr *TransportError
	if errors.As(err, &tr) {
		return time.Second, true
	}
	return 0, false
}

func isTokenCode(code int) bool {
	return code == CodeInvalidToken || code == CodeTokenExpired || code == CodeInvalidSecret
}

// TransportError is a failure to reach WeCom or to read its answer. It never
// carries the request's URL, whose query holds the access token or the
// app's secret.
type TransportError struct {
	Op  string
	Err error
}

func (e *TransportError) Error() string { return fmt.Sprintf("wecom %s: %v", e.Op, e.Err) }
func (e *TransportError) Unwrap() error { return e.Err }

// InvalidUserError names the recipients WeCom could not reach: not members
// any more, or outside the app's visible range. Users are spelt as the
// caller gave them (WeCom lower-cases invaliduser).
type InvalidUserError struct {
	Users []string
	Code  int // 81013 when no recipient was valid, 0 on a partial success
}

func (e *InvalidUserError) Error() string {
	return fmt.Sprintf("wecom message/send: not reachable (errcode %d): %s", e.Code, strings.Join(e.Users, "|"))
}

// Is makes errors.Is(err, ErrInvalidUser) hold.
func (e *InvalidUserError) Is(target error) bool { return target == ErrInvalidUser }

// FieldError is a message refused before it was sent because a field breaks
// one of WeCom's documented limits.
type FieldError struct {
	Field  string // JSON path: "textcard.title", "template_card.button_list[2].key"
	Reason string // what is wrong, with the limit
}

func (e *FieldError) Error() string { return "wecom: " + e.Field + ": " + e.Reason }

// Is makes errors.Is(err, ErrInvalidMessage) hold.
func (e *FieldError) Is(target error) bool { return target == ErrInvalidMessage }
