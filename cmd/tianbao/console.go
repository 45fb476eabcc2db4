package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"

	"tianbao/campaign"
	"tianbao/campaigns"
	"tianbao/catalog"
	"tianbao/dialogs"
	"tianbao/reminders"
	"tianbao/reports"
	"tianbao/store"
)

func runConsole(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "console", `console --unit CODE [--campaign ID] [--name NAME] [--role filler|reviewer|admin]

Chat with the bot in the terminal as a contact of unit CODE, with the same
engine and database as the Telegram bot. Each message's buttons are printed
with the message's number and their own, [4.1] 生产制造类  [4.2] 生产性服务等其他类:
type 4.2 to press a button of any message printed, or, for the newest
message, just 2, its label, or the unambiguous beginning of a label (附件3).
Where a typed answer is asked, a number is the answer. /file PATH uploads a
file; documents, spreadsheets and charts the bot sends are written under
./exports. Reads standard input line by line (so it works with piped input)
and exits at its end. The same unit and name continue the same draft on the
next run. As a reviewer, the review requests of the units below arrive as
messages (📨) with their buttons, and /summary, /export and /invite work as
in Telegram.`)
	unit := fs.String("unit", "", "the unit's `CODE`, e.g. 330106 (西湖区); the codes: tianbao units")
	campaignID := fs.String("campaign", campaigns.BuiltinID, "the campaign's `ID`")
	name := fs.String("name", "控制台用户", "your `NAME`, as the bot greets you")
	role := fs.String("role", "filler", "your `ROLE`: filler, reviewer or admin")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	r := dialogs.Role(*role)
	if r != dialogs.Filler && r != dialogs.Reviewer && r != dialogs.Admin {
		return badUsage(fs, "--role %q: want filler, reviewer or admin", *role)
	}
	if *unit == "" {
		return badUsage(fs, "--unit is required (the unit codes: tianbao units)")
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
		role: r,
		camp: camp,
		engine: &dialogs.Engine{Store: storeDialogs(db), Campaigns: reg, Now: time.Now, Log: e.log, Summaries: reports.Summarizer{DB: db.DB}, Nudges: reminders.Nudger{DB: db.DB}, Sheets: reports.Templates{DB: db.DB},
			Invites: store.Invites{DB: db.DB}, InviteLink: func(token string) string { return fmt.Sprintf(catalog.Texts.ConsoleInviteLink, token) }},
		db: db, contact: contactID, campaign: camp.ID, unit: *unit, out: e.stdout, log: e,
	}
	return c.run(ctx, e.stdin)
}

// console is a terminal client of the engine.
type console struct {
	role     dialogs.Role
	camp     *campaign.Campaign
	engine   *dialogs.Engine
	db       *database
	contact  int64
	campaign string
	unit     string
	out      io.Writer
	log      *env
	// shown are the messages printed, newest last, those with buttons
	// numbered: any of them can be pressed, as in a chat.
	shown []shownReply
	next  int
}

type shownReply struct {
	n     int // 0: no buttons
	reply dialogs.Reply
}

// maxShown bounds the messages kept for pressing (a long session's first
// screens are stale anyway).
const maxShown = 200

func (c *console) run(ctx context.Context, in io.Reader) error {
	// Each input is handled to its end even when Ctrl-C comes meanwhile:
	// what was typed before is saved, and the session stops between inputs.
	work := context.WithoutCancel(ctx)
	// Show where this contact stands: a new contact sees the start screen.
	if err := c.send(work, dialogs.Input{}); err != nil {
		return err
	}
	lines := make(chan consoleLine)
	go readLines(in, lines)
	for {
		var l consoleLine
		var ok bool
		select {
		case <-ctx.Done():
			// Ctrl-C (or SIGTERM) while waiting for a line: leave at once;
			// the draft is as the last answer left it.
			fmt.Fprintln(c.out)
			return exitError{code: 130}
		case l, ok = <-lines:
		}
		if !ok {
			return nil // Ctrl-D, or the end of piped input
		}
		if l.err != nil {
			return l.err
		}
		if l.tooLong {
			fmt.Fprintf(c.out, "\n%s\n", fmt.Sprintf(catalog.Texts.ConsoleLineTooLong, maxLine>>10))
			continue
		}
		line := strings.TrimSpace(l.text)
		if line == "" {
			continue
		}
		fmt.Fprintf(c.out, "\n» %s\n", line)
		in, err := c.input(work, line)
		if errors.Is(err, errHandled) {
			continue
		}
		if err != nil {
			fmt.Fprintln(c.out, err)
			continue
		}
		if err := c.send(work, in); err != nil {
			return err
		}
	}
}

