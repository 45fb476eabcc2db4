package wecomtest

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Received is a message as a member's WeCom shows it.
type Received struct {
	Seq          int
	At           time.Time
	AgentID      int64
	Type         string // text, textcard, template_card
	Text         string // text: the content
	Card         *TextCard
	Template     *Template
	MsgID        string
	ResponseCode string
	Cut          []string // what WeCom would show cut: "textcard.title: 140 bytes, shown as 128"
	Body         []byte   // the request as sent
}

// TextCard is a textcard as shown.
type TextCard struct{ Title, Description, URL, Button string }

// Template is a button_interaction card as shown.
type Template struct {
	CardType, TaskID, Title, TitleDesc, SubTitle, Link, ReplaceText string
	Fields                                                          []Field
	Jumps                                                           []Jump
	Buttons                                                         []Button
	pressed                                                         bool
}

// Field is a horizontal_content_list line.
type Field struct{ Key, Value, URL string }

// Jump is a jump_list link.
type Jump struct{ Title, URL string }

// Button is a button_list button: Key calls back, URL opens a page.
type Button struct {
	Text, Key, URL string
	Style          int
}

// refusal of a message/send request: errcode, and a detail for the test's
// log; 501 marks what the fake does not model.
type sendRefusal struct {
	code   int
	detail string
}

func (e *sendRefusal) Error() string { return fmt.Sprintf("errcode %d: %s", e.code, e.detail) }

func refuse(code int, format string, a ...any) *sendRefusal {
	return &sendRefusal{code, fmt.Sprintf(format, a...)}
}

const notModelledCode = 501

// fields is a JSON object under inspection, with the path to it.
type fields struct {
	m    map[string]any
	path string
	cut  *[]string
}

func (f fields) name(k string) string { return f.path + k }

func (f fields) has(k string) bool { _, ok := f.m[k]; return ok }

// str reads a string field; a value of another JSON type is 40058.
func (f fields) str(k string) (string, *sendRefusal) {
	v, ok := f.m[k]
	if !ok || v == nil {
		return "", nil
	}
	s, ok := v.(string)
	if !ok {
		return "", refuse(40058, "%s is not a string", f.name(k))
	}
	return s, nil
}

func (f fields) integer(k string) (int64, *sendRefusal) {
	v, ok := f.m[k]
	if !ok || v == nil {
		return 0, nil
	}
	n, ok := v.(json.Number)
	if !ok {
		return 0, refuse(40058, "%s is not a number", f.name(k))
	}
	i, err := n.Int64()
	if err != nil {
		return 0, refuse(40058, "%s is not an integer", f.name(k))
	}
	return i, nil
}

func (f fields) object(k string) (fields, bool, *sendRefusal) {
	v, ok := f.m[k]
	if !ok || v == nil {
		return fields{}, false, nil
	}
	o, ok := v.(map[string]any)
	if !ok {
		return fields{}, false, refuse(40058, "%s is not an object", f.name(k))
	}
	return fields{o, f.name(k) + ".", f.cut}, true, nil
}

// need reads an object the message type requires (40058: 要求参数必填 … 为空则报此错误).
func (f fields) need(k string) (fields, *sendRefusal) {
	o, ok, r := f.object(k)
	if r == nil && !ok {
		r = refuse(40058, "%s is required", f.name(k))
	}
	return o, r
}

func (f fields) list(k string, max int) ([]fields, *sendRefusal) {
	v, ok := f.m[k]
	if !ok || v == nil {
		return nil, nil
	}
	a, ok := v.([]any)
	if !ok {
		return nil, refuse(40058, "%s is not an array", f.name(k))
	}
	// 40058: "参数字段若是数组类型，若元素个数超出限制，也同样报错40058"
	if len(a) > max {
		return nil, refuse(40058, "%s has %d items; at most %d", f.name(k), len(a), max)
	}
	out := make([]fields, len(a))
	for i, x := range a {
		o, ok := x.(map[string]any)
		if !ok {
			return nil, refuse(40058, "%s[%d] is not an object", f.name(k), i)
		}
		out[i] = fields{o, fmt.Sprintf("%s[%d].", f.name(k), i), f.cut}
	}
	return out, nil
}

// shown is a text as WeCom shows it: longer than max (bytes or characters)
// it is cut, and the cut recorded.
func (f fields) shown(k, s string, max int, unit string) string {
	n := len(s)
	if unit == "characters" {
		n = utf8.RuneCountInString(s)
	}
	if n <= max {
		return s
	}
	*f.cut = append(*f.cut, fmt.Sprintf("%s: %d %s, shown as %d", f.name(k), n, unit, max))
	if unit == "characters" {
		return string([]rune(s)[:max])
	}
	for max > 0 && !utf8.RuneStart(s[max]) {
		max--
	}
	return s[:max]
}

