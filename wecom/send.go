package wecom

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// Application messages (发送应用消息,
// https://developer.work.weixin.qq.com/document/path/90236). Every field
// is checked against the page's limits before anything is sent; a breach
// is a *FieldError and nothing goes out. Lengths are counted as WeCom
// counts them: "字节" in bytes of UTF-8, "字" in characters. Where the page
// says a longer text is cut ("超过会自动截断") or only recommends a length
// ("建议不超过"), the limit is enforced all the same: what a person reads
// must be whole.
const (
	MaxRecipients       = 1000               // touser: 最多支持1000个
	MaxTextBytes        = 2048               // text.content: 最长不超过2048个字节
	MaxCardTitleBytes   = 128                // textcard.title: 不超过128个字节
	MaxCardDescBytes    = 512                // textcard.description: 不超过512个字节
	MaxCardURLBytes     = 2048               // textcard.url: 最长2048字节
	MaxCardButtonChars  = 4                  // textcard.btntxt: 不超过4个文字
	MaxTaskIDBytes      = 128                // template_card.task_id: 最长128字节, 数字、字母和"_-@"
	MaxButtons          = 6                  // button_list: 列表长度不超过6
	MaxButtonKeyBytes   = 1024               // button_list.key: 最长支持1024字节, 不可重复
	MaxButtonTextChars  = 10                 // button_list.text: 建议不超过10个字
	MaxMainTitleChars   = 36                 // main_title.title: 建议不超过36个字
	MaxMainDescChars    = 44                 // main_title.desc: 建议不超过44个字
	MaxSubTitleChars    = 160                // sub_title_text: 建议不超过160个字
	MaxFields           = 6                  // horizontal_content_list: 列表长度不超过6
	MaxFieldKeyChars    = 5                  // horizontal_content_list.keyname: 建议不超过5个字
	MaxFieldValueChars  = 30                 // horizontal_content_list.value: 建议不超过30个字
	MaxJumps            = 3                  // jump_list: 列表长度不超过3
	MaxJumpTitleChars   = 18                 // jump_list.title: 建议不超过18个字
	MaxDuplicateCheck   = 4 * 3600           // duplicate_check_interval: 最大不超过4小时 (seconds)
	maxUserIDBytes      = 64                 // UserID: 长度1~64 (全局错误码 40003)
	maxReplaceTextChars = MaxButtonTextChars // replace_text: no documented limit; it takes a button's place
)

// Message is one of Text, TextCard, ButtonCard.
type Message interface {
	msgType() string
	check() error
}

// Text is a text message (文本消息). Line breaks are kept.
type Text struct {
	Content string
}

// TextCard is a text card (文本卡片消息): a title, a description, and a
// link opened by the card's button.
type TextCard struct {
	Title       string
	Description string // may hold <div class="gray|normal|highlight"> as the docs show
	URL         string
	Button      string // btntxt, default 详情
}

// ButtonCard is a template card of the button-interaction kind (模板卡片消息,
// 按钮交互型): a title, fields, and up to six buttons whose presses come back
// through the callback as template_card_event with the button's key and
// the card's task ID.
type ButtonCard struct {
	TaskID      string // unique per app: a card's presses name it
	Title       string // main_title.title
	TitleDesc   string // main_title.desc
	SubTitle    string // sub_title_text
	Fields      []CardField
	Jumps       []CardJump
	Link        string // card_action: the URL the card itself opens
	Buttons     []CardButton
	ReplaceText string // after a press the buttons give way to this, greyed
}

// CardField is a line of horizontal_content_list; with URL it is a link.
type CardField struct {
	Key, Value, URL string
}

// CardJump is a line of jump_list: a link under the card.
type CardJump struct {
	Title, URL string
}

// CardButton is a button: with Key it calls back, with URL it opens a page.
type CardButton struct {
	Text  string
	Key   string
	URL   string
	Style int // 1–4; 0 is WeCom's default, 1
}

