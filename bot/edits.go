package bot

import (
	"context"
	"errors"
	"time"

	"github.com/go-telegram/bot/models"

	"tianbao/catalog"
	"tianbao/dialogs"
	"tianbao/store"
)

// inputsKept is how long applied updates are remembered: redeliveries are
// recognised, and an edited message finds the answer it gave, for a week.
const inputsKept = 7 * 24 * time.Hour

// edited handles an edited message (edited_message): a typed answer
// corrected by editing the message that gave it. The message's input,
// remembered under its key, names the place it was applied in and the
// question it answered; the engine checks the new text as a typed answer
// and changes that answer while the form is a draft, or says why not.
// Nothing is said in a group or a chat that is not the sender's, nor to a
// stranger; an edit of a photo's or a document's caption changes nothing.
func (b *Bot) edited(ctx context.Context, u *models.Update) (string, error) {
	m := u.EditedMessage
	if m.From == nil || m.Chat.Type != models.ChatTypePrivate || m.Chat.ID != m.From.ID || m.Text == "" {
		return "", nil
	}
	user, chat := m.From.ID, m.From.ID
	p, err := b.person(ctx, user, false)
	if errors.Is(err, store.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	contact, ref, err := b.db.AnsweredBy(ctx, messageKey(chat, m.ID))
	switch {
	case errors.Is(err, store.ErrNotFound):
		text := catalog.Sheets.EditNotAnswer
		if time.Since(time.Unix(int64(m.Date), 0)) > inputsKept {
			text = catalog.Sheets.EditTooOld
		}
		return "", b.sendPlain(ctx, chat, text)
	case err != nil:
		return "", err
	case ref == nil:
		return "", b.sendPlain(ctx, chat, catalog.Sheets.EditNotAnswer)
	}
	if p.Place(contact) == nil {
		if p, err = b.person(ctx, user, true); err != nil && !errors.Is(err, store.ErrNotFound) {
			return "", err
		}
		if p == nil || p.Place(contact) == nil {
			// The place that took the answer was taken from the person.
			return "", b.sendPlain(ctx, chat, catalog.Sheets.EditPlaceGone)
		}
	}
	// The place that took the answer, whichever the person is on now,
	// and left as it is.
	in := dialogs.Input{ContactID: contact, Route: dialogs.RouteDirect, Text: m.Text, Edit: ref, Key: inputKey(u)}
	return b.run(ctx, u, user, p, in, chat, 0, "", nil)
}
