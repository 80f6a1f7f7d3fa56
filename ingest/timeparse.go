package ingest

import (
	"errors"
	"math"
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

func digits[T string | []byte](s T, n int) (int, bool) {
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
	if len(s) < 19 {
		return
	}
	if w.y, w.mo, w.d, ok = readDate(s); !ok {
		return
	}
	var sec int
	if sec, w.nsec, rest, ok = readClock(s); !ok {
		return
	}
	w.h, w.mi, w.sec = sec/3600, sec/60%60, sec%60
	return
}

// readDate reads the date YYYY-MM-DD that s (of at least 10 bytes) begins
// with.
func readDate[T string | []byte](s T) (y, mo, d int, ok bool) {
	if s[4] != '-' || s[7] != '-' {
		return
	}
	for _, i := range [...]uint8{0, 1, 2, 3, 5, 6, 8, 9} {
		if s[i]-'0' > 9 { // a byte below '0' wraps around
			return
		}
	}
	dg := func(i int) int { return int(s[i] - '0') }
	y = dg(0)*1000 + dg(1)*100 + dg(2)*10 + dg(3)
	mo, d = dg(5)*10+dg(6), dg(8)*10+dg(9)
	if mo < 1 || mo > 12 || d < 1 || d > daysIn(y, mo) {
		return 0, 0, 0, false
	}
	return y, mo, d, true
}

// readClock reads what follows the date in s (of at least 19 bytes):
// "?hh:mm:ss[.fffffffff]", with T, t or a space for ?. It returns the
// seconds of the day, the nanoseconds (cut to microseconds) and what
// follows.
func readClock[T string | []byte](s T) (sec, nsec int, rest T, ok bool) {
	if s[10] != 'T' && s[10] != ' ' && s[10] != 't' {
		return
	}
	// hh:mm:ss read as one little-endian word and xor-ed with "00:00:00":
	// each byte of x is then the value of a digit, below 16 only for the
	// bytes '0'..'?', and 0 for a colon.
	_ = s[18]
	x := (uint64(s[11]) | uint64(s[12])<<8 | uint64(s[13])<<16 | uint64(s[14])<<24 |
		uint64(s[15])<<32 | uint64(s[16])<<40 | uint64(s[17])<<48 | uint64(s[18])<<56) ^ clockZeros
	const highs, sixes, colons = 0xf0f0f0f0f0f0f0f0, 0x0606060606060606, 0x0000ff0000ff0000
	if x&highs != 0 || (x+sixes)&highs != 0 || x&colons != 0 {
		return // not digits (a byte above 9 goes past 15 with 6 added), or no colons
	}
	h := int(x&0xff)*10 + int(x>>8&0xff)
	mi := int(x>>24&0xff)*10 + int(x>>32&0xff)
	se := int(x>>48&0xff)*10 + int(x>>56)
	if h > 23 || mi > 59 || se > 59 {
		return
	}
	rest = s[19:]
	if len(rest) > 0 && (rest[0] == '.' || rest[0] == ',') {
		// Microseconds: the first six digits; those past them add
		// nothing.
		i, micro := 1, 0
		for ; i < len(rest) && rest[i]-'0' <= 9; i++ { // a byte below '0' wraps around
			if i <= 6 {
				micro = micro*10 + int(rest[i]-'0')
			}
		}
		if i == 1 {
			return 0, 0, rest, false
		}
		for n := i - 1; n < 6; n++ {
			micro *= 10
		}
		nsec = micro * 1000
		rest = rest[i:]
	}
	return h*3600 + mi*60 + se, nsec, rest, true
}

// clockZeros is "00:00:00" as a little-endian word.
const clockZeros = 0x30303a30303a3030

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
func parseOffset[T string | []byte](s T) (int, bool) {
	if len(s) > 0 && s[0] == ' ' {
		s = s[1:]
	}
	if len(s) == 1 && (s[0] == 'Z' || s[0] == 'z') {
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
	case len(tail) == 0:
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

// timeParser reads times as ParseTime does, from bytes and without
// allocating, for the many times of one input: it keeps the last date it
// read, and the site zone's offset around the last instant.
type timeParser struct {
	loc *time.Location // nil for UTC

	date    [10]byte // the last date read, as written
	days    int64    // its days since 1970-01-01
	hasDate bool

	// off is the zone's offset, in seconds east of UTC, at every instant
	// in [from, to) (Unix seconds). The span lies zoneMargin inside a
	// period of the zone, so that no wall time it shows is shown at another
	// instant (zones' offsets differ by less than the margin).
	off      int64
	from, to int64
}

// The instants of the years RFC 3339 can write, 0001..9999 in UTC, in Unix
// seconds: [minRFC3339Unix, maxRFC3339Unix).
var (
	minRFC3339Unix = daysFromCivil(1, 1, 1) * 86400
	maxRFC3339Unix = daysFromCivil(10000, 1, 1) * 86400
)

// zoneMargin keeps the span of timeParser.off away from a zone's changes.
const zoneMargin = 2 * 86400

func newTimeParser(loc *time.Location) timeParser {
	p := timeParser{loc: loc}
	if loc == time.UTC {
		p.loc = nil
	}
	return p
}

// parse is ParseTime(string(b), loc).
func (p *timeParser) parse(b []byte) (time.Time, error) {
	if len(b) < 19 {
		return time.Time{}, ErrBadTime
	}
	if !p.hasDate || string(b[:10]) != string(p.date[:]) {
		y, mo, d, ok := readDate(b)
		if !ok {
			return time.Time{}, ErrBadTime
		}
		copy(p.date[:], b[:10])
		p.days, p.hasDate = daysFromCivil(y, mo, d), true
	}
	sec, nsec, rest, ok := readClock(b)
	if !ok {
		return time.Time{}, ErrBadTime
	}
	wall := p.days*86400 + int64(sec)
	if len(rest) > 0 {
		off, ok := parseOffset(rest)
		if !ok {
			return time.Time{}, ErrBadTime
		}
		return time.Unix(wall-int64(off), int64(nsec)).UTC(), nil
	}
	if p.loc == nil {
		return time.Unix(wall, int64(nsec)).UTC(), nil
	}
	if u := wall - p.off; p.from <= u && u < p.to {
		return time.Unix(u, int64(nsec)).UTC(), nil
	}
	return p.zoneTime(b, wall, nsec), nil
}

// zoneTime reads the wall time b, whose clock reads wall seconds since
// 1970 and nsec, in the site zone with wallTime, and keeps the offset of
// the zone period the instant lies in for the next times.
func (p *timeParser) zoneTime(b []byte, wall int64, nsec int) time.Time {
	y, mo, d, _ := readDate(b)
	s := int(wall - p.days*86400)
	t := wallTime(y, mo, d, s/3600, s/60%60, s%60, nsec, p.loc)
	in := t.In(p.loc)
	_, off := in.Zone()
	start, end := in.ZoneBounds()
	p.off, p.from, p.to = int64(off), math.MinInt64, math.MaxInt64
	if !start.IsZero() {
		p.from = start.Unix() + zoneMargin
	}
	if !end.IsZero() {
		p.to = end.Unix() - zoneMargin
	}
	return t
}
