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

// sortInBackground sorts the events and imported bills on goroutines of
// their own while the reader parses: the agents are split into shards by a
// hash of their id, one event sorter and one goroutine each, so that
// reading and sorting use every core. Imported bills go to the shard of
// their agent too.
// Rejects and skips stay on the reader's side, in input order.
type sortInBackground struct {
	d      *dayInputs
	shards []*shard
	wg     sync.WaitGroup
	once   sync.Once
	failed chan struct{} // closed when a shard fails
}

// shard is one sorting goroutine and the batch the reader fills for it.
type shard struct {
	sorter *spill.EventSorter
	bills  *spill.Sorter[spill.DayBill]
	cur    eventBatch
	work   chan eventBatch
	free   chan eventBatch
	err    error // the shard's first error; read after wg.Wait
}

type eventBatch struct {
	events []spill.DayEvent
	bills  []spill.DayBill
}

func newSortInBackground(d *dayInputs) *sortInBackground {
	s := &sortInBackground{d: d, failed: make(chan struct{})}
	for i, sorter := range d.events {
		sh := &shard{sorter: sorter, bills: d.bills[i], work: make(chan eventBatch, 4), free: make(chan eventBatch, 6)}
		s.shards = append(s.shards, sh)
		s.wg.Add(1)
		go s.sort(sh)
	}
	return s
}

func (s *sortInBackground) sort(sh *shard) {
	defer s.wg.Done()
	for b := range sh.work {
		if sh.err == nil {
			if sh.err = s.add(sh, b); sh.err != nil {
				s.once.Do(func() { close(s.failed) })
			}
		}
		select {
		case sh.free <- eventBatch{b.events[:0], b.bills[:0]}:
		default:
		}
	}
}

func (s *sortInBackground) add(sh *shard, b eventBatch) error {
	for i := range b.events {
		if err := sh.sorter.Add(b.events[i].Day, &b.events[i].Event); err != nil {
			return err
		}
	}
	for i := range b.bills {
		if err := sh.bills.Add(&b.bills[i]); err != nil {
			return err
		}
	}
	return nil
}

// errSortFailed stops the reader once the sorting side has failed; finish
// returns the reason.
var errSortFailed = errors.New("sorting the events failed")

// send hands the batch being filled to the shard's goroutine.
func (s *sortInBackground) send(sh *shard) error {
	select {
	case sh.work <- sh.cur:
	case <-s.failed:
		return errSortFailed
	}
	select {
	case sh.cur = <-sh.free:
	default:
		sh.cur = eventBatch{events: make([]spill.DayEvent, 0, batchSize)}
	}
	return nil
}

// shardOf is the shard of an agent: FNV-1a of its id.
func (s *sortInBackground) shardOf(agent string) *shard {
	if len(s.shards) == 1 {
		return s.shards[0]
	}
	h := uint32(2166136261)
	for i := 0; i < len(agent); i++ {
		h = (h ^ uint32(agent[i])) * 16777619
	}
	return s.shards[h%uint32(len(s.shards))]
}

// event and bill take a record of run day day (a spill.DayNumber) from
// the reading side.
func (s *sortInBackground) event(day int32, e *billing.Event) error {
	sh := s.shardOf(e.AgentID)
	sh.cur.events = append(sh.cur.events, spill.DayEvent{Day: day, Event: *e})
	if len(sh.cur.events) >= batchSize {
		return s.send(sh)
	}
	return nil
}

func (s *sortInBackground) bill(day int32, b *billing.Bill) error {
	sh := s.shardOf(b.AgentID)
	sh.cur.bills = append(sh.cur.bills, spill.DayBill{Day: day, Bill: *b})
	if len(sh.cur.bills) >= batchSize {
		return s.send(sh)
	}
	return nil
}

// finish hands over what is left (unless reading failed) and waits for
// the sorting side; it returns its first error.
func (s *sortInBackground) finish(readErr error) error {
	for _, sh := range s.shards {
		if readErr == nil {
			s.send(sh)
		}
		close(sh.work)
	}
	s.wg.Wait()
	for _, sh := range s.shards {
		if sh.err != nil {
			return sh.err
		}
	}
	return nil
}
