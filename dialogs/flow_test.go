package dialogs_test

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"

	"tianbao/campaign"
	"tianbao/campaigns"
	"tianbao/dialogs"
	"tianbao/dialogs/dialogtest"
	"tianbao/store"
	"tianbao/store/storetest"
)

func TestA3CountWithoutAreaIsSoft(t *testing.T) {
	env := newEnv(t)
	c := env.Contact("330106", "张三")
	c.Say("/start").Press("附件3").Say("2").Say("0").Say("2").
		Say("0").Expect("生产制造类园区数量为 2 个，占地面积为 0 亩，两者一个为 0 一个不为 0，请确认。").
		Press("确认无误").Say("10").Say("0").
		Say("5").Expect("生产性服务等其他类园区数量为 0 个，建筑面积为 5 万平米，两者一个为 0 一个不为 0，请确认。").
		Press("重新输入").Expect("建筑面积（万平米）").Say("0").ExpectNot("请确认").Expect("入小微园企业数（家）")
}

func TestBackSkipCancelAndHints(t *testing.T) {
	env := newEnv(t)
	c := env.Contact("330106", "张三")
	c.Say("随便说点什么").Expect("现在没有待回答的问题", "请选择要填写的表格")
	c.Say("/nosuch").Expect("没有这个命令")
	c.Press("附件1").Say("/back").Expect("这已经是第一项了。", "机构名称（第 1/5 项）")
	c.Say("/skip").Expect("「机构名称」是必填项，不能跳过。")
	c.Say("西湖区小微企业园工作联席会议").Say("王建国").
		Say("/back").Expect("召集人（组长）姓名（第 2/5 项）", "当前答案：王建国").
		Press("保留当前答案").Expect("召集人（组长）职务（第 3/5 项）").
		Say("/back").Say("/back").Expect("机构名称（第 1/5 项）", "当前答案：西湖区小微企业园工作联席会议")
	c.Say("/cancel").Expect("已离开此表，草稿已保存，随时可以继续。", "草稿 2/5")
	// Reopening resumes at the first unanswered field.
	c.Press("附件1").Expect("召集人（组长）职务（第 3/5 项）")
	// A file where none is asked, and /help with the office's contacts.
	c.Upload("x.pdf", []byte("%PDF-1.4")).Expect("现在不需要上传文件。", "召集人（组长）职务")
	c.Say("/help").Expect("陈婧绮", "0571-87059132", "zjjxwqycxc@163.com", "召集人（组长）职务")
	// A city cannot open a county-only form, whatever the button says.
	city := env.Contact("330100", "李四")
	city.Say("/start")
	data := strings.Replace(mustButton(t, city, "附件1").Data, "of:0", "of:2", 1) // a3 is the campaign's third form
	city.Send(dialogs.Input{Button: data}).Expect("本单位不需要填写此表。")
}

func mustButton(t *testing.T, c *dialogtest.Chat, label string) dialogs.Button {
	t.Helper()
	b, ok := c.Button(label)
	if !ok {
		t.Fatalf("no button %q in %v", label, c.Labels())
	}
	return b
}

func TestStaleAndForgedButtons(t *testing.T) {
	env := newEnv(t)
	c := env.Contact("330106", "张三")
	c.Say("/start")
	old := mustButton(t, c, "附件3")
	c.Press("附件3").Say("5")
	// The start screen's form button opens its form whenever, where the
	// draft stands; a button of a screen that has moved on (the start
	// screen's first number, as such buttons were once made) is stale:
	// nothing changes, the current question comes again with a notice.
	c.Send(dialogs.Input{Button: old.Data}).Expect("改造提升（家）（第 2/9 项）")
	if c.Last[0].Notice != "" {
		t.Errorf("a start screen's button again: notice %q", c.Last[0].Notice)
	}
	c.Send(dialogs.Input{Button: "1:open:2"})
	if c.Last[0].Notice != "此按钮已失效，请按最新的提问操作。" || c.Last[0].Replace {
		t.Errorf("stale press: notice %q, replace %v", c.Last[0].Notice, c.Last[0].Replace)
	}
	c.Expect("改造提升（家）（第 2/9 项）")
	for _, forged := range []string{"garbage", "99999:open:a3", "", ":", "1:submit"} {
		c.Send(dialogs.Input{Button: forged + "x"}).Expect("改造提升（家）（第 2/9 项）")
	}
	// The current screen number with an action that screen does not have.
	var seq string
	if err := env.DB.GetContext(context.Background(), &seq, `SELECT state->>'seq' FROM sessions WHERE contact_id = $1`, c.ID); err != nil {
		t.Fatal(err)
	}
	for _, action := range []string{"submit", "open:a1", "choice:1", "edit:main:built"} {
		c.Send(dialogs.Input{Button: seq + ":" + action}).Expect("改造提升（家）（第 2/9 项）")
		if err := env.DB.GetContext(context.Background(), &seq, `SELECT state->>'seq' FROM sessions WHERE contact_id = $1`, c.ID); err != nil {
			t.Fatal(err)
		}
	}
	var n int
	if err := env.DB.GetContext(context.Background(), &n, `SELECT count(*) FROM answers WHERE unit_code = '330106'`); err != nil || n != 1 {
		t.Errorf("answers after forged presses: %d, %v", n, err)
	}
}

