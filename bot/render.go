package bot

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf16"

	tgbot "github.com/go-telegram/bot"

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

// render shows the engine's replies: the first may replace the message whose
// button was pressed; texts over Telegram's limit are split at line breaks,
// the buttons going with the last part.
func (b *Bot) render(ctx context.Context, c *store.TelegramContact, chat int64, pressed int, replies []dialogs.Reply) error {
	for i, r := range replies {
		parts := split(r.Text, maxText)
		kb := keyboard(r.Buttons)
		sent := false
		if i == 0 && r.Replace && pressed != 0 && len(parts) == 1 {
			err := b.edit(ctx, chat, pressed, parts[0], kb)
			switch {
			case err == nil:
				sent = true
			case !errors.Is(err, tgbot.ErrorBadRequest):
				return b.sendFailed(ctx, c.ID, err)
			}
			// Else the message is gone or too old to edit: send it anew.
		}
		for j, p := range parts {
			if sent {
				break
			}
			var markup *inlineKeyboard
			if j == len(parts)-1 {
				markup = kb
			}
			if err := b.send(ctx, chat, p, markup); err != nil {
				return b.sendFailed(ctx, c.ID, err)
			}
		}
		if r.Attach != nil {
			if err := b.attach(ctx, c.Campaign, chat, r.Attach); err != nil {
				if errors.Is(err, tgbot.ErrorBadRequest) || errors.Is(err, tgbot.ErrorForbidden) {
					return b.sendFailed(ctx, c.ID, err)
				}
				return err
			}
		}
	}
	return nil
}

// sendFailed notes a contact who blocked the bot (nothing to retry), logs
// a message Telegram refused (a bug: retrying cannot help, and the turn was
// saved), and passes other failures on, so the update is retried.
func (b *Bot) sendFailed(ctx context.Context, contactID int64, err error) error {
	if errors.Is(err, tgbot.ErrorBadRequest) {
		b.metrics.errors.WithLabelValues("refused").Inc()
		b.log.Error("Telegram refused a reply", "contact", contactID, "err", err)
		return nil
	}
	if errors.Is(err, tgbot.ErrorForbidden) {
		b.metrics.errors.WithLabelValues("blocked").Inc()
		if contactID != 0 {
			if err := b.db.MarkUnreachableAndTell(ctx, contactID); err != nil {
				b.log.Warn("marking contact unreachable failed", "err", err)
			}
			b.sender.poke() // the reviewers are told
		}
		return nil
	}
	b.metrics.errors.WithLabelValues("send").Inc()
	return err
}

func (b *Bot) send(ctx context.Context, chat int64, text string, kb *inlineKeyboard) error {
	return b.retry(ctx, func() error { return b.sendMessage(ctx, chat, text, kb) })
}

func (b *Bot) edit(ctx context.Context, chat int64, id int, text string, kb *inlineKeyboard) error {
	err := b.retry(ctx, func() error { return b.editMessageText(ctx, chat, id, text, kb) })
	if err != nil && strings.Contains(err.Error(), "message is not modified") {
		return nil // the same screen again (a repeated tap): nothing to change
	}
	return err
}

// sendPlain sends a text without buttons (no contact to mark if blocked).
func (b *Bot) sendPlain(ctx context.Context, chat int64, text string) error {
	for _, p := range split(text, maxText) {
		if err := b.send(ctx, chat, p, nil); err != nil {
			return b.sendFailed(ctx, 0, err)
		}
	}
	return nil
}

// retry runs a Bot API call, waiting out 429s (retry_after) and backing
// off on server and network errors, a few times.
func (b *Bot) retry(ctx context.Context, call func() error) error {
	var err error
	backoff := 200 * time.Millisecond
	for attempt := 0; attempt < 4; attempt++ {
		err = call()
		var tooMany *tgbot.TooManyRequestsError
		switch {
		case err == nil:
			return nil
		case errors.As(err, &tooMany):
			b.metrics.errors.WithLabelValues("429").Inc()
			if !sleep(ctx, time.Duration(max(tooMany.RetryAfter, 1))*time.Second) {
				return err
			}
		case errors.Is(err, tgbot.ErrorForbidden), errors.Is(err, tgbot.ErrorBadRequest),
			errors.Is(err, tgbot.ErrorUnauthorized), errors.Is(err, tgbot.ErrorNotFound):
			return err // retrying cannot help
		default:
			if !sleep(ctx, backoff) {
				return err
			}
			backoff *= 2
		}
	}
	return fmt.Errorf("after retries: %w", err)
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
