package pipeline

import (
	"cmp"
	"context"
	"errors"
	"runtime"
	"slices"
	"strconv"
	"sync"

	"github.com/agentbill/agentbill/billing"
	"github.com/agentbill/agentbill/ingest/lake"
	"github.com/agentbill/agentbill/ingest/spill"
	"golang.org/x/sync/semaphore"
)

// A day is billed in blocks of consecutive agents, on every core: each
// block is billed on its own (agents do not share state) and the blocks'
// bills go into the day's file in block order, which is the lake's order.
// Where a block is cut depends on the events alone, so the file is the same
// on any number of cores.
// blockEvents is how many events a block holds before it is cut at the
// next agent: enough that handing a block over costs little, few enough
// that a block's bills (~360 bytes each, about 1.4 a event) stay in the
// core's cache until the writer takes them. A variable for the tests.
var blockEvents = 1 << 10

// maxAgentEvents bounds the events of one agent a block takes (see
// bigAgent). A variable for the tests.
var maxAgentEvents = 1 << 18

// bigAgent is the most events of one agent a block takes under a memory
// budget: an agent with more is billed on its own, streaming, with its
// bills sorted within the budget (spilled past it), so that one huge agent
// never has to fit in memory.
func bigAgent(budget int) int { return min(max(budget/2048, 256), maxAgentEvents) }

// inFlightHook sees the events of every block sent to be billed (n), and
// of every block written or dropped (-n), with their bound; for the tests.
var inFlightHook = func(n, bound int64) {}

// errWriterStopped ends the cutting of blocks once the writer has failed;
// the writer's own error is the one returned.
var errWriterStopped = errors.New("the day's writer stopped")

// block is a run of consecutive agents of a day and, once billed, their
// bills in the lake's order. Its events come in pieces, in order: buckets
// of a shard's memory, which the billing goroutine decodes itself as the
// rules take them, and events the cutting goroutine decoded (from spilled
// runs, or at the head of a bucket).
type block struct {
	pieces  []piece
	n       int                // events in all the pieces
	events  []billing.Event    // the events of the pieces without a bucket
	carried []billing.OpenSpan // of its agents, in the lake's order
	bills   []billing.Bill     // the result, in the lake's order
	named   []*billing.Bill    // the bills, to be given their ids
	idText  []byte             // the text of the bills' ids
	res     billing.DayResult
	err     error
	weight  int64         // its share of the events in flight (see billDay)
	done    chan struct{} // closed when billed
	barrier chan struct{} // a barrier rather than a block: closed when written
}

// piece is a run of a block's events: a bucket's, or events[from:to].
type piece struct {
	bucket   spill.Bucket[spill.DayEvent]
	from, to int
}

// addEvent appends an event the cutting goroutine decoded.
func (b *block) addEvent(e *billing.Event) {
	b.events = append(b.events, *e)
	b.n++
	if k := len(b.pieces) - 1; k >= 0 && b.pieces[k].bucket == nil {
		b.pieces[k].to++
		return
	}
	b.pieces = append(b.pieces, piece{from: len(b.events) - 1, to: len(b.events)})
}

// addBucket appends a bucket of events for the billing goroutine to decode.
func (b *block) addBucket(bk spill.Bucket[spill.DayEvent]) {
	b.pieces = append(b.pieces, piece{bucket: bk})
	b.n += bk.Len()
}

// cutEvents takes the events from events[from] on out of the block; they
// are the last piece's.
func (b *block) cutEvents(from int) {
	b.n -= len(b.events) - from
	b.events = b.events[:from]
	k := len(b.pieces) - 1
	if b.pieces[k].to = from; b.pieces[k].from == from {
		b.pieces = b.pieces[:k]
	}
}

// bill runs the block's agents. It runs on any goroutine.
func (b *block) bill(cfg billing.Config, day billing.Date, ids *billing.IDAssigner) {
	// The buffers serve the next block; what they still point to is
	// overwritten then.
	defer func() {
		clear(b.pieces) // the buckets
		b.pieces, b.events, b.carried, b.n = b.pieces[:0], b.events[:0], nil, 0
	}()
	// The buckets' events are decoded one at a time into scratch as the
	// rules take them: each is used once, while it is in the cache.
	var scratch spill.DayEvent
	var decodeErr error
	events := func(yield func(*billing.Event) bool) {
		for _, pc := range b.pieces {
			if pc.bucket != nil {
				more, err := pc.bucket.Each(&scratch, func(e *spill.DayEvent) bool { return yield(&e.Event) })
				if err != nil {
					decodeErr = err
				}
				if !more {
					return
				}
				continue
			}
			for i := pc.from; i < pc.to; i++ {
				if !yield(&b.events[i]) {
					return
				}
			}
		}
	}
	// Each agent's bills are sorted where they land, after those of the
	// agents before it. The slice is made with room for the bills of
	// blocks somewhat larger than this one (about 1.4 a event): one made
	// to fit each block would be made again and again.
	if cap(b.bills) < b.n*3/2 {
		b.bills = make([]billing.Bill, 0, b.n*3/2+min(b.n/2, 512))
		prefault(b.bills)
	}
	agentStart := 0
	b.res, b.err = billing.RunByAgent(cfg, day, b.carried, events, billing.AgentBills{
		// Each bill is built in the block's own slice, in place.
		Slot: func() *billing.Bill {
			if len(b.bills) == cap(b.bills) {
				b.bills = slices.Grow(b.bills, 1)
			}
			b.bills = b.bills[:len(b.bills)+1]
			return &b.bills[len(b.bills)-1]
		},
		Bill: func(*billing.Bill) error { return nil },
		Done: func() error {
			billing.SortAgentBills(b.bills[agentStart:])
			agentStart = len(b.bills)
			return nil
		},
		DeferIDs: true,
	})
	if decodeErr != nil {
		b.err = decodeErr
		return
	}
	// The ids are hashed many at once, the block's bills all together.
	b.named = b.named[:0]
	for i := range b.bills {
		b.named = append(b.named, &b.bills[i])
	}
	b.idText = ids.Assign(b.idText[:0], b.named)
}

