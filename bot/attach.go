package bot

import (
	"bytes"
	"context"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"tianbao/dialogs"
	"tianbao/reports"
)

// attach sends what a reply carries besides its text (see reports.Render).
func (b *Bot) attach(ctx context.Context, campaign string, chat int64, a *dialogs.Attachment) error {
	camp, err := b.reg.Campaign(ctx, campaign)
	if err != nil {
		return err
	}
	r, err := reports.Render(ctx, b.db, camp, a, b.cfg.Now())
	if err != nil || r == nil {
		return err
	}
	if r.Photo {
		_, err := b.tg.SendPhoto(ctx, &tgbot.SendPhotoParams{ChatID: chat, Caption: r.Caption,
			Photo: &models.InputFileUpload{Filename: r.Name, Data: bytes.NewReader(r.Content)}})
		return err
	}
	_, err = b.tg.SendDocument(ctx, &tgbot.SendDocumentParams{ChatID: chat, Caption: r.Caption,
		Document: &models.InputFileUpload{Filename: r.Name, Data: bytes.NewReader(r.Content)}})
	return err
}
