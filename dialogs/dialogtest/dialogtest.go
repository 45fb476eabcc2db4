// Package dialogtest scripts conversations with the engine for tests: say
// "…", press a button, expect "…", against a real database.
package dialogtest

import (
	"archive/zip"
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"tianbao/campaign"
	"tianbao/campaigns"
	"tianbao/dialogs"
	"tianbao/reminders"
	"tianbao/reports"
	"tianbao/store"
)

// Shanghai is the built-in campaign's time zone.
var Shanghai = mustZone("Asia/Shanghai")

func mustZone(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}

// Env is an engine over a test database with a settable clock.
type Env struct {
	T        testing.TB
	DB       *store.DB
	Registry *campaigns.Registry
	Engine   *dialogs.Engine
	Now      time.Time
	Turns    *store.TurnCounts // how the engine's turns were applied
}

// New makes an engine on db with the built-in campaign and the clock at now.
func New(t testing.TB, db *store.DB, now time.Time) *Env {
	e := &Env{T: t, DB: db, Registry: campaigns.NewRegistry(db), Now: now, Turns: &store.TurnCounts{}}
	e.Engine = &dialogs.Engine{Store: store.Dialogs{DB: db, Counts: e.Turns, Cache: store.NewTurnCache(1000)}, Campaigns: e.Registry, Now: func() time.Time { return e.Now },
		Summaries: reports.Summarizer{DB: db}, Nudges: reminders.Nudger{DB: db}, Sheets: reports.Templates{DB: db}}
	if _, err := e.Registry.Campaign(context.Background(), campaigns.BuiltinID); err != nil {
		t.Fatalf("install built-in campaign: %v", err)
	}
	return e
}

// Contact makes (or finds) a console contact of unit in the built-in
// campaign and opens a chat with it.
func (e *Env) Contact(unit, name string) *Chat {
	e.T.Helper()
	return e.ContactIn(campaigns.BuiltinID, unit, name)
}

// ContactIn is Contact for another campaign.
func (e *Env) ContactIn(campaignID, unit, name string) *Chat {
	e.T.Helper()
	return e.contact(campaignID, unit, name, dialogs.Filler)
}

// Reviewer makes (or finds) a reviewer of unit in the built-in campaign.
func (e *Env) Reviewer(unit, name string) *Chat {
	e.T.Helper()
	return e.contact(campaigns.BuiltinID, unit, name, dialogs.Reviewer)
}

// Admin makes (or finds) an admin of unit in the built-in campaign.
func (e *Env) Admin(unit, name string) *Chat {
	e.T.Helper()
	return e.contact(campaigns.BuiltinID, unit, name, dialogs.Admin)
}

// ContactAs makes (or finds) a contact with a role in any campaign.
func (e *Env) ContactAs(campaignID, unit, name string, role dialogs.Role) *Chat {
	e.T.Helper()
	return e.contact(campaignID, unit, name, role)
}

func (e *Env) contact(campaignID, unit, name string, role dialogs.Role) *Chat {
	e.T.Helper()
	id, err := e.DB.ConsoleContact(context.Background(), campaignID, unit, role, name)
	if err != nil {
		e.T.Fatal(err)
	}
	return &Chat{T: e.T, Engine: e.Engine, ID: id, DB: e.DB}
}

// Chat is one contact's conversation.
type Chat struct {
	T      testing.TB
	Engine *dialogs.Engine
	DB     *store.DB
	ID     int64
	Last   []dialogs.Reply
}

// SubmitA3 fills the built-in campaign's 附件3 with its nine figures in
// order and submits it.
func (c *Chat) SubmitA3(values ...string) *Chat {
	c.T.Helper()
	c.Say("/start").Press("附件3")
	for _, v := range values {
		c.Say(v)
	}
	return c.Expect("全部填写完毕").Press("✅ 提交").Expect("已提交")
}

// Inbox takes the contact's undelivered notifications as the last replies
// (so their buttons can be pressed) and marks them delivered.
func (c *Chat) Inbox() *Chat {
	c.T.Helper()
	ctx := context.Background()
	msgs, err := c.DB.PendingFor(ctx, c.ID)
	if err != nil {
		c.T.Fatal(err)
	}
	c.Last = nil
	for _, m := range msgs {
		c.Last = append(c.Last, m.Reply)
		if err := c.DB.OutboxSent(ctx, m.ID); err != nil {
			c.T.Fatal(err)
		}
	}
	return c
}

// Send applies one input and keeps the replies.
func (c *Chat) Send(in dialogs.Input) *Chat {
	c.T.Helper()
	in.ContactID = c.ID
	r, err := c.Engine.Handle(context.Background(), in)
	if err != nil {
		c.T.Fatalf("handle %+v: %v", in, err)
	}
	if len(r) == 0 {
		c.T.Fatalf("no reply to %+v", in)
	}
	c.Last = r
	return c
}

// Say types text.
func (c *Chat) Say(text string) *Chat {
	c.T.Helper()
	return c.Send(dialogs.Input{Text: text})
}

// Press presses the button of the last screen whose label is label, or
// starts with it if exactly one does.
func (c *Chat) Press(label string) *Chat {
	c.T.Helper()
	b, ok := c.Button(label)
	if !ok {
		c.T.Fatalf("no button %q on the screen:\n%s\nbuttons: %v", label, c.Text(), c.Labels())
	}
	return c.Send(dialogs.Input{Button: b.Data})
}

