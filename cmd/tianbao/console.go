package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode"

	"tianbao/campaigns"
	"tianbao/dialogs"
	"tianbao/reminders"
	"tianbao/reports"
)

func runConsole(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "console", `console --unit CODE [--campaign ID] [--name NAME] [--role filler|reviewer|admin]

Chat with the bot in the terminal as a contact of unit CODE, with the same
engine and database as the Telegram bot. Buttons are printed numbered,
[1] 生产制造类  [2] 生产性服务等其他类; type the number, the label, or the
unambiguous beginning of a label (附件3). Where a typed answer is asked,
a number is the answer. /file PATH uploads a file. Reads standard input line
by line (so it works with piped input) and exits at its end. The same unit
and name continue the same draft on the next run. As a reviewer, the review
requests of the units below arrive as messages (📨) with their buttons, and
/summary and /export work as in Telegram.`)
	unit := fs.String("unit", "", "unit code, e.g. 330106 (西湖区); see `tianbao units`")
	campaignID := fs.String("campaign", campaigns.BuiltinID, "campaign id")
	name := fs.String("name", "控制台用户", "your name, as the bot greets you")
	role := fs.String("role", "filler", "filler, reviewer or admin")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	r := dialogs.Role(*role)
	if r != dialogs.Filler && r != dialogs.Reviewer && r != dialogs.Admin {
		fs.Usage()
		return errUsage
	}
	if *unit == "" {
		fs.Usage()
		return errUsage
	}
	db, reg, camp, err := e.openCampaign(ctx, *campaignID, *unit)
	if err != nil {
		return err
	}
	defer db.Close()
	contactID, err := db.ConsoleContact(ctx, camp.ID, *unit, r, *name)
	if err != nil {
		return err
	}
	c := &console{
		role:   r,
		camp:   camp,
		engine: &dialogs.Engine{Store: storeDialogs(db), Campaigns: reg, Now: time.Now, Log: e.log, Summaries: reports.Summarizer{DB: db.DB}, Nudges: reminders.Nudger{DB: db.DB}},
		db:     db, contact: contactID, campaign: camp.ID, unit: *unit, out: e.stdout, log: e,
	}
	return c.run(ctx, e.stdin)
}

// console is a terminal client of the engine.
type console struct {
	role     dialogs.Role
	camp     *dialogs.Campaign
	engine   *dialogs.Engine
	db       *database
	contact  int64
	campaign string
	unit     string
	out      io.Writer
	log      *env
	last     []dialogs.Reply
}

func (c *console) run(ctx context.Context, in io.Reader) error {
	// Show where this contact stands: a new contact sees the start screen.
	if err := c.send(ctx, dialogs.Input{}); err != nil {
		return err
	}
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		fmt.Fprintf(c.out, "\n» %s\n", line)
		in, err := c.input(ctx, line)
		if errors.Is(err, errHandled) {
			continue
		}
		if err != nil {
			fmt.Fprintln(c.out, err)
			continue
		}
		if err := c.send(ctx, in); err != nil {
			return err
		}
		if ctx.Err() != nil {
			return nil
		}
	}
	return sc.Err()
}

// input turns a typed line into an engine input: a command, a file, a
// button chosen by number or label, or text.
func (c *console) input(ctx context.Context, line string) (dialogs.Input, error) {
	in := dialogs.Input{ContactID: c.contact}
	if path, ok := strings.CutPrefix(line, "/file "); ok {
		f, err := c.upload(ctx, strings.TrimSpace(path))
		if err != nil {
			return in, err
		}
		in.File = f
		return in, nil
	}
	if cmd, _ := dialogs.ParseCommand(line); cmd == "export" {
		return in, c.export(ctx)
	}
	if strings.HasPrefix(line, "/") {
		in.Text = line
		return in, nil
	}
	if data, ok := c.chooseButton(line); ok {
		in.Button = data
		return in, nil
	}
	in.Text = line
	return in, nil
}

