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

	"tianbao/dialogs"
	"tianbao/dialogs/parse"
	"tianbao/reports"
	"tianbao/store"
)

// InviteTTL is how long an invitation made in the chat stays valid.
const InviteTTL = 7 * 24 * time.Hour

// invitePrefix marks the buttons of the invitation menu; they carry no
// authority either: every press is checked against the presser's rights.
const invitePrefix = "inv:"

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
	var tell string
	switch {
	case errors.Is(err, store.ErrInviteUnknown):
		tell = dialogs.Texts.InviteUnknown
	case errors.Is(err, store.ErrInviteUsed):
		tell = dialogs.Texts.InviteUsed
	case errors.Is(err, store.ErrInviteExpired):
		tell = dialogs.Texts.InviteExpired
	case err != nil:
		return "", err
	}
	if tell != "" {
		b.metrics.errors.WithLabelValues("invite").Inc()
		if _, err := b.contact(ctx, m.From.ID); errors.Is(err, store.ErrNotFound) && !b.mayTell(&b.badLinks, m.From.ID) {
			return "", nil // a stranger trying links is told once in a while, not every time
		}
		return "", b.sendPlain(ctx, m.Chat.ID, tell)
	}
	b.contacts.Store(m.From.ID, &store.TelegramContact{ID: id, Campaign: inv.Campaign, Unit: inv.Unit, Role: inv.Role})
	if r.SessionVersion >= 0 { // the first turn need not read the empty session it just made
		b.turns.Started(dialogs.Contact{ID: id, Campaign: inv.Campaign, Unit: inv.Unit, Role: inv.Role, Name: name}, r.SessionVersion)
	}
	unit := inv.Unit
	if camp, err := b.reg.Campaign(ctx, inv.Campaign); err == nil && camp.Units[inv.Unit] != nil {
		unit = camp.Units[inv.Unit].Name
	}
	b.log.Info("invite redeemed", "contact", id, "unit", inv.Unit, "role", inv.Role)
	return fmt.Sprintf(dialogs.Texts.InviteWelcome, unit, dialogs.RoleName(inv.Role)), nil
}

// inviteMenu lists the units a reviewer may invite contacts for.
func (b *Bot) inviteMenu(ctx context.Context, c *store.TelegramContact, chat int64) error {
	if c.Role != dialogs.Reviewer && c.Role != dialogs.Admin {
		return b.sendPlain(ctx, chat, dialogs.Texts.InviteOnlyReviewers)
	}
	camp, err := b.reg.Campaign(ctx, c.Campaign)
	if err != nil {
		return err
	}
	own := camp.Units[c.Unit]
	if own == nil {
		return fmt.Errorf("contact %d: unit %s not in campaign", c.ID, c.Unit)
	}
	rows := [][]inlineButton{{{Text: own.Name, CallbackData: invitePrefix + "u:" + own.Code}}}
	for _, code := range own.Children {
		rows = append(rows, []inlineButton{{Text: camp.Units[code].Name, CallbackData: invitePrefix + "u:" + code}})
	}
	return b.send(ctx, chat, dialogs.Texts.InviteChooseUnit, &inlineKeyboard{InlineKeyboard: rows})
}

// inviteButton handles the menu's presses: a unit, then a role, then the link.
func (b *Bot) inviteButton(ctx context.Context, c *store.TelegramContact, chat int64, msgID int, callbackID, data string) error {
	b.answerCallback(ctx, callbackID, "")
	parts := strings.Split(strings.TrimPrefix(data, invitePrefix), ":")
	camp, err := b.reg.Campaign(ctx, c.Campaign)
	if err != nil {
		return err
	}
	// Exactly what the menu offers: a unit of the presser's subtree, as a
	// filler, or as a reviewer of a unit with units below it. A role the
	// menu did not offer is refused whatever the button says.
	allowed := func(unit string, role dialogs.Role) bool {
		if c.Role != dialogs.Reviewer && c.Role != dialogs.Admin {
			return false
		}
		u := camp.Units[unit]
		if u == nil || !camp.InSubtree(c.Unit, unit) {
			return false
		}
		return role == dialogs.Filler || (role == dialogs.Reviewer && len(u.Children) > 0)
	}
	show := func(text string, rows [][]inlineButton) error {
		var kb *inlineKeyboard
		if len(rows) > 0 {
			kb = &inlineKeyboard{InlineKeyboard: rows}
		}
		if msgID != 0 {
			if err := b.edit(ctx, chat, msgID, text, kb); err == nil {
				return nil
			}
		}
		return b.send(ctx, chat, text, kb)
	}
	switch {
	case len(parts) == 2 && parts[0] == "u":
		unit := parts[1]
		if !allowed(unit, dialogs.Filler) {
			b.log.Warn("refused an invite button", "contact", c.ID, "unit", unit)
			return show(dialogs.Texts.InviteNotAllowed, nil)
		}
		row := []inlineButton{{Text: dialogs.Texts.RoleFiller, CallbackData: invitePrefix + "r:" + unit + ":filler"}}
		if len(camp.Units[unit].Children) > 0 {
			row = append(row, inlineButton{Text: dialogs.Texts.RoleReviewer, CallbackData: invitePrefix + "r:" + unit + ":reviewer"})
		}
		return show(fmt.Sprintf(dialogs.Texts.InviteChooseRole, camp.Units[unit].Name), [][]inlineButton{row})
	case len(parts) == 3 && parts[0] == "r":
		unit, role := parts[1], dialogs.Role(parts[2])
		if (role != dialogs.Filler && role != dialogs.Reviewer && role != dialogs.Admin) || !allowed(unit, role) {
			b.log.Warn("refused an invite button", "contact", c.ID, "unit", unit, "role", role)
			return show(dialogs.Texts.InviteNotAllowed, nil)
		}
		expires := b.cfg.Now().Add(InviteTTL)
		token, err := b.db.CreateInvite(ctx, store.Invite{Campaign: c.Campaign, Unit: unit, Role: role, ExpiresAt: expires}, c.ID, b.cfg.Now())
		if err != nil {
			return err
		}
		text := fmt.Sprintf(dialogs.Texts.InviteLink, camp.Units[unit].Name, dialogs.RoleName(role),
			expires.In(camp.TimeZone).Format("1月2日 15:04"), InviteLink(b.username, token))
		return show(text, nil)
	}
	return show(dialogs.Texts.InviteNotAllowed, nil)
}

// export sends a reviewer the XLSX of their subtree (approved data).
func (b *Bot) export(ctx context.Context, c *store.TelegramContact, chat int64) error {
	if c.Role != dialogs.Reviewer && c.Role != dialogs.Admin {
		return b.sendPlain(ctx, chat, dialogs.Texts.ExportOnlyReviewers)
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
	return b.retry(ctx, func() error {
		_, err := b.tg.SendDocument(ctx, &tgbot.SendDocumentParams{
			ChatID:   chat,
			Document: &models.InputFileUpload{Filename: name, Data: bytes.NewReader(buf.Bytes())},
			Caption:  fmt.Sprintf(dialogs.Texts.ExportCaption, unit.Name, camp.Title, now.Format("1月2日 15:04")),
		})
		return err
	})
}
