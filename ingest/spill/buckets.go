package spill

import (
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"slices"
	"strings"

	"github.com/agentbill/agentbill/billing"
	"github.com/agentbill/agentbill/ingest/internal/keytable"
)

// bucketCodec is what a bucket sorter knows of its records (events or
// bills). A record is ordered by day, agent and time, then by tie, and,
// when the sorter orders by source, by its file and line; records equal in
// all that keep their input order. The day and agent are the record's
// bucket's and the time leads its bytes, so a record in memory holds only
// the time and its body.
type bucketCodec[T any] interface {
	key(v *T) (day int32, agent string, t int64)
	appendBody(dst []byte, files *fileTable, v *T) []byte
	// decode sets v from its key and body; with alias its strings point
	// into body rather than being copied.
	decode(v *T, day int32, agent string, t int64, body []byte, files *fileTable, alias bool) error
	// tie orders the bodies of records equal in day, agent and time.
	tie(a, b []byte) int
	// bodySource is the file number and line of a body.
	bodySource(body []byte) (uint64, int64)
	// compare orders whole records by day, agent, time and tie.
	compare(a, b *T) int
	source(v *T) *billing.Source
	agentOf(v *T) *string
	// lendsRuns says that the strings of records read back from a run may
	// point into the reader's buffer, valid until the cursor moves on.
	lendsRuns() bool
}

// buckets sorts records by a bucketCodec's order, keeping them encoded in
// one buffer, bucketed by day and agent: a bucket is mostly in time order
// already, as inputs are, so sorting costs little more than reading. When
// the buffer passes its budget, the buckets are written out in order as a
// run and the buffer starts again.
//
// Once one run is written, the records do not fit: from then on the
// buffer is cut in two halves of the budget, one filling while the other
// is written out on a goroutine of its own, so that whoever adds records
// is not kept waiting for the disk (and the readers feeding it with it).
type buckets[T any, C bucketCodec[T]] struct {
	codec  C
	dir    string
	budget int
	files  fileTable
	// blocks hold the records: each the record's time (8 bytes), then
	// the length and the body. Blocks rather than one growing buffer, so
	// that growing never copies what is held. A slot's records fill
	// chunks of its own, chained (see newChunk).
	blocks [][]byte
	used   int                       // blocks[:used] hold records; the last may have room
	held   int                       // bytes held
	agents keytable.Table[firstSlot] // agent → first slot; other days' slots follow in next
	keys   []slotKey                 // the key of each slot
	next   []int32                   // the agent's next slot (another day), or -1
	first  []uint32                  // each slot's first chunk (block<<blockBits | offset), or noChunk
	tails  []tail                    // where each slot's next record goes
	// ordered holds, for the slots whose records had to be put in order,
	// their places in order; nil for the others, read chunk by chunk.
	ordered [][]uint32
	// check marks the slots whose records may be out of order: one came
	// no later than the one before it. Only those are looked at again
	// when the records are put in order; reading every record's time
	// back from the blocks costs a cache miss a record.
	check []bool
	runs  []*os.File
	// pending is the run being written in the background, if any; spare
	// the blocks of the last run written, for the buffer to fill again.
	pending    chan spilled
	spare      [][]byte
	spareFirst []uint32
	err        error // the first background spill's error
	rec        []byte
	sorted     bool    // Sorted was called: the blocks are read only
	slots      []int32 // the slots in order, once Prepare has put them so
	// bySource puts records equal but for their source in the order of
	// their source (file, as first added, then line) rather than the
	// order they were added in (see OrderBySource).
	bySource bool
}

// tail is where a slot's next record goes, the room left there, the time
// of the slot's last record, its chunk and its number of records:
// together, as add needs them all.
type tail struct {
	last  int64
	free  uint32
	left  int32
	chunk uint32 // the chunk being filled, or noChunk
	n     uint32 // records held
}

// A chunk begins with a header of two little-endian words: the place of
// the slot's next chunk (noChunk for none yet), and the bytes of records
// it holds, set when the slot moves on to the next chunk or the chunks are
// sealed (see seal). Records are read back by walking the chain: a list
// of every record's place would cost a store a record, one more cache line
// in play for every agent while records come in.
const (
	chunkHeader = 8
	noChunk     = math.MaxUint32
)

