package store_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"tianbao/campaign"
	"tianbao/campaigns"
	"tianbao/dialogs/dialogtest"
	"tianbao/reports"
	"tianbao/store"
	"tianbao/store/storetest"
)

// TestUpgradeKeepsTheFirstCampaign: a database as the release before
// periods and named levels left it (schema 7), with zj-2018-14 in use, is
// migrated; the campaign and its data are served as before, and the same
// draft goes on.
func TestUpgradeKeepsTheFirstCampaign(t *testing.T) {
	ctx := context.Background()
	db, err := store.Connect(ctx, storetest.EmptyURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.MigrateTo(ctx, 7); err != nil {
		t.Fatal(err)
	}
	// What that release wrote: the campaign and its units, a console
	// contact of 西湖区 on 附件3's second question, the first answered.
	oldCampaign(t, db, campaigns.BuiltinID)
	exec(t, db, `INSERT INTO contacts (id, campaign_id, unit_code, role, console_name, display_name) VALUES (7, 'zj-2018-14', '330106', 'filler', '张三', '张三')`)
	exec(t, db, `INSERT INTO sessions (contact_id, state, version) VALUES (7, '{"seq": 3, "mode": "field", "form": "a3", "section": "main", "field": "upgraded"}', 2)`)
	exec(t, db, `INSERT INTO drafts (campaign_id, unit_code, form_id, revision, updated_by) VALUES ('zj-2018-14', '330106', 'a3', 1, 7)`)
	exec(t, db, `INSERT INTO answers (campaign_id, unit_code, form_id, section_id, row_key, field_id, value, updated_by)
		VALUES ('zj-2018-14', '330106', 'a3', 'main', '', 'built', '6', 7)`)

	applied, err := db.Migrate(ctx)
	if err != nil || len(applied) == 0 || applied[0] != 8 {
		t.Fatalf("migrate: %v %v", applied, err)
	}
	now := time.Date(2018, 12, 2, 10, 0, 0, 0, dialogtest.Shanghai)
	env := dialogtest.New(t, db, now) // a new process after the upgrade
	c := env.Contact("330106", "张三")
	if c.ID != 7 {
		t.Fatalf("the console contact after the upgrade is %d, want 7", c.ID)
	}
	c.Say("/start").Expect("草稿 1/9").Press("附件3").Expect("改造提升（家）（第 2/9 项）")
	for _, v := range []string{"0", "6", "600", "300", "0", "0", "0", "400"} {
		c.Say(v)
	}
	c.Expect("按建设方式 · 新建成（家）：6 家", "全部填写完毕").Press("✅ 提交").Expect("已提交")
	camp, err := env.Registry.Campaign(ctx, campaigns.BuiltinID)
	if err != nil || camp.Units["330106"].Level != "county" || camp.LevelName("county") != "县（市、区）" {
		t.Fatalf("campaign after the upgrade: %v", err)
	}
	drafts, err := db.UnitDrafts(ctx, campaigns.BuiltinID, "330106")
	if err != nil {
		t.Fatal(err)
	}
	if row := reports.FormTable(camp.Form("a3"), drafts["a3"]).Rows[0]; row[0] != "6" || row[8] != "400" {
		t.Errorf("a3 after the upgrade: %v", row)
	}
}

// TestUpgradeMakesPeople: contacts from before people (schema 9), one
// Telegram account in two campaigns and a console contact, become one
// person with two places (the newest current) and a person of its own.
func TestUpgradeMakesPeople(t *testing.T) {
	ctx := context.Background()
	db, err := store.Connect(ctx, storetest.EmptyURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.MigrateTo(ctx, 9); err != nil {
		t.Fatal(err)
	}
	oldCampaign(t, db, campaigns.BuiltinID)
	oldCampaign(t, db, "zj-2019-parks-quarterly")
	exec(t, db, `INSERT INTO contacts (id, campaign_id, unit_code, role, telegram_user_id, chat_id, display_name, created_at) VALUES
		(1, 'zj-2018-14', '330106', 'filler', 1003, 1003, '王芳', '2018-11-20'),
		(2, 'zj-2019-parks-quarterly', '330106', 'filler', 1003, 1003, '王芳', '2019-04-01'),
		(3, 'zj-2018-14', '330100', 'reviewer', NULL, NULL, '赵主任', '2018-11-19')`)
	exec(t, db, `UPDATE contacts SET console_name = '赵主任' WHERE id = 3`)
	exec(t, db, `INSERT INTO sessions (contact_id) VALUES (1), (2), (3)`)
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	p, err := db.PersonOfTelegram(ctx, 1003)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Places) != 2 || p.Places[0].ID != 1 || p.Places[1].ID != 2 || p.Current != 2 || p.Name != "王芳" {
		t.Errorf("the Telegram account became %+v; want one person, places 1 and 2, on 2", p)
	}
	c, err := db.PersonOf(ctx, store.ChannelConsole, "zj-2018-14/330100/reviewer/赵主任")
	if err != nil || len(c.Places) != 1 || c.Current != 3 {
		t.Errorf("the console contact became %+v, %v", c, err)
	}
}

// oldCampaign stores a built-in campaign and its units as the releases
// before people did (the registry of today writes more).
func oldCampaign(t *testing.T, db *store.DB, id string) {
	t.Helper()
	src, err := campaigns.Builtin(id)
	if err != nil {
		t.Fatal(err)
	}
	camp, err := campaign.Load(src)
	if err != nil {
		t.Fatal(err)
	}
	stored := map[string]string{}
	for name, b := range src.Files {
		stored[name] = string(b)
	}
	files, _ := json.Marshal(stored)
	exec(t, db, `INSERT INTO campaigns (id, version, title, source_name, source, files) VALUES ($1, 1, $2, $3, $4, $5)`,
		camp.ID, camp.Title, src.Name, string(src.YAML), string(files))
	for i, code := range camp.Order {
		u := camp.Units[code]
		path := code
		for p := camp.Units[u.Parent]; p != nil; p = camp.Units[p.Parent] {
			path = p.Code + "/" + path
		}
		exec(t, db, `INSERT INTO units (campaign_id, code, name, level, parent_code, path, position) VALUES ($1, $2, $3, $4, NULLIF($5, ''), $6, $7)`,
			camp.ID, code, u.Name, string(u.Level), u.Parent, path, i)
	}
}

func exec(t *testing.T, db *store.DB, q string, args ...any) {
	t.Helper()
	if _, err := db.ExecContext(context.Background(), q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}
