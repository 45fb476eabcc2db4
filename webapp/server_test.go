package webapp_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"tianbao/dialogs/dialogtest"
	"tianbao/store/storetest"
	"tianbao/webapp"
)

func TestMain(m *testing.M) { storetest.Main(m) }

const botToken = "5550001:AAF-desk-test"

var now = time.Date(2018, 12, 2, 10, 0, 0, 0, dialogtest.Shanghai)

// Telegram users of the seed's contacts.
const (
	userHangzhou = 1001 // reviewer of 杭州市
	userNingbo   = 1002 // reviewer of 宁波市
	userProvince = 1003 // admin of 浙江省
	userXihu     = 1004 // filler of 西湖区 (330106)
	userShangc   = 1005 // filler of 上城区 (330102)
	userStranger = 1009 // nobody's
)

// desk is a seeded campaign with the page served over HTTP.
type desk struct {
	t        *testing.T
	env      *dialogtest.Env
	srv      *httptest.Server
	city     *dialogtest.Chat
	xihu     *dialogtest.Chat
	shangc   *dialogtest.Chat
	province *dialogtest.Chat
	later    atomic.Int64 // how far the server's clock is ahead of env.Now (a link's lifetime passing)
}

// link makes a chat's contact the contact of a Telegram user.
func link(t testing.TB, env *dialogtest.Env, c *dialogtest.Chat, user int64) {
	t.Helper()
	if err := env.DB.LinkTelegram(context.Background(), c.ID, user); err != nil {
		t.Fatal(err)
	}
}

// newDesk: 西湖区 and 上城区 have submitted 附件3, 上城区's is approved; 西湖区
// also has a draft of 附件1; the desk is served for all of them.
func newDesk(t *testing.T, options ...func(*webapp.Server)) *desk {
	env := dialogtest.New(t, storetest.NewDB(t), now)
	d := &desk{t: t, env: env}
	d.city = env.Reviewer("330100", "杭州审核")
	nb := env.Reviewer("330200", "宁波审核")
	d.province = env.Admin("330000", "省办")
	d.xihu = env.Contact("330106", "甲")
	d.shangc = env.Contact("330102", "乙")
	for c, u := range map[*dialogtest.Chat]int64{d.city: userHangzhou, nb: userNingbo, d.province: userProvince, d.xihu: userXihu, d.shangc: userShangc} {
		link(t, env, c, u)
	}
	d.shangc.SubmitA3("2", "0", "2", "60.25", "30", "0", "0", "0", "40")
	d.city.Inbox()
	d.city.Press("✅ 通过").Expect("已通过")
	d.xihu.SubmitA3("3", "0", "2", "100", "50", "1", "5.5", "20", "100")
	d.xihu.Say("/start").Press("附件1").Say("西湖区小微企业园工作领导小组")
	s := &webapp.Server{Auth: webapp.Auth{Token: botToken}, DB: env.DB, Reg: env.Registry, Engine: env.Engine,
		Now: func() time.Time { return env.Now.Add(time.Duration(d.later.Load())) }, BotName: "tianbao_test_bot"}
	for _, o := range options {
		o(s)
	}
	mux := http.NewServeMux()
	mux.Handle("/app/", s.Handler())
	d.srv = httptest.NewServer(mux)
	t.Cleanup(d.srv.Close)
	return d
}

func (d *desk) initData(user int64) string {
	return webapp.InitData(botToken, webapp.User{ID: user, FirstName: "测试"}, d.env.Now.Add(-5*time.Minute))
}

// call makes a request to the API as user (0: unsigned) and returns the
// status and body.
func (d *desk) call(user int64, method, path string, body any) (int, []byte) {
	d.t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, d.srv.URL+"/app/api/"+path, r)
	if err != nil {
		d.t.Fatal(err)
	}
	if user != 0 {
		req.Header.Set("Authorization", "tma "+d.initData(user))
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return d.do(req)
}

