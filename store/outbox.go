package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/lib/pq"

	"tianbao/catalog"
	"tianbao/dialogs"
)

// OutboxMessage is a queued notification with where it goes.
type OutboxMessage struct {
	ID        int64
	ContactID int64
	ChatID    int64 // 0 for a console contact
	Kind      string
	Reply     dialogs.Reply
	Attempts  int
	// The contact as it stands now (a menu is set for its current role).
	Campaign, Unit string
	Role           dialogs.Role
	// Places is how many places the contact's person holds, PlacesHere how
	// many of them in this campaign: with more than one, a message names
	// its place first.
	Places, PlacesHere int
	// Delay is how long after the claim its slot under the bot's rate
	// comes (see Budget).
	Delay time.Duration
}

// MenuKind is the outbox kind that sets a contact's chat menu (its command
// list for its role) instead of sending a message.
const MenuKind = "menu"

// Budget is a bot's sending rate, shared by every replica through the
// database as the next free sending slot (send_budget.next_slot): each
// message a claim takes gets the next slot, 1/Rate after the one before,
// and goes out then (OutboxMessage.Delay after the claim), so that all
// replicas together send at Rate however long their claims take. A budget
// idle a while lends up to Burst messages at once; Spent (messages sent
// otherwise since the last claim: replies) takes slots too, at most Debt
// ahead; a claim takes no slot more than Horizon ahead. Nil: no limit.
type Budget struct {
	Bot                int64
	Rate, Burst, Spent float64
	Debt, Horizon      time.Duration
}

// OpenBudget makes sure a bot's budget exists.
func (db *DB) OpenBudget(ctx context.Context, bot int64) error {
	if _, err := db.ExecContext(ctx, `INSERT INTO send_budget (bot_id, next_slot) VALUES ($1, now()) ON CONFLICT (bot_id) DO NOTHING`, bot); err != nil {
		return fmt.Errorf("open send budget: %w", err)
	}
	return nil
}

// SpendBudget charges budget.Spent messages (replies sent meanwhile) to
// the bot's budget, as a claim does, when no claim comes to do it.
func (db *DB) SpendBudget(ctx context.Context, budget *Budget) error {
	if err := db.execP(ctx, `UPDATE send_budget SET next_slot = least(
			greatest(next_slot, clock_timestamp() - make_interval(secs => $2::float8 / $3::float8)) + make_interval(secs => $4::float8 / $3::float8),
			clock_timestamp() + make_interval(secs => $5::float8))
		WHERE bot_id = $1`, budget.Bot, budget.Burst, budget.Rate, budget.Spent, budget.Debt.Seconds()); err != nil {
		return fmt.Errorf("spend send budget: %w", err)
	}
	return nil
}