// url checks a link: present when required (missing), with a protocol
// (45034: url必须有协议头).
func (f fields) url(k string, required bool, missing int) (string, *sendRefusal) {
	s, r := f.str(k)
	if r != nil {
		return "", r
	}
	if s == "" {
		if required {
			return "", refuse(missing, "%s is required", f.name(k))
		}
		return "", nil
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", refuse(45034, "%s %q", f.name(k), s)
	}
	return s, nil
}

// hasUEscape: a \uXXXX escape in the JSON text (全局错误码 40033: 不合法的
// 请求字符，不能包含\uxxxx格式的字符).
func hasUEscape(b []byte) bool {
	for i := 0; i+1 < len(b); i++ {
		if b[i] == '\\' {
			if b[i+1] == 'u' {
				return true
			}
			i++
		}
	}
	return false
}

// send: 发送应用消息 (https://developer.work.weixin.qq.com/document/path/90236).
func (s *Server) send(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		fail(w, 40063, "message/send takes POST", nil) // 40063: 接口要求以Post方法，就不能使用Get方式
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 4<<20))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	defer s.notify()
	t := s.auth(w, r)
	if t == nil {
		return
	}
	answer, extra, refusal := s.deliver(t, body)
	if refusal != nil {
		if refusal.code == notModelledCode {
			s.violate("message/send: %s not modelled", refusal.detail)
			notModelled(w, refusal.detail)
			return
		}
		fail(w, refusal.code, refusal.detail, extra)
		return
	}
	ok(w, answer)
}

