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
	"tianbao/store"
)

// digestForm marks the slot of a reviewers' digest.
const digestForm = "*digest*"

// Slot is one due reminder: a unit's form at a moment.
type Slot struct {
	Unit     *campaign.Unit
	Form     *campaign.Form
	At       time.Time
	Due      time.Time
	Status   string // draft, returned, or none (never opened)
	Answered int
	Total    int
}

// Overdue reports whether the slot is after the due date.
func (s Slot) Overdue() bool { return s.At.After(s.Due) }

// state is a unit's standing on a form.
type state struct {
	status          string
	answered, total int
}

// Due lists the slots in (from, to] for every unit that has not submitted a
// form at its level: not started, draft or returned. Submitted and approved
// forms are never reminded.
func Due(c *campaign.Campaign, states map[[2]string]state, extensions map[[2]string]time.Time, from, to time.Time) []Slot {
	var out []Slot
	owed(c, states, extensions, func(u *campaign.Unit, f *campaign.Form, st state, due time.Time) {
		policy := f.Reminders[u.Level]
		if policy.Quiet(to.In(c.TimeZone)) {
			return // caught up once the quiet hours end
		}
		for _, at := range policy.Slots(due, c.TimeZone, c.Calendar) {
			if at.Before(f.Opens) {
				continue // a period is reminded of once it can be filled
			}
			if at.After(from) && !at.After(to) {
				out = append(out, Slot{Unit: u, Form: f, At: at, Due: due, Status: st.status, Answered: st.answered, Total: st.total})
			}
		}
	})
	return out
}

