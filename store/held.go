package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/lib/pq"

	"tianbao/dialogs"
)

// A reminder round holds what it queues for a moment, so that the rounds of
// every campaign can run first and each person's reminders then go out as
// one message (ReleaseHeld), however many campaigns and places they come
// from. A held message is an ordinary outbox row whose first attempt is
// put off: if nothing releases it (the replica died in between), it goes
// out by itself when the hold ends, only not merged.

// HoldFor is how long a round's messages wait to be released.
const HoldFor = 10 * time.Minute

// QueueHeld queues notifications, in tx, held for HoldFor.
func (tx *Tx) QueueHeld(ctx context.Context, n []dialogs.Notification) error {
	if len(n) == 0 {
		return nil
	}
	ids := make([]int64, len(n))
	kinds := make([]string, len(n))
	payloads := make([]string, len(n))
	for i, x := range n {
		b, err := json.Marshal(x.Reply)
		if err != nil {
			return err
		}
		ids[i], kinds[i], payloads[i] = x.ContactID, x.Kind, string(b)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO outbox (contact_id, kind, payload, next_attempt_at)
		SELECT c, k, p::jsonb, now() + make_interval(secs => $4) FROM unnest($1::bigint[], $2::text[], $3::text[]) AS x(c, k, p)`,
		pq.Array(ids), pq.Array(kinds), pq.Array(payloads), HoldFor.Seconds()); err != nil {
		return fmt.Errorf("queue held notifications: %w", err)
	}
	return nil
}

// HeldMessage is a held notification with the place and person it is for.
type HeldMessage struct {
	ID       int64
	Contact  int64
	Person   int64
	Campaign string
	Unit     string
	Kind     string
	Reply    dialogs.Reply
	// PlacesHere is how many places the person holds in the campaign.
	PlacesHere int
}

// ReleaseHeld lets out the held messages of the given kinds. merge sees
// each person's, in the order they were queued, when they come from more
// than one place, and may make one message of them (ok): it is queued, to
// the first's contact, under kind, and the others are marked as gone in
// it. Everything else is simply let out. It returns how many messages go
// out.
func (db *DB) ReleaseHeld(ctx context.Context, kinds []string, kind string, merge func([]HeldMessage) (dialogs.Reply, bool)) (int, error) {
	released := 0
	err := db.Transact(ctx, func(tx *Tx) error {
		released = 0
		var rows []struct {
			ID       int64  `db:"id"`
			Contact  int64  `db:"contact_id"`
			Person   int64  `db:"person_id"`
			Campaign string `db:"campaign_id"`
			Unit     string `db:"unit_code"`
			Kind     string `db:"kind"`
			Payload  []byte `db:"payload"`
			Here     int    `db:"places_here"`
		}
		// Held: not tried yet, put off, and younger than the hold (a row
		// the sender claimed after its hold ended is not taken back).
		if err := tx.SelectContext(ctx, &rows, `SELECT o.id, o.contact_id, c.person_id, c.campaign_id, c.unit_code, o.kind, o.payload,
				(SELECT count(*) FROM contacts k WHERE k.person_id = c.person_id AND k.active AND k.campaign_id = c.campaign_id) AS places_here
			FROM outbox o JOIN contacts c ON c.id = o.contact_id
			WHERE o.sent_at IS NULL AND o.attempts = 0 AND o.kind = ANY($1) AND o.next_attempt_at > now()
				AND o.created_at > now() - make_interval(secs => $2)
			ORDER BY o.id FOR UPDATE OF o SKIP LOCKED`, pq.Array(kinds), HoldFor.Seconds()); err != nil {
			return fmt.Errorf("held messages: %w", err)
		}
		byPerson := map[int64][]HeldMessage{}
		var order []int64
		for _, r := range rows {
			m := HeldMessage{ID: r.ID, Contact: r.Contact, Person: r.Person, Campaign: r.Campaign, Unit: r.Unit, Kind: r.Kind, PlacesHere: r.Here}
			if err := json.Unmarshal(r.Payload, &m.Reply); err != nil {
				return fmt.Errorf("held message %d: %w", r.ID, err)
			}
			if _, ok := byPerson[r.Person]; !ok {
				order = append(order, r.Person)
			}
			byPerson[r.Person] = append(byPerson[r.Person], m)
		}
		var letOut, merged []int64
		for _, person := range order {
			msgs := byPerson[person]
			places := map[int64]bool{}
			for _, m := range msgs {
				places[m.Contact] = true
			}
			if len(places) > 1 {
				if reply, ok := merge(msgs); ok {
					b, err := json.Marshal(reply)
					if err != nil {
						return err
					}
					var id int64
					if err := tx.GetContext(ctx, &id, `INSERT INTO outbox (contact_id, kind, payload) VALUES ($1, $2, $3) RETURNING id`,
						msgs[0].Contact, kind, string(b)); err != nil {
						return fmt.Errorf("merged message: %w", err)
					}
					for _, m := range msgs {
						merged = append(merged, m.ID)
					}
					if _, err := tx.ExecContext(ctx, `UPDATE outbox SET sent_at = now(), last_error = 'merged into ' || $2::bigint
						WHERE id = ANY($1)`, pq.Array(merged[len(merged)-len(msgs):]), id); err != nil {
						return err
					}
					released++
					continue
				}
			}
			for _, m := range msgs {
				letOut = append(letOut, m.ID)
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE outbox SET next_attempt_at = now() WHERE id = ANY($1)`, pq.Array(letOut)); err != nil {
			return fmt.Errorf("release held messages: %w", err)
		}
		released += len(letOut)
		return nil
	})
	return released, err
}
