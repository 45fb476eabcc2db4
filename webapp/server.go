package webapp

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"tianbao/campaign"
	"tianbao/campaigns"
	"tianbao/catalog"
	"tianbao/dialogs"
	"tianbao/reports"
	"tianbao/store"
)

// Server is the desk's page and its API, under /app/.
type Server struct {
	Auth    Auth
	DB      *store.DB
	Reg     *campaigns.Registry
	Engine  *dialogs.Engine
	Log     *slog.Logger
	Now     func() time.Time
	BotName string // for the way back into the chat
	Prefix  string // where it is mounted: /app/ by default
	// Origin is the desk's public origin (APP_URL's scheme and host): a
	// POST from any other is refused. Empty: the request's own host.
	Origin string
	// WebOrigins are the origins of Telegram's web clients, which frame
	// the page and fetch its downloads across origins (CORS); an entry
	// may be https://*.domain. Default: DefaultWebOrigins.
	WebOrigins []string
	// Sessions sign a request in by other means than Telegram's initData
	// (a WeCom member's session cookie); the rights are the same.
	Sessions []Session
}

// Session is a way of signing in to the desk besides Telegram's initData:
// the person a request's session (a cookie) is. ok is false when the
// request carries no session of this kind; an unknown or expired one is
// store.ErrNotFound, as is a person without a place.
type Session interface {
	Person(r *http.Request) (p *store.Person, ok bool, err error)
}

// DefaultWebOrigins are Telegram Web's origins (web.telegram.org/k and /a).
var DefaultWebOrigins = []string{"https://web.telegram.org", "https://*.telegram.org"}

// Handler serves the page at the prefix, its API under prefix + api/ and
// downloads under prefix + dl/.
func (s *Server) Handler() http.Handler {
	prefix := s.Prefix
	if prefix == "" {
		prefix = "/app/"
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+prefix+"{$}", s.index)
	mux.HandleFunc("GET "+prefix+"api/me", s.api(s.me))
	mux.HandleFunc("GET "+prefix+"api/desk", s.api(s.desk))
	mux.HandleFunc("GET "+prefix+"api/return", s.api(s.unitReturn))
	mux.HandleFunc("GET "+prefix+"api/queue", s.api(s.queue))
	mux.HandleFunc("POST "+prefix+"api/review", s.api(s.review))
	mux.HandleFunc("POST "+prefix+"api/approve", s.api(s.approveBatch))
	mux.HandleFunc("GET "+prefix+"api/mine", s.api(s.mine))
	mux.HandleFunc("POST "+prefix+"api/goto", s.api(s.gotoField))
	mux.HandleFunc("POST "+prefix+"api/download", s.api(s.newDownload))
	mux.HandleFunc("GET "+prefix+"api/chart", s.chart)
	mux.HandleFunc("GET "+prefix+"api/timeline", s.api(s.timeline))
	mux.HandleFunc("GET "+prefix+"api/totals", s.api(s.totals))
	mux.HandleFunc(prefix+"dl/{token}", s.download) // GET, HEAD, OPTIONS
	s.formRoutes(mux, prefix)
	return secure(mux)
}

// secure sets what every answer of the desk carries: no content sniffing,
// no referrer (a download link must not travel in one).
func secure(next http.Handler) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		h := rw.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		next.ServeHTTP(rw, r)
	})
}

func (s *Server) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// index is the page: one file, its script and style inside, nothing
// fetched from elsewhere.
func (s *Server) index(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("Content-Security-Policy", pageCSP+"; frame-ancestors "+strings.Join(s.webOrigins(), " "))
	writeBody(w, r, page)
}

func (s *Server) webOrigins() []string {
	if len(s.WebOrigins) > 0 {
		return s.WebOrigins
	}
	return DefaultWebOrigins
}

// webOrigin reports whether origin is one of Telegram's web clients'.
func (s *Server) webOrigin(origin string) bool {
	for _, o := range s.webOrigins() {
		if o == origin {
			return true
		}
		if scheme, host, ok := strings.Cut(o, "://*."); ok {
			if rest, ok := strings.CutPrefix(origin, scheme+"://"); ok && strings.HasSuffix(rest, "."+host) && !strings.ContainsAny(rest, "/:@") {
				return true
			}
		}
	}
	return false
}

// gzipMin is the least body worth compressing.
const gzipMin = 1024

