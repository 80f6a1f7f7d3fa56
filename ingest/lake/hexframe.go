package lake

import (
	"encoding/binary"
	"encoding/hex"
	"math/bits"
	"unsafe"
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
	for at := rec; at < len(values); at += rec {
		if binary.LittleEndian.Uint32(values[at:]) != uint32(width) {
			return dst, false
		}
	}
	return appendHexValues(dst, src[:skip], hexValues{n: len(values) / rec, width: width, plain: values})
}

// appendPackedHexFrame appends to dst the frame appendHexFrame makes of
// levels and then the PLAIN page of the values in packed, each width/2
// bytes of two digits (as hex.Decode gives them). It reports false, dst as
// it was, for no values or levels of more than maxHexSkip bytes.
func appendPackedHexFrame(dst, levels, packed []byte, width int) ([]byte, bool) {
	if len(packed) == 0 || len(levels) > maxHexSkip || width%8 != 0 || len(packed)%(width/2) != 0 {
		return dst, false
	}
	return appendHexValues(dst, levels, hexValues{n: len(packed) / (width / 2), width: width, packed: packed})
}

// hexValues are the n values of a page of ids, width digits each: their
// PLAIN text (every length checked), or their digits packed.
type hexValues struct {
	n, width int
	plain    []byte
	packed   []byte
}

// stream writes the digits of values [from, to) into out, two to a byte,
// backwards: the first value's first two digits in the last byte. It
// reports false when a digit of the text is not a lower-case hex digit.
func (h *hexValues) stream(out []byte, from, to int) bool {
	if h.packed == nil {
		rec := 4 + h.width
		pos := len(out)
		for j := from; j < to; j++ {
			pos -= h.width / 2
			if packHex(out[pos:][:h.width/2], h.plain[4+j*rec:][:h.width]) != 0 {
				return false
			}
		}
		return true
	}
	// Backwards, the packed bytes are the stream: eight at a time, as a
	// stream holds an even number of values (a quarter of a multiple of
	// eight) of a multiple of four bytes each.
	src := h.packed[from*h.width/2 : to*h.width/2]
	for i := 0; i < len(src); i += 8 {
		binary.BigEndian.PutUint64(out[len(out)-8-i:], binary.LittleEndian.Uint64(src[i:]))
	}
	return true
}

// appendTail appends the PLAIN text of values from on, without the first
// value's length: the frame's last block, raw.
func (h *hexValues) appendTail(dst []byte, from int) []byte {
	if h.packed == nil {
		return append(dst, h.plain[4+from*(4+h.width):]...)
	}
	half := h.width / 2
	dst = hex.AppendEncode(dst, h.packed[from*half:(from+1)*half])
	return appendPlainIDs(dst, h.packed[(from+1)*half:], h.width)
}

// appendPlainIDs appends the PLAIN text of the ids in packed, width digits
// each: each id's length, then its lower-case hex digits.
func appendPlainIDs(dst, packed []byte, width int) []byte {
	half := width / 2
	for at := 0; at+half <= len(packed); at += half {
		dst = binary.LittleEndian.AppendUint32(dst, uint32(width))
		dst = hex.AppendEncode(dst, packed[at:at+half])
	}
	return dst
}

// appendHexValues appends the frame of levels and then the PLAIN page of
// the values, or leaves dst as it was and reports false when a digit is
// not a lower-case hex digit.
func appendHexValues(dst, levels []byte, h hexValues) ([]byte, bool) {
	rec := 4 + h.width
	start := len(dst)
	dst = appendFrameHeader(dst, len(levels)+h.n*rec)
	// The levels and the first length are raw; each value's digits and
	// the next value's length then make a sequence, eight or more values
	// to a block; the last values, and the digits of the very last, are
	// raw again.
	dst = appendBlockHeader(dst, false, blockRaw, len(levels)+4)
	dst = append(dst, levels...)
	dst = binary.LittleEndian.AppendUint32(dst, uint32(h.width))
	perBlock := (literalsBlock / rec) &^ 7
	v := 0
	for h.n-1-v >= 8 {
		k := min(perBlock, (h.n-1-v)&^7)
		var ok bool
		if dst, ok = appendHexBlock(dst, &h, v, k); !ok {
			return dst[:start], false
		}
		v += k
	}
	tailSize := (h.n-v)*rec - 4
	dst = appendBlockHeader(dst, true, blockRaw, tailSize)
	return h.appendTail(dst, v), true
}

// appendHexBlock appends a compressed block of the k values from v on (k
// a multiple of eight), each its digits and the next value's length.
func appendHexBlock(dst []byte, h *hexValues, v, k int) ([]byte, bool) {
	width := h.width
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
	const matchCode = 1 // a match of 4: code 1, no extra bits
	head := appendSequenceCount(nil, k)
	head = append(head, modeRLE<<6|modeRLE<<4|modeRLE<<2, byte(llCode), byte(ofCode), matchCode)
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
		if !h.stream(dst[at:at+stream-1], v+s*quarter, v+(s+1)*quarter) {
			return dst, false
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
	for w := 0; w+8 <= len(digits) && len(out) >= 4; w += 8 {
		packed, b := packWord(binary.LittleEndian.Uint64(digits[w:]))
		bad |= b
		binary.BigEndian.PutUint32(out[len(out)-4:], packed)
		out = out[:len(out)-4]
	}
	return bad
}

// packHexString packs the digits of s (a multiple of eight) two to a byte
// into out, as hex.Decode does. It returns 0 when all are lower-case hex
// digits.
func packHexString(out []byte, s string) (bad uint64) {
	digits := unsafe.Slice(unsafe.StringData(s), len(s))
	for w := 0; w+8 <= len(digits) && w/2+4 <= len(out); w += 8 {
		packed, b := packWord(binary.LittleEndian.Uint64(digits[w:]))
		bad |= b
		binary.LittleEndian.PutUint32(out[w/2:], packed)
	}
	return bad
}

// packWord packs eight digits, the bytes of x from the lowest, into four
// bytes, the first two digits in the lowest; bad is not 0 when a byte is
// not a lower-case hex digit.
func packWord(x uint64) (packed uint32, bad uint64) {
	const lo, hi = 0x0101010101010101, 0x8080808080808080
	// Per byte, bit 7 says whether it is at least '0', at most '9', at
	// least 'a', at most 'f'; no byte borrows from the next while every
	// byte is below 0x80.
	ge0 := (x | hi) - '0'*lo
	le9 := ('9'*lo | hi) - x
	gea := (x | hi) - 'a'*lo
	lef := ('f'*lo | hi) - x
	letter := gea & lef & hi
	bad = x&hi | ((ge0&le9&hi | letter) ^ hi)
	// Each digit's value, then two to a byte, the four bytes together.
	v := x&(0x0F*lo) + letter>>7*9
	y := (v<<4 | v>>8) & 0x00FF00FF00FF00FF
	y = (y | y>>8) & 0x0000FFFF0000FFFF
	return uint32(y | y>>16), bad
}

// literalLengthCode returns the literal length code of n, its number of
// extra bits and its baseline (§3.1.1.3.2.1.1).
func literalLengthCode(n int) (code, extra, base int) {
	c := litLenCode(uint32(n))
	return int(c), int(llBits[c]), int(llBase[c])
}
