package wecom

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
)

// Web OAuth (网页授权登录): a link in the app or a message opens WeCom's
// authorize page, which redirects to the page with a code; the server
// exchanges the code for the member's UserID.
//
// 构造网页授权链接 (https://developer.work.weixin.qq.com/document/path/91022):
// https://open.weixin.qq.com/connect/oauth2/authorize?appid=CORPID
// &redirect_uri=REDIRECT_URI&response_type=code&scope=snsapi_base
// &state=STATE&agentid=AGENTID#wechat_redirect — redirect_uri URL-encoded,
// its domain the app's trusted domain (可信域名, matched exactly, port
// included), state of a-zA-Z0-9 and at most 128 bytes; the page is then
// opened as redirect_uri?code=CODE&state=STATE, the code at most 512 bytes.
//
// 获取访问用户身份 (https://developer.work.weixin.qq.com/document/path/91023):
// GET /cgi-bin/auth/getuserinfo?access_token=&code= answers userid for a
// member, openid for a WeChat user outside the organisation. A code is used
// once and lives five minutes (全局错误码 40029).
const (
	MaxStateBytes = 128
	MaxCodeBytes  = 512
)

// AuthorizeURL is the link that signs a member in to redirectURI
// (snsapi_base: silent, the UserID only). state comes back with the code:
// it binds the sign-in to the browser that started it.
func (c *Client) AuthorizeURL(redirectURI, state string) (string, error) {
	u, err := url.Parse(redirectURI)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.Fragment != "" {
		return "", fmt.Errorf("wecom: redirect URI %q is not an absolute http(s) URL without a fragment", redirectURI)
	}
	if len(state) > MaxStateBytes {
		return "", fmt.Errorf("wecom: OAuth state is %d bytes; WeCom allows %d", len(state), MaxStateBytes)
	}
	for i := 0; i < len(state); i++ {
		if ch := state[i]; !('a' <= ch && ch <= 'z' || 'A' <= ch && ch <= 'Z' || '0' <= ch && ch <= '9') {
			return "", fmt.Errorf("wecom: OAuth state may hold only a-z, A-Z and 0-9, not %q", ch)
		}
	}
	// The parameters in the documented order; url.Values would sort them.
	return c.oauth + "/connect/oauth2/authorize?appid=" + url.QueryEscape(c.cfg.CorpID) +
		"&redirect_uri=" + url.QueryEscape(redirectURI) +
		"&response_type=code&scope=snsapi_base&state=" + state +
		"&agentid=" + c.agentID() + "#wechat_redirect", nil
}

type userInfoAnswer struct {
	baseAnswer
	UserID         string `json:"userid"`
	UserTicket     string `json:"user_ticket"`
	OpenID         string `json:"openid"`
	ExternalUserID string `json:"external_userid"`
}

// UserID exchanges an OAuth code for the member's UserID. A code used
// before, expired or unknown is ErrInvalidCode; one from another app's
// link ErrCodeOtherApp; a visitor who is not a member ErrNotMember.
func (c *Client) UserID(ctx context.Context, code string) (string, error) {
	if code == "" || len(code) > MaxCodeBytes {
		return "", &APIError{Op: "auth/getuserinfo", Code: CodeInvalidCode, Msg: "the code is empty or longer than 512 bytes (not sent)"}
	}
	var a userInfoAnswer
	if err := c.call(ctx, "auth/getuserinfo", http.MethodGet, "/cgi-bin/auth/getuserinfo", url.Values{"code": {code}}, nil, &a); err != nil {
		return "", err
	}
	if a.UserID == "" {
		return "", ErrNotMember
	}
	if err := CheckUserID(a.UserID); err != nil {
		return "", &TransportError{Op: "auth/getuserinfo", Err: fmt.Errorf("an answer with a malformed userid: %v", err)}
	}
	return a.UserID, nil
}
