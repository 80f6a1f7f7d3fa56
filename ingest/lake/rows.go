package lake

import (
	"math"
	"time"

	"github.com/agentbill/agentbill/billing"
	"github.com/agentbill/agentbill/ingest"
)

// putBill appends the bill columns of b to cols (billColumns order).
func putBill(cols []colBuf, clock *wallClock, b *billing.Bill) {
	begin, end := b.Begin.UnixMicro(), b.End.UnixMicro()
	if d := b.PackedID(); d != nil {
		cols[0].putPackedID(b.ID, d)
	} else {
		cols[0].putStr(b.ID)
	}
	cols[1].putStr(b.AgentID)
	cols[2].putI32(b.OpType)
	cols[3].putI32(b.OpObject)
	cols[4].putI32(b.OpCause)
	cols[5].putI64(begin)
	cols[6].putI64(end)
	if clock.loc == time.UTC {
		// The site clock is the instants: the *_local columns are
		// begin_time and end_time again, put and encoded once.
		cols[7].mirror, cols[8].mirror = 5+1, 6+1
	} else {
		cols[7].putI64(clock.local(b.Begin))
		cols[8].putI64(clock.local(b.End))
	}
	cols[9].putI64(spanMillis(b.Begin, b.End))
	cols[10].putOptStr(b.CallID)
	cols[11].putOptStr(b.MediaType)
	cols[12].putOptStr(b.SkillID)
	cols[13].putOptStr(b.VDNID)
	cols[14].putOptStr(b.CCID)
	cols[15].putOptStr(b.AgentType)
	cols[16].putOptStr(b.PhoneNo)
	cols[17].putOptStr(b.CallInOut)
	cols[18].putOptStr(b.LocationID)
	cols[19].putI64(b.LogonSN)
	cols[20].putOptI32(b.SourceCause, b.HasSourceCause)
	cols[21].putStr(flagText[b.Flags])
	cols[22].putStr(b.Source.File)
	cols[23].putI64(b.Source.Line)
	cols[24].putOptStr(b.Origin.RecordID)
	cols[25].putOptStr(b.Origin.DeveloperID)
	cols[26].putOptStr(b.Origin.AccountID)
	cols[27].putOptStr(b.Origin.ServiceNo)
	cols[28].putOptStr(b.Origin.SkillInfoSN)
}

// spanMillis is end.Sub(begin).Milliseconds() without Sub's check for
// overflow (adding the difference back and comparing), which took a tenth
// of putting a bill; only instants centuries apart need it.
func spanMillis(begin, end time.Time) int64 {
	secs := end.Unix() - begin.Unix()
	if secs > 1<<33 || secs < -1<<33 {
		return end.Sub(begin).Milliseconds()
	}
	return (secs*1e9 + int64(end.Nanosecond()-begin.Nanosecond())) / 1e6
}

// flagText is the text of every value of billing.Flags, so that writing a
// bill's flags costs no allocation.
var flagText = func() (text [256]string) {
	for f := range text {
		text[f] = billing.Flags(f).String()
	}
	return text
}()

// putOpen appends an open span (Open columns).
func putOpen(cols []colBuf, clock *wallClock, s *billing.OpenSpan) {
	putBill(cols, clock, &s.Bill)
	cols[len(billColumns)].putI64(s.LastEvent.UnixMicro())
}

// putReject appends a reject (Rejects columns).
func putReject(cols []colBuf, r *ingest.Reject) {
	cols[0].putStr(r.File)
	cols[1].putI64(r.Line)
	cols[2].putStr(r.Raw)
	cols[3].putStr(r.Reason)
}

// wallClock turns instants into the site zone's wall clock written as if it
// were UTC, in microseconds. It remembers the zone period of the last
// instant, as bills come in runs of nearby times.
type wallClock struct {
	loc        *time.Location
	from, to   int64 // the period [from, to) in Unix seconds
	offsetUsec int64
}

func newWallClock(loc *time.Location) *wallClock {
	if loc == nil {
		loc = time.UTC
	}
	return &wallClock{loc: loc}
}

func (c *wallClock) local(t time.Time) int64 {
	if c.loc == time.UTC {
		return t.UnixMicro()
	}
	if s := t.Unix(); s < c.from || s >= c.to {
		lt := t.In(c.loc)
		_, offset := lt.Zone()
		start, end := lt.ZoneBounds()
		c.from, c.to = int64(math.MinInt64), int64(math.MaxInt64)
		if !start.IsZero() {
			c.from = start.Unix()
		}
		if !end.IsZero() {
			c.to = end.Unix()
		}
		c.offsetUsec = int64(offset) * 1e6
	}
	return t.UnixMicro() + c.offsetUsec
}
