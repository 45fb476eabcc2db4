package bot

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/go-telegram/bot/models"

	"tianbao/store"
)

// pollWhenLeading polls while this process holds the bot's polling lock (a
// PostgreSQL advisory lock on its own connection), and otherwise waits as a
// hot standby, asking again every PollRetry. Telegram allows one poller per
// bot; several replicas without a webhook would knock each other out with
// 409s. When the poller dies its connection closes, the lock is free, and a
// standby takes over: the updates it had not confirmed come again, and
// those it had applied are recognised by their ids.
func (b *Bot) pollWhenLeading(ctx, work context.Context) {
	retry := b.cfg.PollRetry
	if retry <= 0 {
		retry = 2 * time.Second
	}
	key := fmt.Sprintf("tianbao:poll:%d", b.id)
	waiting := false
	for ctx.Err() == nil {
		l, err := b.db.TryLead(ctx, key)
		switch {
		case err != nil && ctx.Err() == nil:
			b.log.Warn("polling: cannot ask for the polling lock", "err", err)
			b.peek(ctx, err)
		case l != nil:
			b.log.Info("polling: this process polls")
			b.lead(ctx, work, l, retry)
			l.Release()
			waiting = false
			continue
		case !waiting:
			b.log.Info("polling: another process polls; standing by")
			waiting = true
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(retry):
		}
	}
}

// peek looks, while the database is unreachable, at what waits at Telegram
// for the poller this process was: the updates are not confirmed (nothing
// can keep them now; they stay at Telegram and are applied when the
// database is back), but their chats are told so once they have waited
// (正在处理，请稍候). It asks with the offset this process confirmed last,
// which confirms nothing new.
func (b *Bot) peek(ctx context.Context, cause error) {
	offset := b.offset.Load()
	if offset == 0 {
		return // this process has not polled: another may have
	}
	if outage, _ := b.db.Outage(ctx, cause); !outage {
		return
	}
	peekCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	updates, _, err := b.getUpdatesWait(peekCtx, offset, 0)
	if err != nil {
		return
	}
	for _, u := range updates {
		b.faults.failing(ctx, chatOf(u), cause)
	}
}

// lead polls until ctx ends or the lock's connection is gone (then another
// process may hold it already: this one stops at once).
func (b *Bot) lead(ctx, work context.Context, l *store.Leader, every time.Duration) {
	leadCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		for leadCtx.Err() == nil {
			select {
			case <-leadCtx.Done():
				return
			case <-time.After(every):
			}
			check, done := context.WithTimeout(leadCtx, every)
			alive := l.Alive(check)
			done()
			if !alive && leadCtx.Err() == nil {
				b.log.Warn("polling: lost the polling lock's connection; stopping")
				cancel()
				return
			}
		}
	}()
	b.poll(leadCtx, work)
}

// getUpdates long-polls the Bot API. The library's own loop cannot be used:
// it moves the offset past an update before its handler has run.
func (b *Bot) getUpdates(ctx context.Context, offset int64) ([]*models.Update, []json.RawMessage, error) {
	return b.getUpdatesWait(ctx, offset, int(b.cfg.PollTimeout.Seconds()))
}

// getUpdatesWait is getUpdates with a long poll of timeout seconds.
func (b *Bot) getUpdatesWait(ctx context.Context, offset int64, timeout int) ([]*models.Update, []json.RawMessage, error) {
	body, _ := json.Marshal(map[string]any{
		"offset": offset, "timeout": timeout, "allowed_updates": allowedUpdates, "limit": 100,
	})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, b.cfg.APIURL+"/bot"+b.cfg.Token+"/getUpdates", bytes.NewReader(body))
	if err != nil {
		return nil, nil, errors.New("getUpdates: cannot build request")
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := b.http.Do(req)
	if err != nil {
		return nil, nil, fmt.Errorf("getUpdates: %s", redact(err.Error(), b.cfg.Token))
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, nil, fmt.Errorf("getUpdates: %w", err)
	}
	var r struct {
		apiAnswer
		Result []json.RawMessage `json:"result"`
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		return nil, nil, fmt.Errorf("getUpdates: HTTP %d, unreadable answer", resp.StatusCode)
	}
	if !r.OK {
		return nil, nil, apiError("getUpdates", r.apiAnswer)
	}
	updates := make([]*models.Update, len(r.Result))
	for i, raw := range r.Result {
		updates[i] = &models.Update{}
		if err := json.Unmarshal(raw, updates[i]); err != nil {
			return nil, nil, fmt.Errorf("getUpdates: an update Go cannot read: %w", err)
		}
	}
	return updates, r.Result, nil
}