// maxLine bounds a typed line: no answer is longer, and a pasted file
// is not read into memory whole.
const maxLine = 64 << 10

type consoleLine struct {
	text    string
	tooLong bool
	err     error
}

// readLines sends the lines of in, each at most maxLine bytes (a longer one
// is reported and skipped), and closes out at the end of in.
func readLines(in io.Reader, out chan<- consoleLine) {
	defer close(out)
	r := bufio.NewReaderSize(in, 4096)
	var buf []byte
	long := false
	for {
		chunk, err := r.ReadSlice('\n')
		if len(buf)+len(chunk) > maxLine {
			long, buf = true, buf[:0]
		} else if !long {
			buf = append(buf, chunk...)
		}
		switch {
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case err != nil && !errors.Is(err, io.EOF):
			out <- consoleLine{err: err}
			return
		}
		if long {
			out <- consoleLine{tooLong: true}
		} else if len(buf) > 0 {
			out <- consoleLine{text: string(buf)}
		}
		buf, long = buf[:0], false
		if err != nil {
			return // io.EOF
		}
	}
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
	data, ok, err := c.chooseButton(line)
	if err != nil {
		return in, err
	}
	if ok {
		in.Button = data
		return in, nil
	}
	in.Text = line
	return in, nil
}

// pressRef is "[4.2]", button 2 of message 4, as the console prints it:
// pressed wherever it is typed, since no answer looks like it. The bare
// "4.2" (buttonRef) presses only where no typed answer is asked, for there
// 4.2 may be the answer (亩, 万平方米).
var (
	pressRef  = regexp.MustCompile(`^[\[［]\s*([0-9]+)\s*[.．]\s*([0-9]+)\s*[\]］]$`)
	buttonRef = regexp.MustCompile(`^([0-9]+)\.([0-9]+)$`)
)

// errAmbiguous says which buttons a typed beginning of a label fits.
type errAmbiguous struct{ fits []string }

func (e errAmbiguous) Error() string {
	return fmt.Sprintf(catalog.Texts.ConsoleAmbiguous, strings.Join(e.fits, "  "))
}

// chooseButton finds the button a typed line means. "[m.n]" presses button
// n of message m anywhere. Where the newest screen asks for a typed answer
// (a number, a name, a date), what is typed is the answer: only the exact
// label of one of that screen's own buttons (跳过, 保留当前答案) presses it.
// Elsewhere: "m.n" on any message printed; the newest message's button by
// its number; a label on the newest message that has it; or the beginning
// of a label that fits one button (fitting several is said, with them).
func (c *console) chooseButton(line string) (string, bool, error) {
	if len(c.shown) == 0 {
		return "", false, nil
	}
	if m := pressRef.FindStringSubmatch(line); m != nil {
		return c.byRef(m[1], m[2])
	}
	// The screen that asks something now: the newest with a question to
	// type an answer to or buttons to press (a 📨 notice printed after a
	// question does not change what is asked).
	var newest dialogs.Reply
	for i := len(c.shown) - 1; i >= 0; i-- {
		if r := c.shown[i].reply; r.Typed || len(r.Buttons) > 0 {
			newest = r
			break
		}
	}
	if newest.Typed {
		for _, b := range flat(newest) {
			if b.Label == line {
				return b.Data, true, nil
			}
		}
		return "", false, nil
	}
	if m := buttonRef.FindStringSubmatch(line); m != nil {
		return c.byRef(m[1], m[2])
	}
	for i := len(c.shown) - 1; i >= 0; i-- {
		for _, b := range flat(c.shown[i].reply) {
			if b.Label == line {
				return b.Data, true, nil
			}
		}
	}
	if n, err := strconv.Atoi(line); err == nil && n >= 1 && n <= len(flat(newest)) {
		buttons := flat(newest)
		return buttons[n-1].Data, true, nil
	}
	for i := len(c.shown) - 1; i >= 0; i-- {
		var match []dialogs.Button
		var fits []string
		for j, b := range flat(c.shown[i].reply) {
			// "提交" picks "✅ 提交": the leading symbol is decoration.
			if strings.HasPrefix(b.Label, line) || strings.HasPrefix(core(b.Label), line) {
				match = append(match, b)
				fits = append(fits, fmt.Sprintf("[%d.%d] %s", c.shown[i].n, j+1, b.Label))
			}
		}
		if len(match) == 1 {
			return match[0].Data, true, nil
		}
		if len(match) > 1 {
			return "", false, errAmbiguous{fits}
		}
	}
	return "", false, nil
}

