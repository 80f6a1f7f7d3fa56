package billing

import (
	"fmt"
	"time"
)

// Date is a site-zone calendar day.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// ParseDate reads YYYY-MM-DD.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, fmt.Errorf("date %q: want YYYY-MM-DD", s)
	}
	return DateOf(t), nil
}

// DateOf is the calendar day of t on t's own clock.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// DateIn is the calendar day of the instant t on loc's clock.
func DateIn(t time.Time, loc *time.Location) Date { return DateOf(t.In(loc)) }

// String formats the date as YYYY-MM-DD.
func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day) }

// IsZero reports whether d is the zero Date.
func (d Date) IsZero() bool { return d == Date{} }

// AddDays returns the date n days later (earlier for negative n).
func (d Date) AddDays(n int) Date {
	return DateOf(time.Date(d.Year, d.Month, d.Day+n, 12, 0, 0, 0, time.UTC))
}

// DaysSince is the number of days from o to d (negative when d is earlier).
// It counts with Unix seconds, which, unlike a time.Duration, reach across
// the years 0001..9999.
func (d Date) DaysSince(o Date) int {
	noon := func(x Date) int64 { return time.Date(x.Year, x.Month, x.Day, 12, 0, 0, 0, time.UTC).Unix() }
	return int((noon(d) - noon(o)) / (24 * 60 * 60))
}

// Next is the following day.
func (d Date) Next() Date { return d.AddDays(1) }

// Before reports whether d is earlier than o.
func (d Date) Before(o Date) bool { return d.Compare(o) < 0 }

// Compare returns -1, 0 or +1 as d is before, equal to or after o.
func (d Date) Compare(o Date) int {
	a := d.Year*10000 + int(d.Month)*100 + d.Day
	b := o.Year*10000 + int(o.Month)*100 + o.Day
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Start is the instant the day begins on loc's clock, in UTC. Where a zone
// skips midnight, the day begins at the first instant its clock shows.
func (d Date) Start(loc *time.Location) time.Time {
	t := time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc)
	if DateOf(t) != d {
		// Midnight fell in a gap and Go moved it back into the previous
		// day; the day really starts where the gap ends.
		_, end := t.ZoneBounds()
		t = end
	}
	return t.UTC()
}

// Bounds returns [start, end) of the day on loc's clock, as UTC instants.
func (d Date) Bounds(loc *time.Location) (start, end time.Time) {
	return d.Start(loc), d.Next().Start(loc)
}
