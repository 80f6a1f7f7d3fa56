package spill

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/agentbill/agentbill/billing"
)

func randomEvents(rng *rand.Rand, n int) []DayEvent {
	base := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	out := make([]DayEvent, n)
	for i := range out {
		// Few distinct times, so that equal keys are common and the
		// stability of the sort is tested.
		t := base.Add(time.Duration(rng.IntN(50)) * time.Second).Add(time.Duration(rng.IntN(3)) * time.Microsecond)
		out[i] = DayEvent{
			Day: int32(20412 + rng.IntN(3)),
			Event: billing.Event{
				Time:     t,
				AgentID:  fmt.Sprintf("A%03d", rng.IntN(20)),
				OpType:   rng.IntN(61),
				OpObject: []int{billing.USNoUse, 0, 7, -3}[rng.IntN(4)],
				OpCause:  rng.IntN(70000),
				Attrs: billing.Attrs{
					CallID: fmt.Sprintf("c%d", rng.IntN(5)), MediaType: []string{"", "voice", "text", "é"}[rng.IntN(4)],
					SkillID: "201", PhoneNo: fmt.Sprint(rng.IntN(1000)), LocationID: "2",
				},
				SourceCause:    int32(rng.IntN(100) - 50),
				HasSourceCause: rng.IntN(2) == 0,
				Source:         billing.Source{File: fmt.Sprintf("in/%d.csv", rng.IntN(3)), Line: int64(i + 1)},
			},
		}
	}
	return out
}

// drain reads every record of c in order, then closes it; an error of
// either fails the test.
func drain[T any](t *testing.T, c *Cursor[T]) []T {
	t.Helper()
	var got []T
	for ; c.Valid(); c.Advance() {
		got = append(got, *c.Value())
	}
	if err := cmp.Or(c.Err(), c.Close()); err != nil {
		t.Fatal(err)
	}
	return got
}

func TestEventSorterMatchesStableSort(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, budget := range []int{0, 1 << 17, 1 << 30} {
		for round := range 20 {
			events := randomEvents(rng, rng.IntN(3000))
			dir := t.TempDir()
			s := NewEventSorter(dir, budget)
			for i := range events {
				if err := s.Add(&events[i]); err != nil {
					t.Fatal(err)
				}
			}
			want := slices.Clone(events)
			slices.SortStableFunc(want, func(a, b DayEvent) int { return CompareDayEvents(&a, &b) })
			var got []DayEvent
			c := s.Sorted()
			for ; c.Valid(); c.Advance() {
				got = append(got, *c.Value())
			}
			if err := c.Err(); err != nil {
				t.Fatal(err)
			}
			if len(events) > 2000 && budget == 0 && s.Spilled() < 2 {
				t.Errorf("budget %d: %d runs; the test meant to spill", budget, s.Spilled())
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			if len(got) != len(want) {
				t.Fatalf("budget %d round %d: %d events, want %d", budget, round, len(got), len(want))
			}
			for i := range want {
				if !reflect.DeepEqual(got[i], want[i]) {
					t.Fatalf("budget %d round %d: event %d\n got %+v\nwant %+v", budget, round, i, got[i], want[i])
				}
			}
			if left, _ := os.ReadDir(dir); len(left) != 0 {
				t.Fatalf("runs left behind: %v", left)
			}
		}
	}
}

func TestSorterMatchesStableSort(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, limit := range []int{1, 7, 100, 1 << 20} {
		events := randomEvents(rng, 2000)
		bills := make([]billing.Bill, len(events))
		for i, e := range events {
			ev := e.Event
			bills[i] = billing.Bill{
				ID: fmt.Sprint(i), AgentID: ev.AgentID, OpType: int32(ev.OpType), OpObject: int32(ev.OpObject), OpCause: int32(ev.OpCause),
				Begin: ev.Time, End: ev.Time.Add(time.Duration(rng.IntN(3)) * time.Second), Attrs: ev.Attrs,
				LogonSN: ev.Time.UnixMilli(), SourceCause: ev.SourceCause, HasSourceCause: ev.HasSourceCause,
				Flags: billing.Flags(rng.IntN(16)), Source: ev.Source,
				Origin: billing.Origin{RecordID: fmt.Sprint(rng.IntN(9)), ServiceNo: "s"},
			}
		}
		compare := billing.CompareBills
		dir := t.TempDir()
		s := NewSorter(dir, limit, compare, &BillCodec{})
		for round := range 2 { // a sorter is used again after its cursor is closed
			for i := range bills {
				if err := s.Add(&bills[i]); err != nil {
					t.Fatal(err)
				}
			}
			want := slices.Clone(bills)
			slices.SortStableFunc(want, func(a, b billing.Bill) int { return compare(&a, &b) })
			got := drain(t, s.Sorted())
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("limit %d round %d: the sorter's order differs from a stable sort", limit, round)
			}
			if left, _ := os.ReadDir(dir); len(left) != 0 {
				t.Fatalf("runs left behind: %v", left)
			}
		}
	}
}