// chooseButton finds the button a typed line means on the last screen.
func (c *console) chooseButton(line string) (string, bool) {
	if len(c.last) == 0 {
		return "", false
	}
	screen := c.last[len(c.last)-1]
	var all []dialogs.Button
	for _, row := range screen.Buttons {
		all = append(all, row...)
	}
	for _, b := range all {
		if b.Label == line {
			return b.Data, true
		}
	}
	if screen.Typed {
		return "", false // a number or word here is the answer itself
	}
	if n, err := strconv.Atoi(line); err == nil && n >= 1 && n <= len(all) {
		return all[n-1].Data, true
	}
	var match []dialogs.Button
	for _, b := range all {
		// "提交" picks "✅ 提交": the leading symbol is decoration.
		if strings.HasPrefix(b.Label, line) || strings.HasPrefix(core(b.Label), line) {
			match = append(match, b)
		}
	}
	if len(match) == 1 {
		return match[0].Data, true
	}
	return "", false
}

// errHandled says a line was handled by the console itself.
var errHandled = errors.New("handled by the console")

// export writes the subtree's XLSX under ./exports and prints its path.
func (c *console) export(ctx context.Context) error {
	if c.role != dialogs.Reviewer && c.role != dialogs.Admin {
		return errors.New(dialogs.Texts.ExportOnlyReviewers)
	}
	if err := os.MkdirAll("exports", 0o755); err != nil {
		return err
	}
	path := filepath.Join("exports", fmt.Sprintf("%s-%s-%s.xlsx", c.campaign, c.unit, time.Now().Format("20060102-150405")))
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := (reports.Exporter{DB: c.db.DB}).WriteXLSX(ctx, f, c.camp, c.unit, reports.ExportOptions{}); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	abs, _ := filepath.Abs(path)
	fmt.Fprintf(c.out, dialogs.Texts.ExportWritten+"\n", abs)
	return errHandled
}

// core is a label without its leading symbols and spaces (✅, ➕, 📤 …).
func core(label string) string {
	return strings.TrimLeftFunc(label, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

// maxUpload is what Telegram lets a bot download, and so what a form takes.
const maxUpload = 20 << 20

func (c *console) upload(ctx context.Context, path string) (*dialogs.FileInput, error) {
	// Judged before reading: a FIFO would block, /dev/zero never ends, and
	// a 4 GB file would be read whole for nothing.
	st, err := os.Stat(path)
	switch {
	case err != nil:
		return nil, fmt.Errorf(dialogs.Texts.ConsoleNoFile, path)
	case !st.Mode().IsRegular():
		return nil, fmt.Errorf(dialogs.Texts.ConsoleNotAFile, path)
	case st.Size() > maxUpload:
		return nil, fmt.Errorf(dialogs.Texts.FileTooBigForBot, fmt.Sprintf("%.1f MB", float64(st.Size())/(1<<20)))
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf(dialogs.Texts.ConsoleNoFile, path)
	}
	defer f.Close()
	content, err := io.ReadAll(io.LimitReader(f, maxUpload+1))
	if err != nil || len(content) > maxUpload {
		return nil, fmt.Errorf(dialogs.Texts.ConsoleNoFile, path)
	}
	kinds := dialogs.SniffFile(content)
	kind := "unknown"
	if len(kinds) > 0 {
		kind = kinds[0]
	}
	name := dialogs.FileName(filepath.Base(path), kinds)
	ref, err := c.db.SaveFile(ctx, c.campaign, c.unit, name, kind, content, c.contact)
	if err != nil {
		return nil, err
	}
	return &dialogs.FileInput{Name: name, Size: int64(len(content)), Kinds: kinds, Ref: ref}, nil
}

func (c *console) send(ctx context.Context, in dialogs.Input) error {
	in.ContactID = c.contact
	replies, err := c.engine.Handle(ctx, in)
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return nil
		}
		c.log.log.Error("handling input failed", "contact", c.contact, "err", err)
		replies = []dialogs.Reply{dialogs.Apology()}
	}
	for _, r := range replies {
		printReply(c.out, r)
	}
	// Messages from others (review requests, results) arrive here.
	inbox, err := c.db.PendingFor(ctx, c.contact)
	if err != nil {
		return err
	}
	for _, m := range inbox {
		fmt.Fprintln(c.out, "\n📨")
		printReply(c.out, m.Reply)
		replies = append(replies, m.Reply)
		if err := c.db.OutboxSent(ctx, m.ID); err != nil {
			return err
		}
	}
	if len(replies) > 0 {
		c.last = replies
	}
	return nil
}

