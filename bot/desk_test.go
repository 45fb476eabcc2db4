package bot_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"tianbao/bot/telegramtest"
	"tianbao/dialogs"
	"tianbao/webapp"
)

// webAppButton finds a web_app button under the chat's last screen.
func webAppButton(p *telegramtest.Phone) (telegramtest.Button, bool) {
	for _, row := range p.Screen().Buttons {
		for _, b := range row {
			if b.WebApp != "" {
				return b, true
			}
		}
	}
	return telegramtest.Button{}, false
}

// TestTheDeskFromTheChat: with APP_URL every contact's menu button opens
// the desk and reviewers find a 打开工作台 button under /start and /summary;
// the page is served on the bot's own listener and signs its users in with
// the bot's token; without APP_URL the chat has none of it, and a chat whose
// button was set gets the commands back.
func TestTheDeskFromTheChat(t *testing.T) {
	h := newHarness(t)
	h.appURL = "https://desk.example.org/app/"
	r := h.start("")
	city := h.fake.Phone(t, 11201, "杭州审核")
	city.Say("/start " + h.invite("330100", dialogs.Reviewer)).Expect("欢迎")
	filler := h.member(11202, "张三", "330106")
	for _, chat := range []int64{11201, 11202} {
		if !h.fake.WaitFor(10*time.Second, func() bool { m, ok := h.fake.Menu(chat); return ok && m.Type == "web_app" }) {
			t.Fatalf("chat %d's menu button was not set to the desk", chat)
		}
		if m, _ := h.fake.Menu(chat); m.WebApp != h.appURL || m.Text != "工作台" {
			t.Errorf("chat %d's menu button: %+v", chat, m)
		}
	}
	// The desk's button names the place it opens at: campaign, unit and
	// the reviewer's place there.
	city.Say("/start").Expect("杭州市")
	at := h.appURL + "?campaign=zj-2018-14&unit=330100&place="
	if b, ok := webAppButton(city); !ok || !strings.HasPrefix(b.WebApp, at) || b.Text != "📊 打开工作台" {
		t.Errorf("a reviewer's /start: %+v %v", b, ok)
	}
	city.Say("/summary").Expect("填报进度")
	if b, ok := webAppButton(city); !ok || !strings.HasPrefix(b.WebApp, at) {
		t.Errorf("/summary: %+v %v", b, ok)
	}
	filler.Say("/start").Expect("西湖区")
	if b, ok := webAppButton(filler); ok {
		t.Errorf("a filler's /start has %+v (its menu button is its way in)", b)
	}

	// The page and its API, on the listener of /healthz and the webhook.
	resp, err := http.Get("http://" + r.addr + "/app/")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(page), "填报工作台") {
		t.Fatalf("the page: %d", resp.StatusCode)
	}
	req, _ := http.NewRequest("GET", "http://"+r.addr+"/app/api/me", nil)
	req.Header.Set("Authorization", "tma "+webapp.InitData(token, webapp.User{ID: 11201, FirstName: "杭州审核"}, now))
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var me webapp.Me
	_ = json.NewDecoder(resp.Body).Decode(&me)
	resp.Body.Close()
	if resp.StatusCode != 200 || me.Unit != "330100" || !me.Reviews || me.Bot == "" {
		t.Errorf("me: %d %+v", resp.StatusCode, me)
	}
	req.Header.Set("Authorization", "tma "+webapp.InitData("1:another-bot", webapp.User{ID: 11201}, now))
	if resp, err = http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("signed by another bot: %v %v", resp.StatusCode, err)
	}
	resp.Body.Close()

	// APP_URL taken away: the buttons are gone and the menus say the
	// commands again.
	r.stop()
	h.appURL = ""
	h.start("")
	for _, chat := range []int64{11201, 11202} {
		if !h.fake.WaitFor(10*time.Second, func() bool { m, _ := h.fake.Menu(chat); return m.Type == "commands" }) {
			m, _ := h.fake.Menu(chat)
			t.Errorf("chat %d's menu button after APP_URL was unset: %+v", chat, m)
		}
	}
	city.Say("/start").Expect("杭州市")
	if b, ok := webAppButton(city); ok {
		t.Errorf("without APP_URL /start has %+v", b)
	}
}

// TestNoDeskWithoutAppURL: a deployment that never set APP_URL never
// touches a chat's menu button.
func TestNoDeskWithoutAppURL(t *testing.T) {
	h := newHarness(t)
	h.start("")
	city := h.fake.Phone(t, 11301, "杭州审核")
	city.Say("/start " + h.invite("330100", dialogs.Reviewer)).Expect("欢迎")
	h.member(11302, "张三", "330106")
	if !h.fake.WaitFor(10*time.Second, func() bool { return len(h.fake.CommandsFor("chat:11301")) > 0 }) {
		t.Fatal("the reviewer's menu was not set")
	}
	city.Say("/summary").Expect("填报进度")
	if b, ok := webAppButton(city); ok {
		t.Errorf("/summary has %+v", b)
	}
	if n := h.fake.Calls("setChatMenuButton"); n != 0 {
		t.Errorf("setChatMenuButton called %d times", n)
	}
}
