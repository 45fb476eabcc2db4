// Package reminders chases whoever is late. It works out, for a moment,
// which reminder slots are due (a form's policy in the campaign file, the
// unit's level's due date or its approved extension, the draft's state),
// records each slot and queues its messages in one transaction (so nothing
// is sent twice, whatever restarts or replicas), and runs the schedule with
// robfig/cron in the campaign's time zone on exactly one replica.
package reminders

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"tianbao/campaign"
	"tianbao/catalog"
	"tianbao/dialogs"
	"tianbao/owed"
	"tianbao/store"
)

// digestForm marks the slot of a reviewers' digest.
const digestForm = "*digest*"

// Slot is one due reminder: a unit's return of a form, or its package of a
// form (what a city forwards up), at a moment.
type Slot struct {
	Unit     *campaign.Unit
	Form     *campaign.Form
	Package  bool
	At       time.Time
	Due      time.Time
	Status   string // a return: draft, returned, or none (never opened); a package: none, ready or returned
	Answered int    // a return: answers given, of Total; a package: parts approved, of Total
	Total    int
}

// Overdue reports whether the slot is after the due date.
func (s Slot) Overdue() bool { return s.At.After(s.Due) }

// key is the slot's record: a package's under the package's form id.
func (s Slot) key() store.SlotKey {
	form := s.Form.ID
	if s.Package {
		form = dialogs.PackageForm(form)
	}
	return store.SlotKey{Unit: s.Unit.Code, Form: form, At: s.At}
}

// progress is how far a unit's draft of a form has come.
type progress struct{ answered, total int }

// slotOf is the slot of an owed item at a moment.
func slotOf(b *owed.Book, progs map[[2]string]progress, it owed.Item, at time.Time) Slot {
	s := Slot{Unit: it.Unit, Form: it.Form, Package: it.Package, At: at, Due: it.Due, Status: it.Status}
	if it.Package {
		s.Answered, s.Total = b.Readiness(it.Unit, it.Form)
		return s
	}
	p, ok := progs[[2]string{it.Unit.Code, it.Form.ID}]
	if !ok {
		p = progress{total: fieldsOf(it.Form)}
	}
	s.Answered, s.Total = p.answered, p.total
	return s
}

// Due lists the slots in (from, to] of everything owed (owed.Book): a
// return not submitted (not started, draft or returned: submitted and
// approved ones are never reminded) and a package not forwarded, each by
// its form's policy for the unit's level — before the date, daily while
// overdue, then every repeat_days for as long as it is missing. A package
// is reminded of before its date only once all of it is approved.
func Due(b *owed.Book, progs map[[2]string]progress, from, to time.Time) []Slot {
	c := b.Campaign()
	var out []Slot
	b.Each(func(it owed.Item) {
		if !it.HasDue {
			return
		}
		policy := it.Form.Reminders[it.Unit.Level]
		if policy.Quiet(to.In(c.TimeZone)) {
			return // caught up once the quiet hours end
		}
		ats := append(policy.Slots(it.Due, c.TimeZone, c.Calendar), policy.Repeats(it.Due, c.TimeZone, c.Calendar, from, to)...)
		for _, at := range ats {
			if at.Before(it.Form.Opens) {
				continue // a period is reminded of once it can be filled
			}
			if it.Package && it.Status != owed.Ready && !at.After(it.Due) {
				continue // before its date a package is only worth a word once it can go up
			}
			if at.After(from) && !at.After(to) {
				out = append(out, slotOf(b, progs, it, at))
			}
		}
	})
	return out
}

// fieldsOf counts a form's questions outside lists (a list's rows add theirs).
func fieldsOf(f *campaign.Form) int {
	n := 0
	for _, s := range f.Sections {
		switch s.Kind {
		case campaign.Record:
			n += len(s.Fields)
		case campaign.Table:
			n += len(s.Fields) * len(s.Rows)
		}
	}
	return n
}

