package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"tianbao/bot"
	"tianbao/bot/telegramtest"
	"tianbao/campaign"
	"tianbao/campaigns"
	"tianbao/dialogs"
	"tianbao/store"
	"tianbao/store/storetest"
)

// serveProcess runs `tianbao serve` as a separate process.
func serveProcess(t *testing.T, env []string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "serve")
	cmd.Env = append(os.Environ(), append(env, "TIANBAO_BE_MAIN=1")...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	return cmd
}

// TestCrashMidFormResumes kills the bot (SIGKILL: no graceful stop) while
// it is sending the reply to an answer it has already saved, then starts it
// again: the update is fetched again, applied once, and its reply sent.
func TestCrashMidFormResumes(t *testing.T) {
	const token = "42:crash-test"
	fake := telegramtest.NewServer(token)
	defer fake.Close()
	url := storetest.URL(t)
	env := []string{"DATABASE_URL=" + url, "TELEGRAM_BOT_TOKEN=" + token, "TELEGRAM_API_URL=" + fake.URL,
		"LISTEN_ADDR=127.0.0.1:0", "LOG_LEVEL=warn"}
	ctx := context.Background()
	db, err := store.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := campaigns.NewRegistry(db).Campaign(ctx, campaigns.BuiltinID); err != nil {
		t.Fatal(err)
	}
	tok, err := db.CreateInvite(ctx, store.Invite{Campaign: campaigns.BuiltinID, Unit: "330106", Role: dialogs.Filler, ExpiresAt: time.Now().Add(time.Hour)}, 0, time.Now())
	if err != nil {
		t.Fatal(err)
	}

	first := serveProcess(t, env)
	p := fake.Phone(t, 9001, "张三")
	p.Timeout = 20 * time.Second
	p.Say("/start " + tok).Expect("欢迎")
	p.Press("附件3").Expect("新建成（家）")
	p.Say("5").Expect("改造提升（家）")
	p.Say("0").Expect("生产制造类 · 园区数量（个）")

	// Hold the next reply in flight, and kill the process while it waits.
	sends := fake.Calls("sendMessage")
	fake.Delay("sendMessage", time.Minute)
	p.Say("5")
	if !fake.WaitFor(20*time.Second, func() bool { return fake.Calls("sendMessage") > sends }) {
		t.Fatal("the bot never tried to reply")
	}
	if err := first.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = first.Wait()
	fake.Delay("sendMessage", 0)
	var saved int
	if err := db.GetContext(ctx, &saved, `SELECT count(*) FROM answers WHERE unit_code = '330106' AND field_id = 'mfg_count'`); err != nil || saved != 1 {
		t.Fatalf("the answer before the crash was not saved (%d, %v)", saved, err)
	}
	p.Say("600") // typed while the bot is down

	serveProcess(t, env)
	p.Expect("占地面积（亩）") // the reply that was lost in the crash is sent now
	p.Expect("入小微园企业数（家）（第 5/9 项）")
	var applied int
	if err := db.GetContext(ctx, &applied, `SELECT count(*) FROM audit_log WHERE unit_code = '330106' AND target = 'main//mfg_count'`); err != nil || applied != 1 {
		t.Errorf("the answer was applied %d times (%v)", applied, err)
	}
	var land string
	if err := db.GetContext(ctx, &land, `SELECT value FROM answers WHERE unit_code = '330106' AND field_id = 'mfg_land'`); err != nil || land != "600" {
		t.Errorf("the answer typed during the outage: %q, %v", land, err)
	}
	if !strings.Contains(p.Text(), "入小微园企业数") {
		t.Errorf("resumed at the wrong place: %s", p.Text())
	}
}

