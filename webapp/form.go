package webapp

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"tianbao/catalog"
	"tianbao/dialogs"
	"tianbao/reports"
)

// The form on the page (issue 24): a filler opens a form of the page's
// place's own unit whole and fills it cell by cell. Every action goes to
// the engine as a turn of that place (dialogs/page.go), on the draft the
// chat fills, with the chat's checks; the page's requests carry nothing
// that could widen them: no unit (the place's unit is the only one, and a
// request naming another is refused), the form by id, checked against what
// the unit fills. The routes follow the desk's rules: the sign-in in the
// header only, POSTs as JSON from the desk's own origin, answers private
// and never stored, and the person is found by whoever signed them in.

// formRoutes adds the form's routes under prefix.
func (s *Server) formRoutes(mux *http.ServeMux, prefix string) {
	mux.HandleFunc("GET "+prefix+"api/form", s.formAPI(s.formView, 0))
	mux.HandleFunc("POST "+prefix+"api/form/cell", s.formAPI(s.formCell, 0))
	// A phone on a slow network takes its time to send 20 MB.
	mux.HandleFunc("POST "+prefix+"api/form/file", s.formAPI(s.formFile, uploadWindow))
	mux.HandleFunc("POST "+prefix+"api/form/confirm", s.formAPI(s.formConfirm, 0))
	mux.HandleFunc("POST "+prefix+"api/form/delete", s.formAPI(s.formDelete, 0))
	mux.HandleFunc("POST "+prefix+"api/form/submit", s.formAPI(s.formSubmit, 0))
	// The notice's spreadsheet: the unit's template of the form behind a
	// download link, and a filled one taken back (formsheet.go).
	mux.HandleFunc("POST "+prefix+"api/form/template", s.api(s.formTemplate))
	mux.HandleFunc("POST "+prefix+"api/form/sheet", s.formAPI(s.formSheet, uploadWindow))
	mux.HandleFunc("POST "+prefix+"api/form/sheet/decide", s.formAPI(s.formSheetDecide, 0))
}

// uploadWindow is how long a document's upload may take to arrive (the
// listener's read timeout is for everything else).
const uploadWindow = 10 * time.Minute

// formAnswer is what the form's routes answer: what was done, the form as
// it stands, and for GET a return's reason, who returned it and the items
// flagged; Error repeats a refusal or a conflict's message.
type formAnswer struct {
	*dialogs.PageResult
	Returned *reports.ReturnNote `json:"returned,omitempty"`
	Version  int                 `json:"version,omitempty"`
	Error    string              `json:"error,omitempty"`
}

// formAPI is api for the form's routes: a refused value answers 422 and a
// cell changed by a backup contact 409, each with the form as it stands,
// so that the page shows why next to the cell and the current value in it.
func (s *Server) formAPI(fn func(ctx context.Context, w who, r *http.Request) (*formAnswer, error), read time.Duration) http.HandlerFunc {
	return func(rw http.ResponseWriter, r *http.Request) {
		rw.Header().Set("Cache-Control", "private, no-store")
		rc := http.NewResponseController(rw)
		if read > 0 {
			_ = rc.SetReadDeadline(time.Now().Add(read))
			_ = rc.SetWriteDeadline(time.Now().Add(read + apiWriteTimeout))
		} else {
			_ = rc.SetWriteDeadline(time.Now().Add(apiWriteTimeout))
		}
		err := s.checkPost(r)
		var wh who
		if err == nil {
			wh, err = s.signIn(r)
		}
		if err == nil {
			err = ownUnit(wh, r.URL.Query().Get("unit"))
		}
		var res *formAnswer
		if err == nil {
			res, err = fn(r.Context(), wh, r)
		}
		if err != nil {
			s.fail(rw, err)
			return
		}
		code := http.StatusOK
		switch {
		case res.Conflict != nil:
			code, res.Error = http.StatusConflict, res.Conflict.Message
		case res.Refused != "":
			code, res.Error = http.StatusUnprocessableEntity, res.Refused
		}
		b, err := json.Marshal(res)
		if err != nil {
			s.fail(rw, err)
			return
		}
		rw.Header().Set("Content-Type", "application/json; charset=utf-8")
		if code == http.StatusOK {
			writeBody(rw, r, b) // a form with its every cell: gzipped where it is taken
			return
		}
		rw.WriteHeader(code)
		_, _ = rw.Write(b)
	}
}

// ownUnit refuses a request that names a unit other than the place's: the
// page fills its place's unit's forms and no other's (a reviewer does not
// fill a county's form, whatever the request says).
func ownUnit(w who, unit string) error {
	if unit != "" && unit != w.contact.Unit {
		return errForbidden
	}
	return nil
}

// decode reads a POST's JSON body into v (at most limit bytes), refusing
// one that names another unit.
func decode(w who, r *http.Request, limit int64, v interface{ unit() string }) error {
	if err := json.NewDecoder(http.MaxBytesReader(nil, r.Body, limit)).Decode(v); err != nil {
		if errors.As(err, new(*http.MaxBytesError)) {
			return errStatus{http.StatusRequestEntityTooLarge, catalog.DeskTexts["badRequest"]}
		}
		return errStatus{http.StatusBadRequest, catalog.DeskTexts["badRequest"]}
	}
	return ownUnit(w, v.unit())
}

