package webapp_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"tianbao/webapp"
)

// link asks for a download as user and returns its absolute address.
func (d *desk) link(user int64, req map[string]string) (string, webapp.DownloadLink) {
	d.t.Helper()
	code, b := d.call(user, "POST", "download", req)
	var l webapp.DownloadLink
	if code != 200 || json.Unmarshal(b, &l) != nil || !strings.HasPrefix(l.Link, "dl/") {
		d.t.Fatalf("download %v: %d %s", req, code, b)
	}
	return d.srv.URL + "/app/" + l.Link, l
}

func (d *desk) send(method, u string, header map[string]string, body string) (*http.Response, []byte) {
	d.t.Helper()
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	if err != nil {
		d.t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		d.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

// TestDownloadLinks: a download is a link of its own — one file, minutes,
// a few downloads' worth, and nothing else; Telegram Web fetches it across
// origins in ranges.
func TestDownloadLinks(t *testing.T) {
	telegramWeb := "https://web.telegram.org"
	d := newDesk(t, func(s *webapp.Server) { s.WebOrigins = []string{telegramWeb} })
	link, l := d.link(userHangzhou, map[string]string{"unit": "330100", "format": "xlsx"})
	if !strings.HasSuffix(l.Name, ".xlsx") || strings.Contains(link, "auth_date") || len(strings.TrimPrefix(l.Link, "dl/")) < 43 {
		t.Errorf("link %s %+v", link, l)
	}
	// The file, whole, with what a download needs.
	resp, whole := d.send("GET", link, nil, "")
	if resp.StatusCode != 200 || !bytes.HasPrefix(whole, []byte("PK")) || !strings.Contains(resp.Header.Get("Content-Disposition"), "attachment; filename*=UTF-8''zj-2018-14-") ||
		resp.Header.Get("Accept-Ranges") != "bytes" || resp.Header.Get("X-Content-Type-Options") != "nosniff" || !strings.Contains(resp.Header.Get("Cache-Control"), "no-store") {
		t.Fatalf("download: %d %v", resp.StatusCode, resp.Header)
	}
	size := len(whole)

	// Telegram Web: the preflight, then ranges from its own origin.
	resp, _ = d.send("OPTIONS", link, map[string]string{"Origin": telegramWeb, "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "range"}, "")
	if resp.StatusCode != http.StatusNoContent || resp.Header.Get("Access-Control-Allow-Origin") != telegramWeb || !strings.Contains(resp.Header.Get("Access-Control-Allow-Headers"), "Range") {
		t.Errorf("OPTIONS: %d %v", resp.StatusCode, resp.Header)
	}
	var parts []byte
	for off := 0; off < size; off += 1000 {
		resp, b := d.send("GET", link, map[string]string{"Origin": telegramWeb, "Range": "bytes=" + strconv.Itoa(off) + "-" + strconv.Itoa(off+999)}, "")
		if resp.StatusCode != http.StatusPartialContent || resp.Header.Get("Access-Control-Allow-Origin") != telegramWeb ||
			!strings.HasSuffix(resp.Header.Get("Content-Range"), "/"+strconv.Itoa(size)) || !strings.Contains(resp.Header.Get("Access-Control-Expose-Headers"), "Content-Range") {
			t.Fatalf("range at %d: %d %v", off, resp.StatusCode, resp.Header)
		}
		parts = append(parts, b...)
	}
	if !bytes.Equal(parts, whole) {
		t.Errorf("the ranges make %d bytes, not the file's %d", len(parts), size)
	}
	// Another site gets no CORS answer.
	resp, _ = d.send("HEAD", link, map[string]string{"Origin": "https://evil.example"}, "")
	if resp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("CORS for another site: %v", resp.Header)
	}

	// Two downloads are spent (one whole, one in ranges): the link serves
	// three downloads' worth, then nothing.
	if resp, _ := d.send("GET", link, nil, ""); resp.StatusCode != 200 {
		t.Errorf("third download: %d", resp.StatusCode)
	}
	resp, b := d.send("GET", link, nil, "")
	if resp.StatusCode != http.StatusGone || !strings.Contains(string(b), "已过期或已用过") {
		t.Errorf("a fourth download: %d %s", resp.StatusCode, b)
	}
	if resp, _ := d.send("HEAD", link, nil, ""); resp.StatusCode != http.StatusGone {
		t.Errorf("HEAD of a spent link: %d", resp.StatusCode)
	}

	// A link replayed after its lifetime: gone.
	fresh, _ := d.link(userHangzhou, map[string]string{"unit": "330100", "format": "csv", "form": "a3"})
	d.later.Store(int64(webapp.DownloadLifetime - time.Minute))
	if resp, _ := d.send("GET", fresh, nil, ""); resp.StatusCode != 200 {
		t.Errorf("a link within its lifetime: %d", resp.StatusCode)
	}
	d.later.Store(int64(webapp.DownloadLifetime + time.Second))
	if resp, b := d.send("GET", fresh, nil, ""); resp.StatusCode != http.StatusGone {
		t.Errorf("a link after its lifetime: %d %s", resp.StatusCode, b)
	}
	d.later.Store(0)

	// A link is no sign-in: not for the API, not for a review.
	other, _ := d.link(userHangzhou, map[string]string{"unit": "330100", "format": "zip"})
	token := other[strings.LastIndex(other, "/")+1:]
	var q []struct{ ID int64 }
	d.get(userHangzhou, "queue", &q)
	for _, attempt := range []struct {
		method, path, auth string
	}{
		{"POST", "/app/api/review?tma=" + token, ""},
		{"POST", "/app/api/review", "tma " + token},
		{"POST", "/app/api/review?t=" + token, ""},
		{"POST", "/app/dl/" + token, ""},
		{"GET", "/app/api/queue", "tma " + token},
	} {
		h := map[string]string{"Content-Type": "application/json"}
		if attempt.auth != "" {
			h["Authorization"] = attempt.auth
		}
		resp, b := d.send(attempt.method, d.srv.URL+attempt.path, h, `{"submission":`+strconv.FormatInt(q[0].ID, 10)+`,"approve":true}`)
		if resp.StatusCode != http.StatusUnauthorized && resp.StatusCode != http.StatusMethodNotAllowed {
			t.Errorf("%s %s with a download link's token: %d %s", attempt.method, attempt.path, resp.StatusCode, b)
		}
	}
	var status string
	if err := d.env.DB.QueryRowContext(t.Context(), `SELECT status FROM submissions WHERE id = $1`, q[0].ID).Scan(&status); err != nil || status != "submitted" {
		t.Errorf("the submission is %s (%v)", status, err)
	}
	// Unknown links: gone, and saying so.
	if resp, _ := d.send("GET", d.srv.URL+"/app/dl/nosuch", nil, ""); resp.StatusCode != http.StatusGone {
		t.Errorf("an unknown link: %d", resp.StatusCode)
	}
	// The token is kept only as its hash.
	var n int
	sum := sha256.Sum256([]byte(token))
	if err := d.env.DB.QueryRowContext(t.Context(), `SELECT count(*) FROM download_links WHERE token_hash = $1`, sum[:]).Scan(&n); err != nil || n != 1 {
		t.Errorf("stored by hash: %d %v", n, err)
	}
}

// TestPostsOnlyFromThePage: what changes anything takes JSON from the
// desk's own origin, with the sign-in in its header; a form or text/plain
// body (what another site can send without asking) and another origin are
// refused, and nothing changes.
func TestPostsOnlyFromThePage(t *testing.T) {
	d := newDesk(t)
	var q []struct{ ID int64 }
	d.get(userHangzhou, "queue", &q)
	body := `{"submission":` + strconv.FormatInt(q[0].ID, 10) + `,"approve":true}`
	auth := "tma " + d.initData(userHangzhou)
	for _, c := range []struct {
		name   string
		header map[string]string
		want   int
	}{
		{"text/plain", map[string]string{"Content-Type": "text/plain", "Authorization": auth}, http.StatusUnsupportedMediaType},
		{"a form", map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Authorization": auth}, http.StatusUnsupportedMediaType},
		{"no type", map[string]string{"Authorization": auth}, http.StatusUnsupportedMediaType},
		{"a foreign origin", map[string]string{"Content-Type": "application/json", "Authorization": auth, "Origin": "https://evil.example"}, http.StatusForbidden},
		{"the origin null", map[string]string{"Content-Type": "application/json", "Authorization": auth, "Origin": "null"}, http.StatusForbidden},
		{"another port", map[string]string{"Content-Type": "application/json", "Authorization": auth, "Origin": "http://127.0.0.1:1"}, http.StatusForbidden},
		{"no sign-in", map[string]string{"Content-Type": "application/json", "Origin": d.srv.URL}, http.StatusUnauthorized},
	} {
		for _, path := range []string{"review", "approve", "goto", "download"} {
			b := body
			if path == "approve" {
				b = `{"submissions":[` + strconv.FormatInt(q[0].ID, 10) + `]}`
			}
			resp, out := d.send("POST", d.srv.URL+"/app/api/"+path, c.header, b)
			if resp.StatusCode != c.want {
				t.Errorf("%s to %s: %d %s, want %d", c.name, path, resp.StatusCode, out, c.want)
			}
		}
	}
	var status string
	if err := d.env.DB.QueryRowContext(t.Context(), `SELECT status FROM submissions WHERE id = $1`, q[0].ID).Scan(&status); err != nil || status != "submitted" {
		t.Fatalf("after the refused posts the submission is %s (%v)", status, err)
	}
	// From the page itself: JSON, its own origin (with a charset, as some
	// browsers send it).
	resp, out := d.send("POST", d.srv.URL+"/app/api/review", map[string]string{"Content-Type": "application/json; charset=utf-8", "Authorization": auth, "Origin": d.srv.URL}, body)
	if resp.StatusCode != 200 || !strings.Contains(string(out), "已通过") {
		t.Errorf("the page's own post: %d %s", resp.StatusCode, out)
	}
}

// TestTheDesksHeaders: the page's scripts and styles run by their hashes
// only (no 'unsafe-inline'), it may be framed by Telegram Web only;
// nothing is sniffed; what is personal is never stored.
func TestTheDesksHeaders(t *testing.T) {
	d := newDesk(t)
	resp, page := d.send("GET", d.srv.URL+"/app/", nil, "")
	csp := resp.Header.Get("Content-Security-Policy")
	if strings.Contains(csp, "unsafe") || !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "frame-ancestors https://web.telegram.org") ||
		resp.Header.Get("X-Content-Type-Options") != "nosniff" || resp.Header.Get("Referrer-Policy") != "no-referrer" {
		t.Errorf("page headers: %v", resp.Header)
	}
	// Every script and style of the page is allowed by its hash, and
	// nothing else is inline: no handler attributes, no style attributes.
	code := regexp.MustCompile(`(?s)<(script|style)([^>]*)>(.*?)</(?:script|style)>`)
	n := 0
	for _, m := range code.FindAllSubmatch(page, -1) {
		if bytes.Contains(m[2], []byte("application/json")) {
			continue
		}
		sum := sha256.Sum256(m[3])
		if !strings.Contains(csp, "'sha256-"+base64.StdEncoding.EncodeToString(sum[:])+"'") {
			t.Errorf("a %s of the page is not in its CSP", m[1])
		}
		n++
	}
	if n != 3 {
		t.Errorf("%d scripts and styles", n)
	}
	if regexp.MustCompile(`<[^>]+\s(on[a-z]+|style)=`).Match(page) {
		t.Error("the page has inline handlers or style attributes, which its CSP blocks")
	}
	for _, path := range []string{"me", "desk?unit=330100", "queue", "mine"} {
		user := int64(userHangzhou)
		if path == "mine" {
			user = userXihu
		}
		req, _ := http.NewRequest("GET", d.srv.URL+"/app/api/"+path, nil)
		req.Header.Set("Authorization", "tma "+d.initData(user))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.Header.Get("Cache-Control") != "private, no-store" || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: %v", path, resp.Header)
		}
	}
	if resp, _ := d.send("GET", d.srv.URL+"/app/api/me", nil, ""); resp.Header.Get("Cache-Control") != "private, no-store" {
		t.Errorf("a refusal: %v", resp.Header)
	}
}
