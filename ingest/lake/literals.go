package lake

import (
	"encoding/binary"
	"math/bits"

	"github.com/klauspost/compress/huff0"
)

// A column of random-looking values (the bills' ids: hex digits of a hash)
// has nothing for zstd's match finder to find; it spends most of its time
// looking. appendLiteralsFrame writes such a page as a zstd frame whose
// blocks hold Huffman-coded literals and no sequences (RFC 8878 §3.1.1.3),
// which any zstd decoder reads, in about a third of the time and within a
// few percent of the size. Like EncodeAll, it gives the same bytes for the
// same input.

// literalsBlock is the most bytes a zstd block may regenerate.
const literalsBlock = 128 << 10

// zstd block types (RFC 8878 §3.1.1.2.2).
const (
	blockRaw        = 0
	blockRLE        = 1
	blockCompressed = 2
)

// appendLiteralsFrame appends src to dst as one zstd frame of literals-only
// blocks; s is the Huffman scratch the caller reuses.
func appendLiteralsFrame(dst, src []byte, s *huff0.Scratch) []byte {
	// Frame header: the magic number, then a descriptor with a 4-byte
	// content size and a single segment (no window descriptor), no
	// checksum, no dictionary.
	dst = binary.LittleEndian.AppendUint32(dst, 0xFD2FB528)
	dst = append(dst, 2<<6|1<<5)
	dst = binary.LittleEndian.AppendUint32(dst, uint32(len(src)))
	if len(src) == 0 {
		return appendBlockHeader(dst, true, blockRaw, 0)
	}
	for at := 0; at < len(src); at += literalsBlock {
		block := src[at:min(len(src), at+literalsBlock)]
		last := at+len(block) == len(src)
		dst = appendLiteralsBlock(dst, block, last, s)
	}
	return dst
}

func appendLiteralsBlock(dst, block []byte, last bool, s *huff0.Scratch) []byte {
	if len(block) < 1024 {
		return append(appendBlockHeader(dst, last, blockRaw, len(block)), block...)
	}
	s.Reuse = huff0.ReusePolicyNone // every block carries its own table
	out, _, err := huff0.Compress4X(block, s)
	switch err {
	case nil:
	case huff0.ErrUseRLE:
		return append(appendBlockHeader(dst, last, blockRLE, len(block)), block[0])
	default: // incompressible
		return append(appendBlockHeader(dst, last, blockRaw, len(block)), block...)
	}
	// The literals section header (RFC 8878 §3.1.1.3.1.1): a compressed
	// literals block of four streams, with the smallest size format that
	// holds both sizes.
	var lh [5]byte
	var n int
	switch sizeBits := max(bits.Len(uint(len(out))), bits.Len(uint(len(block)))); {
	case sizeBits <= 10:
		v := uint32(blockCompressed) | 1<<2 | uint32(len(block))<<4 | uint32(len(out))<<14
		lh[0], lh[1], lh[2], n = byte(v), byte(v>>8), byte(v>>16), 3
	case sizeBits <= 14:
		v := uint32(blockCompressed) | 2<<2 | uint32(len(block))<<4 | uint32(len(out))<<18
		binary.LittleEndian.PutUint32(lh[:], v)
		n = 4
	default:
		v := uint64(blockCompressed) | 3<<2 | uint64(len(block))<<4 | uint64(len(out))<<22
		var b [8]byte
		binary.LittleEndian.PutUint64(b[:], v)
		copy(lh[:], b[:5])
		n = 5
	}
	size := n + len(out) + 1 // and a sequences section of zero sequences
	if size >= len(block) {
		return append(appendBlockHeader(dst, last, blockRaw, len(block)), block...)
	}
	dst = appendBlockHeader(dst, last, blockCompressed, size)
	dst = append(dst, lh[:n]...)
	dst = append(dst, out...)
	return append(dst, 0)
}

// appendBlockHeader appends a zstd block header (RFC 8878 §3.1.1.2).
func appendBlockHeader(dst []byte, last bool, typ, size int) []byte {
	v := uint32(size)<<3 | uint32(typ)<<1
	if last {
		v |= 1
	}
	return append(dst, byte(v), byte(v>>8), byte(v>>16))
}
