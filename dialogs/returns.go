package dialogs

import (
	"fmt"
	"strconv"
	"strings"

	"tianbao/campaign"
)

// A return travels down the levels the way the figures came up. A level
// above returns a package and flags units inside it (a county two levels
// down, or a town four levels down); the unit that forwarded the package
// passes the return on one level: to a unit it reviews itself (its own
// form, a county of a city), whose approved form is reopened with the
// reason and the flags; or to the unit below that forwarded what carried
// the flagged unit, whose package is returned in turn, with the flags of
// its own subtree. Each level is told, with the reason and the flags. The
// correction comes back up the same way, each package showing what
// changed; and while a flagged unit still carries the version that was
// returned, the package cannot go up again: the level that returned it is
// not bypassed by forwarding the same figures.

// hopOf is how a return flagged on unit reaches it from x, the unit whose
// package was returned: through x itself or a unit x reviews (its form is
// reopened), or through the child of x whose package carried it
// (viaPackage).
func hopOf(c *campaign.Campaign, x *campaign.Unit, unit string) (hop *campaign.Unit, viaPackage bool) {
	u := c.Units[unit]
	if u == nil {
		return nil, false
	}
	if u.Code == x.Code {
		return x, false
	}
	for u != nil && u.Parent != x.Code {
		u = c.Units[u.Parent]
	}
	if u == nil {
		return nil, false
	}
	return u, len(u.Children) > 0
}

// accepted reports a status a package carries a unit's form in: approved,
// or marked by the level above it (免报, 未收到).
func (s SubmissionStatus) accepted() bool {
	return s == SubApproved || s == SubExempt || s == SubNotReceived
}

// returnHop is what of a returned package goes through one hop: the
// flagged units (each with its items; none: its whole form).
type returnHop struct {
	hop   *campaign.Unit
	via   bool
	units []string
	items map[string][]string
}

// returnHops groups a package's return by the hop each flagged unit is
// reached through, in the package's order. A return that flags nothing is
// a return of everything it carries.
func (t *turn) returnHops(pkg *Submission, flags []string) []*returnHop {
	x := t.camp.Units[pkg.Unit]
	flagged := map[string][]string{}
	whole := map[string]bool{}
	for _, fl := range flags {
		unit, item, _ := strings.Cut(fl, "|")
		if item == "" {
			whole[unit] = true
		} else {
			flagged[unit] = append(flagged[unit], item)
		}
	}
	var out []*returnHop
	byHop := map[string]*returnHop{}
	for _, c := range carriedOf(pkg) {
		if len(flags) > 0 && !whole[c.Unit] && flagged[c.Unit] == nil {
			continue
		}
		hop, via := hopOf(t.camp, x, c.Unit)
		if hop == nil {
			continue
		}
		h := byHop[hop.Code]
		if h == nil {
			h = &returnHop{hop: hop, via: via, items: map[string][]string{}}
			byHop[hop.Code] = h
			out = append(out, h)
		}
		h.units = append(h.units, c.Unit)
		if !whole[c.Unit] {
			h.items[c.Unit] = flagged[c.Unit]
		}
	}
	return out
}

// hopFlags are the package flags that go through h, as they were given
// (unit, or unit|item); none for a return of everything.
func hopFlags(h *returnHop, flags []string) []string {
	var out []string
	for _, fl := range flags {
		unit, _, _ := strings.Cut(fl, "|")
		for _, u := range h.units {
			if u == unit {
				out = append(out, fl)
			}
		}
	}
	return out
}

// lastReturn is the reason and the flags of a returned submission's return.
func (t *turn) lastReturn(sub *Submission) (string, []string, error) {
	events, err := t.tx.History(t.ctx, sub.ID)
	if err != nil {
		return "", nil, err
	}
	for i := len(events) - 1; i >= 0; i-- {
		if events[i].Status == SubReturned {
			return events[i].Reason, events[i].Flagged, nil
		}
	}
	return "", nil, nil
}

