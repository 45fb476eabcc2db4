package bot

import (
	"bytes"
	"context"
	"fmt"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"tianbao/dialogs"
	"tianbao/reports"
)

// attach sends what a reply carries besides its text: a stored document,
// a spreadsheet the engine named (a package's form, as it carries it), or
// a progress chart. The engine decided who may have it; the transport
// fetches or makes it.
func (b *Bot) attach(ctx context.Context, campaign string, chat int64, a *dialogs.Attachment) error {
	camp, err := b.reg.Campaign(ctx, campaign)
	if err != nil {
		return err
	}
	var name, caption string
	var content []byte
	photo := false
	switch {
	case a.File != "":
		f, err := b.db.FileByRef(ctx, a.File)
		if err != nil {
			return err
		}
		name, content = a.Name, f.Content
		if name == "" {
			name = f.Name
		}
	case a.Export != nil:
		var buf bytes.Buffer
		opt := reports.ExportOptions{Package: a.Export.Package}
		if a.Export.Form != "" {
			opt.Forms = []string{a.Export.Form}
		}
		if err := (reports.Exporter{DB: b.db}).WriteXLSX(ctx, &buf, camp, a.Export.Unit, opt); err != nil {
			return err
		}
		name, content = exportName(camp, a.Export, b.cfg.Now()), buf.Bytes()
	case a.Chart != "":
		png, err := (reports.Charts{DB: b.db}).Progress(ctx, camp, a.Chart, b.cfg.Now())
		if err != nil {
			return err
		}
		name, content, photo = "进度.png", png, true
		caption = fmt.Sprintf(dialogs.Texts.ChartCaption, camp.Units[a.Chart].Name)
	default:
		return nil
	}
	return b.retry(ctx, func() error {
		if photo {
			_, err := b.tg.SendPhoto(ctx, &tgbot.SendPhotoParams{ChatID: chat, Caption: caption,
				Photo: &models.InputFileUpload{Filename: name, Data: bytes.NewReader(content)}})
			return err
		}
		_, err := b.tg.SendDocument(ctx, &tgbot.SendDocumentParams{ChatID: chat, Caption: caption,
			Document: &models.InputFileUpload{Filename: name, Data: bytes.NewReader(content)}})
		return err
	})
}

// exportName names a spreadsheet file: campaign, unit, form, and the
// package's number or the moment, in the campaign's zone.
func exportName(c *dialogs.Campaign, e *dialogs.ExportRef, now time.Time) string {
	name := c.ID + "-" + c.Units[e.Unit].Name
	if f := c.Form(e.Form); f != nil {
		name += "-" + f.Short
	}
	if e.Package != 0 {
		name += "-上报汇总"
	}
	return name + "-" + now.In(c.TimeZone).Format("20060102-1504") + ".xlsx"
}
