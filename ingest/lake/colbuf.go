package lake

import (
	"encoding/binary"
	"slices"
	"strings"
	"unicode/utf8"
	"unsafe"

	"github.com/agentbill/agentbill/billing"
)

// colBuf buffers the values of one column for the row group being filled,
// already in the form its pages take: PLAIN bytes, or dictionary indices
// and the dictionary. It keeps the statistics as the values come, and holds
// no pointer per value, so that buffered rows cost the garbage collector
// nothing.
type colBuf struct {
	col   Column
	valid []byte // optional columns: 1 for a row with a value, 0 for a null
	// levels is set once valid holds a byte per row. Until a column has
	// had both nulls and values it holds none: the rows are all null
	// (n == 0) or all set (nulls == 0), as most optional columns of a row
	// group are, and putting a row costs a count.
	levels bool
	// uniform marks, at encoding, an optional column whose rows are all
	// null or all set (see rowGroup.fillLevels).
	uniform bool
	// mirror, when not 0, is one more than the index of the column whose
	// values this one has, row for row: it holds none of its own, and
	// its chunk is that column's (see putBill).
	mirror int
	nulls  int
	n      int      // non-null values
	plain  bool     // values go to data: no dictionary, or it grew too big
	data   []byte   // the values PLAIN-encoded, once plain (ids packed: hexWidth)
	idx    []uint32 // dictionary index of each value, while not plain
	dict   dictionary
	size   int64 // plain-encoded size of the values, for the row group cut
	// hexWidth is the length of every value of a column of ids while they
	// are all lower-case hex digits of one length: data holds them packed,
	// two digits to a byte (see putHex). 0 until the first value, -1 once
	// the values are PLAIN text, as in any other column.
	hexWidth int

	// pages are where the pages of PLAIN strings after the first begin,
	// noted as the values come (see notePage): encoding need not read
	// every value's length again to find them. Not paged once dictionary
	// values were spilled into data; encoding then finds them itself.
	pages    []pageStart
	paged    bool
	pageRow  int // first row of the page being filled
	pageSize int // bytes of its values so far

	// Statistics of the non-null values.
	hasStat      bool
	lo, hi       int64  // integer columns
	los, his     string // string columns, in loBuf and hiBuf
	loBuf, hiBuf []byte
	loKey, hiKey uint64 // statKey of los and his
}

// dictionary holds the distinct values of a dictionary-encoded column in
// order of first appearance.
type dictionary struct {
	strs   []string
	strIDs map[string]uint32 // by the value as put, before any UTF-8 repair
	ints   []int32
	intIDs map[int32]uint32 // values outside [0, lowInts)
	// low holds one more than the index of each value in [0, lowInts), 0
	// for a value not in the dictionary: codes and causes are mostly
	// small, and an array answers before a map has hashed.
	low   *[lowInts]uint32
	bytes int    // plain-encoded size of the entries
	last  uint32 // index of the last value put: sorted columns repeat values in runs
}

// smallDict is the size up to which an integer dictionary is searched
// without its map.
const smallDict = 8

// lowInts bounds the integer values a dictionary finds by array rather
// than by map.
const lowInts = 1024

func newColBuf(c Column) colBuf {
	cb := colBuf{col: c}
	cb.reset()
	return cb
}

func (c *colBuf) reset() {
	c.valid, c.data, c.idx = c.valid[:0], c.data[:0], c.idx[:0]
	c.nulls, c.n, c.size = 0, 0, 0
	c.levels, c.uniform, c.mirror = false, false, 0
	c.plain = !c.col.dict
	c.hexWidth = -1
	if c.col.random {
		c.hexWidth = 0
	}
	clear(c.dict.strs) // let the strings go
	c.dict.clearInts()
	c.dict.strs, c.dict.ints = c.dict.strs[:0], c.dict.ints[:0]
	clear(c.dict.strIDs)
	c.dict.bytes, c.dict.last = 0, 0
	c.hasStat, c.lo, c.hi, c.los, c.his = false, 0, 0, "", ""
	c.pages, c.paged, c.pageRow, c.pageSize = c.pages[:0], true, 0, 0
}

// pageStart is the first row of a page and where its values begin in data.
type pageStart struct{ row, at int }

