package spill

import (
	"fmt"
	"testing"
	"time"

	"github.com/agentbill/agentbill/billing"
)

// BenchmarkEventSorter sorts a day of 200,000 events of 5,000 agents,
// coming in time order as inputs do, in memory.
func BenchmarkEventSorter(b *testing.B) {
	const agents, n = 5000, 200_000
	base := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	ids := make([]string, agents)
	for i := range ids {
		ids[i] = fmt.Sprintf("A%05d", i)
	}
	events := make([]DayEvent, n)
	for i := range events {
		events[i] = DayEvent{Day: 20777, Event: billing.Event{
			Time:    base.Add(time.Duration(i) * 300 * time.Millisecond),
			AgentID: ids[(i*7919)%agents], OpType: 7, OpObject: billing.USNoUse, OpCause: 2,
			Attrs:  billing.Attrs{CallID: fmt.Sprintf("c%09d", i/3), MediaType: "voice"},
			Source: billing.Source{File: "events.csv", Line: int64(i + 2)},
		}}
	}
	b.ReportAllocs()
	for b.Loop() {
		s := NewEventSorter(b.TempDir(), 1<<30)
		s.OrderBySource()
		for i := range events {
			if err := s.Add(&events[i]); err != nil {
				b.Fatal(err)
			}
		}
		c := s.Sorted()
		k := 0
		for ; c.Valid(); c.Advance() {
			k += c.Value().Event.OpType
		}
		if err := c.Err(); err != nil || k != 7*n {
			b.Fatal(err, k)
		}
		s.Close()
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
}
