package main

import (
	"archive/zip"
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"tianbao/store/pgcluster"
	"tianbao/store/storetest"
)

// TestMain runs the tests, or, when a test re-executes this binary with
// TIANBAO_BE_MAIN=1, the program itself: a real process to kill.
func TestMain(m *testing.M) {
	if os.Getenv("TIANBAO_BE_MAIN") == "1" {
		main()
		return
	}
	storetest.Main(m)
}

// tianbao runs the program in-process and returns its exit code and output.
func tianbao(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func TestHelpEverywhere(t *testing.T) {
	code, out, _ := tianbao(t, "", "help")
	if code != 0 || !strings.Contains(out, "console") || !strings.Contains(out, "campaign") {
		t.Fatalf("help: %d\n%s", code, out)
	}
	for _, c := range commands() {
		if c.run == nil {
			continue
		}
		code, out, errs := tianbao(t, "", c.name, "-h")
		if code != 0 || !strings.Contains(out, "Usage: tianbao "+c.name) {
			t.Errorf("%s -h: exit %d, stdout %q, stderr %q", c.name, code, out, errs)
		}
	}
	if code, _, errs := tianbao(t, "", "frobnicate"); code != 2 || !strings.Contains(errs, "unknown command") {
		t.Errorf("unknown command: %d %q", code, errs)
	}
}

func TestCampaignCheck(t *testing.T) {
	code, out, _ := tianbao(t, "", "campaign", "check", "../../campaigns/zj-2018-14.yaml")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, out)
	}
	for _, want := range []string{"form a1", "form a2", "form a3", "form policies", "form a4",
		"section completed  list   可建成", "section targets    table", "9 fields, 7 rules"} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in:\n%s", want, out)
		}
	}
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("id: x\ntitle: y\nunits: {file: none.tsv, root: {code: \"330000\", name: 浙江省}}\nforms:\n  - id: f\n    title: t\n    levels: [county]\n    due: {county: \"2018-13-01\"}\n    sections:\n      - {id: s, kind: record, fields: [{id: a, label: 甲, type: integr}]}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := tianbao(t, "", "campaign", "check", bad)
	if code != 1 {
		t.Errorf("a broken file exits %d, want 1", code)
	}
	// The problems are on stderr (a script keeping 2> keeps them), none on
	// stdout.
	for _, want := range []string{bad + ":3:15: units file \"none.tsv\" not found", bad + ":8:19: due date \"2018-13-01\"", bad + ":10:64: unknown field type \"integr\""} {
		if !strings.Contains(errs, want) {
			t.Errorf("missing %q in stderr:\n%s", want, errs)
		}
	}
	if out != "" {
		t.Errorf("a broken file printed on stdout:\n%s", out)
	}
	if !strings.Contains(errs, "nothing was loaded") {
		t.Errorf("stderr: %q", errs)
	}
}

func useTestDatabase(t *testing.T) {
	t.Helper()
	t.Setenv("DATABASE_URL", storetest.URL(t))
}

func TestUnitsAndCampaignLoad(t *testing.T) {
	useTestDatabase(t)
	code, out, errs := tianbao(t, "", "units", "--campaign", "zj-2018-14")
	if code != 0 {
		t.Fatalf("units: %d %s", code, errs)
	}
	if !strings.Contains(out, "1 province, 11 cities, 89 counties") || !strings.Contains(out, "    330106  西湖区") || !strings.Contains(out, "  330100  杭州市") {
		t.Errorf("units output:\n%s", out)
	}
	code, out, _ = tianbao(t, "", "campaign", "load", "../../campaigns/zj-2018-14.yaml")
	if code != 0 || !strings.Contains(out, "unchanged at version 1") {
		t.Errorf("reloading the built-in file: %d %s", code, out)
	}
	code, out, _ = tianbao(t, "", "campaign", "list")
	if code != 0 || !strings.Contains(out, "zj-2018-14") || !strings.Contains(out, "101 units") {
		t.Errorf("list: %d %s", code, out)
	}
}