// byRef is button n of the message numbered m, if it was printed.
func (c *console) byRef(m, n string) (string, bool, error) {
	msgN, _ := strconv.Atoi(m)
	btnN, _ := strconv.Atoi(n)
	for _, s := range c.shown {
		if all := flat(s.reply); s.n == msgN && btnN >= 1 && btnN <= len(all) {
			return all[btnN-1].Data, true, nil
		}
	}
	return "", false, fmt.Errorf(catalog.Texts.ConsoleNoSuchButton, m, n)
}

func flat(r dialogs.Reply) []dialogs.Button {
	var all []dialogs.Button
	for _, row := range r.Buttons {
		all = append(all, row...)
	}
	return all
}

// errHandled says a line was handled by the console itself.
var errHandled = errors.New("handled by the console")

// export writes the subtree's XLSX under ./exports and prints its path.
func (c *console) export(ctx context.Context) error {
	if c.role != dialogs.Reviewer && c.role != dialogs.Admin {
		return errors.New(catalog.Texts.ExportOnlyReviewers)
	}
	var buf bytes.Buffer
	if err := (reports.Exporter{DB: c.db.DB}).WriteXLSX(ctx, &buf, c.camp, c.unit, reports.ExportOptions{}); err != nil {
		return err
	}
	path, err := writeExport(reports.ExportName(c.camp, &dialogs.ExportRef{Unit: c.unit}, time.Now()), buf.Bytes())
	if err != nil {
		return err
	}
	fmt.Fprintf(c.out, catalog.Texts.ExportWritten+"\n", path)
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
		return nil, fmt.Errorf(catalog.Texts.ConsoleNoFile, path)
	case !st.Mode().IsRegular():
		return nil, fmt.Errorf(catalog.Texts.ConsoleNotAFile, path)
	case st.Size() > maxUpload:
		return nil, fmt.Errorf(catalog.Texts.FileTooBigForBot, fmt.Sprintf("%.1f MB", float64(st.Size())/(1<<20)))
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf(catalog.Texts.ConsoleNoFile, path)
	}
	defer f.Close()
	content, err := io.ReadAll(io.LimitReader(f, maxUpload+1))
	if err != nil || len(content) > maxUpload {
		return nil, fmt.Errorf(catalog.Texts.ConsoleNoFile, path)
	}
	// The engine keeps it if the question wants it (and says why not).
	return &dialogs.FileInput{Name: filepath.Base(path), Size: int64(len(content)),
		Load: func(context.Context) ([]byte, error) { return content, nil }}, nil
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
		if err := c.print(ctx, r); err != nil {
			return err
		}
	}
	// Messages from others (review requests, results) arrive here.
	inbox, err := c.db.PendingFor(ctx, c.contact)
	if err != nil {
		return err
	}
	for _, m := range inbox {
		fmt.Fprintln(c.out, "\n📨")
		if err := c.print(ctx, m.Reply); err != nil {
			return err
		}
		if err := c.db.OutboxSent(ctx, m.ID); err != nil {
			return err
		}
	}
	return nil
}