// noRecord is the last time of a slot with no record held.
const noRecord = math.MinInt64

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

func newBuckets[T any, C bucketCodec[T]](dir string, budget int) buckets[T, C] {
	return buckets[T, C]{dir: dir, budget: min(max(budget, 1<<16), maxBudget), agents: keytable.New[firstSlot]()}
}

// OrderBySource makes the sorter put records equal but for their source
// in the order of their source: the file (files numbered in the order
// their first record is added), then the line. Records read from several
// parts of a file at once are added out of order; they come out as if
// added in file order, provided every record of one file is added before
// any of the next file and no file is added twice.
func (s *buckets[T, C]) OrderBySource() { s.bySource = true }

// slot returns the slot of agent's records of day.
func (s *buckets[T, C]) slot(day int32, agent string) int32 {
	first, ok := s.agents.Get(agent)
	if !ok {
		// The record's text may be lent (see ingest.Options.Borrowed):
		// the slot keeps a copy.
		agent = strings.Clone(agent)
		n := s.newSlot(day, agent)
		s.agents.Add(agent, firstSlot{day, n})
		return n
	}
	if first.day == day { // most days' records are of one day
		return first.slot
	}
	slot := first.slot
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

// firstSlot is an agent's first slot, and its day: the table of agents
// answers the common case without a look at the slot's key.
type firstSlot struct{ day, slot int32 }

func (s *buckets[T, C]) newSlot(day int32, agent string) int32 {
	n := int32(len(s.keys))
	s.keys = append(s.keys, slotKey{day, agent})
	s.next = append(s.next, -1)
	s.first = append(s.first, noChunk)
	s.tails = append(s.tails, tail{last: noRecord, chunk: noChunk})
	s.check = append(s.check, false)
	return n
}

// Chunk sizes: a slot's first chunk is small, as many agents have few
// records; later ones hold a dozen or so. A slot's last chunk is half
// empty on average: bigger chunks leave more of the blocks unused.
const (
	firstChunk = 256
	chunk      = 512
)

// newChunk gives slot a chunk with room for a record of size bytes, cut
// from the last block, or from a new one when it is full, and chains it
// after the slot's last.
func (s *buckets[T, C]) newChunk(slot int32, size int) {
	tl := &s.tails[slot]
	want := firstChunk
	if tl.chunk != noChunk {
		want = chunk
	}
	want = max(want, chunkHeader+size)
	if s.used == 0 || len(s.blocks[s.used-1])+want > blockSize && len(s.blocks[s.used-1]) > 0 {
		if s.used == len(s.blocks) {
			s.blocks = append(s.blocks, make([]byte, 0, max(blockSize, want)))
		}
		s.used++
	}
	b := s.used - 1
	at := len(s.blocks[b])
	s.blocks[b] = s.blocks[b][:at+want]
	place := uint32(b<<blockBits | at)
	binary.LittleEndian.PutUint64(s.blocks[b][at:], noChunk) // no next, no records
	if tl.chunk == noChunk {
		s.first[slot] = place
	} else {
		s.closeChunk(tl, place)
	}
	tl.chunk, tl.free, tl.left = place, place+chunkHeader, int32(want-chunkHeader)
	s.held += want
}

// closeChunk writes the header of the chunk tl fills: its records' bytes
// and the next chunk.
func (s *buckets[T, C]) closeChunk(tl *tail, next uint32) {
	h := s.blocks[tl.chunk>>blockBits][tl.chunk&(blockSize-1):]
	binary.LittleEndian.PutUint32(h, next)
	binary.LittleEndian.PutUint32(h[4:], tl.free-tl.chunk-chunkHeader)
}

// seal writes the header of every slot's last chunk, so that the chains
// can be walked from the blocks alone.
func (s *buckets[T, C]) seal() {
	for i := range s.tails {
		if tl := &s.tails[i]; tl.chunk != noChunk {
			s.closeChunk(tl, noChunk)
		}
	}
}

// add takes one record.
func (s *buckets[T, C]) add(v *T) error {
	if s.sorted {
		return errAddAfterSorted
	}
	day, agent, t := s.codec.key(v)
	slot := s.slot(day, agent)
	// The agent is the slot's: the record holds the time and the body.
	s.rec = binary.BigEndian.AppendUint64(s.rec[:0], uint64(t))
	s.rec = s.codec.appendBody(s.rec, &s.files, v)
	// The time stays in front; the length goes between it and the body.
	var head [8 + binary.MaxVarintLen64]byte
	copy(head[:8], s.rec[:8])
	n := 8 + binary.PutUvarint(head[8:], uint64(len(s.rec)-8))
	size := n + len(s.rec) - 8
	// Each slot fills chunks of its own, so that its records lie together
	// when they are read back slot by slot.
	tl := &s.tails[slot]
	if int(tl.left) < size {
		s.newChunk(slot, size)
	}
	tl.n++
	if t <= tl.last { // equal times are ordered by their bodies
		s.check[slot] = true
	}
	tl.last = t
	p := tl.free
	b := s.blocks[p>>blockBits][p&(blockSize-1):]
	copy(b[copy(b, head[:n]):], s.rec[8:])
	tl.free += uint32(size)
	tl.left -= int32(size)
	if s.held >= s.limit() {
		return s.spill()
	}
	return nil
}

// limit is how much the buffer holds before it is spilled: the budget,
// or half of it once records are written out in the background.
func (s *buckets[T, C]) limit() int {
	if len(s.runs) > 0 || s.pending != nil {
		return s.budget / 2
	}
	return s.budget
}

// spilled is what a background spill gives back: its run, the blocks and
// the slots' first chunks it wrote from, and its error.
type spilled struct {
	run    *os.File
	blocks [][]byte
	first  []uint32
	err    error
}

// errAddAfterSorted refuses a record added once the sorter's records are
// being read: their strings point into its memory.
var errAddAfterSorted = errors.New("spill: record added after Sorted")

// Spilled is the number of runs written to disk so far.
func (s *buckets[T, C]) Spilled() int {
	s.wait()
	return len(s.runs)
}

// wait waits for the run being written in the background, if any, and
// takes it; its error stays in s.err.
func (s *buckets[T, C]) wait() {
	if s.pending == nil {
		return
	}
	r := <-s.pending
	s.pending = nil
	if r.err != nil {
		s.err = cmp.Or(s.err, r.err)
		return
	}
	s.runs = append(s.runs, r.run)
	s.spare, s.spareFirst = r.blocks, r.first
}

// time returns the time of the record at place p.
func (s *buckets[T, C]) time(p uint32) int64 {
	return int64(binary.BigEndian.Uint64(s.blocks[p>>blockBits][p&(blockSize-1):]))
}

// body returns the body of the record at place p.
func (s *buckets[T, C]) body(p uint32) []byte {
	b := s.blocks[p>>blockBits][p&(blockSize-1):]
	n, k := binary.Uvarint(b[8:])
	return b[8+k : 8+k+int(n)]
}

// byKey orders two records, given by their places, as the sorter does:
// by time, tie and, when it orders by source, source.
func (s *buckets[T, C]) byKey(a, b uint32) int {
	if c := cmp.Compare(s.time(a), s.time(b)); c != 0 {
		return c
	}
	ba, bb := s.body(a), s.body(b)
	if c := s.codec.tie(ba, bb); c != 0 || !s.bySource {
		return c
	}
	fa, la := s.codec.bodySource(ba)
	fb, lb := s.codec.bodySource(bb)
	return cmp.Or(cmp.Compare(fa, fb), cmp.Compare(la, lb))
}

// places appends the places of slot's records, in the order they were
// added, to dst.
func (s *buckets[T, C]) places(dst []uint32, slot int32) []uint32 {
	w := s.walk(slot)
	for p, ok := w.next(s.blocks); ok; p, ok = w.next(s.blocks) {
		dst = append(dst, p)
	}
	return dst
}

// inOrder appends the places of slot's records to dst in the sorter's
// order, and reports whether they were added out of it.
func (s *buckets[T, C]) inOrder(dst []uint32, slot int32) ([]uint32, bool) {
	from := len(dst)
	dst = s.places(dst, slot)
	if slices.IsSortedFunc(dst[from:], s.byKey) {
		return dst, false
	}
	// Stable: records equal in the order keep their input order.
	slices.SortStableFunc(dst[from:], s.byKey)
	return dst, true
}

// order returns the slots holding records, by day and agent, with every
// slot's chunks sealed. The records of the slots marked in check that are
// out of order get their places in order in s.ordered.
func (s *buckets[T, C]) order() []int32 {
	s.seal()
	var slots []int32
	var scratch []uint32
	for i := range s.keys {
		slot := int32(i)
		if s.tails[i].n == 0 {
			continue
		}
		slots = append(slots, slot)
		if !s.check[i] {
			continue
		}
		var moved bool
		if scratch, moved = s.inOrder(scratch[:0], slot); !moved {
			continue
		}
		if s.ordered == nil {
			s.ordered = make([][]uint32, len(s.keys))
		}
		s.ordered[i] = slices.Clone(scratch)
	}
	s.sortSlots(slots)
	return slots
}

// sortSlots puts slots in the order of their day and agent.
func (s *buckets[T, C]) sortSlots(slots []int32) {
	slices.SortFunc(slots, func(a, b int32) int {
		ka, kb := &s.keys[a], &s.keys[b]
		return cmp.Or(cmp.Compare(ka.day, kb.day), strings.Compare(ka.agent, kb.agent))
	})
}

// spill writes the records held out as a run and empties the buffer: the
// first run at once, later ones in the background (see buckets).
func (s *buckets[T, C]) spill() error {
	s.wait()
	if s.err != nil {
		return s.err
	}
	// The chains are sealed, to be read from the blocks alone.
	s.seal()
	if len(s.runs) == 0 {
		f, err := s.writeRun()
		if err != nil {
			return err
		}
		s.runs = append(s.runs, f)
		s.startAgain(s.blocks)
		return nil
	}
	// The run is written from a copy of the sorter that owns the blocks
	// and the slots' records as they are; the sorter goes on with blocks
	// and first chunks of its own. Slots are only ever added, so the copy's
	// keys stay as they were; it has no tails, which start again.
	frozen := *s
	frozen.blocks = s.blocks[:s.used]
	frozen.rec = nil
	frozen.tails = nil
	first := s.spareFirst
	first = append(first, make([]uint32, len(s.first)-len(first))...)
	s.first = first
	// The blocks the buffer had beyond those it filled (it held twice as
	// much before the first run) serve again.
	s.startAgain(append(s.spare, s.blocks[s.used:]...))
	s.spare, s.spareFirst = nil, nil
	done := make(chan spilled, 1)
	s.pending = done
	go func() {
		f, err := frozen.writeRun()
		done <- spilled{run: f, blocks: frozen.blocks, first: frozen.first, err: err}
	}()
	return nil
}

// startAgain empties the buffer, which fills blocks next.
func (s *buckets[T, C]) startAgain(blocks [][]byte) {
	for i := range blocks {
		blocks[i] = blocks[i][:0]
	}
	for i := range s.first {
		s.first[i] = noChunk
	}
	// The run being written in the background has the marks too, but
	// does not read them (it orders every slot).
	for i := range s.tails {
		s.tails[i] = tail{last: noRecord, chunk: noChunk}
	}
	clear(s.check)
	s.blocks = blocks
	s.used, s.held = 0, 0
}

// writeRun writes the records held out in order as a run. A run's record
// is its day, time, agent and body (see runCodec).
func (s *buckets[T, C]) writeRun() (*os.File, error) {
	w, err := newRunWriter(s.dir)
	if err != nil {
		return nil, err
	}
	// Every slot is put in order (the marks are the live sorter's), from
	// the sealed chains.
	var slots []int32
	for i, p := range s.first {
		if p != noChunk {
			slots = append(slots, int32(i))
		}
	}
	s.sortSlots(slots)
	var places []uint32
	for _, slot := range slots {
		places, _ = s.inOrder(places[:0], slot)
		for _, off := range places {
			s.rec = binary.AppendVarint(s.rec[:0], int64(s.keys[slot].day))
			s.rec = binary.BigEndian.AppendUint64(s.rec, uint64(s.time(off)))
			s.rec = appendString(s.rec, s.keys[slot].agent)
			s.rec = append(s.rec, s.body(off)...)
			if err := w.write(s.rec); err != nil {
				w.discard()
				return nil, fmt.Errorf("spill: %w", err)
			}
		}
	}
	return w.finish()
}

// Prepare puts the records held in order ahead of Sorted, on the calling
// goroutine: each shard's sorter on its own. No record may be added after
// it.
func (s *buckets[T, C]) Prepare() {
	s.wait()
	s.sorted = true
	s.slots = s.order()
}

// Sorted returns a cursor over every record added, in order. Close the
// cursor, then the sorter. The strings of the records read from memory
// point into the sorter's blocks, so no record can be added after Sorted.
func (s *buckets[T, C]) Sorted() *Cursor[T] {
	if !s.sorted {
		s.Prepare()
	}
	if s.err != nil {
		return newCursor[T](failed[T]{s.err}, nil)
	}
	mem := &bucketSource[T, C]{s: s, slots: s.slots, i: -1}
	if len(s.runs) == 0 {
		return newCursor[T](mem, nil)
	}
	srcs := make([]source[T], 0, len(s.runs)+1)
	for _, f := range s.runs {
		srcs = append(srcs, &runSource[T]{r: newRunReader(f), codec: runCodec[T, C]{files: &s.files, lend: s.codec.lendsRuns()}})
	}
	srcs = append(srcs, mem) // the newest records: last among equals
	compare := s.codec.compare
	if s.bySource {
		compare = func(a, b *T) int {
			if c := s.codec.compare(a, b); c != 0 {
				return c
			}
			sa, sb := s.codec.source(a), s.codec.source(b)
			return cmp.Or(cmp.Compare(s.files.index[sa.File], s.files.index[sb.File]), cmp.Compare(sa.Line, sb.Line))
		}
	}
	return newCursor[T](newMerger(srcs, compare), nil)
}

// Close removes the sorter's runs and lets its memory go.
func (s *buckets[T, C]) Close() error {
	s.wait()
	s.blocks, s.spare, s.first, s.spareFirst, s.ordered = nil, nil, nil, nil, nil
	s.agents = keytable.Table[firstSlot]{}
	s.keys, s.next, s.tails, s.check = nil, nil, nil, nil
	err := closeRuns(s.runs)
	s.runs = nil
	return err
}

// failed is a source that fails at once.
type failed[T any] struct{ err error }

func (f failed[T]) next() (bool, error) { return false, f.err }
func (f failed[T]) value() *T           { return nil }

// walker reads one slot's records in order: from its places put in
// order, or chunk by chunk along its sealed chain.
type walker struct {
	places []uint32 // the slot's records in order, when it was ordered
	p, end uint32   // the next record and the end of its chunk's records
	chunk  uint32   // the chunk after
	left   int      // records not yet read (of a live sorter's slot)
}

// walk returns a walker over slot's records; its chain must be sealed.
func (s *buckets[T, C]) walk(slot int32) walker {
	w := walker{chunk: s.first[slot]}
	if s.tails != nil { // a run being written has no tails, and no count
		w.left = int(s.tails[slot].n)
	}
	if s.ordered != nil && s.ordered[slot] != nil {
		w.places = s.ordered[slot]
	}
	return w
}

// next returns the place of the next record, and false once there is none.
func (w *walker) next(blocks [][]byte) (uint32, bool) {
	if w.places != nil {
		if len(w.places) == 0 {
			return 0, false
		}
		p := w.places[0]
		w.places = w.places[1:]
		w.left--
		return p, true
	}
	for w.p == w.end {
		if w.chunk == noChunk {
			return 0, false
		}
		h := blocks[w.chunk>>blockBits][w.chunk&(blockSize-1):]
		w.p = w.chunk + chunkHeader
		w.end = w.p + binary.LittleEndian.Uint32(h[4:])
		w.chunk = binary.LittleEndian.Uint32(h)
	}
	p := w.p
	b := blocks[p>>blockBits][p&(blockSize-1)+8:]
	n, k := binary.Uvarint(b)
	w.p += uint32(8 + k + int(n))
	w.left--
	return p, true
}

// bucketSource walks the records held in memory, slot by slot.
type bucketSource[T any, C bucketCodec[T]] struct {
	s     *buckets[T, C]
	slots []int32
	i     int    // slots[i] is the current slot
	w     walker // its records after the current one
	at    uint32 // the current record
	cur   T
}

func (b *bucketSource[T, C]) next() (bool, error) {
	for {
		if b.i >= 0 && b.i < len(b.slots) {
			if p, ok := b.w.next(b.s.blocks); ok {
				b.at = p
				break
			}
		}
		b.i++
		if b.i >= len(b.slots) {
			return false, nil
		}
		b.w = b.s.walk(b.slots[b.i])
	}
	key := &b.s.keys[b.slots[b.i]]
	// The strings point into the sorter's blocks, which no record
	// overwrites once Sorted is called.
	return true, b.s.codec.decode(&b.cur, key.day, key.agent, b.s.time(b.at), b.s.body(b.at), &b.s.files, true)
}

func (b *bucketSource[T, C]) value() *T { return &b.cur }

// runCodec reads the records of a bucket sorter's run: the day, time,
// agent and body.
type runCodec[T any, C bucketCodec[T]] struct {
	files *fileTable
	lend  bool // strings point into the record (see lendsRuns)
}

func (c runCodec[T, C]) Append(dst []byte, v *T) []byte {
	var codec C
	day, agent, t := codec.key(v)
	dst = binary.AppendVarint(dst, int64(day))
	dst = binary.BigEndian.AppendUint64(dst, uint64(t))
	dst = appendString(dst, agent)
	return codec.appendBody(dst, c.files, v)
}

func (c runCodec[T, C]) Decode(rec []byte, v *T) error {
	day, n := binary.Varint(rec)
	if n <= 0 || len(rec) < n+8 {
		return errCorrupt
	}
	t := int64(binary.BigEndian.Uint64(rec[n:]))
	r := reader{b: rec[n+8:], alias: c.lend}
	var codec C
	agent := codec.agentOf(v)
	r.str(agent)
	if r.err != nil {
		return r.err
	}
	return codec.decode(v, int32(day), *agent, t, r.b, c.files, c.lend)
}

// Bucket is the rest of one bucket of a sorter's memory: an agent's
// records of a day that a cursor has not yet passed. Its records can be
// decoded on any goroutine while the sorter is open, so that whoever
// consumes them decodes them, not the goroutine walking the cursor.
type Bucket[T any] interface {
	// Len is the number of records.
	Len() int
	// Each decodes the records in order into v, one after the other,
	// calling yield after each until it returns false; their strings
	// point into the sorter's memory. It returns false when yield did.
	Each(v *T, yield func(*T) bool) (bool, error)
}

// bucketTaker is a source that can hand over the rest of its current
// bucket (see Cursor.TakeBucket).
type bucketTaker[T any] interface {
	bucketLen() int
	takeBucket() Bucket[T]
}

// BucketLen is the number of records of the current bucket from the
// current record on, when the cursor reads a sorter's memory alone (no
// run spilled to disk); ok is false otherwise.
func (c *Cursor[T]) BucketLen() (n int, ok bool) {
	t, ok := c.src.(bucketTaker[T])
	if !ok || !c.valid {
		return 0, false
	}
	return t.bucketLen(), true
}

// TakeBucket hands over the current bucket from the current record on and
// moves the cursor past it, to the first record of the next bucket. It
// may be called only when BucketLen reports ok.
func (c *Cursor[T]) TakeBucket() Bucket[T] {
	b := c.src.(bucketTaker[T]).takeBucket()
	c.Advance()
	return b
}

func (b *bucketSource[T, C]) bucketLen() int {
	return b.w.left + 1
}

// takeBucket hands over the rest of the current slot and leaves the
// source past its last record, so that next moves to the next slot.
func (b *bucketSource[T, C]) takeBucket() Bucket[T] {
	bk := &memBucket[T, C]{s: b.s, slot: b.slots[b.i], at: b.at, w: b.w}
	b.w = walker{chunk: noChunk}
	return bk
}

// memBucket is the records of a slot from the one at at on.
type memBucket[T any, C bucketCodec[T]] struct {
	s    *buckets[T, C]
	slot int32
	at   uint32 // the first record
	w    walker // the records after it
}

func (m *memBucket[T, C]) Len() int { return m.w.left + 1 }

func (m *memBucket[T, C]) Each(v *T, yield func(*T) bool) (bool, error) {
	s := m.s
	key := &s.keys[m.slot]
	w := m.w
	for p, ok := m.at, true; ok; p, ok = w.next(s.blocks) {
		if err := s.codec.decode(v, key.day, key.agent, s.time(p), s.body(p), &s.files, true); err != nil {
			return false, err
		}
		if !yield(v) {
			return false, nil
		}
	}
	return true, nil
}
