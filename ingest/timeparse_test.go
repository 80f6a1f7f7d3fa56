package ingest

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParseTime(t *testing.T) {
	tests := []struct {
		name string
		in   string
		zone string // the site zone; "" is UTC
		want string // RFC 3339 in UTC
	}{
		{"RFC 3339 with Z", "2026-03-02T08:00:00Z", "", "2026-03-02T08:00:00Z"},
		{"lower-case t and z", "2026-03-02t08:00:00z", "", "2026-03-02T08:00:00Z"},
		{"space for T", "2026-03-02 08:00:00Z", "", "2026-03-02T08:00:00Z"},
		{"positive offset", "2026-03-02T08:00:00+02:00", "", "2026-03-02T06:00:00Z"},
		{"negative offset", "2026-03-02T08:00:00-07:00", "", "2026-03-02T15:00:00Z"},
		{"offset without colon", "2026-03-02T08:00:00+0200", "", "2026-03-02T06:00:00Z"},
		{"offset in hours", "2026-03-02T08:00:00-03", "", "2026-03-02T11:00:00Z"},
		{"space before the offset", "2026-03-02 08:00:00 +01:00", "", "2026-03-02T07:00:00Z"},
		{"offset crosses midnight", "2026-03-02T01:00:00+05:45", "", "2026-03-01T19:15:00Z"},
		{"offset wins over the zone", "2026-03-02T08:00:00Z", "Asia/Kathmandu", "2026-03-02T08:00:00Z"},
		{"Kathmandu offset", "2026-03-02T08:00:00+05:45", "UTC", "2026-03-02T02:15:00Z"},
		{"Kathmandu wall clock", "2026-03-02 08:00:00", "Asia/Kathmandu", "2026-03-02T02:15:00Z"},
		{"Kathmandu midnight", "2026-01-01 00:00:00", "Asia/Kathmandu", "2025-12-31T18:15:00Z"},
		{"Kathmandu five-minute mark", "2026-06-30T23:55:00", "Asia/Kathmandu", "2026-06-30T18:10:00Z"},
		{"wall clock in UTC", "2026-03-02 08:00:00", "", "2026-03-02T08:00:00Z"},
		{"one fraction digit", "2026-03-02T08:00:00.5Z", "", "2026-03-02T08:00:00.5Z"},
		{"microseconds", "2026-03-02T08:00:00.123456Z", "", "2026-03-02T08:00:00.123456Z"},
		{"nanoseconds truncated", "2026-03-02T08:00:00.123456789Z", "", "2026-03-02T08:00:00.123456Z"},
		{"truncated, not rounded", "2026-03-02T08:00:00.999999999Z", "", "2026-03-02T08:00:00.999999Z"},
		{"more than nine digits", "2026-03-02T08:00:00.1234567891234Z", "", "2026-03-02T08:00:00.123456Z"},
		{"comma fraction", "2026-03-02 08:00:00,250", "", "2026-03-02T08:00:00.25Z"},
		{"fraction on a wall clock", "2026-03-02 08:00:00.000001", "Asia/Kathmandu", "2026-03-02T02:15:00.000001Z"},
		{"leap day", "2028-02-29 12:00:00", "", "2028-02-29T12:00:00Z"},

		// America/New_York: 2026-11-01 01:00..02:00 happens twice (EDT, then
		// EST); 2026-03-08 02:00..03:00 never happens.
		{"New York fall-back: earlier instant", "2026-11-01 01:30:00", "America/New_York", "2026-11-01T05:30:00Z"},
		{"New York fall-back start", "2026-11-01 01:00:00", "America/New_York", "2026-11-01T05:00:00Z"},
		{"New York after the fall-back", "2026-11-01 02:00:00", "America/New_York", "2026-11-01T07:00:00Z"},
		{"New York fall-back with offset", "2026-11-01T01:30:00-05:00", "America/New_York", "2026-11-01T06:30:00Z"},
		{"New York gap: moved forward", "2026-03-08 02:30:00", "America/New_York", "2026-03-08T07:30:00Z"},
		{"New York gap start", "2026-03-08 02:00:00", "America/New_York", "2026-03-08T07:00:00Z"},
		{"New York before the gap", "2026-03-08 01:59:59", "America/New_York", "2026-03-08T06:59:59Z"},
		{"New York after the gap", "2026-03-08 03:00:00", "America/New_York", "2026-03-08T07:00:00Z"},
		// East of UTC, time.Date picks the other way; the rule is the same.
		{"Berlin fall-back: earlier instant", "2026-10-25 02:30:00", "Europe/Berlin", "2026-10-25T00:30:00Z"},
		{"Berlin gap: moved forward", "2026-03-29 02:30:00", "Europe/Berlin", "2026-03-29T01:30:00Z"},
		// Lord Howe moves its clock by half an hour.
		{"Lord Howe fall-back: earlier instant", "2026-04-05 01:45:00", "Australia/Lord_Howe", "2026-04-04T14:45:00Z"},
		{"Lord Howe gap: moved forward", "2026-10-04 02:15:00", "Australia/Lord_Howe", "2026-10-03T15:45:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			loc := time.UTC
			if tt.zone != "" {
				loc = mustZone(t, tt.zone)
			}
			got, err := ParseTime(tt.in, loc)
			if err != nil {
				t.Fatalf("ParseTime(%q): %v", tt.in, err)
			}
			if want := utc(t, tt.want); !got.Equal(want) || got.Location() != time.UTC {
				t.Errorf("ParseTime(%q) = %s, want %s", tt.in, got.Format(time.RFC3339Nano), want.Format(time.RFC3339Nano))
			}
		})
	}
}

