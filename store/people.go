package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"

	"tianbao/dialogs"
)

// A person is whoever acts, through any channel (a Telegram account now, a
// WeCom member later), in any number of places: contacts, each a role in a
// unit of a campaign with its own session. people.current_contact is the
// place typed text goes to.

// Channels a person is known by.
const (
	ChannelTelegram = "telegram"
	ChannelConsole  = "console"
)

// Person is someone with their active places, the current one marked.
type Person struct {
	ID      int64
	Name    string
	Places  []dialogs.Contact
	Current int64 // the current place's contact id (one of Places)
}

// Place returns the person's active place with that contact id, or nil.
func (p *Person) Place(contact int64) *dialogs.Contact {
	for i := range p.Places {
		if p.Places[i].ID == contact {
			return &p.Places[i]
		}
	}
	return nil
}

// CurrentPlace is the place typed text goes to.
func (p *Person) CurrentPlace() *dialogs.Contact { return p.Place(p.Current) }

// InCampaign counts the person's places in a campaign.
func (p *Person) InCampaign(campaignID string) int {
	n := 0
	for _, c := range p.Places {
		if c.Campaign == campaignID {
			n++
		}
	}
	return n
}

// placeRow is a person's place as the queries below return it.
type placeRow struct {
	Person   int64          `db:"person_id"`
	Name     string         `db:"person_name"`
	Current  sql.NullInt64  `db:"current_contact"`
	ID       sql.NullInt64  `db:"id"`
	Campaign sql.NullString `db:"campaign_id"`
	Unit     sql.NullString `db:"unit_code"`
	Role     sql.NullString `db:"role"`
	Display  sql.NullString `db:"display_name"`
}

// personQuery reads a person, by a channel's identity, with their active
// places in the order they were given, the most recently used first when
// the current place must be chosen again.
const personQuery = `SELECT p.id AS person_id, p.display_name AS person_name, p.current_contact,
		k.id, k.campaign_id, k.unit_code, k.role, k.display_name
	FROM identities i JOIN people p ON p.id = i.person_id
	LEFT JOIN contacts k ON k.person_id = p.id AND k.active
	LEFT JOIN sessions ss ON ss.contact_id = k.id
	WHERE i.channel = $1 AND i.external_id = $2
	ORDER BY ss.updated_at DESC NULLS LAST, k.id DESC`

// PersonOf returns the person a channel's identity belongs to, with their
// active places; ErrNotFound when there is no such person or they hold no
// place. When the current place is gone (removed from its unit), the most
// recently used place becomes current.
func (db *DB) PersonOf(ctx context.Context, channel, externalID string) (*Person, error) {
	var rows []placeRow
	if err := db.selectP(ctx, &rows, personQuery, channel, externalID); err != nil {
		return nil, fmt.Errorf("person %s:%s: %w", channel, externalID, err)
	}
	if len(rows) == 0 || !rows[0].ID.Valid {
		return nil, fmt.Errorf("person %s:%s: %w", channel, externalID, ErrNotFound)
	}
	p := &Person{ID: rows[0].Person, Name: rows[0].Name}
	recent := rows[0].ID.Int64
	for _, r := range rows {
		p.Places = append(p.Places, dialogs.Contact{ID: r.ID.Int64, Campaign: r.Campaign.String, Unit: r.Unit.String,
			Role: dialogs.Role(r.Role.String), Name: r.Display.String, Person: p.ID})
	}
	sortPlaces(p.Places) // listed in the order they were given
	p.Current = rows[0].Current.Int64
	if p.CurrentPlace() == nil {
		if err := db.SetCurrent(ctx, recent); err != nil {
			return nil, err
		}
		p.Current = recent
	}
	for i := range p.Places {
		p.Places[i].Current = p.Places[i].ID == p.Current
	}
	return p, nil
}

// sortPlaces orders places by contact id: the order they were given.
func sortPlaces(places []dialogs.Contact) {
	for i := 1; i < len(places); i++ {
		for j := i; j > 0 && places[j].ID < places[j-1].ID; j-- {
			places[j], places[j-1] = places[j-1], places[j]
		}
	}
}

// PersonOfTelegram is PersonOf a Telegram account.
func (db *DB) PersonOfTelegram(ctx context.Context, user int64) (*Person, error) {
	return db.PersonOf(ctx, ChannelTelegram, strconv.FormatInt(user, 10))
}

// makeCurrent moves a person to the place of contact $1. The place they
// leave has its session's version bumped in the same statement: a turn
// prepared for it (read, or remembered from its last turn) then fails its
// write's check and is run again, finding the person elsewhere.
const makeCurrent = `WITH p AS (
		SELECT p.id, p.current_contact AS old FROM people p JOIN contacts k ON k.person_id = p.id
		WHERE k.id = $1 AND k.active FOR UPDATE OF p),
	moved AS (
		UPDATE people SET current_contact = $1 FROM p
		WHERE people.id = p.id AND p.old IS DISTINCT FROM $1 RETURNING p.old)
	UPDATE sessions SET version = version + 1 WHERE contact_id = (SELECT old FROM moved)`