// dayBills is what the billing of a day gave: the rules' result over all
// its agents and the counts of the bills written.
type dayBills struct {
	res      billing.DayResult
	bills    int64
	imported int64
	byOp     [256]int64       // bills by op_type, for types 0..255
	otherOps map[string]int64 // bills of other types (imported ones may have any)
}

// billsByType is the count of bills by op_type, keyed by the decimal type.
func (d *dayBills) billsByType() map[string]int64 {
	m := map[string]int64{}
	for op, n := range d.byOp {
		if n > 0 {
			m[strconv.Itoa(op)] = n
		}
	}
	for op, n := range d.otherOps {
		m[op] += n
	}
	return m
}

// add takes a billed block's result, in order.
func (d *dayBills) add(r billing.DayResult) {
	d.res.Open = append(d.res.Open, r.Open...)
	d.res.Refusals = append(d.res.Refusals, r.Refusals...)
	d.res.Counts.Add(r.Counts)
}

// billDay bills day's events (the run's cursor, positioned at the day's
// first event) from the carried state, merges in the day's imported bills,
// and writes every bill through dw in the lake's order.
func (p *Plan) billDay(ctx context.Context, run *dayRun, day billing.Date, carried []billing.OpenSpan, dw *lake.DayWriter) (dayBills, error) {
	num := spill.DayNumber(day)
	out := dayBills{}
	write := func(b *billing.Bill) error {
		if uint32(b.OpType) < uint32(len(out.byOp)) {
			out.byOp[b.OpType]++
		} else {
			if out.otherOps == nil {
				out.otherOps = map[string]int64{}
			}
			out.otherOps[strconv.Itoa(int(b.OpType))]++
		}
		out.bills++
		return dw.WriteBill(b)
	}

	// At most about 4×workers blocks are in flight: being billed, and
	// billed waiting for their turn to be written. The writer stops at
	// every row group while it is encoded (see lake's tableWriter): the
	// blocks waiting keep the billing going meanwhile. Their events are
	// bounded too, to those of as many blocks of ~blockEvents and one
	// big agent's: a block of a big agent holds many times as much.
	workers := runtime.GOMAXPROCS(0)
	big := bigAgent(p.MemoryBudget)
	maxInFlight := int64(4*workers*blockEvents + big)
	inFlight := semaphore.NewWeighted(maxInFlight)
	// release gives back the events of a block written or not sent.
	release := func(b *block) {
		inFlightHook(-b.weight, maxInFlight)
		inFlight.Release(b.weight)
	}
	work := make(chan *block)
	ordered := make(chan *block, 3*workers)
	stop := make(chan struct{}) // closed when the writer fails
	var writeErr error
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var ids billing.IDAssigner
			for b := range work {
				b.bill(run.cfg, day, &ids)
				close(b.done)
			}
		}()
	}
	free := make(chan *block, 4*workers+2)
	newBlock := func() *block {
		select {
		case b := <-free:
			return b
		default:
			return &block{}
		}
	}
	// writeImported writes the day's imported bills that come before b in
	// the lake's order; all that are left when b is nil. On equal keys the
	// engine's bill goes first, as a stable sort of the engine's bills
	// followed by the imported ones would have it. Only the writer (or the
	// dispatcher, while the writer waits at a barrier) calls it.
	imp := run.imported
	writeImported := func(b *billing.Bill) error {
		for ; imp.Valid() && imp.Value().Day == num; imp.Advance() {
			if b != nil && billing.CompareBills(&imp.Value().Bill, b) >= 0 {
				break
			}
			out.imported++
			if err := write(&imp.Value().Bill); err != nil {
				return err
			}
		}
		return imp.Err()
	}
	written := make(chan struct{})
	go func() { // the writer: blocks in order
		defer close(written)
		for b := range ordered {
			if b.barrier != nil {
				close(b.barrier)
				continue
			}
			<-b.done
			if writeErr != nil {
				release(b)
				continue
			}
			writeErr = b.err
			for i := 0; writeErr == nil && i < len(b.bills); i++ {
				if writeErr = writeImported(&b.bills[i]); writeErr == nil {
					writeErr = write(&b.bills[i])
				}
			}
			out.add(b.res)
			release(b)
			b.bills, b.res = b.bills[:0], billing.DayResult{}
			select { // the block's buffers serve again
			case free <- b:
			default:
			}
			if writeErr != nil {
				close(stop)
			}
		}
	}()
	finish := func() error {
		close(work)
		close(ordered)
		wg.Wait()
		<-written
		if writeErr != nil {
			return writeErr
		}
		return writeImported(nil)
	}

	// The carried spans go with the block of their agent: take hands a
	// block those of agents before next ("" for all).
	take := func(b *block, next string) {
		k := 0
		for k < len(carried) && (next == "" || carried[k].AgentID < next) {
			k++
		}
		b.carried, carried = carried[:k], carried[k:]
	}
	send := func(b *block, next string) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		take(b, next)
		if b.n == 0 && len(b.carried) == 0 {
			return nil
		}
		b.weight = min(int64(b.n), maxInFlight)
		if err := inFlight.Acquire(ctx, b.weight); err != nil {
			return err
		}
		inFlightHook(b.weight, maxInFlight)
		b.done = make(chan struct{})
		select {
		case work <- b:
		case <-stop:
			release(b)
			return errWriterStopped // finish returns the writer's error
		case <-ctx.Done():
			release(b)
			return ctx.Err()
		}
		ordered <- b
		return nil
	}

	cur := newBlock()
	agent, agentStart := "", 0
	c := run.events
	for c.Valid() && c.Value().Day == num {
		e := &c.Value().Event
		if e.AgentID != agent {
			if cur.n >= blockEvents {
				if err := send(cur, e.AgentID); err != nil {
					return out, cmp.Or(finish(), err)
				}
				cur = newBlock()
			}
			// An agent whose events its shard holds in memory goes
			// whole, for the billing goroutine to decode.
			if n, ok := c.BucketLen(); ok && n <= big {
				cur.addBucket(c.TakeBucket())
				agent = ""
				continue
			}
			agent, agentStart = e.AgentID, len(cur.events)
		}
		cur.addEvent(e)
		c.Advance()
		if len(cur.events)-agentStart <= big {
			continue
		}
		// A huge agent: the agents before it go as a block; once
		// everything before it is written, it is billed here, streaming.
		// A copy: the block's buffers serve another block once it is
		// written.
		head := slices.Clone(cur.events[agentStart:])
		cur.cutEvents(agentStart)
		if err := send(cur, agent); err != nil {
			return out, cmp.Or(finish(), err)
		}
		cur = newBlock()
		barrier := &block{barrier: make(chan struct{})}
		ordered <- barrier
		<-barrier.barrier
		if writeErr != nil {
			break
		}
		if err := p.billAlone(ctx, run, day, head, &carried, writeImported, write, &out); err != nil {
			return out, cmp.Or(finish(), err)
		}
		agent = ""
	}
	if err := run.events.Err(); err != nil {
		return out, cmp.Or(finish(), err)
	}
	if err := send(cur, ""); err != nil {
		return out, cmp.Or(finish(), err)
	}
	return out, finish()
}