func TestConsoleAndExport(t *testing.T) {
	useTestDatabase(t)
	// Buttons by number, by label beginning; answers typed, one per line.
	code, out, errs := tianbao(t, "附件3\n6\n0\n6\n600\n300\n", "console", "--unit", "330106", "--name", "张三")
	if code != 0 {
		t.Fatalf("console: %d %s", code, errs)
	}
	for _, want := range []string{"您好，张三（西湖区）", "[1.3] 附件3（未开始）", "✔ 按建设方式 · 新建成（家）：6 家", "入小微园企业数（家）（第 5/9 项）", "✔ 按园区类型 · 生产制造类 · 入小微园企业数（家）：300 家"} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in:\n%s", want, out)
		}
	}
	// The next run continues the same draft, where it stopped.
	code, out, _ = tianbao(t, "0\n", "console", "--unit", "330106", "--name", "张三")
	if code != 0 || !strings.Contains(out, "生产性服务等其他类 · 园区数量（个）（第 6/9 项）") {
		t.Fatalf("second run: %d\n%s", code, out)
	}
	tianbao(t, "0\n0\n400\n", "console", "--unit", "330106", "--name", "张三")
	code, out, _ = tianbao(t, "", "export", "--campaign", "zj-2018-14", "--unit", "330106", "--form", "a3", "--format", "csv")
	want := "按建设方式·新建成（家）,按建设方式·改造提升（家）,按园区类型·生产制造类·园区数量（个）,按园区类型·生产制造类·占地面积（亩）,按园区类型·生产制造类·入小微园企业数（家）,按园区类型·生产性服务等其他类·园区数量（个）,按园区类型·生产性服务等其他类·建筑面积（万平米）,按园区类型·生产性服务等其他类·入小微园企业数（家）,2018-2022入园企业目标数（家）\n6,0,6,600,300,0,0,0,400\n"
	if code != 0 || out != want {
		t.Errorf("export: %d\n%s\nwant:\n%s", code, out, want)
	}
	if code, _, errs := tianbao(t, "", "console", "--unit", "999999"); code != 1 || !strings.Contains(errs, "unit 999999 is not in campaign") {
		t.Errorf("unknown unit: %d %q", code, errs)
	}
}

