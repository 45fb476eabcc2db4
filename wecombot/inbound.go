package wecombot

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"strconv"
	"strings"
	"time"
	"unicode"

	"tianbao/catalog"
	"tianbao/dialogs"
	"tianbao/store"
	"tianbao/wecom"
)

// handleTimeout bounds one callback's handling. It runs on a context of its
// own: WeCom hangs up after five seconds, and an answer being saved then is
// saved all the same (WeCom's redelivery finds it applied).
const handleTimeout = 30 * time.Second

// handle applies one callback (wecom.Handler has checked its signature,
// time, organisation and app). An error makes the answer 500, and WeCom
// delivers the callback again: only failures worth another try (the
// database, WeCom out of reach) are returned. A member's callbacks are
// handled one at a time, in the order they come.
func (c *Channel) handle(reqCtx context.Context, m *wecom.Inbound) (err error) {
	lock := c.member(m.UserID)
	lock.Lock()
	defer lock.Unlock()
	ctx, cancel := context.WithTimeout(context.WithoutCancel(reqCtx), handleTimeout)
	defer cancel()
	defer func() {
		if p := recover(); p != nil {
			// Logged without the message: it holds personal data.
			c.log.Error("panic while handling a WeCom callback", "type", m.Type, "event", m.Event, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			c.tell(ctx, m.UserID, dialogs.Apology().Text)
			err = nil
		}
	}()
	key := "wc:" + m.DedupeKey()
	switch m.Type {
	case wecom.TypeText:
		return c.text(ctx, m.UserID, m.Content, key)
	case wecom.TypeEvent:
		switch m.Event {
		case wecom.EventClick:
			// A menu button: its key is a command (/start, /status, /help …).
			if _, ok := dialogs.ParseCommand(m.EventKey); ok {
				return c.text(ctx, m.UserID, m.EventKey, key)
			}
			c.log.Warn("a WeCom menu button whose key is not a command", "key", m.EventKey)
			return nil
		case wecom.EventTemplateCard:
			return c.press(ctx, m, key)
		}
		return nil // entering the app, opening a menu link: nothing to do
	case "image", "voice", "video", "file", "location", "link":
		if _, err := c.db.PersonOfWeCom(ctx, m.UserID); err == nil {
			if first, err := c.db.FirstInput(ctx, key); err != nil || !first {
				return err
			}
			c.tell(ctx, m.UserID, catalog.WeCom.NoFiles)
		}
		return nil
	}
	return nil
}

// text is a message the member typed (or a menu's command).
func (c *Channel) text(ctx context.Context, user, content, key string) error {
	p, err := c.db.PersonOfWeCom(ctx, user)
	if errors.Is(err, store.ErrNotFound) {
		c.stranger(ctx, user)
		return nil
	}
	if err != nil {
		return err
	}
	content = strings.TrimSpace(content)
	cmd, isCommand := dialogs.ParseCommand(content)
	if cmd == "export" {
		return c.export(ctx, user, p, key)
	}
	if !isCommand {
		data, ok, err := c.choose(ctx, user, content)
		if err != nil {
			return err
		}
		if ok {
			return c.pressData(ctx, user, p, data, key)
		}
	}
	in := dialogs.Input{ContactID: p.Current, Route: dialogs.RouteCurrent, Text: content, Key: key}
	return c.run(ctx, user, p, in)
}

// press is a card's button.
func (c *Channel) press(ctx context.Context, m *wecom.Inbound, key string) error {
	if rest, ok := strings.CutPrefix(m.EventKey, moreKey); ok {
		return c.more(ctx, m.UserID, rest, key)
	}
	data, ok := strings.CutPrefix(m.EventKey, pressKey)
	if !ok {
		c.log.Warn("a WeCom card button of no known kind", "task", m.TaskID)
		return nil
	}
	p, err := c.db.PersonOfWeCom(ctx, m.UserID)
	if errors.Is(err, store.ErrNotFound) {
		c.stranger(ctx, m.UserID)
		return nil
	}
	if err != nil {
		return err
	}
	return c.pressData(ctx, m.UserID, p, data, key)
}

// pressData presses an engine button: bound to a place, it acts there (if
// the place is the member's) and moves them there.
func (c *Channel) pressData(ctx context.Context, user string, p *store.Person, data, key string) error {
	in := dialogs.Input{ContactID: p.Current, Route: dialogs.RouteCurrent, Button: data, Key: key}
	if contact, rest, bound := dialogs.Bound(data); bound {
		if p.Place(contact) == nil {
			c.log.Warn("refused a WeCom button bound to a place the member does not hold", "contact", contact)
			c.tell(ctx, user, catalog.People.NotYourPlace)
			return nil
		}
		in.ContactID, in.Route, in.Button = contact, dialogs.RouteSwitch, rest
	}
	return c.run(ctx, user, p, in)
}

// run gives an input to the engine and sends the replies, as the Telegram
// bot's run does: a person who moved meanwhile is found where they are, a
// duplicate's replies go out only if they never did.
func (c *Channel) run(ctx context.Context, user string, p *store.Person, in dialogs.Input) error {
	in.Places = len(p.Places)
	replies, err := c.engine.Handle(ctx, in)
	if in.Route == dialogs.RouteCurrent && (errors.Is(err, dialogs.ErrNotCurrent) || errors.Is(err, dialogs.ErrUnknownContact)) {
		fresh, perr := c.db.PersonOfWeCom(ctx, user)
		switch {
		case errors.Is(perr, store.ErrNotFound):
			err = dialogs.ErrUnknownContact
		case perr != nil:
			return perr
		default:
			p = fresh
			in.ContactID, in.Places = p.Current, len(p.Places)
			replies, err = c.engine.Handle(ctx, in)
		}
	}
	var dup *dialogs.DuplicateError
	switch {
	case errors.As(err, &dup):
		// Applied before. Its replies go out once, however often WeCom
		// delivers it: sent already, or being sent by whoever applied it
		// (their lease), there is nothing to say; left unsent, they are
		// sent by whoever takes the lease first (this, or the sweep).
		if dup.Sent {
			return nil
		}
		if mine, err := c.db.ClaimReplies(ctx, in.Key); err != nil || !mine {
			return err
		}
		replies = dup.Replies
	case errors.Is(err, dialogs.ErrUnknownContact), errors.Is(err, dialogs.ErrNotCurrent):
		text := catalog.Texts.Stranger
		if in.Route == dialogs.RouteSwitch {
			text = catalog.People.PlaceGone
		}
		c.tell(ctx, user, text)
		return nil
	case err != nil:
		c.log.Error("handling a WeCom message failed", "contact", in.ContactID, "err", err)
		return err
	}
	place := p.Place(in.ContactID)
	if place == nil {
		place = &dialogs.Contact{ID: in.ContactID}
	}
	if err := c.reply(ctx, user, place, c.present(ctx, p, place, replies)); err != nil {
		// Saved, not shown: the redelivery (WeCom's, after the 500) sends
		// the recorded replies, the lease given up for it.
		if rerr := c.db.ReleaseReplies(ctx, in.Key); rerr != nil {
			c.log.Warn("giving up a reply's lease failed", "err", rerr)
		}
		return err
	}
	return c.db.MarkSent(ctx, []string{in.Key})
}

// present is dialogs.Present for the person's place.
func (c *Channel) present(ctx context.Context, p *store.Person, place *dialogs.Contact, replies []dialogs.Reply) []dialogs.Reply {
	return dialogs.Present(ctx, c.reg, len(p.Places), p.InCampaign(place.Campaign), place, replies)
}

// choose finds the button a typed line means on the member's newest screen:
// where it asks for a typed answer, only a button's exact label; elsewhere
// its number, its label, or the beginning of one label.
func (c *Channel) choose(ctx context.Context, user, line string) (string, bool, error) {
	card, err := c.db.LatestWeComCard(ctx, user)
	if errors.Is(err, store.ErrNotFound) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	pressable := func(b dialogs.Button) bool { return b.WebApp == "" && b.Data != "" }
	for _, b := range card.Buttons {
		if pressable(b) && (clean(b.Label) == line || !card.Typed && core(clean(b.Label)) == line) {
			return b.Data, true, nil
		}
	}
	if card.Typed {
		return "", false, nil
	}
	if n, err := strconv.Atoi(digits(line)); err == nil && n >= 1 && n <= len(card.Buttons) {
		if b := card.Buttons[n-1]; pressable(b) {
			return b.Data, true, nil
		}
	}
	var match []dialogs.Button
	for _, b := range card.Buttons {
		if l := clean(b.Label); pressable(b) && line != "" && (strings.HasPrefix(l, line) || strings.HasPrefix(core(l), line)) {
			match = append(match, b)
		}
	}
	if len(match) == 1 {
		return match[0].Data, true, nil
	}
	return "", false, nil
}

// digits reads full-width digits as ASCII ones (a phone's Chinese keyboard
// types １２).
func digits(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '０' && r <= '９' {
			return '0' + (r - '０')
		}
		return r
	}, s)
}