// print writes a reply, numbering its buttons after the message, and
// writes what it attaches under ./exports.
func (c *console) print(ctx context.Context, r dialogs.Reply) error {
	if r.Notice != "" {
		fmt.Fprintf(c.out, "（%s）\n", r.Notice)
	}
	if r.Text != "" {
		fmt.Fprintln(c.out, r.Text)
	}
	c.shown = append(c.shown, shownReply{reply: r})
	if len(c.shown) > maxShown {
		c.shown = c.shown[len(c.shown)-maxShown:]
	}
	if len(r.Buttons) > 0 {
		c.next++
		c.shown[len(c.shown)-1].n = c.next
		n := 0
		for _, row := range r.Buttons {
			var cells []string
			for _, b := range row {
				n++
				cells = append(cells, fmt.Sprintf("[%d.%d] %s", c.next, n, b.Label))
			}
			fmt.Fprintln(c.out, strings.Join(cells, "  "))
		}
	}
	if r.Attach == nil {
		return nil
	}
	a, err := reports.Render(ctx, c.db.DB, c.camp, r.Attach, time.Now())
	if err != nil || a == nil {
		return err
	}
	path, err := writeExport(a.Name, a.Content)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.out, catalog.Texts.ExportWritten+"\n", path)
	return nil
}

// writeExport writes a file the bot would have sent under ./exports, never
// over an earlier one, and returns its absolute path.
func writeExport(name string, content []byte) (string, error) {
	if err := os.MkdirAll("exports", 0o755); err != nil {
		return "", err
	}
	ext := filepath.Ext(name)
	base := strings.TrimSuffix(filepath.Base(name), ext)
	path := filepath.Join("exports", base+ext)
	for i := 2; ; i++ {
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if errors.Is(err, os.ErrExist) {
			path = filepath.Join("exports", fmt.Sprintf("%s-%d%s", base, i, ext))
			continue
		}
		if err != nil {
			return "", err
		}
		if _, err := f.Write(content); err != nil {
			f.Close()
			return "", err
		}
		if err := f.Close(); err != nil {
			return "", err
		}
		return filepath.Abs(path)
	}
}

