package campaign

import "time"

// Owing is what a unit owes the unit above it of one form.
type Owing struct {
	// Return: the unit fills the form itself (Form.FilledByUnit). Its
	// parent's reviewers approve it (a unit with units below approves its
	// own).
	Return bool
	// Package: the unit has units below and one above (a city), and the
	// form is filled at or below it: it forwards (上报) a package of its own
	// return and what the units right below it returned or forwarded, once
	// all of that is approved.
	Package bool
}

// Any reports whether the unit owes anything of the form.
func (o Owing) Any() bool { return o.Return || o.Package }

// Owes is what u owes of f. It is the one place that says which units owe
// which forms: the reminders, /summary, the desk and /forward all ask it.
func (c *Campaign) Owes(u *Unit, f *Form) Owing {
	return Owing{
		Return:  f.FilledByUnit(u),
		Package: u.Parent != "" && len(u.Children) > 0 && c.filledAtOrBelow(u, f),
	}
}

// filledAtOrBelow reports whether u or any unit below it fills f.
func (c *Campaign) filledAtOrBelow(u *Unit, f *Form) bool {
	if f.FilledByUnit(u) {
		return true
	}
	for _, code := range u.Children {
		if k := c.Units[code]; k != nil && c.filledAtOrBelow(k, f) {
			return true
		}
	}
	return false
}

// Carried is one thing a package carries: a unit's own return, or (for a
// unit with units below) the package it forwarded.
type Carried struct {
	Unit    *Unit
	Package bool
}

// Carries lists what u's package of f carries: u's own return if it owes
// one, then for each unit right below, its package if it owes one, else its
// return if it owes one.
func (c *Campaign) Carries(u *Unit, f *Form) []Carried {
	var out []Carried
	if f.FilledByUnit(u) {
		out = append(out, Carried{Unit: u})
	}
	for _, code := range u.Children {
		k := c.Units[code]
		switch o := c.Owes(k, f); {
		case o.Package:
			out = append(out, Carried{Unit: k, Package: true})
		case o.Return:
			out = append(out, Carried{Unit: k})
		}
	}
	return out
}

// DueFor is when what u owes of f is due: the form's date for u's level.
// A level that only forwards a form (a city, of a form only its counties
// fill) is due on the date the file gives it, or, when it gives none, on
// the latest date of the levels below it: what it carries cannot be
// complete before.
func (c *Campaign) DueFor(u *Unit, f *Form) (time.Time, bool) {
	if d, ok := f.Due[u.Level]; ok {
		return d, true
	}
	var best time.Time
	below := false
	for _, l := range c.Levels {
		if l.ID == u.Level {
			below = true
			continue
		}
		if d, ok := f.Due[l.ID]; below && ok && d.After(best) {
			best = d
		}
	}
	return best, !best.IsZero()
}

// Forwards reports whether units of level forward f up without being its
// top: a level below the campaign's first with a level below it that fills
// the form. Such a level may have its own due date and reminders.
func (c *Campaign) Forwards(f *Form, level Level) bool {
	for i, l := range c.Levels {
		if l.ID != level {
			continue
		}
		if i == 0 {
			return false
		}
		for _, below := range c.Levels[i+1:] {
			if f.FilledBy(below.ID) {
				return true
			}
		}
		return false
	}
	return false
}

// Reports reports whether units of level owe f at all: they fill it, or
// forward it.
func (c *Campaign) Reports(f *Form, level Level) bool {
	return f.FilledBy(level) || c.Forwards(f, level)
}
