package spill

import (
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/agentbill/agentbill/billing"
)

// DayEvent is an event and the run day it belongs to, as days since
// 1970-01-01 (see DayNumber).
type DayEvent struct {
	Day   int32
	Event billing.Event
}

// CompareDayEvents orders events as a day run takes them: by day, agent
// and time.
func CompareDayEvents(a, b *DayEvent) int {
	return cmp.Or(cmp.Compare(a.Day, b.Day), strings.Compare(a.Event.AgentID, b.Event.AgentID), a.Event.Time.Compare(b.Event.Time))
}

// EventSorter puts events in the order of CompareDayEvents, keeping the
// input order of events equal in day, agent and time. It keeps events
// encoded in one buffer, bucketed by day and agent: a bucket is mostly in
// time order already, as inputs are, so sorting costs little more than
// reading. When the buffer passes its budget, the buckets are written out
// in order as a run and the buffer starts again.
type EventSorter struct {
	dir    string
	budget int
	files  fileTable
	// blocks hold the records: each the event's time (8 bytes), then the
	// length and the rest of the encoded event. Blocks rather than one
	// growing buffer, so that growing never copies what is held.
	blocks [][]byte
	used   int              // blocks[:used] hold records; the last may have room
	held   int              // bytes held
	agents map[string]int32 // agent → first slot; other days' slots follow in next
	keys   []slotKey        // the key of each slot
	next   []int32          // the agent's next slot (another day), or -1
	starts [][]uint32       // each slot's records (block<<blockBits | offset), in input order
	free   []uint32         // where each slot's next record goes
	left   []int32          // room left there
	runs   []*os.File
	rec    []byte
	sorted bool // Sorted was called: the blocks are read only
	// bySource puts events equal in day, agent and time in the order of
	// their source (file, as first added, then line) rather than the
	// order they were added in (see OrderBySource).
	bySource bool
}

// OrderBySource makes the sorter put events equal in day, agent and time
// in the order of their source: the file (files numbered in the order
// their first event is added), then the line. Events read from several
// parts of a file at once are added out of order; they come out as if
// added in file order, provided every event of one file is added before
// any of the next file and no file is added twice.
func (s *EventSorter) OrderBySource() { s.bySource = true }

type slotKey struct {
	day   int32
	agent string
}

// A record's place is its block number and offset in 32 bits.
const (
	blockBits = 22
	blockSize = 1 << blockBits
	maxBudget = blockSize << (32 - blockBits)
)

// NewEventSorter returns a sorter that holds about budget bytes of events
// in memory and spills to dir (the system's temporary folder when empty).
func NewEventSorter(dir string, budget int) *EventSorter {
	return &EventSorter{dir: dir, budget: min(max(budget, 1<<16), maxBudget), agents: map[string]int32{}}
}

// slot returns the slot of agent's events of day.
func (s *EventSorter) slot(day int32, agent string) int32 {
	first, ok := s.agents[agent]
	if !ok {
		first = s.newSlot(day, agent)
		s.agents[agent] = first
		return first
	}
	slot := first
	for s.keys[slot].day != day {
		if s.next[slot] < 0 {
			n := s.newSlot(day, s.keys[slot].agent)
			s.next[slot] = n
			return n
		}
		slot = s.next[slot]
	}
	return slot
}

func (s *EventSorter) newSlot(day int32, agent string) int32 {
	n := int32(len(s.keys))
	s.keys = append(s.keys, slotKey{day, agent})
	s.next = append(s.next, -1)
	s.starts = append(s.starts, nil)
	s.free = append(s.free, 0)
	s.left = append(s.left, 0)
	return n
}

// Chunk sizes: a slot's first chunk is small, as many agents have few
// events; later ones hold a dozen or so records.
const (
	firstChunk = 256
	chunk      = 1024
)

