package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/lib/pq"

	"tianbao/campaign"
	"tianbao/catalog"
	"tianbao/dialogs"
)

// The roster: who holds a role in a unit, apart from any one campaign
// (unit_roles). A campaign that shares it gives each role of its units a
// place; see the migration 00171_roster.sql.

// RosterState is what a campaign's last load decided about its people.
type RosterState struct {
	Shared bool
	// Differs names units that sit otherwise than in the campaigns that
	// share the roster (the reason an unmarked campaign does not).
	Differs string
	// People counts the campaign's active places that come from the roster.
	People int
}

// RosterOf says whether a campaign shares the roster and how many of its
// places come from it.
func (db *DB) RosterOf(ctx context.Context, campaignID string) (RosterState, error) {
	var st RosterState
	err := db.QueryRowxContext(ctx, `SELECT r.shared, r.differs,
			(SELECT count(*) FROM contacts k WHERE k.campaign_id = r.campaign_id AND k.active AND k.unit_role_id IS NOT NULL)
		FROM campaign_rosters r WHERE r.campaign_id = $1`, campaignID).Scan(&st.Shared, &st.Differs, &st.People)
	if errors.Is(err, sql.ErrNoRows) {
		return st, fmt.Errorf("roster of %s: %w", campaignID, ErrNotFound)
	}
	if err != nil {
		return st, fmt.Errorf("roster of %s: %w", campaignID, err)
	}
	return st, nil
}

// decideRoster says whether c shares the roster: as its file says, else
// when each of its units (but its top) sits under the same parent as in the
// campaigns already sharing it. differs names where it does not, at most a
// few.
func decideRoster(ctx context.Context, tx *Tx, c *campaign.Campaign) (shared bool, differs string, err error) {
	if c.Roster == campaign.RosterOwn {
		return false, "", nil
	}
	var codes, parents []string
	for _, code := range c.Order {
		if u := c.Units[code]; u.Parent != "" {
			codes, parents = append(codes, code), append(parents, u.Parent)
		}
	}
	var clashes []struct {
		Code     string `db:"code"`
		Ours     string `db:"ours"`
		Theirs   string `db:"theirs"`
		Campaign string `db:"campaign_id"`
	}
	if err := tx.SelectContext(ctx, &clashes, `SELECT n.code, n.parent AS ours, COALESCE(u.parent_code, '') AS theirs, u.campaign_id
		FROM unnest($2::text[], $3::text[]) AS n(code, parent)
		JOIN units u ON u.code = n.code AND u.campaign_id <> $1
		JOIN campaign_rosters r ON r.campaign_id = u.campaign_id AND r.shared
		WHERE COALESCE(u.parent_code, '') <> n.parent
		ORDER BY n.code, u.campaign_id LIMIT 5`, c.ID, pq.Array(codes), pq.Array(parents)); err != nil {
		return false, "", fmt.Errorf("compare the units of %s with the roster's: %w", c.ID, err)
	}
	var say []string
	for _, x := range clashes {
		say = append(say, fmt.Sprintf("%s under %s here, under %s in %s", x.Code, x.Ours, x.Theirs, x.Campaign))
	}
	differs = strings.Join(say, "; ")
	return c.Roster == campaign.RosterShared || len(clashes) == 0, differs, nil
}

// rosterAfterLoad decides whether a campaign just stored shares the roster
// and, if it does, gives every role of its units a place; each person given
// a new place is told, in the chat, that the campaign has begun for them.
func rosterAfterLoad(ctx context.Context, tx *Tx, c *campaign.Campaign) error {
	// One decision at a time: two campaigns loaded at once each see the
	// other's.
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtext('tianbao:roster'))`); err != nil {
		return err
	}
	shared, differs, err := decideRoster(ctx, tx, c)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO campaign_rosters (campaign_id, shared, differs) VALUES ($1, $2, $3)
		ON CONFLICT (campaign_id) DO UPDATE SET shared = EXCLUDED.shared, differs = EXCLUDED.differs, decided_at = now()`,
		c.ID, shared, differs); err != nil {
		return fmt.Errorf("roster of %s: %w", c.ID, err)
	}
	if !shared {
		return nil
	}
	places, err := syncRoster(ctx, tx, c.ID, "", 0)
	if err != nil {
		return err
	}
	var n []dialogs.Notification
	for _, p := range places {
		if !p.Created || !p.Chat.Valid {
			continue
		}
		unit := c.Units[p.Unit]
		if unit == nil {
			continue
		}
		n = append(n, dialogs.Notification{ContactID: p.ID, Kind: "joined", Reply: dialogs.Reply{
			Text:    fmt.Sprintf(catalog.People.Joined, c.Title, unit.Name, dialogs.RoleName(dialogs.Role(p.Role))),
			Buttons: [][]dialogs.Button{{{Label: catalog.People.JoinedOpen, Data: dialogs.HomePrefix}}},
		}})
	}
	return tx.Queue(ctx, n)
}

