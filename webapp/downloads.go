package webapp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"tianbao/catalog"
	"tianbao/dialogs"
	"tianbao/reports"
	"tianbao/store"
)

// A download is made in two steps. The page asks for the file with the
// person's sign-in in the header (POST api/download); the server makes it
// there and then, with the rights checked, keeps it, and answers a link of
// its own: dl/<token>, 256 random bits, for this one file of this one
// person, good for DownloadLifetime and DownloadsPerLink downloads. The
// page hands that link to Telegram (web_app_request_file_download, or
// web_app_open_link on older clients), which fetches it without the
// sign-in: Telegram's apps with a plain GET, Telegram Web across origins
// in byte ranges, which the link answers (CORS, OPTIONS, Range). The link
// can do nothing but send that file; the sign-in never travels in an
// address.
const (
	DownloadLifetime = 10 * time.Minute
	DownloadsPerLink = 3
)

// downloadRequest names what to export: a unit's subtree, one form or
// all, as xlsx, csv or zip.
type downloadRequest struct {
	Unit   string `json:"unit"`
	Form   string `json:"form"`
	Format string `json:"format"`
}

// DownloadLink is the answer to POST api/download: the link, relative to
// the page, and the file's name.
type DownloadLink struct {
	Link    string `json:"link"`
	Name    string `json:"name"`
	Expires string `json:"expires"`
}

func (s *Server) newDownload(ctx context.Context, w who, r *http.Request) (any, error) {
	var req downloadRequest
	if err := json.NewDecoder(http.MaxBytesReader(nil, r.Body, 4<<10)).Decode(&req); err != nil {
		return nil, errStatus{http.StatusBadRequest, catalog.DeskTexts["badRequest"]}
	}
	name, kind, body, err := s.export(ctx, w, req)
	if err != nil {
		return nil, err
	}
	return s.keepDownload(ctx, w, name, kind, body)
}

// keepDownload keeps a file made for w behind a link of its own.
func (s *Server) keepDownload(ctx context.Context, w who, name, kind string, body []byte) (DownloadLink, error) {
	now := s.now()
	token, err := s.DB.CreateDownload(ctx, w.contact.ID, store.Download{Name: name, ContentType: kind, Body: body, Created: now},
		now.Add(DownloadLifetime), DownloadsPerLink)
	if err != nil {
		return DownloadLink{}, err
	}
	return DownloadLink{Link: "dl/" + token, Name: name, Expires: now.Add(DownloadLifetime).In(w.camp.TimeZone).Format("15:04")}, nil
}

// export is the view's spreadsheet: the XLSX of a unit's subtree (or one
// form's), its CSV, or the zip with the documents — as /export and
// `tianbao export` write them.
func (s *Server) export(ctx context.Context, w who, req downloadRequest) (string, string, []byte, error) {
	unit := req.Unit
	if unit == "" {
		unit = w.contact.Unit
	}
	if w.reviewerOf(unit) == nil { // exports are a reviewer's, of the units a place of theirs reviews
		if !w.reviews() {
			return "", "", nil, errStatus{http.StatusForbidden, catalog.Texts.ExportOnlyReviewers}
		}
		return "", "", nil, errForbidden
	}
	x := reports.Exporter{DB: s.DB}
	opt := reports.ExportOptions{At: s.now()}
	f := w.camp.Form(req.Form)
	if req.Form != "" {
		if f == nil {
			return "", "", nil, errNotFound
		}
		opt.Forms = []string{f.ID}
	}
	var buf bytes.Buffer
	name := reports.ExportName(w.camp, &dialogs.ExportRef{Unit: unit, Form: req.Form}, s.now())
	var err error
	switch req.Format {
	case "", "xlsx":
		err = x.WriteXLSX(ctx, &buf, w.camp, unit, opt)
		return name, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", buf.Bytes(), err
	case "zip":
		err = x.WriteZip(ctx, &buf, w.camp, unit, opt)
		return strings.TrimSuffix(name, ".xlsx") + ".zip", "application/zip", buf.Bytes(), err
	case "csv":
		if f == nil {
			return "", "", nil, errStatus{http.StatusBadRequest, catalog.DeskTexts["csvOneForm"]}
		}
		table, err := x.SubtreeTable(ctx, w.camp, unit, f, opt)
		if err != nil {
			return "", "", nil, err
		}
		err = reports.WriteCSV(&buf, table, true)
		return strings.TrimSuffix(name, ".xlsx") + ".csv", "text/csv; charset=utf-8", buf.Bytes(), err
	}
	return "", "", nil, errStatus{http.StatusBadRequest, catalog.DeskTexts["badFormat"]}
}

