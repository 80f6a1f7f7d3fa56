package ingest

import (
	"errors"
	"time"
)

// ErrBadTime is returned for a time in neither accepted form.
var ErrBadTime = errors.New("want RFC 3339 with offset or YYYY-MM-DD hh:mm:ss[.fraction]")

// ParseTime reads a time in RFC 3339 with an offset (a space may stand for
// the T), or as YYYY-MM-DD hh:mm:ss[.fraction] (T or space) on the wall
// clock of loc. It returns the instant in UTC, truncated to microseconds.
//
// A wall-clock time that the zone repeats (a DST fall-back) is the earlier
// instant; one that the zone skips (a DST spring-forward gap) is moved
// forward by the gap, as the clock would show it.
func ParseTime(s string, loc *time.Location) (time.Time, error) {
	y, mo, d, h, mi, sec, nsec, rest, ok := parseDateTime(s)
	if !ok {
		return time.Time{}, ErrBadTime
	}
	if rest == "" {
		return wallTime(y, mo, d, h, mi, sec, nsec, loc), nil
	}
	off, ok := parseOffset(rest)
	if !ok {
		return time.Time{}, ErrBadTime
	}
	t := time.Date(y, time.Month(mo), d, h, mi, sec, nsec, time.UTC).Add(-time.Duration(off) * time.Second)
	return t.Truncate(time.Microsecond), nil
}

// wallTime is the instant at which loc's clock shows the given wall time.
func wallTime(y, mo, d, h, mi, sec, nsec int, loc *time.Location) time.Time {
	t := time.Date(y, time.Month(mo), d, h, mi, sec, nsec, loc)
	if t.Hour() != h || t.Minute() != mi || t.Day() != d {
		// In a gap: Go picks the offset before it, which lands earlier.
		// Read the wall time with the offset in force before the gap
		// instead, which lands after it.
		_, off := t.Zone()
		t = time.Date(y, time.Month(mo), d, h, mi, sec, nsec, time.UTC).Add(-time.Duration(off) * time.Second)
	}
	return t.UTC().Truncate(time.Microsecond)
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
	if len(s) < 19 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != ' ' && s[10] != 't') || s[13] != ':' || s[16] != ':' {
		return
	}
	var oks [6]bool
	y, oks[0] = digits(s, 4)
	mo, oks[1] = digits(s[5:], 2)
	d, oks[2] = digits(s[8:], 2)
	h, oks[3] = digits(s[11:], 2)
	mi, oks[4] = digits(s[14:], 2)
	sec, oks[5] = digits(s[17:], 2)
	for _, o := range oks {
		if !o {
			return
		}
	}
	if mo < 1 || mo > 12 || d < 1 || d > daysIn(y, mo) || h > 23 || mi > 59 || sec > 59 {
		return
	}
	rest = s[19:]
	if len(rest) > 0 && (rest[0] == '.' || rest[0] == ',') {
		i := 1
		scale := 100000000
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			nsec += int(rest[i]-'0') * scale
			scale /= 10
			i++
		}
		if i == 1 || i > 10 {
			return
		}
		rest = rest[i:]
	}
	ok = true
	return
}

func daysIn(y, m int) int {
	return time.Date(y, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day()
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