func TestParseTimeNilLocation(t *testing.T) {
	// Options.location() never passes nil, but a caller might: UTC.
	got, err := ParseTime("2026-03-02 08:00:00", nil)
	if err != nil || !got.Equal(utc(t, "2026-03-02T08:00:00Z")) {
		t.Errorf("got %v, %v; want 08:00 UTC", got, err)
	}
}

func TestParseTimeErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
	}{
		{"empty", ""},
		{"date only", "2026-03-02"},
		{"no seconds", "2026-03-02T08:00Z"},
		{"slashes", "2026/03/02 08:00:00"},
		{"month 13", "2026-13-02 08:00:00"},
		{"month 0", "2026-00-02 08:00:00"},
		{"day 0", "2026-03-00 08:00:00"},
		{"February 29 of a common year", "2026-02-29 08:00:00"},
		{"April 31", "2026-04-31 08:00:00"},
		{"hour 24", "2026-03-02 24:00:00"},
		{"minute 60", "2026-03-02 08:60:00"},
		{"leap second", "2026-06-30 23:59:60"},
		{"dot without digits", "2026-03-02 08:00:00.Z"},
		{"offset hour 24", "2026-03-02T08:00:00+24:00"},
		{"offset minute 60", "2026-03-02T08:00:00+05:60"},
		{"offset with one digit", "2026-03-02T08:00:00+5"},
		{"offset with seconds", "2026-03-02T08:00:00+05:45:00"},
		{"zone name", "2026-03-02T08:00:00 EST"},
		{"trailing text", "2026-03-02T08:00:00Z x"},
		{"two spaces before offset", "2026-03-02T08:00:00  Z"},
		{"sign in the year", "+026-03-02T08:00:00Z"},
		{"letters in the time", "2026-03-02T0a:00:00Z"},
		{"unix seconds", "1772438400"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseTime(tt.in, time.UTC)
			if !errors.Is(err, ErrBadTime) {
				t.Errorf("ParseTime(%q) = %v, %v; want ErrBadTime", tt.in, got, err)
			}
		})
	}
}

// TestParseTimeAgreesWithTime checks RFC 3339 against the standard library.
func TestParseTimeAgreesWithTime(t *testing.T) {
	inputs := []string{
		"2026-03-02T08:00:00Z", "1999-12-31T23:59:59.999999-12:00", "2000-02-29T00:00:00+14:00",
		"2026-11-01T01:30:00-04:00", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59.5+00:30",
	}
	for _, in := range inputs {
		t.Run(in, func(t *testing.T) {
			want, err := time.Parse(time.RFC3339Nano, in)
			if err != nil {
				t.Fatal(err)
			}
			got, err := ParseTime(in, time.UTC)
			if err != nil {
				t.Fatal(err)
			}
			if !got.Equal(want.Truncate(time.Microsecond)) {
				t.Errorf("got %s, want %s", got, want)
			}
		})
	}
}

