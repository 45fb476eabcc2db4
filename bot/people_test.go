package bot_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"tianbao/bot/telegramtest"
	"tianbao/campaigns"
	"tianbao/dialogs"
	"tianbao/store"
	"tianbao/webapp"
)

const quarterly = "zj-2019-parks-quarterly"

// inviteTo makes an invite for a unit of any campaign.
func (h *harness) inviteTo(campaignID, unit string, role dialogs.Role) string {
	h.t.Helper()
	if _, err := h.reg.Campaign(context.Background(), campaignID); err != nil {
		h.t.Fatal(err)
	}
	tok, err := h.db.CreateInvite(context.Background(), store.Invite{Campaign: campaignID, Unit: unit, Role: role, ExpiresAt: h.now().Add(time.Hour)}, 0, h.now())
	if err != nil {
		h.t.Fatal(err)
	}
	return tok
}

// place is a Telegram user's contact in a campaign's unit.
func (h *harness) place(user int64, campaignID, unit string) int64 {
	h.t.Helper()
	var id int64
	if err := h.db.GetContext(context.Background(), &id, `SELECT id FROM contacts WHERE telegram_user_id = $1 AND campaign_id = $2 AND unit_code = $3 AND active`,
		user, campaignID, unit); err != nil {
		h.t.Fatalf("place of %d in %s/%s: %v", user, campaignID, unit, err)
	}
	return id
}