// notePage notes the pages a PLAIN string of size bytes, the last value
// put, begins or ends. A page holds pageRows rows, or fewer when its
// values reach pageBytes: it ends after the value that reaches them.
func (c *colBuf) notePage(size int) {
	row := c.n + c.nulls - 1
	for row-c.pageRow >= pageRows {
		c.pageRow += pageRows
		c.pageSize = 0
		c.pages = append(c.pages, pageStart{c.pageRow, len(c.data)})
	}
	if c.pageSize += size; c.pageSize >= pageBytes {
		c.pageRow, c.pageSize = row+1, 0
		c.pages = append(c.pages, pageStart{row + 1, len(c.data) + size})
	}
}

// dictEncoded reports whether the buffered values are dictionary-encoded.
func (c *colBuf) dictEncoded() bool { return !c.plain && c.n > 0 }

// The put methods are cut so that their common case inlines into
// putBill: a function call per column of every bill costs as much as the
// putting.

func (c *colBuf) putNull() {
	if !c.levels && c.n == 0 {
		c.nulls++
		return
	}
	c.putNullLevel()
}

//go:noinline
func (c *colBuf) putNullLevel() {
	c.fillLevels()
	c.valid = append(c.valid, 0)
	c.nulls++
}

// putValid marks a row of an optional column that has a value.
func (c *colBuf) putValid() {
	if !c.levels && c.nulls == 0 {
		return
	}
	c.fillLevels()
	c.valid = append(c.valid, 1)
}

// fillLevels writes out the byte of each row of an optional column that
// levels left uncounted; the rows are either all null or all set.
func (c *colBuf) fillLevels() {
	if c.levels || !c.col.Optional {
		return
	}
	c.levels = true
	v := byte(0)
	if c.n > 0 {
		v = 1
	}
	rows := c.n + c.nulls
	c.valid = slices.Grow(c.valid[:0], rows)[:rows]
	if v == 0 || rows == 0 {
		clear(c.valid)
		return
	}
	// Ones, copied in doubling runs rather than set a byte at a time:
	// every optional column of every row group comes here.
	c.valid[0] = 1
	for n := 1; n < rows; n *= 2 {
		copy(c.valid[n:], c.valid[:n])
	}
}

// putOptStr writes s, or null when s is empty.
func (c *colBuf) putOptStr(s string) {
	if s == "" && !c.levels && c.n == 0 {
		c.nulls++
		return
	}
	c.putOptStrLevel(s)
}

//go:noinline
func (c *colBuf) putOptStrLevel(s string) {
	if s == "" {
		c.putNull()
		return
	}
	c.putValid()
	c.putStr(s)
}

// putOptI32 writes v, or null when ok is false.
func (c *colBuf) putOptI32(v int32, ok bool) {
	if !ok && !c.levels && c.n == 0 {
		c.nulls++
		return
	}
	c.putOptI32Level(v, ok)
}

//go:noinline
func (c *colBuf) putOptI32Level(v int32, ok bool) {
	if !ok {
		c.putNull()
		return
	}
	c.putValid()
	c.putI32(v)
}

func (c *colBuf) putStr(s string) {
	c.n++
	if c.plain {
		if c.hexWidth < 0 || !c.putHex(s) {
			c.putPlainStr(s)
		}
		return
	}
	d := &c.dict
	if len(c.idx) > 0 && s == d.strs[d.last] {
		c.idx = append(c.idx, d.last)
		c.size += 4 + int64(len(s))
		return
	}
	id, ok := d.strIDs[s]
	if !ok {
		// The dictionary keeps its own copy of a value (see statStr).
		key := strings.Clone(s)
		s = validUTF8(key)
		if d.bytes += 4 + len(s); d.bytes > maxDictBytes {
			c.spill()
			c.putPlainStr(s)
			return
		}
		if d.strIDs == nil {
			d.strIDs = make(map[string]uint32)
		}
		id = uint32(len(d.strs))
		d.strIDs[key] = id
		d.strs = append(d.strs, s)
		c.statStr(s)
	}
	d.last = id
	c.idx = append(c.idx, id)
	c.size += 4 + int64(len(d.strs[id]))
}