// hopPending reports whether the return still waits to be passed through
// h: the unit reopened here still stands as the package carried it, or the
// child's package that carried the flagged units still stands accepted.
func (t *turn) hopPending(f *campaign.Form, pkg *Submission, h *returnHop) (bool, error) {
	carried := map[string]int64{}
	for _, c := range carriedOf(pkg) {
		carried[c.Unit] = c.Submission
	}
	if !h.via {
		sub, err := t.tx.LatestSubmission(t.ctx, t.c.Campaign, h.hop.Code, f.ID)
		if err != nil || sub == nil {
			return false, err
		}
		return sub.ID == carried[h.hop.Code] && sub.Status.accepted(), nil
	}
	child, err := t.tx.LatestSubmission(t.ctx, t.c.Campaign, h.hop.Code, PackageForm(f.ID))
	if err != nil || child == nil || !child.Status.accepted() {
		return false, err
	}
	if child.Status != SubApproved {
		return carried[h.hop.Code] == child.ID, nil // a mark the package carried
	}
	below := map[string]int64{}
	for _, c := range carriedOf(child) {
		below[c.Unit] = c.Submission
	}
	for _, u := range h.units {
		if below[u] != carried[u] {
			return false, nil
		}
	}
	return true, nil
}

// unitState says where a flagged unit's correction stands, against the
// version the returned package carried.
func (t *turn) unitState(f *campaign.Form, unit string, carried int64) (string, error) {
	u := t.camp.Units[unit]
	form := f.ID
	was, err := t.tx.Submission(t.ctx, carried)
	if err != nil {
		return "", err
	}
	if was != nil {
		form = was.Form // a package, for a unit below marked as a whole
	}
	sub, err := t.tx.LatestSubmission(t.ctx, t.c.Campaign, unit, form)
	if err != nil {
		return "", err
	}
	switch {
	case sub == nil:
		return so.HopFixing, nil
	case sub.ID == carried && sub.Status.accepted():
		return so.HopWaits, nil
	case sub.Status == SubSubmitted:
		by := reviewerUnit(t.camp, u)
		if IsPackage(form) {
			by = u.Parent
		}
		return fmt.Sprintf(so.HopResubmit, t.camp.Units[by].Name), nil
	case sub.Status == SubApproved:
		return fmt.Sprintf(so.HopFixed, sub.Version), nil
	case sub.Status == SubExempt || sub.Status == SubNotReceived:
		return fmt.Sprintf(so.HopMarked, markName(sub.Status)), nil
	}
	return so.HopFixing, nil
}

// whereIs says where a flagged unit's correction stands, seen from x
// whose package was returned: the unit's own state once the return has
// reached it, else the lowest level the return has reached (退回已到杭州市).
func (t *turn) whereIs(f *campaign.Form, x *campaign.Unit, unit string, carried int64) (string, error) {
	state, err := t.unitState(f, unit, carried)
	if err != nil || state != so.HopWaits {
		return state, err
	}
	at := x
	for {
		hop, via := hopOf(t.camp, at, unit)
		if hop == nil || !via || hop == at {
			break
		}
		child, err := t.tx.LatestSubmission(t.ctx, t.c.Campaign, hop.Code, PackageForm(f.ID))
		if err != nil {
			return "", err
		}
		if child == nil || child.Status != SubReturned {
			break
		}
		at = hop
	}
	return fmt.Sprintf(so.HopPassed, at.Name), nil
}

// returnedPackageNote tells a unit what the level above returned in its
// package and why, with a button per unit below to pass the return on to
// (while it waits to be), and one to forward again. With states, each
// flagged unit's correction is said where it stands.
func (t *turn) returnedPackageNote(pkg *Submission, reason string, flags []string, states bool) (string, [][]Button, error) {
	f := t.camp.Form(packageForm(pkg.Form))
	carried := map[string]int64{}
	for _, c := range carriedOf(pkg) {
		carried[c.Unit] = c.Submission
	}
	var what []string
	var buttons [][]Button
	var lines strings.Builder
	id := strconv.FormatInt(pkg.ID, 10)
	for _, h := range t.returnHops(pkg, flags) {
		if len(flags) > 0 {
			for _, unit := range h.units {
				items := msg.WholeForm
				if len(h.items[unit]) > 0 {
					sub, err := t.tx.Submission(t.ctx, carried[unit])
					if err != nil {
						return "", nil, err
					}
					var labels []string
					for _, key := range h.items[unit] {
						if sub != nil {
							labels = append(labels, itemLabel(f, snapshotDraft(sub), key))
						} else {
							labels = append(labels, key)
						}
					}
					items = strings.Join(labels, "、")
				}
				what = append(what, fmt.Sprintf("%s（%s）", t.camp.Units[unit].Name, items))
			}
		}
		pending, err := t.hopPending(f, pkg, h)
		if err != nil {
			return "", nil, err
		}
		if pending {
			buttons = append(buttons, []Button{{Label: fmt.Sprintf(msg.BtnPassOn, h.hop.Name), Data: reopenPrefix + id + ":" + h.hop.Code}})
		}
		if !states {
			continue
		}
		for _, unit := range h.units {
			state := so.HopWaits
			if !pending {
				if state, err = t.whereIs(f, t.camp.Units[pkg.Unit], unit, carried[unit]); err != nil {
					return "", nil, err
				}
			}
			fmt.Fprintf(&lines, so.PassOnState, t.camp.Units[unit].Name, state)
		}
	}
	if len(what) == 0 {
		what = []string{msg.WholePackage}
	}
	buttons = append(buttons, []Button{{Label: fmt.Sprintf(msg.BtnForward, f.ShortName()), Data: forwardPrefix + f.ID}})
	text := fmt.Sprintf(msg.PackageReturned, f.Name(), pkg.Version, t.camp.Units[t.parentOf(pkg.Unit)].Name, reason, strings.Join(what, "；"))
	return text + lines.String(), buttons, nil
}

