package webapp

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"net/http"

	"tianbao/catalog"
	"tianbao/dialogs"
	"tianbao/reports"
)

// The notice's spreadsheet on the form's page (issue 24a). 📥 makes the
// unit's template of the form, pre-filled with the draft, as /template
// does in the chat, and hands it over behind a download link (a Mini App
// in Telegram Desktop or iOS cannot save a blob). 📤 takes a filled one
// back: the engine's import for the page's place and the form it shows
// (PageImport), its refused and remaining cells placed for the page to
// mark, and what it would change waiting for 确认 where the chat's wait.

// templateRequest is POST api/form/template.
type templateRequest struct {
	Form string `json:"form"`
	Unit string `json:"unit"`
}

func (q *templateRequest) unit() string { return q.Unit }

func (s *Server) formTemplate(ctx context.Context, w who, r *http.Request) (any, error) {
	if err := ownUnit(w, r.URL.Query().Get("unit")); err != nil {
		return nil, err
	}
	var req templateRequest
	if err := decode(w, r, 4<<10, &req); err != nil {
		return nil, err
	}
	// The form as the page opens it: the unit's own, open (else 403).
	p, err := s.Engine.PageView(ctx, w.contact.ID, req.Form)
	if err != nil {
		return nil, err
	}
	if !p.Editable {
		return nil, errStatus{http.StatusConflict, fmt.Sprintf(catalog.Sheets.TemplateSubmitted, p.Name)}
	}
	var buf bytes.Buffer
	if err := (reports.Templates{DB: s.DB}).Write(ctx, &buf, w.camp, w.contact.Unit, req.Form, s.now()); err != nil {
		return nil, err
	}
	name := reports.TemplateName(w.camp, &dialogs.TemplateRef{Unit: w.contact.Unit, Form: req.Form})
	return s.keepDownload(ctx, w, name, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", buf.Bytes())
}

// sheetRequest is POST api/form/sheet: a filled template, its bytes in
// base64 (a POST is JSON, or it is refused).
type sheetRequest struct {
	Form string `json:"form"`
	Unit string `json:"unit"`
	Name string `json:"name"`
	Data string `json:"data"`
}

func (q *sheetRequest) unit() string { return q.Unit }

// maxSheet is the largest template taken back: the chat's bound.
const maxSheet = 20 << 20

func (s *Server) formSheet(ctx context.Context, w who, r *http.Request) (*formAnswer, error) {
	var req sheetRequest
	if err := decode(w, r, int64(base64.StdEncoding.EncodedLen(maxSheet)+16<<10), &req); err != nil {
		if es, ok := err.(errStatus); ok && es.code == http.StatusRequestEntityTooLarge {
			err = errStatus{es.code, fmt.Sprintf(catalog.PageFormTexts["sheetTooBig"], maxSheet>>20)}
		}
		return nil, err
	}
	content, err := base64.StdEncoding.DecodeString(req.Data)
	if err != nil || len(content) == 0 {
		return nil, errStatus{http.StatusBadRequest, catalog.DeskTexts["badRequest"]}
	}
	// What the file is, is read from its content (a workbook, made by
	// /template for this place and form), never from its name.
	return answer(s.Engine.PageImport(ctx, w.contact.ID, req.Form, content))
}

// decideRequest is POST api/form/sheet/decide: ✅ 按表格修改 (apply) or
// 保留原答案, for the diff the page showed (its token).
type decideRequest struct {
	Form  string `json:"form"`
	Token string `json:"token"`
	Apply bool   `json:"apply"`
	Unit  string `json:"unit"`
}

func (q *decideRequest) unit() string { return q.Unit }

func (s *Server) formSheetDecide(ctx context.Context, w who, r *http.Request) (*formAnswer, error) {
	var req decideRequest
	if err := decode(w, r, 4<<10, &req); err != nil {
		return nil, err
	}
	return answer(s.Engine.PageSheetDecide(ctx, w.contact.ID, req.Form, req.Token, req.Apply))
}
