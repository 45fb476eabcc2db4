package bot

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	tgbot "github.com/go-telegram/bot"

	"tianbao/dialogs"
	"tianbao/store"
)

// Telegram's limits are about 30 messages a second per bot and one a second
// per chat; the sender stays under both.
const (
	DefaultSendRate        = 25
	DefaultPerChatInterval = time.Second
	outboxLease            = time.Minute
	// chatMargin spaces one chat's messages a little more than the limit,
	// so network jitter cannot bring two closer than Telegram allows.
	chatMargin = 1.1
	// budgetDebt bounds how far replies may run the shared budget into
	// debt: after a burst of replies, notifications wait at most this long.
	budgetDebt = 10 * time.Second
)

// sender delivers the outbox: notifications written in the same
// transaction as the change that caused them. Several replicas may run one:
// a message is claimed with a lease, so it goes out once, and a replica that
// dies with messages claimed leaves them to the others when the lease ends.
// SEND_RATE is the bot's rate across every replica: each claim takes
// sending slots from a budget kept in the database, which the replies each
// replica sent take slots from as well. Claimed messages go through the lane (one chat's in
// order, one a second per chat, a 429 holding the chat); what a chat cannot
// take now goes back to the outbox for later.
//
// An idle sender does not look at the outbox: a claim is woken by poke (a
// change in this process), by a NOTIFY (store.ListenOutbox: any replica
// queued messages, or moved one earlier), or when the earliest pending
// message becomes due (a retry, a held reminder, another replica's lease,
// the budget's next slot: store.OutboxNext), and at the latest after
// store.OutboxSafetyNet, should a NOTIFY be lost.
type sender struct {
	b        *Bot
	rate     float64
	interval time.Duration
	wake     chan struct{}
	replies  atomic.Int64 // messages sent as replies since the last claim
	// charging says replies were sent while the sender waits: they are
	// charged to the budget within chargeEvery, claim or not.
	charging chan struct{}
	sent     *batcher[int64]
}

func newSender(b *Bot, perSecond float64, perChat time.Duration) *sender {
	if perSecond <= 0 {
		perSecond = DefaultSendRate
	}
	if perChat <= 0 {
		perChat = DefaultPerChatInterval
	}
	s := &sender{b: b, rate: perSecond,
		interval: time.Duration(float64(perChat) * chatMargin), wake: make(chan struct{}, 1), charging: make(chan struct{}, 1)}
	s.sent = newBatcher(b, "notifications sent", b.db.OutboxSentAll)
	return s
}

// poke makes the sender look at the outbox now (after a local change).
func (s *sender) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// replied counts a message sent as a reply, for the shared budget.
func (s *sender) replied() {
	if s.replies.Add(1) == 1 {
		select {
		case s.charging <- struct{}{}:
		default:
		}
	}
}

// chargeEvery is how soon replies sent while the sender waits are charged
// to the shared budget (as often as the claims every half second charged
// them before the sender waited for NOTIFYs): charged much later, a
// burst long past would hold the next notifications back.
const chargeEvery = 500 * time.Millisecond

// charge charges the replies sent since the last claim to the budget.
func (s *sender) charge(ctx context.Context) {
	spent := s.replies.Swap(0)
	if spent == 0 {
		return
	}
	if err := s.b.db.SpendBudget(ctx, s.budget(float64(spent))); err != nil {
		s.replies.Add(spent) // charged next time
		if ctx.Err() == nil {
			s.b.log.Warn("charging replies to the send budget failed", "err", err)
		}
	}
}

// run delivers until ctx ends.
func (s *sender) run(ctx context.Context) {
	sentCtx, stopSent := context.WithCancel(context.WithoutCancel(ctx))
	sentDone := make(chan struct{})
	go func() {
		defer close(sentDone)
		s.sent.run(sentCtx)
	}()
	defer func() {
		stopSent()
		<-sentDone
	}()
	for ctx.Err() == nil {
		if err := s.b.db.OpenBudget(ctx, s.b.id); err == nil {
			break
		} else if ctx.Err() == nil {
			s.b.log.Warn("opening the send budget failed; trying again", "err", err)
			sleep(ctx, time.Second)
		}
	}
	notify := s.b.db.ListenOutbox(ctx, s.b.log)
	for ctx.Err() == nil {
		n, err := s.round(ctx)
		if err != nil && ctx.Err() == nil {
			s.b.log.Warn("outbox round failed", "err", err)
		}
		if n > 0 {
			// The next claim when half of these messages' slots have
			// passed: the lane always has the next ones in hand.
			sleep(ctx, min(time.Duration(float64(n)/s.rate*float64(time.Second))/2, budgetHorizon/2))
			continue
		}
		t := time.NewTimer(s.idle(ctx, err))
		var charge <-chan time.Time
		if s.replies.Load() > 0 {
			charge = time.After(chargeEvery)
		}
	wait:
		for {
			select {
			case <-ctx.Done():
				break wait
			case <-s.wake:
				break wait
			case <-notify:
				break wait
			case <-t.C:
				break wait
			case <-s.charging:
				if charge == nil {
					charge = time.After(chargeEvery)
				}
			case <-charge:
				charge = nil
				s.charge(ctx)
			}
		}
		t.Stop()
	}
}