// writeBody writes a page or a JSON answer, gzipped where the client takes
// it: a province's matrix is a tenth of its size so, on a phone's network.
func writeBody(w http.ResponseWriter, r *http.Request, body []byte) {
	w.Header().Add("Vary", "Accept-Encoding")
	if len(body) < gzipMin || !acceptsGzip(r) {
		_, _ = w.Write(body)
		return
	}
	w.Header().Set("Content-Encoding", "gzip")
	zw := gzipWriters.Get().(*gzip.Writer)
	defer gzipWriters.Put(zw)
	zw.Reset(w)
	_, _ = zw.Write(body)
	_ = zw.Close()
}

var gzipWriters = sync.Pool{New: func() any { return gzip.NewWriter(io.Discard) }}

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		enc, q, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.TrimSpace(enc) == "gzip" && strings.TrimSpace(q) != "q=0" {
			return true
		}
	}
	return false
}

// who is the signed-in person of a request and the place the page is at
// (a campaign and a unit of theirs: the page's home, its queue, its own
// forms). What they may see is the union of their places in that
// campaign, each checked here, on every request.
type who struct {
	user    User
	person  *store.Person
	contact *store.TelegramContact // the page's place
	places  []dialogs.Contact      // the person's places in the campaign, the page's among them
	camp    *campaign.Campaign
	unit    *campaign.Unit
}

func reviewsRole(r dialogs.Role) bool { return r == dialogs.Reviewer || r == dialogs.Admin }

// reviews says the page's place is a reviewer's.
func (w who) reviews() bool { return reviewsRole(w.contact.Role) }

// reviewerOf is the person's place in the campaign that reviews unit (its
// own or one above it), the page's first; nil if none does.
func (w who) reviewerOf(unit string) *dialogs.Contact {
	if w.camp.Units[unit] == nil {
		return nil
	}
	if w.reviews() && w.camp.InSubtree(w.contact.Unit, unit) {
		return w.contact
	}
	for i := range w.places {
		if p := &w.places[i]; reviewsRole(p.Role) && w.camp.InSubtree(p.Unit, unit) {
			return p
		}
	}
	return nil
}

// mayOpen is the chat's rule over all the person's places in the
// campaign: a reviewer's place opens its subtree, any other its own unit.
func (w who) mayOpen(unit string) bool {
	if w.camp.Units[unit] == nil {
		return false
	}
	if w.reviewerOf(unit) != nil {
		return true
	}
	for _, p := range w.places {
		if p.Unit == unit {
			return true
		}
	}
	return false
}

// errStatus is an API error with its HTTP status, said in Chinese.
type errStatus struct {
	code int
	msg  string
}

func (e errStatus) Error() string { return e.msg }

var (
	errForbidden = errStatus{http.StatusForbidden, catalog.DeskTexts["forbidden"]}
	errNotFound  = errStatus{http.StatusNotFound, catalog.DeskTexts["notFound"]}
)

// signIn checks the request's initData, which travels only in its
// header (Authorization: tma <initData>), never in an address, and finds
// the person it is and the place the page is at.
func (s *Server) signIn(r *http.Request) (who, error) {
	data, _ := strings.CutPrefix(r.Header.Get("Authorization"), "tma ")
	p, u, err := s.person(r, data)
	if err != nil {
		return who{}, err
	}
	c, err := pagePlace(p, r.URL.Query())
	if err != nil {
		return who{}, err
	}
	camp, err := s.Reg.Campaign(r.Context(), c.Campaign)
	if err != nil {
		return who{}, err
	}
	unit := camp.Units[c.Unit]
	if unit == nil {
		return who{}, errForbidden
	}
	w := who{user: u, person: p, contact: c, camp: camp, unit: unit}
	for _, x := range p.Places {
		if x.Campaign == c.Campaign {
			w.places = append(w.places, x)
		}
	}
	return w, nil
}

// person is the person a request is signed in as: by Telegram's initData
// when it carries one (and Telegram is on: without a token nobody can
// sign one), else by a session.
func (s *Server) person(r *http.Request, initData string) (*store.Person, User, error) {
	expired := errStatus{http.StatusUnauthorized, catalog.DeskTexts["expired"]}
	stranger := errStatus{http.StatusUnauthorized, catalog.Texts.Stranger}
	if initData == "" {
		for _, sess := range s.Sessions {
			p, ok, err := sess.Person(r)
			switch {
			case !ok:
				continue
			case errors.Is(err, store.ErrNotFound):
				return nil, User{}, expired
			case err != nil:
				return nil, User{}, err
			}
			return p, User{FirstName: p.Name}, nil
		}
	}
	if s.Auth.Token == "" {
		return nil, User{}, expired
	}
	a := s.Auth
	if a.Now == nil {
		a.Now = s.now
	}
	u, err := a.Validate(initData)
	if err != nil {
		return nil, User{}, expired
	}
	p, err := s.DB.PersonOfTelegram(r.Context(), u.ID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, User{}, stranger
	}
	if err != nil {
		return nil, User{}, err
	}
	return p, u, nil
}