// TestServeRefusesOldSchema: a shared database with an old schema is not
// touched; `tianbao migrate` is the way.
func TestServeRefusesOldSchema(t *testing.T) {
	t.Setenv("DATABASE_URL", storetest.EmptyURL(t))
	t.Setenv("TELEGRAM_BOT_TOKEN", "1:x")
	code, _, errs := tianbao(t, "", "serve")
	if code != 1 || !strings.Contains(errs, "run `tianbao migrate`") {
		t.Errorf("serve on an empty database: %d %q", code, errs)
	}
	t.Setenv("TELEGRAM_BOT_TOKEN", "")
	code, _, errs = tianbao(t, "", "serve")
	if code != 1 || !strings.Contains(errs, "TELEGRAM_BOT_TOKEN") {
		t.Errorf("serve without a token: %d %q", code, errs)
	}
}

// TestServeChecksTheDesksConfiguration: an APP_URL Telegram would not
// open, or an age that is not one, stops serve at the start with the reason.
func TestServeChecksTheDesksConfiguration(t *testing.T) {
	t.Setenv("TELEGRAM_BOT_TOKEN", "1:x")
	for value, want := range map[string]string{
		"http://desk.example.org/app/":      "only over https",
		"https://desk.example.org/app":      "ending in /",
		"https://desk.example.org/app/?x=1": "without ? or #",
		"desk.example.org/app/":             "is not a URL",
	} {
		t.Setenv("APP_URL", value)
		if code, _, errs := tianbao(t, "", "serve"); code != 1 || !strings.Contains(errs, want) {
			t.Errorf("APP_URL=%s: %d %q", value, code, errs)
		}
	}
	t.Setenv("APP_URL", "https://desk.example.org/app/")
	for _, age := range []string{"10s", "1 hour", "200h"} {
		t.Setenv("APP_AUTH_MAX_AGE", age)
		if code, _, errs := tianbao(t, "", "serve"); code != 1 || !strings.Contains(errs, "APP_AUTH_MAX_AGE") {
			t.Errorf("APP_AUTH_MAX_AGE=%s: %d %q", age, code, errs)
		}
	}
}

func TestInviteCommand(t *testing.T) {
	useTestDatabase(t)
	code, out, errs := tianbao(t, "", "invite", "--campaign", "zj-2018-14", "--unit", "330100", "--role", "reviewer", "--bot", "@tianbao_bot")
	if code != 0 || !strings.HasPrefix(out, "https://t.me/tianbao_bot?start=") || len(strings.TrimSpace(out)) != len("https://t.me/tianbao_bot?start=")+22 {
		t.Fatalf("invite: %d %q %q", code, out, errs)
	}
	if !strings.Contains(errs, "杭州市 审核人") {
		t.Errorf("stderr: %q", errs)
	}
	// Without --bot, the name comes from the Bot API.
	fake := telegramtest.NewServer("7:tok")
	defer fake.Close()
	t.Setenv("TELEGRAM_BOT_TOKEN", "7:tok")
	t.Setenv("TELEGRAM_API_URL", fake.URL)
	t.Setenv("TELEGRAM_BOT_USERNAME", "")
	code, out, _ = tianbao(t, "", "invite", "--unit", "330106")
	if code != 0 || !strings.HasPrefix(out, "https://t.me/"+telegramtest.BotUsername+"?start=") {
		t.Errorf("invite via getMe: %d %q", code, out)
	}
	for _, bad := range [][]string{{"--unit", "999999", "--bot", "b"}, {"--unit", "330106", "--role", "boss", "--bot", "b"}} {
		if code, _, _ := tianbao(t, "", append([]string{"invite"}, bad...)...); code == 0 {
			t.Errorf("invite %v succeeded", bad)
		}
	}
}