// syncedPlace is a place syncRoster made or changed.
type syncedPlace struct {
	ID       int64         `db:"id"`
	Campaign string        `db:"campaign_id"`
	Unit     string        `db:"unit_code"`
	Role     string        `db:"role"`
	Chat     sql.NullInt64 `db:"chat_id"`
	Created  bool          `db:"created"`
}

// syncRosterQuery gives each active role a place in every campaign that
// shares the roster and has its unit (limited to a campaign, a unit, a
// person when $1, $2, $3 say so): made with a fresh session, or given the
// role again (a place taken away and given back is active again).
const syncRosterQuery = `WITH roles AS (
		SELECT r.id, r.unit_code, r.person_id, r.role, cr.campaign_id
		FROM unit_roles r
		JOIN units u ON u.code = r.unit_code
		JOIN campaign_rosters cr ON cr.campaign_id = u.campaign_id AND cr.shared
		WHERE r.active AND ($1 = '' OR cr.campaign_id = $1) AND ($2 = '' OR r.unit_code = $2) AND ($3 = 0 OR r.person_id = $3)),
	up AS (
		INSERT INTO contacts (campaign_id, unit_code, role, telegram_user_id, chat_id, display_name, person_id, unit_role_id)
		SELECT roles.campaign_id, roles.unit_code, roles.role, tg.user_id, tg.chat_id, p.display_name, roles.person_id, roles.id
		FROM roles JOIN people p ON p.id = roles.person_id
		LEFT JOIN LATERAL (
			SELECT external_id::bigint AS user_id, chat_id FROM identities
			WHERE person_id = roles.person_id AND channel = 'telegram' ORDER BY created_at DESC LIMIT 1) tg ON true
		ON CONFLICT (campaign_id, unit_code, person_id) DO UPDATE
			SET role = EXCLUDED.role, unit_role_id = EXCLUDED.unit_role_id, active = true
			WHERE contacts.role <> EXCLUDED.role OR contacts.unit_role_id IS DISTINCT FROM EXCLUDED.unit_role_id OR NOT contacts.active
		RETURNING id, campaign_id, unit_code, role, chat_id, xmax = 0 AS created),
	s AS (
		INSERT INTO sessions (contact_id) SELECT id FROM up ON CONFLICT DO NOTHING)
	SELECT id, campaign_id, unit_code, role, chat_id, created FROM up ORDER BY id`

func syncRoster(ctx context.Context, tx *Tx, campaignID, unit string, person int64) ([]syncedPlace, error) {
	var out []syncedPlace
	if err := tx.SelectContext(ctx, &out, syncRosterQuery, campaignID, unit, person); err != nil {
		return nil, fmt.Errorf("places from the roster: %w", err)
	}
	return out, nil
}

