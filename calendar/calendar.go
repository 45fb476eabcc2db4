// Package calendar knows China's working days: weekends, the official
// holidays, and the weekends worked instead (调休), from the State
// Council's yearly notices (cn.tsv), so that "10 个工作日内" is counted as
// the offices count it.
package calendar

import (
	_ "embed"
	"fmt"
	"strconv"
	"strings"
	"time"
)

//go:embed cn.tsv
var chinaTSV string

// Day is a civil date, without a clock or a zone.
type Day struct {
	Year  int
	Month time.Month
	Day   int
}

// DayOf is t's date in loc.
func DayOf(t time.Time, loc *time.Location) Day {
	y, m, d := t.In(loc).Date()
	return Day{y, m, d}
}

// ParseDay reads 2006-01-02.
func ParseDay(s string) (Day, error) {
	t, err := time.Parse("2006-01-02", strings.TrimSpace(s))
	if err != nil {
		return Day{}, fmt.Errorf("date %q: want YYYY-MM-DD", s)
	}
	return Day{t.Year(), t.Month(), t.Day()}, nil
}

func (d Day) time() time.Time { return time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, time.UTC) }

// AddDays is the day n days later (earlier when n < 0).
func (d Day) AddDays(n int) Day {
	t := d.time().AddDate(0, 0, n)
	return Day{t.Year(), t.Month(), t.Day()}
}

// Weekday is the day's day of the week.
func (d Day) Weekday() time.Weekday { return d.time().Weekday() }

// Before reports whether d comes before e.
func (d Day) Before(e Day) bool { return d.time().Before(e.time()) }

// String is 2006-01-02.
func (d Day) String() string { return d.time().Format("2006-01-02") }

// End is the last moment of the day in loc (a deadline of that day).
func (d Day) End(loc *time.Location) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 23, 59, 59, 0, loc)
}

// Start is the first moment of the day in loc.
func (d Day) Start(loc *time.Location) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc)
}

// Calendar says which days are worked.
type Calendar struct {
	off, work map[Day]string
	years     map[int]string // the years whose notice is in, with its number
}

// China is the national calendar, 2018 on, as the State Council set it.
func China() *Calendar {
	c, err := Parse(chinaTSV)
	if err != nil {
		panic(err) // the embedded file is checked by the tests
	}
	return c
}

// Weekends is a calendar of Saturdays and Sundays only.
func Weekends() *Calendar {
	return &Calendar{off: map[Day]string{}, work: map[Day]string{}, years: map[int]string{}}
}

// Parse reads a calendar file: `year YYYY source` lines for the years it
// covers, and `YYYY-MM-DD off|work what` lines; # starts a comment.
func Parse(text string) (*Calendar, error) {
	c := Weekends()
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		cols := strings.Split(line, "\t")
		if cols[0] == "year" && len(cols) >= 2 {
			y, err := strconv.Atoi(cols[1])
			if err != nil {
				return nil, fmt.Errorf("line %d: year %q", i+1, cols[1])
			}
			c.years[y] = strings.Join(cols[2:], " ")
			continue
		}
		if len(cols) < 2 {
			return nil, fmt.Errorf("line %d: want date, off|work, what", i+1)
		}
		d, err := ParseDay(cols[0])
		if err != nil {
			return nil, fmt.Errorf("line %d: %v", i+1, err)
		}
		what := ""
		if len(cols) > 2 {
			what = cols[2]
		}
		switch cols[1] {
		case "off":
			c.off[d] = what
		case "work":
			c.work[d] = what
		default:
			return nil, fmt.Errorf("line %d: %q: want off or work", i+1, cols[1])
		}
	}
	return c, nil
}

// With is a copy of c with days taken off and worked added (a campaign's
// own, over the national calendar).
func (c *Calendar) With(off, work []Day) *Calendar {
	out := &Calendar{off: map[Day]string{}, work: map[Day]string{}, years: map[int]string{}}
	for k, v := range c.off {
		out.off[k] = v
	}
	for k, v := range c.work {
		out.work[k] = v
	}
	for k, v := range c.years {
		out.years[k] = v
	}
	for _, d := range off {
		out.off[d] = "本通知放假"
		delete(out.work, d)
	}
	for _, d := range work {
		out.work[d] = "本通知上班"
		delete(out.off, d)
	}
	return out
}

// Covers reports whether the year's holidays are known (its notice is in).
func (c *Calendar) Covers(year int) bool { _, ok := c.years[year]; return ok }

// Source is the notice a year's days come from.
func (c *Calendar) Source(year int) string { return c.years[year] }

// Workday reports whether d is worked: a weekday that is not a holiday, or
// a weekend day worked instead of one.
func (c *Calendar) Workday(d Day) bool {
	if _, ok := c.work[d]; ok {
		return true
	}
	if _, ok := c.off[d]; ok {
		return false
	}
	wd := d.Weekday()
	return wd != time.Saturday && wd != time.Sunday
}

// AddWorkdays is the n-th working day after d (d itself not counted):
// "10 个工作日内" after a quarter ending on d.
func (c *Calendar) AddWorkdays(d Day, n int) Day {
	for n > 0 {
		d = d.AddDays(1)
		if c.Workday(d) {
			n--
		}
	}
	return d
}

// SubWorkdays is the n-th working day before d (d itself not counted).
func (c *Calendar) SubWorkdays(d Day, n int) Day {
	for n > 0 {
		d = d.AddDays(-1)
		if c.Workday(d) {
			n--
		}
	}
	return d
}

// OnOrBefore is d if it is worked, else the working day before it: where a
// reminder that would fall on a holiday goes.
func (c *Calendar) OnOrBefore(d Day) Day {
	for !c.Workday(d) {
		d = d.AddDays(-1)
	}
	return d
}

// OnOrAfter is d if it is worked, else the next working day.
func (c *Calendar) OnOrAfter(d Day) Day {
	for !c.Workday(d) {
		d = d.AddDays(1)
	}
	return d
}