// idle is how long a sender that claimed nothing waits for a wake: until
// the earliest pending message is due (store.OutboxWait); soon after a
// failed round.
func (s *sender) idle(ctx context.Context, failed error) time.Duration {
	if failed != nil {
		return 500 * time.Millisecond
	}
	next, ok, err := s.b.db.OutboxNext(ctx, s.budget(0))
	if err != nil {
		if ctx.Err() == nil {
			s.b.log.Warn("looking for the outbox's next due message failed", "err", err)
		}
		return 500 * time.Millisecond
	}
	return store.OutboxWait(next, ok)
}

// claimBatch is the most messages one claim takes.
const claimBatch = 200

// The shared budget (see store.Budget): a budget idle a while lends a
// tenth of a second's messages at once; replies may take slots up to ten
// seconds ahead (then notifications wait that long at most); a claim takes
// slots up to two seconds ahead, and the next claim comes when half of
// those have passed.
const (
	budgetBurst   = 0.1
	budgetHorizon = 2 * time.Second
)

func (s *sender) burst() float64 { return max(s.rate*budgetBurst, 1) }

// round claims what the budget allows and hands it to the lane, each
// message held until its slot. It returns how many it claimed.
func (s *sender) round(ctx context.Context) (int, error) {
	spent := float64(s.replies.Swap(0))
	msgs, err := s.b.db.ClaimOutbox(ctx, claimBatch, outboxLease, s.budget(spent))
	if err != nil {
		s.b.metrics.claims.WithLabelValues("error").Inc()
		s.replies.Add(int64(spent)) // charged next time
		return 0, err
	}
	if len(msgs) == 0 {
		s.b.metrics.claims.WithLabelValues("none").Inc()
	} else {
		s.b.metrics.claims.WithLabelValues("messages").Inc()
	}
	now := time.Now()
	for _, m := range msgs {
		j := s.job(m)
		j.notBefore = now.Add(m.Delay)
		s.b.lane.push(j)
	}
	return len(msgs), nil
}

// budget is the bot's shared budget, with spent messages sent otherwise
// since the last claim.
func (s *sender) budget(spent float64) *store.Budget {
	return &store.Budget{Bot: s.b.id, Rate: s.rate, Burst: s.burst(), Spent: spent, Debt: budgetDebt, Horizon: budgetHorizon}
}

// job is a notification for the lane.
func (s *sender) job(m store.OutboxMessage) *job {
	b := s.b
	j := &job{chat: m.ChatID, contact: m.ContactID, notice: true, deadline: time.Now().Add(outboxLease - 10*time.Second)}
	if m.Kind == store.MenuKind {
		j.steps = []step{{name: "setChatMenu", call: func(ctx context.Context) error { return b.setChatMenu(ctx, m) }}}
	} else {
		j.steps = b.replyJob(m.ContactID, m.ChatID, m.Campaign, 0, "", "", []dialogs.Reply{b.presentQueued(context.Background(), m)}).steps
	}
	j.done = func(out jobOutcome) { s.done(m, out) }
	return j
}

// done records what became of a notification.
func (s *sender) done(m store.OutboxMessage, out jobOutcome) {
	b := s.b
	ctx := context.Background()
	var err error
	var tooMany *tgbot.TooManyRequestsError
	switch {
	case out.delivered && out.refused != nil:
		// Telegram refused it as a request: sending it again cannot help.
		// It stays in the outbox, unsent, with Telegram's reason.
		err = b.db.OutboxRetry(ctx, m.ID, 7*24*time.Hour, redact(out.refused.Error(), b.cfg.Token))
	case out.delivered:
		s.sent.add(m.ID)
		return
	case out.blocked:
		if err = b.db.OutboxRetry(ctx, m.ID, 24*time.Hour, "blocked"); err == nil {
			err = b.db.MarkUnreachableAndTell(ctx, m.ContactID)
			s.poke() // the reviewers are told
		}
	case errors.As(out.err, &tooMany):
		err = b.db.OutboxRetry(ctx, m.ID, out.wait, "429")
	default:
		wait := max(out.wait, time.Duration(1<<min(m.Attempts, 8))*time.Second)
		err = b.db.OutboxRetry(ctx, m.ID, wait, redact(errText(out.err), b.cfg.Token))
	}
	if err != nil {
		// The claim's lease runs out and the message is tried again.
		b.log.Warn("recording a notification's outcome failed", "outbox", m.ID, "err", err)
		return
	}
	// Its retry is sooner than the lease the sender last saw it under: a
	// NOTIFY says so too (the row moved earlier), unless the listener is
	// down.
	s.poke()
}

// presentQueued is a queued message as it goes out: its buttons bound to
// the contact it is for (a press acts in that place, whatever the person
// did since), and for a person with several places the place named first.
func (b *Bot) presentQueued(ctx context.Context, m store.OutboxMessage) dialogs.Reply {
	place := &dialogs.Contact{ID: m.ContactID, Campaign: m.Campaign, Unit: m.Unit}
	return dialogs.Present(ctx, b.reg, m.Places, m.PlacesHere, place, []dialogs.Reply{m.Reply})[0]
}