func runExport(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "export", `export --campaign ID --unit CODE [--form FORM] [--out FILE.xlsx|FILE.csv|FILE.zip] [--format xlsx|csv|zip] [--include-drafts] [--bom]

The format is --out's extension (--format may only agree with it); without
--out, CSV of --form to standard output.
xlsx (the default): the notice's tables for the unit's subtree, one sheet
  per form (--form: that one), laid out like the notice; needs --out.
  Of a standing return, by default its current period; --form names one
  period (progress.2019q1), or the return's own id (progress) every period
  open so far. A period not open yet has nothing to export.
csv: one form (--form). For a unit without units below it: its current
  answers (draft or submitted), a header row naming each column by its
  groups and label, one line per record or row. For a city or the
  province: every unit's rows below it, with 所属地区 first. To standard
  output, or --out (then with a UTF-8 BOM so Excel reads the Chinese text;
  --bom adds it on standard output too).
zip: the XLSX with the uploaded documents, named by unit; needs --out.
By default what was accepted at the unit's level; --include-drafts adds the
rest with a 状态 column. Only data goes to standard output.`)
	campaignID := fs.String("campaign", campaigns.BuiltinID, "the campaign's `ID`")
	unit := fs.String("unit", "", "the unit's `CODE`")
	form := fs.String("form", "", "one form's `ID`, a period's (progress.2019q1) or a standing return's for every period (progress): required for csv")
	format := fs.String("format", "", "`FORMAT`: xlsx, csv or zip (default: --out's extension; else csv with --form, xlsx without)")
	out := fs.String("out", "", "the `FILE` to write, .xlsx, .csv or .zip")
	drafts := fs.Bool("include-drafts", false, "include data not yet approved, with its state")
	bom := fs.Bool("bom", false, "start CSV on standard output with a UTF-8 byte-order mark")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *out != "" {
		// The file's name says what it holds; a format that says otherwise
		// is a mistake, not a choice.
		byExt, ok := map[string]string{".xlsx": "xlsx", ".csv": "csv", ".zip": "zip"}[strings.ToLower(filepath.Ext(*out))]
		switch {
		case !ok:
			return badUsage(fs, "--out %s: end the file's name in .xlsx, .csv or .zip, which says the format", *out)
		case *format != "" && *format != byExt:
			return badUsage(fs, "--format %s contradicts --out %s (a .%s file)", *format, *out, byExt)
		}
		*format = byExt
	}
	if *format == "" {
		*format = "xlsx"
		if *form != "" {
			*format = "csv"
		}
	}
	switch {
	case *unit == "":
		return badUsage(fs, "--unit is required (the province: 330000; the codes: tianbao units)")
	case *format != "csv" && *format != "xlsx" && *format != "zip":
		return badUsage(fs, "--format %q: want xlsx, csv or zip", *format)
	case *format != "csv" && *out == "":
		return badUsage(fs, "--out is required for %s (only CSV is written to standard output)", *format)
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
	if *format == "csv" && *form == "" {
		return badUsage(fs, "--form is required for csv (one form of %s: %s)", camp.ID, formHint(camp))
	}
	x := reports.Exporter{DB: db.DB}
	now := time.Now()
	opt := reports.ExportOptions{IncludeDrafts: *drafts, At: now}
	var forms []*campaign.Form // what --form names that can be exported now
	if *form != "" {
		if forms, err = exportedForms(camp, *form, now); err != nil {
			return err
		}
		opt.Forms = []string{*form} // an XLSX or ZIP of that form's sheets alone
	}
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
	// One table: a form's, or a standing return's periods one after
	// another, each line with its period first (期别).
	var table reports.Table
	for _, f := range forms {
		var t reports.Table
		if len(u.Children) == 0 {
			all, err := db.UnitDrafts(ctx, camp.ID, *unit)
			if err != nil {
				return err
			}
			d := all[f.ID]
			if d == nil {
				d = campaign.NewDraft(camp.ID, *unit, f.ID)
			}
			t = reports.FormTable(f, d)
		} else if t, err = x.SubtreeTable(ctx, camp, *unit, f, opt); err != nil {
			return err
		}
		if len(forms) > 1 {
			t = reports.WithPeriod(t, f)
		}
		if table.Header == nil {
			table.Header = t.Header
		}
		table.Rows = append(table.Rows, t.Rows...)
	}
	return write(func(w io.Writer) error { return reports.WriteCSV(w, table, *bom || *out != "") })
}

// formHint lists a campaign's forms as --form takes them: a one-off form's
// id, a standing return's own (every period) with its first and last
// periods'.
func formHint(c *campaign.Campaign) string {
	var out []string
	for _, f := range c.Forms {
		switch {
		case f.Period == nil:
			out = append(out, f.ID)
		case f.Period.Index == 0:
			periods := c.Instances(f.Template)
			hint := f.Template + " (every period; one: " + f.ID
			if len(periods) > 1 {
				hint += " … " + periods[len(periods)-1].ID
			}
			out = append(out, hint+")")
		}
	}
	return strings.Join(out, ", ")
}

// exportedForms are the forms --form names, as of now: the form or the
// period, or every period of a standing return open so far. A period not
// open yet has nothing to export, and is said so rather than written as
// an empty table.
func exportedForms(c *campaign.Campaign, id string, now time.Time) ([]*campaign.Form, error) {
	if f := c.Form(id); f != nil {
		if !f.OpenAt(now) {
			return nil, fmt.Errorf("%s opens on %s: nothing to export yet", f.ID, f.Opens.In(c.TimeZone).Format("2006-01-02"))
		}
		return []*campaign.Form{f}, nil
	}
	periods := c.Instances(id)
	if len(periods) == 0 {
		return nil, fmt.Errorf("campaign %s has no form %q (its forms: %s)", c.ID, id, formHint(c))
	}
	var open []*campaign.Form
	for _, f := range periods {
		if f.OpenAt(now) {
			open = append(open, f)
		}
	}
	if len(open) == 0 {
		return nil, fmt.Errorf("no period of %s is open yet (the first, %s, opens on %s): nothing to export yet", id, periods[0].ID, periods[0].Opens.In(c.TimeZone).Format("2006-01-02"))
	}
	return open, nil
}
