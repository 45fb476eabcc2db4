package store

import (
	"time"

	"github.com/hashicorp/golang-lru/v2/expirable"

	"tianbao/campaign"
	"tianbao/dialogs"
)

// TurnCache keeps, for the contacts who were active lately, what their last
// turn left behind: the session as saved with its version, and the draft
// the session is working on with its revision. The next turn of that
// contact then skips its read and goes straight to its one write, whose
// checks (the session's version, the draft's revision) catch a cache that
// another replica, a backup contact or a reviewer made stale: that turn is
// run again, from the database, with locks.
//
// Nothing is trusted from the cache that the write does not check; it only
// saves a round trip. Entries go after ten idle minutes, and the least
// recently used when it is full.
type TurnCache struct {
	lru *expirable.LRU[int64, *cachedTurn]
}

// NewTurnCache holds at most size contacts' turns.
func NewTurnCache(size int) *TurnCache {
	return &TurnCache{lru: expirable.NewLRU[int64, *cachedTurn](size, nil, 10*time.Minute)}
}

// cachedTurn is what a committed turn left behind for its contact.
type cachedTurn struct {
	contact dialogs.Contact
	state   []byte // the session, as saved
	version int64  // sessions.version after the save
	// drafts are the unit's drafts as this contact last read or wrote them,
	// by form (nil: the unit had no draft of the form); with complete,
	// every draft the unit had then, so a form not among them had none.
	drafts   map[string]cachedDraft
	complete bool
}

type cachedDraft struct {
	d        *campaign.Draft
	revision int64
}

// Started remembers the empty session that redeeming an invite gave a
// contact, at its version, so that its first turn need not read it.
func (c *TurnCache) Started(contact dialogs.Contact, sessionVersion int64) {
	c.put(contact.ID, &cachedTurn{contact: contact, state: []byte("{}"), version: sessionVersion})
}

func (c *TurnCache) get(contact int64) *cachedTurn {
	if c == nil {
		return nil
	}
	e, ok := c.lru.Get(contact)
	if !ok {
		return nil
	}
	return e
}

func (c *TurnCache) put(contact int64, e *cachedTurn) {
	if c == nil {
		return
	}
	if e == nil {
		c.lru.Remove(contact)
		return
	}
	c.lru.Add(contact, e)
}

func (c *TurnCache) forget(contact int64) {
	if c != nil {
		c.lru.Remove(contact)
	}
}
