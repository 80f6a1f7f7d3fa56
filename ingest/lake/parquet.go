package lake

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"math/bits"
	"runtime"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/apache/thrift/lib/go/thrift"
	"github.com/klauspost/compress/zstd"
	"github.com/xitongsys/parquet-go/parquet"
)

// The shape of the Parquet files the lake writes.
const (
	// rowGroupBytes is the uncompressed (plain-encoded) size at which a row
	// group is cut: big enough to compress well, small enough that a reader
	// scans a day's file in parallel.
	rowGroupBytes = 24 << 20
	// pageBytes and pageRows bound one data page, as parquet-mr does.
	pageBytes = 1 << 20
	pageRows  = 20_000
	// maxDictBytes bounds the dictionary of one column chunk; a column
	// whose distinct values take more falls back to plain encoding.
	maxDictBytes = 1 << 20
	// maxStatBytes is the longest string kept as a min/max statistic.
	maxStatBytes = 64
	// createdBy names the writer in every file. It has no version in it, so
	// that the same rows always give the same bytes.
	createdBy = "agentbill"
)

var parquetMagic = []byte("PAR1")

// zstdEncoder compresses pages. EncodeAll may be called from several
// goroutines at once and gives the same bytes for the same input.
var zstdEncoder = func() *zstd.Encoder {
	enc, err := zstd.NewWriter(nil,
		zstd.WithEncoderLevel(zstd.SpeedFastest),
		zstd.WithZeroFrames(true),
		zstd.WithEncoderConcurrency(runtime.GOMAXPROCS(0)))
	if err != nil {
		panic(err) // only for invalid options
	}
	return enc
}()

// colBuf buffers the values of one column for the row group being filled.
// Optional columns keep values only for non-null rows, and one valid flag per
// row.
type colBuf struct {
	col   Column
	i32   []int32
	i64   []int64
	str   []string
	valid []bool
	size  int64 // plain-encoded size of the buffered values
}

func (c *colBuf) reset() {
	c.i32, c.i64, c.str, c.valid = c.i32[:0], c.i64[:0], c.str[:0], c.valid[:0]
	clear(c.str[:cap(c.str)]) // let the strings go
	c.size = 0
}

func (c *colBuf) putStr(s string) {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	c.str = append(c.str, s)
	c.size += 4 + int64(len(s))
}

// putOptStr writes s, or null when s is empty.
func (c *colBuf) putOptStr(s string) {
	c.valid = append(c.valid, s != "")
	if s != "" {
		c.putStr(s)
	}
}

func (c *colBuf) putI32(v int32) {
	c.i32 = append(c.i32, v)
	c.size += 4
}

// putOptI32 writes v, or null when ok is false.
func (c *colBuf) putOptI32(v int32, ok bool) {
	c.valid = append(c.valid, ok)
	if ok {
		c.putI32(v)
	}
}

func (c *colBuf) putI64(v int64) {
	c.i64 = append(c.i64, v)
	c.size += 8
}

// tableWriter writes the rows of one table as a Parquet file to w, in row
// groups of about rowGroupBytes. While the caller fills one row group, the
// previous one is encoded in the background, each column chunk on its own
// goroutine; chunks are written in column order, so the bytes depend on
// nothing but the rows. It never closes w.
type tableWriter struct {
	w     io.Writer
	table Table
	cols  []colBuf // the row group being filled
	spare []colBuf // the row group being encoded, or free
	rows  int      // rows buffered in cols
	total int64    // rows written, buffered ones included
	err   error
	// done reports the end of the background encoding; nil when none runs.
	// While one runs, it alone uses w, off and groups.
	done   chan error
	off    int64
	groups []*parquet.RowGroup
	closed bool
}

func newTableWriter(w io.Writer, t Table) *tableWriter {
	tw := &tableWriter{w: w, table: t}
	tw.cols, tw.spare = make([]colBuf, len(t.Columns)), make([]colBuf, len(t.Columns))
	for i, c := range t.Columns {
		tw.cols[i].col, tw.spare[i].col = c, c
	}
	return tw
}

// endRow counts a row whose values were put into every column, and cuts a
// row group when enough data is buffered.
func (t *tableWriter) endRow() error {
	t.rows++
	t.total++
	if t.rows%1024 != 0 {
		return nil
	}
	var size int64
	for i := range t.cols {
		size += t.cols[i].size
	}
	if size >= rowGroupBytes {
		return t.flush()
	}
	return nil
}

// flush hands the buffered rows to the background as one row group, once
// the previous one is written.
func (t *tableWriter) flush() error {
	if err := t.wait(); err != nil || t.rows == 0 {
		return err
	}
	cols, rows := t.cols, t.rows
	t.cols, t.spare, t.rows = t.spare, t.cols, 0
	t.done = make(chan error, 1)
	go func() { t.done <- t.writeRowGroup(cols, rows) }()
	return nil
}