func (d *desk) do(req *http.Request) (int, []byte) {
	d.t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		d.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func (d *desk) get(user int64, path string, into any) {
	d.t.Helper()
	code, b := d.call(user, "GET", path, nil)
	if code != http.StatusOK {
		d.t.Fatalf("GET %s as %d: %d %s", path, user, code, b)
	}
	if err := json.Unmarshal(b, into); err != nil {
		d.t.Fatalf("GET %s: %v in %s", path, err, b)
	}
}

// onlyError checks a refusal's body is its Chinese reason and nothing else.
func onlyError(t *testing.T, what string, b []byte) string {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(b, &v); err != nil || len(v) != 1 || v["error"] == "" {
		t.Errorf("%s: body %s, want only {\"error\": …}", what, b)
	}
	msg, _ := v["error"].(string)
	return msg
}

func TestSignedInByTelegramOrNothing(t *testing.T) {
	d := newDesk(t)
	var me webapp.Me
	d.get(userHangzhou, "me", &me)
	if me.Unit != "330100" || me.UnitName != "杭州市" || !me.Reviews || me.Bot != "tianbao_test_bot" {
		t.Errorf("me: %+v", me)
	}
	valid := d.initData(userHangzhou)
	forged := strings.Replace(valid, "1001", "1002", 1) // another user, same hash
	v, _ := url.ParseQuery(valid)
	v.Set("auth_date", "1")
	reSigned := v.Encode() // an old date under the old hash
	cases := map[string]string{
		"missing":              "",
		"forged user":          forged,
		"date changed":         reSigned,
		"expired":              webapp.InitData(botToken, webapp.User{ID: userHangzhou}, d.env.Now.Add(-61*time.Minute)),
		"signed by another":    webapp.InitData("42:other-bot", webapp.User{ID: userHangzhou}, d.env.Now),
		"not a contact":        webapp.InitData(botToken, webapp.User{ID: userStranger}, d.env.Now),
		"garbage":              "hash=zz&user=%7B%7D",
		"query string instead": "",
	}
	for name, data := range cases {
		for _, path := range []string{"me", "desk?unit=330100", "return?unit=330106&form=a3", "queue"} {
			req, _ := http.NewRequest("GET", d.srv.URL+"/app/api/"+path, nil)
			if data != "" {
				req.Header.Set("Authorization", "tma "+data)
			}
			code, b := d.do(req)
			if code != http.StatusUnauthorized {
				t.Errorf("%s, %s: %d %s, want 401", name, path, code, b)
				continue
			}
			if msg := onlyError(t, name, b); !strings.Contains(msg, "请从机器人重新打开工作台") && !strings.Contains(msg, "邀请") {
				t.Errorf("%s: %q", name, msg)
			}
		}
	}
	// The sign-in travels in the header only: in the address it is no
	// sign-in at all, on any route.
	for _, path := range []string{"me", "queue", "desk?unit=330100", "chart?unit=330100"} {
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		code, _ := d.do(mustRequest(t, d.srv.URL+"/app/api/"+path+sep+"tma="+url.QueryEscape(valid)))
		if code != http.StatusUnauthorized {
			t.Errorf("initData in the address of %s: %d", path, code)
		}
	}
}

func mustRequest(t *testing.T, u string) *http.Request {
	req, err := http.NewRequest("GET", u, nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// TestRightsAreTheChats: a reviewer sees their subtree and nothing else; a
// filler their own unit; exactly as the chat allows.
func TestRightsAreTheChats(t *testing.T) {
	d := newDesk(t)
	for _, c := range []struct {
		user int64
		path string
		want int
	}{
		{userHangzhou, "desk?unit=330100", 200},
		{userHangzhou, "desk?unit=330106", 200},
		{userHangzhou, "desk?unit=330200", 403}, // 宁波市
		{userHangzhou, "desk?unit=330000", 403}, // above
		{userHangzhou, "return?unit=330106&form=a3", 200},
		{userHangzhou, "return?unit=330203&form=a3", 403}, // 宁波市海曙区
		{userHangzhou, "chart?unit=330200", 403},
		{userHangzhou, "timeline?unit=330200", 403},
		{userHangzhou, "totals?unit=330200", 403},
		{userHangzhou, "return?unit=330106&form=nosuch", 404},
		{userNingbo, "desk?unit=330100", 403},
		{userNingbo, "return?unit=330106&form=a3", 403},
		{userProvince, "desk?unit=330100", 200},
		{userProvince, "return?unit=330106&form=a3", 200},
		{userXihu, "mine", 200},
		{userXihu, "return?unit=330106&form=a3", 200},
		{userXihu, "return?unit=330102&form=a3", 403}, // another county
		{userXihu, "return?unit=330100&form=a1", 403}, // its city
		{userXihu, "desk?unit=330106", 403},           // the desk is a reviewer's
		{userXihu, "queue", 200},
		{userXihu, "chart?unit=330106", 403},
		{userXihu, "timeline?unit=330106", 403},
	} {
		code, b := d.call(c.user, "GET", c.path, nil)
		if code != c.want {
			t.Errorf("user %d GET %s: %d %s, want %d", c.user, c.path, code, b, c.want)
		}
		if code >= 400 {
			onlyError(t, c.path, b)
		}
	}
	// A download is asked for with the same rights.
	for _, c := range []struct {
		user int64
		req  map[string]string
		want int
	}{
		{userHangzhou, map[string]string{"unit": "330200", "format": "xlsx"}, 403},
		{userHangzhou, map[string]string{"unit": "330100", "format": "csv", "form": "a3"}, 200},
		{userHangzhou, map[string]string{"unit": "330100", "format": "csv"}, 400},
		{userHangzhou, map[string]string{"unit": "330100", "format": "pdf"}, 400},
		{userHangzhou, map[string]string{"unit": "330100", "form": "nosuch"}, 404},
		{userXihu, map[string]string{"unit": "330106", "format": "xlsx"}, 403},
		{userNingbo, map[string]string{"unit": "330100"}, 403},
	} {
		code, b := d.call(c.user, "POST", "download", c.req)
		if code != c.want {
			t.Errorf("user %d download %v: %d %s, want %d", c.user, c.req, code, b, c.want)
		}
		if code >= 400 {
			onlyError(t, "download", b)
		}
	}
	// A filler's queue is empty; a filler cannot decide on anything.
	var q []map[string]any
	d.get(userXihu, "queue", &q)
	if len(q) != 0 {
		t.Errorf("filler's queue: %v", q)
	}
	var cityQ []struct{ ID int64 }
	d.get(userHangzhou, "queue", &cityQ)
	if len(cityQ) != 1 {
		t.Fatalf("city's queue: %v", cityQ)
	}
	for _, u := range []int64{userXihu, userNingbo} {
		code, b := d.call(u, "POST", "review", map[string]any{"submission": cityQ[0].ID, "approve": true})
		if code != http.StatusForbidden {
			t.Errorf("user %d approving 杭州's: %d %s", u, code, b)
		}
	}
}

func TestTheDeskMatrix(t *testing.T) {
	d := newDesk(t)
	var m struct {
		Unit  struct{ Code string }
		Forms []struct{ ID, Short, Due string }
		Rows  []struct {
			Unit struct{ Code, Name string }
			Own  bool
			Late bool
			// cells
			Cells []struct{ State, Word string }
		}
		Counts []map[string]int
		Late   int
	}
	d.get(userHangzhou, "desk?unit=330100", &m)
	col := -1
	for i, f := range m.Forms {
		if f.ID == "a3" {
			col = i
		}
	}
	if col < 0 || len(m.Rows) != 14 || !m.Rows[0].Own || m.Rows[0].Unit.Code != "330100" {
		t.Fatalf("matrix: forms %v, %d rows, first %+v", m.Forms, len(m.Rows), m.Rows[0])
	}
	if got := m.Counts[col]; got["approved"] != 1 || got["submitted"] != 1 || got["none"] != 11 {
		t.Errorf("附件3 counts %v", got)
	}
	words := map[string]string{}
	for _, r := range m.Rows {
		words[r.Unit.Code] = r.Cells[col].Word
	}
	if words["330102"] != "已通过" || words["330106"] != "已提交" || words["330103"] != "未开始" || words["330100"] != "—" {
		t.Errorf("附件3 words %v", words)
	}
	// The province sees its cities, each a package to drill into.
	var p struct {
		Rows []struct {
			Unit  struct{ Code string }
			Drill bool
			Cells []struct{ State string }
		}
	}
	d.get(userProvince, "desk?unit=330000", &p)
	if len(p.Rows) != 11 || !p.Rows[0].Drill || p.Rows[0].Unit.Code != "330100" || p.Rows[0].Cells[col].State != "pkg_none" {
		t.Errorf("province: %+v", p.Rows[:2])
	}
	// Late: past the due dates, the units that have not submitted, on
	// each form; on 附件3 all but 上城区 and 西湖区.
	d.env.Now = time.Date(2018, 12, 20, 10, 0, 0, 0, dialogtest.Shanghai)
	var late struct {
		Rows []struct {
			Unit  struct{ Code string }
			Late  bool
			Cells []struct{ Late bool }
		}
		Late int
	}
	d.get(userHangzhou, "desk?unit=330100", &late)
	lateOnA3 := 0
	for _, r := range late.Rows {
		if r.Cells[col].Late {
			lateOnA3++
		}
		if r.Cells[col].Late == (r.Unit.Code == "330102" || r.Unit.Code == "330106" || r.Unit.Code == "330100") {
			t.Errorf("%s late on 附件3: %v", r.Unit.Code, r.Cells[col].Late)
		}
	}
	if lateOnA3 != 11 || late.Late != 14 {
		t.Errorf("late on 附件3: %d; units late on something: %d", lateOnA3, late.Late)
	}
}

// TestACellAsTheNoticesTable: a unit's return laid out with the notice's
// grouped headers, its history and what changed when it was resubmitted.
func TestACellAsTheNoticesTable(t *testing.T) {
	d := newDesk(t)
	// 西湖区 is returned with an item flagged, corrects it and submits again.
	var q []struct {
		ID    int64
		Items []struct{ Key, Label string }
	}
	d.get(userHangzhou, "queue", &q)
	flag := ""
	for _, it := range q[0].Items {
		if strings.Contains(it.Label, "占地") {
			flag = it.Key
		}
	}
	if code, b := d.call(userHangzhou, "POST", "review", map[string]any{"submission": q[0].ID, "approve": false, "reason": "面积有误", "flags": []string{flag}}); code != 200 || flag == "" {
		t.Fatalf("return (flag %q): %d %s", flag, code, b)
	}
	var r struct {
		State, Word string
		Version     int
		Sections    []struct {
			Header [][]struct {
				Text             string
				Colspan, Rowspan int
			}
			Rows [][]string
		}
		History []struct{ Word, At, Reason string }
		Changes []string
		Since   int
	}
	d.get(userHangzhou, "return?unit=330106&form=a3", &r)
	if r.State != "returned" || r.Word != "已退回" || r.Version != 1 || len(r.History) != 2 || r.History[1].Reason != "面积有误" {
		t.Errorf("returned: %+v", r)
	}
	d.xihu.Inbox().Expect("面积有误").Press("去修改").Say("120").Expect("全部填写完毕").Press("✅ 提交").Expect("已提交")
	r.History, r.Changes = nil, nil
	d.get(userHangzhou, "return?unit=330106&form=a3", &r)
	if r.State != "submitted" || r.Version != 2 || len(r.History) != 3 || r.Since != 1 || len(r.Changes) != 1 || !strings.Contains(r.Changes[0], "120") {
		t.Errorf("resubmitted: %+v", r)
	}
	if len(r.Sections) == 0 || len(r.Sections[0].Header) < 2 || len(r.Sections[0].Rows) != 1 {
		t.Fatalf("table: %+v", r.Sections)
	}
	grouped := false
	for _, h := range r.Sections[0].Header[0] {
		grouped = grouped || h.Colspan > 1
	}
	if !grouped {
		t.Errorf("附件3's header has no group over several columns: %+v", r.Sections[0].Header)
	}
	if row := strings.Join(r.Sections[0].Rows[0], "|"); !strings.Contains(row, "|120|") || !strings.Contains(row, "5.5") {
		t.Errorf("row %s", row)
	}
}

// TestReviewFromTheDesk: 通过 and 退回 go through the engine: the same
// checks, the same audit log, the same notices as the chat's buttons.
func TestReviewFromTheDesk(t *testing.T) {
	d := newDesk(t)
	ctx := context.Background()
	var q []struct {
		ID       int64
		Unit     string
		Form     string
		InChat   bool
		Items    []struct{ Key, Label string }
		Text     string
		UnitName string
	}
	d.get(userHangzhou, "queue", &q)
	if len(q) != 1 || q[0].Unit != "330106" || q[0].Form != "a3" || q[0].InChat || len(q[0].Items) == 0 || !strings.Contains(q[0].Text, "100") {
		t.Fatalf("queue: %+v", q)
	}
	// 退回 needs a reason.
	code, b := d.call(userHangzhou, "POST", "review", map[string]any{"submission": q[0].ID, "approve": false, "reason": "  "})
	if code != http.StatusConflict || !strings.Contains(onlyError(t, "no reason", b), "理由") {
		t.Errorf("return without a reason: %d %s", code, b)
	}
	code, b = d.call(userHangzhou, "POST", "review", map[string]any{"submission": "x"})
	if code != http.StatusBadRequest {
		t.Errorf("bad body: %d %s", code, b)
	}
	code, b = d.call(userHangzhou, "POST", "review", map[string]any{"submission": q[0].ID, "approve": true})
	if code != 200 || !strings.Contains(string(b), "已通过") {
		t.Fatalf("approve: %d %s", code, b)
	}
	var status string
	var actor int64
	if err := d.env.DB.QueryRowContext(ctx, `SELECT s.status, e.actor_id FROM submissions s JOIN submission_events e ON e.submission_id = s.id
		WHERE s.id = $1 ORDER BY e.id DESC LIMIT 1`, q[0].ID).Scan(&status, &actor); err != nil {
		t.Fatal(err)
	}
	if status != "approved" || actor != d.city.ID {
		t.Errorf("after approving: %s by %d", status, actor)
	}
	d.xihu.Inbox().Expect("审核通过")
	// Twice: already done, nothing changes.
	code, b = d.call(userHangzhou, "POST", "review", map[string]any{"submission": q[0].ID, "approve": true})
	if code != http.StatusConflict {
		t.Errorf("approve twice: %d %s", code, b)
	}
	// The province's queue is empty until 杭州市 forwards; the chat's queue
	// and the page's are the same list.
	d.get(userHangzhou, "queue", &q)
	if len(q) != 0 {
		t.Errorf("queue after approving: %+v", q)
	}

	// 退回 with a reason and flagged items, as the chat's.
	d.env.Contact("330103", "丙").SubmitA3("1", "0", "1", "10", "5", "0", "0", "0", "5")
	d.get(userHangzhou, "queue", &q)
	if len(q) != 1 {
		t.Fatalf("queue: %+v", q)
	}
	flag := q[0].Items[0]
	code, b = d.call(userHangzhou, "POST", "review", map[string]any{"submission": q[0].ID, "approve": false, "reason": "占地面积与附件2不一致", "flags": []string{flag.Key}})
	if code != 200 || !strings.Contains(string(b), "退回") {
		t.Fatalf("return: %d %s", code, b)
	}
	var reason string
	if err := d.env.DB.QueryRowContext(ctx, `SELECT s.status, e.reason FROM submissions s JOIN submission_events e ON e.submission_id = s.id
		WHERE s.id = $1 ORDER BY e.id DESC LIMIT 1`, q[0].ID).Scan(&status, &reason); err != nil {
		t.Fatal(err)
	}
	if status != "returned" || reason != "占地面积与附件2不一致" {
		t.Errorf("after returning: %s %q", status, reason)
	}
	xc := d.env.Contact("330103", "丙")
	xc.Inbox().Expect("占地面积与附件2不一致", flag.Label)
	// The reviewer's chat is where it was.
	d.city.Say("/start").Expect("杭州市")
}

// TestAFillersUnit: each form's state, progress and table, and 去修改 sends
// the question to the chat.
func TestAFillersUnit(t *testing.T) {
	d := newDesk(t)
	var forms []struct {
		ID, Name, Progress string
		Return             struct {
			State    string
			Sections []struct{ Rows [][]string }
		}
		Fields []struct{ Section, Field, Label string }
	}
	d.get(userXihu, "mine", &forms)
	byID := map[string]int{}
	for i, f := range forms {
		byID[f.ID] = i
	}
	a3, a1 := forms[byID["a3"]], forms[byID["a1"]]
	if a3.Return.State != "submitted" || len(a3.Fields) != 0 || len(a3.Return.Sections[0].Rows) != 1 {
		t.Errorf("附件3: %+v", a3)
	}
	if a1.Return.State != "draft" || a1.Progress != "1/5" || len(a1.Fields) != 5 {
		t.Fatalf("附件1: %+v", a1)
	}
	code, b := d.call(userXihu, "POST", "goto", map[string]string{"Form": "a1", "Section": a1.Fields[3].Section, "Field": a1.Fields[3].Field})
	if code != 200 || !strings.Contains(string(b), "对话") {
		t.Fatalf("goto: %d %s", code, b)
	}
	d.xihu.Inbox().Expect(a1.Fields[3].Label)
	// Typing now answers that question.
	d.xihu.Say("王五").Expect("✔ " + a1.Fields[3].Label + "：王五")
	// A list's rows (附件2's parks) each open at their first question.
	d.xihu.Say("/start").Press("附件2").Press("➕ 添加园区").Say("西湖创业园").Say("三墩镇西园八路 1 号").Press("生产制造类").Say("智能装备").
		Press("政府主导开发").Say("50").Say("6").Say("2019-06")
	var again []struct {
		ID     string
		Return struct{ Sections []struct{ Rows [][]string } }
		Fields []struct{ Section, Row, Field, Label string }
	}
	d.get(userXihu, "mine", &again)
	for _, f := range again {
		if f.ID != "a2" {
			continue
		}
		if len(f.Fields) != 1 || f.Fields[0].Row == "" || !strings.Contains(f.Fields[0].Label, "第 1 个园区「西湖创业园」") {
			t.Fatalf("附件2's ways back: %+v", f.Fields)
		}
		if len(f.Return.Sections[0].Rows) != 1 || f.Return.Sections[0].Rows[0][1] != "西湖创业园" {
			t.Errorf("附件2's parks as rows: %+v", f.Return.Sections)
		}
		x := f.Fields[0]
		if code, b := d.call(userXihu, "POST", "goto", map[string]string{"Form": "a2", "Section": x.Section, "Row": x.Row, "Field": x.Field}); code != 200 {
			t.Fatalf("goto a park: %d %s", code, b)
		}
		d.xihu.Inbox().Expect("当前答案：西湖创业园")
	}
	code, _ = d.call(userXihu, "POST", "goto", map[string]string{"Form": "a5"})
	if code != http.StatusForbidden { // 附件5 is the province's
		t.Errorf("goto another level's form: %d", code)
	}
}

func TestThePageIsOneSmallFile(t *testing.T) {
	d := newDesk(t)
	resp, err := http.Get(d.srv.URL + "/app/")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") || !resp.Uncompressed {
		t.Fatalf("page: %d %s, gzipped %v", resp.StatusCode, resp.Header.Get("Content-Type"), resp.Uncompressed)
	}
	if len(b) > 200<<10 {
		t.Errorf("page is %d bytes", len(b))
	}
	page := string(b)
	for _, bad := range []string{"/*TEXTS*/", `src="http`, `href="http`, "@import", "cdn"} {
		if strings.Contains(strings.ReplaceAll(page, `href="https://t.me/`, ""), bad) {
			t.Errorf("page has %q", bad)
		}
	}
	if !strings.Contains(page, `"tabDesk":"进度"`) || !strings.Contains(page, `"approved":"已通过"`) {
		t.Error("the catalogue's words are not in the page")
	}
	t.Logf("page: %d bytes", len(b))
}