// ClaimOutbox takes up to limit due messages for Telegram contacts, as many
// as the bot's budget allows, and holds them for lease: another sender
// (another replica) skips them until then, and takes them over if this one
// dies before marking them. Claims of several replicas take turns on the
// budget's row, so together they keep to its rate.
func (db *DB) ClaimOutbox(ctx context.Context, limit int, lease time.Duration, budget *Budget) ([]OutboxMessage, error) {
	var rows []struct {
		ID       int64   `db:"id"`
		Contact  int64   `db:"contact_id"`
		Chat     int64   `db:"chat_id"`
		Kind     string  `db:"kind"`
		Payload  []byte  `db:"payload"`
		Attempts int     `db:"attempts"`
		Campaign string  `db:"campaign_id"`
		Unit     string  `db:"unit_code"`
		Role     string  `db:"role"`
		Places   int     `db:"places"`
		Here     int     `db:"places_here"`
		Delay    float64 `db:"delay"`
	}
	const claim = `UPDATE outbox o SET next_attempt_at = now() + make_interval(secs => $2)
		FROM due, contacts c WHERE o.id = due.id AND c.id = o.contact_id
		RETURNING o.id, o.contact_id, c.chat_id, o.kind, o.payload, o.attempts, c.campaign_id, c.unit_code, c.role,
			(SELECT count(*) FROM contacts k WHERE k.person_id = c.person_id AND k.active) AS places,
			(SELECT count(*) FROM contacts k WHERE k.person_id = c.person_id AND k.active AND k.campaign_id = c.campaign_id) AS places_here`
	const dueFrom = `SELECT o.id FROM outbox o JOIN contacts c ON c.id = o.contact_id
			WHERE o.sent_at IS NULL AND o.next_attempt_at <= now() AND c.chat_id IS NOT NULL AND c.unreachable_at IS NULL
			ORDER BY o.id`
	var err error
	if budget == nil {
		err = db.selectP(ctx, &rows, `WITH due AS (`+dueFrom+` LIMIT $1 FOR UPDATE OF o SKIP LOCKED) `+claim+`, 0::float8 AS delay`, limit, lease.Seconds())
	} else {
		// One statement: the budget's row locked (another replica's claim
		// waits here, then reads what this one left); its next free slot,
		// moved on by what was spent otherwise; as many due messages as
		// there are slots before the horizon, each given its slot; the
		// next free slot after them.
		err = db.selectP(ctx, &rows, `WITH bud AS MATERIALIZED (
				SELECT least(greatest(next_slot, clock_timestamp() - make_interval(secs => $4::float8 / $5::float8))
						+ make_interval(secs => $6::float8 / $5::float8),
					clock_timestamp() + make_interval(secs => $7::float8)) AS free
				FROM send_budget WHERE bot_id = $3 FOR UPDATE),
			room AS MATERIALIZED (
				SELECT free, greatest(0, least($1, floor(extract(epoch FROM clock_timestamp() + make_interval(secs => $8::float8) - free) * $5::float8)))::int AS n
				FROM bud),
			due AS (`+dueFrom+` LIMIT (SELECT n FROM room) FOR UPDATE OF o SKIP LOCKED),
			claimed AS (`+claim+`),
			slotted AS (SELECT c.*, row_number() OVER (ORDER BY c.id) - 1 AS k FROM claimed c),
			spent AS (UPDATE send_budget SET next_slot = (SELECT free FROM room) + make_interval(secs => (SELECT count(*) FROM claimed) / $5::float8)
				WHERE bot_id = $3)
			SELECT s.id, s.contact_id, s.chat_id, s.kind, s.payload, s.attempts, s.campaign_id, s.unit_code, s.role, s.places, s.places_here,
				greatest(0, extract(epoch FROM (SELECT free FROM room) + make_interval(secs => s.k / $5::float8) - clock_timestamp()))::float8 AS delay
			FROM slotted s`, limit, lease.Seconds(), budget.Bot, budget.Burst, budget.Rate, budget.Spent, budget.Debt.Seconds(), budget.Horizon.Seconds())
	}
	if err != nil {
		return nil, fmt.Errorf("claim outbox: %w", err)
	}
	out := make([]OutboxMessage, len(rows))
	for i, r := range rows {
		out[i] = OutboxMessage{ID: r.ID, ContactID: r.Contact, ChatID: r.Chat, Kind: r.Kind, Attempts: r.Attempts,
			Campaign: r.Campaign, Unit: r.Unit, Role: dialogs.Role(r.Role), Places: r.Places, PlacesHere: r.Here,
			Delay: time.Duration(r.Delay * float64(time.Second))}
		if r.Kind == MenuKind {
			continue
		}
		if err := json.Unmarshal(r.Payload, &out[i].Reply); err != nil {
			return nil, fmt.Errorf("outbox %d: %w", r.ID, err)
		}
	}
	return out, nil
}

// OutboxNext says how long until a claim could take a message for a
// Telegram contact: until the earliest unsent one's next attempt (a retry,
// a held reminder, another sender's lease), and not before the bot's
// budget has a slot under its horizon. ok is false when nothing is
// pending. A sender that claimed nothing sleeps that long (or until a
// NOTIFY), not a fixed interval.
func (db *DB) OutboxNext(ctx context.Context, budget *Budget) (wait time.Duration, ok bool, err error) {
	var bot int64
	rate, horizon := 1e9, 0.0
	if budget != nil {
		bot, rate, horizon = budget.Bot, budget.Rate, budget.Horizon.Seconds()
	}
	return db.dueIn(ctx, "outbox next", `SELECT extract(epoch FROM greatest(p.at,
			b.next_slot - make_interval(secs => $2::float8) + make_interval(secs => 1 / $3::float8)) - clock_timestamp())::float8
		FROM (SELECT o.next_attempt_at AS at FROM outbox o JOIN contacts c ON c.id = o.contact_id
			WHERE o.sent_at IS NULL AND c.chat_id IS NOT NULL AND c.unreachable_at IS NULL
			ORDER BY o.next_attempt_at LIMIT 1) p
		LEFT JOIN send_budget b ON b.bot_id = $1`, bot, horizon, rate)
}

// dueIn runs a query of at most one row, the seconds until something is
// due, for the outbox's senders: ok is false when it returns none.
func (db *DB) dueIn(ctx context.Context, what, query string, args ...any) (wait time.Duration, ok bool, err error) {
	var secs []float64
	if err := db.selectP(ctx, &secs, query, args...); err != nil {
		return 0, false, fmt.Errorf("%s: %w", what, err)
	}
	if len(secs) == 0 {
		return 0, false, nil
	}
	return time.Duration(secs[0] * float64(time.Second)), true, nil
}