// wait waits for the background encoding, if any, and returns the first
// error of the writer.
func (t *tableWriter) wait() error {
	if t.done != nil {
		if err := <-t.done; err != nil && t.err == nil {
			t.err = err
		}
		t.done = nil
	}
	return t.err
}

func (t *tableWriter) write(p []byte) error {
	n, err := t.w.Write(p)
	t.off += int64(n)
	return err
}

// writeRowGroup encodes cols (rows rows), writes them and empties them.
func (t *tableWriter) writeRowGroup(cols []colBuf, rows int) error {
	if t.off == 0 {
		if err := t.write(parquetMagic); err != nil {
			return err
		}
	}
	chunks := make([]*chunk, len(cols))
	var wg sync.WaitGroup
	work := make(chan int, len(cols))
	for i := range cols {
		work <- i
	}
	close(work)
	for range min(runtime.GOMAXPROCS(0), len(cols)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ser := newSerializer()
			for i := range work {
				chunks[i] = encodeChunk(&cols[i], rows, ser)
			}
		}()
	}
	wg.Wait()

	start := t.off
	rg := &parquet.RowGroup{NumRows: int64(rows), FileOffset: &start, Ordinal: ptr(int16(len(t.groups)))}
	for i, ch := range chunks {
		if ch.err != nil {
			return fmt.Errorf("encode column %s: %w", cols[i].col.Name, ch.err)
		}
		md := ch.meta
		md.DataPageOffset = t.off + ch.dictSize
		if ch.dictSize > 0 {
			md.DictionaryPageOffset = ptr(t.off)
		}
		rg.Columns = append(rg.Columns, &parquet.ColumnChunk{FileOffset: t.off, MetaData: md})
		rg.TotalByteSize += md.TotalUncompressedSize
		if err := t.write(ch.data); err != nil {
			return err
		}
	}
	rg.TotalCompressedSize = ptr(t.off - start)
	t.groups = append(t.groups, rg)
	for i := range cols {
		cols[i].reset()
	}
	return nil
}

// close writes what is buffered and the footer. It does not close the
// underlying writer.
func (t *tableWriter) close() error {
	if t.closed {
		return t.err
	}
	t.closed = true
	if err := t.flush(); err != nil {
		return err
	}
	if err := t.wait(); err != nil {
		return err
	}
	buf, err := newSerializer().Write(context.Background(), t.footer())
	if err != nil {
		t.err = fmt.Errorf("encode footer: %w", err)
		return t.err
	}
	if t.off == 0 { // no rows at all
		if t.err = t.write(parquetMagic); t.err != nil {
			return t.err
		}
	}
	tail := binary.LittleEndian.AppendUint32(buf, uint32(len(buf)))
	t.err = t.write(append(tail, parquetMagic...))
	return t.err
}

func (t *tableWriter) footer() *parquet.FileMetaData {
	n := int32(len(t.table.Columns))
	meta := &parquet.FileMetaData{
		Version:   1,
		Schema:    []*parquet.SchemaElement{{Name: "schema", NumChildren: &n}},
		NumRows:   t.total,
		RowGroups: t.groups,
		CreatedBy: ptr(createdBy),
	}
	if meta.RowGroups == nil {
		meta.RowGroups = []*parquet.RowGroup{}
	}
	for _, c := range t.table.Columns {
		meta.Schema = append(meta.Schema, schemaElement(c))
		meta.ColumnOrders = append(meta.ColumnOrders, &parquet.ColumnOrder{TYPE_ORDER: &parquet.TypeDefinedOrder{}})
	}
	return meta
}

