package webapp_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"tianbao/campaigns"
	"tianbao/dialogs/dialogtest"
	"tianbao/reports"
)

// a3Good are 附件3's nine figures, all fine together.
var a3Good = map[string]any{
	"main//built": 3, "main//upgraded": 0, "main//mfg_count": 2, "main//mfg_land": 120, "main//mfg_firms": 45,
	"main//svc_count": 1, "main//svc_area": 3.5, "main//svc_firms": 20, "main//target": 80,
}

// pageTemplate asks the page's 📥 for the form's template as user and
// fetches it behind its link, as Telegram does.
func (d *desk) pageTemplate(user int64, form string) ([]byte, string) {
	d.t.Helper()
	resp, b := d.send("POST", d.srv.URL+"/app/api/form/template", map[string]string{
		"Content-Type": "application/json", "Authorization": "tma " + d.initData(user), "Origin": d.srv.URL}, `{"form":"`+form+`"}`)
	var l struct{ Link, Name string }
	if resp.StatusCode != http.StatusOK || json.Unmarshal(b, &l) != nil || !strings.HasPrefix(l.Link, "dl/") {
		d.t.Fatalf("template link: %d %s", resp.StatusCode, b)
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "private, no-store" {
		d.t.Errorf("template link: Cache-Control %q", cc)
	}
	resp, content := d.send("GET", d.srv.URL+"/app/"+l.Link, nil, "")
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" {
		d.t.Fatalf("GET %s: %d %s", l.Link, resp.StatusCode, resp.Header)
	}
	return content, l.Name
}

// fillSheet writes values into a template's input cells as a person would
// in Excel: by section/row/field, a figure as a number, text as typed.
func fillSheet(t *testing.T, env *dialogtest.Env, content []byte, values map[string]any) []byte {
	t.Helper()
	camp, err := env.Registry.Campaign(context.Background(), campaigns.BuiltinID)
	if err != nil {
		t.Fatal(err)
	}
	sheet, cells, err := reports.Templates{}.Cells(context.Background(), camp, content)
	if err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(content))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for key, v := range values {
		ref, ok := cells[key]
		if !ok {
			t.Fatalf("no input cell %s in the template", key)
		}
		if err := f.SetCellValue(sheet, ref, v); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if _, err := f.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func (d *desk) uploadSheet(user int64, form string, content []byte) (int, map[string]any) {
	d.t.Helper()
	return d.formPost(user, "sheet", "", map[string]any{"form": form, "name": "附件3.xlsx", "data": base64.StdEncoding.EncodeToString(content)})
}

func answersOf(t *testing.T, d *desk, unit, form string) map[string]string {
	t.Helper()
	rows, err := d.env.DB.QueryContext(context.Background(), `SELECT field_id, value FROM answers WHERE unit_code = $1 AND form_id = $2`, unit, form)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			t.Fatal(err)
		}
		out[k] = v
	}
	return out
}

// TestFormSheetRights: the template and the upload are the form's routes,
// with their rights: the place's own unit's form only, JSON from the
// desk's own origin with the sign-in in the header, answers never stored.
func TestFormSheetRights(t *testing.T) {
	d, _, _ := formDesk(t)
	content, name := d.pageTemplate(userBinjiang, "a3")
	if name != "附件3-滨江区-填报表.xlsx" {
		t.Errorf("the template is named %q", name)
	}
	id, err := reports.Templates{}.IdentifySheet(content)
	if err != nil || id.Unit != "330108" || id.Form != "a3" {
		t.Fatalf("the template is %+v (%v)", id, err)
	}
	filled := fillSheet(t, d.env, content, a3Good)
	post := func(user int64, path, query string, body map[string]any, want int) {
		t.Helper()
		if code, b := d.formPost(user, path, query, body); code != want {
			t.Errorf("%s%s as %d: %d %v, want %d", path, query, user, code, b, want)
		}
	}
	sheet := map[string]any{"form": "a3", "data": base64.StdEncoding.EncodeToString(filled)}
	// 杭州市's reviewer fills no county's 附件3; 滨江区 names 西湖区.
	post(userHangzhou, "template", "", map[string]any{"form": "a3"}, http.StatusForbidden)
	post(userHangzhou, "sheet", "", sheet, http.StatusForbidden)
	post(userBinjiang, "template", "?unit=330106", map[string]any{"form": "a3"}, http.StatusForbidden)
	post(userBinjiang, "sheet", "", map[string]any{"form": "a3", "unit": "330106", "data": sheet["data"]}, http.StatusForbidden)
	post(userBinjiang, "sheet/decide", "?unit=330106", map[string]any{"form": "a3"}, http.StatusForbidden)
	post(userBinjiang, "template", "", map[string]any{"form": "nope"}, http.StatusForbidden)
	auth := "tma " + d.initData(userBinjiang)
	body, _ := json.Marshal(sheet)
	for _, c := range []struct {
		name   string
		header map[string]string
		want   int
	}{
		{"text/plain", map[string]string{"Content-Type": "text/plain", "Authorization": auth}, http.StatusUnsupportedMediaType},
		{"a foreign origin", map[string]string{"Content-Type": "application/json", "Authorization": auth, "Origin": "https://evil.example"}, http.StatusForbidden},
		{"no sign-in", map[string]string{"Content-Type": "application/json", "Origin": d.srv.URL}, http.StatusUnauthorized},
	} {
		for _, path := range []string{"template", "sheet", "sheet/decide"} {
			if resp, out := d.send("POST", d.srv.URL+"/app/api/form/"+path, c.header, string(body)); resp.StatusCode != c.want {
				t.Errorf("%s to %s: %d %s, want %d", c.name, path, resp.StatusCode, out, c.want)
			}
		}
	}
	if got := answersOf(t, d, "330108", "a3"); len(got) != 0 {
		t.Errorf("answers after the refusals: %v", got)
	}
	// Too big, and not a workbook by its content whatever its name.
	big := base64.StdEncoding.EncodeToString(append(filled, make([]byte, 21<<20)...))
	if code, b := d.formPost(userBinjiang, "sheet", "", map[string]any{"form": "a3", "data": big}); code != http.StatusRequestEntityTooLarge || !strings.Contains(b["error"].(string), "20 MB") {
		t.Errorf("a 21 MB file: %d %v", code, b["error"])
	}
	if code, b := d.formPost(userBinjiang, "sheet", "", map[string]any{"form": "a3", "name": "附件3.xlsx", "data": base64.StdEncoding.EncodeToString([]byte("%PDF-1.4"))}); code != http.StatusUnprocessableEntity || !strings.Contains(b["error"].(string), "不是 Excel/WPS 表格") {
		t.Errorf("a PDF named .xlsx: %d %v", code, b["error"])
	}
	// The page's own: taken.
	code, b := d.uploadSheet(userBinjiang, "a3", filled)
	if code != http.StatusOK || !strings.Contains(b["done"].(string), "填入 9 项") {
		t.Errorf("the page's own template: %d %v", code, b)
	}
	// Submitted, no template is made.
	if code, b := d.formPost(userBinjiang, "submit", "", map[string]any{"form": "a3"}); code != http.StatusOK {
		t.Fatalf("submit: %d %v", code, b)
	}
	if code, b := d.formPost(userBinjiang, "template", "", map[string]any{"form": "a3"}); code != http.StatusConflict || !strings.Contains(b["error"].(string), "已提交") {
		t.Errorf("a submitted form's template: %d %v", code, b)
	}
}

