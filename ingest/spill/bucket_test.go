package spill

import (
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
)

// Taking an agent's bucket and decoding it with Each gives the events the
// cursor would have given, in the same order; a yield that stops stops it.
func TestBucketEachMatchesCursor(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	events := randomEvents(rng, 2000)
	want := slices.Clone(events)
	slices.SortStableFunc(want, func(a, b DayEvent) int { return CompareDayEvents(&a, &b) })

	s := NewEventSorter(t.TempDir(), 1<<30)
	defer s.Close()
	for i := range events {
		if err := s.Add(&events[i]); err != nil {
			t.Fatal(err)
		}
	}
	var got []DayEvent
	buckets, stopped := 0, false
	c := s.Sorted()
	for c.Valid() {
		// Every other bucket from its second event on: the first
		// comes from the cursor.
		if buckets%2 == 1 {
			got = append(got, *c.Value())
			c.Advance()
			if !c.Valid() || c.Value().Event.AgentID != got[len(got)-1].Event.AgentID || c.Value().Day != got[len(got)-1].Day {
				buckets++
				continue
			}
		}
		n, ok := c.BucketLen()
		if !ok {
			t.Fatal("a sorter that did not spill has no bucket to take")
		}
		b := c.TakeBucket()
		if b.Len() != n {
			t.Fatalf("bucket of %d events, BucketLen said %d", b.Len(), n)
		}
		var scratch DayEvent
		more, err := b.Each(&scratch, func(e *DayEvent) bool { got = append(got, *e); return true })
		if err != nil || !more {
			t.Fatalf("Each = %v, %v", more, err)
		}
		if !stopped && n > 1 {
			// Stopping after the first event: Each says so.
			seen := 0
			more, err := b.Each(&scratch, func(*DayEvent) bool { seen++; return false })
			if err != nil || more || seen != 1 {
				t.Fatalf("a yield that stops: Each = %v, %v after %d events", more, err, seen)
			}
			stopped = true
		}
		buckets++
	}
	if err := c.Err(); err != nil {
		t.Fatal(err)
	}
	if !stopped {
		t.Fatal("no bucket of two events or more")
	}
	if len(got) != len(want) {
		t.Fatalf("%d events, want %d", len(got), len(want))
	}
	for i := range want {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Fatalf("event %d\n got %+v\nwant %+v", i, got[i], want[i])
		}
	}
}
