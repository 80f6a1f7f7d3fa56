package ingest

import (
	"errors"
	"time"
)

// ErrBadTime is returned for a time in neither accepted form.
var ErrBadTime = errors.New("want RFC 3339 with offset or YYYY-MM-DD hh:mm:ss[.fraction]")

// ParseTime reads a time in RFC 3339 with an offset (a space may stand for
// the T), or as YYYY-MM-DD hh:mm:ss[.fraction] (T or space) on the wall
// clock of loc (UTC when nil). It returns the instant in UTC, truncated to
// microseconds.
//
// A wall-clock time that the zone repeats (a DST fall-back) is the earlier
// instant; one that the zone skips (a DST spring-forward gap) is moved
// forward by the gap, as the clock would show it.
func ParseTime(s string, loc *time.Location) (time.Time, error) {
	w, rest, ok := readDateTime(s)
	if !ok {
		return time.Time{}, ErrBadTime
	}
	if rest == "" {
		return wallTime(w.y, w.mo, w.d, w.h, w.mi, w.sec, w.nsec, loc), nil
	}
	off, ok := parseOffset(rest)
	if !ok {
		return time.Time{}, ErrBadTime
	}
	return time.Unix(w.unix()-int64(off), int64(w.nsec)).UTC(), nil
}

// wallTime is the instant at which loc's clock shows the given wall time.
//
// time.Date leaves the choice open for wall times a zone repeats or skips,
// and in practice picks differently for zones west and east of UTC, so the
// rule is applied here: the earlier of two instants, and for a gap the offset
// in force before it.
func wallTime(y, mo, d, h, mi, sec, nsec int, loc *time.Location) time.Time {
	if loc == nil || loc == time.UTC {
		return time.Unix(wallClock{y, mo, d, h, mi, sec, nsec}.unix(), int64(nsec)).UTC()
	}
	u := time.Date(y, time.Month(mo), d, h, mi, sec, nsec, time.UTC)
	t := time.Date(y, time.Month(mo), d, h, mi, sec, nsec, loc)
	start, end := t.ZoneBounds()
	at := func(off int) time.Time { return u.Add(-time.Duration(off) * time.Second) }
	if shown := wallOf(t); !shown.Equal(u) {
		// In a gap. t has the offset before it when it shows an earlier
		// wall time, else the offset after it; read the wall time with the
		// offset before the gap, which moves it forward by the gap.
		_, off := t.Zone()
		if shown.After(u) && !start.IsZero() {
			_, off = start.Add(-time.Nanosecond).Zone()
		}
		return at(off).UTC()
	}
	// The wall time may also be shown by the zone period next to t's one
	// (a fall-back overlap); take the earliest instant that shows it.
	best := t
	try := func(off int) {
		if c := at(off); c.Before(best) && wallOf(c.In(loc)).Equal(u) {
			best = c
		}
	}
	if !start.IsZero() {
		_, off := start.Add(-time.Nanosecond).Zone()
		try(off)
	}
	if !end.IsZero() {
		_, off := end.Zone()
		try(off)
	}
	return best.UTC()
}

// wallOf is the wall clock t shows in its own zone, as a UTC time.
func wallOf(t time.Time) time.Time {
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	return time.Date(y, mo, d, h, mi, s, t.Nanosecond(), time.UTC)
}

func digits(s string, n int) (int, bool) {
	if len(s) < n {
		return 0, false
	}
	v := 0
	for i := 0; i < n; i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	return v, true
}

// parseDateTime reads "YYYY-MM-DD?hh:mm:ss[.fffffffff]" and returns what
// follows it.
func parseDateTime(s string) (y, mo, d, h, mi, sec, nsec int, rest string, ok bool) {
	w, rest, ok := readDateTime(s)
	return w.y, w.mo, w.d, w.h, w.mi, w.sec, w.nsec, rest, ok
}

// wallClock is a date and a time of day, with nanoseconds.
type wallClock struct{ y, mo, d, h, mi, sec, nsec int }

// readDateTime is parseDateTime with fewer results: the compiler tracks
// where only the first few results of a function point, so with rest as the
// eighth every caller's string would be moved to the heap.
func readDateTime(s string) (w wallClock, rest string, ok bool) {
	if len(s) < 19 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != ' ' && s[10] != 't') || s[13] != ':' || s[16] != ':' {
		return
	}
	for _, i := range [...]uint8{0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18} {
		if s[i]-'0' > 9 { // a byte below '0' wraps around
			return
		}
	}
	d := func(i int) int { return int(s[i] - '0') }
	w.y = d(0)*1000 + d(1)*100 + d(2)*10 + d(3)
	w.mo, w.d = d(5)*10+d(6), d(8)*10+d(9)
	w.h, w.mi, w.sec = d(11)*10+d(12), d(14)*10+d(15), d(17)*10+d(18)
	if w.mo < 1 || w.mo > 12 || w.d < 1 || w.d > daysIn(w.y, w.mo) || w.h > 23 || w.mi > 59 || w.sec > 59 {
		return
	}
	rest = s[19:]
	if len(rest) > 0 && (rest[0] == '.' || rest[0] == ',') {
		i := 1
		scale := 100000000
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			w.nsec += int(rest[i]-'0') * scale
			scale /= 10
			i++
		}
		if i == 1 {
			return
		}
		w.nsec -= w.nsec % 1000 // microseconds; digits past the ninth added nothing
		rest = rest[i:]
	}
	ok = true
	return
}

// monthDays is the length of each month of a common year.
var monthDays = [13]int{0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}

// daysIn is the number of days of month m (1..12) of year y.
func daysIn(y, m int) int {
	if m == 2 && y%4 == 0 && (y%100 != 0 || y%400 == 0) {
		return 29
	}
	return monthDays[m]
}

// unix is the wall clock read as UTC, in seconds since 1970 (without the
// nanoseconds). It is what time.Date computes, without its generality: the
// date is valid (readDateTime checked it) and the zone is UTC.
func (w wallClock) unix() int64 {
	return daysFromCivil(w.y, w.mo, w.d)*86400 + int64(w.h*3600+w.mi*60+w.sec)
}

// daysFromCivil is the number of days from 1970-01-01 to the given date of
// the proleptic Gregorian calendar (H. Hinnant, "chrono-Compatible Low-Level
// Date Algorithms").
func daysFromCivil(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y
	if era < 0 {
		era -= 399
	}
	era /= 400
	yoe := y - era*400                  // [0, 399]
	doy := (153*((m+9)%12)+2)/5 + d - 1 // [0, 365], from March 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era)*146097 + int64(doe) - 719468
}

// parseOffset reads "Z" or "±hh:mm" (or ±hhmm, ±hh), optionally after one
// space, and returns seconds east of UTC.
func parseOffset(s string) (int, bool) {
	if len(s) > 0 && s[0] == ' ' {
		s = s[1:]
	}
	if s == "Z" || s == "z" {
		return 0, true
	}
	if len(s) < 3 || (s[0] != '+' && s[0] != '-') {
		return 0, false
	}
	h, ok := digits(s[1:], 2)
	if !ok {
		return 0, false
	}
	m := 0
	switch tail := s[3:]; {
	case tail == "":
	case len(tail) == 3 && tail[0] == ':':
		if m, ok = digits(tail[1:], 2); !ok {
			return 0, false
		}
	case len(tail) == 2:
		if m, ok = digits(tail, 2); !ok {
			return 0, false
		}
	default:
		return 0, false
	}
	if h > 23 || m > 59 {
		return 0, false
	}
	off := h*3600 + m*60
	if s[0] == '-' {
		off = -off
	}
	return off, true
}
