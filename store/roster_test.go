package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"tianbao/campaign"
	"tianbao/campaigns"
	"tianbao/dialogs"
	"tianbao/store"
	"tianbao/store/storetest"
)

// installVariant stores the built-in campaign under another id, its file
// and units table edited.
func installVariant(t *testing.T, db *store.DB, id string, editYAML, editUnits func(string) string) {
	t.Helper()
	src, err := campaigns.Builtin(campaigns.BuiltinID)
	if err != nil {
		t.Fatal(err)
	}
	yaml := strings.Replace(string(src.YAML), "id: zj-2018-14", "id: "+id, 1)
	if editYAML != nil {
		yaml = editYAML(yaml)
	}
	files := map[string][]byte{}
	for name, b := range src.Files {
		files[name] = b
		if editUnits != nil && strings.HasSuffix(name, ".tsv") {
			files[name] = []byte(editUnits(string(b)))
		}
	}
	if _, _, err := campaigns.Install(context.Background(), db, &campaign.Source{Name: id + ".yaml", YAML: []byte(yaml), Files: files}); err != nil {
		t.Fatal(err)
	}
}

// TestTheRosterIsSharedWhereTheUnitsSitAlike: a campaign over the same
// units shares the roster, and the roles registered for them reach it
// without an invite; one whose units sit elsewhere does not (unless its
// file says roster: shared), one that says roster: own does not, one of
// new units reaches nobody; an invite to a shared campaign gives the role
// in every campaign that shares the roster, and in none of the others.
func TestTheRosterIsSharedWhereTheUnitsSitAlike(t *testing.T) {
	ctx := context.Background()
	db := storetest.NewDB(t)
	reg := campaigns.NewRegistry(db)
	if _, err := reg.Campaign(ctx, campaigns.BuiltinID); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2019, 4, 8, 9, 0, 0, 0, time.UTC)
	redeem := func(campaignID, unit string, role dialogs.Role, user int64) store.Redeemed {
		t.Helper()
		tok, err := db.CreateInvite(ctx, store.Invite{Campaign: campaignID, Unit: unit, Role: role, ExpiresAt: now.Add(time.Hour)}, 0, now)
		if err != nil {
			t.Fatal(err)
		}
		r, err := db.RedeemInvite(ctx, tok, user, user, "某人", now)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	places := func(user int64) string {
		t.Helper()
		p, err := db.PersonOfTelegram(ctx, user)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, c := range p.Places {
			out = append(out, c.Campaign+"/"+c.Unit+"/"+string(c.Role))
		}
		return strings.Join(out, " ")
	}
	// Before any other campaign: one place (the fresh, one-statement path).
	if r := redeem(campaigns.BuiltinID, "330106", dialogs.Filler, 7001); !r.New || len(r.Reached) != 0 {
		t.Errorf("the first invite: %+v", r)
	}
	redeem(campaigns.BuiltinID, "330100", dialogs.Reviewer, 7002)

	// The quarterly, over the same units: both people reach it.
	if _, err := reg.Campaign(ctx, "zj-2019-parks-quarterly"); err != nil {
		t.Fatal(err)
	}
	if got := places(7001); got != "zj-2018-14/330106/filler zj-2019-parks-quarterly/330106/filler" {
		t.Errorf("西湖区's filler after the quarterly was loaded: %s", got)
	}
	if got := places(7002); got != "zj-2018-14/330100/reviewer zj-2019-parks-quarterly/330100/reviewer" {
		t.Errorf("杭州市's reviewer after the quarterly was loaded: %s", got)
	}
	st, err := db.RosterOf(ctx, "zj-2019-parks-quarterly")
	if err != nil || !st.Shared || st.People != 2 {
		t.Errorf("the quarterly's roster: %+v %v", st, err)
	}
	var joined int
	_ = db.GetContext(ctx, &joined, `SELECT count(*) FROM outbox WHERE kind = 'joined'`)
	if joined != 2 {
		t.Errorf("%d told the quarterly began for them, want 2", joined)
	}
	var invites int
	_ = db.GetContext(ctx, &invites, `SELECT count(*) FROM invites WHERE campaign_id = 'zj-2019-parks-quarterly'`)
	if invites != 0 {
		t.Errorf("%d invites for the quarterly", invites)
	}

	// Its own people: roster: own.
	installVariant(t, db, "own-people", func(y string) string {
		return strings.Replace(y, "\ntitle:", "\nroster: own\ntitle:", 1)
	}, nil)
	// 西湖区 moved under 宁波市: not the same units.
	moved := func(u string) string {
		return strings.Replace(u, "330100\t杭州市\t330106\t西湖区", "330200\t宁波市\t330106\t西湖区", 1)
	}
	installVariant(t, db, "moved-units", nil, moved)
	// ...unless the file says it shares all the same.
	installVariant(t, db, "moved-but-shared", func(y string) string {
		return strings.Replace(y, "\ntitle:", "\nroster: shared\ntitle:", 1)
	}, moved)
	for _, c := range []struct {
		id             string
		shared         bool
		people         int
		differsMention string
	}{
		{"own-people", false, 0, ""},
		{"moved-units", false, 0, "330106 under 330200 here, under 330100 in zj-2018-14"},
		{"moved-but-shared", true, 2, "330106 under 330200 here"},
	} {
		st, err := db.RosterOf(ctx, c.id)
		if err != nil || st.Shared != c.shared || st.People != c.people || !strings.Contains(st.Differs, c.differsMention) {
			t.Errorf("%s: %+v %v; want shared %v, %d people, differs naming %q", c.id, st, err, c.shared, c.people, c.differsMention)
		}
	}
	// A campaign of new units: shared, nobody to reach; it still invites.
	dir := campaign.Source{Name: "new-units.yaml", YAML: []byte(`id: new-units
title: 企业调查（测试）
levels: [{id: dept, name: 主管部门}, {id: firm, name: 企业}]
units: {file: units.tsv}
forms:
  - id: f
    title: 表
    levels: [firm]
    due: {firm: "2019-05-01"}
    sections:
      - id: main
        kind: record
        fields: [{id: n, label: 人数, type: integer}]
`), Files: map[string][]byte{"units.tsv": []byte("code\tname\tparent\nD1\t经信局\t\nF1\t一号企业\tD1\n")}}
	if _, _, err := campaigns.Install(ctx, db, &dir); err != nil {
		t.Fatal(err)
	}
	if st, err := db.RosterOf(ctx, "new-units"); err != nil || !st.Shared || st.People != 0 {
		t.Errorf("new units: %+v %v", st, err)
	}
	if r := redeem("new-units", "F1", dialogs.Filler, 7003); len(r.Reached) != 0 {
		t.Errorf("an invite to new units reached %v", r.Reached)
	}

	// An invite to a shared campaign: the role in each campaign that shares
	// the roster and has the unit; none in its own or the moved ones.
	r := redeem("zj-2019-parks-quarterly", "330102", dialogs.Filler, 7004)
	if strings.Join(r.Reached, " ") != "moved-but-shared zj-2018-14" {
		t.Errorf("the quarterly's invite reached %v", r.Reached)
	}
	if got := places(7004); got != "zj-2019-parks-quarterly/330102/filler zj-2018-14/330102/filler moved-but-shared/330102/filler" {
		t.Errorf("上城区's filler: %s", got)
	}
	// A person with places already, invited to another unit: a role
	// more, in every shared campaign, the others kept.
	r = redeem("zj-2018-14", "330108", dialogs.Filler, 7001)
	if r.New || strings.Join(r.Reached, " ") != "moved-but-shared zj-2019-parks-quarterly" {
		t.Errorf("a second unit's invite: %+v", r)
	}
	if got := places(7001); !strings.Contains(got, "zj-2018-14/330106/filler") || !strings.Contains(got, "zj-2019-parks-quarterly/330108/filler") {
		t.Errorf("西湖区's filler made 滨江区's too: %s", got)
	}

	// Removing her from 西湖区: every place that role gave, in one go,
	// each in the audit log; 滨江区 stays.
	p, err := db.PersonOfTelegram(ctx, 7001)
	if err != nil {
		t.Fatal(err)
	}
	var xihu int64
	for _, c := range p.Places {
		if c.Campaign == "zj-2018-14" && c.Unit == "330106" {
			xihu = c.ID
		}
	}
	removed, err := db.RemovePlace(ctx, xihu, false, "测试")
	if err != nil || strings.Join(removed.Campaigns, " ") != "moved-but-shared zj-2018-14 zj-2019-parks-quarterly" {
		t.Fatalf("removed %+v %v", removed, err)
	}
	if got := places(7001); strings.Contains(got, "330106") || !strings.Contains(got, "330108") {
		t.Errorf("after the removal: %s", got)
	}
	var audits int
	_ = db.GetContext(ctx, &audits, `SELECT count(*) FROM audit_log WHERE action = 'role.removed' AND unit_code = '330106'`)
	if audits != 3 {
		t.Errorf("%d audit entries for the removal, want one per campaign (3)", audits)
	}
	if _, err := db.RemovePlace(ctx, xihu, false, "测试"); err != store.ErrNotHolder {
		t.Errorf("removing again: %v", err)
	}
	// A campaign loaded later does not bring the removed role back.
	installVariant(t, db, "later", nil, nil)
	if got := places(7001); strings.Contains(got, "330106") {
		t.Errorf("a removed role came back with a new campaign: %s", got)
	}
}
