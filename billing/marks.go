package billing

import "time"

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
