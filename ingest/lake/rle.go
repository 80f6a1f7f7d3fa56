package lake

import (
	"encoding/binary"
	"math/bits"
)

// rleWriter writes the RLE / bit-packing hybrid encoding of Parquet, used for
// definition levels and dictionary indices. Values are taken in groups of
// eight: a group whose eight values are equal joins or starts a run, any
// other group is bit-packed. Runs shorter than a group are bit-packed, which
// is always valid, if not always the shortest form. The groups of a
// bit-packed run are written where they go, after a byte kept for the
// header; the rare header longer than a byte moves them once.
type rleWriter struct {
	out      []byte // encoded bytes so far
	width    int    // bits per value, 1..32
	packedAt int    // index in out of the header of the open bit-packed run; -1 when none
	groups   int    // groups in the open bit-packed run
	runVal   uint32 // value of the pending run
	runLen   int    // length of the pending run; 0 when none
}

func (w *rleWriter) reset(width int, dst []byte) {
	*w = rleWriter{out: dst, width: width, packedAt: -1}
}

// run adds n equal values v.
func (w *rleWriter) run(v uint32, n int) {
	if w.runLen > 0 && w.runVal == v {
		w.runLen += n
		return
	}
	w.endPacked()
	w.endRun()
	w.runVal, w.runLen = v, n
}

// startGroup makes room for one more bit-packed group.
func (w *rleWriter) startGroup() {
	w.endRun()
	if w.packedAt < 0 {
		w.packedAt = len(w.out)
		w.out = append(w.out, 0)
	}
	w.groups++
}

func (w *rleWriter) endRun() {
	if w.runLen == 0 {
		return
	}
	w.out = binary.AppendUvarint(w.out, uint64(w.runLen)<<1)
	for b := 0; b < (w.width+7)/8; b++ {
		w.out = append(w.out, byte(w.runVal>>(8*b)))
	}
	w.runLen = 0
}

func (w *rleWriter) endPacked() {
	if w.packedAt < 0 {
		return
	}
	var head [binary.MaxVarintLen64]byte
	n := binary.PutUvarint(head[:], uint64(w.groups)<<1|1)
	if n > 1 {
		end := len(w.out)
		w.out = append(w.out, head[:n-1]...)
		copy(w.out[w.packedAt+n:], w.out[w.packedAt+1:end])
	}
	copy(w.out[w.packedAt:], head[:n])
	w.packedAt, w.groups = -1, 0
}

// finish ends what is open and returns dst with the encoded bytes appended.
func (w *rleWriter) finish() []byte {
	w.endPacked()
	w.endRun()
	return w.out
}

// encode adds vals, each of which fits in width bits.
func (w *rleWriter) encode(vals []uint32) {
	i := 0
	for ; i+8 <= len(vals); i += 8 {
		g := (*[8]uint32)(vals[i : i+8])
		v := g[0]
		if g[1] == v && g[2] == v && g[3] == v && g[4] == v && g[5] == v && g[6] == v && g[7] == v {
			w.run(v, 8)
			continue
		}
		w.startGroup()
		w.out = appendPacked(w.out, g, w.width)
	}
	if i == len(vals) {
		return
	}
	var last [8]uint32
	n := copy(last[:], vals[i:])
	same := true
	for _, x := range last[1:n] {
		same = same && x == last[0]
	}
	if same {
		w.run(last[0], n)
		return
	}
	w.startGroup()
	w.out = appendPacked(w.out, &last, w.width)
}

// appendPacked bit-packs eight values of width bits, least significant bit
// first, as Parquet's hybrid encoding wants; they fill width bytes.
func appendPacked(dst []byte, g *[8]uint32, width int) []byte {
	if width <= 8 {
		// Eight values of up to 8 bits fit in one uint64.
		var acc uint64
		for k, v := range g {
			acc |= uint64(v) << (k * width)
		}
		var b [8]byte
		binary.LittleEndian.PutUint64(b[:], acc)
		return append(dst, b[:width]...)
	}
	var acc uint64
	n := 0
	for _, v := range g {
		acc |= uint64(v) << n
		n += width
		for n >= 8 {
			dst = append(dst, byte(acc))
			acc >>= 8
			n -= 8
		}
	}
	return dst
}

// appendLevels appends the definition levels of a page of an optional
// column (valid holds 1 for a value, 0 for a null) in the hybrid encoding
// of bit width 1, after the 4-byte length that data pages of version 1 put
// before them.
func appendLevels(dst []byte, valid []byte, w *rleWriter) []byte {
	const ones = 0x0101010101010101
	at := len(dst)
	w.reset(1, append(dst, 0, 0, 0, 0))
	i := 0
	for ; i+8 <= len(valid); i += 8 {
		switch u := binary.LittleEndian.Uint64(valid[i:]); u {
		case 0:
			w.run(0, 8)
		case ones:
			w.run(1, 8)
		default:
			w.startGroup()
			// Gather bit 0 of each byte into one byte, first row lowest.
			w.out = append(w.out, byte((u*0x0102040810204080)>>56))
		}
	}
	if rest := valid[i:]; len(rest) > 0 {
		var last [8]uint32
		for k, v := range rest {
			last[k] = uint32(v)
		}
		w.encode(last[:len(rest)])
	}
	dst = w.finish()
	binary.LittleEndian.PutUint32(dst[at:], uint32(len(dst)-at-4))
	return dst
}

// appendUniformLevels appends what appendLevels appends for n rows whose
// levels are all v: one run. Most optional columns of a row group are all
// null or all set, and their pages need not be read to know it.
func appendUniformLevels(dst []byte, n int, v byte) []byte {
	at := len(dst)
	dst = append(dst, 0, 0, 0, 0)
	if n > 0 {
		dst = binary.AppendUvarint(dst, uint64(n)<<1)
		dst = append(dst, v)
	}
	binary.LittleEndian.PutUint32(dst[at:], uint32(len(dst)-at-4))
	return dst
}

// bitWidth is the width of dictionary indices into a dictionary of n
// entries: at least 1.
func bitWidth(n int) int {
	if n <= 1 {
		return 1
	}
	return bits.Len32(uint32(n - 1))
}