func TestRemindCommand(t *testing.T) {
	useTestDatabase(t)
	tianbao(t, "附件1\n西湖区小微企业园工作联席会议\n", "console", "--unit", "330106", "--name", "张三")
	code, out, _ := tianbao(t, "", "remind", "--at", "2018-12-02 09:30", "--dry-run")
	if code != 0 || !strings.Contains(out, "would send  330106 西湖区  contact 1 (张三)  reminder of a1, a2, a3, policies  slot 2018-12-02 09:30  (before the due date)") ||
		!strings.Contains(out, "1 message(s) at 2018-12-02 09:30 Asia/Shanghai") {
		t.Fatalf("dry run: %d\n%s", code, out)
	}
	if _, out, _ := tianbao(t, "", "remind", "--at", "2018-12-02 09:31", "--dry-run"); !strings.Contains(out, "0 message(s)") {
		t.Errorf("09:31: %s", out)
	}
	for i, want := range []string{"queued  330106", "0 message(s)"} {
		if _, out, _ := tianbao(t, "", "remind", "--at", "2018-12-02 09:30"); !strings.Contains(out, want) {
			t.Errorf("run %d: want %q in\n%s", i+1, want, out)
		}
	}
	if _, out, _ := tianbao(t, "", "remind", "--at", "2018-12-06 09:30", "--dry-run"); !strings.Contains(out, "(overdue)") {
		t.Errorf("overdue: %s", out)
	}
}