func schemaElement(c Column) *parquet.SchemaElement {
	rep := parquet.FieldRepetitionType_REQUIRED
	if c.Optional {
		rep = parquet.FieldRepetitionType_OPTIONAL
	}
	e := &parquet.SchemaElement{Name: c.Name, RepetitionType: &rep, Type: ptr(physicalType(c.Kind))}
	switch c.Kind {
	case KindString:
		e.ConvertedType = ptr(parquet.ConvertedType_UTF8)
		e.LogicalType = &parquet.LogicalType{STRING: &parquet.StringType{}}
	case KindTimestamp:
		// No converted type: TIMESTAMP_MICROS would claim the values are
		// adjusted to UTC.
		e.LogicalType = &parquet.LogicalType{TIMESTAMP: &parquet.TimestampType{
			IsAdjustedToUTC: false,
			Unit:            &parquet.TimeUnit{MICROS: &parquet.MicroSeconds{}},
		}}
	}
	return e
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

func newSerializer() *thrift.TSerializer {
	transport := thrift.NewTMemoryBufferLen(1024)
	return &thrift.TSerializer{
		Transport: transport,
		Protocol:  thrift.NewTCompactProtocolConf(transport, nil),
	}
}

func ptr[T any](v T) *T { return &v }

// chunk is one encoded column chunk: the dictionary page, if any, then the
// data pages, and its metadata without the file offsets.
type chunk struct {
	data     []byte
	dictSize int64
	meta     *parquet.ColumnMetaData
	err      error
	scratch  []byte // reused for compressed pages
}

// encodeChunk encodes the buffered values of c (rows rows).
func encodeChunk(c *colBuf, rows int, ser *thrift.TSerializer) *chunk {
	ch := &chunk{}
	md := &parquet.ColumnMetaData{
		Type:         physicalType(c.col.Kind),
		PathInSchema: []string{c.col.Name},
		Codec:        parquet.CompressionCodec_ZSTD,
		NumValues:    int64(rows),
		Statistics:   statistics(c, rows),
	}
	ch.meta = md

	encoding := parquet.Encoding_PLAIN
	var idx []uint32 // dictionary index of each value
	var dictLen int  // number of dictionary entries
	var dictBody []byte
	switch {
	case c.col.dict && c.col.Kind == KindString:
		var dict []string
		if dict, idx = buildDict(c.str, func(s string) int { return 4 + len(s) }); dict != nil {
			dictLen, dictBody = len(dict), appendPlainStrings(nil, dict)
		}
	case c.col.dict && c.col.Kind == KindInt32:
		var dict []int32
		if dict, idx = buildDict(c.i32, func(int32) int { return 4 }); dict != nil {
			dictLen = len(dict)
			for _, x := range dict {
				dictBody = binary.LittleEndian.AppendUint32(dictBody, uint32(x))
			}
		}
	case c.col.Kind == KindInt64 || c.col.Kind == KindTimestamp:
		encoding = parquet.Encoding_DELTA_BINARY_PACKED
	}
	if idx != nil {
		encoding = parquet.Encoding_PLAIN_DICTIONARY
		h := &parquet.PageHeader{
			Type:                 parquet.PageType_DICTIONARY_PAGE,
			DictionaryPageHeader: &parquet.DictionaryPageHeader{NumValues: int32(dictLen), Encoding: parquet.Encoding_PLAIN_DICTIONARY},
		}
		if err := ch.appendPage(ser, h, dictBody, md); err != nil {
			ch.err = err
			return ch
		}
		ch.dictSize = int64(len(ch.data))
	}
	md.Encodings = []parquet.Encoding{encoding, parquet.Encoding_RLE}

	width := 1
	if dictLen > 1 {
		width = bits.Len32(uint32(dictLen - 1))
	}
	var body []byte
	var levels []uint32
	v := 0 // index of the next non-null value
	for r0 := 0; r0 < rows; {
		// Cut the page at pageRows rows or pageBytes of values.
		r1, v1, size := r0, v, 0
		for r1 < rows && r1-r0 < pageRows && size < pageBytes {
			if c.valid == nil || c.valid[r1] {
				size += valueSize(c, v1)
				v1++
			}
			r1++
		}
		body = body[:0]
		if c.col.Optional {
			levels = levels[:0]
			for _, ok := range c.valid[r0:r1] {
				levels = append(levels, boolLevel(ok))
			}
			body = appendLevels(body, levels)
		}
		switch encoding {
		case parquet.Encoding_PLAIN_DICTIONARY:
			e := newRLEEncoder(width, append(body, byte(width)))
			e.encode(idx[v:v1])
			body = e.finish()
		case parquet.Encoding_DELTA_BINARY_PACKED:
			body = appendDelta(body, c.i64[v:v1])
		default:
			body = appendPlain(body, c, v, v1)
		}
		h := &parquet.PageHeader{
			Type: parquet.PageType_DATA_PAGE,
			DataPageHeader: &parquet.DataPageHeader{
				NumValues:               int32(r1 - r0),
				Encoding:                encoding,
				DefinitionLevelEncoding: parquet.Encoding_RLE,
				RepetitionLevelEncoding: parquet.Encoding_RLE,
			},
		}
		if err := ch.appendPage(ser, h, body, md); err != nil {
			ch.err = err
			return ch
		}
		r0, v = r1, v1
	}
	return ch
}

// appendPage compresses body and appends it with its header h.
func (ch *chunk) appendPage(ser *thrift.TSerializer, h *parquet.PageHeader, body []byte, md *parquet.ColumnMetaData) error {
	compressed := zstdEncoder.EncodeAll(body, ch.scratch[:0])
	ch.scratch = compressed
	h.UncompressedPageSize = int32(len(body))
	h.CompressedPageSize = int32(len(compressed))
	head, err := ser.Write(context.Background(), h)
	if err != nil {
		return err
	}
	ch.data = append(ch.data, head...)
	ch.data = append(ch.data, compressed...)
	md.TotalUncompressedSize += int64(len(head) + len(body))
	md.TotalCompressedSize += int64(len(head) + len(compressed))
	return nil
}

func boolLevel(ok bool) uint32 {
	if ok {
		return 1
	}
	return 0
}

// appendLevels appends definition levels (bit width 1) with their 4-byte
// length, as data pages of version 1 want.
func appendLevels(dst []byte, levels []uint32) []byte {
	at := len(dst)
	e := newRLEEncoder(1, append(dst, 0, 0, 0, 0))
	e.encode(levels)
	dst = e.finish()
	binary.LittleEndian.PutUint32(dst[at:], uint32(len(dst)-at-4))
	return dst
}

// buildDict returns the distinct values of vals in order of first
// appearance and each value's index, or nil when the dictionary would take
// more than maxDictBytes (size gives a value's plain size) or there is
// nothing to encode.
func buildDict[T comparable](vals []T, size func(T) int) ([]T, []uint32) {
	if len(vals) == 0 {
		return nil, nil
	}
	ids := make(map[T]uint32)
	var dict []T
	idx := make([]uint32, len(vals))
	bytes := 0
	prev, prevID := vals[0], uint32(0)
	for i, v := range vals {
		if i > 0 && v == prev {
			idx[i] = prevID // sorted columns repeat values in runs
			continue
		}
		id, ok := ids[v]
		if !ok {
			if bytes += size(v); bytes > maxDictBytes {
				return nil, nil
			}
			id = uint32(len(dict))
			ids[v] = id
			dict = append(dict, v)
		}
		idx[i] = id
		prev, prevID = v, id
	}
	return dict, idx
}

func valueSize(c *colBuf, v int) int {
	switch c.col.Kind {
	case KindString:
		return 4 + len(c.str[v])
	case KindInt32:
		return 4
	}
	return 8
}

// appendPlain appends the values v0..v1 of c in PLAIN encoding.
func appendPlain(dst []byte, c *colBuf, v0, v1 int) []byte {
	switch c.col.Kind {
	case KindString:
		return appendPlainStrings(dst, c.str[v0:v1])
	case KindInt32:
		for _, x := range c.i32[v0:v1] {
			dst = binary.LittleEndian.AppendUint32(dst, uint32(x))
		}
		return dst
	}
	for _, x := range c.i64[v0:v1] {
		dst = binary.LittleEndian.AppendUint64(dst, uint64(x))
	}
	return dst
}

func appendPlainStrings(dst []byte, vals []string) []byte {
	for _, s := range vals {
		dst = binary.LittleEndian.AppendUint32(dst, uint32(len(s)))
		dst = append(dst, s...)
	}
	return dst
}

// statistics gives the null count and, where short enough, the minimum and
// maximum of the column chunk, in the type-defined order.
func statistics(c *colBuf, rows int) *parquet.Statistics {
	nulls := int64(0)
	if c.valid != nil {
		nulls = int64(rows - max(len(c.str), len(c.i32), len(c.i64)))
	}
	st := &parquet.Statistics{NullCount: &nulls}
	switch c.col.Kind {
	case KindString:
		if len(c.str) == 0 {
			break
		}
		lo, hi := c.str[0], c.str[0]
		for _, s := range c.str[1:] {
			if s < lo {
				lo = s
			} else if s > hi {
				hi = s
			}
		}
		if len(lo) <= maxStatBytes && len(hi) <= maxStatBytes {
			st.MinValue, st.MaxValue = []byte(lo), []byte(hi)
		}
	case KindInt32:
		if len(c.i32) == 0 {
			break
		}
		lo, hi := c.i32[0], c.i32[0]
		for _, x := range c.i32[1:] {
			lo, hi = min(lo, x), max(hi, x)
		}
		st.MinValue = binary.LittleEndian.AppendUint32(nil, uint32(lo))
		st.MaxValue = binary.LittleEndian.AppendUint32(nil, uint32(hi))
		st.Min, st.Max = st.MinValue, st.MaxValue
	default:
		if len(c.i64) == 0 {
			break
		}
		lo, hi := c.i64[0], c.i64[0]
		for _, x := range c.i64[1:] {
			lo, hi = min(lo, x), max(hi, x)
		}
		st.MinValue = binary.LittleEndian.AppendUint64(nil, uint64(lo))
		st.MaxValue = binary.LittleEndian.AppendUint64(nil, uint64(hi))
		st.Min, st.Max = st.MinValue, st.MaxValue
	}
	return st
}
