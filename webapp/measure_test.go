package webapp_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"

	"tianbao/campaign"
	"tianbao/dialogs/dialogtest"
)

// chatInputs fills every form of the campaign for c's county in the chat
// with the trial's data, the shortest way the chat allows, and returns how
// many inputs (messages typed, buttons pressed, files sent) it took.
func chatInputs(t *testing.T, c *dialogtest.Chat) int {
	t.Helper()
	n := 0
	say := func(s string) { c.Say(s); n++ }
	press := func(l string) { c.Press(l); n++ }
	upload := func(name string, content []byte) { c.Upload(name, content); n++ }
	say("/start")
	press("附件1")
	for _, v := range trialA1 {
		say(v)
	}
	c.Expect("全部填写完毕")
	press("✅ 提交")
	c.Expect("已提交")

	press("附件2")
	section := ""
	for _, p := range trialParks {
		if section != "" && p.section != section {
			press("本部分填完了")
		}
		section = p.section
		press("➕ 添加园区")
		for i, v := range p.values {
			if p.choiceAt(i) {
				press(v)
			} else {
				say(v)
			}
		}
		c.Expect("已保存")
	}
	press("本部分填完了")
	c.Expect("全部填写完毕")
	press("✅ 提交")
	c.Expect("已提交")

	press("附件3")
	for i, v := range trialA3 {
		say(v)
		if i == 1 {
			c.Expect("表注 1")
			press("确认无误")
		}
	}
	c.Expect("全部填写完毕")
	press("✅ 提交")
	c.Expect("已提交")

	press("政策措施")
	for i, doc := range trialDocs {
		press("➕ 添加文件")
		for _, v := range doc {
			say(v)
		}
		if i == 0 {
			upload("实施意见.pdf", pdfBytes())
		} else {
			press("跳过")
		}
	}
	press("本部分填完了")
	c.Expect("全部填写完毕")
	press("✅ 提交")
	c.Expect("已提交")

	press("附件4")
	press("本地单独编制")
	upload("五年规划.docx", dialogtest.Docx())
	for _, year := range trialA4Targets {
		for _, v := range year {
			say(v)
		}
	}
	c.Expect("全部填写完毕")
	press("✅ 提交")
	c.Expect("已提交")
	return n
}

// TestInputsInTheChat counts the chat's inputs for the trial's county, and
// checks the README says that count.
func TestInputsInTheChat(t *testing.T) {
	env := newDesk(t).env
	c := env.Contact("330108", "王芳")
	n := chatInputs(t, c)
	var submitted int
	if err := env.DB.GetContext(context.Background(), &submitted, `SELECT count(*) FROM submissions WHERE unit_code = '330108'`); err != nil || submitted != 5 {
		t.Fatalf("%d forms submitted (%v)", submitted, err)
	}
	t.Logf("the chat: %d inputs for %d figures", n, trialFigures())
	readmeSays(t, fmt.Sprintf("| the chat | %d |", n))
}

// readmeSays fails unless README.md has the line: a measured count there
// is the count measured here.
func readmeSays(t *testing.T, line string) {
	t.Helper()
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), line) {
		t.Errorf("README.md does not say %q", line)
	}
}

