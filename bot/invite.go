package bot

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"tianbao/campaign/parse"
	"tianbao/catalog"
	"tianbao/dialogs"
	"tianbao/reports"
	"tianbao/store"
)

// InviteLink is the deep link that redeems a token.
func InviteLink(username, token string) string {
	return "https://t.me/" + username + "?start=" + token
}

// redeem handles /start TOKEN: it returns the welcome line to show before
// the start screen, or "" after telling the person why it did not work.
func (b *Bot) redeem(ctx context.Context, m *models.Message, token string) (string, error) {
	// Telegram names may hold anything, NUL included: shown and stored cleaned.
	name := parse.Clean(m.From.FirstName + " " + m.From.LastName)
	r, err := b.db.RedeemInvite(ctx, token, m.From.ID, m.Chat.ID, name, b.cfg.Now())
	id, inv := r.ContactID, r.Invite
	tell := store.InviteRefusal(err)
	if tell == "" && err != nil {
		return "", err
	}
	if tell != "" {
		b.metrics.errors.WithLabelValues("invite").Inc()
		if _, err := b.person(ctx, m.From.ID, false); errors.Is(err, store.ErrNotFound) && !b.mayTell(&b.badLinks, m.From.ID) {
			return "", nil // a stranger trying links is told once in a while, not every time
		}
		return "", b.sendPlain(ctx, m.Chat.ID, tell)
	}
	if r.New && len(r.Reached) == 0 {
		// Someone new: this is their one place (no need to read it back).
		b.people.Store(m.From.ID, cachedPerson{at: time.Now(), p: &store.Person{ID: r.Person, Name: name, Current: id,
			Places: []dialogs.Contact{{ID: id, Campaign: inv.Campaign, Unit: inv.Unit, Role: inv.Role, Name: name, Person: r.Person, Current: true}}}})
	} else {
		b.people.Delete(m.From.ID) // a new place beside others: read again
	}
	if r.SessionVersion >= 0 { // the first turn need not read the empty session it just made
		b.turns.Started(dialogs.Contact{ID: id, Campaign: inv.Campaign, Unit: inv.Unit, Role: inv.Role, Name: name,
			Person: r.Person, Current: r.Current}, r.SessionVersion)
	}
	unit := inv.Unit
	if camp, err := b.reg.Campaign(ctx, inv.Campaign); err == nil && camp.Units[inv.Unit] != nil {
		unit = camp.Units[inv.Unit].Name
	}
	b.log.Info("invite redeemed", "contact", id, "unit", inv.Unit, "role", inv.Role, "reached", len(r.Reached))
	note := fmt.Sprintf(catalog.Texts.InviteWelcome, unit, dialogs.RoleName(inv.Role))
	if len(r.Reached) > 0 {
		// Invited once: the same role in every campaign over the unit.
		var names []string
		for _, id := range r.Reached {
			if camp, err := b.reg.Campaign(ctx, id); err == nil {
				names = append(names, "〔"+camp.ShortName()+"〕")
			}
		}
		note += "\n" + fmt.Sprintf(catalog.People.PlacesReached, strings.Join(names, ""))
	}
	return note, nil
}

// export sends a reviewer the XLSX of their subtree (approved data).
func (b *Bot) export(ctx context.Context, c *store.TelegramContact, chat int64) error {
	if c.Role != dialogs.Reviewer && c.Role != dialogs.Admin {
		return b.sendPlain(ctx, chat, catalog.Texts.ExportOnlyReviewers)
	}
	camp, err := b.reg.Campaign(ctx, c.Campaign)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := (reports.Exporter{DB: b.db}).WriteXLSX(ctx, &buf, camp, c.Unit, reports.ExportOptions{}); err != nil {
		return err
	}
	unit := camp.Units[c.Unit]
	now := b.cfg.Now().In(camp.TimeZone)
	name := fmt.Sprintf("%s-%s-%s.xlsx", camp.ID, unit.Name, now.Format("20060102-1504"))
	content, caption := buf.Bytes(), fmt.Sprintf(catalog.Texts.ExportCaption, unit.Name, camp.Title, now.Format("1月2日 15:04"))
	b.lane.push(&job{chat: chat, contact: c.ID, steps: []step{{name: "sendDocument", call: func(ctx context.Context) error {
		_, err := b.tg.SendDocument(ctx, &tgbot.SendDocumentParams{
			ChatID: chat, Caption: caption, Document: &models.InputFileUpload{Filename: name, Data: bytes.NewReader(content)},
		})
		return err
	}}}})
	return nil
}
