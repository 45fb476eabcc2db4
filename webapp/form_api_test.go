package webapp_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

// formPost posts to a form's route as user, as the page does (JSON, the
// desk's origin, the sign-in in the header), with query added to the
// address.
func (d *desk) formPost(user int64, path, query string, body any) (int, map[string]any) {
	d.t.Helper()
	b, _ := json.Marshal(body)
	resp, out := d.send("POST", d.srv.URL+"/app/api/form/"+path+query, map[string]string{
		"Content-Type": "application/json", "Authorization": "tma " + d.initData(user), "Origin": d.srv.URL}, string(b))
	if cc := resp.Header.Get("Cache-Control"); cc != "private, no-store" {
		d.t.Errorf("POST %s: Cache-Control %q", path, cc)
	}
	var v map[string]any
	_ = json.Unmarshal(out, &v)
	return resp.StatusCode, v
}

// TestFormRights: the page fills its place's unit's forms, with the chat's
// rights checked on every request: a reviewer does not fill a county's
// form, a request naming another unit or someone else's place is refused,
// and so is anything not sent by the page itself.
func TestFormRights(t *testing.T) {
	d, _, _ := formDesk(t)
	cell := map[string]any{"form": "a3", "section": "main", "field": "built", "text": "3", "was": ""}
	// 杭州市's reviewer: 附件3 is the counties', not the city's.
	if code, b := d.formPost(userHangzhou, "cell", "", cell); code != http.StatusForbidden {
		t.Errorf("a city's reviewer set a county's cell: %d %v", code, b)
	}
	if code, _ := d.call(userHangzhou, "GET", "form?form=a3", nil); code != http.StatusForbidden {
		t.Errorf("a city's reviewer opened a county's form: %d", code)
	}
	// 滨江区's contact naming 西湖区, or 西湖区's contact's place.
	if code, _ := d.formPost(userBinjiang, "cell", "?unit=330106", cell); code != http.StatusForbidden {
		t.Errorf("another unit in the address: %d", code)
	}
	withUnit := map[string]any{"unit": "330106"}
	for k, v := range cell {
		withUnit[k] = v
	}
	if code, _ := d.formPost(userBinjiang, "cell", "", withUnit); code != http.StatusForbidden {
		t.Errorf("another unit in the body: %d", code)
	}
	if code, _ := d.formPost(userBinjiang, "cell", "?place="+strconv.FormatInt(d.xihu.ID, 10), cell); code != http.StatusForbidden {
		t.Errorf("someone else's place: %d", code)
	}
	if code, _ := d.formPost(userBinjiang, "cell", "", map[string]any{"form": "nope", "section": "main", "field": "built", "text": "3"}); code != http.StatusForbidden {
		t.Errorf("a form that is not the unit's: %d", code)
	}
	auth := "tma " + d.initData(userBinjiang)
	body, _ := json.Marshal(cell)
	for _, c := range []struct {
		name   string
		header map[string]string
		want   int
	}{
		{"text/plain", map[string]string{"Content-Type": "text/plain", "Authorization": auth}, http.StatusUnsupportedMediaType},
		{"a form", map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Authorization": auth}, http.StatusUnsupportedMediaType},
		{"a foreign origin", map[string]string{"Content-Type": "application/json", "Authorization": auth, "Origin": "https://evil.example"}, http.StatusForbidden},
		{"no sign-in", map[string]string{"Content-Type": "application/json", "Origin": d.srv.URL}, http.StatusUnauthorized},
	} {
		for _, path := range []string{"cell", "file", "confirm", "delete", "submit"} {
			if resp, out := d.send("POST", d.srv.URL+"/app/api/form/"+path, c.header, string(body)); resp.StatusCode != c.want {
				t.Errorf("%s to %s: %d %s, want %d", c.name, path, resp.StatusCode, out, c.want)
			}
		}
	}
	// The sign-in in the address is none.
	code, _ := d.do(mustRequest(t, d.srv.URL+"/app/api/form?form=a3&tma="+url.QueryEscape(d.initData(userBinjiang))))
	if code != http.StatusUnauthorized {
		t.Errorf("initData in the address: %d", code)
	}
	var n int
	if err := d.env.DB.GetContext(context.Background(), &n, `SELECT count(*) FROM answers WHERE form_id = 'a3' AND unit_code IN ('330108', '330100')`); err != nil || n != 0 {
		t.Errorf("%d answers after the refusals (%v)", n, err)
	}
	// And from the page itself, the county's own: taken.
	if code, b := d.formPost(userBinjiang, "cell", "", cell); code != http.StatusOK || b["saved"] == nil {
		t.Errorf("the page's own cell: %d %v", code, b)
	}
}

// TestFormAnswers: what the form's routes answer — a refused value 422
// with the chat's words, a changed cell 409 with its value, a document
// checked by its content and size as the chat checks one, a submission
// refused while anything blocks it — each with the form as it stands.
func TestFormAnswers(t *testing.T) {
	d, wang, _ := formDesk(t)
	code, b := d.formPost(userBinjiang, "cell", "", map[string]any{"form": "a3", "section": "main", "field": "mfg_land", "text": "约50", "was": ""})
	if code != http.StatusUnprocessableEntity || !strings.Contains(b["error"].(string), "确切的数字") || b["form"] == nil {
		t.Errorf("约50: %d %v", code, b)
	}
	wang.Say("/start").Press("附件3").Say("3")
	code, b = d.formPost(userBinjiang, "cell", "", map[string]any{"form": "a3", "section": "main", "field": "built", "text": "4", "was": ""})
	conflict, _ := b["conflict"].(map[string]any)
	if code != http.StatusConflict || conflict == nil || conflict["value"] != "3" {
		t.Errorf("a stale cell: %d %v", code, b)
	}
	// Documents: by content, not by name; the field's kinds and size.
	upload := func(name string, content []byte) (int, map[string]any) {
		return d.formPost(userBinjiang, "file", "", map[string]any{"form": "policies", "section": "docs", "field": "file", "new": true,
			"name": name, "data": base64.StdEncoding.EncodeToString(content)})
	}
	if code, b := upload("通知.pdf", []byte("just text, not a PDF")); code != http.StatusUnprocessableEntity || !strings.Contains(b["error"].(string), "文件类型不符") {
		t.Errorf("a text file named .pdf: %d %v", code, b)
	}
	if code, b := upload("通知.pdf", append(pdfBytes(), make([]byte, 21<<20)...)); code != http.StatusRequestEntityTooLarge || !strings.Contains(b["error"].(string), "20 MB") {
		t.Errorf("a 21 MB file: %d %v", code, b)
	}
	var files int
	if err := d.env.DB.GetContext(context.Background(), &files, `SELECT count(*) FROM files WHERE unit_code = '330108'`); err != nil || files != 0 {
		t.Errorf("%d refused files stored (%v)", files, err)
	}
	code, b = upload("实施意见.docx", pdfBytes())
	if code != http.StatusOK || !strings.Contains(b["saved"].(string), "实施意见.pdf") {
		t.Errorf("a PDF named .docx: %d %v", code, b)
	}
	// Submitting: the chat review's problems, or the submission.
	code, b = d.formPost(userBinjiang, "submit", "", map[string]any{"form": "policies"})
	if code != http.StatusUnprocessableEntity || !strings.Contains(b["error"].(string), "「文件名称」尚未填写") {
		t.Errorf("a policy without its name: %d %v", code, b)
	}
	code, b = d.formPost(userBinjiang, "delete", "", map[string]any{"form": "policies", "section": "docs", "row": "r1", "name": "x"})
	if code != http.StatusConflict {
		t.Errorf("a row deleted under another name: %d %v", code, b)
	}
	code, b = d.formPost(userBinjiang, "delete", "", map[string]any{"form": "policies", "section": "docs", "row": "r1", "name": ""})
	if code != http.StatusOK || !strings.Contains(b["done"].(string), "已删除第 1 个文件") {
		t.Errorf("delete: %d %v", code, b)
	}
	code, b = d.formPost(userBinjiang, "submit", "", map[string]any{"form": "policies"})
	if code != http.StatusOK || !strings.Contains(b["done"].(string), "已提交《政策措施") {
		t.Errorf("submit: %d %v", code, b)
	}
	if code, b = d.formPost(userBinjiang, "cell", "", map[string]any{"form": "policies", "section": "docs", "field": "name", "text": "补一个文件", "new": true}); code != http.StatusUnprocessableEntity || !strings.Contains(b["error"].(string), "已提交") {
		t.Errorf("a submitted form changed: %d %v", code, b)
	}
}
