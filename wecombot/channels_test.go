package wecombot_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"tianbao/campaigns"
	"tianbao/dialogs"
	"tianbao/reminders"
	"tianbao/store"
	"tianbao/wecombot"
)

// Telegram on beside WeCom: a county in WeCom submits, the city's reviewer
// on Telegram gets the request there and approves it there, and the county
// is told in WeCom: each contact's notifications go to its own channel.
func TestTelegramBesideWeCom(t *testing.T) {
	h := withTelegram(t)
	h.enrol("unit\trole\tuserid\tname\n330106\tfiller\tZhangSan\t张三\n")
	tok, err := h.db.CreateInvite(context.Background(), store.Invite{Campaign: campaigns.BuiltinID, Unit: "330100", Role: dialogs.Reviewer,
		ExpiresAt: now.Add(time.Hour)}, 0, now)
	if err != nil {
		t.Fatal(err)
	}
	reviewer := h.tg.Phone(t, 5001, "李审核")
	reviewer.Say("/start " + tok).Expect("欢迎！您已登记为杭州市的审核人")
	county := h.phone("ZhangSan")
	submitA3(t, h, county)
	reviewer.Expect("【待审核】西湖区 提交了《附件3")
	reviewer.Press("✅ 通过").Expect("已通过")
	county.expect("审核通过")
	var left []string
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		left = nil
		if err := h.db.SelectContext(context.Background(), &left, `SELECT kind || ' for ' || contact_id || ': ' || last_error FROM outbox WHERE sent_at IS NULL`); err != nil {
			t.Fatal(err)
		}
		if len(left) == 0 || time.Now().After(deadline) {
			break
		}
	}
	if len(left) != 0 {
		t.Errorf("notifications not delivered on either channel: %v", left)
	}
	h.noViolations()
}

