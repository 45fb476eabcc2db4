package wecombot

import (
	"context"
	"errors"
	"sync"
	"time"

	"tianbao/dialogs"
	"tianbao/store"
	"tianbao/wecom"
)

// Sending. WeCom drops, without an error, what passes 30 messages a minute
// or 1,000 an hour from the app to one member, so every message is booked
// against the member's sends in the database first (shared by the
// replicas); what cannot go now waits in the outbox. 45009 (the app's
// calls or its day's recipients used up) holds every send of this replica
// for the time WeCom says; -1 and 45033 are tried again after a pause, as
// the docs say; a member WeCom no longer reaches (left the organisation,
// outside the app's visible range) is marked unreachable and the reviewers
// above are told, as for a chat that blocked the Telegram bot.

const (
	outboxLease   = time.Minute
	outboxBatch   = 100
	senderWorkers = 8
	busyRetries   = 3
)

// errHeld: the app may not send now (45009 answered lately).
var errHeld = errors.New("wecom: the app's sends are held after 45009")

// reply sends a turn's replies to the member. Replies the member's rate does
// not allow now go to the outbox, to be sent when it does.
func (c *Channel) reply(ctx context.Context, user string, place *dialogs.Contact, replies []dialogs.Reply) error {
	contact := place.ID
	for i, r := range replies {
		link := ""
		if r.Attach != nil && place.Campaign != "" {
			// A file the chat would send: the desk has it.
			link = c.placeURL(store.OutboxMessage{ContactID: place.ID, Campaign: place.Campaign, Unit: place.Unit})
		}
		rr := render(r, user, contact, true, c.deskURL, link)
		if rr.card == nil && r.Typed {
			// A question without buttons: a number typed now is its answer.
			if err := c.db.SaveWeComCard(ctx, store.WeComCard{TaskID: "q" + taskID(), UserID: user, ContactID: contact, Typed: true, Screen: true}); err != nil {
				return err
			}
		}
		wait, err := c.deliver(ctx, user, []rendered{rr})
		if errors.Is(err, wecom.ErrInvalidUser) {
			return nil // marked unreachable; nothing more to send them
		}
		if err != nil {
			return err
		}
		if wait > 0 {
			return c.db.QueueReplies(ctx, contact, replies[i:], time.Now().Add(wait))
		}
	}
	return nil
}

// nextSend is when one more message may go to a member after recent sends.
func nextSend(recent []time.Time, now time.Time) time.Time { return wecom.MemberNextSend(recent, now) }

// deliver sends rendered messages to a member, all of them or (wait > 0,
// the member's rate does not allow them now) none. A card's buttons are
// kept before the card goes out, so that a press finds them. An
// unreachable member is marked so, and the error says it
// (wecom.ErrInvalidUser).
func (c *Channel) deliver(ctx context.Context, user string, rs []rendered) (time.Duration, error) {
	n := 0
	for _, r := range rs {
		n += r.count()
	}
	if n == 0 {
		return 0, nil
	}
	wait, err := c.db.BookWeComSend(ctx, user, n, time.Now(), nextSend)
	if err != nil || wait > 0 {
		return wait, err
	}
	for _, r := range rs {
		for _, m := range r.texts {
			if err := c.sendOne(ctx, user, m); err != nil {
				return 0, err
			}
		}
		if r.card != nil {
			if err := c.db.SaveWeComCard(ctx, r.card.kept); err != nil {
				return 0, err
			}
			if err := c.sendOne(ctx, user, r.card.msg); err != nil {
				return 0, err
			}
		}
	}
	return 0, nil
}

// sendOne sends one message, within the app's overall rate, trying again
// after -1 and 45033 as WeCom's pages say (a few times), holding the app's
// sends after 45009.
func (c *Channel) sendOne(ctx context.Context, user string, m wecom.Message) error {
	for attempt := 0; ; attempt++ {
		if until := c.heldUntil(); time.Now().Before(until) {
			return errHeld
		}
		if err := c.limiter.Wait(ctx); err != nil {
			return err
		}
		_, err := c.client.Send(ctx, wecom.Outgoing{To: []string{user}, Message: m})
		var invalid *wecom.InvalidUserError
		var api *wecom.APIError
		switch {
		case err == nil:
			return nil
		case errors.As(err, &invalid):
			c.log.Warn("a WeCom member is not reachable: marked so, and the reviewers are told", "code", invalid.Code)
			if merr := c.db.MarkWeComUnreachable(ctx, user); merr != nil {
				return merr
			}
			c.Poke() // the reviewers' notices
			return err
		case errors.As(err, &api) && api.Code == wecom.CodeFreqLimit:
			wait, _ := wecom.RetryAfter(err)
			c.holdFor(wait)
			return err
		case errors.Is(err, wecom.ErrRateLimited), errors.Is(err, wecom.ErrBusy):
			// 45033 (too many at once) and -1 (busy): a pause and again.
			wait, _ := wecom.RetryAfter(err)
			if attempt+1 >= busyRetries || !sleep(ctx, wait) {
				return err
			}
		default:
			return err
		}
	}
}

