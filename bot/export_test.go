package bot

import (
	"context"

	"tianbao/campaigns"
	"tianbao/dialogs"
	"tianbao/store"
)

// Render is what run does between the engine and the lane, for the
// breakdown's benchmark of rendering: the engine's replies presented for
// the person's place (headings, buttons bound to it) and turned into the
// lane's Bot API calls (keyboards, texts split at Telegram's limit). It
// returns how many calls they are. The calls' JSON encoding is sending's.
func Render(ctx context.Context, reg *campaigns.Registry, p *store.Person, c *dialogs.Contact, chat int64, pressed int, callbackID string, replies []dialogs.Reply) int {
	b := &Bot{reg: reg}
	return len(b.replyJob(c.ID, chat, c.Campaign, pressed, callbackID, "", b.present(ctx, p, c, replies)).steps)
}
