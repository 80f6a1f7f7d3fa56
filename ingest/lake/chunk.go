package lake

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"

	"github.com/DataDog/zstd"
	"github.com/apache/thrift/lib/go/thrift"
	"github.com/klauspost/compress/huff0"
	"github.com/xitongsys/parquet-go/parquet"
)

// The shape of the column chunks.
const (
	// pageBytes and pageRows bound one data page, as parquet-mr does.
	// Values of fixed width and dictionary indices never reach pageBytes
	// in pageRows rows, so only string pages are cut by size.
	pageBytes = 1 << 20
	pageRows  = 20_000
	// maxDictBytes bounds the dictionary of one column chunk; a column
	// whose distinct values take more falls back to PLAIN encoding.
	maxDictBytes = 1 << 20
	// maxStatBytes is the longest string kept as a min/max statistic.
	maxStatBytes = 64
)

// Eight-byte values of a full page stay under pageBytes.
const _ = uint(pageBytes - 8*pageRows)

// zstdLevel is the level pages are compressed at: libzstd's level 1 is
// about twice as fast as the fastest level of the pure-Go encoders on the
// integer and timestamp columns, and gives pages 4-20 % smaller. Frames
// carry no checksum: the manifest's SHA-256 of each file is what tells a
// damaged file (see Verify). For the same bytes, the same frame.
const zstdLevel = 1

// numberLevel is the level of the pages of PLAIN integers and times that
// are not frames of their own making (see appendNumberFrame: 4-byte
// integers, short pages): libzstd's level -1, level 1 without
// Huffman-coded literals. Their literals are the changing low bytes of
// each value, nearly random, which Huffman coding shrinks by 2-4 % at a
// sixth of the compression's time.
const numberLevel = -1

// chunkEncoder encodes column chunks. It holds the scratch space one
// goroutine reuses from chunk to chunk; what it writes depends on nothing
// but the column's values.
type chunkEncoder struct {
	page    []byte // the uncompressed body of a page
	zbuf    []byte // the compressed body
	lbuf    []byte // the body compressed the other way, when probing
	huff    huff0.Scratch
	numbers numberFrame
	zstd    zstd.Ctx
	level   int // of the chunk being encoded
	rle     rleWriter
	head    *thrift.TMemoryBuffer
	proto   *thrift.TCompactProtocol
}

func newChunkEncoder() *chunkEncoder {
	head := thrift.NewTMemoryBufferLen(64)
	return &chunkEncoder{head: head, proto: thrift.NewTCompactProtocolConf(head, nil), zstd: zstd.NewCtx()}
}

