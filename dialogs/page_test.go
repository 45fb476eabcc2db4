package dialogs_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"tianbao/dialogs"
	"tianbao/dialogs/dialogtest"
)

// pageCell finds a cell of a page's form.
func pageCell(t *testing.T, p *dialogs.PageForm, section, row, field string) dialogs.PageCell {
	t.Helper()
	for _, s := range p.Sections {
		if s.ID != section {
			continue
		}
		for _, r := range s.Rows {
			if r.Key != row {
				continue
			}
			for _, c := range r.Cells {
				if c.Field == field {
					return c
				}
			}
		}
	}
	t.Fatalf("no cell %s/%s/%s in %+v", section, row, field, p.Sections)
	return dialogs.PageCell{}
}

// set types text into a cell of the contact's form on the page.
func set(t *testing.T, env *dialogtest.Env, c *dialogtest.Chat, e dialogs.PageEdit) *dialogs.PageResult {
	t.Helper()
	res, err := env.Engine.PageSet(context.Background(), c.ID, e)
	if err != nil {
		t.Fatalf("page set %+v: %v", e, err)
	}
	return res
}

// TestPageCellsCheckedAsTheChat: a cell typed on the page is parsed and
// checked by the chat's own code, with the chat's messages, and stored in
// the draft the chat fills; a refused one changes nothing.
func TestPageCellsCheckedAsTheChat(t *testing.T) {
	env := newEnv(t)
	ctx := context.Background()
	county := env.Contact("330106", "张三")
	city := env.Reviewer("330100", "李审核")
	a3 := func(field, text, was string) *dialogs.PageResult {
		return set(t, env, county, dialogs.PageEdit{Form: "a3", Section: "main", Field: field, Text: text, Was: was})
	}
	// Full-width digits, units and thousands separators, as in the chat.
	if r := a3("built", "３", ""); r.Refused != "" || r.Note != "已记为 3 家" || pageCell(t, r.Form, "main", "", "built").Value != "3" {
		t.Fatalf("full-width: %+v", r)
	}
	if r := a3("svc_area", "60000平方米", ""); r.Refused != "" || pageCell(t, r.Form, "main", "", "svc_area").Value != "6" || r.Note != "已记为 6 万平方米" {
		t.Fatalf("60000平方米: %+v", r)
	}
	// An estimate is refused with the chat's words, and nothing is stored.
	r := a3("mfg_land", "约50", "")
	if !strings.Contains(r.Refused, "需要一个确切的数字") || pageCell(t, r.Form, "main", "", "mfg_land").Value != "" {
		t.Fatalf("约50: %+v", r)
	}
	// A hard rule between fields is kept and shown at every field it
	// reads, as on the chat's review.
	a3("upgraded", "0", "")
	a3("mfg_count", "1", "")
	r = a3("svc_count", "1", "")
	if r.Refused != "" {
		t.Fatalf("svc_count refused: %s", r.Refused)
	}
	for _, f := range []string{"built", "upgraded", "mfg_count", "svc_count"} {
		c := pageCell(t, r.Form, "main", "", f)
		if len(c.Messages) == 0 || !strings.Contains(c.Messages[0].Text, "两者统计的是同一批园区") || c.Messages[0].Soft {
			t.Errorf("%s's messages: %+v", f, c.Messages)
		}
	}
	// A soft warning waits at its cells for 确认无误.
	r = a3("mfg_land", "0", "")
	var soft dialogs.PageMessage
	for _, m := range pageCell(t, r.Form, "main", "", "mfg_land").Messages {
		if m.Soft {
			soft = m
		}
	}
	if soft.Rule != "mfg_count_land" || soft.Fingerprint == "" {
		t.Fatalf("no soft warning at 占地: %+v", pageCell(t, r.Form, "main", "", "mfg_land"))
	}
	if c, err := env.Engine.PageConfirm(ctx, county.ID, "a3", "main", "", soft.Rule, "mfg_count=1;mfg_land=9"); err != nil || c.Refused == "" {
		t.Errorf("a confirmation for other values: %+v %v", c, err)
	}
	c, err := env.Engine.PageConfirm(ctx, county.ID, "a3", "main", "", soft.Rule, soft.Fingerprint)
	if err != nil || c.Refused != "" || !strings.Contains(c.Done, "已确认") {
		t.Fatalf("confirm: %+v %v", c, err)
	}
	for _, m := range pageCell(t, c.Form, "main", "", "mfg_land").Messages {
		if m.Soft {
			t.Errorf("still warned after 确认无误: %+v", m)
		}
	}
	// The chat sees the page's answers: it goes on at the first one missing.
	county.Say("/start").Press("附件3").Expect("入小微园企业数（家）")
	// A stale value is refused with the current one.
	county.Say("20")
	r = a3("mfg_firms", "25", "")
	if r.Conflict == nil || r.Conflict.Value != "20" || !strings.Contains(r.Conflict.Message, "20 家") {
		t.Fatalf("stale: %+v", r)
	}
	if v := pageCell(t, r.Form, "main", "", "mfg_firms").Value; v != "20" {
		t.Errorf("the conflict changed the cell to %s", v)
	}
	// Submitting is refused while the chat's review would refuse it.
	s, err := env.Engine.PageSubmit(ctx, county.ID, "a3", false)
	if err != nil || !strings.Contains(s.Refused, "两者统计的是同一批园区") || !strings.Contains(s.Refused, "尚未填写") {
		t.Fatalf("submit with problems: %+v %v", s, err)
	}
	a3("built", "2", "3")
	a3("svc_firms", "5", "")
	a3("target", "100", "")
	s, err = env.Engine.PageSubmit(ctx, county.ID, "a3", false)
	if err != nil || s.Refused != "" || !strings.Contains(s.Done, "第 1 版") || s.Form.Status != "submitted" || s.Form.Editable {
		t.Fatalf("submit: %+v %v", s, err)
	}
	// Reviewers are told as ever; the form can no longer be changed here.
	city.Inbox().Expect("西湖区", "附件3")
	if r := a3("target", "200", "100"); !strings.Contains(r.Refused, "已提交") {
		t.Errorf("a submitted form changed: %+v", r)
	}
}

