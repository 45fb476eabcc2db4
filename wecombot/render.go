package wecombot

import (
	"crypto/rand"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"

	"tianbao/catalog"
	"tianbao/dialogs"
	"tianbao/store"
	"tianbao/wecom"
)

// How the engine's replies look in WeCom. A Telegram message carries its
// text and any number of buttons with labels of any length; WeCom's
// messages do not: a text has no buttons, and a button card (模板卡片,
// 按钮交互型) has a title of 36 characters, a subtitle of 160, and at most
// six buttons of at most ten characters (wecom/send.go has every limit).
// So a reply becomes:
//
//   - without buttons: its text (cut at line breaks into messages of
//     2,048 bytes);
//   - with buttons that fit (six or fewer, each label ten characters or
//     fewer): one card, the text its title and subtitle when it fits there,
//     else the text first and a card after it;
//   - with buttons that do not fit: the text lists every button numbered
//     with its full label (1. 补填：完成改造提升第 1 个园区（7 项）), and the card's
//     buttons carry the number and the label's beginning (1 补填：完成…);
//     past six, five buttons and 更多 ▸, which sends the next five. Typing
//     a number presses that button, as the console's numbers do — except
//     where the screen asks for a typed answer, where a number is the
//     answer.
//
// A card's buttons grey out after one press (replace_text): the next
// screen comes as a new message, as a pressed Telegram message is edited
// into the next screen.

// Button keys: an engine button's data behind "p:", a card's next page as
// "m:<task_id>:<first>".
const (
	pressKey = "p:"
	moreKey  = "m:"
)

// card is a card to send and its buttons as kept (for 更多 and numbers).
type card struct {
	msg  wecom.ButtonCard
	kept store.WeComCard
}

// rendered is what one reply becomes: texts first, then at most one card.
type rendered struct {
	texts []wecom.Message
	card  *card
}

func (r rendered) count() int {
	n := len(r.texts)
	if r.card != nil {
		n++
	}
	return n
}

// flat is a reply's buttons in reading order.
func flat(rows [][]dialogs.Button) []dialogs.Button {
	var all []dialogs.Button
	for _, row := range rows {
		all = append(all, row...)
	}
	return all
}

// fitsCard: six buttons or fewer, each label whole on a button.
func fitsCard(opts []dialogs.Button) bool {
	if len(opts) > wecom.MaxButtons {
		return false
	}
	for _, b := range opts {
		if utf8.RuneCountInString(clean(b.Label)) > wecom.MaxButtonTextChars {
			return false
		}
	}
	return true
}

// render turns a reply for a member into messages. deskURL turns a desk
// (web app) link into the one that opens in WeCom; link, when set, is the
// page the message is about (a notification's place on the desk), which
// its text or card links to.
func render(r dialogs.Reply, user string, contact int64, screen bool, deskURL func(string) string, link string) rendered {
	text := clean(r.Text)
	if r.Notice != "" {
		// Telegram shows it as the pressed button's pop-up; WeCom has none:
		// it goes first, as the console prints it.
		text = strings.TrimSpace("（" + clean(r.Notice) + "）\n" + text)
	}
	if r.Attach != nil && link != "" {
		// Files are not sent in WeCom: the desk has them.
		text = strings.TrimSpace(text + "\n" + catalog.WeCom.AttachOnDesk)
	}
	opts := flat(r.Buttons)
	if len(opts) == 0 {
		return rendered{texts: texts(text, link)}
	}
	fits := fitsCard(opts)
	body := text
	if !fits {
		var lines []string
		for i, b := range opts {
			lines = append(lines, fmt.Sprintf(catalog.WeCom.OptionLine, i+1, clean(b.Label)))
		}
		body = strings.TrimSpace(body + "\n\n" + strings.Join(lines, "\n") + "\n" + catalog.WeCom.ChooseByNumber)
	}
	c := &card{kept: store.WeComCard{TaskID: taskID(), UserID: user, ContactID: contact, Buttons: opts, Typed: r.Typed, Screen: screen}}
	c.msg = page(c.kept.TaskID, opts, 0, fits, deskURL)
	c.msg.Link = link
	out := rendered{card: c}
	title, sub, _ := strings.Cut(body, "\n")
	sub = strings.TrimSpace(sub)
	if title != "" && utf8.RuneCountInString(title) <= wecom.MaxMainTitleChars && utf8.RuneCountInString(sub) <= wecom.MaxSubTitleChars {
		c.msg.Title, c.msg.SubTitle = title, sub
		return out
	}
	out.texts = texts(body, "")
	c.msg.Title = catalog.WeCom.CardTitle
	// The text's last line is often the question the buttons answer
	// (请选择要填写的表格：): the card's title, when it fits.
	lines := strings.Split(strings.TrimSpace(text), "\n")
	if last := strings.TrimSpace(lines[len(lines)-1]); last != "" && utf8.RuneCountInString(last) <= wecom.MaxMainTitleChars {
		c.msg.Title = last
	}
	return out
}

