package bot

import (
	"context"
	"time"

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
func menuFor(role dialogs.Role, unit *dialogs.Unit) []botCommand {
	t := dialogs.Texts
	menu := []botCommand{{"start", t.CommandStart}, {"status", t.CommandStatus}}
	if role == dialogs.Reviewer || role == dialogs.Admin {
		menu = append(menu, botCommand{"summary", t.CommandSummary})
		if unit != nil && len(unit.Children) > 0 && unit.Parent != "" {
			menu = append(menu, botCommand{"forward", t.CommandForward})
		}
		menu = append(menu, botCommand{"export", t.CommandExport}, botCommand{"invite", t.CommandInvite})
	}
	return append(menu, botCommand{"back", t.CommandBack}, botCommand{"skip", t.CommandSkip},
		botCommand{"cancel", t.CommandCancel}, botCommand{"extend", t.CommandExtend}, botCommand{"help", t.CommandHelp})
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

// setChatMenu sets one contact's command menu in its chat, for its role as
// it stands now (the outbox's 'menu' rows).
func (b *Bot) setChatMenu(ctx context.Context, m store.OutboxMessage) error {
	var unit *dialogs.Unit
	if camp, err := b.reg.Campaign(ctx, m.Campaign); err == nil {
		unit = camp.Units[m.Unit]
	} else {
		return err
	}
	return b.call(ctx, "setMyCommands", setMyCommandsRequest{Commands: menuFor(m.Role, unit), Scope: commandScope{Type: "chat", ChatID: m.ChatID}})
}
