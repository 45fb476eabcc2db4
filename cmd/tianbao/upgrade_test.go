package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"tianbao/campaign"
	"tianbao/campaigns"
	"tianbao/store"
	"tianbao/store/storetest"
)

// previousBuiltin is zj-2018-14 as the release of 73e58c7 embedded it (the
// one the newcomer trial upgraded from), with the units table it names.
func previousBuiltin(t *testing.T) *campaign.Source {
	t.Helper()
	dir := t.TempDir()
	old, err := os.ReadFile("testdata/release-73e58c7/zj-2018-14.yaml")
	if err != nil {
		t.Fatal(err)
	}
	now, err := campaigns.Builtin(campaigns.BuiltinID)
	if err != nil {
		t.Fatal(err)
	}
	if string(old) == string(now.YAML) {
		t.Fatal("the previous release's file is this release's: the test would show nothing")
	}
	for name, body := range now.Files { // the units table is unchanged since
		if err := os.WriteFile(filepath.Join(dir, name), body, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(dir, "zj-2018-14.yaml")
	if err := os.WriteFile(path, old, 0o644); err != nil {
		t.Fatal(err)
	}
	src, err := campaign.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	src.Name = "campaigns/zj-2018-14.yaml" // as the release stored it
	return src
}

var refreshedLog = regexp.MustCompile(`built-in campaign updated: this release's file is stored as a new version .* campaign=zj-2018-14 version=2 was=1`)

// TestUpgradeFromThePreviousRelease: a database as the previous release
// left it (schema 7, the built-in campaign stored from that release's file
// on first use, a campaign of the operator's own) is migrated; the
// built-in campaign follows the release, as a new version, and the log
// says so; the operator's campaign is untouched; a second migrate changes
// nothing (newcomer trial turn 3, D2: it stayed at the old version until
// someone ran `campaign load`).
func TestUpgradeFromThePreviousRelease(t *testing.T) {
	ctx := context.Background()
	url := storetest.EmptyURL(t)
	db, err := store.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.MigrateTo(ctx, 7); err != nil { // 73e58c7's schema
		t.Fatal(err)
	}
	old := previousBuiltin(t)
	files, _ := json.Marshal(map[string]string{"zhejiang_2018_counties.tsv": string(old.Files["zhejiang_2018_counties.tsv"])})
	// The rows that release wrote (its columns: no builtin flag yet).
	for _, row := range []struct{ id, name, source string }{
		{"zj-2018-14", "campaigns/zj-2018-14.yaml", string(old.YAML)},
		{"my-notice", "/srv/notices/my-notice.yaml", strings.Replace(string(old.YAML), "id: zj-2018-14", "id: my-notice", 1)},
	} {
		if _, err := db.ExecContext(ctx, `INSERT INTO campaigns (id, version, title, source_name, source, files) VALUES ($1, 1, 't', $2, $3, $4)`,
			row.id, row.name, row.source, string(files)); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("DATABASE_URL", url)
	t.Setenv("LOG_LEVEL", "info")

	// The new program refuses the old schema, and says what to do.
	if code, _, errs := tianbao(t, "", "units"); code != 1 || !strings.Contains(errs, "run `tianbao migrate`") {
		t.Fatalf("units before migrate: %d %q", code, errs)
	}
	code, out, errs := tianbao(t, "", "migrate")
	if code != 0 || !strings.Contains(errs, `msg="applied migrations"`) || !refreshedLog.MatchString(errs) {
		t.Fatalf("migrate: exit %d\n%s\n%s", code, out, errs)
	}
	code, out, _ = tianbao(t, "", "campaign", "list")
	if code != 0 || !regexp.MustCompile(`(?m)^zj-2018-14\s+v2 `).MatchString(out) || !regexp.MustCompile(`(?m)^my-notice\s+v1 `).MatchString(out) {
		t.Errorf("campaign list after the upgrade:\n%s", out)
	}
	now, _ := campaigns.Builtin(campaigns.BuiltinID)
	rec, err := db.LatestCampaign(ctx, campaigns.BuiltinID)
	if err != nil || rec.Source != string(now.YAML) || rec.SourceName != "campaigns/zj-2018-14.yaml" || rec.Version != 2 {
		t.Errorf("the stored built-in campaign is not this release's file: v%d %s (%v)", rec.Version, rec.SourceName, err)
	}
	// Again: nothing to do, nothing said.
	code, _, errs = tianbao(t, "", "migrate")
	if code != 0 || strings.Contains(errs, "built-in campaign") {
		t.Errorf("a second migrate: %d %s", code, errs)
	}
	if v, err := db.CampaignVersion(ctx, campaigns.BuiltinID); err != nil || v != 2 {
		t.Errorf("after a second migrate: v%d %v", v, err)
	}
}

// TestUpgradeKeepsTheAnswers: a county's draft and submission made on the
// previous release's built-in campaign are there after the upgrade moved
// the campaign to this release's file: serve's start alone does it (a
// replica that starts after an upgrade without migrate), and an operator's
// own file under the built-in id is left alone, said by the log and doctor.
func TestUpgradeKeepsTheAnswers(t *testing.T) {
	ctx := context.Background()
	url := storetest.URL(t)
	t.Setenv("DATABASE_URL", url)
	db, err := store.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	old := previousBuiltin(t)
	oc, err := campaign.Load(old)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	for k, v := range old.Files {
		files[k] = string(v)
	}
	// As the previous release's first use stored it.
	if _, _, err := db.SaveCampaign(ctx, store.CampaignRecord{ID: oc.ID, SourceName: old.Name, Source: string(old.YAML), Files: files}, oc); err != nil {
		t.Fatal(err)
	}
	// 西湖区 submits 附件3 and starts 附件1 on it.
	code, out, errs := tianbao(t, "附件3\n6\n0\n6\n600\n300\n0\n0\n0\n400\n提交\n", "console", "--unit", "330106", "--name", "张三")
	if code != 0 || !strings.Contains(out, "已提交") {
		t.Fatalf("console on the old campaign: %d\n%s\n%s", code, out, errs)
	}
	if v, _ := db.CampaignVersion(ctx, campaigns.BuiltinID); v != 1 {
		t.Fatalf("the console moved the campaign to v%d before the upgrade", v)
	}
	// serve brings it up to date as it starts (and then stops: no token).
	t.Setenv("TELEGRAM_BOT_TOKEN", "1:x")
	t.Setenv("TELEGRAM_API_URL", "http://127.0.0.1:1")
	t.Setenv("METRICS_ADDR", "off")
	t.Setenv("LOG_LEVEL", "info")
	_, _, errs = tianbao(t, "", "serve")
	if !refreshedLog.MatchString(errs) {
		t.Fatalf("serve's start did not update the built-in campaign:\n%s", errs)
	}
	code, out, _ = tianbao(t, "/start\n", "console", "--unit", "330106", "--name", "张三")
	if code != 0 || !strings.Contains(out, "附件3（已提交）") {
		t.Errorf("after the upgrade:\n%s", out)
	}
	code, out, _ = tianbao(t, "", "export", "--campaign", "zj-2018-14", "--unit", "330106", "--form", "a3", "--format", "csv")
	if code != 0 || !strings.HasSuffix(out, "\n6,0,6,600,300,0,0,0,400\n") {
		t.Errorf("the submitted figures after the upgrade: %d\n%s", code, out)
	}

	// An operator's own file under the built-in id: kept, and said.
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "campaigns"), 0o755); err != nil {
		t.Fatal(err)
	}
	mine := filepath.Join(dir, "campaigns", "zj-2018-14.yaml")
	src, _ := campaigns.Builtin(campaigns.BuiltinID)
	for name, body := range src.Files {
		_ = os.WriteFile(filepath.Join(filepath.Dir(mine), name), body, 0o644)
	}
	if err := os.WriteFile(mine, []byte(strings.Replace(string(src.YAML), "title: ", "title: 本省修订 ", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out, errs := tianbao(t, "", "campaign", "load", mine); code != 0 || !strings.Contains(out, "as version 3") {
		t.Fatalf("loading an own file: %d %s %s", code, out, errs)
	}
	code, _, errs = tianbao(t, "", "migrate")
	if code != 0 || !strings.Contains(errs, "built-in campaign left as it is") || !strings.Contains(errs, "campaign=zj-2018-14 version=3") {
		t.Errorf("migrate with an own file: %d\n%s", code, errs)
	}
	if v, _ := db.CampaignVersion(ctx, campaigns.BuiltinID); v != 3 {
		t.Errorf("the own file was replaced: v%d", v)
	}
	if _, out, _ := tianbao(t, "", "doctor"); !strings.Contains(out, "✔ campaign zj-2018-14: v3") || !strings.Contains(out, "loaded from a file of your own") {
		t.Errorf("doctor with an own file:\n%s", out)
	}
	// campaign load by id takes the release's file back, and it follows
	// the releases again.
	if code, out, _ := tianbao(t, "", "campaign", "load", "zj-2018-14"); code != 0 || !strings.Contains(out, "as version 4") {
		t.Errorf("campaign load zj-2018-14: %d %s", code, out)
	}
	rec, err := db.LatestCampaign(ctx, campaigns.BuiltinID)
	if err != nil || rec.SourceName != "campaigns/zj-2018-14.yaml" {
		t.Errorf("the release's file loaded by id is not stored as the built-in (%v)", err)
	}
	// An own file copied over the repository's, loaded by that path, is
	// not taken for the release's file.
	if err := os.WriteFile(filepath.Join(dir, "campaigns", "zj-2018-14.yaml"), []byte(strings.Replace(string(src.YAML), "title: ", "title: 又改 ", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	if code, out, errs := tianbao(t, "", "campaign", "load", "campaigns/zj-2018-14.yaml"); code != 0 || !strings.Contains(out, "as version 5") {
		t.Fatalf("loading an own file at the built-in's path: %d %s %s", code, out, errs)
	}
	if _, _, errs := tianbao(t, "", "migrate"); !strings.Contains(errs, "built-in campaign left as it is") {
		t.Errorf("an own file at the built-in's path was taken for the release's: %s", errs)
	}
}
