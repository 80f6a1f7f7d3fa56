package lake

import "encoding/binary"

// rleEncoder writes the RLE / bit-packing hybrid encoding of Parquet, used for
// definition levels and dictionary indices. Values are taken in groups of
// eight: a group whose eight values are equal joins or starts a run, any
// other group is bit-packed. Runs shorter than a group are bit-packed, which
// is always valid, if not always the shortest form.
type rleEncoder struct {
	width  int    // bits per value, 1..32
	out    []byte // encoded bytes so far
	packed []byte // bit-packed groups waiting for their header
	groups int    // number of groups in packed
	runVal uint32 // value of the pending run
	runLen int    // length of the pending run; 0 when none
}

// newRLEEncoder returns an encoder that appends to dst.
func newRLEEncoder(width int, dst []byte) *rleEncoder {
	return &rleEncoder{width: width, out: dst}
}

// encode appends all of vals.
func (e *rleEncoder) encode(vals []uint32) {
	i := 0
	for ; i+8 <= len(vals); i += 8 {
		e.group(vals[i:i+8], 8)
	}
	if i < len(vals) {
		var last [8]uint32
		n := copy(last[:], vals[i:])
		e.group(last[:], n)
	}
}

// group takes eight values of which the first n are real (n < 8 only for
// the last group).
func (e *rleEncoder) group(g []uint32, n int) {
	v := g[0]
	same := true
	for _, x := range g[1:n] {
		if x != v {
			same = false
			break
		}
	}
	if same {
		if e.runLen > 0 && e.runVal == v {
			e.runLen += n
			return
		}
		e.flushPacked()
		e.flushRun()
		e.runVal, e.runLen = v, n
		return
	}
	e.flushRun()
	e.packed = appendPacked(e.packed, g, e.width)
	e.groups++
}

func (e *rleEncoder) flushRun() {
	if e.runLen == 0 {
		return
	}
	e.out = binary.AppendUvarint(e.out, uint64(e.runLen)<<1)
	for b := 0; b < (e.width+7)/8; b++ {
		e.out = append(e.out, byte(e.runVal>>(8*b)))
	}
	e.runLen = 0
}

func (e *rleEncoder) flushPacked() {
	if e.groups == 0 {
		return
	}
	e.out = binary.AppendUvarint(e.out, uint64(e.groups)<<1|1)
	e.out = append(e.out, e.packed...)
	e.packed = e.packed[:0]
	e.groups = 0
}

// finish flushes what is pending and returns dst with the encoded bytes
// appended.
func (e *rleEncoder) finish() []byte {
	e.flushPacked()
	e.flushRun()
	return e.out
}

// appendPacked bit-packs eight values of width bits, least significant bit
// first, as Parquet's hybrid encoding wants.
func appendPacked(dst []byte, g []uint32, width int) []byte {
	var acc uint64
	bits := 0
	for _, v := range g[:8] {
		acc |= uint64(v) << bits
		bits += width
		for bits >= 8 {
			dst = append(dst, byte(acc))
			acc >>= 8
			bits -= 8
		}
	}
	// 8 values of width bits fill exactly width bytes, so nothing is left.
	return dst
}