// grantRole records that a person holds a role in a unit (the role a
// shared campaign's invite gave), links the place the invite made to it,
// and gives the person the same place in every other campaign that shares
// the roster and has the unit. It returns those campaigns' ids.
func grantRole(ctx context.Context, tx *Tx, contact int64, campaignID, unit string, person int64, role dialogs.Role) ([]string, error) {
	var id int64
	if err := tx.GetContext(ctx, &id, `INSERT INTO unit_roles (unit_code, person_id, role, granted_in) VALUES ($1, $2, $3, $4)
		ON CONFLICT (unit_code, person_id) WHERE active DO UPDATE SET role = EXCLUDED.role, granted_in = EXCLUDED.granted_in, granted_at = now()
		RETURNING id`, unit, person, string(role), campaignID); err != nil {
		return nil, fmt.Errorf("grant %s of %s: %w", role, unit, err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE contacts SET unit_role_id = $2 WHERE id = $1`, contact, id); err != nil {
		return nil, err
	}
	places, err := syncRoster(ctx, tx, "", unit, person)
	if err != nil {
		return nil, err
	}
	var reached []string
	for _, p := range places {
		if p.Campaign != campaignID && !contains(reached, p.Campaign) {
			reached = append(reached, p.Campaign)
		}
	}
	sort.Strings(reached)
	return reached, nil
}

// Holder is someone who holds a role in a unit of a campaign.
type Holder struct {
	Contact int64        `db:"id"`
	Person  int64        `db:"person_id"`
	Name    string       `db:"display_name"`
	Role    dialogs.Role `db:"role"`
	Shared  bool         `db:"shared"` // the role is the roster's: it holds in every campaign that shares it
}

// Holders lists the people who hold a role in a unit of a campaign, the
// console's own aside.
func (db *DB) Holders(ctx context.Context, campaignID, unit string) ([]Holder, error) {
	return holders(ctx, db, campaignID, unit)
}

func holders(ctx context.Context, q querier, campaignID, unit string) ([]Holder, error) {
	var out []Holder
	if err := q.SelectContext(ctx, &out, `SELECT id, person_id, display_name, role, unit_role_id IS NOT NULL AS shared FROM contacts
		WHERE campaign_id = $1 AND unit_code = $2 AND active ORDER BY role DESC, id`, campaignID, unit); err != nil {
		return nil, fmt.Errorf("holders of %s: %w", unit, err)
	}
	return out, nil
}

func (tx *dialogTx) Holders(ctx context.Context, campaignID, unit string) ([]dialogs.Holder, error) {
	hs, err := holders(ctx, tx.q, campaignID, unit)
	if err != nil {
		return nil, err
	}
	out := make([]dialogs.Holder, len(hs))
	for i, h := range hs {
		out[i] = dialogs.Holder{Contact: h.Contact, Name: h.Name, Role: h.Role, Shared: h.Shared}
	}
	return out, nil
}

// Removed is what removing a person from a unit did.
type Removed struct {
	Contact  int64
	Person   int64
	Campaign string
	Unit     string
	Role     dialogs.Role
	Name     string
	// Campaigns are the campaigns the person lost a place in (every one
	// that shares the roster and has the unit, for a role of the roster).
	Campaigns []string
}

// ErrNotHolder: the place is gone (removed already, or never was).
var ErrNotHolder = errors.New("not among the unit's people")

// removePlace takes a place away (and, when it came from the roster, the
// role and every place it gave), with an audit entry per campaign, in tx.
// by is the acting contact (0: the command line); replaced notes a
// successor was invited.
func removePlace(ctx context.Context, tx *Tx, contact, by int64, replaced bool) (Removed, error) {
	var r Removed
	var role sql.NullInt64
	err := tx.QueryRowxContext(ctx, `SELECT id, person_id, campaign_id, unit_code, role, display_name, unit_role_id FROM contacts
		WHERE id = $1 AND active FOR UPDATE`, contact).Scan(&r.Contact, &r.Person, &r.Campaign, &r.Unit, &r.Role, &r.Name, &role)
	if errors.Is(err, sql.ErrNoRows) {
		return r, ErrNotHolder
	}
	if err != nil {
		return r, fmt.Errorf("remove place %d: %w", contact, err)
	}
	var actor sql.NullInt64
	if by != 0 {
		actor = sql.NullInt64{Int64: by, Valid: true}
	}
	if role.Valid {
		if _, err := tx.ExecContext(ctx, `UPDATE unit_roles SET active = false, ended_at = now(), ended_by = $2 WHERE id = $1`, role.Int64, actor); err != nil {
			return r, err
		}
	}
	action := "role.removed"
	if replaced {
		action = "role.replaced"
	}
	if err := tx.SelectContext(ctx, &r.Campaigns, `WITH gone AS (
			UPDATE contacts SET active = false WHERE active AND (id = $1 OR ($2::bigint IS NOT NULL AND unit_role_id = $2))
			RETURNING id, campaign_id, unit_code, role, person_id),
		au AS (
			INSERT INTO audit_log (actor_id, campaign_id, unit_code, action, target, old_value)
			SELECT $3, campaign_id, unit_code, $4, 'person:' || person_id || '/contact:' || id, role FROM gone)
		SELECT campaign_id FROM gone ORDER BY campaign_id`, contact, role, actor, action); err != nil {
		return r, fmt.Errorf("remove place %d: %w", contact, err)
	}
	return r, nil
}

// RemovePlace takes a person's place in a unit away (see removePlace), for
// the command line, and tells the person, naming by as who did.
func (db *DB) RemovePlace(ctx context.Context, contact int64, replaced bool, by string) (Removed, error) {
	var r Removed
	err := db.Transact(ctx, func(tx *Tx) error {
		var err error
		if r, err = removePlace(ctx, tx, contact, 0, replaced); err != nil {
			return err
		}
		var unitName string
		if err := tx.GetContext(ctx, &unitName, `SELECT name FROM units WHERE campaign_id = $1 AND code = $2`, r.Campaign, r.Unit); err != nil {
			return err
		}
		return tx.Queue(ctx, []dialogs.Notification{{ContactID: r.Contact, Kind: "removed",
			Reply: dialogs.Reply{Text: fmt.Sprintf(catalog.People.RosterYouLeft, unitName, dialogs.RoleName(r.Role), by)}}})
	})
	return r, err
}

func (tx *dialogTx) RemovePlace(ctx context.Context, contact int64, by *dialogs.Contact, replaced bool) (dialogs.Removal, error) {
	if tx.optimistic {
		return dialogs.Removal{}, errTakeLocks
	}
	tx.wroteMore = true
	r, err := removePlace(ctx, tx.Tx, contact, by.ID, replaced)
	if errors.Is(err, ErrNotHolder) {
		return dialogs.Removal{}, dialogs.ErrNotHolder
	}
	return dialogs.Removal{Name: r.Name, Role: r.Role, Unit: r.Unit, Campaign: r.Campaign, Campaigns: r.Campaigns}, err
}