func (t *turn) parentOf(unit string) string {
	if u := t.camp.Units[unit]; u != nil && u.Parent != "" {
		return u.Parent
	}
	return unit
}

// returnPackage sends a package back with the reason and what is flagged
// (units, or items of units: only what each unit may correct). Its unit is
// told, with a button per unit below to pass the return on to, and the
// package waits as returned on its /forward until it is forwarded again.
func (t *turn) returnPackage(sub *Submission, reason string, flags []string) error {
	f, x := t.camp.Form(packageForm(sub.Form)), t.camp.Units[sub.Unit]
	var ordered []string // in the package's order, whatever the order ticked in
	for _, c := range carriedOf(sub) {
		var items []string
		whole := false
		for _, fl := range flags {
			if fl == c.Unit {
				whole = true
			} else if item, ok := strings.CutPrefix(fl, c.Unit+"|"); ok {
				items = append(items, item)
			}
		}
		if whole {
			ordered = append(ordered, c.Unit)
			continue
		}
		if len(items) == 0 {
			continue
		}
		unitSub, err := t.tx.Submission(t.ctx, c.Submission)
		if err != nil {
			return err
		}
		if unitSub == nil {
			continue
		}
		for _, item := range orderFlags(f, unitSub.Data, t.camp.Units[c.Unit].Level, items) {
			ordered = append(ordered, c.Unit+"|"+item)
		}
	}
	if err := t.tx.SetSubmissionStatus(t.ctx, sub, SubReturned, t.c.ID, reason, ordered); err != nil {
		return err
	}
	notice, buttons, err := t.returnedPackageNote(sub, reason, ordered, false)
	if err != nil {
		return err
	}
	if err := t.tell(sub.Unit, "package_returned", Reply{Text: notice, Buttons: buttons}, reviewers...); err != nil {
		return err
	}
	t.s.Mode, t.s.Returning = ModeHome, nil
	t.note(msg.ReturnedDone, subjectOf(x, f, sub))
	return t.show()
}

