package campaign

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"tianbao/calendar"
)

// PeriodKind is how often a standing return comes.
type PeriodKind string

// The kinds of periods a form may run by.
const (
	Monthly    PeriodKind = "month"
	Quarterly  PeriodKind = "quarter"
	HalfYearly PeriodKind = "half"
	Yearly     PeriodKind = "year"
	TenDaily   PeriodKind = "tenday" // 上/中/下旬
	Listed     PeriodKind = "list"   // the periods are listed in the file
)

// Period is one instance of a standing return: its key (in ids and
// buttons), its label as the notice writes it, and the days it covers.
type Period struct {
	Key        string // 2019q1, 2019m03, 2019h1, 2019, 2019m06t1
	Label      string // 2019年1-3月, 2019年第1季度, 2019年6月上旬
	Start, End calendar.Day
	Index      int // its place among the form's periods, from 0
	// Number is its place in its year, from 1 (3 for the third quarter,
	// 2019年1-9月); PerYear how many periods a year has (4 quarters; for
	// listed periods, those the file lists in the year).
	Number, PerYear int
}

// Year is the year the period falls in (its end's).
func (p *Period) Year() int { return p.End.Year }

// PeriodSpec is how a form's periods are made (the file's periods: key).
type PeriodSpec struct {
	Kind       PeriodKind
	Cumulative bool // from 1 January of the year to the period's end (1-3月, 1-6月 …)
}

// periodOf makes the period of kind that begins at sub-period n (from 1)
// of year.
func periodOf(kind PeriodKind, cumulative bool, year, n int) Period {
	var p Period
	switch kind {
	case Yearly:
		p = Period{Key: strconv.Itoa(year), Label: fmt.Sprintf("%d年", year),
			Start: calendar.Day{Year: year, Month: time.January, Day: 1}, End: calendar.Day{Year: year, Month: time.December, Day: 31}}
	case HalfYearly:
		first := time.Month(6*(n-1) + 1)
		p = Period{Key: fmt.Sprintf("%dh%d", year, n), Label: fmt.Sprintf("%d年%s半年", year, map[int]string{1: "上", 2: "下"}[n]),
			Start: calendar.Day{Year: year, Month: first, Day: 1}, End: monthEnd(year, first+5)}
		if cumulative {
			p.Label = fmt.Sprintf("%d年1-%d月", year, 6*n)
		}
	case Quarterly:
		first := time.Month(3*(n-1) + 1)
		p = Period{Key: fmt.Sprintf("%dq%d", year, n), Label: fmt.Sprintf("%d年第%d季度", year, n),
			Start: calendar.Day{Year: year, Month: first, Day: 1}, End: monthEnd(year, first+2)}
		if cumulative {
			p.Label = fmt.Sprintf("%d年1-%d月", year, 3*n)
		}
	case Monthly:
		m := time.Month(n)
		p = Period{Key: fmt.Sprintf("%dm%02d", year, n), Label: fmt.Sprintf("%d年%d月", year, n),
			Start: calendar.Day{Year: year, Month: m, Day: 1}, End: monthEnd(year, m)}
		if cumulative && n > 1 {
			p.Label = fmt.Sprintf("%d年1-%d月", year, n)
		}
	case TenDaily:
		m := time.Month((n-1)/3 + 1)
		third := (n-1)%3 + 1
		start := calendar.Day{Year: year, Month: m, Day: 10*(third-1) + 1}
		end := calendar.Day{Year: year, Month: m, Day: 10 * third}
		if third == 3 {
			end = monthEnd(year, m)
		}
		p = Period{Key: fmt.Sprintf("%dm%02dt%d", year, int(m), third), Label: fmt.Sprintf("%d年%d月%s旬", year, int(m), map[int]string{1: "上", 2: "中", 3: "下"}[third]),
			Start: start, End: end}
	}
	if cumulative && kind != TenDaily {
		p.Start = calendar.Day{Year: year, Month: time.January, Day: 1}
	}
	p.Number, p.PerYear = n, perYear(kind)
	return p
}

func monthEnd(year int, m time.Month) calendar.Day {
	t := time.Date(year, m+1, 0, 12, 0, 0, 0, time.UTC)
	return calendar.Day{Year: year, Month: m, Day: t.Day()}
}

