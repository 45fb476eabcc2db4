package bot

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"

	tgbot "github.com/go-telegram/bot"
)

// The lane delivers what the bot says, chat by chat and in order, without
// any update waiting for it. An update's turn is committed with the
// replies it produced (processed_inputs); handling it ends by handing them
// here, so a slow Telegram, a 429 or a chat that is throttled holds up
// only that chat's later messages, never an update and never another chat.
// A 429 holds its chat for retry_after; server and network errors back off
// per chat; a job that cannot be delivered before its deadline is dropped
// here and left unsent in the database, where the sweep (any replica) takes
// it up once its lease has passed. Notifications from the outbox go the
// same way, so a chat's holds apply to both.
type lane struct {
	b       *Bot
	mu      sync.Mutex
	wake    *sync.Cond
	chats   map[int64]*laneChat
	ready   []int64 // chats with a job due, not being worked on; oldest first
	stopped bool
	queued  sync.WaitGroup // jobs pushed and not finished
	workers sync.WaitGroup
}

// laneChat is one chat's jobs.
type laneChat struct {
	queued   bool // in l.ready
	jobs     []*job
	busy     bool      // a worker has its head job
	until    time.Time // held (retry_after, backoff, spacing) until then
	timed    bool      // a timer will make it ready
	noticeAt time.Time // the next notification may go then (one a second per chat)
}

// job is what one handled update says, or one notification: API calls
// made in order. A job remembers how far it got, so a 429 in its second
// part resends neither the first nor the callback's answer.
type job struct {
	chat     int64
	contact  int64  // marked unreachable if the chat blocked the bot (0: none)
	key      string // the input whose replies these are (marked sent when done)
	steps    []step
	next     int
	failures int
	deadline time.Time
	// notice: a notification (one a second per chat), not sent before
	// notBefore, its slot under the bot's rate.
	notice    bool
	notBefore time.Time
	done      func(jobOutcome)
}

// step is one Bot API call. When Telegram refuses it as a request (400),
// fallback runs instead (an edit of a message that is gone is sent anew);
// without one the step is skipped, logged.
type step struct {
	name     string
	call     func(ctx context.Context) error
	fallback *step
	quiet    bool // a refusal is expected now and then (a button answered too late)
}

// jobOutcome is how a job ended.
type jobOutcome struct {
	delivered bool // every step done (or refused as a request: a bug, logged, not retried)
	blocked   bool // the user blocked the bot
	// Neither: dropped undelivered (past its deadline, or failing):
	// whatever holds it in the database delivers it later.
	err     error
	wait    time.Duration // for the outbox: how long until it is tried again
	refused error         // a step Telegram refused as a request (skipped)
}

// laneWorkers send at once; each call is one round trip to Telegram.
const laneWorkers = 64

// replyDeadline is how long a reply is tried by the process that made it
// before the sweep may take it (less than store.ReplyLease).
const replyDeadline = 90 * time.Second

func newLane(b *Bot) *lane {
	l := &lane{b: b, chats: map[int64]*laneChat{}}
	l.wake = sync.NewCond(&l.mu)
	l.workers.Add(laneWorkers)
	for i := 0; i < laneWorkers; i++ {
		go l.work()
	}
	return l
}

