package bot

import (
	"sync"
	"time"
)

// dispatcher runs jobs one chat at a time, in the order they were
// submitted, and different chats in parallel on a fixed set of workers. A
// worker takes one job of the chat that has waited longest and then puts
// the chat at the back of the line, so a busy or slow chat delays only its
// own later jobs. The workers live as long as the dispatcher: a goroutine
// per chat, as before, grew a fresh stack through the engine and the
// database driver on every burst, which cost a tenth of the bot's CPU.
//
// A job may ask to run again later (it failed, and will be retried): it
// stays first in its chat's line, the chat's later jobs wait behind it,
// and no worker waits with it.
type dispatcher struct {
	mu      sync.Mutex
	wake    *sync.Cond
	queued  map[int64][]func() time.Duration // each chat's jobs not finished
	ready   []int64                          // chats with queued jobs and no worker, oldest first
	busy    map[int64]bool                   // chats a worker is on, or whose first job waits to run again
	stopped bool
	running sync.WaitGroup // jobs submitted and not finished
	workers sync.WaitGroup
}

func newDispatcher(workers int) *dispatcher {
	if workers < 1 {
		workers = 1
	}
	d := &dispatcher{queued: map[int64][]func() time.Duration{}, busy: map[int64]bool{}}
	d.wake = sync.NewCond(&d.mu)
	d.workers.Add(workers)
	for i := 0; i < workers; i++ {
		go d.work()
	}
	return d
}

// submit queues job behind the chat's earlier jobs.
func (d *dispatcher) submit(chat int64, job func()) {
	d.submitRetrying(chat, func() time.Duration { job(); return 0 })
}

// submitRetrying queues a job that returns how long to wait before running
// it again (0: it is finished).
func (d *dispatcher) submitRetrying(chat int64, job func() time.Duration) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.running.Add(1)
	if len(d.queued[chat]) == 0 && !d.busy[chat] {
		d.ready = append(d.ready, chat)
		d.wake.Signal()
	}
	d.queued[chat] = append(d.queued[chat], job)
}

func (d *dispatcher) work() {
	defer d.workers.Done()
	d.mu.Lock()
	for {
		for len(d.ready) == 0 && !d.stopped {
			d.wake.Wait()
		}
		if len(d.ready) == 0 { // stopped, and nothing left
			d.mu.Unlock()
			return
		}
		chat := d.ready[0]
		d.ready = d.ready[1:]
		job := d.queued[chat][0]
		d.busy[chat] = true
		d.mu.Unlock()

		again := job()

		d.mu.Lock()
		if again > 0 {
			// The chat stays busy, its job first, until it is due again.
			time.AfterFunc(again, func() {
				d.mu.Lock()
				defer d.mu.Unlock()
				d.ready = append(d.ready, chat)
				d.wake.Signal()
			})
			continue
		}
		d.queued[chat] = d.queued[chat][1:]
		d.running.Done()
		delete(d.busy, chat)
		if len(d.queued[chat]) > 0 {
			d.ready = append(d.ready, chat)
			d.wake.Signal()
		} else {
			delete(d.queued, chat)
		}
	}
}

// pending is how many jobs are queued for chat (the one running included).
func (d *dispatcher) pending(chat int64) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.queued[chat])
}

// wait blocks until every submitted job has run.
func (d *dispatcher) wait() { d.running.Wait() }

// stop lets the workers finish what is queued and end.
func (d *dispatcher) stop() {
	d.mu.Lock()
	d.stopped = true
	d.wake.Broadcast()
	d.mu.Unlock()
	d.workers.Wait()
}
