// Package owed knows what every unit owes the unit above it, by when, and
// what of it is late: a unit's own return of each form its level fills
// (every period of a standing return), and, for a unit with units below and
// one above (a city), the package it forwards (上报) of each form filled in
// its subtree. A city that approved everything but never pressed 📤 上报 is
// as late for its province as a county that never filled its form is for
// its city. /summary, the desk, the digests, the reminders and 催报 all
// count from here, so that they agree.
package owed

import (
	"context"
	"fmt"
	"strings"
	"time"

	"tianbao/campaign"
	"tianbao/dialogs"
	"tianbao/store"
)

// States of a return (as the drafts hold them, "none" for one never
// started) and of a package.
const (
	None      = "none"
	Draft     = "draft"
	Submitted = "submitted"
	Returned  = "returned"
	Approved  = "approved"
	Withdrawn = "withdrawn"
	// Exempt and NotReceived are marks the level above set, with a
	// reason (免报, 未收到): the return or package is in, as far as anyone
	// chases it, and its package goes up without it.
	Exempt      = string(campaign.StatusExempt)
	NotReceived = string(campaign.StatusNotReceived)
	// Ready is a package not forwarded whose every part is approved:
	// 已审核未上报.
	Ready = "ready"
)

type key struct{ unit, form string }

// Book is where units stand on everything they owe.
type Book struct {
	c        *campaign.Campaign
	returns  map[key]string
	packages map[key]string
	extended map[key]time.Time
}

// New is an empty book of c: nothing started, nothing forwarded.
func New(c *campaign.Campaign) *Book {
	return &Book{c: c, returns: map[key]string{}, packages: map[key]string{}, extended: map[key]time.Time{}}
}

// Campaign is the book's campaign.
func (b *Book) Campaign() *campaign.Campaign { return b.c }

// SetReturn records where a unit's own return of a form stands: none,
// draft, submitted, returned or approved.
func (b *Book) SetReturn(unit, form, status string) { b.returns[key{unit, form}] = status }

// SetPackage records the status of a unit's latest package of a form (the
// form's id, not the package's): submitted, approved, returned, withdrawn.
func (b *Book) SetPackage(unit, form, status string) { b.packages[key{unit, form}] = status }

// Extend records an approved extension: the unit's form is due at due.
func (b *Book) Extend(unit, form string, due time.Time) { b.extended[key{unit, form}] = due }

// Load reads the book of the units (every unit of the campaign when units
// is nil) from the database.
func Load(ctx context.Context, db *store.DB, c *campaign.Campaign, units []string) (*Book, error) {
	codes := units
	if codes == nil {
		codes = c.Order
	}
	b := New(c)
	rows, err := db.FormStates(ctx, c.ID, codes)
	if err != nil {
		return nil, fmt.Errorf("owed: %w", err)
	}
	for _, r := range rows {
		switch {
		case dialogs.IsPackage(r.Form):
		case r.Status == Draft && !r.Started:
			b.SetReturn(r.Unit, r.Form, None)
		default:
			b.SetReturn(r.Unit, r.Form, r.Status)
		}
	}
	pkgs, err := db.LatestPackages(ctx, c.ID, units)
	if err != nil {
		return nil, fmt.Errorf("owed: %w", err)
	}
	for _, p := range pkgs {
		b.SetPackage(p.Unit, strings.TrimPrefix(p.Form, dialogs.PackageForm("")), p.Status)
	}
	exts, err := db.ApprovedExtensions(ctx, c.ID)
	if err != nil {
		return nil, fmt.Errorf("owed: %w", err)
	}
	for _, e := range exts {
		b.Extend(e.Unit, e.Form, campaign.EndOfDay(e.NewDue, c.TimeZone))
	}
	return b, nil
}

// Return is where a unit's own return of a form stands.
func (b *Book) Return(unit, form string) string {
	if s, ok := b.returns[key{unit, form}]; ok {
		return s
	}
	return None
}

// Package is the status of a unit's latest package of a form, "" if it
// never forwarded one.
func (b *Book) Package(unit, form string) string { return b.packages[key{unit, form}] }

// Due is when what u owes of f is due: its approved extension, or its
// level's date (campaign.DueFor).
func (b *Book) Due(u *campaign.Unit, f *campaign.Form) (time.Time, bool) {
	if d, ok := b.extended[key{u.Code, f.ID}]; ok {
		return d, true
	}
	return b.c.DueFor(u, f)
}

// accepted reports whether a status is in for good: approved, or marked by the
// level above (免报, 未收到).
func accepted(status string) bool { return status == Approved || campaign.Status(status).Marked() }

// done reports whether nothing is owed on a status: in, or submitted and
// waiting for the level above.
func done(status string) bool { return status == Submitted || accepted(status) }

// Readiness counts what u's package of f carries, and how much of it is
// approved (or marked 免报／未收到, which goes up in its place).
func (b *Book) Readiness(u *campaign.Unit, f *campaign.Form) (approved, total int) {
	for _, k := range b.c.Carries(u, f) {
		total++
		if k.Package && accepted(b.Package(k.Unit.Code, f.ID)) || !k.Package && accepted(b.Return(k.Unit.Code, f.ID)) {
			approved++
		}
	}
	return approved, total
}

