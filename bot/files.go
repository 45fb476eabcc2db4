package bot

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"tianbao/catalog"
	"tianbao/dialogs"
)

// maxDownload is the most a bot may download from Telegram.
const maxDownload = 20 << 20

// fileInput describes a document or photo for the engine without fetching
// it: the engine calls Load only when a file field asks for a file (and
// not for a file it already has under the same file_unique_id).
func (b *Bot) fileInput(m *models.Message) *dialogs.FileInput {
	var id, unique, name string
	var size int64
	switch {
	case m.Document != nil:
		id, unique, name, size = m.Document.FileID, m.Document.FileUniqueID, m.Document.FileName, m.Document.FileSize
		if name == "" {
			name = "文件"
		}
	default:
		p := m.Photo[len(m.Photo)-1] // the largest size
		id, unique, name, size = p.FileID, p.FileUniqueID, "照片.jpg", int64(p.FileSize)
	}
	return &dialogs.FileInput{Name: name, Size: size, UniqueID: unique,
		Load: func(ctx context.Context) ([]byte, error) { return b.download(ctx, id, size) }}
}

// download fetches a file from Telegram. What the person must be told (too
// big, gone) is a *dialogs.FileRefusal; a failure that may pass (the
// network, a 429, a server error) is an error, and the update is tried
// again later.
func (b *Bot) download(ctx context.Context, id string, size int64) ([]byte, error) {
	if size > maxDownload {
		return nil, &dialogs.FileRefusal{Text: fmt.Sprintf(catalog.Texts.FileTooBigForBot, fmt.Sprintf("%.1f MB", float64(size)/(1<<20)))}
	}
	var f models.File
	if err := b.callResult(ctx, "getFile", map[string]string{"file_id": id}, &f); err != nil {
		switch {
		case strings.Contains(err.Error(), "file is too big"): // the size Telegram gave us was understated
			return nil, &dialogs.FileRefusal{Text: fmt.Sprintf(catalog.Texts.FileTooBigForBot, "> 20 MB")}
		case errors.Is(err, tgbot.ErrorBadRequest), errors.Is(err, tgbot.ErrorNotFound):
			b.log.Warn("getFile refused", "err", err)
			return nil, &dialogs.FileRefusal{Text: catalog.Texts.FileDownloadFailed}
		}
		return nil, fmt.Errorf("getFile: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, b.tg.FileDownloadLink(&f), nil)
	if err != nil {
		return nil, &dialogs.FileRefusal{Text: catalog.Texts.FileDownloadFailed}
	}
	resp, err := b.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("download a file: %s", redact(err.Error(), b.cfg.Token))
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests:
		return nil, fmt.Errorf("download a file: HTTP %d", resp.StatusCode)
	case resp.StatusCode != http.StatusOK:
		return nil, &dialogs.FileRefusal{Text: catalog.Texts.FileDownloadFailed}
	}
	content, err := io.ReadAll(io.LimitReader(resp.Body, maxDownload+1))
	if err != nil {
		return nil, fmt.Errorf("download a file: %w", err)
	}
	if len(content) > maxDownload {
		return nil, &dialogs.FileRefusal{Text: fmt.Sprintf(catalog.Texts.FileTooBigForBot, "> 20 MB")}
	}
	return content, nil
}
