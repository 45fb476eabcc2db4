package reminders

import (
	"context"
	"fmt"
	"strings"

	"tianbao/catalog"
	"tianbao/dialogs"
	"tianbao/store"
)

// A round holds what it queues (store.QueueHeld); Release lets it out once
// every campaign's round has run, so that someone with places in several
// campaigns (or units) gets one message for all of them — each part under
// its campaign's name, each button bound to its own place — instead of one
// per campaign at the same minute.

// heldKinds are what a round holds; mergedKind is the one message made of
// several.
var heldKinds = []string{"reminder", "digest"}

const mergedKind = "reminders"

// maxButtons is Telegram's limit on a message's buttons.
const maxButtons = 100

// Release lets out the reminders and digests the rounds held, a person's of
// several places as one message. It returns how many messages go out.
func Release(ctx context.Context, db *store.DB, camps Campaigns) (int, error) {
	n, err := db.ReleaseHeld(ctx, heldKinds, mergedKind, func(msgs []store.HeldMessage) (dialogs.Reply, bool) {
		return merge(ctx, camps, msgs)
	})
	if err != nil {
		return 0, fmt.Errorf("release reminders: %w", err)
	}
	return n, nil
}

// merge makes one message of a person's reminders and digests of several
// places: a head, then each under its campaign's (and where needed its
// unit's) name, the buttons of each bound to its place.
func merge(ctx context.Context, camps Campaigns, msgs []store.HeldMessage) (dialogs.Reply, bool) {
	var b strings.Builder
	var rows [][]dialogs.Button
	places, buttons := map[int64]bool{}, 0
	for _, m := range msgs {
		if m.Reply.Attach != nil {
			return dialogs.Reply{}, false // a file goes with its own message
		}
		c, err := camps.Campaign(ctx, m.Campaign)
		if err != nil {
			return dialogs.Reply{}, false
		}
		places[m.Contact] = true
		b.WriteString("\n\n" + dialogs.Heading(c, m.Unit, m.PlacesHere > 1) + "\n" + m.Reply.Text)
		for _, row := range dialogs.BindAll(m.Reply.Buttons, m.Contact) {
			if buttons+len(row) > maxButtons {
				break
			}
			rows, buttons = append(rows, row), buttons+len(row)
		}
	}
	return dialogs.Reply{Text: fmt.Sprintf(catalog.People.RemindersHead, len(places)) + b.String(), Buttons: rows, Headed: true}, true
}
