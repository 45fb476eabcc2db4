package bot

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-telegram/bot/models"

	"tianbao/catalog"
	"tianbao/dialogs"
	"tianbao/store"
)

// handleTimeout bounds one update's handling.
const handleTimeout = 30 * time.Second

// process handles one update with panic recovery, a time limit and metrics.
// It returns the idempotency key of an input whose replies went out (to be
// marked sent) and an error only when the update should be tried again.
func (b *Bot) process(ctx context.Context, u *models.Update) (key string, err error) {
	start := time.Now()
	kind := updateKind(u)
	defer func() {
		panicked := false
		if p := recover(); p != nil {
			// Logged without the update: it holds personal data.
			b.log.Error("panic while handling an update", "update", u.ID, "kind", kind, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			b.metrics.errors.WithLabelValues("panic").Inc()
			b.apologize(ctx, u)
			key, err, panicked = "", nil, true // handled: a panicking update is not retried forever
		}
		result := "ok"
		if err != nil {
			result = "error"
		}
		b.metrics.updates.WithLabelValues(kind, result).Inc()
		b.metrics.latency.WithLabelValues(kind).Observe(time.Since(start).Seconds())
		b.trace(ctx, u, kind, start, updateOutcome(key, err, panicked))
	}()
	// The time limit gets a context of its own: the recovering defer above
	// runs after this one's cancel, and must still be able to apologise.
	limited, cancel := context.WithTimeout(ctx, handleTimeout)
	defer cancel()
	switch {
	case u.Message != nil:
		return b.message(limited, u)
	case u.CallbackQuery != nil:
		return b.callback(limited, u)
	case u.EditedMessage != nil:
		return b.edited(limited, u)
	}
	return "", nil // kinds the bot did not ask for
}

func updateKind(u *models.Update) string {
	switch {
	case u.Message != nil && (u.Message.Document != nil || len(u.Message.Photo) > 0):
		return "file"
	case u.Message != nil:
		return "message"
	case u.CallbackQuery != nil:
		return "callback"
	case u.EditedMessage != nil:
		return "edit"
	}
	return "other"
}

// inputKey makes an update's input idempotent. A message's key is the
// message itself (its chat and id, the same however often the update is
// delivered), so that an edit of it later finds the answer it gave (see
// edits.go); anything else is keyed by its update id.
func inputKey(u *models.Update) string {
	if m := u.Message; m != nil {
		return messageKey(m.Chat.ID, m.ID)
	}
	return "tg:" + strconv.FormatInt(u.ID, 10)
}

func messageKey(chat int64, id int) string {
	return "tgm:" + strconv.FormatInt(chat, 10) + ":" + strconv.Itoa(id)
}

// personTTL is how long a person's places are remembered between inputs.
// Nothing is trusted from it that the turn does not check: the current
// place is checked by the turn itself (dialogs.ErrNotCurrent), a bound
// button's place is looked up afresh when it is not among them, /start
// reads afresh; what a stale entry can cost is a heading left out.
const personTTL = 5 * time.Minute

type cachedPerson struct {
	p  *store.Person
	at time.Time
}

// person finds the person a Telegram account is, with their places
// (remembered; fresh reads them again). A miss is not remembered, so an
// invite redeemed on another replica is seen at once.
func (b *Bot) person(ctx context.Context, user int64, fresh bool) (*store.Person, error) {
	if !fresh {
		if e, ok := b.people.Load(user); ok && time.Since(e.(cachedPerson).at) < personTTL {
			return e.(cachedPerson).p, nil
		}
	}
	p, err := b.db.PersonOfTelegram(ctx, user)
	if err != nil {
		b.people.Delete(user)
		return nil, err
	}
	b.people.Store(user, cachedPerson{p: p, at: time.Now()})
	return p, nil
}

// movedTo remembers that a person is on another of their places now.
func (b *Bot) movedTo(user int64, p *store.Person, contact int64) {
	if p.Current == contact {
		return
	}
	q := *p
	q.Places = append([]dialogs.Contact(nil), p.Places...)
	q.Current = contact
	for i := range q.Places {
		q.Places[i].Current = q.Places[i].ID == contact
	}
	b.people.Store(user, cachedPerson{p: &q, at: time.Now()})
}

func (b *Bot) message(ctx context.Context, u *models.Update) (string, error) {
	m := u.Message
	if m.From == nil {
		return "", nil
	}
	if m.Chat.Type != models.ChatTypePrivate {
		return "", b.group(ctx, m.Chat.ID) // nothing there reaches the engine
	}
	if m.Chat.ID != m.From.ID {
		// A private chat is the sender's own: anything else is forged, and
		// nothing of anyone's data is written into that chat.
		b.metrics.errors.WithLabelValues("foreign_chat").Inc()
		b.log.Warn("refused a message whose chat is not its sender's", "update", u.ID)
		return "", b.sendPlain(ctx, m.From.ID, catalog.Texts.NotPrivate)
	}
	user, chat := m.From.ID, m.From.ID
	cmd, arg := command(m.Text)
	var notes []string
	fresh := cmd == "start"
	if cmd == "start" && arg != "" {
		note, err := b.redeem(ctx, m, arg)
		if err != nil {
			return "", err
		}
		if note == "" {
			return "", nil // told why the invite did not work
		}
		notes = append(notes, note)
		fresh = false // redeem read the person, or made them
	}
	// /start reads the person afresh: a place given on another replica, or
	// by a campaign loaded over their units, is listed at once.
	p, err := b.person(ctx, user, fresh)
	if errors.Is(err, store.ErrNotFound) {
		return "", b.stranger(ctx, chat, user)
	}
	if err != nil {
		return "", err
	}
	c := p.CurrentPlace()
	switch cmd {
	case "export":
		return "", b.export(ctx, c, chat)
	}
	in := dialogs.Input{ContactID: c.ID, Route: dialogs.RouteCurrent, Text: m.Text, Key: inputKey(u)}
	if cmd == "start" {
		in.Text = "/start"          // the invite token is not a dialog input
		in.Arrived = len(notes) > 0 // an invite redeemed: its place's start screen
	}
	if m.Document != nil || len(m.Photo) > 0 {
		in.File = b.fileInput(m) // fetched only if the question wants it
	}
	return b.run(ctx, u, user, p, in, chat, 0, "", notes)
}

func (b *Bot) callback(ctx context.Context, u *models.Update) (string, error) {
	q := u.CallbackQuery
	user := q.From.ID
	// Replies go to the presser's private chat, and only a button of a
	// message in that chat is taken: one in a group, or in someone else's
	// chat, is refused as group messages are.
	chat, msgID := user, 0
	var where models.Chat
	switch {
	case q.Message.Message != nil:
		where, msgID = q.Message.Message.Chat, q.Message.Message.ID
	case q.Message.InaccessibleMessage != nil:
		where = q.Message.InaccessibleMessage.Chat
	default:
		where = models.Chat{ID: user, Type: models.ChatTypePrivate}
	}
	if where.ID != user || (where.Type != "" && where.Type != models.ChatTypePrivate) {
		b.metrics.errors.WithLabelValues("foreign_chat").Inc()
		b.log.Warn("refused a button outside the presser's private chat", "update", u.ID)
		b.answerCallback(user, q.ID, catalog.Texts.NotPrivate)
		return "", nil
	}
	p, err := b.person(ctx, user, false)
	if errors.Is(err, store.ErrNotFound) {
		b.answerCallback(user, q.ID, catalog.Texts.Stranger)
		return "", nil
	}
	if err != nil {
		return "", err
	}
	in := dialogs.Input{ContactID: p.Current, Route: dialogs.RouteCurrent, Button: q.Data, Key: inputKey(u)}
	// A button names its place (its campaign and unit): pressed whenever,
	// it acts there, and that place becomes the current one. A button of
	// a message from before places were named acts on the current place.
	if contact, data, bound := dialogs.Bound(q.Data); bound {
		if p.Place(contact) == nil {
			if p, err = b.person(ctx, user, true); err != nil && !errors.Is(err, store.ErrNotFound) {
				return "", err
			}
		}
		if p == nil || p.Place(contact) == nil {
			b.metrics.errors.WithLabelValues("foreign_place").Inc()
			b.log.Warn("refused a button bound to a place the presser does not hold", "update", u.ID, "contact", contact)
			b.answerCallback(user, q.ID, catalog.People.NotYourPlace)
			return "", nil
		}
		in.ContactID, in.Route, in.Button = contact, dialogs.RouteSwitch, data
	}
	return b.run(ctx, u, user, p, in, chat, msgID, q.ID, nil)
}

// run gives an input to the engine and shows the replies, each button
// bound to the place that answered and, for a person with several places,
// the place named first.
func (b *Bot) run(ctx context.Context, u *models.Update, user int64, p *store.Person, in dialogs.Input, chat int64, msgID int, callbackID string, notes []string) (string, error) {
	in.Places = len(p.Places)
	replies, err := b.engine.Handle(ctx, in)
	var other *dialogs.OtherPlaceError
	if errors.As(err, &other) {
		// A file made for another of the person's places (a template of
		// the other campaign or unit): it is taken there, and the person
		// is there now.
		if p.Place(other.Contact) == nil {
			fresh, perr := b.person(ctx, user, true)
			if perr != nil {
				return "", perr
			}
			p = fresh
		}
		in.ContactID, in.Route, in.Places = other.Contact, dialogs.RouteSwitch, len(p.Places)
		replies, err = b.engine.Handle(ctx, in)
	}
	if in.Route == dialogs.RouteCurrent && (errors.Is(err, dialogs.ErrNotCurrent) || errors.Is(err, dialogs.ErrUnknownContact)) {
		// The person moved to another place meanwhile (on another replica,
		// or from the desk), or this place was taken from them: the input
		// goes where they are now.
		fresh, perr := b.person(ctx, user, true)
		switch {
		case errors.Is(perr, store.ErrNotFound):
			err = dialogs.ErrUnknownContact
		case perr != nil:
			return "", perr
		default:
			p = fresh
			in.ContactID, in.Places = p.Current, len(p.Places)
			replies, err = b.engine.Handle(ctx, in)
		}
	}
	var dup *dialogs.DuplicateError
	switch {
	case errors.As(err, &dup):
		b.metrics.errors.WithLabelValues("duplicate").Inc()
		// Applied before. Its replies go out once, however often it comes:
		// sent already, or being sent by whoever applied it (their lease),
		// there is nothing to say; left unsent by a process that died, they
		// are sent by whoever takes the lease first.
		mine := false
		if !dup.Sent {
			if mine, err = b.db.ClaimReplies(ctx, in.Key); err != nil {
				return "", err
			}
		}
		if !mine {
			return "", nil // a press's answer went with them
		}
		replies = dup.Replies
	case errors.Is(err, dialogs.ErrUnknownContact), errors.Is(err, dialogs.ErrNotCurrent):
		b.people.Delete(user)
		text := catalog.Texts.Stranger
		if in.Route == dialogs.RouteSwitch {
			text = catalog.People.PlaceGone
		}
		if callbackID != "" {
			b.answerCallback(chat, callbackID, text)
			return "", nil
		}
		return "", b.sendPlain(ctx, chat, text)
	case err != nil:
		b.metrics.errors.WithLabelValues("engine").Inc()
		b.log.Error("handling an update failed", "update", u.ID, "contact", in.ContactID, "err", err)
		return "", err
	}
	if in.Route == dialogs.RouteSwitch {
		b.movedTo(user, p, in.ContactID)
	}
	if len(notes) > 0 && len(replies) > 0 {
		replies[0].Text = strings.Join(notes, "\n") + "\n\n" + replies[0].Text
	}
	notice := ""
	if len(replies) > 0 {
		notice = replies[0].Notice
	}
	c := p.Place(in.ContactID)
	if c == nil {
		c = &dialogs.Contact{ID: in.ContactID}
	}
	// Saved: what it says goes out through the lane, the update does not
	// wait for Telegram.
	b.reply(in.Key, c, chat, msgID, callbackID, notice, b.present(ctx, p, c, replies))
	return in.Key, nil
}

// present is dialogs.Present for the person's place.
func (b *Bot) present(ctx context.Context, p *store.Person, place *dialogs.Contact, replies []dialogs.Reply) []dialogs.Reply {
	return dialogs.Present(ctx, b.reg, len(p.Places), p.InCampaign(place.Campaign), place, replies)
}

// command reads "/cmd@bot arg" as Telegram sends it; entity offsets are not
// used (the library compares them as bytes, wrong after Chinese text).
func command(text string) (string, string) {
	name, ok := dialogs.ParseCommand(text)
	if !ok {
		return "", ""
	}
	_, arg, _ := strings.Cut(strings.TrimSpace(text), " ")
	return name, strings.TrimSpace(arg)
}

// stranger tells someone without an invite what the bot is, at most once
// every ten minutes, and nothing else.
func (b *Bot) stranger(ctx context.Context, chat, user int64) error {
	if !b.mayTell(&b.strangers, user) {
		return nil
	}
	b.metrics.errors.WithLabelValues("stranger").Inc()
	return b.sendPlain(ctx, chat, catalog.Texts.Stranger)
}

// mayTell reports whether someone without an invite may be told this kind
// of thing (what the bot is; that a link did not work) now: at most once
// every ten minutes each, so that nobody can make the bot talk at will.
func (b *Bot) mayTell(told *sync.Map, user int64) bool {
	now := b.cfg.Now()
	if last, ok := told.Load(user); ok && now.Sub(last.(time.Time)) < 10*time.Minute {
		return false
	}
	told.Store(user, now)
	return true
}

// apologize tells the chat an update was not handled and will not be.
func (b *Bot) apologize(ctx context.Context, u *models.Update) {
	chat := chatOf(u)
	if chat == 0 {
		return
	}
	if u.CallbackQuery != nil {
		b.answerCallback(chat, u.CallbackQuery.ID, "")
	}
	_ = b.sendPlain(ctx, chat, dialogs.Apology().Text)
}

// answerCallback answers a pressed button, through the lane.
func (b *Bot) answerCallback(chat int64, id, text string) {
	b.lane.push(&job{chat: chat, steps: []step{b.answerStep(id, text)}})
}

// groupQuiet is how long a group's later messages are dropped in memory,
// without asking the database; groupNoteEvery how often a group is told.
const (
	groupQuiet     = time.Minute
	groupNoteEvery = 24 * time.Hour
)

// group answers a message in a group or channel: the bot does not converse
// there, so nothing of it reaches the engine. The chat is told once (at
// most every groupNoteEvery, across replicas) to write in private, and the
// bot leaves it; anything more from it is dropped, so that no group can
// make the bot talk, or keep it busy, at will.
func (b *Bot) group(ctx context.Context, chat int64) error {
	b.metrics.errors.WithLabelValues("group").Inc()
	now := time.Now()
	if last, ok := b.groups.Load(chat); ok && now.Sub(last.(time.Time)) < groupQuiet {
		return nil
	}
	tell, err := b.db.NoteGroup(ctx, chat, groupNoteEvery)
	if err != nil {
		return err
	}
	b.groups.Store(chat, now)
	j := &job{chat: chat}
	if tell {
		j.steps = append(j.steps, b.sendStep(chat, catalog.Texts.GroupNote, nil))
	}
	j.steps = append(j.steps, step{name: "leaveChat", quiet: true, call: func(ctx context.Context) error {
		return b.call(ctx, "leaveChat", map[string]int64{"chat_id": chat})
	}})
	b.lane.push(j)
	return nil
}
