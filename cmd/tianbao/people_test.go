package main

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"tianbao/dialogs"
	"tianbao/store"
)

// TestPeopleCommand: the campaign load says whether the people registered
// for its units take part; people lists who holds a role in a unit;
// people remove takes a person away from every campaign that shares the
// roster, in the audit log; people replace also prints the successor's
// link; mistakes are refused with the usage.
func TestPeopleCommand(t *testing.T) {
	useTestDatabase(t)
	ctx := context.Background()
	code, out, errs := tianbao(t, "", "campaign", "load", "zj-2018-14")
	if code != 0 || !strings.Contains(out, "people: the roster's, 0 place(s)") {
		t.Fatalf("load: %d %s %s", code, out, errs)
	}
	db, err := store.Open(ctx, os.Getenv("DATABASE_URL"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	now := time.Now()
	for user, unit := range map[int64]string{9001: "330106", 9002: "330102"} {
		tok, err := db.CreateInvite(ctx, store.Invite{Campaign: "zj-2018-14", Unit: unit, Role: dialogs.Filler, ExpiresAt: now.Add(time.Hour)}, 0, now)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.RedeemInvite(ctx, tok, user, user, "联系人"+unit, now); err != nil {
			t.Fatal(err)
		}
	}
	code, out, errs = tianbao(t, "", "campaign", "load", "zj-2019-parks-quarterly")
	if code != 0 || !strings.Contains(out, "people: the roster's, 2 place(s) from it") {
		t.Fatalf("loading the quarterly: %d %s %s", code, out, errs)
	}
	code, out, _ = tianbao(t, "", "people", "--unit", "330106", "--campaign", "zj-2019-parks-quarterly")
	if code != 0 || !strings.Contains(out, "联系人330106") || !strings.Contains(out, "filler") || !strings.Contains(out, "the roster's") {
		t.Fatalf("people: %d %s", code, out)
	}
	p, err := db.PersonOfTelegram(ctx, 9001)
	if err != nil {
		t.Fatal(err)
	}
	person := strconv.FormatInt(p.ID, 10)
	code, out, errs = tianbao(t, "", "people", "remove", "--unit", "330106", "--person", person)
	if code != 0 || !strings.Contains(out, "from 2 campaign(s): zj-2018-14, zj-2019-parks-quarterly") {
		t.Fatalf("people remove: %d %s %s", code, out, errs)
	}
	if _, err := db.PersonOfTelegram(ctx, 9001); err == nil {
		t.Errorf("the removed person keeps places")
	}
	var audits int
	_ = db.GetContext(ctx, &audits, `SELECT count(*) FROM audit_log WHERE action = 'role.removed' AND actor_id IS NULL`)
	if audits != 2 {
		t.Errorf("%d audit entries, want 2", audits)
	}
	if code, _, errs := tianbao(t, "", "people", "remove", "--unit", "330106", "--person", person); code != 1 || !strings.Contains(errs, "holds no role in 330106") {
		t.Errorf("removing again: %d %s", code, errs)
	}
	q, err := db.PersonOfTelegram(ctx, 9002)
	if err != nil {
		t.Fatal(err)
	}
	code, out, errs = tianbao(t, "", "people", "replace", "--unit", "330102", "--person", strconv.FormatInt(q.ID, 10), "--bot", "tianbao_bot")
	if code != 0 || !strings.Contains(out, "https://t.me/tianbao_bot?start=") || !strings.Contains(errs, "上城区 填报人") {
		t.Errorf("people replace: %d %s %s", code, out, errs)
	}
	for _, args := range [][]string{
		{"people", "remove", "--unit", "330106"},
		{"people", "fire", "--unit", "330106", "--person", "1"},
		{"people"},
		{"people", "--unit", "330106", "extra"},
	} {
		if code, out, errs := tianbao(t, "", args...); code != 2 || out != "" || !strings.Contains(errs, "Usage: tianbao people") {
			t.Errorf("%q: exit %d, stdout %q, stderr %q", args, code, out, errs)
		}
	}
}
