package lake

import (
	"encoding/binary"
	"math/bits"
)

// A page of PLAIN 8-byte numbers of the bills (times, durations, sessions,
// line numbers), in the lake's order, is one agent's values after another,
// each most often sharing its high bytes, or all of them, with the value
// before it. libzstd finds that by hashing every position of the page.
// appendNumberFrame writes such a page as a zstd frame (RFC 8878) whose
// only matches are one value back, found by comparing each value with the
// one before it, its literals raw, its sequences coded with FSE tables
// made for each block (§4.1). On the bills' columns it takes about
// two thirds of libzstd's time at level -1; durations and line numbers
// come out smaller than libzstd's frames, times 11-14 % larger (libzstd
// also finds instants shared by bills far apart). Any zstd decoder reads
// them.

// numberBlockValues is the values of one block: 64 KiB of the 128 KiB a
// block may regenerate, so that a block of any values, its literals and
// its sequences, fits the most a block may hold.
const numberBlockValues = 8192

// maxNumberSkip is the most bytes of definition levels appendNumberFrame
// takes before the values; they are the first block's first literals.
const maxNumberSkip = 4096

// minNumberValues is the fewest values appendNumberFrame takes: fewer are
// left to libzstd, whose frame is then as fast and maybe smaller.
const minNumberValues = 64

// numberFrame is the scratch space of appendNumberFrame, reused from page
// to page by one goroutine.
type numberFrame struct {
	lits   []byte
	seqs   []sequence
	llHist [maxLLCode + 1]uint32 // of the sequences' codes
	mlHist [maxMLCode + 1]uint32
	ll     fseEncoder
	of     fseEncoder
	ml     fseEncoder
}

// sequence is one zstd sequence (§3.1.1.3.2): litLen literals, then a
// match of matchLen bytes at offset 8, and the codes of both lengths. Its
// Offset_Value (§3.1.1.5) is 8+3 for the first sequence of a frame and
// then 1, the first repeat offset: every sequence has literals.
type sequence struct {
	litLen, matchLen uint32
	llCode, mlCode   byte
	first            bool
}

// appendNumberFrame appends src, skip bytes of definition levels and then
// PLAIN values of 8 bytes, to dst as one zstd frame and reports true, or
// leaves dst as it was and reports false when src is not such a page of
// at least minNumberValues values.
func (f *numberFrame) appendNumberFrame(dst, src []byte, skip int) ([]byte, bool) {
	if skip < 0 || skip > maxNumberSkip || skip > len(src) || (len(src)-skip)%8 != 0 || (len(src)-skip)/8 < minNumberValues {
		return dst, false
	}
	n := (len(src) - skip) / 8
	dst = appendFrameHeader(dst, len(src))
	// The first block is the levels and two values: its one sequence, if
	// any, sets the first repeat offset to 8 (§3.1.1.5), so that in every
	// later block all sequences have the same offset code.
	matched := false
	for v, end := 0, 2; v < n; v, end = end, min(n, end+numberBlockValues) {
		from, to := skip+8*v, skip+8*end
		if v == 0 {
			from = 0
		}
		seqs, lits := f.match(src, skip, v, end, matched)
		block := src[from:to]
		last := end == n
		at := len(dst)
		var ok bool
		if dst, ok = f.appendBlock(dst, last, lits, seqs, len(block)); ok {
			matched = matched || len(seqs) > 0
		} else {
			dst = appendBlockHeader(dst[:at], last, blockRaw, len(block))
			dst = append(dst, block...)
		}
	}
	return dst, true
}

