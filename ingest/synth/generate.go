package synth

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/agentbill/agentbill/billing"
)

// Record is one generated event as a writer receives it.
type Record struct {
	billing.Event
	// Fault, when not FaultNone, asks the writer to spoil the line it
	// renders for this record with Damage.
	Fault Fault
}

// Generate calls emit with every event of every day of cfg in time order,
// the same events for the same Config. Events at the same instant come in
// agent order, and an agent's own events are strictly ordered. A duplicate
// (DupShare) follows its original at once. Generate gives no faults; a
// writer that honours BadShare uses GenerateRecords. It stops at the first
// error of emit, or when ctx is done, and returns that error.
func Generate(ctx context.Context, cfg Config, emit func(billing.Event) error) error {
	return GenerateRecords(ctx, cfg, func(r Record) error { return emit(r.Event) })
}

// gen holds what every agent of a run shares.
type gen struct {
	seed               uint64
	start              billing.Date
	days               int
	agents             int
	idWidth            int
	rotShift, rotText  int
	dupShare, badShare float64
	loc                *time.Location
}

// The merge works a minute at a time: every agent with events in the
// minute writes them into a buffer, the buffer is sorted and emitted. An
// agent waits for its next event in the list of that event's minute, or,
// when the event is more than a block of minutes away, in the list of its
// block. Memory thus follows the number of agents (and of blocks), and
// agents are touched once per busy minute, not once per event.
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

// The minute's buffer is sorted by time, then agent; an agent's events
// differ in time, so the order is total. A sort key packs the time within
// the minute, the agent and the record's place in the buffer into one
// word; a minute with more records than the place can hold is sorted by
// comparing (time, agent), to the same order.
const (
	agentBits  = 20 // MaxAgents < 1<<agentBits
	placeBits  = 18
	offsetBits = 64 - agentBits - placeBits // window < 1<<offsetBits µs
)

type order struct {
	at    int64
	agent int32
	i     int32
}

func sortMinute(keys []order, packed []uint64, start int64) []uint64 {
	if len(keys) >= 1<<placeBits {
		slices.SortFunc(keys, func(x, y order) int {
			if c := cmp.Compare(x.at, y.at); c != 0 {
				return c
			}
			return cmp.Compare(x.agent, y.agent)
		})
		return packed[:0]
	}
	packed = packed[:0]
	for _, k := range keys {
		packed = append(packed, uint64(k.at-start)<<(agentBits+placeBits)|uint64(k.agent)<<placeBits|uint64(k.i))
	}
	slices.Sort(packed)
	for j, p := range packed {
		keys[j].i = int32(p & (1<<placeBits - 1))
	}
	return packed
}

// GenerateRecords is Generate with each record's fault (BadShare) for the
// writer.
func GenerateRecords(ctx context.Context, cfg Config, emit func(Record) error) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	loc := cfg.location()
	g := &gen{
		seed:     uint64(cfg.Seed),
		start:    cfg.Start,
		days:     cfg.Days,
		agents:   cfg.Agents,
		idWidth:  max(4, len(pad(int64(workID(cfg.Agents-1)), 0))),
		dupShare: cfg.DupShare,
		badShare: cfg.BadShare,
		loc:      loc,
	}
	rot := mix(g.seed, 0x726f7461, 0)
	g.rotShift = int(rot % uint64(len(shiftRota)))
	g.rotText = int((rot >> 32) % uint64(len(textRota)))
	first, _ := cfg.Start.Bounds(loc)
	_, last := cfg.Start.AddDays(cfg.Days - 1).Bounds(loc)
	from, to := first.UnixMicro(), last.UnixMicro()

	agents := make([]agent, cfg.Agents)
	blocks := make([]int32, (to-from+block-1)/block)
	var minutes [windowsInBlock]int32
	for i := range blocks {
		blocks[i] = noAgent
	}
	for i := range minutes {
		minutes[i] = noAgent
	}
	cur := 0 // the block whose minutes are in minutes

	// advance moves agent i to its next event inside [from, to), false
	// when it has none.
	advance := func(i int) bool {
		for {
			r, ok := agents[i].next()
			if !ok || r.at >= to {
				return false
			}
			if r.at >= from {
				agents[i].cur = r
				return true
			}
		}
	}
	wait := func(i int) {
		a := &agents[i]
		w := (a.cur.at - from) / window
		if b := int(w / windowsInBlock); b != cur {
			a.link, blocks[b] = blocks[b], int32(i)
			return
		}
		m := w % windowsInBlock
		a.link, minutes[m] = minutes[m], int32(i)
	}
	for i := range agents {
		agents[i].init(g, i)
		if advance(i) {
			wait(i)
		}
	}

	var buf []pendingRecord
	var keys []order
	var packed []uint64
	for cur = 0; cur < len(blocks); cur++ {
		for i := blocks[cur]; i != noAgent; {
			n := agents[i].link
			wait(int(i))
			i = n
		}
		blocks[cur] = noAgent
		for m := range minutes {
			if err := ctx.Err(); err != nil {
				return err
			}
			end := from + int64(cur)*block + int64(m+1)*window
			buf, keys = buf[:0], keys[:0]
			i := minutes[m]
			minutes[m] = noAgent
			for i != noAgent {
				a := &agents[i]
				n := a.link
				more := true
				for more && a.cur.at < end {
					r := a.cur
					keys = append(keys, order{r.at, i, int32(len(buf))})
					buf = append(buf, pendingRecord{Record{a.event(r), r.fault}, r.dup, r.dupFault})
					more = advance(int(i))
				}
				if more {
					wait(int(i))
				}
				i = n
			}
			packed = sortMinute(keys, packed, end-window)
			for _, k := range keys {
				p := &buf[k.i]
				if err := emit(p.Record); err != nil {
					return err
				}
				if p.dup {
					if err := emit(Record{p.Event, p.dupFault}); err != nil {
						return err
					}
				}
			}
		}
	}
	return ctx.Err()
}