// download sends the file behind a link: to Telegram's apps, to a browser
// (clients before 8.0 open the link there), and to Telegram Web, which
// fetches it from its own origin in byte ranges.
func (s *Server) download(rw http.ResponseWriter, r *http.Request) {
	h := rw.Header()
	if origin := r.Header.Get("Origin"); origin != "" && s.webOrigin(origin) {
		h.Set("Access-Control-Allow-Origin", origin)
		h.Set("Access-Control-Expose-Headers", "Content-Range, Content-Length, Content-Disposition, Accept-Ranges")
	}
	h.Add("Vary", "Origin")
	h.Set("Cache-Control", "private, no-store")
	switch r.Method {
	case http.MethodOptions: // the preflight of a cross-origin fetch with Range
		h.Set("Access-Control-Allow-Methods", "GET, HEAD")
		h.Set("Access-Control-Allow-Headers", "Range")
		h.Set("Access-Control-Max-Age", "600")
		rw.WriteHeader(http.StatusNoContent)
		return
	case http.MethodGet, http.MethodHead:
	default:
		h.Set("Allow", "GET, HEAD, OPTIONS")
		http.Error(rw, catalog.DeskTexts["badRequest"], http.StatusMethodNotAllowed)
		return
	}
	_ = http.NewResponseController(rw).SetWriteDeadline(time.Now().Add(downloadWriteTimeout))
	spend := func(size int64) int64 {
		if r.Method == http.MethodHead {
			return 0
		}
		return rangeLength(r.Header.Get("Range"), size)
	}
	d, err := s.DB.OpenDownload(r.Context(), r.PathValue("token"), s.now(), spend)
	if errors.Is(err, store.ErrDownloadGone) {
		h.Set("Content-Type", "text/plain; charset=utf-8")
		rw.WriteHeader(http.StatusGone)
		_, _ = rw.Write([]byte(catalog.DeskTexts["linkGone"] + "\n"))
		return
	}
	if err != nil {
		if s.Log != nil {
			s.Log.Error("desk download failed", "err", err)
		}
		http.Error(rw, dialogs.Apology().Text, http.StatusInternalServerError)
		return
	}
	h.Set("Content-Type", d.ContentType)
	h.Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(d.Name))
	http.ServeContent(rw, r, "", d.Created, bytes.NewReader(d.Body))
}

// rangeLength is how many bytes a GET with this Range header takes of a
// file of size: a single range's length, the whole file otherwise (no
// Range, several ranges, or one the server will not honour).
func rangeLength(header string, size int64) int64 {
	spec, ok := strings.CutPrefix(strings.TrimSpace(header), "bytes=")
	if !ok || strings.Contains(spec, ",") {
		return size
	}
	first, last, ok := strings.Cut(strings.TrimSpace(spec), "-")
	if !ok {
		return size
	}
	if first == "" { // the last n bytes
		n, err := strconv.ParseInt(last, 10, 64)
		if err != nil || n <= 0 {
			return size
		}
		return min(n, size)
	}
	start, err := strconv.ParseInt(first, 10, 64)
	if err != nil || start < 0 || start >= size {
		return size
	}
	end := size - 1
	if last != "" {
		if end, err = strconv.ParseInt(last, 10, 64); err != nil || end < start {
			return size
		}
		end = min(end, size-1)
	}
	return end - start + 1
}