// An invitation opened in WeCom binds the member who opens it to its role,
// once: the same invitations as Telegram's deep links, through WeCom's
// sign-in; the start screen comes in the app. A reviewer's /invite in WeCom
// gives such links.
func TestInvitationOpenedInWeCom(t *testing.T) {
	h := newHarness(t)
	h.enrol("unit\trole\tuserid\tname\n330100\treviewer\tlishenhe\t李审核\n")
	city := h.phone("lishenhe")
	city.expect("您已被登记为杭州市的审核人")
	city.say("/invite").expect("6. 西湖区")
	city.say(city.option("西湖区")).expect("填报人")
	t.Log(city.dump())
	city.press("填报人")
	invitation := city.expect(h.url(wecombot.InvitePath))
	link := ""
	for _, f := range strings.Fields(show(invitation)) {
		if strings.HasPrefix(f, h.url(wecombot.InvitePath)) {
			link = f
		}
	}
	if link == "" {
		t.Fatalf("no invitation link in %q", show(invitation))
	}

	h.fake.AddMember("zhangsan", "张三")
	b := newBrowser(t)
	first := b.get(link)
	state := cookie(first, "tianbao_wecom_state")
	if first.StatusCode != http.StatusFound || state == nil {
		t.Fatalf("the invitation without a session: %d", first.StatusCode)
	}
	back, err := h.fake.Member("zhangsan").Authorize(context.Background(), first.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	resp := b.get(back.String(), state)
	if resp.StatusCode != http.StatusOK || cookie(resp, wecombot.SessionCookie) == nil {
		t.Fatalf("the invitation redeemed: %d", resp.StatusCode)
	}
	county := h.phone("zhangsan")
	county.expect("欢迎！您已登记为西湖区的填报人", "您好")
	county.expect("请选择要填写的表格")
	if n := h.count(`SELECT count(*) FROM contacts k JOIN identities i ON i.person_id = k.person_id
		WHERE i.channel = 'wecom' AND i.external_id = 'zhangsan' AND k.unit_code = '330106' AND k.role = 'filler' AND k.active`); n != 1 {
		t.Errorf("the member holds %d places of 西湖区's filler", n)
	}
	// The same member again (a second tap): still theirs, nothing new.
	if resp := b.get(link, cookie(resp, wecombot.SessionCookie)); resp.StatusCode != http.StatusOK {
		t.Errorf("the member's own invitation again: %d", resp.StatusCode)
	}
	// Anyone else: used.
	h.fake.AddMember("lisi", "李四")
	b2 := newBrowser(t)
	first = b2.get(link)
	back, err = h.fake.Member("lisi").Authorize(context.Background(), first.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	if resp := b2.get(back.String(), cookie(first, "tianbao_wecom_state")); resp.StatusCode != http.StatusGone {
		t.Errorf("someone else opening a used invitation: %d, want 410", resp.StatusCode)
	}
	if n := h.count(`SELECT count(*) FROM identities WHERE channel = 'wecom' AND external_id = 'lisi'`); n != 0 {
		t.Errorf("the used invitation made 李四 someone")
	}
	time.Sleep(100 * time.Millisecond)
	if got := county.m.Received(); len(got) != county.seen {
		t.Errorf("the second tap sent the start screen again: %s", show(got[len(got)-1]))
	}
	h.noViolations()
}

// A member who left the organisation is marked unreachable at the first
// message WeCom refuses for them, and the reviewers above are told once.
func TestMemberWhoLeftIsReportedToReviewers(t *testing.T) {
	h := newHarness(t)
	h.enrol(enrolment)
	county := h.phone("ZhangSan")
	submitA3(t, h, county)
	city := h.phone("lishenhe")
	city.expect("【待审核】西湖区")
	city.expect("✅ 通过")
	h.fake.RemoveMember("ZhangSan")
	city.press("✅ 通过").expect("已通过")
	city.expect("⚠️ 西湖区的联系人（张三）已不在企业微信通讯录")
	if n := h.count(`SELECT count(*) FROM contacts WHERE unit_code = '330106' AND unreachable_at IS NOT NULL`); n != 1 {
		t.Errorf("西湖区's contact not marked unreachable")
	}
	// Nothing more is tried for them.
	if _, err := h.db.ExecContext(context.Background(), `INSERT INTO outbox (contact_id, kind, payload)
		SELECT id, 'notice', '{"Text":"又一条通知"}' FROM contacts WHERE unit_code = '330106'`); err != nil {
		t.Fatal(err)
	}
	calls := h.fake.Calls("/cgi-bin/message/send")
	h.ch.Poke()
	time.Sleep(300 * time.Millisecond)
	if n := h.fake.Calls("/cgi-bin/message/send"); n != calls {
		t.Errorf("%d more messages tried for a member who left", n-calls)
	}
	if n := h.count(`SELECT count(*) FROM outbox o JOIN contacts c ON c.id = o.contact_id WHERE c.unit_code = '330100' AND o.kind = 'unreachable'`); n != 1 {
		t.Errorf("the city was told %d times", n)
	}
	h.noViolations()
}

// A burst of notices to one member stays within WeCom's 30 a minute: the
// thirtieth goes, the rest wait in the outbox for the member's minute to
// pass, and WeCom drops nothing.
func TestMemberRateIsKept(t *testing.T) {
	h := newHarness(t)
	h.enrol("unit\trole\tuserid\tname\n330106\tfiller\tZhangSan\t张三\n")
	county := h.phone("ZhangSan")
	county.expect("您已被登记为西湖区的填报人")
	for i := 1; i <= 40; i++ {
		if _, err := h.db.ExecContext(context.Background(), `INSERT INTO outbox (contact_id, kind, payload)
			SELECT id, 'notice', $1 FROM contacts WHERE unit_code = '330106'`, fmt.Sprintf(`{"Text":"第 %d 条通知"}`, i)); err != nil {
			t.Fatal(err)
		}
	}
	h.ch.Poke()
	waiting := func() int {
		return h.count(`SELECT count(*) FROM outbox WHERE sent_at IS NULL AND last_error = 'member rate' AND next_attempt_at > now()`)
	}
	deadline := time.Now().Add(20 * time.Second)
	for waiting() != 11 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if n := waiting(); n != 11 {
		t.Fatalf("%d notices wait for the member's rate, want 11", n)
	}
	got := county.m.Received()
	if len(got) != 30 {
		t.Errorf("%d messages delivered in the minute, want 30 (the welcome and 29 notices)", len(got))
	}
	for i, r := range got[1:] {
		if want := fmt.Sprintf("第 %d 条通知", i+1); !strings.Contains(show(r), want) {
			t.Errorf("message %d: %q, want %q (in order)", i+2, show(r), want)
			break
		}
	}
	if d := h.fake.Dropped("ZhangSan"); len(d) > 0 {
		t.Errorf("WeCom dropped %d messages", len(d))
	}
	h.noViolations()
}

// WeCom busy (-1) while a reply goes out: the turn is saved, the callback
// answered 500, and WeCom's redelivery sends the recorded reply, once; a
// turn whose replies nobody sent (its process died) is swept out to the
// member once its lease has passed.
func TestRepliesGoOutOnceAfterFailures(t *testing.T) {
	h := newHarness(t)
	h.enrol("unit\trole\tuserid\tname\n330106\tfiller\tZhangSan\t张三\n")
	county := h.phone("ZhangSan")
	county.expect("您已被登记为西湖区的填报人")
	county.press("开始使用").expect("请选择要填写的表格")
	county.press("附件3（未开始）").expect("新建成（家）（第 1/9 项）")
	h.fake.FailNext("/cgi-bin/message/send", -1, 4) // three tries, then one more on the redelivery
	d, err := county.m.Send(context.Background(), "5")
	if err != nil || d.Status != http.StatusOK || d.Attempts != 2 {
		t.Fatalf("the delivery: %+v %v, want 200 on the second attempt", d, err)
	}
	county.expect("改造提升（家）（第 2/9 项）")
	if n := h.count(`SELECT count(*) FROM audit_log WHERE unit_code = '330106' AND action = 'answer.set'`); n != 1 {
		t.Errorf("the answer was applied %d times", n)
	}

	// A turn applied by a process that died before replying: its replies
	// are in the database, unsent, their lease passed.
	var contact int64
	if err := h.db.GetContext(context.Background(), &contact, `SELECT id FROM contacts WHERE unit_code = '330106'`); err != nil {
		t.Fatal(err)
	}
	engine := &dialogs.Engine{Store: store.Dialogs{DB: h.db}, Campaigns: h.reg, Now: func() time.Time { return now }}
	if _, err := engine.Handle(context.Background(), dialogs.Input{ContactID: contact, Route: dialogs.RouteCurrent, Text: "3", Key: "wc:msg:424242"}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.db.ExecContext(context.Background(), `UPDATE processed_inputs SET lease_until = now() WHERE key = 'wc:msg:424242'`); err != nil {
		t.Fatal(err)
	}
	county.expect("请确认")
	for deadline := time.Now().Add(5 * time.Second); h.count(`SELECT count(*) FROM processed_inputs WHERE key = 'wc:msg:424242' AND sent`) != 1; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the swept replies are not marked sent")
		}
	}
	got := county.m.Received()
	sweeps := 0
	for _, r := range got {
		if strings.Contains(show(r), "请确认") {
			sweeps++
		}
	}
	if sweeps != 1 {
		t.Errorf("the swept replies went out %d times", sweeps)
	}
	h.noViolations()
}

// A reminder reaches a county enrolled in WeCom: the schedule's round queues
// it in the outbox, and the WeCom sender delivers it, its buttons opening
// the forms, linked to the county's place on the desk.
func TestReminderInWeCom(t *testing.T) {
	h := newHarness(t)
	h.enrol("unit\trole\tuserid\tname\n330106\tfiller\tZhangSan\t张三\n")
	county := h.phone("ZhangSan")
	county.expect("您已被登记为西湖区的填报人")
	at := time.Date(2018, 12, 2, 9, 30, 0, 0, shanghai) // three days before the counties' date
	planned, err := reminders.Round(context.Background(), h.db, h.camp, at.Add(-time.Minute), at, false)
	if err != nil || len(planned) == 0 {
		t.Fatalf("the round queued %d reminders: %v", len(planned), err)
	}
	if _, err := reminders.Release(context.Background(), h.db, h.reg); err != nil { // as the schedule does after its rounds
		t.Fatal(err)
	}
	h.ch.Poke()
	r := county.expect("⏰ 填报提醒：西湖区", "附件3")
	card := r.Template
	if card == nil {
		card = county.expect("[填写 附件3]").Template
	}
	if card == nil || !strings.Contains(card.Link, "/wecom/app?") || !strings.Contains(card.Link, "unit=330106") {
		t.Errorf("the reminder's card does not link to 西湖区's place: %+v", card)
	}
	h.noViolations()
}