// pagePlace is the place a request names: place= (one of the person's,
// else 403), else the person's place in campaign= (else 403) that best fits
// unit= (a reviewer's over it, or the unit's own), else the place the chat
// is on.
func pagePlace(p *store.Person, q url.Values) (*dialogs.Contact, error) {
	campaignID, unit := q.Get("campaign"), q.Get("unit")
	if id := q.Get("place"); id != "" {
		n, err := strconv.ParseInt(id, 10, 64)
		c := p.Place(n)
		if err != nil || c == nil || (campaignID != "" && campaignID != c.Campaign) {
			return nil, errForbidden
		}
		return c, nil
	}
	if campaignID == "" {
		return p.CurrentPlace(), nil
	}
	var best *dialogs.Contact
	score := func(c *dialogs.Contact) int {
		switch {
		case reviewsRole(c.Role) && c.Unit == unit:
			return 4
		case c.Unit == unit:
			return 3
		case reviewsRole(c.Role):
			return 2
		}
		return 1
	}
	for i := range p.Places {
		if c := &p.Places[i]; c.Campaign == campaignID && (best == nil || score(c) > score(best)) {
			best = c
		}
	}
	if best == nil {
		return nil, errForbidden
	}
	return best, nil
}

// Deadlines of the desk's answers: a phone on a slow network has this long
// for an answer, and for a download.
const (
	apiWriteTimeout      = time.Minute
	downloadWriteTimeout = 10 * time.Minute
)

// checkPost refuses a POST that a page of another site could have sent: its
// body must be JSON (a form or text/plain body is what a cross-site form
// sends without asking), and its Origin, when the browser names one, the
// desk's own.
func (s *Server) checkPost(r *http.Request) error {
	if r.Method != http.MethodPost {
		return nil
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return errStatus{http.StatusUnsupportedMediaType, catalog.DeskTexts["badRequest"]}
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		return nil // not a browser's cross-site request: those always name their origin
	}
	own := s.Origin
	if own == "" {
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		if p := r.Header.Get("X-Forwarded-Proto"); p == "https" || p == "http" {
			scheme = p
		}
		own = scheme + "://" + r.Host
	}
	if !strings.EqualFold(origin, strings.TrimSuffix(own, "/")) {
		return errStatus{http.StatusForbidden, catalog.DeskTexts["foreignOrigin"]}
	}
	return nil
}

// api runs a JSON handler for a signed-in contact. A forged, expired or
// missing initData gets 401 and nothing else.
func (s *Server) api(fn func(ctx context.Context, w who, r *http.Request) (any, error)) http.HandlerFunc {
	return func(rw http.ResponseWriter, r *http.Request) {
		rw.Header().Set("Cache-Control", "private, no-store")
		_ = http.NewResponseController(rw).SetWriteDeadline(time.Now().Add(apiWriteTimeout))
		err := s.checkPost(r)
		var wh who
		if err == nil {
			wh, err = s.signIn(r)
		}
		if err == nil {
			var v any
			if v, err = fn(r.Context(), wh, r); err == nil {
				var body []byte
				if body, err = json.Marshal(v); err == nil {
					rw.Header().Set("Content-Type", "application/json; charset=utf-8")
					writeBody(rw, r, body)
					return
				}
			}
		}
		s.fail(rw, err)
	}
}