func (Text) msgType() string       { return "text" }
func (TextCard) msgType() string   { return "textcard" }
func (ButtonCard) msgType() string { return "template_card" }

func fieldErr(field, format string, a ...any) error {
	return &FieldError{Field: field, Reason: fmt.Sprintf(format, a...)}
}

// text checks a text field: valid UTF-8, no character WeCom refuses, its
// length within max (bytes or characters), present when required.
func text(field, s string, required bool, max int, unit string) error {
	if s == "" {
		if required {
			return fieldErr(field, "is required")
		}
		return nil
	}
	if !utf8.ValidString(s) {
		return fieldErr(field, "is not UTF-8")
	}
	for i, r := range s {
		if escapedAsU(r) {
			return fieldErr(field, "has U+%04X at byte %d, which JSON can only carry as \\u%04x; WeCom refuses \\u escapes (errcode 40033)", r, i, r)
		}
	}
	switch unit {
	case "bytes":
		if n := len(s); n > max {
			return fieldErr(field, "is %d bytes; WeCom allows %d", n, max)
		}
	case "characters":
		if n := utf8.RuneCountInString(s); n > max {
			return fieldErr(field, "is %d characters; WeCom allows %d", n, max)
		}
	}
	return nil
}

// escapedAsU reports the characters encoding/json writes as \uXXXX even
// without HTML escaping: control characters other than \b \f \n \r \t,
// and U+2028, U+2029. WeCom refuses a body holding such an escape
// (全局错误码 40033: 不合法的请求字符，不能包含\uxxxx格式的字符).
func escapedAsU(r rune) bool {
	if r < 0x20 {
		return r != '\b' && r != '\f' && r != '\n' && r != '\r' && r != '\t'
	}
	return r == 0x2028 || r == 0x2029
}

// link checks a URL: absolute http(s) (45034: url必须有协议头), within max bytes.
func link(field, s string, required bool, max int) error {
	if err := text(field, s, required, max, "bytes"); err != nil || s == "" {
		return err
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fieldErr(field, "%q is not an absolute http(s) URL", s)
	}
	return nil
}

func (m Text) check() error {
	return text("text.content", m.Content, true, MaxTextBytes, "bytes")
}

func (m TextCard) check() error {
	if err := text("textcard.title", m.Title, true, MaxCardTitleBytes, "bytes"); err != nil {
		return err
	}
	if err := text("textcard.description", m.Description, true, MaxCardDescBytes, "bytes"); err != nil {
		return err
	}
	if err := link("textcard.url", m.URL, true, MaxCardURLBytes); err != nil {
		return err
	}
	return text("textcard.btntxt", m.Button, false, MaxCardButtonChars, "characters")
}

func validTaskID(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-' || c == '@') {
			return false
		}
	}
	return true
}

// urlLimit: the card's URLs have no documented byte limit of their own; the
// text card's 2,048 bytes is applied to them.
const urlLimit = MaxCardURLBytes

