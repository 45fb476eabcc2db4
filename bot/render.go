package bot

import (
	"context"
	"strings"
	"time"
	"unicode/utf16"

	"tianbao/dialogs"
	"tianbao/store"
)

// maxText is Telegram's limit on a message, in UTF-16 code units.
const maxText = 4096

// inlineKeyboard is our own reply markup: the library's button type always
// sends "copy_text":{"text":""}, which Telegram rejects for callback buttons.
type inlineKeyboard struct {
	InlineKeyboard [][]inlineButton `json:"inline_keyboard"`
}

type inlineButton struct {
	Text         string      `json:"text"`
	CallbackData string      `json:"callback_data,omitempty"`
	WebApp       *webAppInfo `json:"web_app,omitempty"`
}

// webAppInfo is the page a web_app button opens (Bot API WebAppInfo).
type webAppInfo struct {
	URL string `json:"url"`
}

func keyboard(rows [][]dialogs.Button) *inlineKeyboard {
	if len(rows) == 0 {
		return nil
	}
	kb := &inlineKeyboard{}
	for _, row := range rows {
		var r []inlineButton
		for _, b := range row {
			ib := inlineButton{Text: b.Label, CallbackData: b.Data}
			if b.WebApp != "" {
				ib.CallbackData, ib.WebApp = "", &webAppInfo{URL: b.WebApp}
			}
			r = append(r, ib)
		}
		kb.InlineKeyboard = append(kb.InlineKeyboard, r)
	}
	return kb
}

// replyJob is how the engine's replies are shown, as calls for the lane:
// the pressed button's answer first, then each reply, the first replacing
// the message whose button was pressed (sent anew if that message is gone);
// texts over Telegram's limit are split at line breaks, the buttons going
// with the last part; an attachment after its text.
func (b *Bot) replyJob(contact, chat int64, campaignID string, pressed int, callbackID, notice string, replies []dialogs.Reply) *job {
	j := &job{chat: chat, contact: contact}
	if callbackID != "" {
		j.steps = append(j.steps, b.answerStep(callbackID, notice))
	}
	for i, r := range replies {
		parts := split(r.Text, maxText)
		kb := keyboard(r.Buttons)
		if i == 0 && r.Replace && pressed != 0 && len(parts) == 1 {
			send := b.sendStep(chat, parts[0], kb)
			j.steps = append(j.steps, step{name: "editMessageText", fallback: &send,
				call: func(ctx context.Context) error { return b.editMessageText(ctx, chat, pressed, parts[0], kb) }})
		} else {
			for k, p := range parts {
				var markup *inlineKeyboard
				if k == len(parts)-1 {
					markup = kb
				}
				j.steps = append(j.steps, b.sendStep(chat, p, markup))
			}
		}
		if a := r.Attach; a != nil {
			j.steps = append(j.steps, step{name: "attachment", call: func(ctx context.Context) error { return b.attach(ctx, campaignID, chat, a) }})
		}
	}
	return j
}

func (b *Bot) sendStep(chat int64, text string, kb *inlineKeyboard) step {
	return step{name: "sendMessage", call: func(ctx context.Context) error { return b.sendMessage(ctx, chat, text, kb) }}
}

// answerStep answers a pressed button; one answered too late for
// Telegram (query is too old) is simply skipped.
func (b *Bot) answerStep(id, text string) step {
	return step{name: "answerCallbackQuery", quiet: true, call: func(ctx context.Context) error {
		return b.call(ctx, "answerCallbackQuery", answerCallbackRequest{CallbackQueryID: id, Text: text})
	}}
}

// reply hands an input's replies to the lane, and marks them sent once they
// were (or the chat blocked the bot).
func (b *Bot) reply(key string, c *store.TelegramContact, chat int64, pressed int, callbackID, notice string, replies []dialogs.Reply) {
	j := b.replyJob(c.ID, chat, c.Campaign, pressed, callbackID, notice, replies)
	j.key = key
	j.done = func(out jobOutcome) { b.replyDone(j, out) }
	b.lane.push(j)
}

// replyDone records how an input's replies ended: sent (or refused, or the
// user blocked the bot: nothing to send again) is marked, so that neither a
// redelivery nor the sweep sends them again; anything else is left for the
// sweep.
func (b *Bot) replyDone(j *job, out jobOutcome) {
	if out.blocked && j.contact != 0 {
		if err := b.db.MarkUnreachableAndTell(context.Background(), j.contact); err != nil {
			b.log.Warn("marking contact unreachable failed", "err", err)
		}
		b.sender.poke() // the reviewers are told
	}
	if j.key != "" && (out.delivered || out.blocked) {
		b.marks.add(j.key)
	}
}

// sendPlain says a text without buttons, through the lane (no contact to
// mark if blocked, nothing recorded to send again).
func (b *Bot) sendPlain(_ context.Context, chat int64, text string) error {
	j := &job{chat: chat}
	for _, p := range split(text, maxText) {
		j.steps = append(j.steps, b.sendStep(chat, p, nil))
	}
	b.lane.push(j)
	return nil
}

func sleep(ctx context.Context, d time.Duration) bool {
	select {
	case <-ctx.Done():
		return false
	case <-time.After(d):
		return true
	}
}

// split cuts text into parts of at most limit UTF-16 code units, at line
// breaks where possible.
func split(text string, limit int) []string {
	if utf16Len(text) <= limit {
		return []string{text}
	}
	var parts []string
	var cur strings.Builder
	curLen := 0
	flush := func() {
		if cur.Len() > 0 {
			parts = append(parts, strings.TrimRight(cur.String(), "\n"))
			cur.Reset()
			curLen = 0
		}
	}
	for _, line := range strings.SplitAfter(text, "\n") {
		n := utf16Len(line)
		if curLen+n > limit {
			flush()
		}
		for n > limit { // a single line longer than a message
			cut := cutAt(line, limit)
			parts = append(parts, line[:cut])
			line = line[cut:]
			n = utf16Len(line)
		}
		cur.WriteString(line)
		curLen += n
	}
	flush()
	return parts
}

func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

// cutAt is the byte index of the longest prefix of s within limit units.
func cutAt(s string, limit int) int {
	n := 0
	for i, r := range s {
		if n+utf16.RuneLen(r) > limit {
			return i
		}
		n += utf16.RuneLen(r)
	}
	return len(s)
}

// redact removes the bot token from a text before it is logged.
func redact(s, token string) string {
	if token == "" {
		return s
	}
	return strings.ReplaceAll(s, token, "<token>")
}