func (s *Server) fail(rw http.ResponseWriter, err error) {
	var es errStatus
	switch {
	case errors.As(err, &es):
	case errors.Is(err, dialogs.ErrNotYours), errors.Is(err, dialogs.ErrNotFillable):
		es = errStatus{http.StatusForbidden, err.Error()}
	case errors.Is(err, dialogs.ErrHandled), errors.Is(err, dialogs.ErrReviewInChat), errors.Is(err, dialogs.ErrNoReason), errors.Is(err, dialogs.ErrBatchHandled):
		es = errStatus{http.StatusConflict, err.Error()}
	case errors.Is(err, dialogs.ErrReasonTooLong):
		es = errStatus{http.StatusBadRequest, err.Error()}
	default:
		if s.Log != nil {
			s.Log.Error("desk request failed", "err", err)
		}
		es = errStatus{http.StatusInternalServerError, dialogs.Apology().Text}
	}
	rw.Header().Set("Content-Type", "application/json; charset=utf-8")
	rw.Header().Set("Cache-Control", "private, no-store")
	rw.WriteHeader(es.code)
	_ = json.NewEncoder(rw).Encode(map[string]string{"error": es.msg})
}

// Me is who is signed in.
type Me struct {
	Name     string `json:"name"`
	Unit     string `json:"unit"`
	UnitName string `json:"unitName"`
	Role     string `json:"role"`
	Reviews  bool   `json:"reviews"`
	Fills    bool   `json:"fills"` // the unit has forms of its own
	Campaign string `json:"campaign"`
	Title    string `json:"title"`
	Bot      string `json:"bot,omitempty"`
	// Place is the page's place (a contact id), which every later request
	// names; Places all the person's places, for the switcher.
	Place  int64       `json:"place"`
	Places []PlaceInfo `json:"places"`
}

// PlaceInfo is one of the person's places, as the switcher lists it.
type PlaceInfo struct {
	ID       int64  `json:"id"`
	Campaign string `json:"campaign"`
	Short    string `json:"short"`
	Unit     string `json:"unit"`
	UnitName string `json:"unitName"`
	Role     string `json:"role"`
}

func (s *Server) me(ctx context.Context, w who, r *http.Request) (any, error) {
	m := Me{Name: strings.TrimSpace(w.user.FirstName + " " + w.user.LastName), Unit: w.unit.Code, UnitName: w.unit.Name,
		Role: dialogs.RoleName(w.contact.Role), Reviews: w.reviews(), Fills: len(w.camp.FormsForUnit(w.unit)) > 0, Campaign: w.camp.ID, Title: w.camp.Title, Bot: s.BotName,
		Place: w.contact.ID, Places: []PlaceInfo{}}
	if w.user.ID == 0 { // signed in by a session (WeCom): no Telegram chat to go back to
		m.Bot = ""
	}
	for _, p := range w.person.Places {
		camp, err := s.Reg.Campaign(ctx, p.Campaign)
		if err != nil || camp.Units[p.Unit] == nil {
			continue
		}
		m.Places = append(m.Places, PlaceInfo{ID: p.ID, Campaign: p.Campaign, Short: camp.ShortName(), Unit: p.Unit,
			UnitName: camp.Units[p.Unit].Name, Role: dialogs.RoleName(p.Role)})
	}
	return m, nil
}

func (s *Server) unitParam(w who, r *http.Request) (string, error) {
	unit := r.URL.Query().Get("unit")
	if unit == "" {
		unit = w.contact.Unit
	}
	if !w.mayOpen(unit) {
		return "", errForbidden
	}
	return unit, nil
}

func (s *Server) desk(ctx context.Context, w who, r *http.Request) (any, error) {
	unit, err := s.reviewerUnit(w, r)
	if err != nil {
		return nil, err
	}
	return reports.Summarizer{DB: s.DB}.Desk(ctx, w.camp, w.reviewerOf(unit).Unit, unit, s.now())
}

func (s *Server) unitReturn(ctx context.Context, w who, r *http.Request) (any, error) {
	unit, err := s.unitParam(w, r)
	if err != nil {
		return nil, err
	}
	f := w.camp.Form(r.URL.Query().Get("form"))
	if f == nil || !f.FilledByUnit(w.camp.Units[unit]) {
		return nil, errNotFound
	}
	drafts, err := s.DB.UnitDrafts(ctx, w.camp.ID, unit)
	if err != nil {
		return nil, err
	}
	return reports.Exporter{DB: s.DB}.Return(ctx, w.camp, unit, f, drafts[f.ID])
}

func (s *Server) queue(ctx context.Context, w who, r *http.Request) (any, error) {
	if !w.reviews() {
		return []dialogs.QueueItem{}, nil
	}
	items, err := s.Engine.Queue(ctx, w.contact.ID)
	if items == nil {
		items = []dialogs.QueueItem{}
	}
	return items, err
}

