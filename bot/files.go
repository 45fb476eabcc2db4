package bot

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"tianbao/campaign"
	"tianbao/catalog"
	"tianbao/dialogs"
	"tianbao/store"
)

// maxDownload is the most a bot may download from Telegram.
const maxDownload = 20 << 20

// receiveFile downloads a document or photo, judges its type by content,
// stores it under its original name and returns it for the engine. A file
// that cannot be taken yields a message for the person instead.
func (b *Bot) receiveFile(ctx context.Context, c *store.TelegramContact, m *models.Message) (*dialogs.FileInput, string, error) {
	var id, name string
	var size int64
	switch {
	case m.Document != nil:
		id, name, size = m.Document.FileID, m.Document.FileName, m.Document.FileSize
		if name == "" {
			name = "文件"
		}
	default:
		p := m.Photo[len(m.Photo)-1] // the largest size
		id, name, size = p.FileID, "照片.jpg", int64(p.FileSize)
	}
	if size > maxDownload {
		return nil, fmt.Sprintf(catalog.Texts.FileTooBigForBot, fmt.Sprintf("%.1f MB", float64(size)/(1<<20))), nil
	}
	f, err := b.tg.GetFile(ctx, &tgbot.GetFileParams{FileID: id})
	if err != nil {
		if strings.Contains(err.Error(), "file is too big") { // the size Telegram gave us was understated
			return nil, fmt.Sprintf(catalog.Texts.FileTooBigForBot, "> 20 MB"), nil
		}
		b.log.Warn("getFile failed", "err", err)
		return nil, catalog.Texts.FileDownloadFailed, nil
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, b.tg.FileDownloadLink(f), nil)
	if err != nil {
		return nil, catalog.Texts.FileDownloadFailed, nil
	}
	resp, err := b.http.Do(req)
	if err != nil {
		b.log.Warn("file download failed", "err", redact(err.Error(), b.cfg.Token))
		return nil, "", fmt.Errorf("download a file: transient failure")
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, catalog.Texts.FileDownloadFailed, nil
	}
	content, err := io.ReadAll(io.LimitReader(resp.Body, maxDownload+1))
	if err != nil {
		return nil, "", fmt.Errorf("download a file: %w", err)
	}
	if len(content) > maxDownload {
		return nil, fmt.Sprintf(catalog.Texts.FileTooBigForBot, "> 20 MB"), nil
	}
	kinds := campaign.SniffFile(content)
	kind := "unknown"
	if len(kinds) > 0 {
		kind = kinds[0]
	}
	name = campaign.FileName(name, kinds)
	ref, err := b.db.SaveFile(ctx, c.Campaign, c.Unit, name, kind, content, c.ID)
	if err != nil {
		return nil, "", err
	}
	return &dialogs.FileInput{Name: name, Size: int64(len(content)), Kinds: kinds, Ref: ref}, "", nil
}
