package store_test

import (
	"context"
	"testing"
	"time"

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
	now := time.Date(2018, 12, 2, 10, 0, 0, 0, dialogtest.Shanghai)
	env := dialogtest.New(t, db, now) // installs zj-2018-14 on the old schema
	c := env.Contact("330106", "张三")
	c.Say("/start").Press("附件3").Say("6").Expect("改造提升（家）")

	applied, err := db.Migrate(ctx)
	if err != nil || len(applied) == 0 || applied[0] != 8 {
		t.Fatalf("migrate: %v %v", applied, err)
	}
	env = dialogtest.New(t, db, now) // a new process after the upgrade
	c = env.Contact("330106", "张三")
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
