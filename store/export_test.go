package store

// HoldTurnWrites makes every optimistic turn's write wait, as if both
// writers were busy, until the returned release: then the turns waiting
// by then are written as one batch. Tests use it to gather a batch at will.
func HoldTurnWrites(db *DB) (release func()) { return hold(db.batchers().turns) }

// QueuedTurnWrites is how many turns wait to be written.
func QueuedTurnWrites(db *DB) int { return queued(db.batchers().turns) }

// HoldRedemptions and QueuedRedemptions are the same for first invites.
func HoldRedemptions(db *DB) (release func()) { return hold(db.batchers().redeems) }
func QueuedRedemptions(db *DB) int            { return queued(db.batchers().redeems) }

func hold[T any](b *batcher[T]) func() {
	b.mu.Lock()
	b.flying = maxBatches
	b.mu.Unlock()
	return func() {
		b.mu.Lock()
		b.flying = 1
		b.mu.Unlock()
		b.finished()
	}
}

func queued[T any](b *batcher[T]) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.queue)
}

// WarmQueries is how many statements Warm runs on each connection.
func WarmQueries() int { return len(warmQueries()) }
