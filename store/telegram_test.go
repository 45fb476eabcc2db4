package store_test

import (
	"context"
	"errors"
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