// match finds the sequences of the values [v, end) of src (values from
// skip on), gathers their literals and counts their codes. The block's
// first value, and the levels before it in the first block, are literals,
// so that every sequence has literals. A later value's bytes equal to
// those of the value before it are matched at offset 8 where three or more
// follow one another, or where they go on with a match; the others are
// literals. matched tells whether a sequence of an earlier block set the
// first repeat offset to 8.
func (f *numberFrame) match(src []byte, skip, v, end int, matched bool) ([]sequence, []byte) {
	seqs := f.seqs[:cap(f.seqs)]
	if len(seqs) < end-v { // a sequence at most for each value
		seqs = make([]sequence, end-v)
	}
	ns := 0
	lits := f.lits[:0]
	if need := skip + 8*(end-v) + 16; cap(lits) < need {
		lits = make([]byte, 0, need)
	}
	lits = lits[:cap(lits)]
	f.llHist, f.mlHist = [maxLLCode + 1]uint32{}, [maxMLCode + 1]uint32{}
	first := skip + 8*v
	if v == 0 {
		first = 0
	}
	nl := copy(lits, src[first:skip+8*v+8])
	var (
		litLen  = uint32(nl) // literals of the sequence being made
		match   uint32       // bytes of the match going on, if any
		pending uint32       // equal bytes just before, neither matched nor literals yet
	)
	prev := binary.LittleEndian.Uint64(src[skip+8*v:])
	safe := len(src) - 16 // where literals may be copied 16 bytes at a time
	for q := skip + 8*v + 8; q < skip+8*end; q += 8 {
		cur := binary.LittleEndian.Uint64(src[q:])
		x := cur ^ prev
		prev = cur
		if x == 0 {
			if match > 0 {
				match += 8
			} else {
				match, pending = pending+8, 0
			}
			continue
		}
		// lo equal bytes, then 8-lo-hi that differ, then hi equal
		lo := uint32(bits.TrailingZeros64(x) >> 3)
		hi := uint32(bits.LeadingZeros64(x) >> 3)
		if match > 0 {
			match += lo
		} else if pending += lo; pending >= 3 {
			match, pending = pending, 0
		}
		if match > 0 {
			f.put(&seqs[ns], litLen, match, !matched)
			ns++
			matched = true
			litLen, match = 0, 0
		}
		// The differing bytes, and the pending ones before them, are
		// literals.
		a := q + int(lo) - int(pending)
		k := 8 - int(lo+hi) + int(pending)
		if a <= safe {
			binary.LittleEndian.PutUint64(lits[nl:], binary.LittleEndian.Uint64(src[a:]))
			binary.LittleEndian.PutUint64(lits[nl+8:], binary.LittleEndian.Uint64(src[a+8:]))
		} else {
			copy(lits[nl:], src[a:a+k])
		}
		nl += k
		litLen += uint32(k)
		pending = hi
		if hi >= 3 {
			match, pending = hi, 0
		}
	}
	if match > 0 {
		f.put(&seqs[ns], litLen, match, !matched)
		ns++
	}
	seqs = seqs[:ns]
	end8 := skip + 8*end
	nl += copy(lits[nl:], src[end8-int(pending):end8])
	f.seqs, f.lits = seqs, lits[:nl]
	return seqs, lits[:nl]
}

// put sets c to a sequence and counts its codes. (Field by field: a
// sequence built aside and copied in is read back in one load from the
// bytes just stored, which the store buffer cannot hand on.)
func (f *numberFrame) put(c *sequence, litLen, match uint32, first bool) {
	c.litLen, c.matchLen, c.first = litLen, match, first
	c.llCode, c.mlCode = litLenCode(litLen), matchLenCode(match-3)
	f.llHist[c.llCode]++
	f.mlHist[c.mlCode]++
}

// appendBlock appends a compressed block of the literals lits (raw) and
// the sequences seqs, regenerating size bytes, and reports true; it
// reports false, dst as it was, when the block would be no smaller than
// the raw bytes.
func (f *numberFrame) appendBlock(dst []byte, last bool, lits []byte, seqs []sequence, size int) ([]byte, bool) {
	start := len(dst)
	dst = append(dst, 0, 0, 0) // the block header, once its size is known
	dst = appendRawLiteralsHeader(dst, len(lits))
	dst = append(dst, lits...)
	dst = appendSequenceCount(dst, len(seqs))
	if len(seqs) > 0 {
		dst = f.appendSequences(dst, seqs)
	}
	if len(dst)-start-3 >= size {
		return dst[:start], false
	}
	h := blockHeader(last, blockCompressed, len(dst)-start-3)
	copy(dst[start:], h[:])
	return dst, true
}

// appendRawLiteralsHeader appends the literals section header (§3.1.1.3.1.1)
// of n raw literals.
func appendRawLiteralsHeader(dst []byte, n int) []byte {
	switch {
	case n < 32:
		return append(dst, byte(n<<3))
	case n < 4096:
		v := uint16(n<<4 | 1<<2)
		return append(dst, byte(v), byte(v>>8))
	default:
		v := uint32(n<<4 | 3<<2)
		return append(dst, byte(v), byte(v>>8), byte(v>>16))
	}
}

