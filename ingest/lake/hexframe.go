package lake

import (
	"encoding/binary"
	"math/bits"
)

// A page of the bills' ids is PLAIN strings of one length, each its
// four-byte length and then lower-case hex digits. appendHexFrame writes
// such a page as a zstd frame (RFC 8878) that any decoder reads, built
// without looking for anything: each length is a match of the length
// before it, one value back, and the digits are literals coded with a
// Huffman table fixed in advance that gives each of the sixteen digits
// four bits. With that table a digit's code is its value (§4.2.1: codes
// are given in the order of the symbols), so a stream of the codes is the
// digits packed two to a byte, backwards. That takes less than half the
// time of Huffman coding the page's bytes as literals
// (appendLiteralsFrame), and the frame is a little smaller: a length
// costs a byte of sequence rather than two of literals.

// Longest value appendHexFrame takes: a block holds at least eight.
const maxHexWidth = 4096

// Most bytes of definition levels appendHexFrame takes before the values:
// they are one raw block.
const maxHexSkip = literalsBlock - 4

// hexTable is the Huffman table of the digits (§4.2.1.1): a direct
// representation of the weights of symbols 0 to 'e', two to a byte; 'f',
// the last symbol, has the weight that makes the codes complete. Weight
// 1 for each of the sixteen digits is four bits each.
var hexTable = func() []byte {
	const described = 'f' // symbols 0 to 'e'
	t := make([]byte, 1+(described+1)/2)
	t[0] = 127 + described
	for _, c := range "0123456789abcde" {
		t[1+c/2] |= 1 << (4 * (1 - c%2))
	}
	return t
}()

// appendHexFrame appends src to dst as a zstd frame of the form above and
// reports true, or leaves dst as it was and reports false when src after
// its first skip bytes (a page's definition levels, kept raw) is not
// PLAIN values of one length, a multiple of eight up to maxHexWidth, all
// lower-case hex digits.
func appendHexFrame(dst, src []byte, skip int) ([]byte, bool) {
	if skip < 0 || skip > maxHexSkip || skip > len(src) {
		return dst, false
	}
	values := src[skip:]
	if len(values) < 4 {
		return dst, false
	}
	width := int(binary.LittleEndian.Uint32(values))
	rec := 4 + width
	if width == 0 || width%8 != 0 || width > maxHexWidth || len(values)%rec != 0 {
		return dst, false
	}
	n := len(values) / rec
	for at := rec; at < len(values); at += rec {
		if binary.LittleEndian.Uint32(values[at:]) != uint32(width) {
			return dst, false
		}
	}
	start := len(dst)
	dst = appendFrameHeader(dst, len(src))
	// The levels and the first length are raw; each value's digits and
	// the next value's length then make a sequence, eight or more values
	// to a block; the last values, and the digits of the very last, are
	// raw again.
	dst = appendBlockHeader(dst, false, blockRaw, skip+4)
	dst = append(dst, src[:skip+4]...)
	perBlock := (literalsBlock / rec) &^ 7
	v := 0
	for n-1-v >= 8 {
		k := min(perBlock, (n-1-v)&^7)
		var ok bool
		if dst, ok = appendHexBlock(dst, values[4+v*rec:4+(v+k)*rec], width, k); !ok {
			return dst[:start], false
		}
		v += k
	}
	tail := values[4+v*rec:]
	dst = appendBlockHeader(dst, true, blockRaw, len(tail))
	return append(dst, tail...), true
}

