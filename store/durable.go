package store

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// Group commit for the chat's turns. A turn's one statement commits
// without waiting for its WAL to reach the disk (synchronous_commit off for
// that transaction alone), and what the turn says is handed on only after
// a flush that covers it: one small synchronous commit, which writes out
// every commit before it, serves all the turns that finished meanwhile. A
// flush per turn was a fifth of PostgreSQL's time under load, and a wait
// in each worker.
//
// Nothing anyone was told is lost: until the flush, the turn's reply is
// not sent and its update is not taken out of the inbox (that delete comes
// later in the WAL, so if it survives a crash, so did the turn); a turn
// lost with the server is applied again from the inbox, a turn that
// survived is a duplicate whose recorded replies are sent. Whatever else
// acts on a turn's rows outside this process (the outbox's claim, the
// sweep of unsent replies) commits synchronously itself, which flushes the
// turn first.

// deferral is carried in a context whose turns may commit before their
// WAL is on disk; pending says one did.
type deferral struct{ pending atomic.Bool }

type deferralKey struct{}

// DeferDurability lets the turns run with ctx commit without waiting for
// the disk. Whoever uses it must call Durable before telling anyone what
// the turns did.
func DeferDurability(ctx context.Context) context.Context {
	return context.WithValue(ctx, deferralKey{}, &deferral{})
}

// asyncCommit makes the statement q, which ends in a SELECT list, commit
// without waiting for the disk when ctx allows it (set_config with is_local
// lasts until its implicit transaction's commit, and that commit reads it).
func asyncCommit(ctx context.Context, q string) string {
	d, _ := ctx.Value(deferralKey{}).(*deferral)
	if d == nil {
		return q
	}
	d.pending.Store(true)
	return q + `, set_config('synchronous_commit', 'off', true)`
}

// Durable returns once every turn run with ctx is on disk: at once if
// none deferred its flush, else after the next group flush.
func (db *DB) Durable(ctx context.Context) error {
	d, _ := ctx.Value(deferralKey{}).(*deferral)
	if d == nil || !d.pending.Load() {
		return nil
	}
	if err := db.flusher().wait(ctx); err != nil {
		return err
	}
	d.pending.Store(false)
	return nil
}

// flushQuery is the group flush: a transaction with an id commits a
// record, and a synchronous commit waits until the WAL up to it, every
// earlier commit's included, is on disk.
const flushQuery = `SELECT pg_current_xact_id()`

// groupFlush runs one flush at a time for everyone waiting; a waiter that
// came while one ran waits for the next (its commit may be after the point
// that one flushed to).
type groupFlush struct {
	db      *DB
	mu      sync.Mutex
	waiting []chan error
	running bool
}

func (db *DB) flusher() *groupFlush {
	db.flushOnce.Do(func() { db.flush = &groupFlush{db: db} })
	return db.flush
}

func (f *groupFlush) wait(ctx context.Context) error {
	done := make(chan error, 1)
	f.mu.Lock()
	f.waiting = append(f.waiting, done)
	if !f.running {
		f.running = true
		go f.run()
	}
	f.mu.Unlock()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// flushEvery spaces the flushes: the turns that finish meanwhile share
// the next one, and the disk is asked a few hundred times a second at
// most instead of once per turn.
const flushEvery = 2 * time.Millisecond

func (f *groupFlush) run() {
	last := time.Time{}
	for {
		if wait := flushEvery - time.Since(last); wait > 0 {
			time.Sleep(wait)
		}
		last = time.Now()
		f.mu.Lock()
		batch := f.waiting
		f.waiting = nil
		if len(batch) == 0 {
			f.running = false
			f.mu.Unlock()
			return
		}
		f.mu.Unlock()
		err := f.db.execP(context.Background(), flushQuery)
		if err != nil {
			err = fmt.Errorf("flush the turns' commits: %w", err)
		}
		for _, done := range batch {
			done <- err
		}
	}
}