// page is a card of opts from first on: all of them when they fit, else
// five and 更多 while more remain.
func page(task string, opts []dialogs.Button, first int, fits bool, deskURL func(string) string) wecom.ButtonCard {
	c := wecom.ButtonCard{TaskID: task}
	last := len(opts)
	more := false
	if last-first > wecom.MaxButtons {
		last, more = first+wecom.MaxButtons-1, true
	}
	callbacks := false
	for i := first; i < last; i++ {
		b := opts[i]
		label := clean(b.Label)
		if !fits {
			label = numbered(i+1, label)
		}
		if b.WebApp != "" {
			c.Buttons = append(c.Buttons, wecom.CardButton{Text: label, URL: deskURL(b.WebApp)})
			continue
		}
		callbacks = true
		c.Buttons = append(c.Buttons, wecom.CardButton{Text: label, Key: pressKey + b.Data})
	}
	if more {
		callbacks = true
		c.Buttons = append(c.Buttons, wecom.CardButton{Text: catalog.WeCom.More, Key: moreKey + task + ":" + strconv.Itoa(last), Style: 2})
	}
	if callbacks {
		c.ReplaceText = catalog.WeCom.Pressed
	}
	return c
}

// numbered is a button's text: its number and as much of its label as
// fits in ten characters, its leading symbols (✅, ↩️) left out.
func numbered(n int, label string) string {
	core := strings.TrimLeftFunc(label, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	if core == "" {
		core = label
	}
	prefix := strconv.Itoa(n) + " "
	room := wecom.MaxButtonTextChars - utf8.RuneCountInString(prefix)
	rs := []rune(core)
	if len(rs) > room {
		rs = append(rs[:room-1], '…')
	}
	return prefix + string(rs)
}

// texts is a text cut into messages within WeCom's 2,048 bytes, at line
// breaks where it can, with a link to the page after it.
func texts(text, link string) []wecom.Message {
	text = strings.NewReplacer("<", "＜", ">", "＞").Replace(text) // a text's <a> is a link in WeCom: none but ours
	if link != "" {
		text = strings.TrimSpace(text) + "\n\n" + `<a href="` + strings.ReplaceAll(link, `"`, "%22") + `">` + catalog.WeCom.OpenDesk + "</a>"
	}
	var out []wecom.Message
	for _, part := range split(text, wecom.MaxTextBytes) {
		if strings.TrimSpace(part) != "" {
			out = append(out, wecom.Text{Content: part})
		}
	}
	return out
}

// split cuts text into parts of at most limit bytes, at line breaks where
// possible, never inside a character.
func split(text string, limit int) []string {
	if len(text) <= limit {
		return []string{text}
	}
	var parts []string
	var cur strings.Builder
	for _, line := range strings.SplitAfter(text, "\n") {
		if cur.Len()+len(line) > limit && cur.Len() > 0 {
			parts = append(parts, strings.TrimRight(cur.String(), "\n"))
			cur.Reset()
		}
		for len(line) > limit {
			cut := limit
			for cut > 0 && !utf8.RuneStart(line[cut]) {
				cut--
			}
			parts = append(parts, line[:cut])
			line = line[cut:]
		}
		cur.WriteString(line)
	}
	if cur.Len() > 0 {
		parts = append(parts, strings.TrimRight(cur.String(), "\n"))
	}
	return parts
}

// clean makes a text one WeCom takes: the characters JSON can only carry
// as \uXXXX (controls, U+2028, U+2029), which WeCom refuses (40033), become
// spaces or line breaks.
func clean(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "�")
	}
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\t':
			return r
		case r == 0x2028 || r == 0x2029:
			return '\n'
		case r < 0x20 || r == 0x7f:
			return ' '
		}
		return r
	}, s)
}

var taskSeq atomic.Uint64

// taskID is a card's task_id, unique per app as WeCom requires: the time,
// a counter and random letters (a-z, 0-9: within 0-9A-Za-z_-@).
func taskID() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	r := ""
	for _, x := range b {
		r += strconv.FormatUint(uint64(x)%36, 36)
	}
	return "tb" + strconv.FormatInt(time.Now().UnixMilli(), 36) + "_" + strconv.FormatUint(taskSeq.Add(1), 36) + "_" + r
}

// deskQuery is the query of a desk link the engine made (APP_URL?campaign=…),
// which the WeCom entry keeps.
func deskQuery(webApp string) string {
	u, err := url.Parse(webApp)
	if err != nil {
		return ""
	}
	q := url.Values{}
	for _, k := range []string{"campaign", "unit", "place"} {
		if v := u.Query().Get(k); v != "" {
			q.Set(k, v)
		}
	}
	return q.Encode()
}