// push queues a job behind the chat's earlier ones. It never blocks.
func (l *lane) push(j *job) {
	if len(j.steps) == 0 {
		if j.done != nil {
			j.done(jobOutcome{delivered: true})
		}
		return
	}
	if j.deadline.IsZero() {
		j.deadline = time.Now().Add(replyDeadline)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.queued.Add(1)
	if len(l.chats) > 10000 {
		l.forgetIdle()
	}
	c := l.chats[j.chat]
	if c == nil {
		c = &laneChat{}
		l.chats[j.chat] = c
	}
	// A reply goes before the chat's notifications still waiting for
	// their slots: the person typing is not kept waiting for them.
	at := len(c.jobs)
	if !j.notice {
		for i := range c.jobs {
			if (i > 0 || !c.busy) && c.jobs[i].notice && c.jobs[i].next == 0 {
				at = i
				break
			}
		}
	}
	c.jobs = append(c.jobs, nil)
	copy(c.jobs[at+1:], c.jobs[at:])
	c.jobs[at] = j
	if at == 0 && !c.busy {
		l.schedule(j.chat, c)
	}
}

// schedule makes a chat with jobs ready now or when its hold ends; l.mu is
// held.
func (l *lane) schedule(chat int64, c *laneChat) {
	until := c.until
	if head := c.jobs[0]; head.notice {
		until = later(later(until, c.noticeAt), head.notBefore)
	}
	if wait := time.Until(until); wait > 0 {
		if !c.timed {
			c.timed = true
			time.AfterFunc(wait, func() {
				l.mu.Lock()
				defer l.mu.Unlock()
				c.timed = false
				if len(c.jobs) > 0 && !c.busy && l.chats[chat] == c {
					l.schedule(chat, c)
				}
			})
		}
		return
	}
	if !c.queued {
		c.queued = true
		l.ready = append(l.ready, chat)
		l.wake.Signal()
	}
}

// forgetIdle drops chats with nothing queued and no hold left; l.mu is
// held.
func (l *lane) forgetIdle() {
	now := time.Now()
	for chat, c := range l.chats {
		if len(c.jobs) == 0 && !c.busy && !c.timed && !c.until.After(now) && !c.noticeAt.After(now) {
			delete(l.chats, chat)
		}
	}
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func (l *lane) work() {
	defer l.workers.Done()
	for {
		l.mu.Lock()
		for len(l.ready) == 0 && !l.stopped {
			l.wake.Wait()
		}
		if len(l.ready) == 0 {
			l.mu.Unlock()
			return
		}
		chat := l.ready[0]
		l.ready = l.ready[1:]
		c := l.chats[chat]
		c.queued = false
		j := c.jobs[0]
		c.busy = true
		l.mu.Unlock()

		hold, finished, out := l.run(j)

		l.mu.Lock()
		c.busy = false
		now := time.Now()
		c.until = now.Add(hold)
		if finished {
			c.jobs = c.jobs[1:]
			if j.notice && out.delivered && l.b.sender != nil {
				c.noticeAt = now.Add(l.b.sender.interval)
			}
		}
		if len(c.jobs) > 0 {
			l.schedule(chat, c)
		} else if !c.timed && !c.until.After(now) && !c.noticeAt.After(now) {
			delete(l.chats, chat)
		}
		l.mu.Unlock()
		if finished {
			if j.done != nil {
				j.done(out)
			}
			l.queued.Done()
		}
	}
}

// run makes a job's calls from where it stopped. It returns how long to
// hold the chat, and, once the job is finished, how it ended.
func (l *lane) run(j *job) (hold time.Duration, finished bool, out jobOutcome) {
	b := l.b
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var refused error
	for j.next < len(j.steps) {
		if time.Now().After(j.deadline) {
			return 0, true, jobOutcome{err: errors.New("not delivered before its deadline"), wait: time.Second}
		}
		s := j.steps[j.next]
		err := s.call(ctx)
		var tooMany *tgbot.TooManyRequestsError
		switch {
		case err == nil, strings.Contains(errText(err), "message is not modified"):
			if err == nil && !j.notice && s.name != "answerCallbackQuery" && b.sender != nil {
				b.sender.replied() // charged to the bot's budget, shared by the replicas
			}
			j.next++
			j.failures = 0
		case errors.As(err, &tooMany):
			b.metrics.errors.WithLabelValues("429").Inc()
			wait := time.Duration(max(tooMany.RetryAfter, 1)) * time.Second
			if j.notice || time.Now().Add(wait).After(j.deadline) {
				// A notification goes back to the outbox for when the chat
				// is free; a reply past its deadline to the sweep.
				return wait, true, jobOutcome{err: err, wait: wait}
			}
			return wait, false, jobOutcome{}
		case errors.Is(err, tgbot.ErrorForbidden):
			b.metrics.errors.WithLabelValues("blocked").Inc()
			return 0, true, jobOutcome{blocked: true, err: err}
		case errors.Is(err, tgbot.ErrorBadRequest), errors.Is(err, tgbot.ErrorNotFound), errors.Is(err, tgbot.ErrorUnauthorized):
			if s.fallback != nil {
				j.steps[j.next] = *s.fallback
				continue
			}
			// Telegram refused the request itself: sending it again cannot
			// help. Logged with Telegram's words; the job goes on.
			if s.quiet {
				b.log.Debug("Telegram refused a call", "method", s.name, "err", err)
			} else {
				b.metrics.errors.WithLabelValues("refused").Inc()
				b.log.Error("Telegram refused a call", "method", s.name, "contact", j.contact, "err", redact(err.Error(), b.cfg.Token))
				refused = err
			}
			j.next++
		default:
			b.metrics.errors.WithLabelValues("send").Inc()
			j.failures++
			wait := min(100*time.Millisecond<<min(j.failures-1, 8), 5*time.Second)
			if j.failures >= 8 || j.notice || time.Now().Add(wait).After(j.deadline) {
				b.log.Warn("could not deliver; left to be tried later", "method", s.name, "contact", j.contact, "err", redact(err.Error(), b.cfg.Token))
				return wait, true, jobOutcome{err: err, wait: wait}
			}
			return wait, false, jobOutcome{}
		}
	}
	return 0, true, jobOutcome{delivered: true, refused: refused}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// drain waits until every queued job is finished or ctx ends.
func (l *lane) drain(ctx context.Context) {
	done := make(chan struct{})
	go func() {
		l.queued.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
	}
}

// stop ends the workers (after drain); jobs still held are dropped, and
// delivered later from the database.
func (l *lane) stop() {
	l.mu.Lock()
	l.stopped = true
	l.ready = nil
	l.wake.Broadcast()
	l.mu.Unlock()
	l.workers.Wait()
}

// sweepEvery is how often each replica looks for replies nobody sent.
const sweepEvery = 5 * time.Second

// sweepReplies delivers, until ctx ends, the replies of inputs that were
// applied but whose replies were never marked sent once their lease has
// passed: the process that applied them died, or could not reach Telegram
// in time. Each is claimed with a new lease, so one replica sends it.
func (b *Bot) sweepReplies(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(sweepEvery):
		}
		for ctx.Err() == nil {
			due, err := b.db.ClaimUnsentReplies(ctx, 100)
			if err != nil {
				if ctx.Err() == nil {
					b.log.Warn("looking for unsent replies failed", "err", err)
				}
				break
			}
			for _, u := range due {
				j := b.replyJob(u.Contact, u.Chat, u.Campaign, 0, "", "", u.Replies)
				j.key = u.Key
				j.done = func(out jobOutcome) { b.replyDone(j, out) }
				b.lane.push(j)
			}
			if len(due) > 0 {
				b.log.Info("sending replies left unsent", "count", len(due))
			}
			if len(due) < 100 {
				break
			}
		}
	}
}
