package bot

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"strconv"
	"time"

	"github.com/go-telegram/bot/models"
)

// With LOG_LEVEL=debug every update is traced in one line: its kind, a hash
// of its chat, how long it took and how it ended. Nothing a person typed
// or is called is in it, nor the chat's id: the hash is keyed with a
// secret derived from the bot's token, so it cannot be reversed by trying
// every id, yet the same chat hashes the same in every replica and after
// a restart, so that one chat's updates can be followed through the logs.

// chatKey derives the key of the chat hashes from the bot's token.
func chatKey(token string) []byte {
	k := sha256.Sum256([]byte("tianbao chat hash\x00" + token))
	return k[:]
}

// chatHash is a chat's pseudonym in the logs: 12 hex digits of an HMAC.
func (b *Bot) chatHash(chat int64) string {
	if chat == 0 {
		return "-"
	}
	m := hmac.New(sha256.New, b.chatKey)
	m.Write([]byte(strconv.FormatInt(chat, 10)))
	return hex.EncodeToString(m.Sum(nil))[:12]
}

// updateOutcome names how an update ended: a dialog turn applied and shown
// ("turn"); handled without one ("handled": a duplicate, a stranger, a
// group, an invite that did not work, a refused file); "retry" (it failed
// and is tried again); "panic" (recovered, apologised for).
func updateOutcome(key string, err error, panicked bool) string {
	switch {
	case panicked:
		return "panic"
	case err != nil:
		return "retry"
	case key != "":
		return "turn"
	}
	return "handled"
}

// trace logs one update at debug level.
func (b *Bot) trace(ctx context.Context, u *models.Update, kind string, start time.Time, how string) {
	if !b.log.Enabled(ctx, slog.LevelDebug) {
		return
	}
	b.log.LogAttrs(ctx, slog.LevelDebug, "update", slog.Int64("update", u.ID), slog.String("kind", kind),
		slog.String("chat", b.chatHash(chatOf(u))), slog.Duration("duration", time.Since(start)), slog.String("outcome", how))
}