func (m ButtonCard) check() error {
	const p = "template_card."
	if m.TaskID == "" {
		return fieldErr(p+"task_id", "is required for a button_interaction card")
	}
	if len(m.TaskID) > MaxTaskIDBytes || !validTaskID(m.TaskID) {
		return fieldErr(p+"task_id", "%q must be 1–%d bytes of digits, letters and _-@", m.TaskID, MaxTaskIDBytes)
	}
	if m.Title == "" && m.SubTitle == "" {
		return fieldErr(p+"main_title.title", "is required (or sub_title_text)")
	}
	checks := []error{
		text(p+"main_title.title", m.Title, false, MaxMainTitleChars, "characters"),
		text(p+"main_title.desc", m.TitleDesc, false, MaxMainDescChars, "characters"),
		text(p+"sub_title_text", m.SubTitle, false, MaxSubTitleChars, "characters"),
		link(p+"card_action.url", m.Link, false, urlLimit),
		text(p+"replace_text", m.ReplaceText, false, maxReplaceTextChars, "characters"),
	}
	if len(m.Fields) > MaxFields {
		return fieldErr(p+"horizontal_content_list", "has %d lines; WeCom allows %d", len(m.Fields), MaxFields)
	}
	for i, f := range m.Fields {
		fp := fmt.Sprintf("%shorizontal_content_list[%d].", p, i)
		checks = append(checks,
			text(fp+"keyname", f.Key, true, MaxFieldKeyChars, "characters"),
			text(fp+"value", f.Value, false, MaxFieldValueChars, "characters"),
			link(fp+"url", f.URL, false, urlLimit))
	}
	if len(m.Jumps) > MaxJumps {
		return fieldErr(p+"jump_list", "has %d links; WeCom allows %d", len(m.Jumps), MaxJumps)
	}
	for i, j := range m.Jumps {
		jp := fmt.Sprintf("%sjump_list[%d].", p, i)
		checks = append(checks,
			text(jp+"title", j.Title, true, MaxJumpTitleChars, "characters"),
			link(jp+"url", j.URL, true, urlLimit))
	}
	if len(m.Buttons) == 0 || len(m.Buttons) > MaxButtons {
		return fieldErr(p+"button_list", "has %d buttons; a button_interaction card has 1–%d", len(m.Buttons), MaxButtons)
	}
	keys := map[string]int{}
	for i, b := range m.Buttons {
		bp := fmt.Sprintf("%sbutton_list[%d].", p, i)
		checks = append(checks, text(bp+"text", b.Text, true, MaxButtonTextChars, "characters"))
		if b.Style < 0 || b.Style > 4 {
			checks = append(checks, fieldErr(bp+"style", "is %d; WeCom has styles 1–4", b.Style))
		}
		switch {
		case b.Key != "" && b.URL != "":
			checks = append(checks, fieldErr(bp+"key", "a button either calls back (key) or opens a URL, not both"))
		case b.URL != "":
			checks = append(checks, link(bp+"url", b.URL, true, urlLimit))
		default:
			checks = append(checks, text(bp+"key", b.Key, true, MaxButtonKeyBytes, "bytes"))
			if j, dup := keys[b.Key]; dup && b.Key != "" {
				checks = append(checks, fieldErr(bp+"key", "%q repeats button %d's key; keys may not repeat", b.Key, j))
			}
			keys[b.Key] = i
		}
	}
	for _, err := range checks {
		if err != nil {
			return err
		}
	}
	return nil
}

// Outgoing is one call of message/send.
type Outgoing struct {
	To      []string // members' UserIDs, 1–1000
	Message Message
	// DuplicateCheck, when set, asks WeCom not to deliver the same request
	// again within this interval (enable_duplicate_check; at most 4 hours):
	// a resend after a lost answer reaches nobody twice.
	DuplicateCheck time.Duration
}

// SendResult is message/send's answer.
type SendResult struct {
	MsgID        string // for recalling the message
	ResponseCode string // a button card's code for update_template_card (once, within 72 hours)
	InvalidUsers []string
}

// CheckUserID applies the documented form of a UserID (全局错误码 40003: 1–64
// characters of letters, digits, '-', '_', '.'); '|' would split touser.
func CheckUserID(id string) error {
	if id == "" || len(id) > maxUserIDBytes {
		return fieldErr("touser", "UserID %q must be 1–%d characters", id, maxUserIDBytes)
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '@') {
			return fieldErr("touser", "UserID %q has %q; a UserID is letters, digits, '-', '_', '.' and '@'", id, c)
		}
	}
	return nil
}