// webhook receives one update from Telegram. It answers 401 (and handles
// nothing) for a wrong secret, 200 once the update is handled durably, and
// 500 when it could not be, so that Telegram sends it again.
func (b *Bot) webhook(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	got := r.Header.Get("X-Telegram-Bot-Api-Secret-Token")
	if subtle.ConstantTimeCompare([]byte(got), []byte(b.cfg.WebhookSecret)) != 1 {
		b.metrics.errors.WithLabelValues("webhook_secret").Inc()
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	var u models.Update
	if err := json.NewDecoder(io.LimitReader(r.Body, 16<<20)).Decode(&u); err != nil || u.ID == 0 {
		http.Error(w, "not an update", http.StatusBadRequest)
		return
	}
	// Through the chat's queue: this replica handles one chat in order.
	// What the update says goes out through the lane; whoever applies it
	// sends it, so a redelivery (Telegram's, or 50 at once) says nothing.
	done := make(chan error, 1)
	chat := chatOf(&u)
	ctx := context.WithoutCancel(r.Context())
	b.dispatch.submit(chat, func() {
		_, err := b.process(ctx, &u)
		done <- err
	})
	if err := <-done; err != nil {
		// Not handled: Telegram sends it again, and it is applied then.
		b.faults.failing(ctx, chat, err)
		http.Error(w, "not handled, send again", http.StatusInternalServerError)
		return
	}
	b.faults.ok(chat)
	w.WriteHeader(http.StatusOK)
}

// batcher writes down, a batch at a time, what is done: the inputs whose
// replies went out (so that neither a redelivery nor the sweep sends them
// again) and the updates handled (gone from the inbox). One statement per
// update doubled the database's work per update; a mark some milliseconds
// late only widens a crash's window, which leases and the inbox's ids
// close. What could not be written is kept and written later.
type batcher[T any] struct {
	b     *Bot
	what  string
	write func(context.Context, []T) error
	mu    sync.Mutex
	items []T
	kick  chan struct{}
}

// markEvery gathers the marks of this long into one statement.
const markEvery = 20 * time.Millisecond

// maxUnwritten bounds what is kept while the database is unreachable.
const maxUnwritten = 100_000

func newBatcher[T any](b *Bot, what string, write func(context.Context, []T) error) *batcher[T] {
	return &batcher[T]{b: b, what: what, write: write, kick: make(chan struct{}, 1)}
}

func (m *batcher[T]) add(item T) {
	m.mu.Lock()
	m.items = append(m.items, item)
	m.mu.Unlock()
	select {
	case m.kick <- struct{}{}:
	default:
	}
}

// run flushes until ctx ends, and once more then.
func (m *batcher[T]) run(ctx context.Context) {
	for {
		select {
		case <-m.kick:
			sleep(ctx, markEvery)
			m.flush(context.WithoutCancel(ctx))
		case <-ctx.Done():
			m.flush(context.WithoutCancel(ctx))
			return
		}
	}
}

func (m *batcher[T]) flush(ctx context.Context) {
	m.mu.Lock()
	items := m.items
	m.items = nil
	m.mu.Unlock()
	if len(items) == 0 {
		return
	}
	if err := m.write(ctx, items); err != nil {
		m.b.log.Warn("writing down "+m.what+" failed; trying again", "err", err, "count", len(items))
		m.mu.Lock()
		if len(m.items)+len(items) <= maxUnwritten {
			m.items = append(items, m.items...)
		}
		m.mu.Unlock()
		sleep(ctx, time.Second)
		select {
		case m.kick <- struct{}{}:
		default:
		}
	}
}

// chatOf is the chat an update belongs to (0 for kinds the bot ignores).
// An edited message is its chat's, so that it keeps its place among the
// chat's updates.
func chatOf(u *models.Update) int64 {
	switch {
	case u.Message != nil:
		return u.Message.Chat.ID
	case u.CallbackQuery != nil:
		return u.CallbackQuery.From.ID
	case u.EditedMessage != nil:
		return u.EditedMessage.Chat.ID
	}
	return 0
}

func maxID(updates []*models.Update) int64 {
	var m int64
	for _, u := range updates {
		m = max(m, u.ID)
	}
	return m
}