// TestMigrateWithPrivateCluster is the first run on a machine with only the
// PostgreSQL package: DATABASE_URL unset, the program runs its own cluster.
func TestMigrateWithPrivateCluster(t *testing.T) {
	t.Setenv("DATABASE_URL", "")
	base, err := os.MkdirTemp("", "tianbao-cli-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(base)
	if err := os.Chmod(base, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("TIANBAO_DATA", filepath.Join(base, "data"))
	for i := 0; i < 2; i++ {
		code, out, errs := tianbao(t, "", "migrate")
		if code != 0 || !strings.Contains(out, "database schema at version") {
			t.Fatalf("migrate run %d: exit %d\n%s\n%s", i+1, code, out, errs)
		}
	}
	code, out, _ := tianbao(t, "", "units")
	if code != 0 || !strings.Contains(out, "89 counties") {
		t.Errorf("units on the private cluster: %d %s", code, out)
	}
}

func TestConsoleReviewerAndExports(t *testing.T) {
	useTestDatabase(t)
	dir := t.TempDir()
	pdf := filepath.Join(dir, "意见.pdf")
	if err := os.WriteFile(pdf, []byte("%PDF-1.4 policy"), 0o644); err != nil {
		t.Fatal(err)
	}
	// The reviewer exists before the county submits, so the request reaches them.
	if code, out, _ := tianbao(t, "", "console", "--unit", "330100", "--role", "reviewer", "--name", "李审核"); code != 0 || !strings.Contains(out, "杭州市") {
		t.Fatalf("reviewer console: %d %s", code, out)
	}
	script := "政策措施\n添加\n关于加快小微企业园建设的意见\n/skip\n西湖区人民政府\n2018-09-15\n/file " + pdf + "\n本部分填完了\n提交\n"
	if code, out, _ := tianbao(t, script, "console", "--unit", "330106", "--name", "张三"); code != 0 || !strings.Contains(out, "已提交") {
		t.Fatalf("county console: %d\n%s", code, out)
	}
	code, out, _ := tianbao(t, "通过\n/summary\n", "console", "--unit", "330100", "--role", "reviewer", "--name", "李审核")
	if code != 0 || !strings.Contains(out, "📨") || !strings.Contains(out, "【待审核】西湖区 提交了《政策措施") ||
		!strings.Contains(out, "✅ 已通过：西湖区") || !strings.Contains(out, "📊 杭州市 填报进度") {
		t.Fatalf("reviewer: %d\n%s", code, out)
	}
	xlsx := filepath.Join(dir, "hz.xlsx")
	if code, _, errs := tianbao(t, "", "export", "--unit", "330100", "--out", xlsx); code != 0 {
		t.Fatalf("export xlsx: %s", errs)
	}
	f, err := excelize.OpenFile(xlsx)
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := f.GetCellValue("政策措施", "C3"); v != "关于加快小微企业园建设的意见" {
		rows, _ := f.GetRows("政策措施")
		t.Errorf("政策措施 rows: %q", rows)
	}
	f.Close()
	zipPath := filepath.Join(dir, "hz.zip")
	if code, _, errs := tianbao(t, "", "export", "--unit", "330100", "--format", "zip", "--out", zipPath); code != 0 {
		t.Fatalf("export zip: %s", errs)
	}
	zr, err := zip.OpenReader(zipPath)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, zf := range zr.File {
		names = append(names, zf.Name)
	}
	zr.Close()
	if strings.Join(names, ",") != "zj-2018-14-杭州市.xlsx,文件/杭州市西湖区/政策措施-1-意见.pdf" {
		t.Errorf("zip entries %v", names)
	}
	csvPath := filepath.Join(dir, "p.csv")
	if code, _, _ := tianbao(t, "", "export", "--unit", "330100", "--form", "policies", "--out", csvPath); code != 0 {
		t.Fatal("export csv")
	}
	b, _ := os.ReadFile(csvPath)
	if !strings.HasPrefix(string(b), "\uFEFF所属地区,序号,文件名称") || !strings.Contains(string(b), "杭州市西湖区,1,关于加快小微企业园建设的意见,,西湖区人民政府,2018-09-15,意见.pdf") {
		t.Errorf("subtree csv:\n%s", b)
	}
	// A filler cannot export from the console.
	if _, out, _ := tianbao(t, "/export\n", "console", "--unit", "330106", "--name", "张三"); !strings.Contains(out, "只有审核人和管理员可以导出汇总表") {
		t.Errorf("filler export: %s", out)
	}
}

// TestConsoleFileAndCheckAtTheEdges: /file and campaign check judge a path
// before reading it (D12): a missing file, a device, a FIFO and a file
// over 20 MB get a message in Chinese, at once, and the dialog goes on.
func TestConsoleFileAndCheckAtTheEdges(t *testing.T) {
	useTestDatabase(t)
	dir := t.TempDir()
	fifo := filepath.Join(dir, "plan.pdf")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	huge := filepath.Join(dir, "huge.pdf")
	f, err := os.Create(huge)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(4 << 30); err != nil { // sparse: 4 GB that take no room
		t.Fatal(err)
	}
	f.Close()
	script := "附件4\n本地单独编制\n/file " + filepath.Join(dir, "nofile.pdf") + "\n/file /dev/zero\n/file " + fifo + "\n/file " + huge + "\n"
	done := make(chan struct{})
	var code int
	var out string
	go func() {
		defer close(done)
		code, out, _ = tianbao(t, script, "console", "--unit", "330106", "--name", "张三")
	}()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("the console hangs on a file it should not read")
	}
	for _, want := range []string{"找不到或无法读取文件", "「/dev/zero」不是普通文件", "plan.pdf」不是普通文件", "文件太大（4096.0 MB）", "正式规划文本（第 2/2 项）"} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in:\n%s", want, out)
		}
	}
	if code != 0 || strings.Contains(out, "cannot read") || strings.Contains(out, "no such file") {
		t.Errorf("console: %d\n%s", code, out)
	}
	for _, path := range []string{"/dev/zero", fifo} {
		code, _, errs := tianbao(t, "", "campaign", "check", path)
		if code != 1 || !strings.Contains(errs, "is not a regular file") {
			t.Errorf("campaign check %s: %d %q", path, code, errs)
		}
	}
}