// Offset codes (§3.1.1.3.2.1.1): 8+3 is code 3 and three extra bits, 3;
// the first repeat offset, 1, is code 0.
const (
	firstOffCode  = 3
	firstOffExtra = 3
)

// appendSequences appends the compression modes, the FSE tables and the
// bitstream of seqs, whose codes match counted (§3.1.1.3.2).
func (f *numberFrame) appendSequences(dst []byte, seqs []sequence) []byte {
	var ofHist [maxOFCode + 1]uint32
	for _, s := range seqs {
		if s.first {
			ofHist[firstOffCode]++
		} else {
			ofHist[0]++
		}
	}
	modes := len(dst)
	dst = append(dst, 0)
	var mode byte
	dst, mode = f.ll.build(dst, f.llHist[:], len(seqs), maxLLLog)
	dst[modes] |= mode << 6
	dst, mode = f.of.build(dst, ofHist[:], len(seqs), maxOFLog)
	dst[modes] |= mode << 4
	dst, mode = f.ml.build(dst, f.mlHist[:], len(seqs), maxMLLog)
	dst[modes] |= mode << 2

	// The bitstream is read backwards: the last sequence is written
	// first, and the states' start last (§3.1.1.3.2.2). The accumulator
	// holds the 7 bits left by a flush, a sequence's extra bits, and the
	// next one's states (at most 26): no more than 63, as in a block of at
	// most 69,632 bytes no literal and match lengths both take more than
	// 15 extra bits (from 32,768 up), and the first sequence's 3 bits of
	// offset are followed by no states but after a flush. A sequence
	// takes under 8 bytes of the stream; flushes store 8 bytes at a time.
	if need := len(dst) + 9*len(seqs) + 32; cap(dst) < need {
		dst = append(make([]byte, 0, 2*cap(dst)+need), dst...)
	}
	out := dst[:cap(dst)]
	o := len(dst)
	var acc uint64
	var nb uint
	ll, of, ml := &f.ll, &f.of, &f.ml
	lastSeq := &seqs[len(seqs)-1]
	llState := ll.init(lastSeq.llCode)
	ofState := of.init(lastSeq.offCode())
	mlState := ml.init(lastSeq.mlCode)
	acc, nb = addLengths(acc, nb, lastSeq)
	if lastSeq.first {
		acc |= firstOffExtra << nb
		nb += firstOffCode
	}
	for i := len(seqs) - 2; i >= 0; i-- {
		s := &seqs[i]
		if !of.rle {
			acc, nb, ofState = of.encode(acc, nb, ofState, s.offCode())
		}
		if !ml.rle {
			acc, nb, mlState = ml.encode(acc, nb, mlState, s.mlCode)
		}
		if !ll.rle {
			acc, nb, llState = ll.encode(acc, nb, llState, s.llCode)
		}
		binary.LittleEndian.PutUint64(out[o:], acc)
		k := nb >> 3
		o += int(k)
		acc >>= k << 3
		nb &= 7
		acc, nb = addLengths(acc, nb, s)
		if s.first {
			acc |= firstOffExtra << nb
			nb += firstOffCode
		}
	}
	for _, e := range []struct {
		enc   *fseEncoder
		state uint32
	}{{ml, mlState}, {of, ofState}, {ll, llState}} {
		binary.LittleEndian.PutUint64(out[o:], acc)
		k := nb >> 3
		o += int(k)
		acc >>= k << 3
		nb &= 7
		if !e.enc.rle {
			acc |= uint64(e.state&(1<<e.enc.tableLog-1)) << nb
			nb += e.enc.tableLog
		}
	}
	acc |= 1 << nb // the end mark
	nb++
	binary.LittleEndian.PutUint64(out[o:], acc)
	o += int(nb+7) >> 3
	return out[:o]
}

func (s *sequence) offCode() byte {
	if s.first {
		return firstOffCode
	}
	return 0
}