// TestInputsOnThePage fills the same county's every form on the page, as
// a person on a phone would: the desk opened from the chat's menu, 附件1
// opened, then each value typed and ended with the keyboard's 下一项 (the
// page moves to the next cell by itself), each choice tapped, each file
// picked, a tap into a list's next section, 确认无误 for the one warning,
// and 提交 for each form (the page goes on to the next form to fill). It
// counts those inputs and checks the README says that count: no more than
// one per figure and ten besides.
func TestInputsOnThePage(t *testing.T) {
	d, _, _ := formDesk(t)
	bctx := newBrowser(t)
	dir := t.TempDir()
	pdf, docx := dir+"/实施意见.pdf", dir+"/五年规划.docx"
	if err := os.WriteFile(pdf, pdfBytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(docx, dialogtest.Docx(), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := d.open(t, bctx, android, "8.0", userBinjiang, light, "", "mine")
	in := &inputs{t: t, ctx: ctx, n: 1, log: []string{"tap 工作台"}}
	in.tapTo("在此开始填写 附件1", `.card.mine[data-form="a1"] a.btn`, "a1")
	wantFocus(t, ctx, "main//org_name")
	for _, v := range trialA1 {
		in.typ(v)
	}
	in.submit("a2")

	wantFocus(t, ctx, "completed//name")
	section := "completed"
	for _, p := range trialParks {
		if p.section != section {
			settled(t, ctx)
			in.tap("the next section", `.fsec[data-s="`+p.section+`"] .ghost [data-f="name"] .in`)
			section = p.section
		}
		for i, v := range p.values {
			if p.choiceAt(i) {
				in.choose(v)
			} else {
				in.typ(v)
			}
		}
	}
	in.submit("a3")

	wantFocus(t, ctx, "main//built")
	for _, v := range trialA3 {
		in.typ(v)
	}
	settled(t, ctx)
	in.tap("确认无误", `[data-f="upgraded"] [data-confirm]`)
	in.submit("policies")

	wantFocus(t, ctx, "docs//name")
	for i, doc := range trialDocs {
		for _, v := range doc {
			in.typ(v)
		}
		if i == 0 {
			in.pick(pdf)
		}
	}
	in.submit("a4")

	in.choose("本地单独编制")
	in.pick(docx)
	wantFocus(t, ctx, "targets/2018/parks")
	for _, year := range trialA4Targets {
		for _, v := range year {
			in.typ(v)
		}
	}
	in.submit("")

	// The same data in the chat, for 萧山区: the page's submissions are the
	// chat's, answer for answer (a document compared by name, kind and size).
	chatInputs(t, d.env.Contact("330109", "陈静"))
	for _, form := range []string{"a1", "a2", "a3", "policies", "a4"} {
		page, chat := submitted(t, d, "330108", form), submitted(t, d, "330109", form)
		if page == "" || page != chat {
			t.Errorf("%s on the page:\n%s\nin the chat:\n%s", form, page, chat)
		}
	}
	figures := trialFigures()
	t.Logf("the page: %d inputs for %d figures:\n%s", in.n, figures, strings.Join(in.log, "\n"))
	if in.n > figures+10 {
		t.Errorf("the page took %d inputs for %d figures: more than one a figure and ten besides", in.n, figures)
	}
	readmeSays(t, fmt.Sprintf("| the page | %d |", in.n))
}

// submitted is a unit's submitted form as text, a document by its name,
// kind and size.
func submitted(t *testing.T, d *desk, unit, form string) string {
	t.Helper()
	var raw []byte
	if err := d.env.DB.GetContext(context.Background(), &raw, `SELECT data FROM submissions WHERE campaign_id = 'zj-2018-14' AND unit_code = $1 AND form_id = $2 AND status = 'submitted'`, unit, form); err != nil {
		t.Errorf("%s's %s: %v", unit, form, err)
		return ""
	}
	var snap campaign.Snapshot
	if err := json.Unmarshal(raw, &snap); err != nil {
		t.Fatal(err)
	}
	var lines []string
	for sec, rows := range snap.Sections {
		for _, r := range rows {
			for k, v := range r.Values {
				if v == "" {
					continue // skipped in the chat, left empty on the page: the same
				}
				if fv, ok := campaign.DecodeFile(v); ok {
					v = fmt.Sprintf("%s %s %d", fv.Name, fv.Kind, fv.Size)
				}
				lines = append(lines, sec+"/"+r.Key+"/"+k+"="+v)
			}
		}
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// wantFocus checks which cell has the focus (section/row/field).
func wantFocus(t *testing.T, ctx context.Context, want string) {
	t.Helper()
	step(t, ctx, "focus on "+want, until(`(function () { var e = document.activeElement; var f = e && e.closest && e.closest("[data-f]"), r = e && e.closest && e.closest(".rw"), s = e && e.closest && e.closest("[data-s]");
		return s && r && f && (s.dataset.s + "/" + r.dataset.r + "/" + f.dataset.f) === `+jsString(want)+`; })()`))
}