func (c *Channel) heldUntil() time.Time {
	c.hold.Lock()
	defer c.hold.Unlock()
	return c.hold.until
}

// holdFor holds the app's sends after 45009, longer each time it recurs
// within the hold (an hourly or daily limit blocks for its window).
func (c *Channel) holdFor(d time.Duration) {
	c.hold.Lock()
	defer c.hold.Unlock()
	now := time.Now()
	if now.Before(c.hold.until.Add(d)) && !c.hold.until.IsZero() {
		d = min(2*max(d, c.hold.until.Sub(now)+d), 24*time.Hour)
	}
	c.hold.until = now.Add(d)
}

func sleep(ctx context.Context, d time.Duration) bool {
	select {
	case <-ctx.Done():
		return false
	case <-time.After(d):
		return true
	}
}

// send delivers the outbox's messages for contacts WeCom reaches until ctx
// ends: claimed with a lease as the Telegram sender claims its own (once
// across replicas; a dead replica's taken over), each member's in order.
// Idle, it does not look at the outbox: it waits for Poke, a NOTIFY (any
// replica queued messages or moved one earlier: store.ListenOutbox), the
// earliest pending message's time (a member's rate, a retry), the end of
// a 45009 hold, or at the latest store.OutboxSafetyNet.
func (c *Channel) send(ctx context.Context) {
	notify := c.db.ListenOutbox(ctx, c.log)
	for ctx.Err() == nil {
		n, err := c.round(ctx)
		if err != nil && ctx.Err() == nil {
			c.log.Warn("WeCom outbox round failed", "err", err)
		}
		if n > 0 {
			continue
		}
		t := time.NewTimer(c.idle(ctx, err))
		select {
		case <-ctx.Done():
		case <-c.wake:
		case <-notify:
		case <-t.C:
		}
		t.Stop()
	}
}

// idle is how long the sender, having claimed nothing, waits for a wake.
func (c *Channel) idle(ctx context.Context, failed error) time.Duration {
	if failed != nil {
		return 500 * time.Millisecond
	}
	if held := time.Until(c.heldUntil()); held > 0 {
		return min(held, store.OutboxSafetyNet)
	}
	next, ok, err := c.db.WeComOutboxNext(ctx)
	if err != nil {
		if ctx.Err() == nil {
			c.log.Warn("looking for the WeCom outbox's next due message failed", "err", err)
		}
		return 500 * time.Millisecond
	}
	return store.OutboxWait(next, ok)
}

// outcome is what became of one outbox message.
type outcome struct {
	id     int64
	sent   bool
	wait   time.Duration
	reason string
}

// round claims a batch and sends it, members in parallel, each member's
// messages in order: one that must wait holds the member's later ones back
// with it. It returns how many it claimed.
func (c *Channel) round(ctx context.Context) (int, error) {
	if time.Now().Before(c.heldUntil()) {
		return 0, nil
	}
	c.claims.Add(1)
	msgs, err := c.db.ClaimWeComOutbox(ctx, outboxBatch, outboxLease)
	if err != nil || len(msgs) == 0 {
		return 0, err
	}
	byUser := map[string][]store.WeComMessage{}
	var order []string
	for _, m := range msgs {
		if byUser[m.UserID] == nil {
			order = append(order, m.UserID)
		}
		byUser[m.UserID] = append(byUser[m.UserID], m)
	}
	results := make(chan outcome, len(msgs))
	sem := make(chan struct{}, senderWorkers)
	var wg sync.WaitGroup
	for _, user := range order {
		sem <- struct{}{}
		wg.Add(1)
		go func(list []store.WeComMessage) {
			defer func() { <-sem; wg.Done() }()
			var held *outcome
			for _, m := range list {
				if held != nil {
					results <- outcome{id: m.ID, wait: held.wait, reason: held.reason}
					continue
				}
				o := c.deliverQueued(ctx, m)
				results <- o
				if !o.sent {
					held = &o
				}
			}
		}(byUser[user])
	}
	wg.Wait()
	close(results)
	var sent []int64
	for r := range results {
		if r.sent {
			sent = append(sent, r.id)
			continue
		}
		if err := c.db.OutboxRetry(ctx, r.id, r.wait, r.reason); err != nil {
			return len(msgs), err
		}
	}
	return len(msgs), c.db.OutboxSentAll(ctx, sent)
}

