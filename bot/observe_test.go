package bot

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

// TestRefusalsApartFromErrors: the expected refusals go to
// tianbao_refusals_total, everything else (and any kind not known to be
// expected) to tianbao_errors_total.
func TestRefusalsApartFromErrors(t *testing.T) {
	m := newMetrics()
	for _, kind := range []string{"duplicate", "stranger", "invite", "foreign_chat", "webhook_secret", "blocked", "429"} {
		m.errors.WithLabelValues(kind).Inc()
		if testutil.ToFloat64(m.errors.refusals.WithLabelValues(kind)) != 1 || testutil.ToFloat64(m.errors.errors.WithLabelValues(kind)) != 0 {
			t.Errorf("%s is not counted as a refusal", kind)
		}
	}
	for _, kind := range []string{"panic", "engine", "refused", "send", "get_updates", "menu", "something_new"} {
		m.errors.WithLabelValues(kind).Inc()
		if testutil.ToFloat64(m.errors.errors.WithLabelValues(kind)) != 1 || testutil.ToFloat64(m.errors.refusals.WithLabelValues(kind)) != 0 {
			t.Errorf("%s is not counted as an error", kind)
		}
	}
}

// TestAPIMethodKeepsNoToken: a call is named by its method only; the token
// in its path, a file's path, anything unexpected never become a label.
func TestAPIMethodKeepsNoToken(t *testing.T) {
	const token = "123:ABC-def_456"
	for path, want := range map[string]string{
		"/bot" + token + "/sendMessage":                  "sendMessage",
		"/tgapi/bot" + token + "/getUpdates":             "getUpdates",
		"/file/bot" + token + "/documents/file_1.pdf":    "file",
		"/bot" + token + "/send Message":                 "other",
		"/bot" + token + "/x/../../etc":                  "other",
		"/botWRONG/sendMessage":                          "other",
		"/bot" + token + "/" + string(make([]byte, 100)): "other",
	} {
		if got := apiMethod(path, token); got != want {
			t.Errorf("%q: %q, want %q", path, got, want)
		}
	}
}

// TestChatHash: a chat's pseudonym is stable for one bot, differs between
// chats and between bots (it is keyed with the token), and is not the id.
func TestChatHash(t *testing.T) {
	a, b := &Bot{chatKey: chatKey("1:a")}, &Bot{chatKey: chatKey("2:b")}
	if a.chatHash(9001) != a.chatHash(9001) || a.chatHash(9001) == a.chatHash(9002) || a.chatHash(9001) == b.chatHash(9001) {
		t.Errorf("hashes: %s %s %s", a.chatHash(9001), a.chatHash(9002), b.chatHash(9001))
	}
	if len(a.chatHash(9001)) != 12 || a.chatHash(0) != "-" {
		t.Errorf("hash %q", a.chatHash(9001))
	}
}