// SetCurrent makes a contact its person's current place.
func (db *DB) SetCurrent(ctx context.Context, contact int64) error {
	if err := db.execP(ctx, makeCurrent, contact); err != nil {
		return fmt.Errorf("make contact %d current: %w", contact, err)
	}
	return nil
}

func (tx *dialogTx) MakeCurrent(ctx context.Context, c *dialogs.Contact) error {
	if tx.optimistic {
		return errTakeLocks
	}
	if err := tx.execP(ctx, makeCurrent, c.ID); err != nil {
		return fmt.Errorf("make contact %d current: %w", c.ID, err)
	}
	return nil
}

// placesQuery lists the active places of a contact's person.
const placesQuery = `SELECT k.id, k.campaign_id, k.unit_code, k.role, k.display_name, k.person_id,
		COALESCE(p.current_contact = k.id, false) AS current
	FROM contacts k JOIN people p ON p.id = k.person_id
	WHERE k.person_id = (SELECT person_id FROM contacts WHERE id = $1) AND k.active ORDER BY k.id`

func (tx *dialogTx) Places(ctx context.Context, c *dialogs.Contact) ([]dialogs.Contact, error) {
	var rows []struct {
		ID       int64  `db:"id"`
		Campaign string `db:"campaign_id"`
		Unit     string `db:"unit_code"`
		Role     string `db:"role"`
		Name     string `db:"display_name"`
		Person   int64  `db:"person_id"`
		Current  bool   `db:"current"`
	}
	if err := selectOn(ctx, tx.preparer(), &rows, placesQuery, c.ID); err != nil {
		return nil, fmt.Errorf("places of contact %d: %w", c.ID, err)
	}
	out := make([]dialogs.Contact, len(rows))
	for i, r := range rows {
		out[i] = dialogs.Contact{ID: r.ID, Campaign: r.Campaign, Unit: r.Unit, Role: dialogs.Role(r.Role), Name: r.Name,
			Person: r.Person, Current: r.Current || r.ID == c.ID && c.Current}
	}
	return out, nil
}

// preparer is where this turn's statements run: its transaction, or the
// pool in the optimistic try.
func (tx *dialogTx) preparer() preparer {
	if tx.Tx != nil {
		return tx.Tx
	}
	return tx.db
}

// PlacesOf lists the active places of a contact's person (the desk, the
// sender's menus).
func (db *DB) PlacesOf(ctx context.Context, contact int64) ([]dialogs.Contact, error) {
	tx := &dialogTx{db: db}
	return tx.Places(ctx, &dialogs.Contact{ID: contact})
}

// personFor finds or makes the person a channel's identity belongs to,
// in tx, under a lock on the identity (two first messages of one person
// make one person).
func personFor(ctx context.Context, tx *Tx, channel, externalID string, chat sql.NullInt64, name string) (int64, error) {
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtext('identity:' || $1 || ':' || $2))`, channel, externalID); err != nil {
		return 0, err
	}
	var id int64
	err := tx.GetContext(ctx, &id, `UPDATE identities SET chat_id = COALESCE($3, chat_id)
		WHERE channel = $1 AND external_id = $2 RETURNING person_id`, channel, externalID, chat)
	if errors.Is(err, sql.ErrNoRows) {
		err = tx.GetContext(ctx, &id, `WITH p AS (INSERT INTO people (display_name) VALUES ($4) RETURNING id)
			INSERT INTO identities (channel, external_id, person_id, chat_id) SELECT $1, $2, id, $3 FROM p
			RETURNING person_id`, channel, externalID, chat, name)
	}
	if err != nil {
		return 0, fmt.Errorf("person of %s identity: %w", channel, err)
	}
	if name != "" {
		if _, err := tx.ExecContext(ctx, `UPDATE people SET display_name = $2 WHERE id = $1 AND display_name <> $2`, id, name); err != nil {
			return 0, err
		}
	}
	return id, nil
}

// LinkTelegram makes a Telegram account the way to a contact's person:
// the account's identity is the person's (taken from any person it was),
// and each of the person's places writes to its chat. The desk's and the
// bot's tests sign a console-made person in through Telegram so.
func (db *DB) LinkTelegram(ctx context.Context, contact, user int64) error {
	err := db.Transact(ctx, func(tx *Tx) error {
		var person int64
		if err := tx.GetContext(ctx, &person, `SELECT person_id FROM contacts WHERE id = $1`, contact); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO identities (channel, external_id, person_id, chat_id) VALUES ('telegram', $1::bigint::text, $2, $1)
			ON CONFLICT (channel, external_id) DO UPDATE SET person_id = EXCLUDED.person_id, chat_id = EXCLUDED.chat_id`, user, person); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE contacts SET telegram_user_id = $1, chat_id = $1 WHERE person_id = $2`, user, person)
		return err
	})
	if err != nil {
		return fmt.Errorf("link contact %d to Telegram user %d: %w", contact, user, err)
	}
	return nil
}
