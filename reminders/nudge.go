package reminders

import (
	"context"
	"fmt"
	"time"

	"tianbao/campaign"
	"tianbao/dialogs"
	"tianbao/owed"
	"tianbao/store"
)

// nudgeForm marks the slot of a 催报, by which a unit is nudged at most
// once an hour.
const nudgeForm = "*nudge*"

// nudgeEvery is how often one unit may be nudged.
const nudgeEvery = time.Hour

// Nudger sends a reviewer's 催报: the late units of a subtree are reminded
// now, as the schedule reminds them once overdue (every contact of the
// unit, the forms with their progress and a button each), and the slots are
// recorded as the schedule records its own, in the same transaction.
type Nudger struct {
	DB *store.DB
}

var _ dialogs.Nudger = Nudger{}

// Nudge reminds the late units at or below unit.
func (n Nudger) Nudge(ctx context.Context, c *campaign.Campaign, unit string, now time.Time) (dialogs.NudgeResult, error) {
	b, progs, err := load(ctx, n.DB, c)
	if err != nil {
		return dialogs.NudgeResult{}, err
	}
	at := now.Truncate(time.Minute)
	var slots []Slot
	b.Each(func(it owed.Item) {
		// Not late: the schedule reminds it. The nudging unit's own package
		// is the nudger's to forward.
		if c.InSubtree(unit, it.Unit.Code) && it.LateAt(at) && !(it.Package && it.Unit.Code == unit) {
			slots = append(slots, slotOf(b, progs, it, at))
		}
	})
	var result dialogs.NudgeResult
	if len(slots) == 0 {
		return result, nil
	}
	recent, err := n.DB.RecentSlots(ctx, c.ID, nudgeForm, at.Add(-nudgeEvery))
	if err != nil {
		return result, err
	}
	people, err := n.DB.Reachable(ctx, c.ID)
	if err != nil {
		return result, err
	}
	reachable := map[string]bool{}
	for _, p := range people {
		reachable[p.Unit] = true
	}
	var todo []Slot
	seen := map[string]bool{}
	for _, s := range slots {
		if !reachable[s.Unit.Code] {
			continue // nobody to remind: the late list names it as not invited
		}
		if recent[s.Unit.Code] {
			if !seen[s.Unit.Code] {
				result.Recent = append(result.Recent, s.Unit.Name)
			}
			seen[s.Unit.Code] = true
			continue
		}
		todo = append(todo, s)
	}
	if len(todo) == 0 {
		return result, nil
	}
	var keys []store.SlotKey
	units := map[string]bool{}
	for _, s := range todo {
		keys = append(keys, s.key())
		if !units[s.Unit.Code] {
			units[s.Unit.Code] = true
			keys = append(keys, store.SlotKey{Unit: s.Unit.Code, Form: nudgeForm, At: s.At})
		}
	}
	err = n.DB.RecordSlots(ctx, c.ID, keys, func(tx *store.Tx, fresh []store.SlotKey) error {
		isFresh := map[string]bool{}
		for _, k := range fresh {
			if k.Form == nudgeForm {
				isFresh[k.Unit] = true
			}
		}
		var send []Slot
		for _, s := range todo {
			if isFresh[s.Unit.Code] {
				send = append(send, s)
			}
		}
		var notes []dialogs.Notification
		reached := map[string]bool{}
		for _, p := range plan(b, progs, send, people, nil, false) { // the reviewer who nudged needs no digest
			reached[p.Unit] = true
			notes = append(notes, dialogs.Notification{ContactID: p.Contact, Kind: "nudge", Reply: p.Reply})
		}
		result.Units, result.Messages = len(reached), len(notes)
		return tx.Queue(ctx, notes)
	})
	if err != nil {
		return dialogs.NudgeResult{}, fmt.Errorf("nudge: %w", err)
	}
	return result, nil
}
