// Package webapp is the coordinator's desk inside Telegram: a Mini App
// (Web App) served by `tianbao serve` under /app/, signed in by Telegram
// itself. Its page and script are embedded; its data comes from /app/api/
// as JSON, with exactly the rights the chat gives the same contact.
package webapp

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Auth checks a Mini App's initData, as the Bot API's Web Apps page says:
// the hash is the hex HMAC-SHA-256 of the data-check-string (every field
// received but hash, sorted by key, key=value, joined by line feeds) keyed
// by HMAC-SHA-256 of the bot's token keyed by "WebAppData"; auth_date is
// refused when older than MaxAge.
type Auth struct {
	Token  string
	MaxAge time.Duration // default 1 h
	Now    func() time.Time
}

// User is the Telegram user an initData vouches for.
type User struct {
	ID        int64  `json:"id"`
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	Username  string `json:"username"`
}

// The reasons an initData is refused.
var (
	ErrNoInitData  = errors.New("no initData")
	ErrBadInitData = errors.New("initData is not a query string with one hash, one auth_date and one user")
	ErrSignature   = errors.New("initData is not signed by this bot")
	ErrExpired     = errors.New("initData is too old")
)

// Validate returns the user of a genuine, fresh initData.
func (a Auth) Validate(initData string) (User, error) {
	if strings.TrimSpace(initData) == "" {
		return User{}, ErrNoInitData
	}
	values, err := url.ParseQuery(initData)
	if err != nil {
		return User{}, ErrBadInitData
	}
	for _, v := range values {
		if len(v) != 1 {
			return User{}, ErrBadInitData // a field twice: which one was signed?
		}
	}
	got, err := hex.DecodeString(values.Get("hash"))
	if err != nil || len(got) != sha256.Size {
		return User{}, ErrBadInitData
	}
	if !hmac.Equal(got, Sign(a.Token, values)) {
		return User{}, ErrSignature
	}
	at, err := strconv.ParseInt(values.Get("auth_date"), 10, 64)
	if err != nil {
		return User{}, ErrBadInitData
	}
	now := time.Now()
	if a.Now != nil {
		now = a.Now()
	}
	maxAge := a.MaxAge
	if maxAge <= 0 {
		maxAge = time.Hour
	}
	when := time.Unix(at, 0)
	if now.Sub(when) > maxAge || when.Sub(now) > time.Minute {
		return User{}, ErrExpired
	}
	var u User
	if err := json.Unmarshal([]byte(values.Get("user")), &u); err != nil || u.ID == 0 {
		return User{}, ErrBadInitData
	}
	return u, nil
}

// Sign is the hash of initData's fields (all but hash) for token.
func Sign(token string, values url.Values) []byte {
	keys := make([]string, 0, len(values))
	for k := range values {
		if k != "hash" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	lines := make([]string, len(keys))
	for i, k := range keys {
		lines[i] = k + "=" + values.Get(k)
	}
	secret := hmac.New(sha256.New, []byte("WebAppData"))
	secret.Write([]byte(token))
	mac := hmac.New(sha256.New, secret.Sum(nil))
	mac.Write([]byte(strings.Join(lines, "\n")))
	return mac.Sum(nil)
}

// InitData makes a signed initData for a user, as Telegram does (for
// tests, and for the console's way into the page).
func InitData(token string, u User, at time.Time) string {
	user, _ := json.Marshal(u)
	v := url.Values{"auth_date": {strconv.FormatInt(at.Unix(), 10)}, "query_id": {"AAH" + strconv.FormatInt(u.ID, 36)}, "user": {string(user)}}
	v.Set("hash", hex.EncodeToString(Sign(token, v)))
	return v.Encode()
}