func (c *colBuf) putPlainStr(s string) {
	s = validUTF8(s)
	c.notePage(4 + len(s))
	c.data = binary.LittleEndian.AppendUint32(c.data, uint32(len(s)))
	c.data = append(c.data, s...)
	c.size += 4 + int64(len(s))
	c.statStr(s)
}

// maxPackedHex is the longest id held packed: a page of such ids is cut by
// rows alone, never by bytes, so that its values need not be counted.
const maxPackedHex = 48

const _ = uint(pageBytes - pageRows*(4+maxPackedHex))

// putHex holds the id s packed, half its size, when it and the values
// before it in the row group are lower-case hex digits of one length (a
// multiple of eight up to maxPackedHex): the pages are written from the
// packed digits (appendPackedHexFrame) as they would be from the text.
// Otherwise the values so far become PLAIN text again and it reports false.
func (c *colBuf) putHex(s string) bool {
	w := len(s)
	if c.hexWidth == 0 {
		if w == 0 || w%8 != 0 || w > maxPackedHex || len(c.data) > 0 {
			c.hexWidth = -1
			return false
		}
		c.hexWidth = w
	}
	at := len(c.data)
	if w != c.hexWidth {
		c.unpackHex()
		return false
	}
	c.data = slices.Grow(c.data, w/2)[:at+w/2]
	if packHexString(c.data[at:], s) != 0 {
		c.data = c.data[:at]
		c.unpackHex()
		return false
	}
	c.size += 4 + int64(w)
	c.statStr(s)
	return true
}

// putPackedID puts id, whose digits packed are d, as putStr(id) does,
// from d: id's text is read only when it may be a new minimum or maximum.
func (c *colBuf) putPackedID(id string, d *[16]byte) {
	const width = 2 * len(d)
	if !c.plain || c.hexWidth < 0 || c.hexWidth > 0 && c.hexWidth != width || c.hexWidth == 0 && len(c.data) > 0 {
		c.putStr(id)
		return
	}
	c.n++
	c.hexWidth = width
	c.data = append(c.data, d[:]...)
	c.size += 4 + int64(width)
	// The key of statStr: the first eight digits, as a big-endian word.
	if k := billing.HexDigits(binary.BigEndian.Uint32(d[:4])); !c.hasStat || k <= c.loKey || k >= c.hiKey {
		c.statStr(id)
	}
}

// unpackHex writes the packed values out as PLAIN text; the rest of the
// row group follows them that way.
func (c *colBuf) unpackHex() {
	if c.hexWidth <= 0 {
		return
	}
	text := make([]byte, 0, len(c.data)/(c.hexWidth/2)*(4+c.hexWidth))
	c.data, c.hexWidth = appendPlainIDs(text, c.data, c.hexWidth), -1
	c.paged = false // the encoder finds the pages itself
}

// validUTF8 returns s with any invalid UTF-8 replaced. Most values are
// short ASCII (ids, numbers): those are told here, eight bytes at a time,
// for less than the call to utf8.ValidString cost them.
func validUTF8(s string) string {
	b := unsafe.Slice(unsafe.StringData(s), len(s))
	var high uint64
	for ; len(b) >= 8; b = b[8:] {
		high |= binary.LittleEndian.Uint64(b)
	}
	for _, c := range b {
		high |= uint64(c)
	}
	if high&0x8080808080808080 == 0 {
		return s
	}
	return validUTF8Slow(s)
}

func validUTF8Slow(s string) string {
	if !utf8.ValidString(s) {
		return strings.ToValidUTF8(s, "\uFFFD")
	}
	return s
}

// statStr keeps copies: the strings put may be lent (a batch of bills
// read back from a run reuses its memory). The copies live in buffers of
// their own, overwritten by the next minimum or maximum: a column of
// growing values (call ids) has a new maximum at almost every row.
//
// Most values are decided by their first eight bytes (statKey), without a
// comparison of whole strings.
func (c *colBuf) statStr(s string) {
	k := statKey(s)
	switch {
	case !c.hasStat:
		c.los, c.loBuf = keepStat(c.loBuf, s)
		c.his, c.hiBuf = keepStat(c.hiBuf, s)
		c.loKey, c.hiKey, c.hasStat = k, k, true
	case k < c.loKey || k == c.loKey && s < c.los:
		c.los, c.loBuf = keepStat(c.loBuf, s)
		c.loKey = k
	case k > c.hiKey || k == c.hiKey && s > c.his:
		c.his, c.hiBuf = keepStat(c.hiBuf, s)
		c.hiKey = k
	}
}

