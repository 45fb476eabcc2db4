package bot

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"tianbao/catalog"
	"tianbao/store"
)

// Long polling without one chat slowing another. A batch fetched from
// Telegram is kept in the inbox (one statement) before its offset is
// confirmed, so the poller asks for the next batch at once, whatever the
// chats of this one are doing. Each chat's updates are then handled in
// order, chats in parallel; a chat with many waiting keeps only the first
// of them in memory, and reads the rest from the inbox as it goes. An
// update is removed from the inbox once handled; a process that dies
// leaves the rest to the next poller, which starts with them. Nothing is
// confirmed to Telegram that is not in the inbox, and nothing is removed
// from the inbox that was not handled (or given up, and said so).

// perChatInMemory is how many of one chat's updates wait in memory; the
// rest wait in the inbox.
const perChatInMemory = 64

// Handling an update that fails is tried again with backoff, its chat's
// later updates waiting behind it, other chats not. While the database is
// unreachable (or full) it is tried until it is back, for as long as that
// takes: the update is in the inbox, it will be applied, and the person is
// told so (正在处理，请稍候) once it has waited busyAfter. Only an update
// that fails on its own account (the database answers) maxAttempts times
// is given up; it is removed from the inbox first, and the person told it
// was not saved only once that succeeded, so that it is true.
const (
	busyAfter   = 3 * time.Second
	maxBackoff  = 30 * time.Second
	maxAttempts = 5
)

// poll runs the long-polling loop while this process leads.
func (b *Bot) poll(ctx, work context.Context) {
	q := b.inq.begin(b, work)
	q.recover(ctx)
	var offset int64
	var wait time.Duration
	for ctx.Err() == nil {
		if wait > 0 && !sleep(ctx, wait) {
			return
		}
		updates, raws, err := b.getUpdates(ctx, offset)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			wait = min(max(2*wait, 100*time.Millisecond), 5*time.Second)
			var tooMany *tgbot.TooManyRequestsError
			if errors.As(err, &tooMany) {
				wait = time.Duration(max(tooMany.RetryAfter, 1)) * time.Second
			}
			b.metrics.errors.WithLabelValues("get_updates").Inc()
			b.log.Warn("getUpdates failed", "err", err, "retry_in", wait)
			continue
		}
		wait = 0
		if len(updates) == 0 {
			continue
		}
		fresh, ok := b.keep(ctx, updates, raws)
		if !ok {
			return // not confirmed: they come again to whoever polls next
		}
		for _, u := range updates {
			offset = max(offset, u.ID+1)
			if fresh[u.ID] {
				q.add(u)
			}
		}
		b.offset.Store(offset)
	}
}

// keep writes a batch into the inbox, trying until it is written or ctx
// ends. While it cannot be written the batch is not confirmed: Telegram
// keeps it, and it will be applied; after busyAfter its chats are told so.
func (b *Bot) keep(ctx context.Context, updates []*models.Update, raws []json.RawMessage) (map[int64]bool, bool) {
	rows := make([]store.InboxUpdate, len(updates))
	for i, u := range updates {
		rows[i] = store.InboxUpdate{ID: u.ID, Chat: chatOf(u), Payload: raws[i]}
	}
	wait := 100 * time.Millisecond
	for {
		ids, err := b.db.InboxAdd(ctx, b.id, rows)
		if err == nil {
			fresh := make(map[int64]bool, len(ids))
			for _, id := range ids {
				fresh[id] = true
			}
			return fresh, true
		}
		if ctx.Err() != nil {
			return nil, false
		}
		b.metrics.errors.WithLabelValues("inbox").Inc()
		b.log.Warn("keeping updates failed; trying again", "err", err, "retry_in", wait)
		for _, r := range rows {
			b.faults.failing(ctx, r.Chat, err)
		}
		if !sleep(ctx, wait) {
			return nil, false
		}
		wait = min(2*wait, 5*time.Second)
	}
}

// inq is the in-memory side of the inbox while this process polls: which
// updates of each chat are queued for the dispatcher.
type inq struct {
	mu    sync.Mutex
	b     *Bot
	work  context.Context
	gen   int // a new lead starts a new generation; older jobs stand down
	chats map[int64]*inChat
}

// inChat is one chat's updates in memory.
type inChat struct {
	queued    int   // submitted to the dispatcher, not finished
	last      int64 // the newest update queued
	overflow  bool  // more wait in the inbox
	reloading bool
	missed    bool // an update came while reloading
}

// begin starts a lead: what an earlier lead of this process had queued and
// not started stands down (the inbox has it).
func (q *inq) begin(b *Bot, work context.Context) *inq {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.b, q.work = b, work
	q.gen++
	q.chats = map[int64]*inChat{}
	return q
}

// recover queues what the inbox holds (a poller that died left it), chat
// by chat, before anything newer.
func (q *inq) recover(ctx context.Context) {
	for wait := 100 * time.Millisecond; ctx.Err() == nil; wait = min(2*wait, 5*time.Second) {
		chats, err := q.b.db.InboxChats(ctx, q.b.id)
		if err == nil {
			if len(chats) > 0 {
				q.b.log.Info("polling: handling the updates the last poller left", "chats", len(chats))
			}
			q.mu.Lock()
			for _, chat := range chats {
				c := q.chat(chat)
				c.overflow = true
				q.reload(chat, c)
			}
			q.mu.Unlock()
			return
		}
		q.b.log.Warn("polling: reading the inbox failed; trying again", "err", err)
		sleep(ctx, wait)
	}
}

