package wecombot

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"time"

	"tianbao/catalog"
	"tianbao/dialogs"
	"tianbao/store"
	"tianbao/wecom"
)

// The pages inside WeCom. A link in a message or the app's menu opens
// /wecom/app (the desk) or /wecom/invite/TOKEN; without a session the
// member is sent through WeCom's web OAuth (snsapi_base: silent, the UserID
// only), WeCom sends them back to /wecom/oauth with a code, the code is
// exchanged once (auth/getuserinfo: WeCom refuses a code used before or
// older than five minutes) and a session opens: a cookie of 256 random
// bits, stored only as a hash, HttpOnly, Secure, SameSite=Lax, for
// SessionMaxAge. The desk then signs the member in by it (Person, a
// webapp.Session) and applies exactly the rights of the member's places,
// on every request, as it does for a Telegram account.
//
// The OAuth state binds the sign-in to the browser that started it: a
// random value in a cookie of its own (Path /wecom/, ten minutes, used
// once) that must come back as the state.

// Cookies.
const (
	SessionCookie = "tianbao_wecom"
	stateCookie   = "tianbao_wecom_state"
	stateTTL      = 10 * time.Minute
)

// entry opens the desk: at once with a session, else through the sign-in.
func (c *Channel) entry(w http.ResponseWriter, r *http.Request) {
	q := deskParams(r.URL.Query())
	if _, err := c.sessionUser(r); err == nil {
		http.Redirect(w, r, c.deskPath(q), http.StatusFound)
		return
	}
	c.signIn(w, r, q)
}

// deskParams keeps what the desk's address may name: a campaign, a unit
// and a place.
func deskParams(in url.Values) url.Values {
	q := url.Values{}
	for _, k := range []string{"campaign", "unit", "place"} {
		if v := in.Get(k); v != "" && len(v) <= 64 {
			q.Set(k, v)
		}
	}
	return q
}

func (c *Channel) deskPath(q url.Values) string {
	if len(q) == 0 {
		return c.cfg.DeskPath
	}
	return c.cfg.DeskPath + "?" + q.Encode()
}

// signIn sends the browser to WeCom's authorize page, to come back to
// /wecom/oauth with back's parameters.
func (c *Channel) signIn(w http.ResponseWriter, r *http.Request, back url.Values) {
	state := randomState()
	link, err := c.client.AuthorizeURL(c.origin+OAuthPath+"?"+back.Encode(), state)
	if err != nil {
		c.log.Error("making the WeCom sign-in link failed", "err", err)
		c.page(w, http.StatusInternalServerError, dialogs.Apology().Text, "")
		return
	}
	http.SetCookie(w, &http.Cookie{Name: stateCookie, Value: state, Path: "/wecom/", MaxAge: int(stateTTL / time.Second),
		HttpOnly: true, Secure: true, SameSite: http.SameSiteLaxMode})
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, link, http.StatusFound)
}

// oauth is where WeCom's authorize page sends the member back: the state
// is checked against the browser's, the code exchanged for the member's
// UserID, once; then the invitation is redeemed, or the desk opened.
func (c *Channel) oauth(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	ck, err := r.Cookie(stateCookie)
	http.SetCookie(w, &http.Cookie{Name: stateCookie, Value: "", Path: "/wecom/", MaxAge: -1, HttpOnly: true, Secure: true, SameSite: http.SameSiteLaxMode})
	if err != nil || q.Get("state") == "" || subtle.ConstantTimeCompare([]byte(ck.Value), []byte(q.Get("state"))) != 1 {
		c.log.Warn("refused a WeCom sign-in whose state is not the browser's")
		c.page(w, http.StatusBadRequest, catalog.WeCom.SignInFailed, "")
		return
	}
	user, err := c.client.UserID(r.Context(), q.Get("code"))
	switch {
	case errors.Is(err, wecom.ErrInvalidCode), errors.Is(err, wecom.ErrCodeOtherApp):
		c.log.Warn("refused a WeCom sign-in code", "err", err)
		c.page(w, http.StatusUnauthorized, catalog.WeCom.SignInFailed, "")
		return
	case errors.Is(err, wecom.ErrNotMember):
		c.page(w, http.StatusForbidden, catalog.WeCom.SignInNotMember, "")
		return
	case err != nil:
		c.log.Error("WeCom sign-in: auth/getuserinfo failed", "err", err)
		c.page(w, http.StatusBadGateway, dialogs.Apology().Text, "")
		return
	}
	if token := q.Get("invite"); token != "" {
		c.redeem(w, r, user, token)
		return
	}
	if _, err := c.db.PersonOfWeCom(r.Context(), user); errors.Is(err, store.ErrNotFound) {
		c.page(w, http.StatusForbidden, catalog.WeCom.SignInStranger, "")
		return
	} else if err != nil {
		c.log.Error("WeCom sign-in failed", "err", err)
		c.page(w, http.StatusInternalServerError, dialogs.Apology().Text, "")
		return
	}
	if !c.openSession(w, r, user) {
		return
	}
	http.Redirect(w, r, c.deskPath(deskParams(q)), http.StatusFound)
}

// openSession sets a new session's cookie for the member.
func (c *Channel) openSession(w http.ResponseWriter, r *http.Request, user string) bool {
	token, err := c.db.CreateWeComSession(r.Context(), user, c.cfg.SessionMaxAge, time.Now())
	if err != nil {
		c.log.Error("opening a WeCom desk session failed", "err", err)
		c.page(w, http.StatusInternalServerError, dialogs.Apology().Text, "")
		return false
	}
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: token, Path: "/", MaxAge: int(c.cfg.SessionMaxAge / time.Second),
		HttpOnly: true, Secure: true, SameSite: http.SameSiteLaxMode})
	w.Header().Set("Cache-Control", "no-store")
	return true
}