// core is a label without its leading symbols and spaces (✅, ➕, 📤 …).
func core(label string) string {
	return strings.TrimLeftFunc(label, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

// more sends a card's next buttons.
func (c *Channel) more(ctx context.Context, user, rest, key string) error {
	task, first, ok := strings.Cut(rest, ":")
	n, err := strconv.Atoi(first)
	if !ok || err != nil {
		return nil
	}
	kept, err := c.db.WeComCardOf(ctx, user, task)
	if errors.Is(err, store.ErrNotFound) || err == nil && (n < 0 || n >= len(kept.Buttons)) {
		c.tell(ctx, user, catalog.Chat.Stale)
		return nil
	}
	if err != nil {
		return err
	}
	if isNew, err := c.db.FirstInput(ctx, key); err != nil || !isNew {
		return err
	}
	next := &card{kept: *kept}
	next.kept.TaskID = taskID()
	next.msg = page(next.kept.TaskID, kept.Buttons, n, false, c.deskURL)
	next.msg.Title = catalog.WeCom.CardTitle
	_, err = c.deliver(ctx, user, []rendered{{card: next}})
	return err
}

// export: the spreadsheets are on the desk in WeCom (files are not sent).
func (c *Channel) export(ctx context.Context, user string, p *store.Person, key string) error {
	if isNew, err := c.db.FirstInput(ctx, key); err != nil || !isNew {
		return err
	}
	place := p.CurrentPlace()
	if place == nil || place.Role != dialogs.Reviewer && place.Role != dialogs.Admin {
		c.tell(ctx, user, catalog.Texts.ExportOnlyReviewers)
		return nil
	}
	link := c.placeURL(store.OutboxMessage{ContactID: place.ID, Campaign: place.Campaign, Unit: place.Unit})
	_, err := c.deliver(ctx, user, []rendered{{texts: texts(catalog.WeCom.ExportOnDesk, link)}})
	return err
}

// stranger tells a member who is nobody's contact what the app is, at
// most once every ten minutes.
func (c *Channel) stranger(ctx context.Context, user string) {
	now := time.Now()
	k := store.WeComKey(user)
	if last, ok := c.told.Load(k); ok && now.Sub(last.(time.Time)) < 10*time.Minute {
		return
	}
	c.told.Store(k, now)
	c.tell(ctx, user, catalog.Texts.Stranger)
}

// tell sends a member a plain text (no place, no buttons), within the
// member's rate; a text that must wait is not sent.
func (c *Channel) tell(ctx context.Context, user, text string) {
	if _, err := c.deliver(ctx, user, []rendered{{texts: texts(text, "")}}); err != nil {
		c.log.Warn("could not tell a WeCom member", "err", err)
	}
}