func TestCorruptRunIsAnError(t *testing.T) {
	s := NewSorter(t.TempDir(), 1, billing.CompareBills, &BillCodec{})
	for i := range 3 {
		if err := s.Add(&billing.Bill{AgentID: fmt.Sprint(i)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Truncate(s.runs[0].Name(), 5); err != nil {
		t.Fatal(err)
	}
	c := s.Sorted()
	for c.Valid() {
		c.Advance()
	}
	if c.Err() == nil {
		t.Fatal("a cut run read as if whole")
	}
	c.Close()
}

func TestDayNumber(t *testing.T) {
	d := billing.Date{Year: 2026, Month: time.November, Day: 20}
	if n := DayNumber(d); DayOfNumber(n) != d || n != 20777 {
		t.Fatalf("DayNumber(%s) = %d, back %s", d, n, DayOfNumber(n))
	}
	// The years at the ends of what the readers accept.
	for _, d := range []billing.Date{{Year: 1, Month: 1, Day: 1}, {Year: 9999, Month: 12, Day: 31}, {Year: 1969, Month: 12, Day: 31}} {
		if back := DayOfNumber(DayNumber(d)); back != d {
			t.Errorf("DayNumber(%s) = %d reads back as %s", d, DayNumber(d), back)
		}
	}
}

func TestEventSorterLargeRecords(t *testing.T) {
	// Records larger than a block, among small ones, spilled and not.
	big := string(make([]byte, blockSize+100))
	for _, budget := range []int{0, 1 << 30} {
		s := NewEventSorter(t.TempDir(), budget)
		var want []DayEvent
		for i := range 7 {
			e := DayEvent{Day: 1, Event: billing.Event{Time: time.UnixMicro(int64(100 - i)).UTC(), AgentID: "A", Source: billing.Source{File: "f", Line: int64(i)}}}
			if i%3 == 1 {
				e.Event.PhoneNo = big
			}
			want = append(want, e)
			if err := s.Add(&e); err != nil {
				t.Fatal(err)
			}
		}
		slices.Reverse(want)
		c := s.Sorted()
		var got []DayEvent
		for ; c.Valid(); c.Advance() {
			got = append(got, *c.Value())
		}
		if c.Err() != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("budget %d: large records came back wrong (err %v)", budget, c.Err())
		}
		s.Close()
	}
}

// TestSorterInOrder feeds records that come in order already, with equal
// keys in either order: they come back as they went in, spilled or not.
func TestSorterInOrder(t *testing.T) {
	compare := func(a, b *billing.Bill) int { return cmp.Compare(a.OpType, b.OpType) }
	var bills []billing.Bill
	for i := range 3000 {
		bills = append(bills, billing.Bill{ID: fmt.Sprint(i), OpType: int32(i / 7)})
	}
	reversedTies := slices.Clone(bills)
	for i := 0; i < len(reversedTies); i += 7 {
		slices.Reverse(reversedTies[i:min(i+7, len(reversedTies))])
	}
	for _, limit := range []int{10, 1 << 20} {
		for _, in := range [][]billing.Bill{bills, reversedTies} {
			s := NewSorter(t.TempDir(), limit, compare, &BillCodec{})
			for i := range in {
				if err := s.Add(&in[i]); err != nil {
					t.Fatal(err)
				}
			}
			got := drain(t, s.Sorted())
			if !reflect.DeepEqual(got, in) {
				t.Fatalf("limit %d: records in order came back in another order", limit)
			}
		}
	}
}

func TestEventSorterRefusesAddAfterSorted(t *testing.T) {
	s := NewEventSorter(t.TempDir(), 1<<20)
	e := DayEvent{Day: 20412, Event: billing.Event{Time: time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC), AgentID: "A1", Source: billing.Source{File: "f", Line: 1}}}
	if err := s.Add(&e); err != nil {
		t.Fatal(err)
	}
	c := s.Sorted()
	if err := s.Add(&e); err == nil {
		t.Error("an event added after Sorted was taken")
	}
	if err := cmp.Or(c.Close(), s.Close()); err != nil {
		t.Fatal(err)
	}
}

// owned is b with strings of its own, through BillCodec (whose
// decoding copies them).
func owned(b DayBill) DayBill {
	var c BillCodec
	rec := c.Append(nil, &b.Bill)
	out := DayBill{Day: b.Day}
	if err := c.Decode(rec, &out.Bill); err != nil {
		panic(err)
	}
	return out
}

func randomBills(rng *rand.Rand, n int) []DayBill {
	events := randomEvents(rng, n)
	bills := make([]DayBill, len(events))
	for i, e := range events {
		ev := e.Event
		bills[i] = DayBill{Day: e.Day, Bill: billing.Bill{
			ID: fmt.Sprintf("%032x", rng.Uint64()), AgentID: ev.AgentID, OpType: int32(rng.IntN(3)), OpObject: int32(ev.OpObject), OpCause: int32(ev.OpCause),
			Begin: ev.Time, End: ev.Time.Add(time.Duration(rng.IntN(2)) * time.Second), Attrs: ev.Attrs,
			LogonSN: ev.Time.UnixMilli() - int64(rng.IntN(1000)), SourceCause: ev.SourceCause, HasSourceCause: ev.HasSourceCause,
			Flags: billing.Flags(rng.IntN(16)), Source: ev.Source,
			Origin: billing.Origin{RecordID: fmt.Sprint(rng.IntN(9)), ServiceNo: []string{"", "s"}[rng.IntN(2)], SkillInfoSN: "é"},
		}}
	}
	return bills
}

// TestBillSorterMatchesStableSort holds the bucketed bill sorter to a
// stable sort by CompareDayBills, in memory and spilled; by source, bills
// of each file come shuffled (as parts of a file read at once give them)
// and go out as if read in file order.
func TestBillSorterMatchesStableSort(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, bySource := range []bool{false, true} {
		for _, budget := range []int{0, 1 << 17, 1 << 30} {
			for round := range 10 {
				bills := randomBills(rng, rng.IntN(4000))
				want := slices.Clone(bills)
				compare := func(a, b DayBill) int { return CompareDayBills(&a, &b) }
				if bySource {
					// Files in order, each file's bills shuffled.
					slices.SortStableFunc(bills, func(a, b DayBill) int { return cmp.Compare(a.Bill.Source.File, b.Bill.Source.File) })
					want = slices.Clone(bills)
					for lo := 0; lo < len(bills); {
						hi := lo
						for hi < len(bills) && bills[hi].Bill.Source.File == bills[lo].Bill.Source.File {
							hi++
						}
						rng.Shuffle(hi-lo, func(i, j int) { bills[lo+i], bills[lo+j] = bills[lo+j], bills[lo+i] })
						lo = hi
					}
					compare = func(a, b DayBill) int {
						return cmp.Or(CompareDayBills(&a, &b), cmp.Compare(a.Bill.Source.File, b.Bill.Source.File), cmp.Compare(a.Bill.Source.Line, b.Bill.Source.Line))
					}
				}
				slices.SortStableFunc(want, compare)
				dir := t.TempDir()
				s := NewBillSorter(dir, budget)
				if bySource {
					s.OrderBySource()
				}
				for i := range bills {
					if err := s.Add(&bills[i]); err != nil {
						t.Fatal(err)
					}
				}
				var got []DayBill
				c := s.Sorted()
				for ; c.Valid(); c.Advance() {
					// The strings of bills read back from a run are lent
					// until the cursor moves on.
					got = append(got, owned(*c.Value()))
				}
				if len(bills) > 3000 && budget == 0 && s.Spilled() < 2 {
					t.Errorf("budget %d: %d runs; the test meant to spill", budget, s.Spilled())
				}
				if err := cmp.Or(c.Err(), s.Close()); err != nil {
					t.Fatal(err)
				}
				if len(got) != len(want) {
					t.Fatalf("by source %v budget %d round %d: %d bills, want %d", bySource, budget, round, len(got), len(want))
				}
				for i := range want {
					if !reflect.DeepEqual(got[i], want[i]) {
						t.Fatalf("by source %v budget %d round %d: bill %d\n got %+v\nwant %+v", bySource, budget, round, i, got[i], want[i])
					}
				}
				if left, _ := os.ReadDir(dir); len(left) != 0 {
					t.Fatalf("runs left behind: %v", left)
				}
			}
		}
	}
}

// A run that cannot be written in the background fails the sorter: the
// next Add, or the cursor, says so; nothing is lost without a word.
func TestBackgroundSpillFails(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	events := randomEvents(rng, 20_000)
	dir := filepath.Join(t.TempDir(), "spill")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	s := NewEventSorter(dir, 0)
	defer s.Close()
	var addErr error
	for i := range events {
		if addErr = s.Add(&events[i]); addErr != nil {
			break
		}
		if s.Spilled() == 1 {
			// The first run is written; the next ones go to a folder
			// that is no more.
			os.RemoveAll(dir)
		}
	}
	var curErr error
	if addErr == nil {
		c := s.Sorted()
		for c.Valid() {
			c.Advance()
		}
		curErr = c.Err()
	}
	if addErr == nil && curErr == nil {
		t.Fatal("the records of a run that could not be written came back without an error")
	}
}

// Most agents' records come in order, as in a day's file; the sorter
// looks again only at the slots where one came no later than the one
// before. This puts one record out of order in some slots, and two of
// equal time in the opposite order of their lines in others (ordered by
// source), and checks that every slot still comes out in order.
func TestEventSorterFewOutOfOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	base := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	var events []DayEvent
	for i := range 4000 {
		a := i % 40
		events = append(events, DayEvent{Day: 20412, Event: billing.Event{
			Time:    base.Add(time.Duration(i) * time.Second),
			AgentID: fmt.Sprintf("A%03d", a),
			OpType:  rng.IntN(61), OpObject: billing.USNoUse, OpCause: rng.IntN(9),
			Source: billing.Source{File: "in.csv", Line: int64(i + 1)},
		}})
	}
	for n := 1; n < 9; n++ {
		i := n*400 + n // agent n's
		switch n % 2 {
		case 0: // a record later than the next of its agent
			events[i].Event.Time, events[i+40].Event.Time = events[i+40].Event.Time, events[i].Event.Time
		case 1: // two of equal time, in the opposite order of their lines
			events[i+40].Event.Time = events[i].Event.Time
			events[i].Event.Source.Line, events[i+40].Event.Source.Line = events[i+40].Event.Source.Line, events[i].Event.Source.Line
		}
	}
	for _, budget := range []int{0, 1 << 30} {
		s := NewEventSorter(t.TempDir(), budget)
		s.OrderBySource()
		for i := range events {
			if err := s.Add(&events[i]); err != nil {
				t.Fatal(err)
			}
		}
		want := slices.Clone(events)
		slices.SortStableFunc(want, func(a, b DayEvent) int {
			return cmp.Or(CompareDayEvents(&a, &b), cmp.Compare(a.Event.Source.Line, b.Event.Source.Line))
		})
		got := drain(t, s.Sorted())
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("budget %d: the sorter's order differs from a stable sort", budget)
		}
	}
}