func (s *Server) deliver(t *token, body []byte) (map[string]any, map[string]any, *sendRefusal) {
	if hasUEscape(body) {
		return nil, nil, refuse(40033, "the body holds a \\u escape")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil || dec.More() {
		return nil, nil, refuse(40058, "the body is not one JSON object") // 40058: json不合法
	}
	var cut []string
	req := fields{m, "", &cut}
	if !req.has("agentid") {
		return nil, nil, refuse(41011, "")
	}
	agentID, r := req.integer("agentid") // 企业应用的id，整型
	if r != nil {
		return nil, nil, refuse(40056, "agentid is not an integer")
	}
	app := s.apps[agentID]
	switch {
	case app == nil:
		return nil, nil, refuse(40056, "no app %d", agentID)
	case agentID != t.agent:
		return nil, nil, refuse(301002, "the token is app %d's", t.agent) // 无权限操作指定的应用
	case app.Closed:
		return nil, nil, refuse(50003, "")
	}
	rec := &Received{AgentID: agentID, Body: append([]byte(nil), body...)}
	msgType, r := req.str("msgtype")
	if r != nil {
		return nil, nil, r
	}
	rec.Type = msgType
	switch msgType {
	case "text":
		r = checkText(req, rec)
	case "textcard":
		r = checkTextCard(req, rec)
	case "template_card":
		r = s.checkTemplateCard(req, rec, agentID)
	case "image", "voice", "video", "file", "news", "mpnews", "markdown", "miniprogram_notice":
		r = refuse(notModelledCode, "msgtype %s", msgType)
	default:
		r = refuse(40008, "msgtype %q", msgType)
	}
	if r != nil {
		return nil, nil, r
	}
	rec.Cut = cut
	dup, r := duplicateCheck(req)
	if r != nil {
		return nil, nil, r
	}
	valid, invalid, r := s.recipients(req, app)
	if r != nil {
		return nil, nil, r
	}
	extra := map[string]any{"invaliduser": strings.Join(invalid, "|"), "invalidparty": "", "invalidtag": ""}
	for _, k := range []string{"toparty", "totag"} { // departments and tags are not modelled: none is valid
		if v, _ := req.str(k); v != "" {
			extra["invalid"+strings.TrimPrefix(k, "to")] = v
		}
	}
	if len(valid) == 0 {
		// 81013: UserID、部门ID、标签ID全部非法或无权限 — with invaliduser, as WeCom answers.
		return nil, extra, refuse(81013, "")
	}
	if r := s.dailyQuota(app, len(valid)); r != nil {
		return nil, nil, r
	}
	if rec.Type == "template_card" && rec.Template != nil {
		if s.taskIDs[agentID] == nil {
			s.taskIDs[agentID] = map[string]bool{}
		}
		// "同一个应用任务id不能重复": the docs give no code for a repeat; 40058
		// is the code they give for an invalid parameter.
		if s.taskIDs[agentID][rec.Template.TaskID] {
			return nil, nil, refuse(40058, "task_id %q was used before by this app", rec.Template.TaskID)
		}
		s.taskIDs[agentID][rec.Template.TaskID] = true
		rec.ResponseCode = randomToken(43)
	}
	s.nextMsgID++
	rec.MsgID = strconv.FormatUint(s.nextMsgID, 10)
	answer := map[string]any{"invaliduser": extra["invaliduser"], "invalidparty": extra["invalidparty"],
		"invalidtag": extra["invalidtag"], "unlicenseduser": "", "msgid": rec.MsgID}
	if rec.ResponseCode != "" {
		answer["response_code"] = rec.ResponseCode
	}
	now := s.now()
	if dup > 0 {
		// "在一定时间间隔内，同样内容（请求json）的消息，不会重复收到"
		key := fmt.Sprintf("%d:%x", agentID, sha256.Sum256(body))
		if until, seen := s.dupes[key]; seen && now.Before(until) {
			return answer, nil, nil
		}
		s.dupes[key] = now.Add(dup)
	}
	for _, c := range cut {
		s.violate("message/send to %s: %s", strings.Join(valid, "|"), c)
	}
	for _, id := range valid {
		s.seq++
		cp := *rec
		cp.Seq, cp.At = s.seq, now
		if cp.Template != nil {
			tpl := *cp.Template
			cp.Template = &tpl
		}
		key := strings.ToLower(id)
		if s.memberRateExceeded(agentID, key, now) {
			// "每应用对同一个成员不可超过30次/分钟，1000次/小时，超过部分会被丢弃不下发"
			s.dropped[key] = append(s.dropped[key], &cp)
			s.violate("message/send to %s: dropped, past the member's rate", id)
			continue
		}
		s.sent[fmt.Sprint(agentID, "/", key)] = append(s.sent[fmt.Sprint(agentID, "/", key)], now)
		s.inbox[key] = append(s.inbox[key], &cp)
	}
	return answer, nil, nil
}

// duplicateCheck reads enable_duplicate_check and duplicate_check_interval
// (default 1800 s, at most 4 hours).
func duplicateCheck(req fields) (time.Duration, *sendRefusal) {
	on, r := req.integer("enable_duplicate_check")
	if r != nil || on == 0 {
		return 0, r
	}
	iv, r := req.integer("duplicate_check_interval")
	if r != nil {
		return 0, r
	}
	if !req.has("duplicate_check_interval") {
		iv = 1800
	}
	if iv <= 0 || iv > 4*3600 {
		return 0, refuse(40058, "duplicate_check_interval %d; at most 4 hours", iv)
	}
	return time.Duration(iv) * time.Second, nil
}

// recipients splits touser ("userid1|userid2", at most 1000, or @all) into
// the members the app reaches and the rest, as WeCom names them in
// invaliduser: lower-cased ("不区分大小写，统一转为小写").
func (s *Server) recipients(req fields, app *App) (valid, invalid []string, _ *sendRefusal) {
	to, r := req.str("touser")
	if r != nil {
		return nil, nil, r
	}
	party, _ := req.str("toparty")
	tag, _ := req.str("totag")
	if to == "" && party == "" && tag == "" {
		return nil, nil, refuse(82001, "") // 指定的成员/部门/标签全部为空
	}
	if to == "@all" {
		for _, m := range s.members {
			if s.reachable(app, m.id) {
				valid = append(valid, m.id)
			}
		}
		sort.Strings(valid)
		return valid, nil, nil
	}
	ids := strings.Split(to, "|")
	if to == "" {
		ids = nil
	}
	if len(ids) > 1000 {
		return nil, nil, refuse(40032, "%d members", len(ids)) // 发消息接口，最多指定1000人
	}
	seen := map[string]bool{}
	for _, id := range ids {
		k := strings.ToLower(id)
		if seen[k] {
			continue
		}
		seen[k] = true
		if s.reachable(app, id) {
			valid = append(valid, s.members[k].id)
		} else {
			invalid = append(invalid, k)
		}
	}
	return valid, invalid, nil
}

// dailyQuota: "每应用不可超过账号上限数*200人次/天", then 45009 for the rest
// of the natural day (in China).
func (s *Server) dailyQuota(app *App, n int) *sendRefusal {
	now := s.now()
	if now.Before(s.dailyBlock[app.AgentID]) {
		return refuse(45009, "the app's daily recipients are used up")
	}
	china := now.In(time.FixedZone("CST", 8*3600))
	key := fmt.Sprint(app.AgentID, "/", china.Format("2006-01-02"))
	if s.daily[key]+n > s.Limits.AccountLimit*200 {
		y, m, d := china.Date()
		s.dailyBlock[app.AgentID] = time.Date(y, m, d+1, 0, 0, 0, 0, china.Location())
		return refuse(45009, "the app's daily recipients are used up")
	}
	s.daily[key] += n
	return nil
}

func (s *Server) memberRateExceeded(agentID int64, member string, now time.Time) bool {
	k := fmt.Sprint(agentID, "/", member)
	keep := s.sent[k][:0]
	inMinute := 0
	for _, t := range s.sent[k] {
		if now.Sub(t) < time.Hour {
			keep = append(keep, t)
			if now.Sub(t) < time.Minute {
				inMinute++
			}
		}
	}
	s.sent[k] = keep
	return inMinute >= s.Limits.MemberMinute || len(keep) >= s.Limits.MemberHour
}

// checkText: 文本消息. content 最长不超过2048个字节; empty is 44004, longer
// 45002 (全局错误码 45002: 文本消息类型：最长不超过2048个字节).
func checkText(req fields, rec *Received) *sendRefusal {
	o, r := req.need("text")
	if r != nil {
		return r
	}
	c, r := o.str("content")
	if r != nil {
		return r
	}
	if c == "" {
		return refuse(44004, "")
	}
	if len(c) > 2048 {
		return refuse(45002, "text.content is %d bytes", len(c))
	}
	rec.Text = c
	return nil
}

// checkTextCard: 文本卡片消息. title 不超过128个字节, description 不超过512个
// 字节 (both "超过会自动截断"), url 最长2048字节 with a protocol, btntxt 不超过
// 4个文字 (cut).
func checkTextCard(req fields, rec *Received) *sendRefusal {
	o, r := req.need("textcard")
	if r != nil {
		return r
	}
	title, r := o.str("title")
	if r != nil {
		return r
	}
	if title == "" {
		return refuse(41016, "textcard.title")
	}
	desc, r := o.str("description")
	if r != nil {
		return r
	}
	if desc == "" {
		return refuse(40058, "textcard.description is required") // 40058: 要求参数必填 … 为空则报此错误
	}
	link, r := o.url("url", true, 41010)
	if r != nil {
		return r
	}
	if len(link) > 2048 {
		return refuse(40058, "textcard.url is %d bytes; at most 2048", len(link))
	}
	btn, r := o.str("btntxt")
	if r != nil {
		return r
	}
	rec.Card = &TextCard{Title: o.shown("title", title, 128, "bytes"), Description: o.shown("description", desc, 512, "bytes"),
		URL: link, Button: o.shown("btntxt", btn, 4, "characters")}
	return nil
}

// checkTemplateCard: 模板卡片消息, 按钮交互型 (button_interaction), the kind
// tianbao sends; the other kinds are not modelled.
func (s *Server) checkTemplateCard(req fields, rec *Received, agentID int64) *sendRefusal {
	o, r := req.need("template_card")
	if r != nil {
		return r
	}
	kind, r := o.str("card_type")
	if r != nil {
		return r
	}
	switch kind {
	case "button_interaction":
	case "text_notice", "news_notice", "vote_interaction", "multiple_interaction":
		return refuse(notModelledCode, "template_card.card_type %s", kind)
	default:
		return refuse(40058, "template_card.card_type %q", kind)
	}
	for _, k := range []string{"source", "action_menu", "quote_area", "button_selection", "emphasis_content"} {
		if o.has(k) {
			return refuse(notModelledCode, "template_card.%s", k)
		}
	}
	tpl := &Template{CardType: kind}
	// task_id: 任务id，同一个应用任务id不能重复，只能由数字、字母和“_-@”组成，最长128字节
	task, r := o.str("task_id")
	if r != nil {
		return r
	}
	if task == "" || len(task) > 128 || strings.Trim(task, "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_-@") != "" {
		return refuse(40058, "template_card.task_id %q", task)
	}
	tpl.TaskID = task
	if mt, ok, r := o.object("main_title"); r != nil {
		return r
	} else if ok {
		t, r1 := mt.str("title")
		d, r2 := mt.str("desc")
		if r1 != nil || r2 != nil {
			return refuse(40058, "main_title")
		}
		tpl.Title, tpl.TitleDesc = mt.shown("title", t, 36, "characters"), mt.shown("desc", d, 44, "characters")
	}
	sub, r := o.str("sub_title_text")
	if r != nil {
		return r
	}
	tpl.SubTitle = o.shown("sub_title_text", sub, 160, "characters")
	if tpl.Title == "" && tpl.SubTitle == "" {
		return refuse(40058, "template_card: main_title.title or sub_title_text is required")
	}
	lines, r := o.list("horizontal_content_list", 6)
	if r != nil {
		return r
	}
	for _, l := range lines {
		typ, r := l.integer("type")
		if r != nil {
			return r
		}
		key, r1 := l.str("keyname")
		val, r2 := l.str("value")
		if r1 != nil || r2 != nil || key == "" {
			return refuse(40058, "%skeyname is required", l.path)
		}
		f := Field{Key: l.shown("keyname", key, 5, "characters"), Value: l.shown("value", val, 30, "characters")}
		switch typ {
		case 0:
		case 1:
			if f.URL, r = l.url("url", true, 40058); r != nil {
				return r
			}
		default:
			return refuse(notModelledCode, "%stype %d", l.path, typ)
		}
		tpl.Fields = append(tpl.Fields, f)
	}
	jumps, r := o.list("jump_list", 3)
	if r != nil {
		return r
	}
	for _, j := range jumps {
		typ, r := j.integer("type")
		if r != nil {
			return r
		}
		if typ != 1 {
			return refuse(notModelledCode, "%stype %d", j.path, typ)
		}
		title, r := j.str("title")
		if r != nil || title == "" {
			return refuse(40058, "%stitle is required", j.path)
		}
		u, r := j.url("url", true, 40058)
		if r != nil {
			return r
		}
		tpl.Jumps = append(tpl.Jumps, Jump{Title: j.shown("title", title, 18, "characters"), URL: u})
	}
	if act, ok, r := o.object("card_action"); r != nil {
		return r
	} else if ok {
		typ, r := act.integer("type")
		if r != nil {
			return r
		}
		if typ != 1 {
			return refuse(notModelledCode, "template_card.card_action.type %d", typ)
		}
		if tpl.Link, r = act.url("url", true, 40058); r != nil {
			return r
		}
	}
	buttons, r := o.list("button_list", 6)
	if r != nil {
		return r
	}
	if len(buttons) == 0 {
		return refuse(40058, "template_card.button_list is required")
	}
	keys := map[string]bool{}
	for _, b := range buttons {
		typ, r := b.integer("type")
		if r != nil {
			return r
		}
		text, r := b.str("text")
		if r != nil {
			return r
		}
		if text == "" {
			return refuse(42020, "%stext", b.path) // 缺少按钮名称
		}
		style, r := b.integer("style")
		if r != nil {
			return r
		}
		if b.has("style") && (style < 1 || style > 4) {
			s.violate("message/send: %sstyle %d is not 1–4; WeCom shows style 1", b.path, style) // 不填或错填默认1
			style = 1
		}
		btn := Button{Text: b.shown("text", text, 10, "characters"), Style: int(style)}
		switch typ {
		case 0:
			key, r := b.str("key")
			if r != nil {
				return r
			}
			if key == "" {
				return refuse(42019, "%skey", b.path) // 缺少按钮key值
			}
			if len(key) > 1024 || keys[key] {
				return refuse(42018, "%skey: over 1024 bytes or repeated", b.path) // 按钮key值不合法 (最长支持1024字节，不可重复)
			}
			keys[key] = true
			btn.Key = key
		case 1:
			if btn.URL, r = b.url("url", true, 40058); r != nil {
				return r
			}
		default:
			return refuse(40058, "%stype %d", b.path, typ)
		}
		tpl.Buttons = append(tpl.Buttons, btn)
	}
	if tpl.ReplaceText, r = o.str("replace_text"); r != nil {
		return r
	}
	rec.Template = tpl
	return nil
}

// Received lists what a member received, oldest first.
func (s *Server) Received(userID string) []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return copies(s.inbox[strings.ToLower(userID)])
}

// Dropped lists what was sent to a member past the per-member rate and
// never shown.
func (s *Server) Dropped(userID string) []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return copies(s.dropped[strings.ToLower(userID)])
}

func copies(in []*Received) []Received {
	out := make([]Received, len(in))
	for i, r := range in {
		out[i] = *r
		if r.Template != nil {
			t := *r.Template
			out[i].Template = &t
		}
	}
	return out
}