// owed calls fn, form by form and unit by unit in the units file's order,
// for every form a unit fills at its level and has not submitted (not
// started, draft or returned), with where it stands and its due date (an
// approved extension's, or its level's).
func owed(c *campaign.Campaign, states map[[2]string]state, extensions map[[2]string]time.Time, fn func(u *campaign.Unit, f *campaign.Form, st state, due time.Time)) {
	for _, f := range c.Forms {
		for _, code := range c.Order {
			u := c.Units[code]
			if !f.FilledByUnit(u) {
				continue
			}
			st, ok := states[[2]string{code, f.ID}]
			if !ok {
				st = state{status: "none", total: fieldsOf(f)}
			}
			if st.status == string(campaign.StatusSubmitted) || st.status == string(campaign.StatusApproved) || campaign.Status(st.status).Marked() {
				continue // in, or marked 免报／未收到 by the level above: nobody chases it
			}
			due := f.Due[u.Level]
			if ext, ok := extensions[[2]string{code, f.ID}]; ok {
				due = ext
			}
			fn(u, f, st, due)
		}
	}
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

func loadStates(ctx context.Context, db *store.DB, c *campaign.Campaign) (map[[2]string]state, map[[2]string]time.Time, error) {
	rows, err := db.ReminderStates(ctx, c.ID)
	if err != nil {
		return nil, nil, err
	}
	states := map[[2]string]state{}
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
		st := r.Status
		if st == string(campaign.StatusDraft) && r.Answered == 0 && r.Rows == 0 {
			st = "none"
		}
		states[[2]string{r.Unit, r.Form}] = state{status: st, answered: r.Answered, total: total}
	}
	exts, err := db.ApprovedExtensions(ctx, c.ID)
	if err != nil {
		return nil, nil, err
	}
	extensions := map[[2]string]time.Time{}
	for _, e := range exts {
		extensions[[2]string{e.Unit, e.Form}] = campaign.EndOfDay(e.NewDue, c.TimeZone)
	}
	return states, extensions, nil
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
	states, extensions, err := loadStates(ctx, db, c)
	if err != nil {
		return nil, err
	}
	slots := Due(c, states, extensions, from, to)
	if len(slots) == 0 {
		return nil, nil
	}
	people, err := db.Reachable(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	info, err := lateContacts(ctx, db, c, slots)
	if err != nil {
		return nil, err
	}
	if dry {
		return plan(c, slots, people, to, info), nil
	}
	keys := make([]store.SlotKey, 0, len(slots))
	for _, s := range slots {
		keys = append(keys, store.SlotKey{Unit: s.Unit.Code, Form: s.Form.ID, At: s.At})
	}
	for _, d := range digestKeys(c, slots) {
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
			if isFresh[store.SlotKey{Unit: s.Unit.Code, Form: s.Form.ID, At: s.At.UTC()}] {
				todo = append(todo, s)
			}
		}
		planned = plan(c, todo, people, to, info)
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

// lateContacts is who to call about each overdue unit, for the digests.
func lateContacts(ctx context.Context, db *store.DB, c *campaign.Campaign, slots []Slot) (map[string]store.ContactInfo, error) {
	var codes []string
	seen := map[string]bool{}
	for _, s := range slots {
		if s.Overdue() && !seen[s.Unit.Code] {
			seen[s.Unit.Code] = true
			codes = append(codes, s.Unit.Code)
		}
	}
	if len(codes) == 0 {
		return nil, nil
	}
	return db.UnitContactInfo(ctx, c, codes)
}

func digestKeys(c *campaign.Campaign, slots []Slot) []store.SlotKey {
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

// plan turns slots into messages: one per contact and slot time listing the
// unit's forms; before the due date the unit's main contact, once overdue
// all its contacts; and once overdue one digest per parent unit's reviewer.
func plan(c *campaign.Campaign, slots []Slot, people []store.Recipient, now time.Time, info map[string]store.ContactInfo) []Planned {
	byUnit := map[string][]store.Recipient{}
	for _, p := range people {
		byUnit[p.Unit] = append(byUnit[p.Unit], p)
	}
	type group struct {
		unit *campaign.Unit
		at   time.Time
	}
	groups := map[group][]Slot{}
	var order []group
	for _, s := range slots {
		g := group{s.Unit, s.At}
		if _, ok := groups[g]; !ok {
			order = append(order, g)
		}
		groups[g] = append(groups[g], s)
	}
	var out []Planned
	late := map[group][]Slot{} // by parent unit and time
	var lateOrder []group
	for _, g := range order {
		ss := groups[g]
		overdue := false
		for _, s := range ss {
			overdue = overdue || s.Overdue()
		}
		for _, r := range recipients(byUnit[g.unit.Code], overdue) {
			out = append(out, Planned{Contact: r.ID, Unit: g.unit.Code, Forms: formIDs(ss), At: g.at, Reply: reminderText(c, g.unit, ss, now)})
		}
		if overdue && g.unit.Parent != "" {
			pg := group{c.Units[g.unit.Parent], g.at}
			if _, ok := late[pg]; !ok {
				lateOrder = append(lateOrder, pg)
			}
			for _, s := range ss {
				if s.Overdue() {
					late[pg] = append(late[pg], s)
				}
			}
		}
	}
	for _, pg := range lateOrder {
		reply := digest(c, pg.unit, late[pg], info)
		for _, r := range byUnit[pg.unit.Code] {
			if r.Role == string(dialogs.Reviewer) || r.Role == string(dialogs.Admin) {
				out = append(out, Planned{Contact: r.ID, Unit: pg.unit.Code, At: pg.at, Digest: true, Reply: reply})
			}
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
		out[i] = s.Form.ID
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
		day := s.Due.In(c.TimeZone).Format("1月2日")
		left := campaign.DaysLeft(s.At, s.Due, c.TimeZone)
		when := fmt.Sprintf(catalog.Texts.ReminderDaysLeft, day, left)
		switch {
		case left == 0:
			when = fmt.Sprintf(catalog.Texts.ReminderToday, day)
		case left < 0:
			when = fmt.Sprintf(catalog.Texts.ReminderOverdue, day, -left)
		}
		fmt.Fprintf(&b, "\n· %s：%s，%s", s.Form.Name(), progress, when)
		buttons = append(buttons, []dialogs.Button{{Label: fmt.Sprintf(catalog.Texts.ReminderOpen, s.Form.ShortName()), Data: dialogs.OpenButton(s.Form.ID)}})
	}
	return dialogs.Reply{Text: b.String(), Buttons: buttons}
}

// digest tells a unit's reviewers which units under it are late: one line
// each with the late forms and whom to call, then the late units nobody was
// invited for (their reminders reach no one), with 催报 and the details.
func digest(c *campaign.Campaign, parent *campaign.Unit, late []Slot, info map[string]store.ContactInfo) dialogs.Reply {
	t := catalog.Texts
	forms := map[string][]string{}
	var units []*campaign.Unit
	for _, s := range late {
		if _, ok := forms[s.Unit.Code]; !ok {
			units = append(units, s.Unit)
		}
		forms[s.Unit.Code] = append(forms[s.Unit.Code], s.Form.ShortName())
	}
	sort.SliceStable(units, func(i, j int) bool { return units[i].Code < units[j].Code })
	level := ""
	if len(units) > 0 {
		level = c.LevelName(units[0].Level)
	}
	var b strings.Builder
	fmt.Fprintf(&b, t.DigestText, parent.Name, len(units), level)
	var nobody []string
	n := 0
	for _, u := range units {
		ci := info[u.Code]
		if len(ci.Names) == 0 {
			nobody = append(nobody, fmt.Sprintf("%s（%s）", u.Name, strings.Join(forms[u.Code], "、")))
			continue
		}
		n++
		who := strings.Join(ci.Names, "、")
		if ci.Phone != "" {
			who += " " + ci.Phone
		}
		fmt.Fprintf(&b, "\n%d. %s（%s）— %s", n, u.Name, strings.Join(forms[u.Code], "、"), who)
	}
	if len(nobody) > 0 {
		fmt.Fprintf(&b, "\n\n"+t.DigestUninvited, len(nobody), strings.Join(nobody, "、"))
	}
	buttons := [][]dialogs.Button{{
		{Label: t.DigestNudge, Data: dialogs.NudgeButton(parent.Code)},
		{Label: t.DigestDetails, Data: dialogs.DetailButton(parent.Code, "late")},
	}}
	return dialogs.Reply{Text: b.String(), Buttons: buttons}
}