// encode appends the column chunk of c (rows rows) to dst: the dictionary
// page, if any, then the data pages. The chunk's offsets in the returned
// metadata count from its first byte.
func (e *chunkEncoder) encode(dst []byte, c *colBuf, rows int) ([]byte, *parquet.ColumnChunk, error) {
	start := len(dst)
	e.level = zstdLevel
	if !c.dictEncoded() && c.col.Kind != KindString {
		e.level = numberLevel
	}
	md := &parquet.ColumnMetaData{
		Type:         physicalType(c.col.Kind),
		PathInSchema: []string{c.col.Name},
		Codec:        parquet.CompressionCodec_ZSTD,
		NumValues:    int64(rows),
		Statistics:   c.statistics(),
	}
	var err error
	encoding := parquet.Encoding_PLAIN
	width := 0
	if c.dictEncoded() {
		encoding = parquet.Encoding_PLAIN_DICTIONARY
		body := e.page[:0]
		n := len(c.dict.ints)
		if c.col.Kind == KindString {
			n = len(c.dict.strs)
			for _, s := range c.dict.strs {
				body = binary.LittleEndian.AppendUint32(body, uint32(len(s)))
				body = append(body, s...)
			}
		} else {
			for _, x := range c.dict.ints {
				body = binary.LittleEndian.AppendUint32(body, uint32(x))
			}
		}
		e.page = body
		h := &parquet.PageHeader{
			Type:                 parquet.PageType_DICTIONARY_PAGE,
			DictionaryPageHeader: &parquet.DictionaryPageHeader{NumValues: int32(n), Encoding: parquet.Encoding_PLAIN_DICTIONARY},
		}
		if dst, err = e.appendPage(dst, h, body, md, false); err != nil {
			return dst, nil, err
		}
		md.DictionaryPageOffset = ptr(int64(0))
		width = bitWidth(n)
	}
	md.DataPageOffset = int64(len(dst) - start)
	md.Encodings = []parquet.Encoding{encoding, parquet.Encoding_RLE}

	fixed := 0 // width of a PLAIN value, 0 for strings
	switch c.col.Kind {
	case KindInt32:
		fixed = 4
	case KindInt64, KindTimestamp:
		fixed = 8
	}
	// Random-looking values (hex ids) are compressed without a search
	// for matches (see appendRandomFrame); other strings with zstd,
	// unless their first page shows that they look random too: zstd's
	// matches save little more than the lengths' bytes, which cost
	// literals about two bytes a value. Then the rest are literals, at a
	// third of the cost.
	literals := c.col.random && width == 0
	probe := !literals && width == 0 && fixed == 0
	// stride is the bytes of a value in c.data when all take the same:
	// PLAIN numbers, and ids held packed.
	stride := fixed
	if c.hexWidth > 0 {
		stride = c.hexWidth / 2
	}
	v, b := 0, 0 // the next value, and its first byte in c.data
	page := 0    // the next of c.pages
	for r0 := 0; r0 < rows; {
		r1 := min(rows, r0+pageRows)
		v1, b1 := v, b
		switch {
		case width > 0 || stride > 0:
			if c.col.Optional {
				v1 += bytes.Count(c.valid[r0:r1], []byte{1})
			} else {
				v1 += r1 - r0
			}
			b1 = v1 * stride
		case c.paged: // PLAIN strings, their pages noted as they came
			b1 = len(c.data)
			if page < len(c.pages) && c.pages[page].row <= r1 {
				r1, b1 = c.pages[page].row, c.pages[page].at
				page++
			}
		default: // PLAIN strings: cut the page at pageBytes of values too
			size := 0
			r := r0
			for ; r < r1 && size < pageBytes; r++ {
				if !c.col.Optional || c.valid[r] == 1 {
					n := 4 + int(binary.LittleEndian.Uint32(c.data[b1:]))
					b1 += n
					size += n
					v1++
				}
			}
			r1 = r
		}
		body := e.page[:0]
		switch {
		case c.uniform:
			body = appendUniformLevels(body, r1-r0, c.valid[r0])
		case c.col.Optional:
			body = appendLevels(body, c.valid[r0:r1], &e.rle)
		}
		levels := len(body)
		h := &parquet.PageHeader{
			Type: parquet.PageType_DATA_PAGE,
			DataPageHeader: &parquet.DataPageHeader{
				NumValues:               int32(r1 - r0),
				Encoding:                encoding,
				DefinitionLevelEncoding: parquet.Encoding_RLE,
				RepetitionLevelEncoding: parquet.Encoding_RLE,
			},
		}
		if c.hexWidth > 0 {
			e.page = body
			if dst, err = e.appendPackedHex(dst, h, body, c.data[b:b1], c.hexWidth, md); err != nil {
				return dst, nil, err
			}
			r0, v, b = r1, v1, b1
			continue
		}
		switch {
		case width > 0:
			body = append(body, byte(width))
			e.rle.reset(width, body)
			e.rle.encode(c.idx[v:v1])
			body = e.rle.finish()
		case c.col.Optional:
			body = append(body, c.data[b:b1]...)
		default:
			body = c.data[b:b1] // the values are the whole page
		}
		if c.col.Optional || width > 0 {
			e.page = body
		}
		if probe {
			probe = false
			literals, err = e.probe(body, levels)
		} else if fixed == 8 && width == 0 {
			err = e.compressNumbers(body, levels)
		} else {
			err = e.compress(body, levels, literals)
		}
		if err == nil {
			dst, err = e.appendCompressed(dst, h, len(body), md)
		}
		if err != nil {
			return dst, nil, err
		}
		r0, v, b = r1, v1, b1
	}
	return dst, &parquet.ColumnChunk{FileOffset: 0, MetaData: md}, nil
}

// appendPage compresses body and appends it with its header h to dst;
// literals compresses it as random-looking values (see appendRandomFrame).
func (e *chunkEncoder) appendPage(dst []byte, h *parquet.PageHeader, body []byte, md *parquet.ColumnMetaData, literals bool) ([]byte, error) {
	if err := e.compress(body, 0, literals); err != nil {
		return dst, err
	}
	return e.appendCompressed(dst, h, len(body), md)
}