func printReply(w io.Writer, r dialogs.Reply) {
	if r.Notice != "" {
		fmt.Fprintf(w, "（%s）\n", r.Notice)
	}
	fmt.Fprintln(w, r.Text)
	n := 0
	for _, row := range r.Buttons {
		var cells []string
		for _, b := range row {
			n++
			cells = append(cells, fmt.Sprintf("[%d] %s", n, b.Label))
		}
		fmt.Fprintln(w, strings.Join(cells, "  "))
	}
}

func runExport(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "export", `export --campaign ID --unit CODE [--form FORM] [--format xlsx|csv|zip] [--out FILE] [--include-drafts] [--bom]

xlsx (the default): the notice's tables for the unit's subtree, one sheet
  per form, laid out like the notice; needs --out.
csv: one form (--form). For a unit without units below it: its current
  answers (draft or submitted), a header row of the field labels, one line
  per record or row. For a city or the province: every unit's rows below it,
  with 所属地区 first. To standard output, or --out (then with a UTF-8 BOM so
  Excel reads the Chinese text; --bom adds it on standard output too).
zip: the XLSX with the uploaded documents, named by unit; needs --out.
By default only approved data of the units below; --include-drafts adds the
rest with a 状态 column.`)
	campaignID := fs.String("campaign", campaigns.BuiltinID, "campaign id")
	unit := fs.String("unit", "", "unit code")
	form := fs.String("form", "", "form id for csv (a1, a2, a3, policies, a4)")
	format := fs.String("format", "", "xlsx, csv or zip (default: csv with --form, else xlsx)")
	out := fs.String("out", "", "file to write")
	drafts := fs.Bool("include-drafts", false, "include data not yet approved, with its state")
	bom := fs.Bool("bom", false, "start CSV on standard output with a UTF-8 byte-order mark")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *format == "" {
		*format = "xlsx"
		if *form != "" {
			*format = "csv"
		}
	}
	if *unit == "" || (*format == "csv" && *form == "") || (*format != "csv" && *out == "") || (*format != "csv" && *format != "xlsx" && *format != "zip") {
		fs.Usage()
		return errUsage
	}
	db, _, camp, err := e.openCampaign(ctx, *campaignID, "")
	if err != nil {
		return err
	}
	defer db.Close()
	u := camp.Units[*unit]
	if u == nil {
		return fmt.Errorf("unit %s is not in campaign %s", *unit, camp.ID)
	}
	x := reports.Exporter{DB: db.DB}
	opt := reports.ExportOptions{IncludeDrafts: *drafts}
	write := func(fn func(io.Writer) error) error {
		if *out == "" {
			return fn(e.stdout)
		}
		f, err := os.Create(*out)
		if err != nil {
			return err
		}
		if err := fn(f); err != nil {
			f.Close()
			os.Remove(*out)
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
		fmt.Fprintln(e.stderr, "wrote", *out)
		return nil
	}
	switch *format {
	case "xlsx":
		return write(func(w io.Writer) error { return x.WriteXLSX(ctx, w, camp, *unit, opt) })
	case "zip":
		return write(func(w io.Writer) error { return x.WriteZip(ctx, w, camp, *unit, opt) })
	}
	f := camp.Form(*form)
	if f == nil {
		return fmt.Errorf("campaign %s has no form %q", camp.ID, *form)
	}
	var table reports.Table
	if len(u.Children) == 0 {
		all, err := db.UnitDrafts(ctx, camp.ID, *unit)
		if err != nil {
			return err
		}
		d := all[f.ID]
		if d == nil {
			d = dialogs.NewDraft(camp.ID, *unit, f.ID)
		}
		table = reports.FormTable(f, d)
	} else if table, err = x.SubtreeTable(ctx, camp, *unit, f, opt); err != nil {
		return err
	}
	return write(func(w io.Writer) error { return reports.WriteCSV(w, table, *bom || *out != "") })
}