func FuzzParseTime(f *testing.F) {
	for _, s := range []string{"2026-03-02T08:00:00Z", "2026-11-01 01:30:00", "2026-03-08 02:30:00.123456789", "2026-03-02 08:00:00 +05:45"} {
		f.Add(s)
	}
	zones := []*time.Location{time.UTC, mustZoneF(f, "America/New_York"), mustZoneF(f, "Asia/Kathmandu"), mustZoneF(f, "Australia/Lord_Howe")}
	f.Add("2026-03-08 01:59:59\n2026-03-08 02:30:00\n2026-11-01 01:30:00.5\n2026-11-01T01:30:00-05:00")
	f.Fuzz(func(t *testing.T, s string) {
		// The lines of s, read one after another by one timeParser, read
		// as ParseTime reads each.
		for _, loc := range zones {
			p := newTimeParser(loc)
			for _, line := range strings.Split(s, "\n") {
				got, err := p.parse([]byte(line))
				want, wantErr := ParseTime(line, loc)
				if got != want || (err == nil) != (wantErr == nil) {
					t.Errorf("timeParser(%s).parse(%q) = %v, %v; ParseTime gives %v, %v", loc, line, got, err, want, wantErr)
				}
			}
		}
		for _, loc := range zones {
			got, err := ParseTime(s, loc)
			if err != nil {
				continue
			}
			if got.Location() != time.UTC || got.Nanosecond()%1000 != 0 {
				t.Errorf("ParseTime(%q, %s) = %v: want UTC microseconds", s, loc, got)
			}
			w, rest, _ := readDateTime(s)
			if rest != "" {
				continue
			}
			// A wall time maps to an instant that shows it, or to one
			// just after a gap; and no earlier instant shows it.
			shown := wallOf(got.In(loc))
			wall := time.Date(w.y, time.Month(w.mo), w.d, w.h, w.mi, w.sec, w.nsec, time.UTC)
			if !shown.Equal(wall) {
				if shown.Before(wall) || shown.Sub(wall) > 3*time.Hour {
					t.Errorf("ParseTime(%q, %s) = %v, which shows %v", s, loc, got, shown)
				}
				continue
			}
			for _, back := range []time.Duration{30 * time.Minute, time.Hour, 2 * time.Hour} {
				if wallOf(got.Add(-back).In(loc)).Equal(wall) {
					t.Errorf("ParseTime(%q, %s) = %v, but %v earlier shows the same wall time", s, loc, got, back)
				}
			}
		}
	})
}

// TestTimeParser checks that a timeParser reads what ParseTime reads, with
// its remembered date and zone offset, over DST changes of several zones.
func TestTimeParser(t *testing.T) {
	zones := []string{"UTC", "America/New_York", "Asia/Kathmandu", "Australia/Lord_Howe", "Europe/Dublin", "Pacific/Apia", "America/Sao_Paulo"}
	for _, name := range zones {
		t.Run(name, func(t *testing.T) {
			loc := mustZone(t, name)
			p := newTimeParser(loc)
			check := func(s string) {
				t.Helper()
				got, err := p.parse([]byte(s))
				want, wantErr := ParseTime(s, loc)
				if got != want || (err == nil) != (wantErr == nil) {
					t.Fatalf("parse(%q) = %v, %v; ParseTime gives %v, %v", s, got, err, want, wantErr)
				}
			}
			// Every 7 minutes 13 seconds of four years, naive, with an
			// offset now and then, and with a bad time between.
			start := time.Date(2010, 12, 25, 0, 0, 0, 0, time.UTC)
			for i := 0; ; i++ {
				w := start.Add(time.Duration(i) * (7*time.Minute + 13*time.Second + 1500*time.Microsecond))
				if w.Year() > 2013 {
					break
				}
				check(w.Format("2006-01-02 15:04:05.000000"))
				switch i % 97 {
				case 0:
					check(w.Format("2006-01-02T15:04:05Z07:00"))
				case 1:
					check(w.Format("2006-01-02") + " 24:00:00")
				case 2:
					check(w.Format("2006-01-02T15:04:05") + "+05:45")
				}
			}
			// Going back and forth across the years.
			for _, s := range []string{"2026-03-08 02:30:00", "1970-01-01 00:00:00", "2026-11-01 01:30:00", "0001-01-01 00:00:00", "9999-12-31 23:59:59.999999999", "2026-02-29 00:00:00", "2024-02-29 12:00:00", "2026-11-01 01:30:00"} {
				check(s)
			}
		})
	}
}

func mustZoneF(f *testing.F, name string) *time.Location {
	f.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		f.Fatal(err)
	}
	return loc
}

// TestDaysFromCivil checks the date arithmetic against the time package for
// every day of the years ParseTime reads.
func TestDaysFromCivil(t *testing.T) {
	for day := time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC); day.Year() <= 9999; day = day.AddDate(0, 0, 1) {
		y, m, d := day.Date()
		if got, want := daysFromCivil(y, int(m), d), day.Unix()/86400; got != want {
			t.Fatalf("daysFromCivil(%d, %d, %d) = %d, want %d", y, m, d, got, want)
		}
		if d == 1 {
			if got, want := daysIn(y, int(m)), day.AddDate(0, 1, -1).Day(); got != want {
				t.Fatalf("daysIn(%d, %d) = %d, want %d", y, m, got, want)
			}
		}
	}
}
