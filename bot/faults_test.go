package bot_test

import (
	"context"
	"io"
	"net"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"tianbao/campaigns"
	"tianbao/catalog"
	"tianbao/store"
	"tianbao/store/storetest"
)

// dbProxy stands between the bot and PostgreSQL, and can stop: every
// connection is cut and new ones are refused, as the bot sees a database
// that is down, until it starts again.
type dbProxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	down   bool
	conns  map[net.Conn]bool
}

func newDBProxy(t testing.TB, target string) *dbProxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &dbProxy{ln: ln, target: target, conns: map[net.Conn]bool{}}
	t.Cleanup(func() { ln.Close(); p.stop() })
	go p.accept()
	return p
}

func (p *dbProxy) accept() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		down := p.down
		if !down {
			p.conns[c] = true
		}
		p.mu.Unlock()
		if down {
			c.Close() // refused, as a stopped server refuses
			continue
		}
		go p.pipe(c)
	}
}

func (p *dbProxy) pipe(c net.Conn) {
	s, err := net.Dial("tcp", p.target)
	if err != nil {
		c.Close()
		return
	}
	p.mu.Lock()
	p.conns[s] = true
	p.mu.Unlock()
	go func() { io.Copy(s, c); s.Close() }()
	io.Copy(c, s)
	c.Close()
}

// stop cuts every connection and refuses new ones.
func (p *dbProxy) stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = true
	for c := range p.conns {
		c.Close()
	}
	p.conns = map[net.Conn]bool{}
}

func (p *dbProxy) start() {
	p.mu.Lock()
	p.down = false
	p.mu.Unlock()
}

// viaProxy is a harness whose bot reaches its database through a proxy
// that can stop (the test reads the database directly).
func viaProxy(t *testing.T) (*harness, *dbProxy) {
	t.Helper()
	raw := storetest.URL(t)
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	proxy := newDBProxy(t, u.Host)
	u.Host = proxy.ln.Addr().String()
	h := newHarness(t)
	direct, err := store.Open(context.Background(), raw)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { direct.Close() })
	bot, err := store.Open(context.Background(), u.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { bot.Close() })
	h.db = bot
	h.reg = campaigns.NewRegistry(bot)
	if _, err := h.reg.Campaign(context.Background(), campaigns.BuiltinID); err != nil {
		t.Fatal(err)
	}
	h.direct = direct
	return h, proxy
}

// TestDatabaseStoppedMidUpdate: the database stops for four seconds while a
// contact answers three questions, one a moment after the other: the
// updates wait (the inbox, or Telegram, keeps them), the contact is told
// that they are being handled (正在处理，请稍候), never that they were not
// saved, and once the database is back each answer is applied once, in
// order, and answered.
func TestDatabaseStoppedMidUpdate(t *testing.T) {
	h, proxy := viaProxy(t)
	h.start("")
	p := h.member(14001, "张三", "330106")
	p.Press("附件3").Expect("新建成（家）")
	p.Say("5").Expect("改造提升（家）")
	proxy.stop()
	p.Say("0")
	time.Sleep(50 * time.Millisecond)
	p.Say("5")
	time.Sleep(50 * time.Millisecond)
	p.Say("100")
	time.Sleep(4 * time.Second)
	proxy.start()
	p.Expect("入小微园企业数（家）")
	var got []string
	if err := h.direct.SelectContext(context.Background(), &got, `SELECT target || '=' || new_value FROM audit_log
		WHERE unit_code = '330106' AND action = 'answer.set' ORDER BY id`); err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, ",") != "main//built=5,main//upgraded=0,main//mfg_count=5,main//mfg_land=100" {
		t.Errorf("applied %v", got)
	}
	busy := 0
	for _, e := range h.fake.Events(14001, 0) {
		if strings.Contains(e.Text, "没有保存") || strings.Contains(e.Text, "抱歉") {
			t.Errorf("told something that is not true: %q", e.Text)
		}
		if e.Text == catalog.Texts.Busy {
			busy++
		}
	}
	if busy != 1 {
		t.Errorf("told %d times that it is being handled, want once", busy)
	}
	for _, step := range []string{"✔ 按建设方式 · 改造提升（家）", "✔ 按园区类型 · 生产制造类 · 园区数量（个）", "✔ 按园区类型 · 生产制造类 · 占地面积（亩）"} {
		n := 0
		for _, e := range h.fake.Events(14001, 0) {
			if strings.Contains(e.Text, step) {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%q answered %d times", step, n)
		}
	}
}

// TestFullDiskSaysSoOnce: the database's disk is full (every write refused
// with disk_full, made here by a trigger): the contact is told once, in a
// short message, and the answer is applied once space is back, without a
// stack of retries in the chat or an apology.
func TestFullDiskSaysSoOnce(t *testing.T) {
	h := newHarness(t)
	h.start("")
	p := h.member(14101, "张三", "330106")
	p.Press("附件3").Expect("新建成（家）")
	ctx := context.Background()
	if _, err := h.db.ExecContext(ctx, `CREATE FUNCTION full_disk() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN RAISE EXCEPTION 'could not extend file "base/16384/16385": No space left on device' USING ERRCODE = 'disk_full'; END $$;
		CREATE TRIGGER full_disk BEFORE INSERT ON inbox FOR EACH ROW EXECUTE FUNCTION full_disk();
		CREATE TRIGGER full_disk BEFORE INSERT ON processed_inputs FOR EACH ROW EXECUTE FUNCTION full_disk();`); err != nil {
		t.Fatal(err)
	}
	p.Say("5").Expect(catalog.Texts.DiskFull)
	time.Sleep(3 * time.Second)
	if _, err := h.db.ExecContext(ctx, `DROP TRIGGER full_disk ON inbox; DROP TRIGGER full_disk ON processed_inputs`); err != nil {
		t.Fatal(err)
	}
	p.Expect("✔ 按建设方式 · 新建成（家）：5 家", "改造提升（家）")
	full := 0
	for _, e := range h.fake.Events(14101, 0) {
		if e.Text == catalog.Texts.DiskFull {
			full++
		}
		if strings.Contains(e.Text, "抱歉") || strings.Contains(e.Text, "没有保存") {
			t.Errorf("told %q", e.Text)
		}
	}
	if full != 1 {
		t.Errorf("told %d times that the disk is full, want once", full)
	}
	if n := h.count(`SELECT count(*) FROM audit_log WHERE target = 'main//built'`); n != 1 {
		t.Errorf("applied %d times", n)
	}
}