// Check applies every documented limit to the call without sending it.
func (o Outgoing) Check() error {
	if o.Message == nil {
		return fieldErr("msgtype", "no message")
	}
	if len(o.To) == 0 || len(o.To) > MaxRecipients {
		return fieldErr("touser", "has %d members; message/send takes 1–%d", len(o.To), MaxRecipients)
	}
	seen := map[string]bool{}
	for _, id := range o.To {
		if err := CheckUserID(id); err != nil {
			return err
		}
		if seen[strings.ToLower(id)] {
			return fieldErr("touser", "names %q twice", id)
		}
		seen[strings.ToLower(id)] = true
	}
	if o.DuplicateCheck < 0 || o.DuplicateCheck > MaxDuplicateCheck*time.Second || (o.DuplicateCheck > 0 && o.DuplicateCheck < time.Second) {
		return fieldErr("duplicate_check_interval", "%v; WeCom takes 1 s to 4 h", o.DuplicateCheck)
	}
	return o.Message.check()
}

type sendRequest struct {
	ToUser                 string          `json:"touser"`
	MsgType                string          `json:"msgtype"`
	AgentID                int64           `json:"agentid"`
	Text                   *textBody       `json:"text,omitempty"`
	TextCard               *textCardBody   `json:"textcard,omitempty"`
	TemplateCard           *buttonCardBody `json:"template_card,omitempty"`
	EnableDuplicateCheck   int             `json:"enable_duplicate_check,omitempty"`
	DuplicateCheckInterval int             `json:"duplicate_check_interval,omitempty"`
}

type textBody struct {
	Content string `json:"content"`
}

type textCardBody struct {
	Title       string `json:"title"`
	Description string `json:"description"`
	URL         string `json:"url"`
	BtnTxt      string `json:"btntxt,omitempty"`
}

type buttonCardBody struct {
	CardType    string      `json:"card_type"`
	MainTitle   *title      `json:"main_title,omitempty"`
	SubTitle    string      `json:"sub_title_text,omitempty"`
	Horizontal  []hLine     `json:"horizontal_content_list,omitempty"`
	JumpList    []jumpLine  `json:"jump_list,omitempty"`
	CardAction  *cardAction `json:"card_action,omitempty"`
	TaskID      string      `json:"task_id"`
	ButtonList  []button    `json:"button_list"`
	ReplaceText string      `json:"replace_text,omitempty"`
}

type title struct {
	Title string `json:"title,omitempty"`
	Desc  string `json:"desc,omitempty"`
}

// The link types of the card's parts: 1 代表跳转url (0 or absent: plain
// text, or for a button a callback).
const linkURL = 1

type hLine struct {
	Type    int    `json:"type,omitempty"`
	KeyName string `json:"keyname"`
	Value   string `json:"value,omitempty"`
	URL     string `json:"url,omitempty"`
}

type jumpLine struct {
	Type  int    `json:"type"`
	Title string `json:"title"`
	URL   string `json:"url"`
}

type cardAction struct {
	Type int    `json:"type"`
	URL  string `json:"url"`
}

type button struct {
	Type  int    `json:"type,omitempty"`
	Text  string `json:"text"`
	Style int    `json:"style,omitempty"`
	Key   string `json:"key,omitempty"`
	URL   string `json:"url,omitempty"`
}

func linkType(url string) int {
	if url != "" {
		return linkURL
	}
	return 0
}

func (m ButtonCard) body() *buttonCardBody {
	b := &buttonCardBody{CardType: CardButtonInteraction, SubTitle: m.SubTitle, TaskID: m.TaskID, ReplaceText: m.ReplaceText}
	if m.Title != "" || m.TitleDesc != "" {
		b.MainTitle = &title{m.Title, m.TitleDesc}
	}
	for _, f := range m.Fields {
		b.Horizontal = append(b.Horizontal, hLine{Type: linkType(f.URL), KeyName: f.Key, Value: f.Value, URL: f.URL})
	}
	for _, j := range m.Jumps {
		b.JumpList = append(b.JumpList, jumpLine{linkURL, j.Title, j.URL})
	}
	if m.Link != "" {
		b.CardAction = &cardAction{linkURL, m.Link}
	}
	for _, x := range m.Buttons {
		b.ButtonList = append(b.ButtonList, button{Type: linkType(x.URL), Text: x.Text, Style: x.Style, Key: x.Key, URL: x.URL})
	}
	return b
}