// statKey is the first eight bytes of s as a big-endian number, zeros
// after a shorter s: when the keys of two strings differ, they are in the
// order of the strings.
func statKey(s string) uint64 {
	if len(s) >= 8 {
		return binary.BigEndian.Uint64(unsafe.Slice(unsafe.StringData(s), 8))
	}
	var b [8]byte
	copy(b[:], s)
	return binary.BigEndian.Uint64(b[:])
}

// keepStat copies s into buf and returns the copy and the buffer.
func keepStat(buf []byte, s string) (string, []byte) {
	buf = append(buf[:0], s...)
	return unsafe.String(unsafe.SliceData(buf), len(buf)), buf
}

func (c *colBuf) putI32(v int32) {
	c.n++
	c.size += 4
	if c.plain {
		c.data = binary.LittleEndian.AppendUint32(c.data, uint32(v))
		c.statInt(int64(v))
		return
	}
	d := &c.dict
	if len(c.idx) > 0 && v == d.ints[d.last] {
		c.idx = append(c.idx, d.last)
		return
	}
	id, ok := uint32(0), false
	if len(d.ints) <= smallDict {
		for i, x := range d.ints {
			if x == v {
				id, ok = uint32(i), true
				break
			}
		}
	} else {
		id, ok = d.intID(v)
	}
	if !ok {
		if d.bytes += 4; d.bytes > maxDictBytes {
			c.spill()
			c.data = binary.LittleEndian.AppendUint32(c.data, uint32(v))
			c.statInt(int64(v))
			return
		}
		id = uint32(len(d.ints))
		d.addInt(v, id)
		d.ints = append(d.ints, v)
		c.statInt(int64(v))
	}
	d.last = id
	c.idx = append(c.idx, id)
}

// intID is the index of v in an integer dictionary.
func (d *dictionary) intID(v int32) (uint32, bool) {
	if uint32(v) < lowInts {
		if d.low == nil {
			return 0, false
		}
		id := d.low[v]
		return id - 1, id != 0
	}
	id, ok := d.intIDs[v]
	return id, ok
}

// addInt notes that v has index id in an integer dictionary.
func (d *dictionary) addInt(v int32, id uint32) {
	if uint32(v) < lowInts {
		if d.low == nil {
			d.low = new([lowInts]uint32)
		}
		d.low[v] = id + 1
		return
	}
	if d.intIDs == nil {
		d.intIDs = make(map[int32]uint32)
	}
	d.intIDs[v] = id
}

// clearInts empties the indexes of an integer dictionary; its values are
// cleared by the caller.
func (d *dictionary) clearInts() {
	for _, v := range d.ints {
		if uint32(v) < lowInts {
			d.low[v] = 0
		}
	}
	clear(d.intIDs)
}

func (c *colBuf) putI64(v int64) {
	c.n++
	c.size += 8
	c.data = binary.LittleEndian.AppendUint64(c.data, uint64(v))
	c.statInt(v)
}

func (c *colBuf) statInt(v int64) {
	switch {
	case !c.hasStat:
		c.lo, c.hi, c.hasStat = v, v, true
	case v < c.lo:
		c.lo = v
	case v > c.hi:
		c.hi = v
	}
}

// spill gives up the dictionary, whose values would take more than
// maxDictBytes: the values so far are written out PLAIN, and the rest of
// the row group follows them.
func (c *colBuf) spill() {
	d := &c.dict
	for _, id := range c.idx {
		if c.col.Kind == KindString {
			s := d.strs[id]
			c.data = binary.LittleEndian.AppendUint32(c.data, uint32(len(s)))
			c.data = append(c.data, s...)
		} else {
			c.data = binary.LittleEndian.AppendUint32(c.data, uint32(d.ints[id]))
		}
	}
	c.plain = true
	c.paged = false
	c.idx = c.idx[:0]
	clear(d.strs)
	d.clearInts()
	d.strs, d.ints = d.strs[:0], d.ints[:0]
	clear(d.strIDs)
}
