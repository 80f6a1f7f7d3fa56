package synth

import (
	"cmp"
	"context"
	"slices"
)

// merge puts the agents' events into one time-ordered stream, a minute at
// a time: every agent with events in the minute writes them into a buffer,
// which is sorted and emitted. An agent waits for its next event in the
// list of that event's minute or, when the event lies in a later block of
// minutes, in the list of its block. Memory thus follows the number of
// agents (and of blocks), never the number of events, and an agent's
// memory is visited once per busy minute rather than once per event.
type merge struct {
	agents   []agent
	from, to int64   // the events emitted: [from, to)
	blocks   []int32 // the first agent waiting in each block
	minutes  [windowsInBlock]int32
	cur      int // the block whose minutes are in minutes
	buf      []pendingRecord
	keys     []order
	packed   []uint64
}

const (
	window         = 60 * second
	windowsInBlock = 1440
	block          = window * windowsInBlock
	noAgent        = -1
)

// pendingRecord is a record waiting in the minute's buffer.
type pendingRecord struct {
	Record
	dup      bool
	dupFault Fault
}

func newMerge(g *gen, from, to int64) *merge {
	m := &merge{
		agents: make([]agent, g.agents),
		from:   from,
		to:     to,
		blocks: make([]int32, (to-from+block-1)/block),
	}
	for i := range m.blocks {
		m.blocks[i] = noAgent
	}
	for i := range m.minutes {
		m.minutes[i] = noAgent
	}
	for i := range m.agents {
		m.agents[i].init(g, i)
		if m.advance(i) {
			m.wait(i)
		}
	}
	return m
}

// advance moves agent i to its next event inside [from, to), false when it
// has none.
func (m *merge) advance(i int) bool {
	a := &m.agents[i]
	for {
		r, ok := a.next()
		if !ok || r.at >= m.to {
			return false
		}
		if r.at >= m.from {
			a.cur = r
			return true
		}
	}
}

// wait puts agent i in the list of its next event's minute or block.
func (m *merge) wait(i int) {
	a := &m.agents[i]
	w := (a.cur.at - m.from) / window
	if b := int(w / windowsInBlock); b != m.cur {
		a.link, m.blocks[b] = m.blocks[b], int32(i)
		return
	}
	k := w % windowsInBlock
	a.link, m.minutes[k] = m.minutes[k], int32(i)
}

func (m *merge) run(ctx context.Context, emit func(Record) error) error {
	for m.cur = 0; m.cur < len(m.blocks); m.cur++ {
		i := m.blocks[m.cur]
		m.blocks[m.cur] = noAgent
		for i != noAgent {
			n := m.agents[i].link
			m.wait(int(i))
			i = n
		}
		for k := range m.minutes {
			if err := ctx.Err(); err != nil {
				return err
			}
			start := m.from + int64(m.cur)*block + int64(k)*window
			if err := m.minute(k, start, emit); err != nil {
				return err
			}
		}
	}
	return ctx.Err()
}

// minute emits the events of minute k of the current block, which begins
// at start.
func (m *merge) minute(k int, start int64, emit func(Record) error) error {
	end := start + window
	m.buf, m.keys = m.buf[:0], m.keys[:0]
	i := m.minutes[k]
	m.minutes[k] = noAgent
	for i != noAgent {
		a := &m.agents[i]
		n := a.link
		more := true
		for more && a.cur.at < end {
			r := a.cur
			m.keys = append(m.keys, order{r.at, i, int32(len(m.buf))})
			m.buf = append(m.buf, pendingRecord{Record{a.event(r), r.fault}, r.dup, r.dupFault})
			more = m.advance(int(i))
		}
		if more {
			m.wait(int(i))
		}
		i = n
	}
	m.packed = sortOrders(m.keys, m.packed, start)
	for _, o := range m.keys {
		p := &m.buf[o.i]
		if err := emit(p.Record); err != nil {
			return err
		}
		if p.dup {
			if err := emit(Record{p.Event, p.dupFault}); err != nil {
				return err
			}
		}
	}
	return nil
}

// order is a place in the minute's buffer with what sorts it: time, then
// agent. An agent's events differ in time, so the order is total.
type order struct {
	at    int64
	agent int32
	i     int32
}

// A packed order is one word: the time since the start of the minute, the
// agent and the place, so that plain integer order is the order wanted.
const (
	agentBits  = 20 // MaxAgents <= 1<<agentBits
	placeBits  = 18 // a minute with more records is sorted by comparing
	offsetBits = 64 - agentBits - placeBits
	placeMask  = 1<<placeBits - 1
)

// Compile-time checks of the packing.
const (
	_ = uint64(1<<offsetBits - window)
	_ = uint64(1<<agentBits - MaxAgents)
)

// sortOrders sorts keys of the minute that begins at start; packed is
// scratch space, returned for reuse.
func sortOrders(keys []order, packed []uint64, start int64) []uint64 {
	if len(keys) > placeMask {
		sortByCompare(keys)
		return packed
	}
	packed = packed[:0]
	for _, k := range keys {
		packed = append(packed, uint64(k.at-start)<<(agentBits+placeBits)|uint64(k.agent)<<placeBits|uint64(k.i))
	}
	slices.Sort(packed)
	for j, p := range packed {
		keys[j] = order{
			at:    start + int64(p>>(agentBits+placeBits)),
			agent: int32(p >> placeBits & (1<<agentBits - 1)),
			i:     int32(p & placeMask),
		}
	}
	return packed
}

func sortByCompare(keys []order) {
	slices.SortFunc(keys, func(x, y order) int {
		if c := cmp.Compare(x.at, y.at); c != 0 {
			return c
		}
		return cmp.Compare(x.agent, y.agent)
	})
}