// newChunk gives slot a chunk with room for a record of size bytes, cut
// from the last block, or from a new one when it is full.
func (s *EventSorter) newChunk(slot int32, size int) {
	want := firstChunk
	if len(s.starts[slot]) > 0 {
		want = chunk
	}
	want = max(want, size)
	if s.used == 0 || len(s.blocks[s.used-1])+want > blockSize && len(s.blocks[s.used-1]) > 0 {
		if s.used == len(s.blocks) {
			s.blocks = append(s.blocks, make([]byte, 0, max(blockSize, want)))
		}
		s.used++
	}
	b := s.used - 1
	at := len(s.blocks[b])
	s.blocks[b] = s.blocks[b][:at+want]
	s.free[slot] = uint32(b<<blockBits | at)
	s.left[slot] = int32(want)
	s.held += want
}

// Add takes the event e of run day day.
func (s *EventSorter) Add(day int32, e *billing.Event) error {
	if s.sorted {
		return errAddAfterSorted
	}
	slot := s.slot(day, e.AgentID)
	// The agent is the slot's: the record holds the time and the rest.
	s.rec = binary.BigEndian.AppendUint64(s.rec[:0], uint64(e.Time.UnixMicro()))
	s.rec = appendEventBody(s.rec, &s.files, e)
	// The time stays in front; the length goes between it and the rest.
	var head [8 + binary.MaxVarintLen64]byte
	copy(head[:8], s.rec[:8])
	n := 8 + binary.PutUvarint(head[8:], uint64(len(s.rec)-8))
	size := n + len(s.rec) - 8
	// Each slot fills chunks of its own, so that its records lie together
	// when they are read back slot by slot.
	if int(s.left[slot]) < size {
		s.newChunk(slot, size)
	}
	p := s.free[slot]
	b := s.blocks[p>>blockBits][p&(blockSize-1):]
	copy(b[copy(b, head[:n]):], s.rec[8:])
	s.starts[slot] = append(s.starts[slot], p)
	s.free[slot] += uint32(size)
	s.left[slot] -= int32(size)
	s.held += 4
	if s.held >= s.budget {
		return s.spill()
	}
	return nil
}

// errAddAfterSorted refuses an event added once the sorter's events are
// being read: their strings point into its memory.
var errAddAfterSorted = errors.New("spill: event added after Sorted")

// Spilled is the number of runs written to disk so far.
func (s *EventSorter) Spilled() int { return len(s.runs) }

// time returns the time of the record at place p.
func (s *EventSorter) time(p uint32) int64 {
	return eventTime(s.blocks[p>>blockBits][p&(blockSize-1):])
}

// body returns the record at place p but its time, as appendEventBody
// wrote it.
func (s *EventSorter) body(p uint32) []byte {
	b := s.blocks[p>>blockBits][p&(blockSize-1):]
	n, k := binary.Uvarint(b[8:])
	return b[8+k : 8+k+int(n)]
}

// order returns the slots holding records, by day and agent, and puts each
// slot's records in time order.
func (s *EventSorter) order() []int32 {
	var slots []int32
	for i := range s.keys {
		starts := s.starts[i]
		if len(starts) == 0 {
			continue
		}
		slots = append(slots, int32(i))
		byTime := func(a, b uint32) int { return cmp.Compare(s.time(a), s.time(b)) }
		if s.bySource {
			byTime = func(a, b uint32) int {
				if c := cmp.Compare(s.time(a), s.time(b)); c != 0 {
					return c
				}
				fa, la := bodySource(s.body(a))
				fb, lb := bodySource(s.body(b))
				return cmp.Or(cmp.Compare(fa, fb), cmp.Compare(la, lb))
			}
		}
		if !slices.IsSortedFunc(starts, byTime) {
			// Stable: events of equal time keep their input order.
			slices.SortStableFunc(starts, byTime)
		}
	}
	slices.SortFunc(slots, func(a, b int32) int {
		ka, kb := &s.keys[a], &s.keys[b]
		return cmp.Or(cmp.Compare(ka.day, kb.day), strings.Compare(ka.agent, kb.agent))
	})
	return slots
}

