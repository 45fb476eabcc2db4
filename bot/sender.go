package bot

import (
	"context"
	"errors"
	"sync"
	"time"

	tgbot "github.com/go-telegram/bot"
	"golang.org/x/time/rate"

	"tianbao/dialogs"
	"tianbao/store"
)

// Telegram's limits are about 30 messages a second per bot and one a second
// per chat; the sender stays under both.
const (
	DefaultSendRate        = 25
	DefaultPerChatInterval = time.Second
	outboxLease            = time.Minute
	sendWorkers            = 16
	// chatMargin spaces one chat's messages a little more than the limit,
	// so network jitter cannot bring two closer than Telegram allows.
	chatMargin = 1.1
)

// sender delivers the outbox: notifications written in the same
// transaction as the change that caused them. Several replicas may run one:
// a message is claimed with a lease, so it goes out once, and a replica that
// dies with messages claimed leaves them to the others when the lease ends.
type sender struct {
	b        *Bot
	limiter  *rate.Limiter
	interval time.Duration
	mu       sync.Mutex
	nextChat map[int64]time.Time
	wake     chan struct{}
}

func newSender(b *Bot, perSecond float64, perChat time.Duration) *sender {
	if perSecond <= 0 {
		perSecond = DefaultSendRate
	}
	if perChat <= 0 {
		perChat = DefaultPerChatInterval
	}
	return &sender{b: b, limiter: rate.NewLimiter(rate.Limit(perSecond), 1), interval: time.Duration(float64(perChat) * chatMargin),
		nextChat: map[int64]time.Time{}, wake: make(chan struct{}, 1)}
}

