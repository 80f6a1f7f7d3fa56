package pipeline

import (
	"errors"
	"sync"
	"unsafe"

	"github.com/agentbill/agentbill/billing"
	"github.com/agentbill/agentbill/ingest/spill"
)

// batchSize is how many records go between goroutines at a time: enough
// that handing over costs little, few enough to stay in the caches.
const batchSize = 1024

// handoffSize is how many events or bills a reader hands a shard at a
// time: batchSize, or fewer in tests, so that the parts of a file read
// at once hand their records over interleaved.
var handoffSize = batchSize

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

// shard is one sorting goroutine; the readers fill batches for it (see
// handoff).
type shard struct {
	sorter *spill.EventSorter
	bills  *spill.BillSorter
	work   chan eventBatch
	free   chan eventBatch
	err    error // the shard's first error; read after wg.Wait
}

type eventBatch struct {
	events []spill.DayEvent
	bills  []spill.DayBill
	// text holds the strings of the records: the readers lend theirs
	// only for the call (ingest.Options.Borrowed).
	text []byte
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
		case sh.free <- eventBatch{b.events[:0], b.bills[:0], b.text[:0]}:
		default:
		}
	}
	// Every record is in: the shards put theirs in order at once, rather
	// than one after the other when the day's run reads them.
	if sh.err == nil {
		sh.sorter.Prepare()
		sh.bills.Prepare()
	}
}

func (s *sortInBackground) add(sh *shard, b eventBatch) error {
	for i := range b.events {
		if err := sh.sorter.Add(&b.events[i]); err != nil {
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

// handoff is the batches one reader (a file, or a part of one) fills, one
// a shard. A reader fills its own; several may send to a shard at once.
type handoff struct {
	s   *sortInBackground
	cur []eventBatch
}

func (s *sortInBackground) newHandoff() *handoff {
	return &handoff{s: s, cur: make([]eventBatch, len(s.shards))}
}

// send hands the batch being filled for shard i to its goroutine.
func (h *handoff) send(i int) error {
	sh := h.s.shards[i]
	select {
	case sh.work <- h.cur[i]:
	case <-h.s.failed:
		return errSortFailed
	}
	select {
	case h.cur[i] = <-sh.free:
	default:
		h.cur[i] = eventBatch{events: make([]spill.DayEvent, 0, handoffSize)}
		prefault(h.cur[i].events)
	}
	return nil
}

// flush hands over the batches that hold records.
func (h *handoff) flush() error {
	for i, b := range h.cur {
		if len(b.events) > 0 || len(b.bills) > 0 {
			if err := h.send(i); err != nil {
				return err
			}
		}
	}
	return nil
}

// shardOf is the shard of an agent, by FNV-1a of its id.
func (s *sortInBackground) shardOf(agent string) int {
	if len(s.shards) == 1 {
		return 0
	}
	h := uint32(2166136261)
	for i := 0; i < len(agent); i++ {
		h = (h ^ uint32(agent[i])) * 16777619
	}
	// Scaled rather than taken modulo: a division costs more than the hash.
	return int(uint64(h) * uint64(len(s.shards)) >> 32)
}

// event and bill take a record of run day day (a spill.DayNumber) from
// the reading side.
func (h *handoff) event(day int32, e *billing.Event) error {
	i := h.s.shardOf(e.AgentID)
	b := &h.cur[i]
	b.events = append(b.events, spill.DayEvent{Day: day, Event: *e})
	b.text = keepEvent(b.text, &b.events[len(b.events)-1].Event)
	if len(b.events) >= handoffSize {
		return h.send(i)
	}
	return nil
}

func (h *handoff) bill(day int32, bl *billing.Bill) error {
	i := h.s.shardOf(bl.AgentID)
	b := &h.cur[i]
	b.bills = append(b.bills, spill.DayBill{Day: day, Bill: *bl})
	b.text = keepBill(b.text, &b.bills[len(b.bills)-1].Bill)
	if len(b.bills) >= handoffSize {
		return h.send(i)
	}
	return nil
}

// keepText copies *s to the end of text and points *s there: the strings
// of a record a reader or a cursor lends are kept this way, in the text of
// the batch that holds the record.
func keepText(text []byte, s *string) []byte {
	if len(*s) == 0 {
		return text
	}
	// A text grown anew leaves the strings before it in the old one,
	// which stays theirs.
	at := len(text)
	text = append(text, *s...)
	*s = unsafe.String(&text[at], len(*s))
	return text
}

// keepEvent keeps the strings of e in text (see keepText).
func keepEvent(text []byte, e *billing.Event) []byte {
	text = keepText(text, &e.AgentID)
	return keepAttrs(text, &e.Attrs)
}

// keepBill keeps the strings of b in text (see keepText).
func keepBill(text []byte, b *billing.Bill) []byte {
	text = keepText(text, &b.ID)
	text = keepText(text, &b.AgentID)
	text = keepAttrs(text, &b.Attrs)
	fields := b.Origin.Strings()
	for i := range fields {
		text = keepText(text, &fields[i])
	}
	return text
}

func keepAttrs(text []byte, a *billing.Attrs) []byte {
	fields := a.Strings()
	for i := range fields {
		text = keepText(text, &fields[i])
	}
	return text
}

// finish waits for the sorting side to take the batches handed over
// and returns its first error.
func (s *sortInBackground) finish() error {
	for _, sh := range s.shards {
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

// prefault writes zeros through the whole of a slice just made, up to its
// capacity. The collector scans all of it when it marks, and a page of
// fresh memory read first is mapped to the zero page: writing the slice
// then costs each page a second fault and a flush of both cores' TLBs.
func prefault[T any](s []T) {
	clear(s[:cap(s)])
}