// perYear is how many periods of kind a year has.
func perYear(kind PeriodKind) int {
	return map[PeriodKind]int{Yearly: 1, HalfYearly: 2, Quarterly: 4, Monthly: 12, TenDaily: 36}[kind]
}

// ParsePeriodRef reads the first or last period of a range as a file
// writes it: 2019, 2019-H1, 2019-Q1, 2019-03, 2019-06-1 (上旬; 2 中旬,
// 3 下旬). It returns the year and the sub-period's number from 1.
func ParsePeriodRef(kind PeriodKind, s string) (year, n int, err error) {
	s = strings.ToUpper(strings.TrimSpace(s))
	bad := fmt.Errorf("period %q: want %s", s, map[PeriodKind]string{Yearly: "2019", HalfYearly: "2019-H1", Quarterly: "2019-Q1",
		Monthly: "2019-03", TenDaily: "2019-06-1 (上旬; -2 中旬, -3 下旬)"}[kind])
	parts := strings.Split(s, "-")
	year, err = strconv.Atoi(parts[0])
	if err != nil || year < 1900 || year > 2199 {
		return 0, 0, bad
	}
	switch {
	case kind == Yearly && len(parts) == 1:
		return year, 1, nil
	case kind == HalfYearly && len(parts) == 2 && (parts[1] == "H1" || parts[1] == "H2"):
		return year, int(parts[1][1] - '0'), nil
	case kind == Quarterly && len(parts) == 2 && len(parts[1]) == 2 && parts[1][0] == 'Q' && parts[1][1] >= '1' && parts[1][1] <= '4':
		return year, int(parts[1][1] - '0'), nil
	case kind == Monthly && len(parts) == 2:
		m, err := strconv.Atoi(parts[1])
		if err == nil && m >= 1 && m <= 12 {
			return year, m, nil
		}
	case kind == TenDaily && len(parts) == 3:
		m, err1 := strconv.Atoi(parts[1])
		t, err2 := strconv.Atoi(parts[2])
		if err1 == nil && err2 == nil && m >= 1 && m <= 12 && t >= 1 && t <= 3 {
			return year, (m-1)*3 + t, nil
		}
	}
	return 0, 0, bad
}

// Periods lists the periods of kind from (year, n) to (untilYear, untilN).
func Periods(kind PeriodKind, cumulative bool, year, n, untilYear, untilN int) []Period {
	var out []Period
	for y, i := year, n; y < untilYear || (y == untilYear && i <= untilN); {
		p := periodOf(kind, cumulative, y, i)
		p.Index = len(out)
		out = append(out, p)
		if i++; i > perYear(kind) {
			y, i = y+1, 1
		}
	}
	return out
}

// DueRule is a level's deadline for each period: a fixed date, or so many
// (working) days after the period ends.
type DueRule struct {
	Date        time.Time // a fixed deadline (the end of its day)
	Days        int       // calendar days after the period's end
	WorkingDays int       // working days after the period's end
}

// DueFor is the rule's deadline for p, on cal, in loc.
func (r DueRule) DueFor(p *Period, cal *calendar.Calendar, loc *time.Location) time.Time {
	switch {
	case !r.Date.IsZero():
		return r.Date
	case r.WorkingDays > 0:
		return cal.AddWorkdays(p.End, r.WorkingDays).End(loc)
	}
	return p.End.AddDays(r.Days).End(loc)
}

// IsPeriodic reports whether the form is one period of a standing return.
func (f *Form) IsPeriodic() bool { return f.Period != nil }

// Base is the id of the form in the campaign file: the form itself, or
// the standing return a period belongs to.
func (f *Form) Base() string {
	if f.Template != "" {
		return f.Template
	}
	return f.ID
}

// OpenAt reports whether the form can be filled at now: a period opens
// after it ends (or at the rule the file gives).
func (f *Form) OpenAt(now time.Time) bool { return f.Opens.IsZero() || !now.Before(f.Opens) }

// InstanceID is the id of a standing return's period: progress.2019q1.
func InstanceID(form, period string) string { return form + "." + period }

