package main

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"tianbao/bot/telegramtest"
	"tianbao/store"
	"tianbao/store/pgcluster"
	"tianbao/store/storetest"
)

// TestDoctorRefusesWhatServeRefuses: for every value serve refuses, serve
// stops with the reason and doctor shows the same reason as ✘ and exits 1
// (newcomer trial turn 3, D3: doctor said "Everything is ready" for five of
// them). The cases cover every variable the shared check can refuse: a
// check added without a case here fails this test.
func TestDoctorRefusesWhatServeRefuses(t *testing.T) {
	const token = "79:agree"
	fake := telegramtest.NewServer(token)
	defer fake.Close()
	useTestDatabase(t)
	base := map[string]string{
		"TELEGRAM_BOT_TOKEN": token, "TELEGRAM_BOT_TOKEN_FILE": "", "TELEGRAM_API_URL": fake.URL,
		"WEBHOOK_URL": "", "WEBHOOK_SECRET": "", "WEBHOOK_SECRET_FILE": "", "LISTEN_ADDR": "127.0.0.1:0", "METRICS_ADDR": "off",
		"WORKERS": "", "REMINDERS": "", "SEND_RATE": "", "APP_URL": "", "APP_AUTH_MAX_AGE": "",
		"FILE_QUOTA_MB": "", "FILES_PER_FIELD": "", "FILE_GRACE": "",
		"WECOM_CORP_ID": "", "WECOM_AGENT_ID": "", "WECOM_SECRET": "", "WECOM_SECRET_FILE": "", "WECOM_TOKEN": "", "WECOM_TOKEN_FILE": "",
		"WECOM_AES_KEY": "", "WECOM_AES_KEY_FILE": "", "WECOM_API_URL": "", "WECOM_OAUTH_URL": "",
	}
	wecomApp := map[string]string{"WECOM_CORP_ID": "ww0123456789abcdef", "WECOM_AGENT_ID": "1000002", "WECOM_SECRET": "S3cretS3cretS3cret",
		"WECOM_TOKEN": "Tok3n", "WECOM_AES_KEY": "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "APP_URL": "https://bot.example.org/app/"}
	withApp := func(changes map[string]string) map[string]string {
		out := map[string]string{}
		for k, v := range wecomApp {
			out[k] = v
		}
		for k, v := range changes {
			out[k] = v
		}
		return out
	}
	cases := []struct {
		name string
		env  map[string]string
		bad  string // the variable doctor marks ✘
	}{
		{"rate too high", map[string]string{"SEND_RATE": "100"}, "SEND_RATE"},
		{"rate zero", map[string]string{"SEND_RATE": "0"}, "SEND_RATE"},
		{"rate not a number", map[string]string{"SEND_RATE": "fast"}, "SEND_RATE"},
		{"no workers", map[string]string{"WORKERS": "0"}, "WORKERS"},
		{"file quota not a number", map[string]string{"FILE_QUOTA_MB": "200MB"}, "FILE_QUOTA_MB"},
		{"no files per field", map[string]string{"FILES_PER_FIELD": "0"}, "FILES_PER_FIELD"},
		{"file grace too short", map[string]string{"FILE_GRACE": "1s"}, "FILE_GRACE"},
		{"workers not a number", map[string]string{"WORKERS": "eight"}, "WORKERS"},
		{"reminders maybe", map[string]string{"REMINDERS": "maybe"}, "REMINDERS"},
		{"desk age too short", map[string]string{"APP_AUTH_MAX_AGE": "1s"}, "APP_AUTH_MAX_AGE"},
		{"desk age not a duration", map[string]string{"APP_AUTH_MAX_AGE": "1 hour"}, "APP_AUTH_MAX_AGE"},
		{"metrics on the listener", map[string]string{"LISTEN_ADDR": ":18102", "METRICS_ADDR": ":18102"}, "METRICS_ADDR"},
		{"metrics not an address", map[string]string{"METRICS_ADDR": "9090"}, "METRICS_ADDR"},
		{"listener not an address", map[string]string{"LISTEN_ADDR": "localhost"}, "LISTEN_ADDR"},
		{"listener port out of range", map[string]string{"LISTEN_ADDR": ":99999"}, "LISTEN_ADDR"},
		{"desk over http", map[string]string{"APP_URL": "http://bot.example.org/app/"}, "APP_URL"},
		{"desk without its slash", map[string]string{"APP_URL": "https://bot.example.org/app"}, "APP_URL"},
		{"webhook over http", map[string]string{"WEBHOOK_URL": "http://bot.example.org/telegram", "WEBHOOK_SECRET": "s3cret"}, "WEBHOOK_URL"},
		{"webhook on another port", map[string]string{"WEBHOOK_URL": "https://bot.example.org:8080/telegram", "WEBHOOK_SECRET": "s3cret"}, "WEBHOOK_URL"},
		{"webhook without a secret", map[string]string{"WEBHOOK_URL": "https://bot.example.org/telegram"}, "WEBHOOK_SECRET"},
		{"webhook secret Telegram refuses", map[string]string{"WEBHOOK_URL": "https://bot.example.org/telegram", "WEBHOOK_SECRET": "not a secret!"}, "WEBHOOK_SECRET"},
		{"webhook secret file missing", map[string]string{"WEBHOOK_SECRET_FILE": "/nonexistent/webhook_secret"}, "WEBHOOK_SECRET_FILE"},
		{"api not a URL", map[string]string{"TELEGRAM_API_URL": "api.telegram.org"}, "TELEGRAM_API_URL"},
		{"no token", map[string]string{"TELEGRAM_BOT_TOKEN": ""}, "TELEGRAM_BOT_TOKEN"},
		{"token file missing", map[string]string{"TELEGRAM_BOT_TOKEN": "", "TELEGRAM_BOT_TOKEN_FILE": "/nonexistent/token"}, "TELEGRAM_BOT_TOKEN_FILE"},
		{"wecom half configured", map[string]string{"WECOM_CORP_ID": "ww0123456789abcdef"}, "WECOM_AGENT_ID"},
		{"wecom without its secret", withApp(map[string]string{"WECOM_SECRET": ""}), "WECOM_SECRET"},
		{"wecom without its token", withApp(map[string]string{"WECOM_TOKEN": ""}), "WECOM_TOKEN"},
		{"wecom without its key", withApp(map[string]string{"WECOM_AES_KEY": ""}), "WECOM_AES_KEY"},
		{"wecom api without an app", map[string]string{"WECOM_API_URL": "https://qyapi.example.org"}, "WECOM_CORP_ID"},
		{"wecom corp id not one", withApp(map[string]string{"WECOM_CORP_ID": "ww 0123"}), "WECOM_CORP_ID"},
		{"wecom agent not a number", withApp(map[string]string{"WECOM_AGENT_ID": "app"}), "WECOM_AGENT_ID"},
		{"wecom secret not one", withApp(map[string]string{"WECOM_SECRET": "s3cret with spaces"}), "WECOM_SECRET"},
		{"wecom token not one", withApp(map[string]string{"WECOM_TOKEN": "tok-en!"}), "WECOM_TOKEN"},
		{"wecom key too short", withApp(map[string]string{"WECOM_AES_KEY": "abc"}), "WECOM_AES_KEY"},
		{"wecom without APP_URL", withApp(map[string]string{"APP_URL": ""}), "APP_URL"},
	}
	covered := map[string]bool{}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for k, v := range base {
				t.Setenv(k, v)
			}
			for k, v := range c.env {
				t.Setenv(k, v)
			}
			code, _, errs := tianbao(t, "", "serve")
			reason := strings.TrimPrefix(firstLine(errs), "tianbao serve: ")
			if code != 1 || !strings.HasPrefix(errs, "tianbao serve: ") {
				t.Fatalf("serve: exit %d, %q", code, errs)
			}
			code, out, _ := tianbao(t, "", "doctor")
			if code != 1 || !strings.Contains(out, "✘ "+c.bad+": "+reason) || strings.Contains(out, "Everything is ready") {
				t.Errorf("serve refused %q, doctor (exit %d) said:\n%s", reason, code, out)
			}
			if strings.Contains(out, "✔ settings") {
				t.Errorf("doctor called the settings right:\n%s", out)
			}
			covered[c.bad] = true
		})
	}
	// Every variable the shared check refuses has a case above.
	src, err := os.ReadFile("settings.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range regexp.MustCompile(`refuse\("([A-Z_]+)"`).FindAllStringSubmatch(string(src), -1) {
		if !covered[m[1]] {
			t.Errorf("serve refuses %s, and no case shows doctor refusing it too", m[1])
		}
	}
	// And with every setting right, both agree the other way: doctor is
	// ready, and shows the settings serve will run with.
	for k, v := range base {
		t.Setenv(k, v)
	}
	t.Setenv("WORKERS", "4")
	t.Setenv("SEND_RATE", "12.5")
	if code, _, _ := tianbao(t, "", "units"); code != 0 { // the built-in campaign stored, as after a first serve
		t.Fatal("units")
	}
	code, out, _ := tianbao(t, "", "doctor")
	if code != 0 || !strings.Contains(out, "✔ settings: long polling; LISTEN_ADDR 127.0.0.1:0, METRICS_ADDR off, WORKERS 4, SEND_RATE 12.5/s, REMINDERS on, APP_AUTH_MAX_AGE 1h0m0s") {
		t.Errorf("doctor with every setting right: exit %d\n%s", code, out)
	}
}