// formView is GET api/form: the form as the engine lays it out, and, when
// it stands returned, why, by whom and what to correct.
func (s *Server) formView(ctx context.Context, w who, r *http.Request) (*formAnswer, error) {
	form := r.URL.Query().Get("form")
	p, err := s.Engine.PageView(ctx, w.contact.ID, form)
	if err != nil {
		return nil, err
	}
	out := &formAnswer{PageResult: &dialogs.PageResult{Form: p}}
	drafts, err := s.DB.UnitDrafts(ctx, w.camp.ID, w.contact.Unit)
	if err != nil {
		return nil, err
	}
	ret, err := reports.Exporter{DB: s.DB}.Return(ctx, w.camp, w.contact.Unit, w.camp.Form(form), drafts[form])
	if err != nil {
		return nil, err
	}
	out.Returned, out.Version = ret.Returned, ret.Version
	return out, nil
}

// answer wraps the engine's result.
func answer(res *dialogs.PageResult, err error) (*formAnswer, error) {
	if err != nil {
		return nil, err
	}
	return &formAnswer{PageResult: res}, nil
}

// cellRequest is POST api/form/cell.
type cellRequest struct {
	dialogs.PageEdit
	Unit string `json:"unit"`
}

func (c *cellRequest) unit() string { return c.Unit }

func (s *Server) formCell(ctx context.Context, w who, r *http.Request) (*formAnswer, error) {
	var req cellRequest
	if err := decode(w, r, 16<<10, &req); err != nil {
		return nil, err
	}
	return answer(s.Engine.PageSet(ctx, w.contact.ID, req.PageEdit))
}

// fileRequest is POST api/form/file: a document for a file cell, its
// bytes in base64 (a POST is JSON, or it is refused).
type fileRequest struct {
	dialogs.PageEdit
	Unit string `json:"unit"`
	Name string `json:"name"`
	Data string `json:"data"`
}

func (f *fileRequest) unit() string { return f.Unit }

// maxUpload is the largest document a file cell takes: Telegram's, so that
// the chat and the page take the same.
const maxUpload = 20 << 20

func (s *Server) formFile(ctx context.Context, w who, r *http.Request) (*formAnswer, error) {
	var req fileRequest
	if err := decode(w, r, int64(base64.StdEncoding.EncodedLen(maxUpload)+64<<10), &req); err != nil {
		if es, ok := err.(errStatus); ok && es.code == http.StatusRequestEntityTooLarge {
			err = errStatus{es.code, fmt.Sprintf(catalog.PageFormTexts["fileTooBig"], maxUpload>>20)}
		}
		return nil, err
	}
	content, err := base64.StdEncoding.DecodeString(req.Data)
	if err != nil || len(content) == 0 {
		return nil, errStatus{http.StatusBadRequest, catalog.DeskTexts["badRequest"]}
	}
	// The engine checks the cell, the file's size and kind by its content
	// and the unit's quota before it stores it, as it does a document sent
	// in the chat.
	in := &dialogs.FileInput{Name: req.Name, Size: int64(len(content)),
		Load: func(context.Context) ([]byte, error) { return content, nil }}
	return answer(s.Engine.PageFile(ctx, w.contact.ID, req.PageEdit, in))
}

// confirmRequest is POST api/form/confirm: 确认无误 for a soft warning,
// for the values it was shown for.
type confirmRequest struct {
	Form        string `json:"form"`
	Section     string `json:"section"`
	Row         string `json:"row"`
	Rule        string `json:"rule"`
	Fingerprint string `json:"fingerprint"`
	Unit        string `json:"unit"`
}

func (c *confirmRequest) unit() string { return c.Unit }

func (s *Server) formConfirm(ctx context.Context, w who, r *http.Request) (*formAnswer, error) {
	var req confirmRequest
	if err := decode(w, r, 8<<10, &req); err != nil {
		return nil, err
	}
	return answer(s.Engine.PageConfirm(ctx, w.contact.ID, req.Form, req.Section, req.Row, req.Rule, req.Fingerprint))
}

// deleteRequest is POST api/form/delete: a list's row, with its name as
// the page showed it.
type deleteRequest struct {
	Form    string `json:"form"`
	Section string `json:"section"`
	Row     string `json:"row"`
	Name    string `json:"name"`
	Unit    string `json:"unit"`
}

func (d *deleteRequest) unit() string { return d.Unit }

func (s *Server) formDelete(ctx context.Context, w who, r *http.Request) (*formAnswer, error) {
	var req deleteRequest
	if err := decode(w, r, 8<<10, &req); err != nil {
		return nil, err
	}
	return answer(s.Engine.PageDeleteRow(ctx, w.contact.ID, req.Form, req.Section, req.Row, req.Name))
}

// submitRequest is POST api/form/submit (or 本级无).
type submitRequest struct {
	Form       string `json:"form"`
	NothingOwn bool   `json:"nothingOwn"`
	Unit       string `json:"unit"`
}

func (q *submitRequest) unit() string { return q.Unit }

func (s *Server) formSubmit(ctx context.Context, w who, r *http.Request) (*formAnswer, error) {
	var req submitRequest
	if err := decode(w, r, 4<<10, &req); err != nil {
		return nil, err
	}
	return answer(s.Engine.PageSubmit(ctx, w.contact.ID, req.Form, req.NothingOwn))
}