// load reads what everyone owes and how far each draft has come.
func load(ctx context.Context, db *store.DB, c *campaign.Campaign) (*owed.Book, map[[2]string]progress, error) {
	b, err := owed.Load(ctx, db, c, nil)
	if err != nil {
		return nil, nil, err
	}
	rows, err := db.ReminderStates(ctx, c.ID)
	if err != nil {
		return nil, nil, err
	}
	progs := map[[2]string]progress{}
	for _, r := range rows {
		f := c.Form(r.Form)
		if f == nil {
			continue
		}
		total := fieldsOf(f)
		for _, s := range f.Sections {
			if s.Kind == campaign.List {
				total += r.Rows * len(s.Fields)
			}
		}
		progs[[2]string{r.Unit, r.Form}] = progress{answered: r.Answered, total: total}
	}
	return b, progs, nil
}

// lateAt is everything a unit owes past its date at a moment, as slots of
// that moment: what a reminder lists besides its own slots, so that no
// earlier period is forgotten.
func lateAt(b *owed.Book, progs map[[2]string]progress, u *campaign.Unit, at time.Time) []Slot {
	var out []Slot
	for _, f := range b.Campaign().Forms {
		for _, it := range b.Late(u, f, at) {
			out = append(out, slotOf(b, progs, it, at))
		}
	}
	return out
}

// Planned is one message a round queues (or, dry, would queue).
type Planned struct {
	Contact int64
	Unit    string
	Forms   []string
	At      time.Time
	Digest  bool
	Reply   dialogs.Reply
}