// addLengths adds the extra bits of s's literal and match lengths.
func addLengths(acc uint64, nb uint, s *sequence) (uint64, uint) {
	acc |= uint64(s.litLen-llBase[s.llCode]) << nb
	nb += uint(llBits[s.llCode])
	acc |= uint64(s.matchLen-mlBase[s.mlCode]) << nb
	nb += uint(mlBits[s.mlCode])
	return acc, nb
}

// Literal length and match length codes, their baselines and extra bits
// (§3.1.1.3.2.1.1).
const (
	maxLLCode = 35
	maxMLCode = 52
	maxOFCode = 31
	maxLLLog  = 9
	maxMLLog  = 9
	maxOFLog  = 8
)

var (
	llBase = [maxLLCode + 1]uint32{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
		16, 18, 20, 22, 24, 28, 32, 40, 48, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768, 65536}
	llBits = [maxLLCode + 1]byte{15: 0, 16: 1, 1, 1, 1, 2, 2, 3, 3, 4, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}
	mlBase = func() (b [maxMLCode + 1]uint32) {
		for c := range 32 {
			b[c] = uint32(c + 3)
		}
		copy(b[32:], []uint32{35, 37, 39, 41, 43, 47, 51, 59, 67, 83, 99, 131, 259, 515, 1027, 2051, 4099, 8195, 16387, 32771, 65539})
		return b
	}()
	mlBits = [maxMLCode + 1]byte{31: 0, 32: 1, 1, 1, 1, 2, 2, 3, 3, 4, 4, 5, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}
	// the codes of literal lengths below 64 and of match lengths (less 3)
	// below 128
	llCodes = func() (t [64]byte) {
		for c := maxLLCode; c >= 0; c-- {
			for n := llBase[c]; n < 64 && n < llBase[c]+1<<llBits[c]; n++ {
				t[n] = byte(c)
			}
		}
		return t
	}()
	mlCodes = func() (t [128]byte) {
		for c := maxMLCode; c >= 0; c-- {
			for n := mlBase[c] - 3; n < 128 && n < mlBase[c]-3+1<<mlBits[c]; n++ {
				t[n] = byte(c)
			}
		}
		return t
	}()
)

func litLenCode(n uint32) byte {
	if n < 64 {
		return llCodes[n]
	}
	return byte(bits.Len32(n) - 1 + 19)
}

// matchLenCode is the code of a match of n+3 bytes.
func matchLenCode(n uint32) byte {
	if n < 128 {
		return mlCodes[n]
	}
	return byte(bits.Len32(n) - 1 + 36)
}

// fseEncoder codes the symbols of one kind of a block: with one FSE table
// (§4.1.1) or, when the block has one symbol only, RLE mode, which costs
// no bits.
type fseEncoder struct {
	rle      bool
	tableLog uint
	norm     [maxMLCode + 1]int16
	states   [1 << maxMLLog]uint16
	spread   [1 << maxMLLog]byte // the symbol of each state
	// of each symbol, as FSE_buildCTable makes them
	symbols [maxMLCode + 1]symbolTransform
}

type symbolTransform struct {
	deltaBits  uint32
	deltaState int32
}

// Symbol compression modes (§3.1.1.3.2.1).
const (
	modeRLE = 1
	modeFSE = 2
)

// build makes the table of the n symbols counted in hist, with no more
// than maxLog bits of accuracy, appends its description and returns the
// compression mode.
func (e *fseEncoder) build(dst []byte, hist []uint32, n int, maxLog uint) ([]byte, byte) {
	maxSym, used, top := 0, 0, 0
	for s, c := range hist {
		if c > 0 {
			maxSym, used = s, used+1
			if c > hist[top] {
				top = s
			}
		}
	}
	if used == 1 {
		e.rle = true
		return append(dst, byte(maxSym)), modeRLE
	}
	e.rle = false
	// As many states as sequences, about, within the format's bounds.
	tl := min(maxLog, max(5, uint(bits.Len(uint(n)))))
	for used > 1<<(tl-1) && tl < maxLog {
		tl++
	}
	e.tableLog = tl
	size := 1 << tl
	sum := 0
	for s := 0; s <= maxSym; s++ {
		c := int(hist[s])
		p := 0
		if c > 0 {
			p = max(1, (c*size+n/2)/n)
		}
		e.norm[s] = int16(p)
		sum += p
	}
	// Rounding leaves the sum off by a little: the commonest symbol takes
	// it, or, where it cannot, the others give one each.
	if d := size - sum; int(e.norm[top])+d >= 1 {
		e.norm[top] += int16(d)
	} else {
		for d < 0 {
			for s := 0; s <= maxSym && d < 0; s++ {
				if e.norm[s] > 1 {
					e.norm[s]--
					d++
				}
			}
		}
	}
	dst = appendNormalized(dst, e.norm[:maxSym+1], tl)
	e.buildTable(maxSym)
	return dst, modeFSE
}