// PackageCell is where u's package of f stands, as the matrix shows it:
// pkg_approved, pkg_submitted, pkg_returned, pkg_ready (已审核未上报) or
// pkg_none (未上报).
func (b *Book) PackageCell(u *campaign.Unit, f *campaign.Form) string {
	switch s := b.Package(u.Code, f.ID); s {
	case Approved, Submitted, Returned, Exempt, NotReceived:
		return "pkg_" + s
	}
	if a, n := b.Readiness(u, f); n > 0 && a == n {
		return "pkg_" + Ready
	}
	return "pkg_" + None
}

// Item is one thing a unit still owes: its own return of a form (not
// submitted, or returned), or its package of a form (not forwarded, or
// returned from above).
type Item struct {
	Unit    *campaign.Unit
	Form    *campaign.Form
	Package bool
	// Status of a return: none, draft or returned; of a package: none
	// (never forwarded, or withdrawn), ready (everything it carries is
	// approved: 已审核未上报) or returned (from above, not yet forwarded again).
	Status string
	Due    time.Time
	HasDue bool
}

// LateAt reports whether the item is past its due date at now.
func (it Item) LateAt(now time.Time) bool { return it.HasDue && now.After(it.Due) }

// Owed is what u still owes of f, whatever the date.
func (b *Book) Owed(u *campaign.Unit, f *campaign.Form) []Item {
	o := b.c.Owes(u, f)
	if !o.Any() {
		return nil
	}
	due, ok := b.Due(u, f)
	var out []Item
	if o.Return {
		if s := b.Return(u.Code, f.ID); !done(s) {
			out = append(out, Item{Unit: u, Form: f, Status: s, Due: due, HasDue: ok})
		}
	}
	if o.Package {
		if s := b.Package(u.Code, f.ID); !done(s) {
			// Returned from above it stays so until it goes up again: what
			// was flagged must be corrected first, however much is approved.
			status := None
			if s == Returned {
				status = Returned
			} else if a, n := b.Readiness(u, f); n > 0 && a == n {
				status = Ready
			}
			out = append(out, Item{Unit: u, Form: f, Package: true, Status: status, Due: due, HasDue: ok})
		}
	}
	return out
}

// Late is what u owes of f past its due date at now.
func (b *Book) Late(u *campaign.Unit, f *campaign.Form, now time.Time) []Item {
	var out []Item
	for _, it := range b.Owed(u, f) {
		if it.LateAt(now) {
			out = append(out, it)
		}
	}
	return out
}

// IsLate reports whether u owes anything of f past its due date.
func (b *Book) IsLate(u *campaign.Unit, f *campaign.Form, now time.Time) bool {
	return len(b.Late(u, f, now)) > 0
}

// Each calls fn for everything owed in the campaign, form by form (every
// period of a standing return, in order) and unit by unit in the units
// file's order.
func (b *Book) Each(fn func(Item)) {
	for _, f := range b.c.Forms {
		for _, code := range b.c.Order {
			for _, it := range b.Owed(b.c.Units[code], f) {
				fn(it)
			}
		}
	}
}

// Settled reports whether nothing of f is left to do in top's subtree:
// every return in it approved (or marked 免报／未收到), every package below
// top approved (or marked), and top's own package forwarded.
func (b *Book) Settled(subtree []*campaign.Unit, f *campaign.Form) bool {
	for i, u := range subtree {
		o := b.c.Owes(u, f)
		if o.Return && !accepted(b.Return(u.Code, f.ID)) {
			return false
		}
		if o.Package {
			s := b.Package(u.Code, f.ID)
			if !accepted(s) && (i > 0 || s != Submitted) {
				return false
			}
		}
	}
	return true
}

// Columns are the forms a view of top's subtree shows at now: every
// one-off form, and of each standing return every open period in which
// something is left to do in the subtree, oldest first — so the overdue
// ones come first — and its current period (the latest open, or the first
// before any opens) whatever its state. A period nobody owes anything for
// folds away.
func (b *Book) Columns(top *campaign.Unit, now time.Time) []*campaign.Form {
	subtree := Subtree(b.c, top.Code)
	current := map[*campaign.Form]bool{}
	for _, f := range b.c.Current(now) {
		current[f] = true
	}
	var out []*campaign.Form
	for _, f := range b.c.Forms {
		if f.Period == nil || current[f] || f.OpenAt(now) && !b.Settled(subtree, f) {
			out = append(out, f)
		}
	}
	return out
}

// Subtree lists unit and every unit below it, top down.
func Subtree(c *campaign.Campaign, unit string) []*campaign.Unit {
	var out []*campaign.Unit
	var walk func(code string)
	walk = func(code string) {
		u := c.Units[code]
		if u == nil {
			return
		}
		out = append(out, u)
		for _, k := range u.Children {
			walk(k)
		}
	}
	walk(unit)
	return out
}
