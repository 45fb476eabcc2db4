package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tianbao/wecom"
	"tianbao/wecom/wecomtest"
	"tianbao/wecombot"
)

// tianbao wecom enrol: a file with a problem enrols nobody and says every
// problem with its line; a good one enrols each member once, and again
// changes only what changed.
func TestWeComEnrolCommand(t *testing.T) {
	useTestDatabase(t)
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	bad := write("bad.tsv", "单位代码\t职责\t企业微信账号\t姓名\n"+
		"330106\t填报人\tzhangsan\t张三\n"+
		"339999\tfiller\tlisi\t李四\n"+ // no such unit
		"330100\tboss\twangwu\t王五\n"+ // no such role
		"330102\tfiller\tzhao liu\t赵六\n"+ // not a UserID
		"330106\treviewer\tZhangSan\t张三\n") // twice in one unit
	code, _, errs := tianbao(t, "", "wecom", "enrol", bad)
	for _, want := range []string{"bad.tsv:line 3: unit \"339999\"", "bad.tsv:line 4: role \"boss\"", "bad.tsv:line 5: userid \"zhao liu\"",
		"bad.tsv:line 6: ZhangSan is given a role in 330106 twice (line 2 too)", "4 problem(s)"} {
		if !strings.Contains(errs, want) {
			t.Errorf("wecom enrol of a bad file (exit %d) does not say %q:\n%s", code, want, errs)
		}
	}
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	good := write("good.tsv", "unit\trole\tuserid\tname\n330106\tfiller\tzhangsan\t张三\n330100\treviewer\tlishenhe\t李审核\n")
	code, out, errs := tianbao(t, "", "wecom", "enrol", "--dry-run", good)
	if code != 0 || !strings.Contains(out, "would enrol  330106 西湖区  filler  zhangsan (张三)") || !strings.Contains(out, "nothing changed") {
		t.Errorf("--dry-run: %d\n%s%s", code, out, errs)
	}
	code, out, errs = tianbao(t, "", "wecom", "enrol", good)
	if code != 0 || !strings.Contains(out, "2 added, 0 given another role, 0 unchanged") {
		t.Errorf("wecom enrol: %d\n%s%s", code, out, errs)
	}
	code, out, _ = tianbao(t, "", "wecom", "enrol", write("again.tsv", "unit\trole\tuserid\n330106\treviewer\tZHANGSAN\n330100\treviewer\tlishenhe\n"))
	if code != 0 || !strings.Contains(out, "0 added, 1 given another role, 1 unchanged") {
		t.Errorf("wecom enrol again: %d\n%s", code, out)
	}
	if code, _, errs := tianbao(t, "", "wecom", "enlist", good); code != 2 || !strings.Contains(errs, "unknown wecom subcommand") {
		t.Errorf("a wrong subcommand: %d %q", code, errs)
	}
}

// invite --wecom prints the link that opens the invitation in WeCom.
func TestInviteInWeCom(t *testing.T) {
	useTestDatabase(t)
	t.Setenv("APP_URL", "https://tianbao.example.org/app/")
	code, out, errs := tianbao(t, "", "invite", "--unit", "330106", "--wecom")
	if code != 0 || !strings.HasPrefix(out, "https://tianbao.example.org/wecom/invite/") {
		t.Errorf("invite --wecom: %d %q %q", code, out, errs)
	}
	t.Setenv("APP_URL", "")
	if code, _, errs := tianbao(t, "", "invite", "--unit", "330106", "--wecom"); code != 1 || !strings.Contains(errs, "APP_URL") {
		t.Errorf("invite --wecom without APP_URL: %d %q", code, errs)
	}
}

