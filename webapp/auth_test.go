package webapp

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"
)

const token = "7342:AAH-test-token"

// TestInitDataAsTheDocsSay computes the hash step by step as the Bot API's
// Web Apps page describes it, from fields arriving in another order, and
// checks Validate takes it and refuses every change.
func TestInitDataAsTheDocsSay(t *testing.T) {
	now := time.Unix(1764600000, 0)
	fields := [][2]string{
		{"user", `{"id":424242,"first_name":"李","last_name":"审核","username":"li"}`},
		{"chat_instance", "-8134"},
		{"auth_date", "1764599000"},
		{"query_id", "AAHdF6IQ"},
		{"signature", "abc"},
	}
	// data_check_string: all fields but hash, sorted, key=value, "\n".
	check := "auth_date=1764599000\nchat_instance=-8134\nquery_id=AAHdF6IQ\nsignature=abc\nuser=" + fields[0][1]
	secret := hmac.New(sha256.New, []byte("WebAppData"))
	secret.Write([]byte(token))
	mac := hmac.New(sha256.New, secret.Sum(nil))
	mac.Write([]byte(check))
	hash := hex.EncodeToString(mac.Sum(nil))
	var parts []string
	for _, f := range fields {
		parts = append(parts, f[0]+"="+url.QueryEscape(f[1]))
	}
	parts = append(parts[:2], append([]string{"hash=" + hash}, parts[2:]...)...)
	initData := strings.Join(parts, "&")
	a := Auth{Token: token, Now: func() time.Time { return now }}
	u, err := a.Validate(initData)
	if err != nil || u.ID != 424242 || u.FirstName != "李" {
		t.Fatalf("valid initData: %+v %v", u, err)
	}
	for name, c := range map[string]struct {
		data string
		want error
	}{
		"missing":         {"", ErrNoInitData},
		"forged user":     {strings.Replace(initData, "424242", "424243", 1), ErrSignature},
		"another bot":     {InitData("1:other", User{ID: 424242}, now), ErrSignature},
		"no hash":         {strings.Replace(initData, "hash="+hash, "x=1", 1), ErrBadInitData},
		"a field twice":   {initData + "&auth_date=1764599000", ErrBadInitData},
		"expired":         {InitData(token, User{ID: 424242}, now.Add(-2*time.Hour)), ErrExpired},
		"from the future": {InitData(token, User{ID: 424242}, now.Add(time.Hour)), ErrExpired},
		"not a query":     {"%zz", ErrBadInitData},
		"no user":         {signedWithout(t, "user", now), ErrBadInitData},
	} {
		if _, err := a.Validate(c.data); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", name, err, c.want)
		}
	}
	if _, err := a.Validate(InitData(token, User{ID: 7}, now.Add(-59*time.Minute))); err != nil {
		t.Errorf("59 minutes old: %v", err)
	}
}

func signedWithout(t *testing.T, field string, at time.Time) string {
	t.Helper()
	v, _ := url.ParseQuery(InitData(token, User{ID: 1}, at))
	v.Del(field)
	v.Set("hash", hex.EncodeToString(Sign(token, v)))
	return v.Encode()
}