// PendingFor returns a contact's undelivered messages (the console shows
// its contact's; Telegram contacts get theirs from the sender).
func (db *DB) PendingFor(ctx context.Context, contactID int64) ([]OutboxMessage, error) {
	var rows []struct {
		ID      int64  `db:"id"`
		Kind    string `db:"kind"`
		Payload []byte `db:"payload"`
	}
	if err := db.SelectContext(ctx, &rows, `SELECT id, kind, payload FROM outbox
		WHERE contact_id = $1 AND sent_at IS NULL AND kind <> 'menu' ORDER BY id`, contactID); err != nil {
		return nil, fmt.Errorf("pending messages: %w", err)
	}
	out := make([]OutboxMessage, len(rows))
	for i, r := range rows {
		out[i] = OutboxMessage{ID: r.ID, ContactID: contactID, Kind: r.Kind}
		if err := json.Unmarshal(r.Payload, &out[i].Reply); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// OutboxSent marks a message delivered.
func (db *DB) OutboxSent(ctx context.Context, id int64) error {
	if _, err := db.ExecContext(ctx, `UPDATE outbox SET sent_at = now(), attempts = attempts + 1 WHERE id = $1`, id); err != nil {
		return fmt.Errorf("outbox %d sent: %w", id, err)
	}
	return nil
}

// OutboxRetry schedules another attempt after wait, noting the error.
func (db *DB) OutboxRetry(ctx context.Context, id int64, wait time.Duration, reason string) error {
	if _, err := db.ExecContext(ctx, `UPDATE outbox SET attempts = attempts + 1, last_error = $3,
		next_attempt_at = now() + make_interval(secs => $2) WHERE id = $1`, id, wait.Seconds(), reason); err != nil {
		return fmt.Errorf("outbox %d retry: %w", id, err)
	}
	return nil
}

// OutboxSentAll marks messages delivered, in one statement.
func (db *DB) OutboxSentAll(ctx context.Context, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	if _, err := db.ExecContext(ctx, `UPDATE outbox SET sent_at = now(), attempts = attempts + 1 WHERE id = ANY($1)`, pq.Array(ids)); err != nil {
		return fmt.Errorf("mark outbox sent: %w", err)
	}
	return nil
}

// MarkUnreachableAndTell records that a contact blocked the bot and, the
// first time only, tells the reviewers of the unit and of the unit above it.
// A chat is its person's for every place: each of the person's places that
// writes to it is marked, and each place's reviewers are told.
func (db *DB) MarkUnreachableAndTell(ctx context.Context, contactID int64) error {
	return db.Transact(ctx, func(tx *Tx) error {
		var marked []struct {
			Campaign string `db:"campaign_id"`
			Unit     string `db:"unit_code"`
			Name     string `db:"display_name"`
			UnitName string `db:"name"`
		}
		err := tx.SelectContext(ctx, &marked, `WITH me AS (SELECT person_id, chat_id FROM contacts WHERE id = $1)
			UPDATE contacts k SET unreachable_at = now() FROM units u, me
			WHERE (k.id = $1 OR (k.person_id = me.person_id AND k.chat_id = me.chat_id AND k.active))
				AND k.unreachable_at IS NULL AND u.campaign_id = k.campaign_id AND u.code = k.unit_code
			RETURNING k.campaign_id, k.unit_code, k.display_name, u.name`, contactID)
		if err != nil {
			return fmt.Errorf("mark contact %d unreachable: %w", contactID, err)
		}
		var n []dialogs.Notification
		for _, c := range marked { // none: already known, told before
			var reviewers []int64
			if err := tx.SelectContext(ctx, &reviewers, `SELECT k.id FROM contacts k JOIN units u ON u.campaign_id = k.campaign_id AND u.code = $2
				WHERE k.campaign_id = $1 AND k.active AND k.unreachable_at IS NULL AND k.role IN ('reviewer', 'admin')
					AND (k.unit_code = u.code OR k.unit_code = u.parent_code)`, c.Campaign, c.Unit); err != nil {
				return err
			}
			for _, r := range reviewers {
				n = append(n, dialogs.Notification{ContactID: r, Kind: "unreachable", Reply: dialogs.Reply{Text: fmt.Sprintf(catalog.Texts.UnreachableNotice, c.UnitName, c.Name)}})
			}
		}
		return tx.Queue(ctx, n)
	})
}

// SyncMenuAppURL records the desk's page (APP_URL) the chats' menu buttons
// are for and, when it differs from the one they were last set for, queues
// every reachable contact's menu to be set again, in one statement: of
// several replicas starting at once, one queues them. It reports whether
// the menu button was ever set to a page (then an empty APP_URL must set
// it back to the commands).
func (db *DB) SyncMenuAppURL(ctx context.Context, appURL string) (everSet bool, err error) {
	err = db.GetContext(ctx, &everSet, `WITH prev AS (SELECT value FROM settings WHERE name = 'menu_app_url'),
		up AS (INSERT INTO settings (name, value) SELECT 'menu_app_url', $1 WHERE $1 <> '' OR EXISTS (SELECT 1 FROM prev)
			ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value, updated_at = now() WHERE settings.value <> EXCLUDED.value
			RETURNING 1),
		queued AS (INSERT INTO outbox (contact_id, kind, payload)
			SELECT id, 'menu', '{}' FROM contacts WHERE active AND chat_id IS NOT NULL AND EXISTS (SELECT 1 FROM up) ORDER BY id
			RETURNING 1)
		SELECT EXISTS (SELECT 1 FROM prev) OR $1 <> '' FROM (SELECT count(*) FROM queued) q`, appURL)
	if err != nil {
		return false, fmt.Errorf("menu app url: %w", err)
	}
	return everSet, nil
}