// deliverQueued sends one outbox message and says what became of it.
func (c *Channel) deliverQueued(ctx context.Context, m store.WeComMessage) outcome {
	if m.Kind == store.MenuKind {
		return outcome{id: m.ID, sent: true} // a Telegram chat's menu: WeCom's is the app's own
	}
	r := c.presentQueued(ctx, m)
	screen := m.Kind == "reply" || m.Kind == "screen"
	link := ""
	if !screen {
		link = c.placeURL(m.OutboxMessage)
	}
	wait, err := c.deliver(ctx, m.UserID, []rendered{render(r, m.UserID, m.ContactID, screen, c.deskURL, link)})
	var field *wecom.FieldError
	switch {
	case err == nil && wait > 0:
		return outcome{id: m.ID, wait: wait, reason: "member rate"}
	case err == nil:
		return outcome{id: m.ID, sent: true}
	case errors.Is(err, wecom.ErrInvalidUser):
		return outcome{id: m.ID, wait: 24 * time.Hour, reason: "unreachable"}
	case errors.Is(err, errHeld), errors.Is(err, wecom.ErrRateLimited):
		return outcome{id: m.ID, wait: max(time.Until(c.heldUntil()), time.Minute), reason: "45009"}
	case errors.As(err, &field), errors.Is(err, wecom.ErrInvalidMessage):
		// A message WeCom's limits refuse: sending it again cannot help.
		c.log.Error("a WeCom notification breaks WeCom's limits", "outbox", m.ID, "kind", m.Kind, "err", err)
		return outcome{id: m.ID, wait: 7 * 24 * time.Hour, reason: err.Error()}
	default:
		c.log.Warn("a WeCom notification was not sent; trying again", "outbox", m.ID, "err", err)
		return outcome{id: m.ID, wait: time.Duration(1<<min(m.Attempts, 8)) * time.Second, reason: err.Error()}
	}
}

// presentQueued is a queued message as it goes out: its buttons bound to
// the contact it is for, and for a person with several places the place
// named first (as the Telegram sender does).
func (c *Channel) presentQueued(ctx context.Context, m store.WeComMessage) dialogs.Reply {
	place := &dialogs.Contact{ID: m.ContactID, Campaign: m.Campaign, Unit: m.Unit}
	return dialogs.Present(ctx, c.reg, m.Places, m.PlacesHere, place, []dialogs.Reply{m.Reply})[0]
}

// sweepEvery is how often each replica looks for WeCom replies nobody sent.
const sweepEvery = 5 * time.Second

// sweep sends the replies of applied WeCom inputs that nobody sent (the
// process that applied them died, or could not reach WeCom, and no
// redelivery came), once their lease has passed.
func (c *Channel) sweep(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(sweepEvery):
		}
		due, err := c.db.ClaimUnsentWeComReplies(ctx, 100)
		if err != nil {
			if ctx.Err() == nil {
				c.log.Warn("looking for unsent WeCom replies failed", "err", err)
			}
			continue
		}
		for _, u := range due {
			place := &dialogs.Contact{ID: u.Contact, Campaign: u.Campaign, Unit: u.Unit}
			replies := make([]dialogs.Reply, len(u.Replies))
			for i, r := range u.Replies {
				r.Buttons = dialogs.BindAll(r.Buttons, u.Contact)
				if u.Places > 1 {
					if camp, err := c.reg.Campaign(ctx, u.Campaign); err == nil {
						r = dialogs.WithHeading(r, dialogs.Heading(camp, u.Unit, u.Here > 1))
					}
				}
				replies[i] = r
			}
			lock := c.member(u.UserID)
			lock.Lock()
			err := c.reply(ctx, u.UserID, place, replies)
			lock.Unlock()
			if err != nil {
				c.log.Warn("sending unsent WeCom replies failed; trying again later", "err", err)
				continue
			}
			if err := c.db.MarkSent(ctx, []string{u.Key}); err != nil {
				c.log.Warn("marking WeCom replies sent failed", "err", err)
			}
		}
	}
}