// Button finds a button of the last screen by label or unique beginning.
func (c *Chat) Button(label string) (dialogs.Button, bool) {
	var prefix []dialogs.Button
	for _, row := range c.screen().Buttons {
		for _, b := range row {
			if b.Label == label {
				return b, true
			}
			if strings.HasPrefix(b.Label, label) {
				prefix = append(prefix, b)
			}
		}
	}
	if len(prefix) == 1 {
		return prefix[0], true
	}
	return dialogs.Button{}, false
}

// Upload sends a file as a transport does: its name and size, and the
// content for when the engine wants it.
func (c *Chat) Upload(name string, content []byte) *Chat {
	c.T.Helper()
	return c.Send(dialogs.Input{File: &dialogs.FileInput{Name: name, Size: int64(len(content)),
		Load: func(context.Context) ([]byte, error) { return content, nil }}})
}

func (c *Chat) screen() dialogs.Reply {
	if len(c.Last) == 0 {
		return dialogs.Reply{}
	}
	return c.Last[len(c.Last)-1]
}

// Text is everything the last input made the engine say.
func (c *Chat) Text() string {
	var parts []string
	for _, r := range c.Last {
		parts = append(parts, r.Text)
	}
	return strings.Join(parts, "\n")
}

// Labels lists the buttons of the last screen.
func (c *Chat) Labels() []string {
	var out []string
	for _, row := range c.screen().Buttons {
		for _, b := range row {
			out = append(out, b.Label)
		}
	}
	return out
}

// Expect fails the test unless the last replies contain every part.
func (c *Chat) Expect(parts ...string) *Chat {
	c.T.Helper()
	text := c.Text()
	for _, p := range parts {
		if !strings.Contains(text, p) {
			c.T.Fatalf("expected %q in:\n%s", p, text)
		}
	}
	return c
}

// ExpectNot fails the test if the last replies contain any part.
func (c *Chat) ExpectNot(parts ...string) *Chat {
	c.T.Helper()
	text := c.Text()
	for _, p := range parts {
		if strings.Contains(text, p) {
			c.T.Fatalf("did not expect %q in:\n%s", p, text)
		}
	}
	return c
}

// Script runs lines: "> text" says text, "[label]" presses a button,
// anything else is expected in the replies.
func (c *Chat) Script(lines ...string) *Chat {
	c.T.Helper()
	for _, l := range lines {
		switch {
		case strings.HasPrefix(l, "> "):
			c.Say(strings.TrimPrefix(l, "> "))
		case strings.HasPrefix(l, "[") && strings.HasSuffix(l, "]"):
			c.Press(l[1 : len(l)-1])
		default:
			c.Expect(l)
		}
	}
	return c
}

// Builtin loads the built-in campaign without a database.
func Builtin(t testing.TB) *campaign.Campaign {
	t.Helper()
	src, err := campaigns.Builtin(campaigns.BuiltinID)
	if err != nil {
		t.Fatal(err)
	}
	c, err := campaign.Load(src)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// InstallMini installs campaign "mini": the built-in forms over one city
// (杭州市) of two counties (上城区, 西湖区), for paths that need every
// unit of a city to act.
func InstallMini(t testing.TB, db *store.DB) {
	t.Helper()
	src, err := campaigns.Builtin(campaigns.BuiltinID)
	if err != nil {
		t.Fatal(err)
	}
	yaml := strings.Replace(string(src.YAML), "id: zj-2018-14", "id: mini", 1)
	yaml = strings.Replace(yaml, "file: zhejiang_2018_counties.tsv", "file: mini.tsv", 1)
	units := "city_code\tcity\tcounty_code\tcounty\tkind\n330100\t杭州市\t330102\t上城区\t市辖区\n330100\t杭州市\t330106\t西湖区\t市辖区\n"
	if _, _, err := campaigns.Install(context.Background(), db, &campaign.Source{Name: "mini.yaml", YAML: []byte(yaml), Files: map[string][]byte{"mini.tsv": []byte(units)}}); err != nil {
		t.Fatal(err)
	}
}

// InstallVariant installs a copy of the built-in campaign under id, its
// YAML changed by edit (a rule rewritten, a field added), for tests of what
// a campaign file can say.
func InstallVariant(t testing.TB, db *store.DB, id string, edit func(yaml string) string) {
	t.Helper()
	src, err := campaigns.Builtin(campaigns.BuiltinID)
	if err != nil {
		t.Fatal(err)
	}
	yaml := edit(strings.Replace(string(src.YAML), "id: zj-2018-14", "id: "+id, 1))
	if _, _, err := campaigns.Install(context.Background(), db, &campaign.Source{Name: id + ".yaml", YAML: []byte(yaml), Files: src.Files}); err != nil {
		t.Fatal(err)
	}
}

// Docx is a minimal Word document: a zip with word/document.xml.
func Docx() []byte {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	w, _ := zw.Create("word/document.xml")
	_, _ = w.Write([]byte("<w:document/>"))
	_ = zw.Close()
	return b.Bytes()
}

// Install installs a campaign from a YAML text and the files next to it.
func Install(t testing.TB, db *store.DB, name, yaml string, files map[string]string) *campaign.Campaign {
	t.Helper()
	fs := map[string][]byte{}
	for k, v := range files {
		fs[k] = []byte(v)
	}
	c, _, err := campaigns.Install(context.Background(), db, &campaign.Source{Name: name, YAML: []byte(yaml), Files: fs})
	if err != nil {
		t.Fatal(err)
	}
	return c
}