func (s *EventSorter) spill() error {
	w, err := newRunWriter(s.dir)
	if err != nil {
		return err
	}
	for _, slot := range s.order() {
		for _, off := range s.starts[slot] {
			s.rec = binary.AppendVarint(s.rec[:0], int64(s.keys[slot].day))
			s.rec = binary.BigEndian.AppendUint64(s.rec, uint64(s.time(off)))
			s.rec = appendString(s.rec, s.keys[slot].agent)
			s.rec = append(s.rec, s.body(off)...)
			if err := w.write(s.rec); err != nil {
				w.discard()
				return fmt.Errorf("spill: %w", err)
			}
		}
		s.starts[slot] = s.starts[slot][:0]
	}
	clear(s.left)
	f, err := w.finish()
	if err != nil {
		return err
	}
	s.runs = append(s.runs, f)
	for i := range s.blocks[:s.used] {
		s.blocks[i] = s.blocks[i][:0]
	}
	s.used, s.held = 0, 0
	return nil
}

// Sorted returns a cursor over every event added, in order. Close the
// cursor, then the sorter. The strings of the events read from memory
// point into the sorter's blocks, so no event can be added after Sorted.
func (s *EventSorter) Sorted() *Cursor[DayEvent] {
	s.sorted = true
	mem := &bucketSource{s: s, slots: s.order(), i: -1}
	if len(s.runs) == 0 {
		return newCursor[DayEvent](mem, nil)
	}
	srcs := make([]source[DayEvent], 0, len(s.runs)+1)
	for _, f := range s.runs {
		srcs = append(srcs, &runSource[DayEvent]{r: newRunReader(f), codec: dayEventCodec{&s.files}})
	}
	srcs = append(srcs, mem) // the newest events: last among equals
	compare := CompareDayEvents
	if s.bySource {
		compare = func(a, b *DayEvent) int {
			if c := CompareDayEvents(a, b); c != 0 {
				return c
			}
			return cmp.Or(cmp.Compare(s.files.index[a.Event.Source.File], s.files.index[b.Event.Source.File]),
				cmp.Compare(a.Event.Source.Line, b.Event.Source.Line))
		}
	}
	return newCursor[DayEvent](newMerger(srcs, compare), nil)
}

// Close removes the sorter's runs and lets its memory go.
func (s *EventSorter) Close() error {
	s.blocks, s.starts, s.agents, s.keys, s.next, s.free, s.left = nil, nil, nil, nil, nil, nil, nil
	err := closeRuns(s.runs)
	s.runs = nil
	return err
}

// bucketSource walks the records held in memory, slot by slot.
type bucketSource struct {
	s     *EventSorter
	slots []int32
	i, j  int // slots[i], its j-th record
	cur   DayEvent
}

func (b *bucketSource) next() (bool, error) {
	if b.i >= 0 {
		b.j++
	}
	for b.i < 0 || b.j >= len(b.s.starts[b.slots[b.i]]) {
		b.i++
		b.j = 0
		if b.i >= len(b.slots) {
			return false, nil
		}
	}
	slot := b.slots[b.i]
	key := &b.s.keys[slot]
	p := b.s.starts[slot][b.j]
	e := &b.cur.Event
	b.cur.Day, e.AgentID = key.day, key.agent
	e.Time = time.UnixMicro(b.s.time(p)).UTC()
	// The strings point into the sorter's blocks, which no record
	// overwrites once Sorted is called.
	r := reader{b: b.s.body(p), alias: true}
	return true, r.eventBody(&b.s.files, e)
}

func (b *bucketSource) value() *DayEvent { return &b.cur }

// dayEventCodec reads the records of an event run: the day, then the
// event.
type dayEventCodec struct{ files *fileTable }

func (c dayEventCodec) Append(dst []byte, e *DayEvent) []byte {
	dst = binary.AppendVarint(dst, int64(e.Day))
	return appendEvent(dst, c.files, &e.Event)
}

func (c dayEventCodec) Decode(rec []byte, e *DayEvent) error {
	day, n := binary.Varint(rec)
	if n <= 0 {
		return errCorrupt
	}
	e.Day = int32(day)
	return decodeEvent(rec[n:], c.files, &e.Event)
}