// TestConsoleParity: the console speaks the dialog as the bot does (UX
// defect 20): any printed message's buttons can be pressed (m.n), not only
// the last one's; /invite works; what the bot would send as a file is
// written under ./exports.
func TestConsoleParity(t *testing.T) {
	useTestDatabase(t)
	t.Chdir(t.TempDir()) // ./exports goes here
	if code, _, _ := tianbao(t, "", "console", "--unit", "330100", "--role", "reviewer", "--name", "李审核"); code != 0 {
		t.Fatal("reviewer console")
	}
	a3 := "附件3\n2\n0\n2\n100\n50\n0\n0\n0\n100\n提交\n"
	for _, unit := range []string{"330106", "330102"} {
		if code, out, _ := tianbao(t, a3, "console", "--unit", unit, "--name", "联系人"+unit); code != 0 || !strings.Contains(out, "已提交") {
			t.Fatalf("county %s: %d\n%s", unit, code, out)
		}
	}
	// Two requests arrive after the start screen; the earlier one is pressed
	// by its number, though a later message is on screen.
	code, out, _ := tianbao(t, "2.1\n", "console", "--unit", "330100", "--role", "reviewer", "--name", "李审核")
	if code != 0 || !strings.Contains(out, "[2.1] ✅ 通过") || !strings.Contains(out, "[3.1] ✅ 通过") || !strings.Contains(out, "✅ 已通过：西湖区《附件3") {
		t.Fatalf("pressing an earlier message:\n%s", out)
	}
	// /invite: the unit, the role, then what to send the bot.
	code, out, _ = tianbao(t, "/invite\n上城区\n填报人\n", "console", "--unit", "330100", "--role", "reviewer", "--name", "李审核")
	if code != 0 || !strings.Contains(out, "要邀请哪个单位的联系人？") || !strings.Contains(out, "请把下面的邀请链接发给上城区的填报人") ||
		!strings.Contains(out, "在 Telegram 中向本机器人发送：/start ") || strings.Contains(out, "没有这个命令") {
		t.Fatalf("/invite:\n%s", out)
	}
	// The chart the bot would send as a photo is a PNG under ./exports.
	code, out, _ = tianbao(t, "/summary\n📈\n", "console", "--unit", "330100", "--role", "reviewer", "--name", "李审核")
	i := strings.Index(out, "已保存：")
	if code != 0 || i < 0 {
		t.Fatalf("chart:\n%s", out)
	}
	path := strings.TrimSpace(strings.SplitN(out[i+len("已保存："):], "\n", 2)[0])
	png, err := os.ReadFile(path)
	if err != nil || !bytes.HasPrefix(png, []byte("\x89PNG\r\n\x1a\n")) || !strings.HasPrefix(path, filepath.Join(mustGetwd(t), "exports")) {
		t.Errorf("chart file %s: %v", path, err)
	}
	// A filler's /invite is refused in Chinese, with the filler's commands.
	if _, out, _ := tianbao(t, "/invite\n/bogus\n", "console", "--unit", "330106", "--name", "联系人330106"); !strings.Contains(out, "只有审核人可以邀请联系人") ||
		!strings.Contains(out, "没有这个命令。命令：/start 首页") || strings.Contains(out, "/summary 进度") {
		t.Errorf("filler /invite:\n%s", out)
	}
}

func mustGetwd(t *testing.T) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	return wd
}