// Current is what a moment concerns: every one-off form, and of each
// standing return the latest period open at now (its first, before any
// is open). Summaries, charts and exports show these.
func (c *Campaign) Current(now time.Time) []*Form {
	var out []*Form
	for g := range c.returns {
		pick := g[0]
		for _, f := range g {
			if f.OpenAt(now) {
				pick = f
			}
		}
		out = append(out, pick)
	}
	return out
}

// ShownFor is what unit u sees on its start screen at now: its one-off
// forms, and of each standing return every open period it has not done
// (done: submitted or approved), newest first, with the latest open one
// even when done (or the first, before any is open).
func (c *Campaign) ShownFor(u *Unit, now time.Time, done func(*Form) bool) []*Form {
	var out []*Form
	for g := range c.returns {
		switch f := g[0]; {
		case !f.FilledByUnit(u):
		case f.Period == nil:
			out = append(out, f)
		default:
			out = append(out, newestOpen(g, now, MaxShownPeriods, func(p *Form, taken int) bool { return taken == 0 || !done(p) })...)
		}
	}
	return out
}

// MaxShownPeriods bounds the periods of one return a screen lists: the
// latest, and those still to be done before it.
const MaxShownPeriods = 6

// Recent is every one-off form and, of each standing return, its latest n
// open periods (its first, before any is open), newest first: what
// /forward and /extend offer.
func (c *Campaign) Recent(now time.Time, n int) []*Form {
	var out []*Form
	for g := range c.returns {
		if g[0].Period == nil {
			out = append(out, g[0])
			continue
		}
		out = append(out, newestOpen(g, now, n, func(*Form, int) bool { return true })...)
	}
	return out
}

// returns walks the campaign's forms as units return them: a one-off form
// alone, or a standing return's periods in order (they stand together in
// c.Forms).
func (c *Campaign) returns(yield func([]*Form) bool) {
	for i := 0; i < len(c.Forms); {
		j := i + 1
		if c.Forms[i].Period != nil {
			for j < len(c.Forms) && c.Forms[j].Template == c.Forms[i].Template {
				j++
			}
		}
		if !yield(c.Forms[i:j]) {
			return
		}
		i = j
	}
}

// newestOpen is up to n of a standing return's periods open at now that
// take accepts (told how many are taken already), newest first; its first
// period when none is open yet (shown with the day it opens).
func newestOpen(periods []*Form, now time.Time, n int, take func(p *Form, taken int) bool) []*Form {
	var open []*Form
	for k := len(periods) - 1; k >= 0 && len(open) < n; k-- {
		if p := periods[k]; p.OpenAt(now) && take(p, len(open)) {
			open = append(open, p)
		}
	}
	if len(open) == 0 {
		return periods[:1]
	}
	return open
}

// OpenPeriods are the periods of the standing return base open at now,
// newest first: every one a unit may open, however many.
func (c *Campaign) OpenPeriods(base string, now time.Time) []*Form {
	all := c.Instances(base)
	var out []*Form
	for k := len(all) - 1; k >= 0; k-- {
		if all[k].OpenAt(now) {
			out = append(out, all[k])
		}
	}
	return out
}

// Instances are the periods of the standing return base, in order.
func (c *Campaign) Instances(base string) []*Form {
	var out []*Form
	for _, f := range c.Forms {
		if f.Template == base {
			out = append(out, f)
		}
	}
	return out
}

// ReadsEarlier reports whether a rule of the form reads another period.
func (f *Form) ReadsEarlier() bool {
	for _, s := range f.Sections {
		for _, r := range s.Rules {
			if r.Check.Last || r.Check.LastYear || r.Message != nil && r.Message.ReadsEarlier() {
				return true
			}
		}
	}
	return false
}

func (t *Template) ReadsEarlier() bool {
	for _, p := range t.parts {
		if p.expr != nil && (p.expr.Last || p.expr.LastYear) {
			return true
		}
	}
	return false
}

// Carries reports whether anything of the form comes from the last period.
func (f *Form) Carries() bool {
	for _, s := range f.Sections {
		if s.Carry {
			return true
		}
		for _, fd := range s.Fields {
			if fd.Carry {
				return true
			}
		}
	}
	return false
}