// sessionUser is the member a request's session cookie signs in.
func (c *Channel) sessionUser(r *http.Request) (string, error) {
	ck, err := r.Cookie(SessionCookie)
	if err != nil {
		return "", store.ErrNotFound
	}
	return c.db.WeComSession(r.Context(), ck.Value, time.Now())
}

// Person is the desk's sign-in by a WeCom session (webapp.Session): the
// member's person, with their places. ok is false when the request has no
// session cookie; an unknown or expired session is store.ErrNotFound.
func (c *Channel) Person(r *http.Request) (*store.Person, bool, error) {
	if _, err := r.Cookie(SessionCookie); err != nil {
		return nil, false, nil
	}
	user, err := c.sessionUser(r)
	if err != nil {
		return nil, true, err
	}
	p, err := c.db.PersonOfWeCom(r.Context(), user)
	return p, true, err
}

// invite is an invitation link opened in WeCom: through the sign-in (or a
// session), then redeemed for the member.
func (c *Channel) invite(w http.ResponseWriter, r *http.Request) {
	token := r.PathValue("token")
	if token == "" || len(token) > 64 {
		c.page(w, http.StatusNotFound, catalog.Texts.InviteUnknown, "")
		return
	}
	if user, err := c.sessionUser(r); err == nil {
		c.redeem(w, r, user, token)
		return
	}
	c.signIn(w, r, url.Values{"invite": {token}})
}

// redeem gives the member the invitation's place (once: the same invites
// as Telegram's deep links), opens a session, sends the place's start
// screen in the app and says so on the page.
func (c *Channel) redeem(w http.ResponseWriter, r *http.Request, user, token string) {
	ctx := r.Context()
	red, err := c.db.RedeemInviteWeCom(ctx, token, user, user, c.cfg.Now())
	tell := store.InviteRefusal(err)
	switch {
	case tell == "" && err != nil:
		c.log.Error("redeeming an invitation in WeCom failed", "err", err)
		c.page(w, http.StatusInternalServerError, dialogs.Apology().Text, "")
		return
	}
	if tell != "" {
		c.page(w, http.StatusGone, tell, "")
		return
	}
	unit := red.Unit
	if camp, err := c.reg.Campaign(ctx, red.Campaign); err == nil && camp.Units[red.Unit] != nil {
		unit = camp.Units[red.Unit].Name
	}
	welcome := fmt.Sprintf(catalog.WeCom.InviteDone, unit, dialogs.RoleName(red.Role))
	c.log.Info("invite redeemed in WeCom", "contact", red.ContactID, "unit", red.Unit, "role", red.Role)
	if !c.openSession(w, r, user) {
		return
	}
	// The place's start screen, in the app, once however often the link is
	// opened (the key is the invitation's).
	c.greet(context.WithoutCancel(ctx), user, red.ContactID, token, welcome)
	desk := c.deskPath(url.Values{"campaign": {red.Campaign}, "unit": {red.Unit}, "place": {fmt.Sprint(red.ContactID)}})
	c.page(w, http.StatusOK, welcome+"\n"+fmt.Sprintf(catalog.WeCom.InviteBack, c.appName), desk)
}

// greet sends an invitation's start screen, the welcome first.
func (c *Channel) greet(ctx context.Context, user string, contact int64, token, welcome string) {
	ctx, cancel := context.WithTimeout(ctx, handleTimeout)
	defer cancel()
	lock := c.member(user)
	lock.Lock()
	defer lock.Unlock()
	p, err := c.db.PersonOfWeCom(ctx, user)
	if err != nil {
		c.log.Warn("greeting a WeCom member failed", "err", err)
		return
	}
	h := sha256.Sum256([]byte(token))
	in := dialogs.Input{ContactID: contact, Route: dialogs.RouteSwitch, Text: "/start", Arrived: true, Key: "wci:" + hex.EncodeToString(h[:16])}
	in.Places = len(p.Places)
	replies, err := c.engine.Handle(ctx, in)
	var dup *dialogs.DuplicateError
	switch {
	case errors.As(err, &dup):
		return
	case err != nil:
		c.log.Warn("greeting a WeCom member failed", "err", err)
		return
	}
	if len(replies) > 0 {
		replies[0].Text = welcome + "\n\n" + replies[0].Text
	}
	place := p.Place(contact)
	if place == nil {
		place = &dialogs.Contact{ID: contact}
	}
	if err := c.reply(ctx, user, place, c.present(ctx, p, place, replies)); err != nil {
		c.log.Warn("greeting a WeCom member failed", "err", err)
		return
	}
	_ = c.db.MarkSent(ctx, []string{in.Key})
}

// page is a short page for the member (a sign-in that failed, an invitation
// redeemed), with a link to the desk when there is one.
func (c *Channel) page(w http.ResponseWriter, status int, text, desk string) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(status)
	link := ""
	if desk != "" {
		link = `<p><a id="desk" href="` + html.EscapeString(desk) + `">` + html.EscapeString(catalog.DeskTexts["button"]) + `</a></p>`
	}
	fmt.Fprintf(w, `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">`+
		`<title>%s</title><style>body{font:16px/1.6 system-ui,sans-serif;margin:2em 1.2em;color:#222}p{white-space:pre-line}</style></head>`+
		`<body><p id="message">%s</p>%s</body></html>`, html.EscapeString(catalog.WeCom.PageTitle), html.EscapeString(text), link)
}

// randomState is an OAuth state: 32 of a-z, A-Z, 0-9 (WeCom's alphabet).
func randomState() string {
	const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = letters[int(b[i])%len(letters)]
	}
	return string(b)
}
