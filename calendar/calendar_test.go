package calendar

import (
	"strings"
	"testing"
	"time"
)

func day(t *testing.T, s string) Day {
	t.Helper()
	d, err := ParseDay(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestChinaCalendar: the embedded file reads, covers 2018 on, and its
// worked days are all weekends (as the notices' 调休 always are).
func TestChinaCalendar(t *testing.T) {
	c, err := Parse(chinaTSV)
	if err != nil {
		t.Fatal(err)
	}
	for y := 2018; y <= 2026; y++ {
		if !c.Covers(y) || c.Source(y) == "" {
			t.Errorf("%d is not covered", y)
		}
	}
	for d := range c.work {
		if wd := d.Weekday(); wd != time.Saturday && wd != time.Sunday {
			t.Errorf("%s is worked but not a weekend day", d)
		}
	}
	for _, tc := range []struct {
		day  string
		work bool
	}{
		{"2019-02-04", false}, // 春节
		{"2019-02-02", true},  // a Saturday worked instead
		{"2019-02-11", true},
		{"2024-02-18", true}, // a Sunday worked
		{"2024-10-07", false},
		{"2026-01-04", true},
		{"2026-02-23", false},
		{"2026-12-05", false}, // a Saturday
		{"2026-12-07", true},
	} {
		if got := c.Workday(day(t, tc.day)); got != tc.work {
			t.Errorf("%s worked = %v", tc.day, got)
		}
	}
}

// TestWorkdaysAcrossSpringFestival: 10 working days after 2019-01-31
// step over 春节 (2月4日至10日) and count the worked Saturday and Sunday
// before it.
func TestWorkdaysAcrossSpringFestival(t *testing.T) {
	c := China()
	// Feb 1 (Fri), 2 (Sat, worked), 3 (Sun, worked), then 11–15, 18, 19.
	if got := c.AddWorkdays(day(t, "2019-01-31"), 10); got.String() != "2019-02-19" {
		t.Errorf("10 working days after 2019-01-31: %s", got)
	}
	// The first quarter of 2024 ends on a Sunday; 10 working days after it.
	if got := c.AddWorkdays(day(t, "2024-03-31"), 10); got.String() != "2024-04-15" {
		t.Errorf("10 working days after 2024-03-31: %s", got) // 4–6 April is 清明, 7 April worked
	}
	if got := c.OnOrBefore(day(t, "2024-10-03")); got.String() != "2024-09-30" {
		t.Errorf("the working day on or before 2024-10-03: %s", got)
	}
	if got := Weekends().AddWorkdays(day(t, "2019-01-31"), 10); got.String() != "2019-02-14" {
		t.Errorf("weekends only: %s", got)
	}
	own := c.With([]Day{day(t, "2019-02-11")}, nil)
	if own.Workday(day(t, "2019-02-11")) || !c.Workday(day(t, "2019-02-11")) {
		t.Error("a campaign's own day off")
	}
	if _, err := Parse("2019-13-01\toff\tx"); err == nil || !strings.Contains(err.Error(), "line 1") {
		t.Errorf("a bad date: %v", err)
	}
}