// TestServeLongestIDs: a campaign whose ids are all at the checker's
// longest, served by `tianbao serve` through the strict fake Bot API
// (which refuses callback data over 64 bytes, as Telegram does): a county
// fills every kind of section, opens each change button of the review and
// submits; the city approves from its notification.
func TestServeLongestIDs(t *testing.T) {
	const token = "42:long-ids"
	fake := telegramtest.NewServer(token)
	defer fake.Close()
	url := storetest.URL(t)
	ctx := context.Background()
	db, err := store.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	src, err := campaign.ReadFile("testdata/longids.yaml")
	if err != nil {
		t.Fatal(err)
	}
	camp, _, err := campaigns.Install(ctx, db, src)
	if err != nil {
		t.Fatal(err)
	}
	invite := func(unit string, role dialogs.Role) string {
		tok, err := db.CreateInvite(ctx, store.Invite{Campaign: camp.ID, Unit: unit, Role: role, ExpiresAt: time.Now().Add(time.Hour)}, 0, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	serveProcess(t, []string{"DATABASE_URL=" + url, "TELEGRAM_BOT_TOKEN=" + token, "TELEGRAM_API_URL=" + fake.URL,
		"LISTEN_ADDR=127.0.0.1:0", "LOG_LEVEL=warn", "REMINDERS=off"})
	city := fake.Phone(t, 9501, "杭州审核")
	city.Timeout = 20 * time.Second
	city.Say("/start " + invite("330100", dialogs.Reviewer)).Expect("欢迎")
	p := fake.Phone(t, 9502, "张三")
	p.Timeout = 20 * time.Second
	p.Say("/start " + invite("330106", dialogs.Filler)).Expect("欢迎")
	p.Press("附表").Expect("名称（第 1/3 项）")
	p.Say("西湖").Expect("类型")
	p.Press("乙类").Expect("备注")
	p.Press("跳过").Expect("清单")
	p.Press("➕ 添加项").Expect("项目名称")
	p.Say("一号").Expect("数量")
	p.Say("3").Expect("已保存第 1 个项")
	p.Press("本部分填完了").Expect("2020年")
	p.Say("5").Expect("2021年")
	p.Say("6").Expect("请核对已填内容", "全部填写完毕")
	for _, label := range []string{"改：名称", "改：类型", "改：备注"} {
		p.Press(label)
		p.Say("/back")
		p.Expect("请核对已填内容")
	}
	p.Press("改：2020年").Expect("目标").Say("7").Expect("请核对已填内容")
	p.Press("清单（1 个项）").Expect("已填 1 个项")
	p.Press("1. 一号").Expect("第 1 个项：")
	p.Press("改：数量").Expect("数量（第 2/2 项）")
	p.Say("4").Expect("第 1 个项：")
	p.Press("返回列表").Expect("已填 1 个项")
	p.Press("返回核对页").Expect("请核对已填内容")
	p.Press("✅ 提交").Expect("已提交《附表 长标识表》（第 1 版）")
	city.Expect("【待审核】西湖区 提交了").Press("✅ 通过").Expect("✅ 已通过：西湖区")
	for _, r := range fake.Refused() {
		t.Errorf("Telegram would have refused: %s", r)
	}
}

// TestDoctor: the checklist before going live, against the strict fake.
func TestDoctor(t *testing.T) {
	const token = "77:doctor"
	fake := telegramtest.NewServer(token)
	defer fake.Close()
	useTestDatabase(t)
	t.Setenv("TELEGRAM_BOT_TOKEN", token)
	t.Setenv("TELEGRAM_API_URL", fake.URL)
	t.Setenv("WEBHOOK_URL", "")
	if code, _, _ := tianbao(t, "", "units"); code != 0 { // installs the built-in campaign
		t.Fatal("units")
	}
	code, out, _ := tianbao(t, "", "doctor")
	for _, want := range []string{"✔ bot: @" + telegramtest.BotUsername, "✔ webhook at Telegram: none (long polling); 0 update(s) waiting",
		"✔ command menu: not set yet", "✔ APP_URL: not set", "✔ database (DATABASE_URL): schema at version", "✔ campaign zj-2018-14: v1, 5 forms, 101 units", "Everything is ready"} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in:\n%s", want, out)
		}
	}
	if code != 0 {
		t.Errorf("doctor: exit %d", code)
	}
	// A webhook Telegram cannot deliver to, a secret it would refuse.
	fake.AllowHTTPWebhook()
	tg := bot.API{URL: fake.URL, Token: token}
	if err := tg.Call(context.Background(), "setWebhook", map[string]any{"url": "https://bot.example.org/telegram"}, nil); err != nil {
		t.Fatal(err)
	}
	fake.SetWebhookError("Connection timed out")
	t.Setenv("WEBHOOK_URL", "https://bot.example.org/telegram")
	t.Setenv("WEBHOOK_SECRET", "not a secret!")
	t.Setenv("APP_URL", "http://bot.example.org/app/")
	code, out, _ = tianbao(t, "", "doctor")
	t.Setenv("APP_URL", "")
	for _, want := range []string{"✘ webhook at Telegram: https://bot.example.org/telegram", "last delivery error", "Connection timed out",
		"→ Telegram cannot deliver to", "✘ WEBHOOK_SECRET", "→ openssl rand -hex 32", "✘ APP_URL", "only over https", "3 problem(s) to fix"} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in:\n%s", want, out)
		}
	}
	if code != 1 {
		t.Errorf("doctor with problems: exit %d", code)
	}
	// A token Telegram does not know; a database without the schema.
	t.Setenv("WEBHOOK_URL", "")
	t.Setenv("TELEGRAM_BOT_TOKEN", "78:wrong")
	t.Setenv("DATABASE_URL", storetest.EmptyURL(t))
	code, out, _ = tianbao(t, "", "doctor")
	for _, want := range []string{"✘ the bot at " + fake.URL, "Unauthorized", "→ check the token (@BotFather", "✘ database (DATABASE_URL)", "→ run `tianbao migrate`"} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in:\n%s", want, out)
		}
	}
	if code != 1 {
		t.Errorf("doctor with a wrong token: exit %d", code)
	}
}