// TestFormSheetRefusedAndDiff: another unit's template and one of an
// older campaign version are refused with what is wrong and change
// nothing; a file that changes answers there were shows the diff, which
// 确认 applies, once.
func TestFormSheetRefusedAndDiff(t *testing.T) {
	d, wang, _ := formDesk(t)
	xihu, _ := d.pageTemplate(userXihu, "a1")
	theirs := fillSheet(t, d.env, xihu, map[string]any{"main//org_name": "西湖区小微企业园工作领导小组"})
	if code, b := d.uploadSheet(userBinjiang, "a1", theirs); code != http.StatusUnprocessableEntity || !strings.Contains(b["error"].(string), "这份表格是「西湖区」的，这里是「滨江区」的填报页面，未导入") || b["form"] == nil {
		t.Errorf("another unit's: %d %v", code, b["error"])
	}

	wang.Say("/start").Press("附件3").Say("3").Say("0").Say("2").Say("120")
	content, _ := d.pageTemplate(userBinjiang, "a3")
	values := map[string]any{}
	for k, v := range a3Good {
		values[k] = v
	}
	values["main//mfg_land"] = "130亩"
	code, b := d.uploadSheet(userBinjiang, "a3", fillSheet(t, d.env, content, values))
	form, _ := b["form"].(map[string]any)
	diff, _ := form["sheetDiff"].(map[string]any)
	if code != http.StatusOK || diff == nil || !strings.Contains(strings.Join(strs(diff["lines"]), "\n"), "第 7 行「占地面积（亩）」：120 亩 → 130 亩") {
		t.Fatalf("a file changing an answer: %d %v", code, b)
	}
	if got := answersOf(t, d, "330108", "a3"); got["mfg_land"] != "120" || got["target"] != "80" {
		t.Errorf("before 确认: %v", got)
	}
	token := diff["token"].(string)
	code, b = d.formPost(userBinjiang, "sheet/decide", "", map[string]any{"form": "a3", "token": token, "apply": true})
	if code != http.StatusOK || b["done"] != "已按表格修改 1 处。" {
		t.Errorf("确认: %d %v", code, b)
	}
	if got := answersOf(t, d, "330108", "a3"); got["mfg_land"] != "130" {
		t.Errorf("after 确认: %v", got)
	}
	if code, b := d.formPost(userBinjiang2, "sheet/decide", "", map[string]any{"form": "a3", "token": token, "apply": false}); code != http.StatusUnprocessableEntity || !strings.Contains(b["error"].(string), "已经处理过了") {
		t.Errorf("decided again by the backup contact: %d %v", code, b)
	}

	// The campaign revised since: the template's version is old.
	dialogtest.InstallVariant(t, d.env.DB, campaigns.BuiltinID, func(y string) string {
		return strings.Replace(y, "intro: 请填写本地小微企业园工作联席会议", "intro: 请如实填写本地小微企业园工作联席会议", 1)
	})
	d.env.Registry.Recheck = 0
	values["main//target"] = 90
	if code, b := d.uploadSheet(userBinjiang, "a3", fillSheet(t, d.env, content, values)); code != http.StatusUnprocessableEntity || !strings.Contains(b["error"].(string), "这份表格是按第 1 版填报要求生成的，现在的要求是第 2 版") {
		t.Errorf("an older version's: %d %v", code, b["error"])
	}
	if got := answersOf(t, d, "330108", "a3"); got["target"] != "80" {
		t.Errorf("an old template changed the draft: %v", got)
	}
}

func strs(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}
