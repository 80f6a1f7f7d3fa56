package spill

import (
	"cmp"
	"strings"
	"time"

	"github.com/agentbill/agentbill/billing"
)

// DayEvent is an event and the run day it belongs to, as days since
// 1970-01-01 (see DayNumber).
type DayEvent struct {
	Day   int32
	Event billing.Event
}

// CompareDayEvents orders events as a day run takes them: by day, agent
// and time.
func CompareDayEvents(a, b *DayEvent) int {
	return cmp.Or(cmp.Compare(a.Day, b.Day), strings.Compare(a.Event.AgentID, b.Event.AgentID), a.Event.Time.Compare(b.Event.Time))
}

// EventSorter puts events in the order of CompareDayEvents, keeping the
// input order of events equal in day, agent and time (or their source
// order, see OrderBySource), within a memory budget (see buckets).
type EventSorter struct {
	buckets[DayEvent, eventRecords]
}

// NewEventSorter returns a sorter that holds about budget bytes of events
// in memory and spills to dir (the system's temporary folder when empty).
func NewEventSorter(dir string, budget int) *EventSorter {
	return &EventSorter{newBuckets[DayEvent, eventRecords](dir, budget)}
}

// Add takes an event.
func (s *EventSorter) Add(e *DayEvent) error { return s.add(e) }

// eventRecords is the bucketCodec of events.
type eventRecords struct{}

func (eventRecords) key(v *DayEvent) (int32, string, int64) {
	return v.Day, v.Event.AgentID, v.Event.Time.UnixMicro()
}

func (eventRecords) appendBody(dst []byte, files *fileTable, v *DayEvent) []byte {
	return appendEventBody(dst, files, &v.Event)
}

func (eventRecords) decode(v *DayEvent, day int32, agent string, t int64, body []byte, files *fileTable, alias bool) error {
	v.Day, v.Event.AgentID, v.Event.Time = day, agent, time.UnixMicro(t).UTC()
	r := reader{b: body, alias: alias}
	return r.eventBody(files, &v.Event)
}

func (eventRecords) tie(a, b []byte) int                    { return 0 }
func (eventRecords) bodySource(body []byte) (uint64, int64) { return bodySource(body) }
func (eventRecords) compare(a, b *DayEvent) int             { return CompareDayEvents(a, b) }
func (eventRecords) source(v *DayEvent) *billing.Source     { return &v.Event.Source }

// Events read back from a run own their strings: a billing run holds on
// to those of the events that opened its spans.
func (eventRecords) lendsRuns() bool { return false }

func (eventRecords) agentOf(v *DayEvent) *string { return &v.Event.AgentID }
