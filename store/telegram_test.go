package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"tianbao/campaigns"
	"tianbao/dialogs"
	"tianbao/store"
	"tianbao/store/storetest"
)

// TestInviteRedeemedOnceAmongMany: eight people open one invite link at the
// same moment; one becomes the contact, the others are told it was used.
// The winner redeeming again (a redelivered /start) gets the same contact.
func TestInviteRedeemedOnceAmongMany(t *testing.T) {
	ctx := context.Background()
	db := storetest.NewDB(t)
	if _, err := campaigns.NewRegistry(db).Campaign(ctx, campaigns.BuiltinID); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2018, 11, 20, 9, 0, 0, 0, time.UTC)
	tok, err := db.CreateInvite(ctx, store.Invite{Campaign: campaigns.BuiltinID, Unit: "330106", Role: dialogs.Filler, ExpiresAt: now.Add(time.Hour)}, 0, now)
	if err != nil {
		t.Fatal(err)
	}
	const n = 8
	var wg sync.WaitGroup
	var mu sync.Mutex
	winners := map[int64]int64{} // user -> contact
	used := 0
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(user int64) {
			defer wg.Done()
			r, err := db.RedeemInvite(ctx, tok, user, user, "某人", now)
			id, inv := r.ContactID, r.Invite
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil && inv.Unit == "330106" && inv.Role == dialogs.Filler:
				winners[user] = id
			case errors.Is(err, store.ErrInviteUsed):
				used++
			default:
				t.Errorf("user %d: %v (%+v)", user, err, inv)
			}
		}(int64(5000 + i))
	}
	wg.Wait()
	if len(winners) != 1 || used != n-1 {
		t.Fatalf("%d redeemed, %d told it was used", len(winners), used)
	}
	for user, id := range winners {
		again, err := db.RedeemInvite(ctx, tok, user, user, "某人", now)
		if err != nil || again.ContactID != id || again.SessionVersion != -1 {
			t.Errorf("the same user again: %+v, %v; want contact %d, session left alone", again, err, id)
		}
		var contacts, sessions, audits int
		_ = db.GetContext(ctx, &contacts, `SELECT count(*) FROM contacts WHERE telegram_user_id IS NOT NULL`)
		_ = db.GetContext(ctx, &sessions, `SELECT count(*) FROM sessions WHERE contact_id = $1`, id)
		_ = db.GetContext(ctx, &audits, `SELECT count(*) FROM audit_log WHERE action = 'invite.redeemed' AND actor_id = $1`, id)
		if contacts != 1 || sessions != 1 || audits != 1 {
			t.Errorf("%d contacts, %d sessions, %d audit entries; want one each", contacts, sessions, audits)
		}
	}
	if _, err := db.RedeemInvite(ctx, "no-such-token", 6000, 6000, "某人", now); !errors.Is(err, store.ErrInviteUnknown) {
		t.Errorf("an unknown token: %v", err)
	}
	late, err := db.CreateInvite(ctx, store.Invite{Campaign: campaigns.BuiltinID, Unit: "330106", Role: dialogs.Filler, ExpiresAt: now.Add(time.Hour)}, 0, now)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.RedeemInvite(ctx, late, 6001, 6001, "某人", now.Add(time.Hour)); !errors.Is(err, store.ErrInviteExpired) {
		t.Errorf("at the expiry time: %v", err)
	}
}

// redeemTogether opens each invite (token, user) at the same moment, the
// redemptions held until all wait, so that they go as one batch.
func redeemTogether(t *testing.T, db *store.DB, now time.Time, tokens []string, users []int64) ([]store.Redeemed, []error) {
	t.Helper()
	release := store.HoldRedemptions(db)
	out, errs := make([]store.Redeemed, len(tokens)), make([]error, len(tokens))
	var wg sync.WaitGroup
	for i := range tokens {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i], errs[i] = db.RedeemInvite(context.Background(), tokens[i], users[i], users[i], fmt.Sprint("人", users[i]), now)
		}()
	}
	for deadline := time.Now().Add(10 * time.Second); store.QueuedRedemptions(db) < len(tokens) && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	if n := store.QueuedRedemptions(db); n != len(tokens) {
		t.Fatalf("%d redemptions wait, want %d", n, len(tokens))
	}
	release()
	wg.Wait()
	return out, errs
}