func TestResumeInNewEngine(t *testing.T) {
	db := storetest.NewDB(t)
	first := dialogtest.New(t, db, now)
	c := first.Contact("330106", "张三")
	c.Say("/start").Press("附件2").Press("➕ 添加园区").Say("西湖创业园").Say("三墩镇 1 号").Press("生产制造类")
	// A new process days later: a new registry and engine on the same database.
	later := dialogtest.New(t, db, now.AddDate(0, 0, 2))
	again := later.Contact("330106", "张三")
	if again.ID != c.ID {
		t.Fatalf("the same unit and name made a new contact")
	}
	// The answer typed continues the row: the question right above heads
	// it, so the next one comes without the form's head; shown anew, with it.
	again.Say("智能装备").Expect("✔ 主导产业：智能装备", "开发建设模式（第 5/8 项）").ExpectNot("可建成 · 第 1 个园区")
	again.Send(dialogs.Input{}).Expect("附件2 · 可建成 · 第 1 个园区", "开发建设模式（第 5/8 项）")
}

// orderCampaign has one form of eight plain text fields and no rules, so
// that any answer fits any question.
const orderCampaign = `id: order-test
title: 顺序测试
units: {file: units.tsv, root: {code: "330000", name: 浙江省}}
forms:
  - id: f
    title: 表
    levels: [county]
    due: {county: "2018-12-05"}
    sections:
      - id: main
        kind: record
        fields:
          - {id: f1, label: 一, type: text}
          - {id: f2, label: 二, type: text}
          - {id: f3, label: 三, type: text}
          - {id: f4, label: 四, type: text}
          - {id: f5, label: 五, type: text}
          - {id: f6, label: 六, type: text}
          - {id: f7, label: 七, type: text}
          - {id: f8, label: 八, type: text}
`

// installOrderCampaign installs orderCampaign over 西湖区 alone.
func installOrderCampaign(t *testing.T, env *dialogtest.Env) {
	t.Helper()
	src := &campaign.Source{Name: "order.yaml", YAML: []byte(orderCampaign),
		Files: map[string][]byte{"units.tsv": []byte("city_code\tcity\tcounty_code\tcounty\n330100\t杭州市\t330106\t西湖区\n")}}
	if _, _, err := campaigns.Install(context.Background(), env.DB, src); err != nil {
		t.Fatal(err)
	}
}

