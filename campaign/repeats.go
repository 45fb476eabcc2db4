package campaign

import (
	"time"

	"tianbao/calendar"
)

// RepeatFor is how long after its due date a missing form is reminded of
// weekly: a quarter. Later than that it is a leftover of a campaign that has
// moved on (a 2018 notice in 2026), not a reason to write to people every
// week for years; while the campaign runs, the reminders and digests of its
// later forms and periods still name it.
const RepeatFor = 92 * 24 * time.Hour

// Repeats are the reminders after the overdue days that fall in (from,
// to]: every RepeatDays days after the last daily one, for as long as the
// form is missing, up to RepeatFor after the due date. When the policy
// counts working days, one that would fall on a day off moves to the
// working day before; when weekends do not count, one on a weekend moves to
// the Friday before.
func (p ReminderPolicy) Repeats(due time.Time, loc *time.Location, cal *calendar.Calendar, from, to time.Time) []time.Time {
	if p.RepeatDays <= 0 || !to.After(from) {
		return nil
	}
	dueDay := calendar.DayOf(due, loc)
	last := dueDay.AddDays(p.OverdueDays)
	if p.WorkingDays && cal != nil {
		last = cal.AddWorkdays(dueDay, p.OverdueDays)
	}
	move := func(d calendar.Day) calendar.Day {
		switch {
		case p.WorkingDays && cal != nil:
			return cal.OnOrBefore(d)
		case !p.Weekends && d.Weekday() == time.Saturday:
			return d.AddDays(-1)
		case !p.Weekends && d.Weekday() == time.Sunday:
			return d.AddDays(-2)
		}
		return d
	}
	// Start a few repeats before from: a moved one comes earlier than its
	// day (at most the length of a holiday).
	k := 1
	if gap := int(calendar.DayOf(from, loc).Start(time.UTC).Sub(last.Start(time.UTC)).Hours()/24) - 15; gap > 0 {
		k = gap/p.RepeatDays + 1
	}
	var out []time.Time
	seen := map[calendar.Day]bool{}
	for ; ; k++ {
		d := last.AddDays(k * p.RepeatDays)
		if d.Start(loc).After(to.Add(15 * 24 * time.Hour)) {
			break
		}
		m := move(d)
		at := m.Start(loc).Add(p.At)
		if at.After(due.Add(RepeatFor)) {
			break
		}
		if !last.Before(m) || seen[m] || !at.After(from) || at.After(to) {
			continue // never on or before the last daily one, never twice
		}
		seen[m] = true
		out = append(out, at)
	}
	return out
}