// TestFirstInvitesRedeemedTogether: five people new to the bot open their
// invites at once, in a campaign whose roster another shares; one
// statement redeems all five, each exactly as alone: their person,
// identity, place (current) with its session, the place the shared roster
// gives in the other campaign, the invite used up by that place, the
// audit entry. Then one person opening two invites at once beside someone
// else: the batch goes back to one by one, and each gets what it should.
func TestFirstInvitesRedeemedTogether(t *testing.T) {
	ctx := context.Background()
	db := storetest.NewDB(t)
	if _, err := campaigns.NewRegistry(db).Campaign(ctx, campaigns.BuiltinID); err != nil {
		t.Fatal(err)
	}
	installVariant(t, db, "zj-copy", nil, nil)
	now := time.Date(2018, 11, 20, 9, 0, 0, 0, time.UTC)
	invite := func(unit string) string {
		tok, err := db.CreateInvite(ctx, store.Invite{Campaign: campaigns.BuiltinID, Unit: unit, Role: dialogs.Filler, ExpiresAt: now.Add(time.Hour)}, 0, now)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	units := []string{"330102", "330105", "330106", "330108", "330109"}
	var tokens []string
	var users []int64
	for i, u := range units {
		tokens, users = append(tokens, invite(u)), append(users, int64(7100+i))
	}
	got, errs := redeemTogether(t, db, now, tokens, users)
	if c := db.RedemptionCounts(); c.Batches != 1 || c.Batched != int64(len(units)) || c.FellBack != 0 {
		t.Fatalf("redeemed as %+v, want one batch of %d", c, len(units))
	}
	for i, r := range got {
		if errs[i] != nil {
			t.Fatalf("%s: %v", units[i], errs[i])
		}
		if r.Unit != units[i] || r.Role != dialogs.Filler || r.SessionVersion != 0 || len(r.Reached) != 1 || r.Reached[0] != "zj-copy" {
			t.Errorf("%s: %+v", units[i], r)
		}
		var row struct {
			Unit     string `db:"unit_code"`
			User     int64  `db:"telegram_user_id"`
			Person   int64  `db:"person_id"`
			Current  int64  `db:"current_contact"`
			Identity int64  `db:"identity_person"`
			UsedBy   int64  `db:"used_by"`
			Sessions int    `db:"sessions"`
			Audited  int    `db:"audited"`
			Copy     int    `db:"copy"`
		}
		if err := db.GetContext(ctx, &row, `SELECT c.unit_code, c.telegram_user_id, c.person_id, p.current_contact,
				(SELECT person_id FROM identities WHERE channel = 'telegram' AND external_id = $2::text) AS identity_person,
				(SELECT used_by FROM invites WHERE used_by = c.id) AS used_by,
				(SELECT count(*) FROM sessions WHERE contact_id = c.id) AS sessions,
				(SELECT count(*) FROM audit_log WHERE actor_id = c.id AND action = 'invite.redeemed') AS audited,
				(SELECT count(*) FROM contacts k JOIN sessions s ON s.contact_id = k.id
					WHERE k.campaign_id = 'zj-copy' AND k.unit_code = c.unit_code AND k.person_id = c.person_id) AS copy
			FROM contacts c JOIN people p ON p.id = c.person_id WHERE c.id = $1`, r.ContactID, fmt.Sprint(users[i])); err != nil {
			t.Fatalf("%s: %v", units[i], err)
		}
		if row.Unit != units[i] || row.User != users[i] || row.Person != r.Person || row.Current != r.ContactID ||
			row.Identity != r.Person || row.UsedBy != r.ContactID || row.Sessions != 1 || row.Audited != 1 || row.Copy != 1 {
			t.Errorf("%s: stored %+v for %+v", units[i], row, r)
		}
	}

	// One person, two invites, at once, beside another person.
	tokens = []string{invite("330110"), invite("330111"), invite("330112")}
	users = []int64{7200, 7200, 7201}
	got, errs = redeemTogether(t, db, now, tokens, users)
	if c := db.RedemptionCounts(); c.Batches != 1 || c.FellBack != 3 {
		t.Errorf("redeemed as %+v, want the second batch to fall back", c)
	}
	for i, r := range got {
		if errs[i] != nil || r.Unit != []string{"330110", "330111", "330112"}[i] {
			t.Errorf("invite %d: %+v, %v", i, r, errs[i])
		}
	}
	if got[0].Person != got[1].Person || got[0].ContactID == got[1].ContactID || got[2].Person == got[0].Person {
		t.Errorf("one person's two places and another's: %+v", got)
	}
}