// Round handles the slots of (from, to]: it records them and queues their
// reminders and digests, or with dry only plans them. It returns what was
// (or would be) queued. A slot already recorded queues nothing again.
func Round(ctx context.Context, db *store.DB, c *campaign.Campaign, from, to time.Time, dry bool) ([]Planned, error) {
	b, progs, err := load(ctx, db, c)
	if err != nil {
		return nil, err
	}
	slots := Due(b, progs, from, to)
	if len(slots) == 0 {
		return nil, nil
	}
	people, err := db.Reachable(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	info, err := digestContacts(ctx, db, c, slots)
	if err != nil {
		return nil, err
	}
	if dry {
		return plan(b, progs, slots, people, info, true), nil
	}
	keys := make([]store.SlotKey, 0, len(slots))
	for _, s := range slots {
		keys = append(keys, s.key())
	}
	for _, d := range digestKeys(slots) {
		keys = append(keys, d)
	}
	var planned []Planned
	err = db.RecordSlots(ctx, c.ID, keys, func(tx *store.Tx, fresh []store.SlotKey) error {
		isFresh := map[store.SlotKey]bool{}
		for _, k := range fresh {
			isFresh[store.SlotKey{Unit: k.Unit, Form: k.Form, At: k.At.UTC()}] = true
		}
		var todo []Slot
		for _, s := range slots {
			k := s.key()
			if isFresh[store.SlotKey{Unit: k.Unit, Form: k.Form, At: k.At.UTC()}] {
				todo = append(todo, s)
			}
		}
		planned = plan(b, progs, todo, people, info, true)
		// A digest goes out once per reviewer unit and slot time.
		var keep []Planned
		for _, p := range planned {
			if !p.Digest || isFresh[store.SlotKey{Unit: p.Unit, Form: digestForm, At: p.At.UTC()}] {
				keep = append(keep, p)
			}
		}
		planned = keep
		n := make([]dialogs.Notification, len(planned))
		for i, p := range planned {
			kind := "reminder"
			if p.Digest {
				kind = "digest"
			}
			n[i] = dialogs.Notification{ContactID: p.Contact, Kind: kind, Reply: p.Reply}
		}
		return tx.QueueHeld(ctx, n) // let out by Release, each person's places' in one message
	})
	return planned, err
}

// digestContacts is who to call about the units a digest may name: every
// unit right below a unit that gets a digest.
func digestContacts(ctx context.Context, db *store.DB, c *campaign.Campaign, slots []Slot) (map[string]store.ContactInfo, error) {
	var codes []string
	seen := map[string]bool{}
	for _, s := range slots {
		if !s.Overdue() || s.Unit.Parent == "" || seen[s.Unit.Parent] {
			continue
		}
		seen[s.Unit.Parent] = true
		codes = append(codes, c.Units[s.Unit.Parent].Children...)
	}
	if len(codes) == 0 {
		return nil, nil
	}
	return db.UnitContactInfo(ctx, c, codes)
}

func digestKeys(slots []Slot) []store.SlotKey {
	seen := map[store.SlotKey]bool{}
	var out []store.SlotKey
	for _, s := range slots {
		if !s.Overdue() || s.Unit.Parent == "" {
			continue
		}
		k := store.SlotKey{Unit: s.Unit.Parent, Form: digestForm, At: s.At}
		if !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	return out
}

// plan turns slots into messages: one per unit, slot time and kind (its
// returns; its packages) listing what the slots are about and everything
// else the unit owes of that kind past its date, so that an earlier period
// is never forgotten. A unit's returns go to its main contact before the
// due date and to all its contacts once anything is overdue; its packages
// go to its reviewers, who forward them. With digests, once a slot is
// overdue the reviewers of the unit above get one digest per slot time
// naming every unit below it that is late, and with what.
func plan(b *owed.Book, progs map[[2]string]progress, slots []Slot, people []store.Recipient, info map[string]store.ContactInfo, digests bool) []Planned {
	c := b.Campaign()
	byUnit := map[string][]store.Recipient{}
	for _, p := range people {
		byUnit[p.Unit] = append(byUnit[p.Unit], p)
	}
	type group struct {
		unit *campaign.Unit
		at   time.Time
		pkg  bool
	}
	groups := map[group][]Slot{}
	var order []group
	for _, s := range slots {
		g := group{s.Unit, s.At, s.Package}
		if _, ok := groups[g]; !ok {
			order = append(order, g)
		}
		groups[g] = append(groups[g], s)
	}
	var out []Planned
	type parentAt struct {
		unit *campaign.Unit
		at   time.Time
	}
	var parents []parentAt
	seen := map[parentAt]bool{}
	for _, g := range order {
		ss := listed(c, groups[g], lateAt(b, progs, g.unit, g.at), g.pkg)
		overdue, triggered := false, false
		for _, s := range ss {
			overdue = overdue || s.Overdue()
		}
		for _, s := range groups[g] {
			triggered = triggered || s.Overdue()
		}
		if g.pkg {
			reply := packageText(c, g.unit, ss, g.at)
			for _, r := range reviewersOf(byUnit[g.unit.Code]) {
				out = append(out, Planned{Contact: r.ID, Unit: g.unit.Code, Forms: formIDs(ss), At: g.at, Reply: reply})
			}
		} else {
			reply := reminderText(c, g.unit, ss, g.at)
			for _, r := range recipients(byUnit[g.unit.Code], overdue) {
				out = append(out, Planned{Contact: r.ID, Unit: g.unit.Code, Forms: formIDs(ss), At: g.at, Reply: reply})
			}
		}
		if pa := (parentAt{c.Units[g.unit.Parent], g.at}); digests && triggered && pa.unit != nil && !seen[pa] {
			seen[pa] = true
			parents = append(parents, pa)
		}
	}
	for _, pa := range parents {
		reply, ok := digest(b, pa.unit, pa.at, info)
		if !ok {
			continue
		}
		for _, r := range reviewersOf(byUnit[pa.unit.Code]) {
			out = append(out, Planned{Contact: r.ID, Unit: pa.unit.Code, At: pa.at, Digest: true, Reply: reply})
		}
	}
	return out
}

// listed is what one message lists: its slots, then what else of the same
// kind (returns, or packages) the unit owes past its date, each form once,
// in the campaign's order.
func listed(c *campaign.Campaign, slots, late []Slot, pkg bool) []Slot {
	index := map[string]int{}
	for i, f := range c.Forms {
		index[f.ID] = i
	}
	byForm := map[string]Slot{}
	for _, s := range slots {
		byForm[s.Form.ID] = s
	}
	for _, s := range late {
		if _, ok := byForm[s.Form.ID]; !ok && s.Package == pkg {
			byForm[s.Form.ID] = s
		}
	}
	out := make([]Slot, 0, len(byForm))
	for _, s := range byForm {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return index[out[i].Form.ID] < index[out[j].Form.ID] })
	return out
}

// reviewersOf is a unit's reviewers and admins: who forwards its packages
// and reads its digests.
func reviewersOf(people []store.Recipient) []store.Recipient {
	var out []store.Recipient
	for _, p := range people {
		if p.Role == string(dialogs.Reviewer) || p.Role == string(dialogs.Admin) {
			out = append(out, p)
		}
	}
	return out
}

// recipients: the unit's main filler before the deadline, all its fillers
// once overdue; a unit without fillers has its reviewers reminded.
func recipients(people []store.Recipient, overdue bool) []store.Recipient {
	var fillers []store.Recipient
	for _, p := range people {
		if p.Role == string(dialogs.Filler) {
			fillers = append(fillers, p)
		}
	}
	if len(fillers) == 0 {
		fillers = people
	}
	if !overdue && len(fillers) > 1 {
		return fillers[:1]
	}
	return fillers
}

func formIDs(ss []Slot) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = s.key().Form
	}
	return out
}

