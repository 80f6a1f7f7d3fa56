package billing

import (
	"math/rand/v2"
	"testing"
	"time"
)

func mustLoc(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestNextMark(t *testing.T) {
	tests := []struct {
		name string
		zone string
		at   string // RFC 3339
		want string // RFC 3339 in UTC
	}{
		{"utc inside", "UTC", "2026-11-20T10:02:03Z", "2026-11-20T10:05:00Z"},
		{"utc on a mark is strict", "UTC", "2026-11-20T10:05:00Z", "2026-11-20T10:10:00Z"},
		{"utc a microsecond before", "UTC", "2026-11-20T10:04:59.999999Z", "2026-11-20T10:05:00Z"},
		{"utc a microsecond after", "UTC", "2026-11-20T10:05:00.000001Z", "2026-11-20T10:10:00Z"},
		{"kathmandu", "Asia/Kathmandu", "2026-11-20T10:02:00+05:45", "2026-11-20T04:20:00Z"},
		{"kathmandu midnight", "Asia/Kathmandu", "2026-11-20T23:57:00+05:45", "2026-11-20T18:15:00Z"},
		{"shanghai", "Asia/Shanghai", "2026-11-20T23:58:00+08:00", "2026-11-20T16:00:00Z"},
		// 2026-03-08 02:00 EST does not exist: 01:55 EST is followed by 03:00 EDT.
		{"new york spring gap", "America/New_York", "2026-03-08T01:56:00-05:00", "2026-03-08T07:00:00Z"},
		// 2026-11-01 01:55 EDT is followed by 01:00 EST, a mark again.
		{"new york fall back first", "America/New_York", "2026-11-01T01:56:00-04:00", "2026-11-01T06:00:00Z"},
		{"new york fall back second", "America/New_York", "2026-11-01T01:01:00-05:00", "2026-11-01T06:05:00Z"},
		// A zone with a 30-minute DST shift: Australia/Lord_Howe, +10:30 → +11:00.
		{"lord howe", "Australia/Lord_Howe", "2026-10-04T01:57:00+10:30", "2026-10-03T15:30:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			loc := mustLoc(t, tt.zone)
			at, err := time.Parse(time.RFC3339Nano, tt.at)
			if err != nil {
				t.Fatal(err)
			}
			got := NextMark(at, loc)
			if want, _ := time.Parse(time.RFC3339, tt.want); !got.Equal(want) {
				t.Errorf("NextMark(%s) = %s (%s local), want %s", tt.at, got.Format(time.RFC3339), got.In(loc).Format(time.RFC3339), tt.want)
			}
			if l := got.In(loc); l.Minute()%5 != 0 || l.Second() != 0 || l.Nanosecond() != 0 {
				t.Errorf("mark %s is not on a five-minute mark of the local clock", l)
			}
		})
	}
}

func TestMarksPerDay(t *testing.T) {
	tests := []struct {
		zone string
		day  string
		want int
	}{
		{"UTC", "2026-11-20", 288},
		{"Asia/Kathmandu", "2026-11-20", 288},
		{"America/New_York", "2026-03-08", 276}, // 23-hour day
		{"America/New_York", "2026-11-01", 300}, // 25-hour day
	}
	for _, tt := range tests {
		t.Run(tt.zone+" "+tt.day, func(t *testing.T) {
			loc := mustLoc(t, tt.zone)
			d, _ := ParseDate(tt.day)
			start, end := d.Bounds(loc)
			n := 1 // the mark at 00:00 itself
			for m := NextMark(start, loc); m.Before(end); m = NextMark(m, loc) {
				n++
			}
			if n != tt.want {
				t.Errorf("%d marks, want %d", n, tt.want)
			}
		})
	}
}

// TestMarkClock checks that a markClock, which keeps the zone period it
// last looked up, finds the same marks as NextMark: mark after mark across
// DST changes, and at instants that jump back and forth between periods.
func TestMarkClock(t *testing.T) {
	zones := []string{"UTC", "Asia/Kathmandu", "America/New_York", "Australia/Lord_Howe", "Europe/London", "Asia/Shanghai"}
	for _, zone := range zones {
		t.Run(zone, func(t *testing.T) {
			loc := mustLoc(t, zone)
			c := markClock{loc: loc}
			from := time.Date(2025, time.December, 31, 0, 0, 0, 0, time.UTC)
			// Every mark of 2026, each from the one before.
			for m := from; m.Year() < 2027; {
				got, want := c.next(m), NextMark(m, loc)
				if !got.Equal(want) {
					t.Fatalf("after %s: next %s, NextMark %s", m.Format(time.RFC3339), got.Format(time.RFC3339), want.Format(time.RFC3339))
				}
				m = want
			}
			// Instants anywhere in the year, fractions of a second included.
			r := rand.New(rand.NewPCG(1, 2))
			for range 20000 {
				at := from.Add(time.Duration(r.Int64N(int64(366 * 24 * time.Hour))))
				if r.IntN(4) == 0 {
					at = at.Truncate(5 * time.Minute)
				}
				if got, want := c.next(at), NextMark(at, loc); !got.Equal(want) {
					t.Fatalf("after %s: next %s, NextMark %s", at.Format(time.RFC3339Nano), got.Format(time.RFC3339), want.Format(time.RFC3339))
				}
			}
		})
	}
}

func TestDaysSince(t *testing.T) {
	a, _ := ParseDate("2026-03-07")
	for _, tt := range []struct {
		to   string
		want int
	}{{"2026-03-07", 0}, {"2026-03-08", 1}, {"2026-03-09", 2}, {"2026-11-02", 240}, {"2025-03-07", -365}} {
		b, _ := ParseDate(tt.to)
		if got := b.DaysSince(a); got != tt.want {
			t.Errorf("%s since %s = %d, want %d", tt.to, a, got, tt.want)
		}
	}
}