// TestPollingStandbyTakesOver: two `tianbao serve` processes poll one bot
// (no WEBHOOK_URL, as compose's two replicas do). Only the holder of the
// polling lock polls; it is killed (SIGKILL) in the middle of 270 answers
// from 30 counties; the standby takes over, and every answer is applied
// exactly once: an answer lost, or applied twice, would shift the rest of
// that county's answers to the wrong fields.
func TestPollingStandbyTakesOver(t *testing.T) {
	const token = "43:standby"
	fake := telegramtest.NewServer(token)
	defer fake.Close()
	url := storetest.URL(t)
	env := []string{"DATABASE_URL=" + url, "TELEGRAM_BOT_TOKEN=" + token, "TELEGRAM_API_URL=" + fake.URL,
		"LISTEN_ADDR=127.0.0.1:0", "METRICS_ADDR=off", "REMINDERS=off", "LOG_LEVEL=warn"}
	ctx := context.Background()
	db, err := store.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	camp, err := campaigns.NewRegistry(db).Campaign(ctx, campaigns.BuiltinID)
	if err != nil {
		t.Fatal(err)
	}
	var counties []string
	for _, city := range camp.Units[camp.Root].Children {
		counties = append(counties, camp.Units[city].Children...)
	}
	counties = counties[:30]
	answers := []string{"1", "0", "1", "10", "5", "0", "0", "0", "5"}
	var phones []*telegramtest.Phone
	for i, unit := range counties {
		tok, err := db.CreateInvite(ctx, store.Invite{Campaign: camp.ID, Unit: unit, Role: dialogs.Filler, ExpiresAt: time.Now().Add(time.Hour)}, 0, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		user := int64(9200 + i)
		r, err := db.RedeemInvite(ctx, tok, user, user, "联系人", time.Now())
		if err != nil {
			t.Fatal(err)
		}
		// Each contact is at 附件3's first question.
		if _, err := db.ExecContext(ctx, `UPDATE sessions SET state = '{"seq":1,"mode":"field","form":"a3","section":"main","field":"built"}', version = version + 1
			WHERE contact_id = $1`, r.ContactID); err != nil {
			t.Fatal(err)
		}
		phones = append(phones, fake.Phone(t, user, "联系人"))
	}

	leader := serveProcess(t, env)
	if !fake.WaitFor(20*time.Second, func() bool { return fake.Calls("getUpdates") > 0 }) {
		t.Fatal("the first process never polled")
	}
	standby := serveProcess(t, env)
	_ = standby
	time.Sleep(500 * time.Millisecond) // the standby is up, and asked for the lock
	fake.Delay("sendMessage", 20*time.Millisecond)
	for _, v := range answers {
		for _, p := range phones {
			fake.Push(p.TextUpdate(v))
		}
	}
	handled := func() int {
		var n int
		// Updates are keyed tg:<update> (presses), tgm:<chat>:<message> (texts).
		if err := db.GetContext(ctx, &n, `SELECT count(*) FROM processed_inputs WHERE key LIKE 'tg%:%'`); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if !fake.WaitFor(30*time.Second, func() bool { return handled() >= 60 }) {
		t.Fatalf("only %d updates handled", handled())
	}
	for _, r := range fake.Refused() {
		if strings.HasPrefix(r, "getUpdates") {
			t.Fatalf("the two processes both polled: %s", r)
		}
	}
	if err := leader.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = leader.Wait()
	atKill := handled()
	fake.Delay("sendMessage", 0)
	if atKill >= len(answers)*len(phones) {
		t.Fatalf("all %d updates were handled before the kill: the test proves nothing", atKill)
	}
	if !fake.WaitFor(60*time.Second, func() bool { return handled() == len(answers)*len(phones) }) {
		t.Fatalf("after the leader died: %d of %d updates handled (%d at the kill)", handled(), len(answers)*len(phones), atKill)
	}
	for _, unit := range counties {
		var rows []struct {
			Field string `db:"field_id"`
			Value string `db:"value"`
		}
		if err := db.SelectContext(ctx, &rows, `SELECT field_id, value FROM answers WHERE unit_code = $1 AND form_id = 'a3'`, unit); err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, r := range rows {
			got[r.Field] = r.Value
		}
		want := map[string]string{"built": "1", "upgraded": "0", "mfg_count": "1", "mfg_land": "10", "mfg_firms": "5",
			"svc_count": "0", "svc_area": "0", "svc_firms": "0", "target": "5"}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: answers %v, want %v", unit, got, want)
		}
		var sets int
		if err := db.GetContext(ctx, &sets, `SELECT count(*) FROM audit_log WHERE unit_code = $1 AND action = 'answer.set'`, unit); err != nil || sets != 9 {
			t.Errorf("%s: %d answers written (%v), want 9", unit, sets, err)
		}
	}
}