func reminderText(c *campaign.Campaign, u *campaign.Unit, ss []Slot, now time.Time) dialogs.Reply {
	var b strings.Builder
	fmt.Fprintf(&b, catalog.Texts.ReminderHead, u.Name)
	var buttons [][]dialogs.Button
	for _, s := range ss {
		progress := catalog.Texts.ReminderNotStarted
		switch {
		case s.Status == string(campaign.StatusReturned):
			progress = catalog.Texts.ReminderReturned
		case s.Status != "none":
			progress = fmt.Sprintf(catalog.Texts.ReminderProgress, s.Answered, s.Total)
		}
		fmt.Fprintf(&b, "\n· %s：%s，%s", s.Form.Name(), progress, dueWords(c, s))
		buttons = append(buttons, []dialogs.Button{{Label: fmt.Sprintf(catalog.Texts.ReminderOpen, s.Form.ShortName()), Data: dialogs.OpenButton(s.Form.ID)}})
	}
	return dialogs.Reply{Text: b.String(), Buttons: buttons}
}

// dueWords is a slot's date and how far it is at the slot's moment.
func dueWords(c *campaign.Campaign, s Slot) string {
	day := s.Due.In(c.TimeZone).Format("1月2日")
	switch left := campaign.DaysLeft(s.At, s.Due, c.TimeZone); {
	case left == 0:
		return fmt.Sprintf(catalog.Texts.ReminderToday, day)
	case left < 0:
		return fmt.Sprintf(catalog.Texts.ReminderOverdue, day, -left)
	default:
		return fmt.Sprintf(catalog.Texts.ReminderDaysLeft, day, left)
	}
}