// appendPackedHex appends a page of levels and then the ids in packed
// (see colBuf.putHex), with its header h, to dst: the frame of its text
// made from the packed digits, or, where that frame cannot be made, the
// text written out and compressed as any page of random-looking values.
func (e *chunkEncoder) appendPackedHex(dst []byte, h *parquet.PageHeader, levels, packed []byte, width int, md *parquet.ColumnMetaData) ([]byte, error) {
	size := len(levels) + len(packed)/(width/2)*(4+width)
	var ok bool
	if e.zbuf, ok = appendPackedHexFrame(e.zbuf[:0], levels, packed, width); !ok {
		body := appendPlainIDs(levels, packed, width)
		e.page = body
		if err := e.compress(body, len(levels), true); err != nil {
			return dst, err
		}
	}
	return e.appendCompressed(dst, h, size, md)
}

// compress compresses body, levels bytes of definition levels and then
// values, into e.zbuf, as random-looking values or with zstd.
func (e *chunkEncoder) compress(body []byte, levels int, literals bool) error {
	if literals {
		e.zbuf = appendRandomFrame(e.zbuf[:0], body, levels, &e.huff)
		return nil
	}
	z, err := e.zstd.CompressLevel(e.zbuf[:cap(e.zbuf)], body, e.level)
	if err != nil {
		return fmt.Errorf("compress page: %w", err)
	}
	e.zbuf = z
	return nil
}

// compressNumbers compresses body, levels bytes of definition levels and
// then PLAIN values of 8 bytes, into e.zbuf: as a frame of matches one
// value back (see appendNumberFrame), or, for a page too short for one,
// with zstd.
func (e *chunkEncoder) compressNumbers(body []byte, levels int) error {
	var ok bool
	if e.zbuf, ok = e.numbers.appendNumberFrame(e.zbuf[:0], body, levels); ok {
		return nil
	}
	return e.compress(body, levels, false)
}

// probe compresses body both ways into e.zbuf, keeping the smaller, and
// reports whether the random-looking frame comes within 10 % of zstd.
func (e *chunkEncoder) probe(body []byte, levels int) (literals bool, err error) {
	if err := e.compress(body, levels, false); err != nil {
		return false, err
	}
	e.lbuf = appendRandomFrame(e.lbuf[:0], body, levels, &e.huff)
	literals = len(e.lbuf)*100 <= len(e.zbuf)*110
	if len(e.lbuf) < len(e.zbuf) {
		e.zbuf, e.lbuf = e.lbuf, e.zbuf
	}
	return literals, nil
}

// appendCompressed appends a page of size bytes, compressed into e.zbuf,
// with its header h to dst.
func (e *chunkEncoder) appendCompressed(dst []byte, h *parquet.PageHeader, size int, md *parquet.ColumnMetaData) ([]byte, error) {
	h.UncompressedPageSize = int32(size)
	h.CompressedPageSize = int32(len(e.zbuf))
	e.head.Reset()
	if err := h.Write(context.Background(), e.proto); err != nil {
		return dst, fmt.Errorf("page header: %w", err)
	}
	if err := e.proto.Flush(context.Background()); err != nil {
		return dst, fmt.Errorf("page header: %w", err)
	}
	head := e.head.Bytes()
	dst = append(dst, head...)
	dst = append(dst, e.zbuf...)
	md.TotalUncompressedSize += int64(len(head) + size)
	md.TotalCompressedSize += int64(len(head) + len(e.zbuf))
	return dst, nil
}

// statistics gives the null count and, where short enough, the minimum and
// maximum of the column chunk, in the type-defined order.
func (c *colBuf) statistics() *parquet.Statistics {
	nulls := int64(c.nulls)
	st := &parquet.Statistics{NullCount: &nulls}
	if !c.hasStat {
		return st
	}
	switch c.col.Kind {
	case KindString:
		if len(c.los) <= maxStatBytes && len(c.his) <= maxStatBytes {
			st.MinValue, st.MaxValue = []byte(c.los), []byte(c.his)
		}
	case KindInt32:
		st.MinValue = binary.LittleEndian.AppendUint32(nil, uint32(c.lo))
		st.MaxValue = binary.LittleEndian.AppendUint32(nil, uint32(c.hi))
		st.Min, st.Max = st.MinValue, st.MaxValue
	default:
		st.MinValue = binary.LittleEndian.AppendUint64(nil, uint64(c.lo))
		st.MaxValue = binary.LittleEndian.AppendUint64(nil, uint64(c.hi))
		st.Min, st.Max = st.MinValue, st.MaxValue
	}
	return st
}

func physicalType(k Kind) parquet.Type {
	switch k {
	case KindInt32:
		return parquet.Type_INT32
	case KindInt64, KindTimestamp:
		return parquet.Type_INT64
	}
	return parquet.Type_BYTE_ARRAY
}

func ptr[T any](v T) *T { return &v }