// TestPageRights: the page fills its place's unit's forms and no other's.
func TestPageRights(t *testing.T) {
	env := newEnv(t)
	ctx := context.Background()
	city := env.Reviewer("330100", "李审核")
	if _, err := env.Engine.PageView(ctx, city.ID, "a3"); err != dialogs.ErrNotFillable {
		t.Errorf("a city's reviewer opened a county's form: %v", err)
	}
	if _, err := env.Engine.PageSet(ctx, city.ID, dialogs.PageEdit{Form: "a3", Section: "main", Field: "built", Text: "1"}); err != dialogs.ErrNotFillable {
		t.Errorf("a city's reviewer set a county's cell: %v", err)
	}
	// The city's own 附件1 is its own to fill.
	if r, err := env.Engine.PageSet(ctx, city.ID, dialogs.PageEdit{Form: "a1", Section: "main", Field: "org_name", Text: "杭州市小微企业园工作领导小组"}); err != nil || r.Refused != "" {
		t.Errorf("the city's own form: %+v %v", r, err)
	}
	var n int
	if err := env.DB.GetContext(ctx, &n, `SELECT count(*) FROM answers WHERE unit_code = '330106'`); err != nil || n != 0 {
		t.Errorf("西湖区 has %d answers", n)
	}
}

// TestPageListRows: a blank card becomes a row with its first answer; a
// refused first answer adds nothing; a row is deleted only as it was shown.
func TestPageListRows(t *testing.T) {
	env := newEnv(t)
	ctx := context.Background()
	county := env.Contact("330106", "张三")
	r := set(t, env, county, dialogs.PageEdit{Form: "a2", Section: "completed", Field: "name", Text: "x", New: true})
	if r.Refused == "" || r.Row != "" || len(r.Form.Sections[0].Rows) != 0 {
		t.Fatalf("a refused first answer: %+v", r)
	}
	r = set(t, env, county, dialogs.PageEdit{Form: "a2", Section: "completed", Field: "name", Text: "三墩智造园", New: true})
	if r.Refused != "" || r.Row == "" || len(r.Form.Sections[0].Rows) != 1 {
		t.Fatalf("a new row: %+v", r)
	}
	row := r.Row
	set(t, env, county, dialogs.PageEdit{Form: "a2", Section: "completed", Row: row, Field: "land", Text: "5"})
	r = set(t, env, county, dialogs.PageEdit{Form: "a2", Section: "completed", Row: row, Field: "area", Text: "6万平方米"})
	if c := pageCell(t, r.Form, "completed", row, "area"); c.Value != "6" || len(c.Messages) != 1 || !c.Messages[0].Soft || !strings.Contains(c.Messages[0].Text, "容积率") {
		t.Fatalf("the plot ratio's warning: %+v", c)
	}
	// A second park of the same name is refused.
	r = set(t, env, county, dialogs.PageEdit{Form: "a2", Section: "completed", Field: "name", Text: "三墩智造园", New: true})
	if !strings.Contains(r.Refused, "不能重复") || len(r.Form.Sections[0].Rows) != 1 {
		t.Fatalf("a repeated name: %+v", r)
	}
	if d, err := env.Engine.PageDeleteRow(ctx, county.ID, "a2", "completed", row, "别的名字"); err != nil || d.Conflict == nil {
		t.Errorf("deleting a row by another name: %+v %v", d, err)
	}
	d, err := env.Engine.PageDeleteRow(ctx, county.ID, "a2", "completed", row, "三墩智造园")
	if err != nil || !strings.Contains(d.Done, "已删除第 1 个园区「三墩智造园」") || len(d.Form.Sections[0].Rows) != 0 {
		t.Fatalf("delete: %+v %v", d, err)
	}
	if r := set(t, env, county, dialogs.PageEdit{Form: "a2", Section: "completed", Row: row, Field: "land", Text: "50"}); r.Conflict == nil {
		t.Errorf("a cell of a deleted row: %+v", r)
	}
}

