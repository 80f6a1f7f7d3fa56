package pipeline

import (
	"errors"
	"sync"

	"github.com/agentbill/agentbill/billing"
	"github.com/agentbill/agentbill/ingest/spill"
)

// batchSize is how many records go between goroutines at a time: enough
// that handing over costs little, few enough to stay in the caches.
const batchSize = 1024

// sortInBackground runs d's handling of events and imported bills on a
// goroutine of its own, so that reading (parsing) and sorting use both
// cores. Rejects and skips stay on the reader's side, in input order.
type sortInBackground struct {
	d      *dayInputs
	events []spill.DayEvent
	bills  []spill.DayBill
	work   chan eventBatch
	free   chan eventBatch
	wg     sync.WaitGroup
	err    error // the sorting side's first error; read after wg.Wait
	failed chan struct{}
}

type eventBatch struct {
	events []spill.DayEvent
	bills  []spill.DayBill
}

func newSortInBackground(d *dayInputs) *sortInBackground {
	s := &sortInBackground{d: d, work: make(chan eventBatch, 4), free: make(chan eventBatch, 6), failed: make(chan struct{})}
	s.wg.Add(1)
	go s.sort()
	return s
}

func (s *sortInBackground) sort() {
	defer s.wg.Done()
	for b := range s.work {
		if s.err == nil {
			s.err = s.add(b)
			if s.err != nil {
				close(s.failed)
			}
		}
		select {
		case s.free <- eventBatch{b.events[:0], b.bills[:0]}:
		default:
		}
	}
}

func (s *sortInBackground) add(b eventBatch) error {
	for i := range b.events {
		if err := s.d.events.Add(b.events[i].Day, &b.events[i].Event); err != nil {
			return err
		}
	}
	for i := range b.bills {
		if err := s.d.bills.Add(&b.bills[i]); err != nil {
			return err
		}
	}
	return nil
}

// errSortFailed stops the reader once the sorting side has failed; finish
// returns the reason.
var errSortFailed = errors.New("sorting the events failed")

// send hands the batch being filled to the sorting side.
func (s *sortInBackground) send() error {
	b := eventBatch{s.events, s.bills}
	select {
	case s.work <- b:
	case <-s.failed:
		return errSortFailed
	}
	select {
	case next := <-s.free:
		s.events, s.bills = next.events, next.bills
	default:
		s.events, s.bills = make([]spill.DayEvent, 0, batchSize), nil
	}
	return nil
}

// event and bill take a record of run day day (a spill.DayNumber) from
// the reading side.
func (s *sortInBackground) event(day int32, e *billing.Event) error {
	s.events = append(s.events, spill.DayEvent{Day: day, Event: *e})
	if len(s.events) >= batchSize {
		return s.send()
	}
	return nil
}

func (s *sortInBackground) bill(day int32, b *billing.Bill) error {
	s.bills = append(s.bills, spill.DayBill{Day: day, Bill: *b})
	if len(s.bills) >= batchSize {
		return s.send()
	}
	return nil
}

// finish hands over what is left (unless reading failed) and waits for
// the sorting side; it returns that side's error.
func (s *sortInBackground) finish(readErr error) error {
	if readErr == nil {
		s.send()
	}
	close(s.work)
	s.wg.Wait()
	return s.err
}

// prefetch decodes the sorted events on a goroutine of its own, a batch
// ahead of the day runs that take them. It walks like a spill.Cursor.
type prefetch struct {
	batches chan []spill.DayEvent
	free    chan []spill.DayEvent
	stop    chan struct{}
	cur     []spill.DayEvent
	i       int
	err     error // the cursor's error, set before batches is closed
	done    sync.WaitGroup
}

func newPrefetch(c *spill.Cursor[spill.DayEvent]) *prefetch {
	p := &prefetch{batches: make(chan []spill.DayEvent, 4), free: make(chan []spill.DayEvent, 6), stop: make(chan struct{})}
	p.done.Add(1)
	go func() {
		defer p.done.Done()
		defer close(p.batches)
		b := make([]spill.DayEvent, 0, batchSize)
		flush := func() bool {
			select {
			case p.batches <- b:
			case <-p.stop:
				return false
			}
			select {
			case b = <-p.free:
			default:
				b = make([]spill.DayEvent, 0, batchSize)
			}
			return true
		}
		for ; c.Valid(); c.Advance() {
			b = append(b, *c.Value())
			if len(b) == batchSize && !flush() {
				return
			}
		}
		p.err = c.Err()
		if len(b) > 0 {
			flush()
		}
	}()
	p.Advance()
	return p
}

// Valid reports whether there is a current event.
func (p *prefetch) Valid() bool { return p.i < len(p.cur) }

// Value is the current event.
func (p *prefetch) Value() *spill.DayEvent { return &p.cur[p.i] }

// Advance moves to the next event.
func (p *prefetch) Advance() {
	p.i++
	if p.i < len(p.cur) {
		return
	}
	if p.cur != nil {
		clear(p.cur) // let the strings go
		select {
		case p.free <- p.cur[:0]:
		default:
		}
	}
	p.cur, p.i = <-p.batches, 0
}

// Err is the cursor's error, once the events are all taken.
func (p *prefetch) Err() error {
	if p.Valid() {
		return nil
	}
	return p.err
}

// Close stops the decoding and waits for it.
func (p *prefetch) Close() {
	close(p.stop)
	p.done.Wait()
}
