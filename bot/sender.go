package bot

import (
	"context"
	"errors"
	"sync"
	"time"

	tgbot "github.com/go-telegram/bot"
	"golang.org/x/time/rate"

	"tianbao/store"
)

// Telegram's limits are about 30 messages a second per bot and one a second
// per chat; the sender stays under both.
const (
	DefaultSendRate = 25
	perChatInterval = time.Second
	outboxLease     = time.Minute
)

// sender delivers the outbox: notifications written in the same
// transaction as the change that caused them. Several replicas may run one:
// a message is claimed with a lease, so it goes out once, and a replica that
// dies with messages claimed leaves them to the others when the lease ends.
type sender struct {
	b        *Bot
	limiter  *rate.Limiter
	mu       sync.Mutex
	nextChat map[int64]time.Time
	wake     chan struct{}
}

func newSender(b *Bot, perSecond float64) *sender {
	if perSecond <= 0 {
		perSecond = DefaultSendRate
	}
	return &sender{b: b, limiter: rate.NewLimiter(rate.Limit(perSecond), 1), nextChat: map[int64]time.Time{}, wake: make(chan struct{}, 1)}
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

// round claims a batch and sends it; chats not ready yet (1/s) are put back
// for when they are.
func (s *sender) round(ctx context.Context) (int, error) {
	msgs, err := s.b.db.ClaimOutbox(ctx, 100, outboxLease)
	if err != nil {
		return 0, err
	}
	sent := 0
	for _, m := range msgs {
		now := time.Now()
		s.mu.Lock()
		ready := s.nextChat[m.ChatID]
		if ready.After(now) {
			s.mu.Unlock()
			if err := s.b.db.OutboxRetry(ctx, m.ID, ready.Sub(now), ""); err != nil {
				return sent, err
			}
			continue
		}
		s.nextChat[m.ChatID] = now.Add(perChatInterval)
		s.mu.Unlock()
		if err := s.limiter.Wait(ctx); err != nil {
			return sent, err
		}
		if err := s.deliver(ctx, m); err != nil {
			return sent, err
		}
		sent++
	}
	s.forgetIdleChats()
	return sent, nil
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

// deliver sends one message once: a 429 waits its retry_after, server and
// network errors back off, a blocked user is marked unreachable.
func (s *sender) deliver(ctx context.Context, m store.OutboxMessage) error {
	b := s.b
	var err error
	parts := split(m.Reply.Text, maxText)
	for i, part := range parts {
		p := &tgbot.SendMessageParams{ChatID: m.ChatID, Text: part}
		if kb := keyboard(m.Reply.Buttons); kb != nil && i == len(parts)-1 {
			p.ReplyMarkup = kb
		}
		if _, err = b.tg.SendMessage(ctx, p); err != nil {
			break
		}
	}
	var tooMany *tgbot.TooManyRequestsError
	switch {
	case err == nil:
		return b.db.OutboxSent(ctx, m.ID)
	case errors.As(err, &tooMany):
		b.metrics.errors.WithLabelValues("429").Inc()
		wait := time.Duration(max(tooMany.RetryAfter, 1)) * time.Second
		s.mu.Lock()
		s.nextChat[m.ChatID] = time.Now().Add(wait)
		s.mu.Unlock()
		return b.db.OutboxRetry(ctx, m.ID, wait, "429")
	case errors.Is(err, tgbot.ErrorForbidden):
		b.metrics.errors.WithLabelValues("blocked").Inc()
		if err := b.db.MarkUnreachable(ctx, m.ContactID); err != nil {
			return err
		}
		return b.db.OutboxRetry(ctx, m.ID, 24*time.Hour, "blocked")
	default:
		b.metrics.errors.WithLabelValues("send").Inc()
		wait := time.Duration(1<<min(m.Attempts, 8)) * time.Second
		return b.db.OutboxRetry(ctx, m.ID, wait, redact(err.Error(), b.cfg.Token))
	}
}