// billAlone bills one agent whose events do not fit a block: head are its
// first events, the run's cursor holds the rest. Its bills are sorted
// through the run's spilling sorter and written, merged with the imported
// bills, straight into the day's file. Everything before the agent is
// written already.
func (p *Plan) billAlone(ctx context.Context, run *dayRun, day billing.Date, head []billing.Event, carried *[]billing.OpenSpan, writeImported, write func(*billing.Bill) error, out *dayBills) error {
	num := spill.DayNumber(day)
	id := head[0].AgentID
	k := 0
	for k < len(*carried) && (*carried)[k].AgentID <= id {
		k++
	}
	mine := (*carried)[:k]
	*carried = (*carried)[k:]
	events := func(yield func(*billing.Event) bool) {
		for i := range head {
			if !yield(&head[i]) {
				return
			}
		}
		for c := run.events; c.Valid() && c.Value().Day == num && c.Value().Event.AgentID == id; c.Advance() {
			if ctx.Err() != nil || !yield(&c.Value().Event) {
				return
			}
		}
	}
	res, err := billing.RunByAgent(run.cfg, day, mine, events, billing.AgentBills{
		Bill: func(b *billing.Bill) error { return run.agentBills.Add(b) },
		Done: func() error {
			bills := run.agentBills.Sorted()
			defer bills.Close()
			for ; bills.Valid(); bills.Advance() {
				if err := writeImported(bills.Value()); err != nil {
					return err
				}
				if err := write(bills.Value()); err != nil {
					return err
				}
			}
			return cmp.Or(bills.Err(), bills.Close())
		},
	})
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	out.add(res)
	return nil
}