// reopen passes a package's return on one level (ro:<package>:<hop>): the
// hop's accepted form (the version the package carried) is returned to it
// with the level above's reason and the items flagged in it; or the hop's
// package that carried the flagged units is returned to its reviewers with
// the flags of its subtree. Only the reviewers of the package's unit may,
// only while that package stands returned, and only once.
func (t *turn) reopen(rest string) error {
	idText, hopCode, _ := strings.Cut(rest, ":")
	id, err := strconv.ParseInt(idText, 10, 64)
	if err != nil {
		return t.staleNotice()
	}
	pkg, err := t.tx.Submission(t.ctx, id)
	if err != nil {
		return err
	}
	hop := t.camp.Units[hopCode]
	if pkg == nil || !IsPackage(pkg.Form) || pkg.Campaign != t.c.Campaign || pkg.Unit != t.c.Unit || !t.reviews() ||
		hop == nil || (hop.Code != t.c.Unit && hop.Parent != t.c.Unit) {
		t.note(msg.NotYourReview)
		return t.show()
	}
	f := t.camp.Form(packageForm(pkg.Form))
	latest, err := t.tx.LatestSubmission(t.ctx, t.c.Campaign, t.c.Unit, pkg.Form)
	if err != nil {
		return err
	}
	if f == nil || pkg.Status != SubReturned || latest == nil || latest.ID != pkg.ID {
		t.note(msg.ReopenGone)
		return t.show()
	}
	reason, flags, err := t.lastReturn(pkg)
	if err != nil {
		return err
	}
	var h *returnHop
	for _, x := range t.returnHops(pkg, flags) {
		if x.hop.Code == hop.Code {
			h = x
		}
	}
	if h == nil {
		return t.staleNotice()
	}
	pending, err := t.hopPending(f, pkg, h)
	if err != nil {
		return err
	}
	if !pending {
		carried := map[string]int64{}
		for _, c := range carriedOf(pkg) {
			carried[c.Unit] = c.Submission
		}
		state, err := t.whereIs(f, t.unit, h.units[0], carried[h.units[0]])
		if err != nil {
			return err
		}
		t.replies = append(t.replies, Reply{Text: fmt.Sprintf(so.ReopenAlready, t.camp.Units[h.units[0]].Name, f.Name(), state)})
		return nil
	}
	reason = t.originOf(reason)
	if h.via {
		return t.passOnPackage(f, h, reason, hopFlags(h, flags))
	}
	sub, err := t.tx.LatestSubmission(t.ctx, t.c.Campaign, hop.Code, f.ID)
	if err != nil || sub == nil {
		return err
	}
	items := h.items[hop.Code]
	if err := t.tx.SetSubmissionStatus(t.ctx, sub, SubReturned, t.c.ID, reason, items); err != nil {
		return err
	}
	what := msg.WholeForm
	if len(items) > 0 {
		var labels []string
		for _, key := range items {
			labels = append(labels, itemLabel(f, snapshotDraft(sub), key))
		}
		what = strings.Join(labels, "、")
	}
	notice := fmt.Sprintf(msg.ReturnedNotice, f.Name(), sub.Version, t.unit.Name, reason, what)
	if err := t.tell(hop.Code, "returned", Reply{Text: notice, Buttons: [][]Button{{{Label: msg.BtnGoFix, Data: goPrefix + f.ID}}}}, everyone...); err != nil {
		return err
	}
	t.replies = append(t.replies, Reply{Text: fmt.Sprintf(msg.ReopenDone, hop.Name, f.Name())})
	return nil
}

// passOnPackage returns the package of the unit below that carried the
// flagged units, with the flags of its subtree, and tells its reviewers.
func (t *turn) passOnPackage(f *campaign.Form, h *returnHop, reason string, flags []string) error {
	child, err := t.tx.LatestSubmission(t.ctx, t.c.Campaign, h.hop.Code, PackageForm(f.ID))
	if err != nil || child == nil {
		return err
	}
	if child.Status != SubApproved {
		flags = nil // a mark: the whole package is asked for
	}
	if err := t.tx.SetSubmissionStatus(t.ctx, child, SubReturned, t.c.ID, reason, flags); err != nil {
		return err
	}
	notice, buttons, err := t.returnedPackageNote(child, reason, flags, false)
	if err != nil {
		return err
	}
	if err := t.tell(h.hop.Code, "package_returned", Reply{Text: notice, Buttons: buttons}, reviewers...); err != nil {
		return err
	}
	var names []string
	for _, u := range h.units {
		names = append(names, t.camp.Units[u].Name)
	}
	t.replies = append(t.replies, Reply{Text: fmt.Sprintf(so.PassedOnTo, h.hop.Name, strings.Join(names, "、"), h.hop.Name)})
	return nil
}

// originOf is a return's reason as it is passed on: said to come from the
// level above (浙江省退回：…), or, when that level passed it on itself,
// from the level it came from (全国退回：…), once.
func (t *turn) originOf(reason string) string {
	for u := t.camp.Units[t.unit.Parent]; u != nil; u = t.camp.Units[u.Parent] {
		if strings.HasPrefix(reason, fmt.Sprintf(msg.PassedOnReason, u.Name, "")) {
			return reason
		}
	}
	return fmt.Sprintf(msg.PassedOnReason, t.camp.Units[t.parentOf(t.c.Unit)].Name, reason)
}