// Body is the JSON message/send would be given for o (after Check).
func (c *Client) Body(o Outgoing) ([]byte, error) {
	if err := o.Check(); err != nil {
		return nil, err
	}
	r := sendRequest{ToUser: strings.Join(o.To, "|"), MsgType: o.Message.msgType(), AgentID: c.cfg.AgentID}
	switch m := o.Message.(type) {
	case Text:
		r.Text = &textBody{m.Content}
	case TextCard:
		r.TextCard = &textCardBody{m.Title, m.Description, m.URL, m.Button}
	case ButtonCard:
		r.TemplateCard = m.body()
	default:
		return nil, fieldErr("msgtype", "%T is not a message this client sends", o.Message)
	}
	if o.DuplicateCheck > 0 {
		r.EnableDuplicateCheck = 1
		r.DuplicateCheckInterval = int(o.DuplicateCheck / time.Second)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // "<", ">", "&" as themselves: WeCom refuses \u escapes
	if err := enc.Encode(r); err != nil {
		return nil, fmt.Errorf("wecom message/send: %w", err)
	}
	if HasUEscape(buf.Bytes()) {
		return nil, fieldErr("msgtype", "the request would hold a \\u escape, which WeCom refuses (40033)")
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// HasUEscape reports whether a JSON text holds a \uXXXX escape in a string
// (an escaped backslash followed by u is not one).
func HasUEscape(js []byte) bool {
	for i := 0; i < len(js); i++ {
		if js[i] == '\\' && i+1 < len(js) {
			if js[i+1] == 'u' {
				return true
			}
			i++
		}
	}
	return false
}

type sendAnswer struct {
	baseAnswer
	InvalidUser  string `json:"invaliduser"`
	InvalidParty string `json:"invalidparty"`
	InvalidTag   string `json:"invalidtag"`
	MsgID        string `json:"msgid"`
	ResponseCode string `json:"response_code"`
}

// Send sends an application message. A recipient WeCom cannot reach (not a
// member any more, outside the app's range) comes back as an
// *InvalidUserError, with the result when the others were reached; rate
// limits as *APIError matching ErrRateLimited (RetryAfter says when).
func (c *Client) Send(ctx context.Context, o Outgoing) (*SendResult, error) {
	body, err := c.Body(o)
	if err != nil {
		return nil, err
	}
	var a sendAnswer
	err = c.call(ctx, "message/send", http.MethodPost, "/cgi-bin/message/send", nil, body, &a)
	res := &SendResult{MsgID: a.MsgID, ResponseCode: a.ResponseCode, InvalidUsers: invalidUsers(o.To, a.InvalidUser)}
	switch {
	case err == nil && len(res.InvalidUsers) > 0:
		return res, &InvalidUserError{Users: res.InvalidUsers}
	case err == nil:
		return res, nil
	}
	if api, ok := err.(*APIError); ok {
		switch api.Code {
		case CodeAllInvalid, CodeInvalidUserID, CodeUserNotFound, CodeUserNotVisible:
			users := res.InvalidUsers
			if len(users) == 0 {
				users = append([]string(nil), o.To...)
			}
			return nil, &InvalidUserError{Users: users, Code: api.Code}
		}
	}
	return nil, err
}

// invalidUsers maps WeCom's invaliduser ("a|b", lower-cased) back to the
// recipients as the caller spelt them.
func invalidUsers(to []string, invalid string) []string {
	if invalid == "" {
		return nil
	}
	bad := map[string]bool{}
	for _, s := range strings.Split(invalid, "|") {
		if s != "" {
			bad[strings.ToLower(s)] = true
		}
	}
	var out []string
	for _, id := range to {
		if bad[strings.ToLower(id)] {
			out = append(out, id)
			delete(bad, strings.ToLower(id))
		}
	}
	rest := make([]string, 0, len(bad))
	for s := range bad { // named by WeCom but not sent to: kept, not lost
		rest = append(rest, s)
	}
	sort.Strings(rest)
	return append(out, rest...)
}