// doctor checks the WeCom app as serve will use it: the secret (gettoken),
// the app (enabled, its trusted domain APP_URL's host), and the callback URL
// answering WeCom's verification through the public address.
func TestDoctorChecksWeCom(t *testing.T) {
	fake := wecomtest.New()
	defer fake.Close()
	app := fake.AddApp(wecomtest.App{Name: "填报助手"})
	fake.AddMember("zhangsan", "张三")
	recv, err := wecom.NewReceiver(app.Token, app.AESKey, fake.CorpID, app.AgentID)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle(wecombot.CallbackPath, &wecom.Handler{Receiver: recv, Handle: func(context.Context, *wecom.Inbound) error { return nil }})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	app.TrustedDomain = host
	w := &wecomSettings{CorpID: fake.CorpID, AgentID: app.AgentID, Secret: app.Secret, Token: app.Token, AESKey: app.AESKey,
		APIURL: fake.URL, OAuthURL: fake.URL, PublicURL: srv.URL}
	doctor := func(w *wecomSettings) string {
		var out bytes.Buffer
		doctorWeCom(context.Background(), &checklist{w: &out}, w)
		return out.String()
	}
	out := doctor(w)
	for _, want := range []string{"✔ WeCom access token (gettoken): corp " + fake.CorpID, "✔ WeCom app: 填报助手 (agent " + fmt.Sprint(app.AgentID) + "), 1 member(s) in its visible range; trusted domain " + host,
		"✔ WeCom callback URL: " + srv.URL + "/wecom/callback answers WeCom's verification"} {
		if !strings.Contains(out, want) {
			t.Errorf("doctor does not say %q:\n%s", want, out)
		}
	}
	wrong := *w
	wrong.Secret = "WrongSecret"
	if out := doctor(&wrong); !strings.Contains(out, "✘ WeCom access token (gettoken)") || !strings.Contains(out, "→ check WECOM_CORP_ID") {
		t.Errorf("a wrong secret:\n%s", out)
	}
	wrong = *w
	wrong.Token = "AnotherToken"
	if out := doctor(&wrong); !strings.Contains(out, "✘ WeCom callback URL") || !strings.Contains(out, "HTTP 403") {
		t.Errorf("another callback token:\n%s", out)
	}
	app.TrustedDomain = "elsewhere.example.org"
	if out := doctor(w); !strings.Contains(out, `✘ WeCom app`) || !strings.Contains(out, `its trusted domain (可信域名) is "elsewhere.example.org"`) {
		t.Errorf("another trusted domain:\n%s", out)
	}
}

// serve with WeCom alone (no Telegram token): it starts, answers WeCom's
// URL verification and an enrolled member's message, and refuses a half
// configuration by name.
func TestServeWeComAlone(t *testing.T) {
	useTestDatabase(t)
	fake := wecomtest.New()
	defer fake.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	app := fake.AddApp(wecomtest.App{CallbackURL: "http://" + addr + wecombot.CallbackPath, TrustedDomain: addr})
	fake.AddMember("zhangsan", "张三")
	dir := t.TempDir()
	secretFile := filepath.Join(dir, "wecom_secret")
	keyFile := filepath.Join(dir, "wecom_aes_key")
	if err := os.WriteFile(secretFile, []byte(app.Secret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, []byte(app.AESKey), 0o600); err != nil {
		t.Fatal(err)
	}
	enrol := filepath.Join(dir, "enrol.tsv")
	if err := os.WriteFile(enrol, []byte("unit\trole\tuserid\tname\n330106\tfiller\tzhangsan\t张三\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errs := tianbao(t, "", "wecom", "enrol", enrol); code != 0 {
		t.Fatalf("enrol: %s", errs)
	}
	env := []string{"DATABASE_URL=" + os.Getenv("DATABASE_URL"), "TELEGRAM_BOT_TOKEN=", "WECOM_CORP_ID=" + fake.CorpID,
		"WECOM_AGENT_ID=" + fmt.Sprint(app.AgentID), "WECOM_SECRET_FILE=" + secretFile, "WECOM_TOKEN=" + app.Token,
		"WECOM_AES_KEY_FILE=" + keyFile, "WECOM_API_URL=" + fake.URL, "APP_URL=https://" + addr + "/app/",
		"LISTEN_ADDR=" + addr, "METRICS_ADDR=off", "REMINDERS=off", "LOG_LEVEL=warn"}

	// Half a configuration: refused by name, before anything starts.
	for _, v := range []string{"WECOM_SECRET_FILE=", "WECOM_TOKEN="} {
		t.Run("without "+v, func(t *testing.T) {
			for _, kv := range append(env, v) {
				k, val, _ := strings.Cut(kv, "=")
				t.Setenv(k, val)
			}
			code, _, errs := tianbao(t, "", "serve")
			name := strings.TrimSuffix(strings.TrimSuffix(v, "="), "_FILE")
			if code != 1 || !strings.Contains(firstLine(errs), name+" is not set, and WeCom needs it") {
				t.Errorf("serve without %s: %d %q", name, code, errs)
			}
		})
	}

	serveProcess(t, env)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		if err := fake.VerifyCallbackURL(ctx, app.AgentID); err == nil {
			break
		} else if ctx.Err() != nil {
			t.Fatalf("serve never answered WeCom's URL verification: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	m := fake.Member("zhangsan")
	if _, err := m.WaitReceived(ctx, 1); err != nil { // the enrolment's welcome
		t.Fatal(err)
	}
	if d, err := m.Send(ctx, "/start"); err != nil || d.Status != http.StatusOK {
		t.Fatalf("/start: %+v %v", d, err)
	}
	got, err := m.WaitReceived(ctx, 2)
	if err != nil || !strings.Contains(got[1].Text, "您好，张三（西湖区）") {
		t.Errorf("the start screen in WeCom: %v %+v", err, got)
	}
	if v := fake.Violations(); len(v) > 0 {
		t.Errorf("WeCom would have cut or dropped: %v", v)
	}
}