// TestPageBackupsAtOnce: two contacts of one unit typing into the same
// draft at once lose nothing: different cells both land; the same cell
// goes to the first, and the second is told the first's value.
func TestPageBackupsAtOnce(t *testing.T) {
	env := newEnv(t)
	a := env.Contact("330106", "张三")
	b := env.Contact("330106", "李四")
	fields := []string{"built", "upgraded", "mfg_count", "mfg_land", "mfg_firms", "svc_count", "svc_area", "svc_firms", "target"}
	var wg sync.WaitGroup
	for i, f := range fields {
		wg.Add(1)
		go func() {
			defer wg.Done()
			who := a
			if i%2 == 1 {
				who = b
			}
			if r, err := env.Engine.PageSet(context.Background(), who.ID, dialogs.PageEdit{Form: "a3", Section: "main", Field: f, Text: "7"}); err != nil || r.Refused != "" || r.Conflict != nil {
				t.Errorf("%s: %+v %v", f, r, err)
			}
		}()
	}
	wg.Wait()
	p, err := env.Engine.PageView(context.Background(), a.ID, "a3")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fields {
		if v := pageCell(t, p, "main", "", f).Value; v != "7" {
			t.Errorf("%s lost: %q", f, v)
		}
	}
	// The same cell from both, as each saw it empty: one lands, the other
	// is told what is there now.
	results := make([]*dialogs.PageResult, 2)
	for i, c := range []*dialogtest.Chat{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := env.Engine.PageSet(context.Background(), c.ID, dialogs.PageEdit{Form: "a1", Section: "main", Field: "contact", Text: []string{"王芳", "李明"}[i]})
			if err != nil {
				t.Error(err)
			}
			results[i] = r
		}()
	}
	wg.Wait()
	won, lost := results[0], results[1]
	if won.Conflict != nil {
		won, lost = lost, won
	}
	if won.Conflict != nil || lost.Conflict == nil || lost.Conflict.Value != pageCell(t, won.Form, "main", "", "contact").Value {
		t.Fatalf("same cell: %+v / %+v", won, lost)
	}
	var audited int
	if err := env.DB.GetContext(context.Background(), &audited, `SELECT count(*) FROM audit_log WHERE unit_code = '330106' AND action = 'answer.set'`); err != nil || audited != len(fields)+1 {
		t.Errorf("%d audit rows, want %d", audited, len(fields)+1)
	}
}