// appendHexBlock appends a compressed block of k values (k a multiple of
// eight) in content, each width digits and the next value's length.
func appendHexBlock(dst, content []byte, width, k int) ([]byte, bool) {
	rec := 4 + width
	digits := k * width
	// Four streams (§3.1.1.3.1.6), each a quarter of the values: their
	// digits, two to a byte, and a byte holding the end mark.
	stream := digits/8 + 1
	huffSize := len(hexTable) + 6 + 4*stream
	// Each sequence: the value's digits as literals, then a match of four
	// bytes at offset rec; every code the same, so each kind of code is
	// given once (RLE mode) and a sequence's bits are only the extra bits
	// of its literal length and offset.
	llCode, llBits, llBase := literalLengthCode(width)
	offBase := uint64(rec + 3) // offsets above 3 are sent plus 3 (§3.1.1.5)
	ofCode := bits.Len64(offBase) - 1
	seqBits := uint(llBits + ofCode)
	seq := uint64(width-llBase) | (offBase-1<<ofCode)<<llBits
	var head []byte
	if k < 128 {
		head = []byte{byte(k)}
	} else {
		head = []byte{byte(k>>8) + 0x80, byte(k)}
	}
	const rle = 1
	const matchCode = 1 // a match of 4: code 1, no extra bits
	head = append(head, rle<<6|rle<<4|rle<<2, byte(llCode), byte(ofCode), matchCode)
	seqBytes := (k*int(seqBits) + 1 + 7) / 8
	lh := literalsHeader(digits, huffSize)
	size := len(lh) + huffSize + len(head) + seqBytes
	dst = appendBlockHeader(dst, false, blockCompressed, size)
	dst = append(dst, lh...)
	dst = append(dst, hexTable...)
	for range 3 {
		dst = binary.LittleEndian.AppendUint16(dst, uint16(stream))
	}
	quarter := k / 4
	for s := range 4 {
		at := len(dst)
		dst = append(dst, make([]byte, stream)...)
		out := dst[at : at+stream-1]
		pos := len(out)
		for j := s * quarter; j < (s+1)*quarter; j++ {
			pos -= width / 2
			if packHex(out[pos:][:width/2], content[j*rec:][:width]) != 0 {
				return dst, false
			}
		}
		dst[at+stream-1] = 1 // the end mark
	}
	dst = append(dst, head...)
	var acc uint64
	var nb uint
	for range k {
		acc |= seq << nb
		for nb += seqBits; nb >= 8; nb -= 8 {
			dst = append(dst, byte(acc))
			acc >>= 8
		}
	}
	acc |= 1 << nb // the end mark
	for nb++; nb > 0; nb -= min(nb, 8) {
		dst = append(dst, byte(acc))
		acc >>= 8
	}
	return dst, true
}

// packHex packs the digits (a multiple of eight) two to a byte into out,
// backwards: the first two digits in the last byte. It returns 0 when all
// are lower-case hex digits.
func packHex(out, digits []byte) (bad uint64) {
	const lo, hi = 0x0101010101010101, 0x8080808080808080
	for w := 0; w+8 <= len(digits) && len(out) >= 4; w += 8 {
		x := binary.LittleEndian.Uint64(digits[w:])
		// Per byte, bit 7 says whether it is at least '0', at most '9', at
		// least 'a', at most 'f'; no byte borrows from the next while
		// every byte is below 0x80.
		ge0 := (x | hi) - '0'*lo
		le9 := ('9'*lo | hi) - x
		gea := (x | hi) - 'a'*lo
		lef := ('f'*lo | hi) - x
		letter := gea & lef & hi
		bad |= x&hi | ((ge0&le9&hi | letter) ^ hi)
		// Each digit's value, then two to a byte, the four bytes together.
		v := x&(0x0F*lo) + letter>>7*9
		y := (v<<4 | v>>8) & 0x00FF00FF00FF00FF
		y = (y | y>>8) & 0x0000FFFF0000FFFF
		binary.BigEndian.PutUint32(out[len(out)-4:], uint32(y|y>>16))
		out = out[:len(out)-4]
	}
	return bad
}

// literalLengthCode returns the literal length code of n, its number of
// extra bits and its baseline (§3.1.1.3.2.1.1).
func literalLengthCode(n int) (code, extra, base int) {
	if n < 16 {
		return n, 0, n
	}
	codes := [...]struct{ base, extra int }{
		{16, 1}, {18, 1}, {20, 1}, {22, 1}, {24, 2}, {28, 2}, {32, 3}, {40, 3},
		{48, 4}, {64, 6}, {128, 7}, {256, 8}, {512, 9}, {1024, 10}, {2048, 11},
		{4096, 12}, {8192, 13}, {16384, 14}, {32768, 15}, {65536, 16},
	}
	for i := len(codes) - 1; ; i-- {
		if n >= codes[i].base {
			return 16 + i, codes[i].extra, codes[i].base
		}
	}
}
