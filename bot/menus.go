package bot

import (
	"context"
	"time"

	"tianbao/campaign"
	"tianbao/catalog"
	"tianbao/dialogs"
	"tianbao/store"
)

// botCommand is one entry of a command menu, as the Bot API names it.
type botCommand struct {
	Command     string `json:"command"`
	Description string `json:"description"`
}

type commandScope struct {
	Type   string `json:"type"`
	ChatID int64  `json:"chat_id,omitempty"`
}

type setMyCommandsRequest struct {
	Commands []botCommand `json:"commands"`
	Scope    commandScope `json:"scope"`
}

// menuFor is the command menu a contact's role and unit call for: a filler
// sees the dialog's commands; a reviewer also /summary, /export, /invite,
// and where the unit reports upwards with units below it (a city), /forward.
func menuFor(role dialogs.Role, unit *campaign.Unit) []botCommand {
	t := catalog.Texts
	menu := []botCommand{{"start", t.CommandStart}, {"status", t.CommandStatus}}
	if role == dialogs.Reviewer || role == dialogs.Admin {
		menu = append(menu, botCommand{"summary", t.CommandSummary})
		if unit != nil && len(unit.Children) > 0 && unit.Parent != "" {
			menu = append(menu, botCommand{"forward", t.CommandForward})
		}
		menu = append(menu, botCommand{"export", t.CommandExport}, botCommand{"invite", t.CommandInvite})
	}
	return append(menu, botCommand{"back", t.CommandBack}, botCommand{"skip", t.CommandSkip},
		botCommand{"cancel", t.CommandCancel}, botCommand{"template", catalog.Sheets.CommandTemplate},
		botCommand{"extend", t.CommandExtend}, botCommand{"help", t.CommandHelp})
}

// setDefaultMenu sets the menu everyone sees (a filler's), retrying with
// backoff until it is set or ctx ends. The menu is cosmetic: a failure is
// logged and tried again, never a reason not to serve.
func (b *Bot) setDefaultMenu(ctx context.Context) {
	wait := time.Second
	for {
		err := b.call(ctx, "setMyCommands", setMyCommandsRequest{Commands: menuFor(dialogs.Filler, nil), Scope: commandScope{Type: "default"}})
		if err == nil {
			return
		}
		b.metrics.errors.WithLabelValues("menu").Inc()
		b.log.Warn("setting the command menu failed; trying again", "err", err, "retry_in", wait)
		if !sleep(ctx, wait) {
			return
		}
		wait = min(2*wait, 5*time.Minute)
	}
}

// setChatMenu sets one contact's command menu in its chat (the outbox's
// 'menu' rows): the widest of its person's places as they stand now, for a
// chat is one for all of them — a filler in one campaign who reviews in
// another has the reviewer's commands.
func (b *Bot) setChatMenu(ctx context.Context, m store.OutboxMessage) error {
	places, err := b.db.PlacesOf(ctx, m.ContactID)
	if err != nil {
		return err
	}
	if len(places) == 0 {
		places = []dialogs.Contact{{Campaign: m.Campaign, Unit: m.Unit, Role: m.Role}}
	}
	var menu []botCommand
	for _, p := range places {
		camp, err := b.reg.Campaign(ctx, p.Campaign)
		if err != nil {
			return err
		}
		if more := menuFor(p.Role, camp.Units[p.Unit]); len(more) > len(menu) {
			menu = more
		}
	}
	if err := b.call(ctx, "setMyCommands", setMyCommandsRequest{Commands: menu, Scope: commandScope{Type: "chat", ChatID: m.ChatID}}); err != nil {
		return err
	}
	if b.menuButton == nil {
		return nil
	}
	return b.call(ctx, "setChatMenuButton", setChatMenuButtonRequest{ChatID: m.ChatID, MenuButton: *b.menuButton})
}

// menuButton is a chat's menu button (Bot API MenuButton): the desk's page
// (web_app) or the list of commands.
type menuButton struct {
	Type   string      `json:"type"`
	Text   string      `json:"text,omitempty"`
	WebApp *webAppInfo `json:"web_app,omitempty"`
}

type setChatMenuButtonRequest struct {
	ChatID     int64      `json:"chat_id"`
	MenuButton menuButton `json:"menu_button"`
}

// syncMenus decides what the chats' menu buttons are set to and, when
// APP_URL changed since they were last set, queues every contact's menu.
// Without APP_URL, and never with one, menu buttons are left alone.
func (b *Bot) syncMenus(ctx context.Context) {
	everSet, err := b.db.SyncMenuAppURL(ctx, b.cfg.AppURL)
	if err != nil {
		b.log.Warn("checking the menu buttons' APP_URL", "err", err)
	}
	switch {
	case b.cfg.AppURL != "":
		b.menuButton = &menuButton{Type: "web_app", Text: catalog.DeskTexts["menuButton"], WebApp: &webAppInfo{URL: b.cfg.AppURL}}
	case everSet:
		b.menuButton = &menuButton{Type: "commands"}
	}
}
