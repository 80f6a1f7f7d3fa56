package billing

import (
	"math"
	"time"
)

// markStep is the spacing of the conversation marks on the site clock.
const markStep = 5 * 60 // seconds

// NextMark returns the first five-minute mark of loc's wall clock (hh:00,
// hh:05 … hh:55) strictly after t. Marks are found per zone period, so a
// zone whose offset is not a whole hour (Asia/Kathmandu, +05:45) and a DST
// change (a fall-back shows hh:05 twice, a spring-forward gap shows none)
// are both right.
func NextMark(t time.Time, loc *time.Location) time.Time {
	strict := true
	for {
		lt := t.In(loc)
		_, off := lt.Zone()
		_, end := lt.ZoneBounds()
		local := t.Unix() + int64(off)
		var v int64
		if strict {
			v = floorDiv(local, markStep)*markStep + markStep
		} else {
			// t is the first instant of a zone period: a mark may fall on it.
			v = -floorDiv(-local, markStep) * markStep
		}
		v -= int64(off)
		if end.IsZero() || v < end.Unix() {
			return time.Unix(v, 0).UTC()
		}
		t, strict = end, false
	}
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// markClock finds five-minute marks like NextMark, remembering the zone
// period it last looked up: within one period (for UTC, all of time) a
// mark is plain arithmetic on Unix seconds, and only a mark that would
// cross the period's end takes NextMark's way. A markClock with only loc
// set looks up its first period on first use.
type markClock struct {
	loc    *time.Location
	lo, hi int64 // the period [lo, hi) in Unix seconds
	off    int64 // the period's offset from UTC in seconds
}

// next returns the first mark strictly after t, as NextMark(t, c.loc).
func (c *markClock) next(t time.Time) time.Time {
	s := t.Unix()
	if s < c.lo || s >= c.hi {
		c.load(t)
	}
	v := floorDiv(s+c.off, markStep)*markStep + markStep - c.off
	if v < c.hi {
		return time.Unix(v, 0).UTC()
	}
	return NextMark(t, c.loc)
}

// load remembers the zone period that holds t.
func (c *markClock) load(t time.Time) {
	lt := t.In(c.loc)
	_, off := lt.Zone()
	start, end := lt.ZoneBounds()
	c.off = int64(off)
	c.lo, c.hi = math.MinInt64, math.MaxInt64
	if !start.IsZero() {
		c.lo = start.Unix()
	}
	if !end.IsZero() {
		c.hi = end.Unix()
	}
}