// appendNormalized appends the description of an FSE table (§4.1.1),
// as FSE_writeNCount writes it.
func appendNormalized(dst []byte, norm []int16, tl uint) []byte {
	var acc uint64
	var nb uint
	out := func() {
		dst = append(dst, byte(acc), byte(acc>>8))
		acc >>= 16
		nb -= 16
	}
	acc = uint64(tl - 5)
	nb = 4
	size := 1 << tl
	remaining := size + 1
	threshold := size
	width := tl + 1
	prevZero := false
	for s := 0; s < len(norm) && remaining > 1; {
		if prevZero {
			start := s
			for s < len(norm) && norm[s] == 0 {
				s++
			}
			for s >= start+24 {
				start += 24
				acc |= 0xFFFF << nb
				nb += 16
				out()
			}
			for s >= start+3 {
				start += 3
				acc |= 3 << nb
				nb += 2
			}
			acc |= uint64(s-start) << nb
			nb += 2
			if nb > 16 {
				out()
			}
		}
		count := int(norm[s])
		s++
		most := 2*threshold - 1 - remaining
		remaining -= count
		count++
		if count >= threshold {
			count += most
		}
		acc |= uint64(count) << nb
		nb += width
		if count < most {
			nb--
		}
		prevZero = count == 1
		for remaining < threshold {
			width--
			threshold >>= 1
		}
		if nb > 16 {
			out()
		}
	}
	for ; nb > 0; nb -= min(nb, 8) {
		dst = append(dst, byte(acc))
		acc >>= 8
	}
	return dst
}

// buildTable spreads the symbols over the states and makes each symbol's
// transform, as FSE_buildCTable does.
func (e *fseEncoder) buildTable(maxSym int) {
	tl := e.tableLog
	size := 1 << tl
	mask := size - 1
	step := size>>1 + size>>3 + 3
	pos := 0
	for s := 0; s <= maxSym; s++ {
		for range e.norm[s] {
			e.spread[pos] = byte(s)
			pos = (pos + step) & mask
		}
	}
	var next [maxMLCode + 2]int
	total := 0
	for s := 0; s <= maxSym; s++ {
		next[s] = total
		n := int(e.norm[s])
		switch n {
		case 0:
		case 1:
			e.symbols[s] = symbolTransform{uint32(tl<<16 - uint(size)), int32(total - 1)}
		default:
			bitsOut := tl - uint(bits.Len(uint(n-1))-1)
			e.symbols[s] = symbolTransform{uint32(bitsOut<<16 - uint(n)<<bitsOut), int32(total - n)}
		}
		total += n
	}
	for u := 0; u < size; u++ {
		s := e.spread[u]
		e.states[next[s]] = uint16(size + u)
		next[s]++
	}
}

// init returns the state that the last symbol of a block, s, starts
// from (FSE_initCState2).
func (e *fseEncoder) init(s byte) uint32 {
	if e.rle {
		return 0
	}
	t := e.symbols[s]
	nb := (t.deltaBits + 1<<15) >> 16
	v := nb<<16 - t.deltaBits
	return uint32(e.states[(int32(v>>nb)+t.deltaState)&(1<<maxMLLog-1)])
}

// encode adds to acc the bits that lead from state to symbol s before it,
// and returns the state of s.
func (e *fseEncoder) encode(acc uint64, nb uint, state uint32, s byte) (uint64, uint, uint32) {
	t := e.symbols[s]
	k := (state + t.deltaBits) >> 16
	acc |= uint64(state&(1<<k-1)) << nb
	return acc, nb + uint(k), uint32(e.states[(int32(state>>k)+t.deltaState)&(1<<maxMLLog-1)])
}