// stillOpen is what of a returned package's return is not corrected in
// what would go up now: the flagged units that still carry the version
// returned; for a return of everything, whether nothing changed at all.
func stillOpen(returned *Submission, flags []string, now []carriedUnit) (units []string, whole bool) {
	before := map[string]int64{}
	for _, c := range carriedOf(returned) {
		before[c.Unit] = c.Submission
	}
	after := map[string]int64{}
	for _, c := range now {
		after[c.Unit] = c.Submission
	}
	if len(flags) == 0 {
		if len(before) != len(after) {
			return nil, false
		}
		for u, id := range before {
			if after[u] != id {
				return nil, false
			}
		}
		return nil, true
	}
	seen := map[string]bool{}
	for _, fl := range flags {
		unit, _, _ := strings.Cut(fl, "|")
		if !seen[unit] && before[unit] != 0 && after[unit] == before[unit] {
			units = append(units, unit)
		}
		seen[unit] = true
	}
	return units, false
}

// openReturn is stillOpen of a readiness whose latest package was
// returned, said for people ("" when nothing is open).
func (t *turn) openReturn(r *readiness) (string, bool, error) {
	if r.latest == nil || r.latest.Status != SubReturned {
		return "", false, nil
	}
	_, flags, err := t.lastReturn(r.latest)
	if err != nil {
		return "", false, err
	}
	units, whole := stillOpen(r.latest, flags, r.carried)
	var unitNames []string
	for _, u := range units {
		unitNames = append(unitNames, t.camp.Units[u].Name)
	}
	return names(unitNames, 6), whole, nil
}

// returnsBlock is the start screen's word on returns. For a unit that
// forwards: its packages the level above returned, to pass on and correct.
// For a reviewer of the units below: the packages it returned (or passed a
// return on in) that have not come back, with where each flagged unit's
// correction stands: the return stays in sight until it is corrected.
func (t *turn) returnsBlock() (string, [][]Button, error) {
	if !t.reviews() || len(t.unit.Children) == 0 {
		return "", nil, nil
	}
	units := append([]string(nil), t.unit.Children...)
	if t.canForward() {
		units = append(units, t.c.Unit)
	}
	pkgs, err := t.tx.ReturnedPackages(t.ctx, t.c.Campaign, units)
	if err != nil || len(pkgs) == 0 {
		return "", nil, err
	}
	var own, theirs strings.Builder
	nOwn, nTheirs := 0, 0
	for _, p := range pkgs {
		f := t.camp.Form(packageForm(p.Form))
		if f == nil {
			continue
		}
		reason, flags, err := t.lastReturn(p)
		if err != nil {
			return "", nil, err
		}
		if p.Unit == t.c.Unit {
			nOwn++
			fmt.Fprintf(&own, so.OwnReturnLine, fmt.Sprintf(desk.ItemPackage, t.unit.Name, f.ShortName(), p.Version), t.camp.Units[t.unit.Parent].Name, reason)
			continue
		}
		if !t.canReviewPackage(p.Unit) {
			continue
		}
		nTheirs++
		var states []string
		seen := map[string]bool{}
		carried := map[string]int64{}
		for _, c := range carriedOf(p) {
			carried[c.Unit] = c.Submission
		}
		for _, fl := range flags {
			unit, _, _ := strings.Cut(fl, "|")
			if seen[unit] || t.camp.Units[unit] == nil {
				continue
			}
			seen[unit] = true
			state, err := t.whereIs(f, t.camp.Units[p.Unit], unit, carried[unit])
			if err != nil {
				return "", nil, err
			}
			states = append(states, t.camp.Units[unit].Name+" "+state)
		}
		if len(states) == 0 {
			states = []string{msg.WholePackage}
		}
		fmt.Fprintf(&theirs, so.OpenReturnLine, fmt.Sprintf(desk.ItemPackage, t.camp.Units[p.Unit].Name, f.ShortName(), p.Version), strings.Join(states, "；"))
	}
	var parts []string
	var buttons [][]Button
	if nOwn > 0 {
		parts = append(parts, fmt.Sprintf(so.OwnReturnsHead, nOwn)+own.String())
		buttons = append(buttons, []Button{{Label: so.BtnOwnReturns, Data: "forward"}})
	}
	if nTheirs > 0 {
		parts = append(parts, fmt.Sprintf(so.OpenReturnsHead, nTheirs)+theirs.String())
	}
	return strings.Join(parts, "\n\n"), buttons, nil
}