func TestConcurrentInputsApplyInOrder(t *testing.T) {
	env := newEnv(t)
	ctx := context.Background()
	installOrderCampaign(t, env)
	c := env.ContactIn("order-test", "330106", "张三")
	c.Say("/start").Press("表")
	// Eight answers at once from eight goroutines: each is applied, one at a
	// time, to the question open when it gets the session; none is lost.
	const n = 8
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(v int) {
			defer wg.Done()
			_, err := env.Engine.Handle(ctx, dialogs.Input{ContactID: c.ID, Text: fmt.Sprint("v", v)})
			errs <- err
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	var values []string
	if err := env.DB.SelectContext(ctx, &values, `SELECT value FROM answers WHERE campaign_id = 'order-test' ORDER BY field_id`); err != nil {
		t.Fatal(err)
	}
	sorted := append([]string(nil), values...)
	sort.Strings(sorted)
	if strings.Join(sorted, ",") != "v0,v1,v2,v3,v4,v5,v6,v7" {
		t.Fatalf("answers %v: want each of v0..v7 exactly once", values)
	}
	var rev int
	if err := env.DB.GetContext(ctx, &rev, `SELECT revision FROM drafts WHERE campaign_id = 'order-test'`); err != nil || rev != n {
		t.Errorf("draft revision %d (%v), want %d: inputs were not applied one after another", rev, err, n)
	}
	// The order the answers landed in is the order of the audit log.
	var audited []string
	if err := env.DB.SelectContext(ctx, &audited, `SELECT new_value FROM audit_log WHERE campaign_id = 'order-test' ORDER BY id`); err != nil {
		t.Fatal(err)
	}
	var byField []string
	if err := env.DB.SelectContext(ctx, &byField, `SELECT a.new_value FROM audit_log a WHERE campaign_id = 'order-test' ORDER BY substr(target, 8)`); err != nil {
		t.Fatal(err)
	}
	if strings.Join(audited, ",") != strings.Join(byField, ",") {
		t.Errorf("answers were applied out of order: by time %v, by field %v", audited, byField)
	}
	c.Send(dialogs.Input{}).Expect("请核对已填内容", "全部填写完毕")
	// Racing for one session, most answers found it changed since they
	// read it and were applied again under its lock.
	if env.Turns.Locked.Load() == 0 {
		t.Errorf("eight inputs racing for one session never fell back to locks")
	}
}

func TestBackupContactsShareDraft(t *testing.T) {
	env := newEnv(t)
	a := env.Contact("330106", "张三")
	b := env.Contact("330106", "王五") // a backup contact of the same unit
	a.Say("/start").Press("附件1").Say("西湖区小微企业园工作联席会议")
	b.Say("/start").Expect("草稿 1/5").Press("附件1").Expect("召集人（组长）姓名（第 2/5 项）").Say("王建国")
	// Each keeps their own place in the dialog; the answers are the unit's.
	a.Say("王建国").Expect("召集人（组长）职务")
	other := env.Contact("330102", "赵六")
	other.Say("/start").Expect("上城区")
	if other.Labels()[0] != "附件1（未开始）" {
		t.Errorf("another unit's form state: %v", other.Labels())
	}
	if got := csvOf(t, env, "330102", "a1"); strings.Contains(got, "西湖") {
		t.Errorf("another unit sees 西湖区's answers: %s", got)
	}
}

// TestBackupsAnsweringAtOnceLoseNothing has eight contacts of one unit
// answer the same question at the same moment. The unit's draft is locked
// for each answer, and each answer must see the one before it: the audit
// log's old values chain exactly through the new ones.
func TestBackupsAnsweringAtOnceLoseNothing(t *testing.T) {
	env := newEnv(t)
	ctx := context.Background()
	installOrderCampaign(t, env)
	const n = 8
	var chats []*dialogtest.Chat
	for i := 0; i < n; i++ {
		c := env.ContactIn("order-test", "330106", fmt.Sprint("联系人", i))
		c.Say("/start").Press("表").Expect("一（第 1/8 项）")
		chats = append(chats, c)
	}
	for round := 0; round < 3; round++ {
		var wg sync.WaitGroup
		for i, c := range chats {
			wg.Add(1)
			go func(i int, c *dialogtest.Chat) {
				defer wg.Done()
				if _, err := env.Engine.Handle(ctx, dialogs.Input{ContactID: c.ID, Text: fmt.Sprintf("r%d-c%d", round, i)}); err != nil {
					t.Error(err)
				}
			}(i, c)
		}
		wg.Wait()
	}
	type entry struct {
		Target string  `db:"target"`
		Old    *string `db:"old_value"`
		New    string  `db:"new_value"`
	}
	var log []entry
	if err := env.DB.SelectContext(ctx, &log, `SELECT target, old_value, new_value FROM audit_log WHERE campaign_id = 'order-test' ORDER BY id`); err != nil {
		t.Fatal(err)
	}
	if len(log) != 3*n {
		t.Fatalf("%d audit entries, want %d", len(log), 3*n)
	}
	last := map[string]string{}
	for _, e := range log {
		prev, seen := last[e.Target]
		switch {
		case !seen && e.Old != nil:
			t.Errorf("%s: first change claims old value %q", e.Target, *e.Old)
		case seen && (e.Old == nil || *e.Old != prev):
			t.Errorf("%s: change %q saw old value %v, but the value was %q: an update was lost", e.Target, e.New, e.Old, prev)
		}
		last[e.Target] = e.New
	}
	var stored []struct {
		Field string `db:"field_id"`
		Value string `db:"value"`
	}
	if err := env.DB.SelectContext(ctx, &stored, `SELECT field_id, value FROM answers WHERE campaign_id = 'order-test'`); err != nil {
		t.Fatal(err)
	}
	for _, s := range stored {
		if last["main//"+s.Field] != s.Value {
			t.Errorf("%s holds %q, the last audited change was %q", s.Field, s.Value, last["main//"+s.Field])
		}
	}
}

func TestInputWithKeyAppliedOnce(t *testing.T) {
	env := newEnv(t)
	ctx := context.Background()
	c := env.Contact("330106", "张三")
	c.Say("/start").Press("附件3")
	first, err := env.Engine.Handle(ctx, dialogs.Input{ContactID: c.ID, Text: "5", Key: "tg:42"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = env.Engine.Handle(ctx, dialogs.Input{ContactID: c.ID, Text: "5", Key: "tg:42"})
	var dup *dialogs.DuplicateError
	if !errors.As(err, &dup) {
		t.Fatalf("second delivery: %v", err)
	}
	if len(dup.Replies) != len(first) || dup.Replies[0].Text != first[0].Text || dup.Sent {
		t.Errorf("recorded replies differ: %+v vs %+v", dup.Replies, first)
	}
	c.Send(dialogs.Input{}).Expect("改造提升（家）（第 2/9 项）") // not 第 3/9: applied once
	if err := env.DB.MarkSent(ctx, []string{"tg:42"}); err != nil {
		t.Fatal(err)
	}
	if _, err = env.Engine.Handle(ctx, dialogs.Input{ContactID: c.ID, Text: "5", Key: "tg:42"}); !errors.As(err, &dup) || !dup.Sent {
		t.Errorf("after MarkSent: %v", err)
	}
}

// TestAnswersTakeTheOptimisticPath: opening a form, answering its fields
// and submitting it are each written in one statement without locks (the
// first answer creates the draft; the submission is numbered by one read
// and written with the draft).
func TestAnswersTakeTheOptimisticPath(t *testing.T) {
	env := newEnv(t)
	ctx := context.Background()
	c := env.Contact("330106", "张三")
	c.Say("/start").Press("附件3")
	c.Say("2")
	var revision int
	if err := env.DB.GetContext(ctx, &revision, `SELECT revision FROM drafts WHERE unit_code = '330106' AND form_id = 'a3'`); err != nil || revision != 1 {
		t.Fatalf("after the first answer the draft has revision %d (%v), want 1", revision, err)
	}
	for _, v := range []string{"0", "2", "100", "50", "0", "0", "0", "100"} {
		c.Say(v)
	}
	c.Expect("全部填写完毕")
	if got := env.Turns.Optimistic.Load(); got != 11 {
		t.Errorf("start, open and 9 answers: %d optimistic turns, want 11", got)
	}
	if got := env.Turns.Locked.Load(); got != 0 {
		t.Errorf("%d locked turns before submitting", got)
	}
	c.Press("✅ 提交").Expect("已提交《附件3 2018-2022年小微企业园建设规划目标》（第 1 版）")
	if got := env.Turns.Locked.Load(); got != 0 {
		t.Errorf("submitting: %d locked turns", got)
	}
	if s := status(t, env.DB, "330106", "a3"); s != "submitted" {
		t.Errorf("status %s", s)
	}
	var history []string
	if err := env.DB.SelectContext(ctx, &history, `SELECT s.version || ':' || e.status || ':' || (a.id IS NOT NULL)::text
		FROM submissions s JOIN submission_events e ON e.submission_id = s.id
		LEFT JOIN audit_log a ON a.action = 'submission.submitted' AND a.unit_code = s.unit_code
		WHERE s.unit_code = '330106'`); err != nil || strings.Join(history, ",") != "1:submitted:true" {
		t.Errorf("submission, event, audit: %v %v", history, err)
	}
}

// TestBackupsSubmitAtOnce: two contacts of a unit press 提交 at the same
// moment. One submission (version 1) is made, with one review request to
// the city; the other press finds the form submitted.
func TestBackupsSubmitAtOnce(t *testing.T) {
	env := newEnv(t)
	ctx := context.Background()
	a := env.Contact("330106", "张三")
	b := env.Contact("330106", "王五")
	city := env.Reviewer("330100", "李审核")
	fillA3(a, "2")
	b.Say("/start").Press("附件3（草稿 9/9）").Expect("全部填写完毕")
	pressA, _ := a.Button("✅ 提交")
	pressB, _ := b.Button("✅ 提交")
	var wg sync.WaitGroup
	for _, p := range []struct {
		c    *dialogtest.Chat
		data string
	}{{a, pressA.Data}, {b, pressB.Data}} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := env.Engine.Handle(ctx, dialogs.Input{ContactID: p.c.ID, Button: p.data}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	var versions []int
	if err := env.DB.SelectContext(ctx, &versions, `SELECT version FROM submissions WHERE unit_code = '330106' ORDER BY version`); err != nil {
		t.Fatal(err)
	}
	if len(versions) != 1 || versions[0] != 1 {
		t.Fatalf("submissions %v, want one, version 1", versions)
	}
	var requests int
	if err := env.DB.GetContext(ctx, &requests, `SELECT count(*) FROM outbox WHERE contact_id = $1 AND kind = 'review'`, city.ID); err != nil || requests != 1 {
		t.Errorf("%d review requests (%v), want 1", requests, err)
	}
	if s := status(t, env.DB, "330106", "a3"); s != "submitted" {
		t.Errorf("status %s", s)
	}
}

// TestConcurrentScreensLoseNoSessionUpdate: inputs that change only the
// session (each /start shows a new screen, numbered) racing for one
// contact; each must see the one before it, so the screen number rises by
// exactly the number of inputs.
func TestConcurrentScreensLoseNoSessionUpdate(t *testing.T) {
	env := newEnv(t)
	ctx := context.Background()
	c := env.Contact("330106", "张三")
	c.Say("/start")
	seq := func() int {
		var n int
		if err := env.DB.GetContext(ctx, &n, `SELECT (state->>'seq')::int FROM sessions WHERE contact_id = $1`, c.ID); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := seq()
	const n = 16
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := env.Engine.Handle(ctx, dialogs.Input{ContactID: c.ID, Text: "/start"}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if got := seq() - before; got != n {
		t.Errorf("%d screens shown, the session counted %d: a session update was lost", n, got)
	}
}

// TestSameInputDeliveredTwiceAtOnce: two replicas handed the same update at
// the same moment apply it once; the other learns it was a duplicate.
func TestSameInputDeliveredTwiceAtOnce(t *testing.T) {
	env := newEnv(t)
	ctx := context.Background()
	c := env.Contact("330106", "张三")
	c.Say("/start").Press("附件3")
	const n = 8
	var wg sync.WaitGroup
	var mu sync.Mutex
	applied, duplicates := 0, 0
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := env.Engine.Handle(ctx, dialogs.Input{ContactID: c.ID, Text: "5", Key: "tg:77"})
			var dup *dialogs.DuplicateError
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				applied++
			case errors.As(err, &dup):
				duplicates++
			default:
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if applied != 1 || duplicates != n-1 {
		t.Fatalf("applied %d times, %d duplicates", applied, duplicates)
	}
	c.Send(dialogs.Input{}).Expect("改造提升（家）（第 2/9 项）")
}

// TestOptimisticTurnSeesWhatChangedMeanwhile runs a turn against the store
// and, while it is between its read and its write, lets a backup contact
// answer. The turn's write must fail and the turn run again (locked), now
// seeing the backup's answer: once for a draft that did not exist when the
// turn read it (the backup creates it), once for one that did.
func TestOptimisticTurnSeesWhatChangedMeanwhile(t *testing.T) {
	env := newEnv(t)
	ctx := context.Background()
	installOrderCampaign(t, env)
	a := env.ContactIn("order-test", "330106", "甲")
	b := env.ContactIn("order-test", "330106", "乙")
	a.Say("/start").Press("表")
	b.Say("/start").Press("表")
	turns := &store.TurnCounts{}
	dl := store.Dialogs{DB: env.DB, Counts: turns}
	for i, backup := range []string{"乙先答", "乙又答"} {
		attempts := 0
		var sawOld string
		err := dl.WithContact(ctx, a.ID, dialogs.RouteDirect, "", func(tx dialogs.Tx, c *dialogs.Contact, s *dialogs.Session) error {
			attempts++
			d, err := tx.Draft(ctx, "order-test", "330106", "f")
			if err != nil {
				return err
			}
			if attempts == 1 {
				b.Say(backup) // answers f1 (first round) or f2 (second), then moves on
			}
			sawOld, _ = d.Value("main", "", "f"+fmt.Sprint(i+1))
			d.Set("main", "", "f"+fmt.Sprint(i+1), "甲改")
			return tx.Save(ctx, c, s, d, "", nil)
		})
		if err != nil {
			t.Fatal(err)
		}
		if attempts != 2 || sawOld != backup {
			t.Errorf("round %d: %d attempts, the last saw %q: want 2 attempts, the second seeing %q", i, attempts, sawOld, backup)
		}
	}
	if turns.Optimistic.Load() != 0 || turns.Locked.Load() != 2 {
		t.Errorf("turns: %d optimistic, %d locked", turns.Optimistic.Load(), turns.Locked.Load())
	}
}

// TestRememberedTurnIsCheckedBeforeItIsShown: a contact's last turn is kept
// so the next one need not read, but what it shows must be current. A
// backup answers the field this contact answered; this contact then goes
// back to it and must see the backup's answer, not the one it remembers.
func TestRememberedTurnIsCheckedBeforeItIsShown(t *testing.T) {
	env := newEnv(t)
	a := env.Contact("330106", "张三")
	b := env.Contact("330106", "王五")
	a.Say("/start").Press("附件1").Say("西湖区小微企业园工作联席会议").Expect("召集人（组长）姓名（第 2/5 项）")
	b.Say("/start").Press("附件1").Expect("召集人（组长）姓名（第 2/5 项）").Say("/back").Expect("当前答案：西湖区小微企业园工作联席会议")
	b.Say("西湖区小微企业园领导小组")
	cached := env.Turns.Cached.Load()
	a.Say("/back").Expect("机构名称（第 1/5 项）", "当前答案：西湖区小微企业园领导小组")
	if env.Turns.Cached.Load() != cached {
		t.Errorf("the stale remembered turn was used")
	}
	// Undisturbed, the next turns need no read.
	a.Press("保留当前答案").Say("王建国").Expect("召集人（组长）职务（第 3/5 项）")
	if got := env.Turns.Cached.Load() - cached; got != 2 {
		t.Errorf("%d of 2 undisturbed turns used the remembered one", got)
	}
}

// TestBackupAnswersAfterSubmission: a backup still on a question when the
// form was submitted from another phone cannot change it.
func TestBackupAnswersAfterSubmission(t *testing.T) {
	env := newEnv(t)
	ctx := context.Background()
	a := env.Contact("330106", "张三")
	b := env.Contact("330106", "王五")
	b.Say("/start").Press("附件3").Expect("新建成（家）（第 1/9 项）")
	fillA3(a, "2")
	a.Press("✅ 提交").Expect("已提交")
	b.Say("7").Expect("本单位已提交此表，这次的输入没有保存。", "已提交，正在等待审核，暂时不能修改")
	var v string
	if err := env.DB.GetContext(ctx, &v, `SELECT value FROM answers WHERE unit_code = '330106' AND form_id = 'a3' AND field_id = 'built'`); err != nil || v != "2" {
		t.Errorf("the submitted answer is %q (%v), want 2", v, err)
	}
	// Commands still work.
	b.Say("/start").Expect("请选择要填写的表格")
}

// TestRememberedNoDraftIsChecked: a contact's home screen showed that the
// unit had no 附件3 yet; a backup then starts it. Opening it from the
// remembered screen must show the backup's answer, not an empty form.
func TestRememberedNoDraftIsChecked(t *testing.T) {
	env := newEnv(t)
	a := env.Contact("330106", "张三")
	b := env.Contact("330106", "王五")
	a.Say("/start").Expect("附件3 2018-2022年小微企业园建设规划目标\n    未开始")
	b.Say("/start").Press("附件3").Say("5").Expect("改造提升（家）（第 2/9 项）")
	cached := env.Turns.Cached.Load()
	a.Press("附件3").Expect("改造提升（家）（第 2/9 项）")
	if env.Turns.Cached.Load() != cached {
		t.Errorf("the stale remembered home screen was used")
	}
	// Undisturbed, opening a form from a remembered home screen is one
	// statement, as is the answer after it.
	c := env.Contact("330102", "赵六")
	c.Say("/start")
	cached = env.Turns.Cached.Load()
	c.Press("附件3").Expect("新建成（家）（第 1/9 项）").Say("1").Expect("改造提升（家）（第 2/9 项）")
	if got := env.Turns.Cached.Load() - cached; got != 2 {
		t.Errorf("%d of 2 turns started from the remembered one", got)
	}
}