// packageText tells a unit's reviewers what it has not forwarded to the
// unit above: each form with how much of it is approved (all of it:
// 已审核，可以上报, with a button that forwards it), the date and how far.
func packageText(c *campaign.Campaign, u *campaign.Unit, ss []Slot, now time.Time) dialogs.Reply {
	t := catalog.LateTexts
	parent := c.Units[u.Parent]
	var b strings.Builder
	fmt.Fprintf(&b, t.PackageReminderHead, u.Name, parent.Name)
	var buttons [][]dialogs.Button
	waiting := false
	for _, s := range ss {
		state := fmt.Sprintf(t.PackageReminderPartial, s.Answered, s.Total)
		switch s.Status {
		case owed.Ready:
			state = t.PackageReminderReady
			buttons = append(buttons, []dialogs.Button{{Label: fmt.Sprintf(t.PackageReminderForward, s.Form.ShortName()), Data: dialogs.ForwardButton(s.Form.ID)}})
		case owed.Returned:
			// 上报 forwards it once corrected, or says what is still open.
			state = fmt.Sprintf(t.PackageReminderReturned, parent.Name)
			buttons = append(buttons, []dialogs.Button{{Label: fmt.Sprintf(t.PackageReminderForward, s.Form.ShortName()), Data: dialogs.ForwardButton(s.Form.ID)}})
			waiting = true
		default:
			waiting = true
		}
		fmt.Fprintf(&b, "\n· %s：%s，%s", s.Form.Name(), state, dueWords(c, s))
	}
	if waiting {
		buttons = append(buttons, []dialogs.Button{{Label: t.PackageReminderLateBelow, Data: dialogs.DetailButton(u.Code, "late")}})
	}
	return dialogs.Reply{Text: b.String(), Buttons: buttons}
}

// maxDigestLines bounds a digest's lines of units to call; past them, a
// count and the late list's button.
const maxDigestLines = 30

// digest tells a unit's reviewers which units right below it are late at
// a moment, and with what (every form and period still missing, not only
// those reminded of that day; a unit's package not forwarded too): one
// line each with how many days the oldest is late and whom to call, then
// the late units nobody was invited for (their reminders reach no one),
// grouped by what they owe, with 催报 and the details. None when nobody
// below is late.
func digest(b *owed.Book, parent *campaign.Unit, at time.Time, info map[string]store.ContactInfo) (dialogs.Reply, bool) {
	c := b.Campaign()
	t, lt := catalog.Texts, catalog.LateTexts
	var late []*campaign.Unit
	items := map[*campaign.Unit][]owed.Item{}
	for _, code := range parent.Children {
		u := c.Units[code]
		for _, f := range c.Forms {
			items[u] = append(items[u], b.Late(u, f, at)...)
		}
		if len(items[u]) > 0 {
			late = append(late, u)
		}
	}
	if len(late) == 0 {
		return dialogs.Reply{}, false
	}
	var out strings.Builder
	fmt.Fprintf(&out, t.DigestText, parent.Name, len(late), c.LevelName(late[0].Level))
	var nobody []owed.Named
	n := 0
	for _, u := range late {
		ci := info[u.Code]
		what := owed.Describe(items[u])
		if len(ci.Names) == 0 {
			nobody = append(nobody, owed.Named{Name: u.Name, Owes: what})
			continue
		}
		n++
		if n > maxDigestLines {
			continue
		}
		who := strings.Join(ci.Names, "、")
		if ci.Phone != "" {
			who += " " + ci.Phone
		}
		days := ""
		if d := owed.MostDaysLate(items[u], at, c.TimeZone); d > 0 {
			days = fmt.Sprintf(lt.DigestLate, d)
		}
		fmt.Fprintf(&out, "\n%d. %s（%s）%s— %s", n, u.Name, what, days, who)
	}
	if n > maxDigestLines {
		fmt.Fprintf(&out, lt.DigestMore, n-maxDigestLines)
	}
	if len(nobody) > 0 {
		fmt.Fprintf(&out, "\n\n"+t.DigestUninvited, len(nobody), owed.Grouped(nobody, maxDigestLines, catalog.ReportTexts.SummaryLateMore))
	}
	buttons := [][]dialogs.Button{{
		{Label: t.DigestNudge, Data: dialogs.NudgeButton(parent.Code)},
		{Label: t.DigestDetails, Data: dialogs.DetailButton(parent.Code, "late")},
	}}
	return dialogs.Reply{Text: out.String(), Buttons: buttons}, true
}