func (q *inq) chat(chat int64) *inChat {
	c := q.chats[chat]
	if c == nil {
		c = &inChat{}
		q.chats[chat] = c
	}
	return c
}

// add queues a fresh update of the inbox.
func (q *inq) add(u *models.Update) {
	q.mu.Lock()
	defer q.mu.Unlock()
	c := q.chat(chatOf(u))
	switch {
	case c.overflow:
		c.missed = c.missed || c.reloading
	case c.queued >= perChatInMemory:
		c.overflow = true
	default:
		q.submit(u, c)
	}
}

// submit hands an update to the dispatcher; q.mu is held.
func (q *inq) submit(u *models.Update, c *inChat) {
	c.queued++
	c.last = max(c.last, u.ID)
	q.b.dispatch.submitRetrying(chatOf(u), q.b.inboxJob(q.work, u, q.gen))
}

// finished is told that a job of gen ended (handled, given up, or stood
// down); a chat whose memory emptied reads on from the inbox.
func (q *inq) finished(gen int, chat int64) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if gen != q.gen {
		return
	}
	c := q.chats[chat]
	if c == nil {
		return
	}
	c.queued--
	switch {
	case c.queued == 0 && c.overflow:
		q.reload(chat, c)
	case c.queued == 0:
		delete(q.chats, chat)
	}
}

// reload reads a chat's next updates from the inbox; q.mu is held.
func (q *inq) reload(chat int64, c *inChat) {
	if c.reloading {
		return
	}
	c.reloading, c.missed = true, false
	gen, after := q.gen, c.last
	go func() {
		var rows []store.InboxUpdate
		for wait := 100 * time.Millisecond; ; wait = min(2*wait, 5*time.Second) {
			var err error
			if rows, err = q.b.db.InboxOf(q.work, q.b.id, chat, after, perChatInMemory); err == nil {
				break
			}
			q.b.log.Warn("polling: reading a chat's updates from the inbox failed; trying again", "err", err)
			if !sleep(q.work, wait) {
				return
			}
		}
		q.mu.Lock()
		defer q.mu.Unlock()
		if gen != q.gen {
			return
		}
		c.reloading = false
		for _, r := range rows {
			u := &models.Update{}
			if err := json.Unmarshal(r.Payload, u); err != nil {
				q.b.log.Error("an update in the inbox cannot be read; dropped", "update", r.ID, "err", err)
				q.b.settled.add(r.ID)
				c.last = max(c.last, r.ID)
				continue
			}
			q.submit(u, c)
		}
		if len(rows) < perChatInMemory && !c.missed {
			c.overflow = false
		}
		if c.queued == 0 {
			if c.overflow {
				q.reload(chat, c)
			} else {
				delete(q.chats, chat)
			}
		}
	}()
}

// current is the lead generation.
func (q *inq) current() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.gen
}

// inboxJob handles one update of the inbox: see the constants above.
func (b *Bot) inboxJob(work context.Context, u *models.Update, gen int) func() time.Duration {
	attempts := 0
	chat := chatOf(u)
	return func() time.Duration {
		if b.inq.current() != gen || (b.stopping() && attempts > 0) {
			// This process no longer polls (the inbox keeps it for the
			// next poller), or it is stopping and this one is failing.
			b.inq.finished(gen, chat)
			return 0
		}
		_, err := b.process(work, u)
		if err == nil {
			b.settled.add(u.ID)
			b.faults.ok(chat)
			b.inq.finished(gen, chat)
			return 0
		}
		attempts++
		if outage, _ := b.db.Outage(work, err); !outage && attempts >= maxAttempts {
			dropped, derr := b.db.InboxDrop(work, b.id, u.ID)
			if derr == nil {
				if dropped {
					b.log.Error("giving up on an update", "update", u.ID, "err", err)
					b.apologize(work, u)
				}
				b.faults.ok(chat)
				b.inq.finished(gen, chat)
				return 0
			}
		}
		b.faults.failing(work, chat, err)
		return min(100*time.Millisecond<<min(attempts, 10), maxBackoff)
	}
}

// faults remembers the chats whose updates fail for now, so that each is
// told once, and only what is true: that it will be done (正在处理), or
// that the database's disk is full.
type faults struct {
	mu    sync.Mutex
	b     *Bot
	chats map[int64]*fault
}

type fault struct {
	since time.Time
	told  bool
}

// failing notes that an update of chat failed for now and will be tried
// again; once it has waited busyAfter the chat is told, once.
func (f *faults) failing(ctx context.Context, chat int64, err error) {
	if chat == 0 {
		return
	}
	f.mu.Lock()
	if f.chats == nil {
		f.chats = map[int64]*fault{}
	}
	c := f.chats[chat]
	if c == nil {
		c = &fault{since: time.Now()}
		f.chats[chat] = c
	}
	tell := !c.told && time.Since(c.since) >= busyAfter
	c.told = c.told || tell
	f.mu.Unlock()
	if !tell || chat < 0 {
		return // groups are not talked to
	}
	text := catalog.Texts.Busy
	if _, full := f.b.db.Outage(ctx, err); full {
		text = catalog.Texts.DiskFull
	}
	_ = f.b.sendPlain(ctx, chat, text)
}

// ok notes that chat's update went through.
func (f *faults) ok(chat int64) {
	f.mu.Lock()
	delete(f.chats, chat)
	f.mu.Unlock()
}