// TestDoctorChangesNothing: on a machine where serve would create the
// private cluster, doctor says so and creates nothing; on a database whose
// schema is old it says what migrate would apply, and applies none of it
// (newcomer trial turn 3, D13).
func TestDoctorChangesNothing(t *testing.T) {
	if _, err := pgcluster.FindBinaries(); err != nil {
		t.Fatalf("this test needs PostgreSQL's server programs: %v", err)
	}
	const token = "80:nothing"
	fake := telegramtest.NewServer(token)
	defer fake.Close()
	t.Setenv("TELEGRAM_BOT_TOKEN", token)
	t.Setenv("TELEGRAM_API_URL", fake.URL)
	t.Setenv("WEBHOOK_URL", "")
	t.Setenv("METRICS_ADDR", "off")
	ctx := context.Background()

	// 1. No cluster yet.
	base, err := os.MkdirTemp("", "tianbao-doctor-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(base)
	if err := os.Chmod(base, 0o755); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(base, "data")
	t.Setenv("DATABASE_URL", "")
	t.Setenv("TIANBAO_DATA", data)
	code, out, errs := tianbao(t, "", "doctor")
	if code != 0 || !strings.Contains(out, "✔ database (the private cluster in "+data+"): none yet: serve will create it (initdb)") {
		t.Errorf("doctor without a cluster: exit %d\n%s\n%s", code, out, errs)
	}
	if _, err := os.Stat(data); !os.IsNotExist(err) {
		t.Errorf("doctor made %s (%v)", data, err)
	}
	if strings.Contains(errs, "initialising") || strings.Contains(errs, "applied migrations") {
		t.Errorf("doctor's log: %s", errs)
	}

	// 2. A private cluster an older release left: schema 7.
	c, err := pgcluster.Start(ctx, data, pgcluster.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.EnsureDatabase(ctx, "tianbao"); err != nil {
		t.Fatal(err)
	}
	old, err := store.Connect(ctx, c.URL("tianbao"))
	if err != nil {
		t.Fatal(err)
	}
	if err := old.MigrateTo(ctx, 7); err != nil {
		t.Fatal(err)
	}
	old.Close()
	if err := c.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	code, out, _ = tianbao(t, "", "doctor")
	if code != 0 || !regexp.MustCompile(`✔ database \(the private cluster in .*\): schema at version 7; serve will apply migrations 8, 9[0-9, ]* when it starts`).MatchString(out) {
		t.Errorf("doctor on an old private cluster: exit %d\n%s", code, out)
	}
	c, err = pgcluster.Start(ctx, data, pgcluster.Options{})
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Connect(ctx, c.URL("tianbao"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := db.SchemaStatus(ctx)
	db.Close()
	_ = c.Stop(ctx)
	if err != nil || s.Current != 7 {
		t.Errorf("after doctor the private cluster's schema is at %d (%v), not 7", s.Current, err)
	}

	// 3. A shared database with no schema at all: doctor creates not even
	// the migration tool's version table.
	url := storetest.EmptyURL(t)
	t.Setenv("DATABASE_URL", url)
	code, out, _ = tianbao(t, "", "doctor")
	if code != 1 || !strings.Contains(out, "✘ database (DATABASE_URL): schema at version 0, this program needs") || !strings.Contains(out, "→ run `tianbao migrate`") {
		t.Errorf("doctor on an empty database: exit %d\n%s", code, out)
	}
	raw, err := sql.Open("postgres", url)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var tables int
	if err := raw.QueryRowContext(ctx, `SELECT count(*) FROM pg_tables WHERE schemaname = 'public'`).Scan(&tables); err != nil || tables != 0 {
		t.Errorf("doctor left %d table(s) in an empty database (%v)", tables, err)
	}
}

// TestNewerSchemaIsSaidSo: a program older than the database (a rollback
// of the binary, not of the data) says that a newer release migrated it,
// and migrate refuses instead of pretending all is well (newcomer trial
// turn 3, D2: "run tianbao migrate", which could not help).
func TestNewerSchemaIsSaidSo(t *testing.T) {
	url := storetest.URL(t)
	t.Setenv("DATABASE_URL", url)
	t.Setenv("TELEGRAM_BOT_TOKEN", "1:x")
	t.Setenv("METRICS_ADDR", "off")
	raw, err := sql.Open("postgres", url)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec(`INSERT INTO goose_db_version (version_id, is_applied) VALUES (99990, true)`); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"serve"}, {"migrate"}, {"units"}, {"campaign", "list"}} {
		code, _, errs := tianbao(t, "", args...)
		if code != 1 || !strings.Contains(errs, "the database is at version 99990, which this program (up to ") ||
			!strings.Contains(errs, "a newer release of tianbao migrated it") || strings.Contains(errs, "run `tianbao migrate`") {
			t.Errorf("%v on a newer schema: exit %d, %q", args, code, errs)
		}
	}
	code, out, _ := tianbao(t, "", "doctor")
	if code != 1 || !strings.Contains(out, "schema at version 99990, newer than this program") || !strings.Contains(out, "restore the backup taken before the upgrade") {
		t.Errorf("doctor on a newer schema: exit %d\n%s", code, out)
	}
	// Nothing was applied or undone.
	var versions []int64
	rows, err := raw.Query(`SELECT version_id FROM goose_db_version WHERE version_id > 0 ORDER BY version_id`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var v int64
		_ = rows.Scan(&v)
		versions = append(versions, v)
	}
	rows.Close()
	if !slices.Contains(versions, 99990) {
		t.Errorf("versions now %v", versions)
	}
}