// reviewRequest is 通过, or 退回 with a reason and the items to correct.
type reviewRequest struct {
	Submission int64    `json:"submission"`
	Approve    bool     `json:"approve"`
	Reason     string   `json:"reason"`
	Flags      []string `json:"flags"`
}

func (s *Server) review(ctx context.Context, w who, r *http.Request) (any, error) {
	var req reviewRequest
	if err := json.NewDecoder(http.MaxBytesReader(nil, r.Body, 64<<10)).Decode(&req); err != nil || req.Submission == 0 {
		return nil, errStatus{http.StatusBadRequest, catalog.DeskTexts["badRequest"]}
	}
	// Decided by the page's place, else by another of the person's places
	// in the campaign that reviews (the engine checks each). The reason
	// goes to the engine as it came: the engine cleans and checks it as
	// the chat's 退回 does.
	done, err := s.asReviewer(w, func(place int64) (string, error) {
		return s.Engine.Review(ctx, place, req.Submission, req.Approve, req.Reason, req.Flags)
	})
	if err != nil {
		return nil, err
	}
	return map[string]string{"done": done}, nil
}

// asReviewer runs a decision as the page's place, else as each other place
// of the person's in the campaign that reviews, until one may take it.
func (s *Server) asReviewer(w who, decide func(place int64) (string, error)) (string, error) {
	done, err := decide(w.contact.ID)
	for _, p := range w.places {
		if !errors.Is(err, dialogs.ErrNotYours) && !errors.Is(err, dialogs.ErrBatchHandled) {
			break
		}
		if p.ID != w.contact.ID && reviewsRole(p.Role) {
			done, err = decide(p.ID)
		}
	}
	return done, err
}

// maxBatch bounds one 全部通过: a queue's worth, not a crafted million.
const maxBatch = 500

