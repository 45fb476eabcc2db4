package campaign

import (
	"strings"
	"testing"
	"time"

	"tianbao/calendar"
)

// TestRepeatsForAsLongAsMissing: after the daily overdue reminders, one a
// week for as long as the form is missing, on the day's weekday; moved off
// a weekend when weekends do not count, off a holiday in working days.
func TestRepeatsForAsLongAsMissing(t *testing.T) {
	sh, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	format := func(ts []time.Time) string {
		var out []string
		for _, x := range ts {
			out = append(out, x.In(sh).Format("01-02 Mon 15:04"))
		}
		return strings.Join(out, ",")
	}
	due := time.Date(2018, 12, 5, 23, 59, 59, 0, sh) // a Wednesday
	p := DefaultReminders                            // daily up to 12-12, then weekly
	from, to := time.Date(2018, 12, 1, 0, 0, 0, 0, sh), time.Date(2019, 1, 10, 0, 0, 0, 0, sh)
	if got := format(p.Repeats(due, sh, nil, from, to)); got != "12-19 Wed 09:30,12-26 Wed 09:30,01-02 Wed 09:30,01-09 Wed 09:30" {
		t.Errorf("weekly after the daily ones: %s", got)
	}
	// Only those in (from, to]: a round of a few hours finds its own.
	at := time.Date(2018, 12, 26, 9, 30, 0, 0, sh)
	if got := format(p.Repeats(due, sh, nil, at.Add(-6*time.Hour), at)); got != "12-26 Wed 09:30" {
		t.Errorf("the round of 12-26: %s", got)
	}
	if got := p.Repeats(due, sh, nil, at, at.Add(6*time.Hour)); len(got) != 0 {
		t.Errorf("after 12-26's: %v", got)
	}
	// Two months later it still comes; a quarter after the date it stops
	// (a notice of 2018 does not write to people every week in 2026).
	later := time.Date(2019, 2, 6, 9, 30, 0, 0, sh)
	if got := p.Repeats(due, sh, nil, later.Add(-24*time.Hour), later); len(got) != 1 || got[0].Weekday() != time.Wednesday {
		t.Errorf("two months on: %v", got)
	}
	if got := p.Repeats(due, sh, nil, due.Add(RepeatFor), due.AddDate(8, 0, 0)); len(got) != 0 {
		t.Errorf("after a quarter: %d more, the first %s", len(got), got[0])
	}
	all := p.Repeats(due, sh, nil, due, due.AddDate(1, 0, 0))
	if n := len(all); n < 11 || all[n-1].After(due.Add(RepeatFor)) {
		t.Errorf("%d weekly reminders, the last %s", n, all[n-1])
	}
	// No weekends: a Saturday's goes to the Friday before.
	sat := time.Date(2018, 12, 8, 23, 59, 59, 0, sh)
	p.Weekends = false
	if got := format(p.Repeats(sat, sh, nil, from, time.Date(2018, 12, 30, 0, 0, 0, 0, sh))); got != "12-21 Fri 09:30,12-28 Fri 09:30" {
		t.Errorf("without weekends: %s", got)
	}
	// Working days: 国庆 2019 moves one to the working day before.
	p = ReminderPolicy{At: 9 * time.Hour, OverdueDays: 2, RepeatDays: 7, WorkingDays: true, Weekends: true}
	due = time.Date(2019, 9, 20, 23, 59, 59, 0, sh) // Friday; overdue 9-23, 9-24; then 10-01 (国庆) → 9-30
	got := p.Repeats(due, sh, calendar.China(), time.Date(2019, 9, 1, 0, 0, 0, 0, sh), time.Date(2019, 10, 10, 0, 0, 0, 0, sh))
	if format(got) != "09-30 Mon 09:00,10-08 Tue 09:00" {
		t.Errorf("in working days: %s", format(got))
	}
	// Off: none.
	p.RepeatDays = 0
	if got := p.Repeats(due, sh, calendar.China(), from, to.AddDate(1, 0, 0)); len(got) != 0 {
		t.Errorf("repeat_days 0: %v", got)
	}
}