// TestDatabasePasswordFile: compose gives the database password as a
// mounted secret file, with the host file's mode (0644 under the usual
// umask: lib/pq ignores a pgpass file like that). DATABASE_PASSWORD_FILE
// is read by tianbao itself, against a server that checks passwords
// (scram-sha-256), in both forms of DATABASE_URL.
func TestDatabasePasswordFile(t *testing.T) {
	ctx := context.Background()
	base, err := os.MkdirTemp("", "tianbao-pw-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(base)
	if err := os.Chmod(base, 0o755); err != nil { // the postgres account walks in when tests run as root
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	c, err := pgcluster.Start(ctx, filepath.Join(base, "data"), pgcluster.Options{Port: port})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Stop(ctx)
	admin, err := sql.Open("postgres", c.URL("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	for _, q := range []string{`CREATE ROLE tianbao LOGIN PASSWORD 'Ünï-pw''s 1'`, `CREATE DATABASE tianbao OWNER tianbao`} {
		if _, err := admin.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	hba := filepath.Join(c.Dir, "pgdata", "pg_hba.conf")
	if err := os.WriteFile(hba, []byte("local all all trust\nhost all all 127.0.0.1/32 scram-sha-256\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.ExecContext(ctx, `SELECT pg_reload_conf()`); err != nil {
		t.Fatal(err)
	}
	secret := func(content string, mode os.FileMode) string {
		p := filepath.Join(base, fmt.Sprintf("db_password-%o-%d", mode, len(content)))
		if err := os.WriteFile(p, []byte(content), mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	urls := []string{fmt.Sprintf("postgres://tianbao@127.0.0.1:%d/tianbao?sslmode=disable", port),
		fmt.Sprintf("host=127.0.0.1 port=%d user=tianbao dbname=tianbao sslmode=disable", port)}
	for _, u := range urls {
		t.Setenv("DATABASE_URL", u)
		t.Setenv("DATABASE_PASSWORD_FILE", "")
		if code, _, errs := tianbao(t, "", "migrate"); code != 1 || !strings.Contains(errs, "password authentication failed") {
			t.Fatalf("without the password (%s): %d %s", u, code, errs)
		}
		for _, mode := range []os.FileMode{0o644, 0o444} {
			t.Setenv("DATABASE_PASSWORD_FILE", secret("Ünï-pw's 1\n", mode))
			if code, out, errs := tianbao(t, "", "migrate"); code != 0 || !strings.Contains(out, "database schema at version") {
				t.Errorf("password file %o (%s): %d %s", mode, u, code, errs)
			}
		}
		t.Setenv("DATABASE_PASSWORD_FILE", secret("wrong\n", 0o644))
		if code, _, errs := tianbao(t, "", "migrate"); code != 1 || !strings.Contains(errs, "password authentication failed") {
			t.Errorf("a wrong password: %d %s", code, errs)
		}
	}
	t.Setenv("DATABASE_PASSWORD_FILE", filepath.Join(base, "nothere"))
	if code, _, errs := tianbao(t, "", "migrate"); code != 2 || !strings.Contains(errs, "DATABASE_PASSWORD_FILE") {
		t.Errorf("a missing password file: %d %s", code, errs)
	}
}

// TestCommandLineMistakes: a mistake is explained first, on stderr, then
// the usage, also on stderr, with exit 2; nothing lands on standard output,
// where a CSV may be going (newcomer trial D4).
func TestCommandLineMistakes(t *testing.T) {
	useTestDatabase(t)
	for _, c := range []struct {
		args []string
		why  string
	}{
		{[]string{"export", "--unit", "330100"}, "tianbao export: --out is required for xlsx"},
		{[]string{"export", "--unit", "330106", "--frm", "a3"}, "tianbao export: flag provided but not defined: -frm"},
		{[]string{"export", "--unit", "330100", "--format", "csv"}, "tianbao export: --form is required for csv"},
		{[]string{"export", "--unit", "330100", "--format", "pdf"}, `tianbao export: --format "pdf": want xlsx, csv or zip`},
		{[]string{"export", "--unit", "330100", "--out", "x.pdf"}, "tianbao export: --out x.pdf: end the file's name in .xlsx, .csv or .zip"},
		{[]string{"export", "--unit", "330100", "--format", "csv", "--form", "a3", "--out", "x.xlsx"}, "tianbao export: --format csv contradicts --out x.xlsx"},
		{[]string{"export", "--form", "a3"}, "tianbao export: --unit is required"},
		{[]string{"console"}, "tianbao console: --unit is required"},
		{[]string{"console", "--unit", "330106", "--role", "boss"}, `tianbao console: --role "boss": want filler, reviewer or admin`},
		{[]string{"summary"}, "tianbao summary: --unit is required"},
		{[]string{"invite", "--unit", "330106", "--role", "boss", "--bot", "b"}, `tianbao invite: --role "boss"`},
		{[]string{"invite", "--unit", "330106", "--expires", "-1h", "--bot", "b"}, "tianbao invite: --expires -1h0m0s: want a positive duration"},
		{[]string{"campaign", "frob"}, `tianbao campaign: unknown campaign subcommand "frob"`},
		{[]string{"campaign"}, "tianbao campaign: say what to do"},
	} {
		code, out, errs := tianbao(t, "", c.args...)
		if code != 2 || out != "" || !strings.HasPrefix(errs, c.why) || !strings.Contains(errs, "\n\nUsage: tianbao "+c.args[0]) {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", c.args, code, out, errs)
		}
	}
	t.Setenv("LOG_LEVEL", "verbose")
	if code, _, errs := tianbao(t, "", "migrate"); code != 2 || !strings.Contains(errs, `LOG_LEVEL="verbose": want debug, info, warn or error`) {
		t.Errorf("LOG_LEVEL=verbose: %d %q", code, errs)
	}
	t.Setenv("LOG_LEVEL", "")
	// -h is not a mistake: the usage on stdout, exit 0.
	if code, out, errs := tianbao(t, "", "export", "-h"); code != 0 || !strings.HasPrefix(out, "Usage: tianbao export") || errs != "" || strings.Contains(out, "`") {
		t.Errorf("export -h: %d %q %q", code, out, errs)
	}
	if _, out, _ := tianbao(t, "", "console", "-h"); !strings.Contains(out, "-unit CODE") || strings.Contains(out, "-unit tianbao") {
		t.Errorf("console -h placeholders:\n%s", out)
	}
	// help: the summaries in one column, export's true.
	_, out, _ := tianbao(t, "", "help")
	col := -1
	for _, line := range strings.Split(out, "\n") {
		if name, rest, ok := strings.Cut(strings.TrimPrefix(line, "  "), " "); ok && strings.HasPrefix(line, "  ") && name != "" && !strings.HasPrefix(name, "(") {
			at := len(line) - len(strings.TrimLeft(rest, " "))
			if col >= 0 && at != col {
				t.Errorf("help is not aligned at %q", line)
			}
			col = at
		}
	}
	if !strings.Contains(out, "export       write the notice's tables as XLSX (the default)") {
		t.Errorf("help's export line:\n%s", out)
	}
}

// TestExportFollowsTheFileName: the file's extension is its format
// (newcomer trial D3); --form narrows an XLSX to that form's sheet.
func TestExportFollowsTheFileName(t *testing.T) {
	useTestDatabase(t)
	dir := t.TempDir()
	tianbao(t, "附件3\n6\n0\n6\n600\n300\n", "console", "--unit", "330106", "--name", "张三")
	for _, c := range []struct {
		args  []string
		magic string
	}{
		{[]string{"--out", filepath.Join(dir, "x.csv"), "--form", "a3"}, "\uFEFF"},
		{[]string{"--out", filepath.Join(dir, "a3.xlsx"), "--form", "a3"}, "PK"},
		{[]string{"--out", filepath.Join(dir, "all.XLSX")}, "PK"},
		{[]string{"--out", filepath.Join(dir, "all.zip")}, "PK"},
	} {
		code, out, errs := tianbao(t, "", append([]string{"export", "--unit", "330100"}, c.args...)...)
		if code != 0 || out != "" || !strings.Contains(errs, "wrote ") {
			t.Fatalf("export %v: %d %q %q", c.args, code, out, errs)
		}
		b, err := os.ReadFile(c.args[1])
		if err != nil || !bytes.HasPrefix(b, []byte(c.magic)) {
			t.Errorf("%s: starts %q (%v), want %q", c.args[1], b[:min(len(b), 4)], err, c.magic)
		}
	}
	b, _ := os.ReadFile(filepath.Join(dir, "x.csv"))
	if !strings.HasPrefix(string(b), "\uFEFF所属地区,按建设方式·新建成（家）") {
		t.Errorf("csv by extension:\n%s", b)
	}
	f, err := excelize.OpenFile(filepath.Join(dir, "a3.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := strings.Join(f.GetSheetList(), ","); got != "附件3,填报情况" {
		t.Errorf("--form a3 gave sheets %s", got)
	}
}

// TestConsoleCtrlC: Ctrl-C while the console waits for a line leaves at
// once, with exit status 130 and the draft as the last answer left it;
// Ctrl-D (the end of input) ends the session with 0; an overlong line is
// refused in Chinese and the session goes on (newcomer trial D7, D11).
func TestConsoleCtrlC(t *testing.T) {
	url := storetest.URL(t)
	cmd := exec.Command(os.Args[0], "console", "--unit", "330106", "--name", "张三")
	cmd.Env = append(os.Environ(), "TIANBAO_BE_MAIN=1", "DATABASE_URL="+url, "LOG_LEVEL=warn")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	fmt.Fprint(stdin, "附件3\n"+strings.Repeat("x", 100<<10)+"\n5\n")
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(out.String(), "改造提升（家）（第 2/9 项）") {
		if time.Now().After(deadline) {
			t.Fatalf("the console did not answer:\n%s", out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 130 {
			t.Errorf("after Ctrl-C: %v, want exit status 130", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("Ctrl-C did not end the console:\n%s", out.String())
	}
	if !strings.Contains(out.String(), "这一行超过 64 KB，没有处理") {
		t.Errorf("the long line:\n%s", out.String())
	}
	// The answer before Ctrl-C is kept; the next run continues after it,
	// and the end of input (Ctrl-D) ends it with 0.
	t.Setenv("DATABASE_URL", url)
	code, o, _ := tianbao(t, "/start\n附件3\n", "console", "--unit", "330106", "--name", "张三")
	if code != 0 || !strings.Contains(o, "改造提升（家）（第 2/9 项）") {
		t.Errorf("after Ctrl-C: %d\n%s", code, o)
	}
}

// syncBuffer is a bytes.Buffer safe for a process's output and a test's reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestTwoConsolesOnePrivateCluster: two consoles on one TIANBAO_DATA (no
// DATABASE_URL). The first, which started the cluster, exits first; the
// second goes on using it, and when it exits too the cluster is stopped
// (newcomer trial D6).
func TestTwoConsolesOnePrivateCluster(t *testing.T) {
	if _, err := pgcluster.FindBinaries(); err != nil {
		t.Fatal(err) // the README's promise: PostgreSQL's programs are all a machine needs
	}
	base, err := os.MkdirTemp("", "tb-two-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(base)
	if err := os.Chmod(base, 0o755); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(base, "data")
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "DATABASE_URL=") {
			env = append(env, kv)
		}
	}
	env = append(env, "TIANBAO_BE_MAIN=1", "TIANBAO_DATA="+data, "LOG_LEVEL=info")
	type consoleProc struct {
		cmd   *exec.Cmd
		stdin io.WriteCloser
		out   *syncBuffer
	}
	start := func(unit string) *consoleProc {
		cmd := exec.Command(os.Args[0], "console", "--unit", unit, "--name", "联系人"+unit)
		cmd.Env = env
		in, err := cmd.StdinPipe()
		if err != nil {
			t.Fatal(err)
		}
		out := &syncBuffer{}
		cmd.Stdout, cmd.Stderr = out, out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
		return &consoleProc{cmd, in, out}
	}
	waitFor := func(p *consoleProc, want string) {
		t.Helper()
		deadline := time.Now().Add(90 * time.Second)
		for !strings.Contains(p.out.String(), want) {
			if time.Now().After(deadline) {
				t.Fatalf("waiting for %q:\n%s", want, p.out.String())
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	a := start("330106")
	waitFor(a, "请选择要填写的表格")
	b := start("330102")
	waitFor(b, "请选择要填写的表格")
	if !strings.Contains(b.out.String(), "using the private PostgreSQL cluster already running") {
		t.Fatalf("the second console did not join the first's cluster:\n%s", b.out.String())
	}
	a.stdin.Close() // Ctrl-D: the first, which started the cluster, leaves
	if err := a.cmd.Wait(); err != nil {
		t.Fatalf("first console: %v\n%s", err, a.out.String())
	}
	fmt.Fprint(b.stdin, "附件3\n5\n")
	waitFor(b, "改造提升（家）（第 2/9 项）")
	b.stdin.Close()
	if err := b.cmd.Wait(); err != nil {
		t.Fatalf("second console: %v\n%s", err, b.out.String())
	}
	if strings.Contains(b.out.String(), "系统出了点问题") {
		t.Errorf("the cluster went away under the second console:\n%s", b.out.String())
	}
	if _, err := os.Stat(filepath.Join(data, "pgdata", "postmaster.pid")); err == nil {
		t.Errorf("the last console to exit left the cluster running")
	}
}

// TestStrayArguments: a word a command does not take is a mistake on the
// command line (exit 2, said on stderr with the usage), never ignored; so
// is an option after it, which flag parsing would otherwise stop before
// (newcomer trial turn 3, D12).
func TestStrayArguments(t *testing.T) {
	for _, args := range [][]string{
		{"migrate", "extra"},
		{"units", "extra"},
		{"serve", "extra"},
		{"doctor", "now"},
		{"healthcheck", "x"},
		{"summary", "--unit", "330106", "330108"},
		{"export", "--unit", "330106", "--form", "a3", "stray-arg"},
		{"export", "--unit", "330106", "stray", "--form", "a3"},
		{"console", "--unit", "330106", "张三"},
		{"invite", "--unit", "330106", "reviewer"},
		{"remind", "--dry-run", "2018-12-07"},
	} {
		code, out, errs := tianbao(t, "", args...)
		if code != 2 || out != "" || !strings.Contains(errs, "unexpected argument") || !strings.Contains(errs, "Usage: tianbao "+args[0]) {
			t.Errorf("%q: exit %d, stdout %q, stderr %q", args, code, out, errs)
		}
	}
	// The campaign command's own words are still taken.
	if code, _, errs := tianbao(t, "", "campaign", "check", "../../campaigns/zj-2018-14.yaml", "extra"); code != 2 || !strings.Contains(errs, "takes one FILE") {
		t.Errorf("campaign check FILE extra: %d %q", code, errs)
	}
}

// TestDurationExamples: a duration Go cannot read gets an example.
func TestDurationExamples(t *testing.T) {
	for _, v := range []string{"3d", "1 week", "soon"} {
		code, _, errs := tianbao(t, "", "invite", "--unit", "330106", "--expires", v)
		if code != 2 || !strings.Contains(errs, "e.g. 72h") {
			t.Errorf("--expires %s: exit %d, %q", v, code, errs)
		}
	}
	// Not for other flags: a bad number is not a duration.
	code, _, errs := tianbao(t, "", "console", "--unit", "330106", "--role=x", "--bogus")
	if code != 2 || strings.Contains(errs, "72h") {
		t.Errorf("a non-duration flag got the duration hint: %d %q", code, errs)
	}
}
