package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"tianbao/campaigns"
	"tianbao/dialogs/dialogtest"
	"tianbao/store"
	"tianbao/store/pgcluster"
	"tianbao/store/storetest"
)

// goroutineT lets a scripted chat run on a goroutine of its own: a fatal
// failure is reported and ends that goroutine only (FailNow may be called
// from the test's goroutine alone).
type goroutineT struct{ testing.TB }

func (g goroutineT) Fatal(args ...any) { g.TB.Error(args...); runtime.Goexit() }
func (g goroutineT) Fatalf(format string, args ...any) {
	g.TB.Errorf(format, args...)
	runtime.Goexit()
}
func (g goroutineT) Helper() {}

// script runs a repository script with the environment given (on top of
// this process's, without DATABASE_URL and its friends).
func script(t *testing.T, env []string, args ...string) (int, string) {
	t.Helper()
	cmd := exec.Command("bash", args...)
	cmd.Dir = "../.."
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); k != "DATABASE_URL" && k != "DATABASE_PASSWORD_FILE" && k != "TIANBAO_DATA" && !strings.HasPrefix(k, "PG") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, env...)
	out, err := cmd.CombinedOutput()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return code, string(out)
}

// rowsOf runs a query and returns each row as one string.
func rowsOf(t *testing.T, db *sql.DB, q string) []string {
	t.Helper()
	rows, err := db.Query(`SELECT row(t.*)::text FROM (` + q + `) t`)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

// What a restore must bring back intact, table by table.
var backedUp = map[string]string{
	"answers":     `SELECT campaign_id, unit_code, form_id, section_id, row_key, field_id, value, updated_at, updated_by FROM answers ORDER BY 1, 2, 3, 4, 5, 6`,
	"files":       `SELECT id, campaign_id, unit_code, name, kind, size, sha256, encode(sha256(content), 'hex') AS content_sha256, length(content) AS bytes, uploaded_by, uploaded_at FROM files ORDER BY id`,
	"submissions": `SELECT id, campaign_id, unit_code, form_id, version, campaign_version, data, status, submitted_by, submitted_at FROM submissions ORDER BY id`,
	"audit_log":   `SELECT id, at, actor_id, campaign_id, unit_code, form_id, action, target, old_value, new_value FROM audit_log ORDER BY id`,
	"contacts":    `SELECT * FROM contacts ORDER BY id`,
	"campaigns":   `SELECT id, version, source, files FROM campaigns ORDER BY id, version`,
}

// TestBackupWhileContactsAnswer: scripts/backup.sh takes a backup while
// eight counties add policy documents (an answer a turn, a file a row)
// without pause; scripts/restore.sh puts it into a fresh cluster; every
// answer, file, submission and audit row restored is exactly the source's,
// nothing acknowledged before the backup began is missing, and no row is
// half there (the backup is one snapshot). Then the same through compose's
// commands (docker compose exec db …, played by a stand-in for docker that
// runs them against the cluster), and the restored database serves the
// program (newcomer trial turn 3, D2: nothing said how to back up, or
// restore).
func TestBackupWhileContactsAnswer(t *testing.T) {
	for _, tool := range []string{"pg_dump", "pg_restore", "psql"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("this test needs PostgreSQL's client programs (%s): apt-get install postgresql-client", tool)
		}
	}
	ctx := context.Background()
	sourceURL := storetest.URL(t)
	db, err := store.Open(ctx, sourceURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	now := time.Date(2018, 12, 3, 10, 0, 0, 0, dialogtest.Shanghai)
	env := dialogtest.New(t, db, now)
	camp, err := env.Registry.Campaign(ctx, campaigns.BuiltinID)
	if err != nil {
		t.Fatal(err)
	}
	counties := camp.Units["330100"].Children[:8]

	// The counties: each submits 附件3, then adds documents, on and on.
	var (
		rows  = make([]atomic.Int64, len(counties)) // documents acknowledged
		stop  atomic.Bool
		wg    sync.WaitGroup
		fails atomic.Int64
	)
	for i, unit := range counties {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				if !stop.Load() {
					fails.Add(1) // ended by a failure (Goexit), not told to stop
				}
			}()
			g := goroutineT{t}
			c := env.Contact(unit, fmt.Sprintf("填报%d", i))
			c.T = g
			c.SubmitA3("3", "0", "3", "120", "80", "0", "0", "0", "150")
			c.Say("/start").Press("政策措施")
			for n := 1; !stop.Load(); n++ {
				content := make([]byte, 4096+n*97)
				_, _ = rand.Read(content)
				copy(content, "%PDF-1.4\n")
				name := fmt.Sprintf("政策文件第%d号.pdf", n)
				c.Press("➕ 添加文件").Say(fmt.Sprintf("关于小微企业园建设的意见第%d号", n)).Press("跳过").Say(camp.Units[unit].Name + "人民政府").Say("2018-09-15")
				c.Upload(name, content).Expect(fmt.Sprintf("已保存第 %d 个文件", n))
				rows[i].Add(1)
			}
		}()
	}
	defer func() { stop.Store(true); wg.Wait() }()
	counts := func() []int64 {
		out := make([]int64, len(rows))
		for i := range rows {
			out[i] = rows[i].Load()
		}
		return out
	}
	waitUntil := func(what string, done func([]int64) bool) {
		t.Helper()
		for deadline := time.Now().Add(2 * time.Minute); !done(counts()); time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) || fails.Load() > 0 {
				t.Fatalf("%s: the counties are at %v", what, counts())
			}
		}
	}
	waitUntil("every county at two documents", func(c []int64) bool { return slices.Min(c) >= 2 })

	dir := t.TempDir()
	dump := filepath.Join(dir, "tianbao.dump")
	before := counts() // acknowledged before the backup began: all must be in it
	code, out := script(t, []string{"DATABASE_URL=" + sourceURL}, "scripts/backup.sh", dump)
	if code != 0 || !strings.Contains(out, "backup: wrote "+dump) {
		t.Fatalf("backup.sh: exit %d\n%s", code, out)
	}
	after := counts()
	// Let every county go on past the backup's end, so that the source
	// surely has what the backup's snapshot cannot.
	waitUntil("every county past the backup", func(c []int64) bool {
		for i := range c {
			if c[i] <= after[i] {
				return false
			}
		}
		return true
	})
	stop.Store(true)
	wg.Wait()
	if fails.Load() > 0 {
		t.Fatal("a county's script failed")
	}
	t.Logf("documents per county: before the backup %v, when it ended %v", before, after)
	if st, err := os.Stat(dump); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("the backup's mode: %v %v (it holds everyone's answers: 0600)", st.Mode(), err)
	}
	if code, out := script(t, []string{"DATABASE_URL=" + sourceURL}, "scripts/backup.sh", dump); code != 1 || !strings.Contains(out, "never overwrites") {
		t.Errorf("a second backup to the same file: %d %s", code, out)
	}

	// A fresh cluster, with compose's role (the image's POSTGRES_USER).
	base, err := os.MkdirTemp("", "tianbao-restore-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(base)
	if err := os.Chmod(base, 0o755); err != nil { // the postgres account walks in when tests run as root
		t.Fatal(err)
	}
	cluster, err := pgcluster.Start(ctx, filepath.Join(base, "data"), pgcluster.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer cluster.Stop(ctx)
	admin, err := sql.Open("postgres", cluster.URL("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.Exec(`CREATE ROLE tianbao SUPERUSER LOGIN`); err != nil {
		t.Fatal(err)
	}
	// docker compose, played: `exec -T db CMD…` runs CMD against the cluster,
	// `ps` says which services run (none: the bot was stopped).
	bin := filepath.Join(base, "bin")
	if err := os.Mkdir(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	running := filepath.Join(base, "running")
	fake := `#!/usr/bin/env bash
[ "$1" = compose ] || exit 90
case "$2" in
ps) cat "` + running + `" 2>/dev/null; exit 0 ;;
exec) [ "$3" = -T ] && [ "$4" = db ] || exit 91; shift 4; exec "$@" ;;
esac
exit 92
`
	if err := os.WriteFile(filepath.Join(bin, "docker"), []byte(fake), 0o755); err != nil {
		t.Fatal(err)
	}
	composeEnv := []string{"PATH=" + bin + ":" + os.Getenv("PATH"), fmt.Sprintf("PGHOST=%s", cluster.SocketDir), fmt.Sprintf("PGPORT=%d", cluster.Port)}

	// Refusals first: into a database in use; compose without --replace;
	// while the bot runs.
	if code, out := script(t, []string{"DATABASE_URL=" + sourceURL}, "scripts/restore.sh", dump); code != 1 || !strings.Contains(out, "empty database only") {
		t.Errorf("restore over the database in use: %d %s", code, out)
	}
	if code, out := script(t, composeEnv, "scripts/restore.sh", "--compose", dump); code != 2 || !strings.Contains(out, "--replace") {
		t.Errorf("restore --compose without --replace: %d %s", code, out)
	}
	_ = os.WriteFile(running, []byte("db\nbot\n"), 0o644)
	if code, out := script(t, composeEnv, "scripts/restore.sh", "--compose", "--replace", dump); code != 1 || !strings.Contains(out, "the bot is running") {
		t.Errorf("restore while the bot runs: %d %s", code, out)
	}
	_ = os.WriteFile(running, []byte("db\n"), 0o644)

	code, out = script(t, composeEnv, "scripts/restore.sh", "--compose", "--replace", dump)
	if code != 0 || !strings.Contains(out, "restore: restored") {
		t.Fatalf("restore.sh --compose: exit %d\n%s", code, out)
	}
	source, err := sql.Open("postgres", sourceURL)
	if err != nil {
		t.Fatal(err)
	}
	defer source.Close()
	restoredURL := cluster.URL("tianbao")
	restored, err := sql.Open("postgres", restoredURL)
	if err != nil {
		t.Fatal(err)
	}
	defer restored.Close()

	// 1. Every row restored is the source's, exactly (answers and files are
	// written once in this script, submissions and audit rows never change).
	for table, q := range backedUp {
		src := rowsOf(t, source, q)
		got := rowsOf(t, restored, q)
		sorted := sortedCopy(src)
		for _, r := range got {
			if _, found := slices.BinarySearch(sorted, r); !found {
				t.Errorf("%s: a restored row is not the source's: %s", table, r)
				break
			}
		}
		if len(got) == 0 {
			t.Errorf("%s: nothing restored", table)
		}
	}
	// 2. The backup is one moment: the source went on after it.
	n := func(db *sql.DB, q string) int {
		var v int
		if err := db.QueryRow(q).Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	if s, r := n(source, `SELECT count(*) FROM answers`), n(restored, `SELECT count(*) FROM answers`); r >= s {
		t.Errorf("the backup holds %d answers of the source's %d: not taken while the counties answered", r, s)
	}
	// 3. Everything acknowledged before the backup began is in it, every
	// document whole: each one with its file has its other answers, and
	// its file, byte for byte (the sha256 taken at upload).
	for i, unit := range counties {
		docs := n(restored, `SELECT count(*) FROM answers WHERE unit_code = '`+unit+`' AND form_id = 'policies' AND field_id = 'file'`)
		if int64(docs) < before[i] {
			t.Errorf("%s: %d documents restored, %d were acknowledged before the backup began", unit, docs, before[i])
		}
		if half := n(restored, `SELECT count(*) FROM answers f WHERE f.unit_code = '`+unit+`' AND f.form_id = 'policies' AND f.field_id = 'file'
			AND (SELECT count(*) FROM answers o WHERE (o.campaign_id, o.unit_code, o.form_id, o.section_id, o.row_key) = (f.campaign_id, f.unit_code, f.form_id, f.section_id, f.row_key)) <> 5`); half != 0 {
			t.Errorf("%s: %d document(s) restored without all their answers", unit, half)
		}
	}
	if bad := n(restored, `SELECT count(*) FROM answers a WHERE a.field_id = 'file' AND NOT EXISTS (
			SELECT 1 FROM files f WHERE 'file:' || f.id = a.value::jsonb->>'ref' AND f.sha256 = encode(sha256(f.content), 'hex') AND f.size = length(f.content))`); bad != 0 {
		t.Errorf("%d answered file(s) missing or not whole after the restore", bad)
	}
	if s := n(restored, `SELECT count(*) FROM submissions WHERE form_id = 'a3' AND status = 'submitted'`); s != len(counties) {
		t.Errorf("%d submissions of 附件3 restored, want %d", s, len(counties))
	}

	// 4. The restored database serves the program as it was.
	t.Setenv("DATABASE_URL", restoredURL)
	code, out, errs := tianbao(t, "/start\n", "console", "--unit", counties[0], "--name", "填报0")
	if code != 0 || !strings.Contains(out, "附件3（已提交）") || !strings.Contains(out, "政策措施") {
		t.Errorf("console on the restored database: %d\n%s\n%s", code, out, errs)
	}

	// 5. And back: a backup through compose of the restored database,
	// restored with DATABASE_URL into an empty database, is the same.
	dump2 := filepath.Join(dir, "again.dump")
	if code, out := script(t, composeEnv, "scripts/backup.sh", "--compose", dump2); code != 0 {
		t.Fatalf("backup.sh --compose: exit %d\n%s", code, out)
	}
	if _, err := admin.Exec(`CREATE DATABASE again`); err != nil {
		t.Fatal(err)
	}
	againURL := strings.Replace(restoredURL, "dbname=tianbao", "dbname=again", 1)
	if code, out := script(t, []string{"DATABASE_URL=" + againURL}, "scripts/restore.sh", dump2); code != 0 {
		t.Fatalf("restore.sh into an empty database: exit %d\n%s", code, out)
	}
	again, err := sql.Open("postgres", againURL)
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	for table, q := range backedUp {
		if a, b := rowsOf(t, restored, q), rowsOf(t, again, q); !slices.Equal(a, b) {
			t.Errorf("%s differs after a second backup and restore (%d rows, %d rows)", table, len(a), len(b))
		}
	}
}

func sortedCopy(s []string) []string {
	c := slices.Clone(s)
	slices.Sort(c)
	return c
}