// poke makes the sender look at the outbox now (after a local change).
func (s *sender) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// run delivers until ctx ends.
func (s *sender) run(ctx context.Context) {
	for ctx.Err() == nil {
		n, err := s.round(ctx)
		if err != nil && ctx.Err() == nil {
			s.b.log.Warn("outbox round failed", "err", err)
		}
		if n > 0 {
			continue
		}
		select {
		case <-ctx.Done():
			return
		case <-s.wake:
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// outcome is what became of one message.
type outcome struct {
	id      int64
	contact int64
	sent    bool
	wait    time.Duration // when not sent: try again after this
	reason  string
	blocked bool
}

// round claims a batch and sends it: each message waits for the global
// limiter, goes out concurrently with the others, and a chat's messages are
// spaced by its interval; a message whose chat is not ready yet goes back
// to the outbox for when it is. It returns how many were sent.
func (s *sender) round(ctx context.Context) (int, error) {
	msgs, err := s.b.db.ClaimOutbox(ctx, 200, outboxLease)
	if err != nil || len(msgs) == 0 {
		return 0, err
	}
	results := make(chan outcome, len(msgs))
	sem := make(chan struct{}, sendWorkers)
	var wg sync.WaitGroup
	for _, m := range msgs {
		if wait := s.reserve(m.ChatID); wait > 0 {
			results <- outcome{id: m.ID, wait: wait}
			continue
		}
		if err := s.limiter.Wait(ctx); err != nil {
			results <- outcome{id: m.ID, wait: time.Second}
			continue
		}
		sem <- struct{}{}
		wg.Add(1)
		go func(m store.OutboxMessage) {
			defer func() { <-sem; wg.Done() }()
			results <- s.deliver(ctx, m)
		}(m)
	}
	wg.Wait()
	close(results)
	var sent []int64
	var blocked []int64
	for r := range results {
		switch {
		case r.sent:
			sent = append(sent, r.id)
		case r.blocked:
			blocked = append(blocked, r.contact)
			if err := s.b.db.OutboxRetry(ctx, r.id, 24*time.Hour, "blocked"); err != nil {
				return len(sent), err
			}
		default:
			if err := s.b.db.OutboxRetry(ctx, r.id, r.wait, r.reason); err != nil {
				return len(sent), err
			}
		}
	}
	if err := s.b.db.OutboxSentAll(ctx, sent); err != nil {
		return len(sent), err
	}
	for _, contact := range blocked {
		if err := s.b.db.MarkUnreachableAndTell(ctx, contact); err != nil {
			return len(sent), err
		}
	}
	s.forgetIdleChats()
	return len(sent), nil
}

// reserve books the chat's next send now, or says how long until it may.
func (s *sender) reserve(chat int64) time.Duration {
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if ready := s.nextChat[chat]; ready.After(now) {
		return ready.Sub(now)
	}
	s.nextChat[chat] = now.Add(s.interval)
	return 0
}

func (s *sender) hold(chat int64, d time.Duration) {
	s.mu.Lock()
	s.nextChat[chat] = time.Now().Add(d)
	s.mu.Unlock()
}

func (s *sender) forgetIdleChats() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.nextChat) < 10000 {
		return
	}
	now := time.Now()
	for chat, t := range s.nextChat {
		if t.Before(now) {
			delete(s.nextChat, chat)
		}
	}
}

// deliver sends one message: a 429 holds the chat for its retry_after,
// server and network errors back off, a blocked user is reported.
func (s *sender) deliver(ctx context.Context, m store.OutboxMessage) outcome {
	b := s.b
	var err error
	if m.Kind == store.MenuKind {
		err = b.setChatMenu(ctx, m)
	} else {
		reply := b.presentQueued(ctx, m)
		parts := split(reply.Text, maxText)
		for i, part := range parts {
			var kb *inlineKeyboard
			if i == len(parts)-1 {
				kb = keyboard(reply.Buttons)
			}
			if err = b.sendMessage(ctx, m.ChatID, part, kb); err != nil {
				break
			}
		}
		if err == nil && reply.Attach != nil {
			err = b.attach(ctx, m.Campaign, m.ChatID, reply.Attach)
		}
	}
	var tooMany *tgbot.TooManyRequestsError
	switch {
	case err == nil:
		return outcome{id: m.ID, sent: true}
	case errors.As(err, &tooMany):
		b.metrics.errors.WithLabelValues("429").Inc()
		wait := time.Duration(max(tooMany.RetryAfter, 1)) * time.Second
		s.hold(m.ChatID, wait)
		return outcome{id: m.ID, wait: wait, reason: "429"}
	case errors.Is(err, tgbot.ErrorForbidden):
		b.metrics.errors.WithLabelValues("blocked").Inc()
		return outcome{id: m.ID, contact: m.ContactID, blocked: true}
	case errors.Is(err, tgbot.ErrorBadRequest):
		// Telegram refused the message itself: sending it again cannot
		// help. It stays in the outbox, unsent, with Telegram's reason.
		b.metrics.errors.WithLabelValues("refused").Inc()
		b.log.Error("Telegram refused a notification", "outbox", m.ID, "kind", m.Kind, "err", err)
		return outcome{id: m.ID, wait: 7 * 24 * time.Hour, reason: redact(err.Error(), b.cfg.Token)}
	default:
		b.metrics.errors.WithLabelValues("send").Inc()
		return outcome{id: m.ID, wait: time.Duration(1<<min(m.Attempts, 8)) * time.Second, reason: redact(err.Error(), b.cfg.Token)}
	}
}

// presentQueued is a queued message as it goes out: its buttons bound to
// the contact it is for (a press acts in that place, whatever the person
// did since), and for a person with several places the place named first.
func (b *Bot) presentQueued(ctx context.Context, m store.OutboxMessage) dialogs.Reply {
	r := m.Reply
	r.Buttons = dialogs.BindAll(r.Buttons, m.ContactID)
	if m.Places > 1 {
		if camp, err := b.reg.Campaign(ctx, m.Campaign); err == nil {
			r = dialogs.WithHeading(r, dialogs.Heading(camp, m.Unit, m.PlacesHere > 1))
		}
	}
	return r
}
