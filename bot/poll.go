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

// maxAttempts bounds how often one update is retried after transient
// failures before the bot apologises and moves on, so that one poisonous
// update cannot stop a chat (or, when polling, everyone) forever.
const maxAttempts = 5

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

// poll runs the long-polling loop: fetch a batch, handle every update
// durably (chats in parallel, each chat in order), and only then confirm
// the batch by asking for the next offset. A crash between fetch and
// handling means the batch is fetched again; updates already applied are
// recognised by their id and not applied twice.
func (b *Bot) poll(ctx, work context.Context) {
	var offset int64
	var wait time.Duration
	attempts := map[int64]int{}
	for ctx.Err() == nil {
		if wait > 0 {
			select {
			case <-ctx.Done():
				return
			case <-time.After(wait):
			}
		}
		updates, err := b.getUpdates(ctx, offset)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			wait = min(max(2*wait, 100*time.Millisecond), 5*time.Second)
			b.metrics.errors.WithLabelValues("get_updates").Inc()
			b.log.Warn("getUpdates failed", "err", err, "retry_in", wait)
			continue
		}
		wait = 0
		if len(updates) == 0 {
			continue
		}
		next := b.handleBatch(work, updates, attempts)
		if next <= maxID(updates) {
			wait = 200 * time.Millisecond // an update failed: do not spin on it
		}
		offset = next
	}
}

// handleBatch handles a batch and returns the offset that confirms what was
// handled: past the whole batch, or up to the first update that must be
// tried again.
func (b *Bot) handleBatch(ctx context.Context, updates []*models.Update, attempts map[int64]int) int64 {
	var mu sync.Mutex
	var retry []int64
	var sent []string
	var wg sync.WaitGroup
	for _, u := range updates {
		wg.Add(1)
		b.dispatch.submit(chatOf(u), func() {
			defer wg.Done()
			key, err := b.process(ctx, u)
			mu.Lock()
			defer mu.Unlock()
			if key != "" {
				sent = append(sent, key)
			}
			if err == nil {
				delete(attempts, u.ID)
				return
			}
			attempts[u.ID]++
			if attempts[u.ID] < maxAttempts {
				retry = append(retry, u.ID)
				return
			}
			delete(attempts, u.ID)
			b.log.Error("giving up on an update", "update", u.ID, "err", err)
			b.apologize(ctx, u)
		})
	}
	wg.Wait()
	if err := b.db.MarkSent(ctx, sent); err != nil {
		b.log.Warn("marking replies sent failed", "err", err)
	}
	// Past the highest id (Telegram sends them in order; this does not rely on it).
	var next int64
	for _, u := range updates {
		next = max(next, u.ID+1)
	}
	for _, id := range retry {
		next = min(next, id)
	}
	return next
}

// getUpdates long-polls the Bot API. The library's own loop cannot be used:
// it moves the offset past an update before its handler has run.
func (b *Bot) getUpdates(ctx context.Context, offset int64) ([]*models.Update, error) {
	body, _ := json.Marshal(map[string]any{
		"offset": offset, "timeout": int(b.cfg.PollTimeout.Seconds()), "allowed_updates": allowedUpdates, "limit": 100,
	})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, b.cfg.APIURL+"/bot"+b.cfg.Token+"/getUpdates", bytes.NewReader(body))
	if err != nil {
		return nil, errors.New("getUpdates: cannot build request")
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := b.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("getUpdates: %s", redact(err.Error(), b.cfg.Token))
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, fmt.Errorf("getUpdates: %w", err)
	}
	var r struct {
		OK          bool             `json:"ok"`
		Result      []*models.Update `json:"result"`
		Description string           `json:"description"`
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		return nil, fmt.Errorf("getUpdates: HTTP %d, unreadable answer", resp.StatusCode)
	}
	if !r.OK {
		return nil, fmt.Errorf("getUpdates: HTTP %d: %s", resp.StatusCode, r.Description)
	}
	return r.Result, nil
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
	done := make(chan error, 1)
	b.dispatch.submit(chatOf(&u), func() {
		key, err := b.process(context.WithoutCancel(r.Context()), &u)
		if err == nil && key != "" {
			b.marks.add(key)
		}
		done <- err
	})
	if err := <-done; err != nil {
		http.Error(w, "not handled, send again", http.StatusInternalServerError)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// marker writes down, a batch at a time, the inputs whose replies went out
// through the webhook, so that a redelivery does not send them again. One
// statement per update doubled the database's work per webhook update;
// Telegram redelivers only what was not answered 200, so a mark some
// milliseconds late only widens a crash's window for a repeated reply.
type marker struct {
	b    *Bot
	mu   sync.Mutex
	keys []string
	kick chan struct{}
}

// markEvery gathers the marks of this long into one statement.
const markEvery = 20 * time.Millisecond

func newMarker(b *Bot) *marker { return &marker{b: b, kick: make(chan struct{}, 1)} }

func (m *marker) add(key string) {
	m.mu.Lock()
	m.keys = append(m.keys, key)
	m.mu.Unlock()
	select {
	case m.kick <- struct{}{}:
	default:
	}
}

// run flushes the marks until ctx ends, and once more then.
func (m *marker) run(ctx context.Context) {
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

func (m *marker) flush(ctx context.Context) {
	m.mu.Lock()
	keys := m.keys
	m.keys = nil
	m.mu.Unlock()
	if err := m.b.db.MarkSent(ctx, keys); err != nil {
		m.b.log.Warn("marking replies sent failed", "err", err)
	}
}

// chatOf is the chat an update belongs to (0 for kinds the bot ignores).
func chatOf(u *models.Update) int64 {
	switch {
	case u.Message != nil:
		return u.Message.Chat.ID
	case u.CallbackQuery != nil:
		return u.CallbackQuery.From.ID
	case u.EditedMessage != nil:
		// An edit is its chat's, in order with the chat's other updates.
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
