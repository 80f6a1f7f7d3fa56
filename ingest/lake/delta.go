package lake

import (
	"encoding/binary"
	"math/bits"
)

// The DELTA_BINARY_PACKED layout the lake writes: blocks of 128 values in
// four miniblocks of 32.
const (
	deltaBlock      = 128
	deltaMiniblocks = 4
	deltaMini       = deltaBlock / deltaMiniblocks
)

// appendDelta appends vals in Parquet's DELTA_BINARY_PACKED encoding. Sorted
// or slowly changing columns (times, line numbers, session keys) shrink to
// a few bits a value before compression.
func appendDelta(dst []byte, vals []int64) []byte {
	dst = binary.AppendUvarint(dst, deltaBlock)
	dst = binary.AppendUvarint(dst, deltaMiniblocks)
	dst = binary.AppendUvarint(dst, uint64(len(vals)))
	if len(vals) == 0 {
		return binary.AppendVarint(dst, 0)
	}
	dst = binary.AppendVarint(dst, vals[0])
	var deltas [deltaBlock]int64
	var packed [deltaMini]uint64
	for i := 1; i < len(vals); i += deltaBlock {
		n := min(deltaBlock, len(vals)-i)
		minDelta := int64(0)
		for j := range n {
			deltas[j] = vals[i+j] - vals[i+j-1] // wraps, as the format expects
			if j == 0 || deltas[j] < minDelta {
				minDelta = deltas[j]
			}
		}
		dst = binary.AppendVarint(dst, minDelta)
		var widths [deltaMiniblocks]int
		for m := range deltaMiniblocks {
			var or uint64
			for j := m * deltaMini; j < min(n, (m+1)*deltaMini); j++ {
				or |= uint64(deltas[j] - minDelta)
			}
			widths[m] = bits.Len64(or)
			dst = append(dst, byte(widths[m]))
		}
		for m := range deltaMiniblocks {
			from := m * deltaMini
			if from >= n {
				break // miniblocks past the last value are not written
			}
			for j := range packed {
				packed[j] = 0
				if from+j < n {
					packed[j] = uint64(deltas[from+j] - minDelta)
				}
			}
			dst = appendPacked64(dst, packed[:], widths[m])
		}
	}
	return dst
}

// appendPacked64 bit-packs vals of width bits each, least significant bit
// first; 32 values always fill whole bytes.
func appendPacked64(dst []byte, vals []uint64, width int) []byte {
	if width == 0 {
		return dst
	}
	var acc uint64
	n := 0
	for _, v := range vals {
		for left := width; left > 0; {
			take := min(left, 64-n)
			acc |= (v & (1<<take - 1)) << n
			v >>= take
			n += take
			left -= take
			for n >= 8 {
				dst = append(dst, byte(acc))
				acc >>= 8
				n -= 8
			}
		}
	}
	if n > 0 {
		dst = append(dst, byte(acc))
	}
	return dst
}
