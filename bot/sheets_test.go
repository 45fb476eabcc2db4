package bot_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"tianbao/bot/telegramtest"
	"tianbao/campaigns"
	"tianbao/dialogs"
	"tianbao/reports"
)

const xlsxMIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// lastDocument is the newest spreadsheet the bot sent to a chat whose
// name begins with prefix.
func (h *harness) lastDocument(chat int64, prefix string) *telegramtest.Document {
	h.t.Helper()
	var doc *telegramtest.Document
	h.fake.WaitFor(10*time.Second, func() bool {
		for _, e := range h.fake.Events(chat, 0) {
			if e.Document != nil && strings.HasPrefix(e.Document.Name, prefix) && strings.HasSuffix(e.Document.Name, ".xlsx") {
				doc = e.Document
			}
		}
		return doc != nil
	})
	if doc == nil {
		h.t.Fatalf("chat %d got no spreadsheet %s…", chat, prefix)
	}
	return doc
}

// fillTemplate fills a template's cells (section/row/field → value) as a
// person would in Excel.
func (h *harness) fillTemplate(content []byte, values map[string]any) []byte {
	h.t.Helper()
	camp, err := h.reg.Campaign(context.Background(), campaigns.BuiltinID)
	if err != nil {
		h.t.Fatal(err)
	}
	sheet, cells, err := reports.Templates{}.Cells(context.Background(), camp, content)
	if err != nil {
		h.t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(content))
	if err != nil {
		h.t.Fatal(err)
	}
	defer f.Close()
	for k, v := range values {
		if err := f.SetCellValue(sheet, cells[k], v); err != nil {
			h.t.Fatal(k, err)
		}
	}
	var buf bytes.Buffer
	if _, err := f.WriteTo(&buf); err != nil {
		h.t.Fatal(err)
	}
	return buf.Bytes()
}

// TestTemplateOverTelegram: the path a county official at a desk takes,
// counted: /template, 附件3, the filled file sent back, 提交 — four actions
// from /template to a submitted form with a correctly filled
// spreadsheet. Then the official, now also 上城区's contact (one person,
// two places), sends 西湖区's 附件1 while on 上城区: it goes to 西湖区;
// a template of a unit that is not theirs is refused.
func TestTemplateOverTelegram(t *testing.T) {
	h := newHarness(t)
	h.start("")
	p := h.member(7401, "张三", "330106")
	actions := 0
	p.Say("/template").Expect("要下载哪张表格")
	actions++
	p.Press("📥 附件3").Expect("的填报表格，已按草稿预填")
	actions++
	doc := h.lastDocument(7401, "附件3")
	if doc.Name != "附件3-西湖区-填报表.xlsx" {
		t.Errorf("the template is called %q", doc.Name)
	}
	filled := h.fillTemplate(doc.Content, map[string]any{
		"main//built": 3, "main//upgraded": 0, "main//mfg_count": 2, "main//mfg_land": 120, "main//mfg_firms": 45,
		"main//svc_count": 1, "main//svc_area": "3.5万平方米", "main//svc_firms": 20, "main//target": 80,
	})
	p.Upload(doc.Name, xlsxMIME, filled).Expect("填入 9 项", "表格内容全部通过检查", "全部填写完毕")
	actions++
	p.Press("✅ 提交").Expect("已提交")
	actions++
	t.Logf("%d actions from /template to a submitted form", actions)
	if actions != 4 {
		t.Errorf("%d actions from /template to a submitted form, want 4", actions)
	}
	// The README's table of inputs says what was counted here.
	if readme, err := os.ReadFile("../README.md"); err != nil || !strings.Contains(string(readme), fmt.Sprintf("| the spreadsheet | %d |", actions)) {
		t.Errorf("README.md does not say \"| the spreadsheet | %d |\" (%v)", actions, err)
	}
	if n := h.count(`SELECT count(*) FROM submissions WHERE unit_code = '330106' AND form_id = 'a3'`); n != 1 {
		t.Errorf("%d submissions of 附件3", n)
	}

	// 西湖区's 附件1, downloaded before the person became 上城区's contact too.
	p.Say("/template").Press("📥 附件1")
	a1 := h.lastDocument(7401, "附件1")
	p.Say("/start " + h.invite("330102", dialogs.Filler)).Expect("上城区")
	p.Upload(a1.Name, xlsxMIME, h.fillTemplate(a1.Content, map[string]any{
		"main//org_name": "西湖区小微企业园工作联席会议", "main//convener_name": "王建国", "main//convener_post": "副区长",
		"main//contact": "李华", "main//phone": "0571-87059132",
	})).Expect("西湖区", "填入 5 项", "全部填写完毕")
	if n := h.count(`SELECT count(*) FROM answers WHERE unit_code = '330106' AND form_id = 'a1'`); n != 5 {
		t.Errorf("西湖区's 附件1 has %d answers", n)
	}
	if n := h.count(`SELECT count(*) FROM answers WHERE unit_code = '330102'`); n != 0 {
		t.Errorf("上城区 got %d answers from 西湖区's file", n)
	}

	// A unit the person is no contact of.
	camp, _ := h.reg.Campaign(context.Background(), campaigns.BuiltinID)
	var other bytes.Buffer
	if err := (reports.Templates{DB: h.db}).Write(context.Background(), &other, camp, "330105", "a3", now); err != nil {
		t.Fatal(err)
	}
	p.Upload("附件3-拱墅区-填报表.xlsx", xlsxMIME, other.Bytes()).Expect("这份表格是「拱墅区」的", "未导入")
	if n := h.count(`SELECT count(*) FROM answers WHERE unit_code = '330105'`); n != 0 {
		t.Errorf("拱墅区 got %d answers", n)
	}
}