// deskGet asks the desk's API as a Telegram user.
func deskGet(t *testing.T, addr string, user int64, at time.Time, path string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest("GET", "http://"+addr+"/app/api/"+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "tma "+webapp.InitData(token, webapp.User{ID: user, FirstName: "王芳"}, at.Add(-time.Minute)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// TestOnePersonInTwoCampaigns: 西湖区's official is invited to the 2018
// notice and to the quarterly return. Her account keeps both: she fills a
// form in each, switching both ways (by the list of places, by an old
// message's button); a button of a 2018 message from before she joined the
// quarterly still acts in 2018; each message names its campaign first; the
// desk opens at either; and when she moves elsewhere behind this bot's back
// (another replica, the desk), what she types next goes where she is.
func TestOnePersonInTwoCampaigns(t *testing.T) {
	h := newHarness(t)
	h.clock = time.Date(2019, 4, 8, 9, 0, 0, 0, shanghai) // the first quarter is open, the 2018 notice overdue
	r := h.start("")
	ctx := context.Background()

	p := h.fake.Phone(t, 1003, "王芳")
	p.Say("/start "+h.inviteTo(campaigns.BuiltinID, "330106", dialogs.Filler)).Expect("欢迎！您已登记为西湖区的填报人", "请选择要填写的表格").
		ExpectNot("〔小微企业园建设") // one place: as before
	if _, ok := labelled(p.Screen(), "🔀"); ok {
		t.Errorf("one place, and a button to switch")
	}
	p.Press("附件3").Expect("新建成（家）（第 1/9 项）")
	p.Say("3").Expect("改造提升（家）")
	p.Say("0").Expect("生产制造类 · 园区数量（个）")
	home2018 := p.Say("/start").Expect("附件3", "草稿 2/9").Screen()

	// Joining the quarterly: its start screen, named; she keeps 2018.
	p.Say("/start "+h.inviteTo(quarterly, "330106", dialogs.Filler)).
		Expect("〔2019年小微企业园建设进度季报（示例）〕\n欢迎！您已登记为西湖区的填报人", "进度季报 小微企业园建设进度（2019年1-3月）")
	if _, ok := labelled(p.Screen(), "🔀 切换填报（共 2 处）"); !ok {
		t.Errorf("two places, and no button to switch")
	}
	p.Press("进度季报 2019年1-3月").Expect("计划园区").Press("➕ 添加园区").Expect("园区名称")
	p.Say("西湖区留下小微企业园").Expect("建设状态").Press("已开工").Expect("累计完成投资")
	p.Say("3000").Expect("入驻企业").Say("10").Expect("用地").Say("50").Expect("✔ 用地")
	p.Press("本部分填完了").Expect("全部填写完毕").Press("✅ 提交").Expect("〔2019年小微企业园建设进度季报（示例）〕", "已提交《进度季报")

	// A button of the 2018 start screen, sent before she joined the
	// quarterly: it acts in 2018, and 2018 is where she is now.
	p.PressData(home2018.ID, buttonData(t, home2018, "附件3")).Expect("〔小微企业园建设（2018）〕", "生产制造类 · 园区数量（个）（第 3/9 项）")
	for _, v := range []string{"2", "100", "50", "1", "5.5", "20", "100"} {
		p.Say(v).Expect("〔小微企业园建设（2018）〕")
	}
	p.Expect("全部填写完毕").Press("✅ 提交").Expect("已提交《附件3")

	// /start lists both places: what waits, the nearest deadline; and
	// leads into each.
	p.Say("/start").Expect("您在 2 处有填报职责", "1. 〔小微企业园建设（2018）〕西湖区 · 填报人（当前）", "待填 4 份", "已逾期",
		"2. 〔2019年小微企业园建设进度季报（示例）〕西湖区 · 填报人").ExpectNot("〔小微企业园建设（2018）〕\n您在")
	p.Press("2019年小微企业园建设进度季报（示例） · 西湖区").Expect("〔2019年小微企业园建设进度季报（示例）〕", "已提交")
	// ...and back, by the 2018 screen's old button again.
	p.PressData(home2018.ID, buttonData(t, home2018, "附件1")).Expect("〔小微企业园建设（2018）〕", "附件1")
	p.Say("西湖区小微企业园工作领导小组").Expect("✔")
	if n := h.count(`SELECT count(*) FROM answers WHERE campaign_id = 'zj-2018-14' AND unit_code = '330106' AND form_id = 'a1'`); n != 1 {
		t.Errorf("2018's 附件1 has %d answers, want 1", n)
	}

	// Moved to the quarterly behind the bot's back (the desk, another
	// replica): what she types next answers there, not in 2018.
	if err := h.db.SetCurrent(ctx, h.place(1003, quarterly, "330106")); err != nil {
		t.Fatal(err)
	}
	p.Say("/status").Expect("〔2019年小微企业园建设进度季报（示例）〕")
	if n := h.count(`SELECT count(*) FROM answers WHERE campaign_id = 'zj-2018-14' AND form_id = 'a1'`); n != 1 {
		t.Errorf("2018's 附件1 got an answer meant elsewhere")
	}

	// Every button of every message names its place.
	for _, e := range h.fake.Events(1003, 0) {
		m := h.fake.Message(1003, e.MessageID)
		if m == nil {
			continue
		}
		for _, row := range m.Buttons {
			for _, b := range row {
				if b.CallbackData == "" {
					continue
				}
				if _, _, ok := dialogs.Bound(b.CallbackData); !ok {
					t.Errorf("a button names no place: %q %q", b.Text, b.CallbackData)
				}
			}
		}
	}

	// The desk at each place: its campaign, her unit, her forms there.
	for _, c := range []struct{ campaign, title, form string }{
		{campaigns.BuiltinID, "关于做好小微企业园建设工作有关事项的通知", "附件3"},
		{quarterly, "2019年小微企业园建设进度季报（示例）", "进度季报"},
	} {
		code, b := deskGet(t, r.addr, 1003, h.clock, "me?campaign="+c.campaign)
		var me webapp.Me
		if code != 200 || json.Unmarshal(b, &me) != nil || me.Campaign != c.campaign || me.Title != c.title || me.Unit != "330106" || len(me.Places) != 2 {
			t.Errorf("the desk at %s: %d %s", c.campaign, code, b)
		}
		code, b = deskGet(t, r.addr, 1003, h.clock, "mine?place="+itoa(me.Place))
		if code != 200 || !strings.Contains(string(b), c.form) {
			t.Errorf("her forms at %s: %d %.200s", c.campaign, code, b)
		}
	}
}

// buttonData is the data of a message's button whose label begins so.
func buttonData(t *testing.T, m *telegramtest.Message, label string) string {
	t.Helper()
	b, ok := labelled(m, label)
	if !ok {
		t.Fatalf("no button %q on message %d", label, m.ID)
	}
	return b.CallbackData
}

func labelled(m *telegramtest.Message, label string) (telegramtest.Button, bool) {
	if m != nil {
		for _, row := range m.Buttons {
			for _, b := range row {
				if strings.HasPrefix(b.Text, label) {
					return b, true
				}
			}
		}
	}
	return telegramtest.Button{}, false
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

// fillQuarter adds one park to the open quarter's return and submits it.
func fillQuarter(p *telegramtest.Phone, park string) {
	p.T.Helper()
	p.Press("进度季报 2019年1-3月").Expect("计划园区").Press("➕ 添加园区").Expect("园区名称")
	p.Say(park).Expect("建设状态").Press("已开工").Expect("累计完成投资")
	p.Say("3000").Expect("入驻企业").Say("10").Expect("用地").Say("50").Expect("✔ 用地")
	p.Press("本部分填完了").Expect("全部填写完毕").Press("✅ 提交").Expect("已提交《进度季报")
}

// deskDo sends a request to the desk's API as a Telegram user.
func deskDo(t *testing.T, addr string, user int64, at time.Time, method, path string, body any) (int, string) {
	t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = strings.NewReader(string(b))
	}
	req, err := http.NewRequest(method, "http://"+addr+"/app/api/"+path, r)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "tma "+webapp.InitData(token, webapp.User{ID: user, FirstName: "测试"}, at.Add(-time.Minute)))
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestAReviewerInOneCampaignSeesNothingOfAnotherWhereSheFills: 杭州市's
// reviewer in the 2018 notice is 西湖区's filler in a quarterly return that
// invites its own people,
// where 上城区 has submitted a quarter for 杭州市's reviewers to review.
// Nothing of it reaches her: not in the chat (the list of places, /summary,
// review, summary and document buttons forged with either of her places or
// somebody else's), not on the desk (its units, returns, queue, review,
// export, with forged places and campaigns).
func TestAReviewerInOneCampaignSeesNothingOfAnotherWhereSheFills(t *testing.T) {
	h := newHarness(t)
	h.clock = time.Date(2019, 4, 8, 9, 0, 0, 0, shanghai)
	r := h.start("")
	const she, shangcheng, reviewerB = 2001, 2002, 2003
	// The quarterly keeps its own people here (roster: own): sharing the
	// roster, her role in 杭州市 would be hers there too.
	src, err := campaigns.Builtin(quarterly)
	if err != nil {
		t.Fatal(err)
	}
	src.YAML = []byte(strings.Replace(string(src.YAML), "\ntitle:", "\nroster: own\ntitle:", 1))
	if _, _, err := campaigns.Install(context.Background(), h.db, src); err != nil {
		t.Fatal(err)
	}

	p := h.fake.Phone(t, she, "赵主任")
	p.Say("/start " + h.inviteTo(campaigns.BuiltinID, "330100", dialogs.Reviewer)).Expect("欢迎！您已登记为杭州市的审核人")
	p.Say("/start " + h.inviteTo(quarterly, "330106", dialogs.Filler)).Expect("欢迎！您已登记为西湖区的填报人")
	placeA, placeB := h.place(she, campaigns.BuiltinID, "330100"), h.place(she, quarterly, "330106")
	sc := h.fake.Phone(t, shangcheng, "上城")
	sc.Say("/start " + h.inviteTo(quarterly, "330102", dialogs.Filler)).Expect("欢迎")
	fillQuarter(sc, "上城区望江小微园")
	rb := h.fake.Phone(t, reviewerB, "季报审核")
	rb.Say("/start "+h.inviteTo(quarterly, "330100", dialogs.Reviewer)).Expect("欢迎", "待您审核", "上城区")
	var subB int64
	if err := h.db.GetContext(context.Background(), &subB, `SELECT id FROM submissions WHERE campaign_id = $1 AND unit_code = '330102'`, quarterly); err != nil {
		t.Fatal(err)
	}
	otherB := h.place(reviewerB, quarterly, "330100")

	// The chat: her places say nothing of the quarterly's reviews.
	p.Say("/start").Expect("您在 2 处有填报职责", "〔2019年小微企业园建设进度季报（示例）〕西湖区 · 填报人").ExpectNot("望江", "上城区")
	p.Press("2019年小微企业园建设进度季报（示例） · 西湖区").Expect("〔2019年小微企业园建设进度季报（示例）〕", "西湖区").ExpectNot("待您审核", "上城区")
	p.Say("/summary").Expect("〔2019年小微企业园建设进度季报（示例）〕").ExpectNot("上城区", "望江")
	sid := itoa(subB)
	for _, forged := range []struct{ data, want string }{
		{dialogs.Bind(placeA, "rv:"+sid+":view"), "您无权审核这个单位的提交。"},
		{dialogs.Bind(placeA, "rv:"+sid+":ok"), "您无权审核这个单位的提交。"},
		{dialogs.Bind(placeB, "rv:"+sid+":view"), "您无权审核这个单位的提交。"},
		{dialogs.Bind(placeB, "rv:"+sid+":ok"), "您无权审核这个单位的提交。"},
		{dialogs.Bind(placeB, "fl:"+sid+":0"), "您无权审核这个单位的提交。"},
		{dialogs.Bind(placeB, "sm:330100"), "请选择要填写的表格"}, // a filler's: her own start screen
		{dialogs.Bind(placeB, "sd:330100:late"), "您只能查看本单位及下级单位的填报进度。"},
		{"rv:" + sid + ":ok", "您无权审核这个单位的提交。"}, // unbound: her current place
	} {
		// Pressed on a message that is gone, each refusal is a message of
		// its own (an edit to the same words would show nothing new).
		p.PressData(900000, forged.data).Expect(forged.want).ExpectNot("望江", "3000")
	}
	p.PressData(900000, dialogs.Bind(otherB, "rv:"+sid+":ok"))
	if !h.fake.WaitFor(5*time.Second, func() bool {
		a, ok := h.fake.Answer(p.LastCB)
		return ok && a.Text == "此按钮不属于您的填报，未执行。"
	}) {
		t.Errorf("another reviewer's button was not refused")
	}

	// The desk.
	at := h.clock
	for _, c := range []struct {
		method, path string
		body         any
		want         int
	}{
		{"GET", "desk?campaign=" + quarterly, nil, 403},
		{"GET", "desk?campaign=" + quarterly + "&unit=330100", nil, 403},
		{"GET", "desk?place=" + itoa(placeB) + "&unit=330102", nil, 403},
		{"GET", "desk?place=" + itoa(placeA) + "&campaign=" + quarterly + "&unit=330100", nil, 403},
		{"GET", "return?campaign=" + quarterly + "&unit=330102&form=progress.2019q1", nil, 403},
		{"GET", "return?place=" + itoa(placeA) + "&unit=330102&form=progress.2019q1", nil, 404}, // not a form of 2018's
		{"POST", "download?campaign=" + quarterly, map[string]any{"unit": "330100"}, 403},
		{"GET", "chart?campaign=" + quarterly + "&unit=330100", nil, 403},
		{"GET", "timeline?campaign=" + quarterly + "&unit=330100", nil, 403},
		{"GET", "totals?campaign=" + quarterly + "&unit=330102", nil, 403},
		{"GET", "me?place=" + itoa(otherB), nil, 403},
		{"GET", "me?campaign=no-such-campaign", nil, 403},
		{"POST", "review?campaign=" + campaigns.BuiltinID, map[string]any{"submission": subB, "approve": true}, 403},
		{"POST", "review?campaign=" + quarterly, map[string]any{"submission": subB, "approve": true}, 403},
		{"POST", "review?campaign=" + quarterly, map[string]any{"submission": subB, "approve": false, "reason": "不对"}, 403},
		{"POST", "approve?campaign=" + quarterly, map[string]any{"submissions": []int64{subB}}, 403},
		{"GET", "desk?campaign=" + campaigns.BuiltinID + "&unit=330100", nil, 200}, // her own reviewing
	} {
		code, body := deskDo(t, r.addr, she, at, c.method, c.path, c.body)
		if code != c.want || strings.Contains(body, "望江") || strings.Contains(body, "上城区望江") {
			t.Errorf("%s %s: %d %.300s; want %d and nothing of the quarterly's reviews", c.method, c.path, code, body, c.want)
		}
	}
	code, body := deskDo(t, r.addr, she, at, "GET", "queue?campaign="+quarterly, nil)
	if code != 200 || strings.TrimSpace(body) != "[]" {
		t.Errorf("her queue in the quarterly: %d %s", code, body)
	}
	if n := h.count(`SELECT count(*) FROM submissions WHERE id = $1 AND status = 'submitted'`, subB); n != 1 {
		t.Errorf("上城区's quarter was decided by someone who may not")
	}
	if n := h.count(`SELECT count(*) FROM submission_events WHERE actor_id IN ($1, $2)`, placeA, placeB); n != 0 {
		t.Errorf("%d review events by her", n)
	}
}

// TestInvitedOnce: the quarterly return is loaded over the 2018 notice's
// units, and the people already registered there take part at once, with
// their roles, told so in the chat: nobody is invited again. Someone
// invited later to either is registered for both. 杭州市's reviewer
// removes 西湖区's filler from every campaign in one action, recorded in the
// audit log, and replaces 上城区's, whose successor is again registered for
// both with one link.
func TestInvitedOnce(t *testing.T) {
	h := newHarness(t)
	h.clock = time.Date(2019, 4, 8, 9, 0, 0, 0, shanghai)
	h.start("")
	ctx := context.Background()
	const wang, zhao, li, zhou = 3101, 3102, 3103, 3104
	w := h.fake.Phone(t, wang, "王芳")
	w.Say("/start " + h.inviteTo(campaigns.BuiltinID, "330106", dialogs.Filler)).Expect("欢迎！您已登记为西湖区的填报人").ExpectNot("无需再次邀请")
	z := h.fake.Phone(t, zhao, "赵主任")
	z.Say("/start " + h.inviteTo(campaigns.BuiltinID, "330100", dialogs.Reviewer)).Expect("欢迎！您已登记为杭州市的审核人")

	// The quarterly return is loaded: no invitation, both take part.
	src, err := campaigns.Builtin(quarterly)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := campaigns.Install(ctx, h.db, src); err != nil {
		t.Fatal(err)
	}
	w.Expect("〔2019年小微企业园建设进度季报（示例）〕\n新的填报已开始：《2019年小微企业园建设进度季报（示例）》。您是西湖区的填报人，沿用已有的登记，无需再次邀请。")
	z.Expect("新的填报已开始", "您是杭州市的审核人")
	w.Press("进入").Expect("进度季报 小微企业园建设进度（2019年1-3月）")
	fillQuarter(w, "西湖区留下小微企业园")
	z.Expect("〔2019年小微企业园建设进度季报（示例）〕", "待审核", "西湖区").Press("✅ 通过").Expect("已通过")
	if n := h.count(`SELECT count(*) FROM invites WHERE campaign_id = $1`, quarterly); n != 0 {
		t.Errorf("%d invites for the quarterly", n)
	}

	// Invited later, to one of them: registered for both.
	l := h.fake.Phone(t, li, "李四")
	l.Say("/start "+h.inviteTo(campaigns.BuiltinID, "330102", dialogs.Filler)).Expect("欢迎！您已登记为上城区的填报人", "您在以下填报中也已登记为同样的职责，无需再次邀请：〔2019年小微企业园建设进度季报（示例）〕")

	// 移除: 西湖区's filler, from every campaign, in one action.
	z.Say("/invite").Expect("要邀请哪个单位的联系人？")
	z.Press("西湖区").Expect("西湖区的联系人：", "· 王芳（填报人）", "同一单位的联系人在各次填报中通用", "邀请西湖区的：")
	z.Press("移除 王芳").Expect("确定把王芳从西湖区的填报人中移除吗？此人在该单位各次填报中的职责将一并移除。")
	z.Press("✅ 确定").Expect("已把王芳从西湖区的填报人中移除（涉及 2 项填报，已记入操作日志）。")
	w.Expect("您已不再是西湖区的填报人（由杭州市 赵主任移除）。")
	if n := h.count(`SELECT count(*) FROM contacts WHERE telegram_user_id = $1 AND active`, wang); n != 0 {
		t.Errorf("王芳 keeps %d places", n)
	}
	if n := h.count(`SELECT count(*) FROM audit_log WHERE action = 'role.removed' AND unit_code = '330106' AND actor_id = $1`, h.place(zhao, quarterly, "330100")); n != 2 {
		t.Errorf("%d audit entries for the removal, want one per campaign", n)
	}
	old := w.Screen()
	w.Say("/start").Expect("只为受邀的各地联系人服务")
	// What 西湖区's answers are before the press, to the microsecond: a
	// clock window ("the last 2 seconds") also caught her own answers on a
	// slow machine.
	const answersNow = `SELECT count(*) || '/' || COALESCE(max(updated_at)::text, '') FROM answers WHERE unit_code = '330106'`
	var before, after string
	if err := h.db.GetContext(context.Background(), &before, answersNow); err != nil {
		t.Fatal(err)
	}
	w.PressData(old.ID, old.Buttons[0][0].CallbackData)
	if !h.fake.WaitFor(5*time.Second, func() bool { _, ok := h.fake.Answer(w.LastCB); return ok }) {
		t.Fatal("a removed person's press was not answered")
	}
	if err := h.db.GetContext(context.Background(), &after, answersNow); err != nil {
		t.Fatal(err)
	}
	if after != before {
		t.Errorf("a removed person's press wrote answers: %s before, %s after", before, after)
	}

	// 更换: 上城区's filler, and a link for the successor.
	z.Say("/invite").Expect("要邀请哪个单位的联系人？")
	z.Press("上城区").Expect("· 李四（填报人）")
	z.Press("更换 李四").Expect("确定更换上城区的填报人李四吗？")
	z.Press("✅ 确定").Expect("已把李四从上城区的填报人中移除（涉及 2 项填报，已记入操作日志）。请把下面的邀请链接发给接替的人", "https://t.me/")
	text := z.Text()
	tok := strings.TrimSpace(text[strings.Index(text, "start=")+len("start="):])
	successor := h.fake.Phone(t, zhou, "周五")
	successor.Say("/start "+tok).Expect("欢迎！您已登记为上城区的填报人", "〔2019年小微企业园建设进度季报（示例）〕")
	if n := h.count(`SELECT count(*) FROM contacts WHERE telegram_user_id = $1 AND active`, zhou); n != 2 {
		t.Errorf("the successor has %d places, want 2", n)
	}
	if n := h.count(`SELECT count(*) FROM contacts WHERE telegram_user_id = $1 AND active`, li); n != 0 {
		t.Errorf("the replaced one keeps %d places", n)
	}
	if n := h.count(`SELECT count(*) FROM audit_log WHERE action = 'role.replaced' AND unit_code = '330102'`); n != 2 {
		t.Errorf("%d audit entries for the replacement", n)
	}
	// Nobody manages a unit outside their subtree, nor themselves.
	z.PressData(z.Screen().ID, dialogs.Bind(h.place(zhao, campaigns.BuiltinID, "330100"), "inv:X:330100:"+strconv36(h.place(zhao, campaigns.BuiltinID, "330100"))))
	z.Expect("您只能管理本单位及下级单位的联系人。")
}

func strconv36(n int64) string { return strconv.FormatInt(n, 36) }