// approveBatch is the queue's 全部通过 for the submissions chosen.
func (s *Server) approveBatch(ctx context.Context, w who, r *http.Request) (any, error) {
	var req struct {
		Submissions []int64 `json:"submissions"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(nil, r.Body, 64<<10)).Decode(&req); err != nil || len(req.Submissions) == 0 || len(req.Submissions) > maxBatch {
		return nil, errStatus{http.StatusBadRequest, catalog.DeskTexts["badRequest"]}
	}
	done, err := s.asReviewer(w, func(place int64) (string, error) {
		return s.Engine.ApproveBatch(ctx, place, req.Submissions)
	})
	if err != nil {
		return nil, err
	}
	return map[string]string{"done": done}, nil
}

// MyForm is a form of the filler's own unit: its state, progress, and its
// answers as the table they will submit.
type MyForm struct {
	ID       string              `json:"id"`
	Name     string              `json:"name"`
	Short    string              `json:"short"`
	Progress string              `json:"progress"`
	Return   *reports.UnitReturn `json:"return"` // a returned form's reason and flagged items in Return.Returned
	Open     bool                `json:"open"`   // open for answers: the chat can be opened at it
	Fields   []MyField           `json:"fields"` // the fields to change (the flagged ones apart), each a way back into the chat
}

// MyField is a question the chat can be opened at.
type MyField struct {
	Section  string `json:"section"`
	Row      string `json:"row,omitempty"` // a list's row
	Field    string `json:"field"`
	Label    string `json:"label"`
	Answered bool   `json:"answered,omitempty"`
}

func (s *Server) mine(ctx context.Context, w who, r *http.Request) (any, error) {
	drafts, err := s.DB.UnitDrafts(ctx, w.camp.ID, w.contact.Unit)
	if err != nil {
		return nil, err
	}
	forms := w.camp.ShownFor(w.unit, s.now(), func(f *campaign.Form) bool {
		d := drafts[f.ID]
		return d != nil && (d.Status == campaign.StatusSubmitted || d.Status == campaign.StatusApproved)
	})
	out := []MyForm{}
	for _, f := range forms {
		ret, err := reports.Exporter{DB: s.DB}.Return(ctx, w.camp, w.contact.Unit, f, drafts[f.ID])
		if err != nil {
			return nil, err
		}
		mf := MyForm{ID: f.ID, Name: f.Name(), Short: f.ShortName(), Return: ret}
		d := drafts[f.ID]
		if d == nil {
			d = campaign.NewDraft(w.camp.ID, w.contact.Unit, f.ID)
		}
		d.Bind(f, w.unit)
		done, total := d.Progress(f)
		mf.Progress = fmt.Sprintf("%d/%d", done, total)
		flagged := map[string]bool{}
		if ret.Returned != nil {
			for _, it := range ret.Returned.Items {
				flagged[it.Section+"/"+it.Row+"/"+it.Field] = true
			}
		}
		if f.OpenAt(s.now()) && d.Status != campaign.StatusSubmitted && d.Status != campaign.StatusApproved {
			mf.Open = true
			for _, sec := range f.Sections {
				switch sec.Kind {
				case campaign.Record:
					for _, fd := range sec.Fields {
						if d.Asked(sec, "", fd) && !flagged[sec.ID+"//"+fd.ID] {
							v, ok := d.Value(sec.ID, "", fd.ID)
							mf.Fields = append(mf.Fields, MyField{Section: sec.ID, Field: fd.ID, Label: fd.Title(), Answered: ok && v != ""})
						}
					}
				case campaign.List:
					// Each row (a park) is opened at its first question.
					for i, row := range d.Rows(sec.ID) {
						if flagged[sec.ID+"/"+row.Key+"/"] {
							continue
						}
						for _, fd := range sec.Fields {
							if d.Asked(sec, row.Key, fd) {
								name := row.Values[sec.Fields[0].ID]
								mf.Fields = append(mf.Fields, MyField{Section: sec.ID, Row: row.Key, Field: fd.ID, Answered: true,
									Label: fmt.Sprintf(catalog.DeskTexts["rowLabel"], sec.Title, i+1, sec.RowNoun, name)})
								break
							}
						}
					}
				}
			}
		}
		out = append(out, mf)
	}
	return out, nil
}

type gotoRequest struct {
	Form, Section, Row, Field string
}

func (s *Server) gotoField(ctx context.Context, w who, r *http.Request) (any, error) {
	var req gotoRequest
	if err := json.NewDecoder(http.MaxBytesReader(nil, r.Body, 16<<10)).Decode(&req); err != nil {
		return nil, errStatus{http.StatusBadRequest, catalog.DeskTexts["badRequest"]}
	}
	done, err := s.Engine.GoTo(ctx, w.contact.ID, req.Form, req.Section, req.Row, req.Field)
	if err != nil {
		return nil, err
	}
	out := map[string]string{"done": done}
	if s.BotName != "" && w.user.ID != 0 {
		out["chat"] = "https://t.me/" + s.BotName
	}
	return out, nil
}

// chart is the progress chart as PNG, for the page to show (fetched with
// the sign-in in its header, like every other answer).
func (s *Server) chart(rw http.ResponseWriter, r *http.Request) {
	rw.Header().Set("Cache-Control", "private, no-store")
	wh, err := s.signIn(r)
	if err == nil {
		var unit string
		if unit, err = s.reviewerUnit(wh, r); err == nil {
			var png []byte
			if png, err = (reports.Charts{DB: s.DB}).Progress(r.Context(), wh.camp, unit, s.now()); err == nil {
				rw.Header().Set("Content-Type", "image/png")
				_, _ = rw.Write(png)
				return
			}
		}
	}
	s.fail(rw, err)
}

// reviewerUnit is the unit= of a reviewer's view (the page's unit when
// none is named): one that a place of the person's in the campaign reviews.
func (s *Server) reviewerUnit(w who, r *http.Request) (string, error) {
	unit := r.URL.Query().Get("unit")
	if unit == "" {
		unit = w.contact.Unit
	}
	if w.reviewerOf(unit) == nil {
		if !w.reviews() {
			return "", errStatus{http.StatusForbidden, catalog.DeskTexts["reviewersOnly"]}
		}
		return "", errForbidden
	}
	return unit, nil
}

func (s *Server) timeline(ctx context.Context, w who, r *http.Request) (any, error) {
	unit, err := s.reviewerUnit(w, r)
	if err != nil {
		return nil, err
	}
	return reports.Summarizer{DB: s.DB}.Timeline(ctx, w.camp, unit, s.now())
}

func (s *Server) totals(ctx context.Context, w who, r *http.Request) (any, error) {
	unit, err := s.reviewerUnit(w, r)
	if err != nil {
		return nil, err
	}
	return reports.Summarizer{DB: s.DB}.Totals(ctx, w.camp, unit, s.now())
}

// OriginOf is the origin (scheme and host) of an address such as APP_URL,
// empty if it has none.
func OriginOf(address string) string {
	u, err := url.Parse(address)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}
