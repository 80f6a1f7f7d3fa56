package billing_test

import (
	"fmt"
	"iter"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/agentbill/agentbill/billing"
)

// agentRun is what one RunByAgent call gave: each agent's bills in the
// order they came, and the day's result.
type agentRun struct {
	bills [][]billing.Bill
	res   billing.DayResult
}

func runByAgent(t *testing.T, cfg billing.Config, day billing.Date, carried []billing.OpenSpan, events []billing.Event) agentRun {
	t.Helper()
	var run agentRun
	var cur []billing.Bill
	var err error
	run.res, err = billing.RunByAgent(cfg, day, carried, eventsOf(events), billing.AgentBills{
		Bill: func(b *billing.Bill) error { cur = append(cur, *b); return nil },
		Done: func() error { run.bills = append(run.bills, cur); cur = nil; return nil },
	})
	if err != nil {
		t.Error(err)
	}
	return run
}

// eventsOf yields each event of events in turn.
func eventsOf(events []billing.Event) iter.Seq[*billing.Event] {
	return func(yield func(*billing.Event) bool) {
		for i := range events {
			if !yield(&events[i]) {
				return
			}
		}
	}
}

// TestRunByAgentConcurrent runs a day's agents in blocks on goroutines at
// once and checks that the blocks together give what one call gives (run
// it with -race to see that the calls share nothing).
func TestRunByAgentConcurrent(t *testing.T) {
	day := billing.Date{Year: 2026, Month: time.November, Day: 20}
	cfg := billing.DefaultConfig()
	cfg.Location = mustLocation(t, "Asia/Kathmandu")
	// The first day leaves every third agent logged in, and the second day
	// has events of every other agent only: some agents come only with
	// carried state (and time out). On the second day every fifth agent
	// stays logged in.
	var first []billing.Event
	for _, e := range agentDay(day.AddDays(-1), 300, 40) {
		if e.OpType == billing.OpLogout && agentIndex(t, e.AgentID)%3 == 0 {
			continue
		}
		first = append(first, e)
	}
	carried := runByAgent(t, cfg, day.AddDays(-1), nil, first).res.Open
	if len(carried) == 0 {
		t.Fatal("nothing carried")
	}
	var events []billing.Event
	for _, e := range agentDay(day, 300, 40) {
		n := agentIndex(t, e.AgentID)
		if n%2 == 0 && (e.OpType != billing.OpLogout || n%5 != 0) {
			events = append(events, e)
		}
	}
	want := runByAgent(t, cfg, day, carried, events)

	// Blocks of agents by id: A000001..A000075, A000076..A000150, …
	const blocks = 4
	bounds := make([]string, blocks+1)
	for i := range bounds {
		bounds[i] = fmt.Sprintf("A%06d", 1+i*75)
	}
	bounds[blocks] = "B"
	in := func(id string, k int) bool { return bounds[k] <= id && id < bounds[k+1] }
	got := make([]agentRun, blocks)
	var wg sync.WaitGroup
	for k := range blocks {
		var evs []billing.Event
		for _, e := range events {
			if in(e.AgentID, k) {
				evs = append(evs, e)
			}
		}
		var carry []billing.OpenSpan
		for _, o := range carried {
			if in(o.AgentID, k) {
				carry = append(carry, o)
			}
		}
		wg.Go(func() { got[k] = runByAgent(t, cfg, day, carry, evs) })
	}
	wg.Wait()

	var all agentRun
	for _, g := range got {
		all.bills = append(all.bills, g.bills...)
		all.res.Open = append(all.res.Open, g.res.Open...)
		all.res.Refusals = append(all.res.Refusals, g.res.Refusals...)
		all.res.Counts.Add(g.res.Counts)
	}
	if !reflect.DeepEqual(all, want) {
		t.Errorf("blocks run at once differ from one run: %d agents, %d open rows, counts %+v; want %d, %d, %+v",
			len(all.bills), len(all.res.Open), all.res.Counts, len(want.bills), len(want.res.Open), want.res.Counts)
	}
	if want.res.Counts.OpenRows == 0 || want.res.Counts.Bills == 0 {
		t.Errorf("a day with nothing to compare: %+v", want.res.Counts)
	}
}

func agentIndex(t *testing.T, id string) int {
	t.Helper()
	var n int
	if _, err := fmt.Sscanf(id, "A%06d", &n); err != nil {
		t.Fatal(err)
	}
	return n
}

// With AgentBills.Slot, each bill is built in the receiver's place, whatever
// that place held before, and is the bill Bill would have had copied.
func TestRunByAgentSlot(t *testing.T) {
	day := billing.Date{Year: 2026, Month: time.November, Day: 20}
	cfg := billing.DefaultConfig()
	events := agentDay(day, 50, 40)
	want := runByAgent(t, cfg, day, nil, events)

	stale := billing.Bill{ID: "stale", AgentID: "stale", OpType: 99, OpObject: 1, OpCause: 2,
		Begin: time.Unix(1, 0), End: time.Unix(2, 0), LogonSN: 3, SourceCause: 4, HasSourceCause: true,
		Flags: billing.FlagTimeout, Attrs: billing.Attrs{CallID: "stale", PhoneNo: "stale"},
		Source: billing.Source{File: "stale", Line: 5}, Origin: billing.Origin{RecordID: "stale"}}
	for _, room := range []int{1, 100_000} { // grown at almost every bill, or never
		buf := make([]billing.Bill, room)
		for i := range buf {
			buf[i] = stale
		}
		slots := buf[:0]
		var got agentRun
		start := 0
		var err error
		got.res, err = billing.RunByAgent(cfg, day, nil, eventsOf(events), billing.AgentBills{
			Slot: func() *billing.Bill {
				if len(slots) == cap(slots) {
					slots = append(slots, stale)[:len(slots)]
				}
				slots = slots[:len(slots)+1]
				return &slots[len(slots)-1]
			},
			Bill: func(b *billing.Bill) error {
				if b != &slots[len(slots)-1] {
					t.Error("Bill got a bill that is not in the last slot")
				}
				return nil
			},
			Done: func() error {
				got.bills = append(got.bills, append([]billing.Bill(nil), slots[start:]...))
				start = len(slots)
				return nil
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("room %d: bills built in place differ from bills copied", room)
		}
	}
}
