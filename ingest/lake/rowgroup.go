package lake

import (
	"bytes"
	"cmp"
	"fmt"
	"runtime"
	"slices"
	"sync"

	"github.com/xitongsys/parquet-go/parquet"
)

// rowGroupBytes is the uncompressed (PLAIN-encoded) size at which a row
// group is cut: about 80,000 bills, near DuckDB's own 122,880 rows, big
// enough to compress as well as larger groups (pages and frames are cut
// by rows, not by groups), small enough that a reader scans a day's file
// in parallel and that a group's buffers are still in the caches when it
// is encoded: 24 MiB took 2 % longer to write the 25,000-agent day.
const rowGroupBytes = 12 << 20

// rowGroup buffers the rows of one row group of a table, column by column.
type rowGroup struct {
	table Table
	cols  []colBuf
	rows  int
	// sized is set once the buffers have room for a whole row group. Only
	// the bills fill whole row groups; the other tables are mostly small.
	sized bool
}

func newRowGroup(t Table) *rowGroup {
	g := &rowGroup{table: t, cols: make([]colBuf, len(t.Columns)), sized: t.Name != Bills.Name}
	for i, c := range t.Columns {
		g.cols[i] = newColBuf(c)
	}
	return g
}

// endRow counts a row whose values were put into every column, and reports
// whether the row group is full. The size is looked at every 1024 rows, so
// where a row group ends depends only on its own rows.
func (g *rowGroup) endRow() (full bool) {
	g.rows++
	if g.rows%1024 != 0 {
		return false
	}
	var size int64
	for i := range g.cols {
		c := &g.cols[i]
		if c.mirror > 0 {
			c = &g.cols[c.mirror-1]
		}
		size += c.size
	}
	if !g.sized && size > 0 {
		g.reserve(float64(rowGroupBytes) / float64(size))
	}
	return size >= rowGroupBytes
}

// reserve gives each buffer room for scale times what it holds, once: the
// first rows of a row group tell how the rest will fill it, and growing
// the buffers by doubling would copy them again and again.
func (g *rowGroup) reserve(scale float64) {
	g.sized = true
	scale *= 1.1
	for i := range g.cols {
		c := &g.cols[i]
		c.valid = grow(c.valid, scale)
		c.data = grow(c.data, scale)
		c.idx = grow(c.idx, scale)
	}
}

func grow[T any](s []T, scale float64) []T {
	if n := int(float64(len(s)) * scale); n > cap(s) {
		return slices.Grow(s, n-len(s))
	}
	return s
}

func (g *rowGroup) reset() {
	for i := range g.cols {
		g.cols[i].reset()
	}
	g.rows = 0
}

// encodedGroup is a row group ready to go into a file: its column chunks,
// one after the other in column order, and its metadata, whose offsets
// count from the group's first byte until a file places it.
type encodedGroup struct {
	parts [][]byte // the group's bytes, in pieces written one after the other
	size  int      // their length
	meta  *parquet.RowGroup
}

// encode encodes the buffered rows into buf, reusing its memory,
// one column after the other on the calling goroutine.
func (g *rowGroup) encode(e *chunkEncoder, buf []byte) (*encodedGroup, error) {
	g.fillLevels()
	dst := buf[:0]
	eg := &encodedGroup{meta: g.meta()}
	twins := g.twins()
	starts := make([]int, len(g.cols)+1)
	for i := range g.cols {
		at := len(dst)
		starts[i] = at
		if j := twins[i]; j >= 0 {
			dst = append(dst, dst[starts[j]:starts[j+1]]...)
			eg.meta.Columns = append(eg.meta.Columns, twinChunk(eg.meta.Columns[j], g.cols[i].col.Name, int64(at-starts[j])))
			starts[i+1] = len(dst)
			continue
		}
		var cc *parquet.ColumnChunk
		var err error
		if dst, cc, err = e.encode(dst, &g.cols[i], g.rows); err != nil {
			return nil, fmt.Errorf("encode column %s: %w", g.cols[i].col.Name, err)
		}
		shiftChunk(cc, int64(at))
		eg.meta.Columns = append(eg.meta.Columns, cc)
		starts[i+1] = len(dst)
	}
	eg.parts, eg.size = [][]byte{dst}, len(dst)
	g.sumSizes(eg)
	return eg, nil
}

// fillLevels gives every optional column its byte per row, which the
// pages' definition levels are written from, and marks those whose rows
// are all null or all set.
func (g *rowGroup) fillLevels() {
	for i := range g.cols {
		c := &g.cols[i]
		c.uniform = c.col.Optional && !c.levels
		c.fillLevels()
	}
}

// twins maps each column whose buffered values are those of an earlier
// column, byte for byte, to that column, and the others to -1. A twin's
// column chunk is its first's, so it is encoded once: a mirror column (at a
// site on UTC, the *_local columns) is the twin of the column it mirrors.
func (g *rowGroup) twins() []int {
	twins := make([]int, len(g.cols))
	for i := range g.cols {
		twins[i] = -1
		a := &g.cols[i]
		if a.mirror > 0 { // the chunk of the column it mirrors, or of that one's twin
			j := a.mirror - 1
			if twins[j] >= 0 {
				j = twins[j]
			}
			twins[i] = j
			continue
		}
		if a.dictEncoded() || len(a.data) == 0 {
			continue
		}
		for j := range i {
			b := &g.cols[j]
			if twins[j] < 0 && !b.dictEncoded() && a.col.Kind == b.col.Kind && a.col.Optional == b.col.Optional &&
				a.col.random == b.col.random && a.hexWidth == b.hexWidth && a.nulls == b.nulls && a.n == b.n &&
				bytes.Equal(a.data, b.data) && bytes.Equal(a.valid, b.valid) {
				twins[i] = j
				break
			}
		}
	}
	return twins
}

// twinChunk is the metadata of a twin column, name, whose chunk is that
// of cc moved by shift bytes.
func twinChunk(cc *parquet.ColumnChunk, name string, shift int64) *parquet.ColumnChunk {
	md := *cc.MetaData
	md.PathInSchema = []string{name}
	if p := md.DictionaryPageOffset; p != nil {
		md.DictionaryPageOffset = ptr(*p)
	}
	twin := &parquet.ColumnChunk{FileOffset: cc.FileOffset, MetaData: &md}
	shiftChunk(twin, shift)
	return twin
}

// encodeParallel encodes the buffered rows with each column chunk on its
// own goroutine, at most len(encs) at once; chunks[i] is the scratch of
// column i, which the group's parts point into until the next call. The
// bytes are those of encode.
func (g *rowGroup) encodeParallel(encs []*chunkEncoder, chunks [][]byte) (*encodedGroup, error) {
	g.fillLevels()
	metas := make([]*parquet.ColumnChunk, len(g.cols))
	errs := make([]error, len(g.cols))
	twins := g.twins()
	// The largest chunks first, the small ones last: the goroutines then
	// end together, rather than one encoding the last big chunk alone
	// while the writer, and the billing behind it, wait.
	order := make([]int, 0, len(g.cols))
	for i := range g.cols {
		if twins[i] < 0 {
			order = append(order, i)
		}
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(g.cols[b].size, g.cols[a].size) })
	work := make(chan int, len(order))
	for _, i := range order {
		work <- i
	}
	close(work)
	var wg sync.WaitGroup
	for _, e := range encs[:min(len(encs), len(g.cols))] {
		wg.Go(func() {
			for i := range work {
				if cap(chunks[i]) == 0 {
					// Room for the chunk compressed to half its size: grown
					// by appending, it would be made again and again.
					chunks[i] = make([]byte, 0, g.cols[i].size/2+4096)
				}
				chunks[i], metas[i], errs[i] = e.encode(chunks[i][:0], &g.cols[i], g.rows)
			}
		})
	}
	wg.Wait()
	// The chunks are written from where they are, not copied into one
	// buffer first; a twin's is its first's again.
	eg := &encodedGroup{meta: g.meta(), parts: make([][]byte, 0, len(g.cols))}
	starts := make([]int, len(g.cols))
	for i, cc := range metas {
		if errs[i] != nil {
			return nil, fmt.Errorf("encode column %s: %w", g.cols[i].col.Name, errs[i])
		}
		starts[i] = eg.size
		if j := twins[i]; j >= 0 {
			eg.meta.Columns = append(eg.meta.Columns, twinChunk(eg.meta.Columns[j], g.cols[i].col.Name, int64(starts[i]-starts[j])))
			eg.parts = append(eg.parts, chunks[j])
			eg.size += len(chunks[j])
			continue
		}
		shiftChunk(cc, int64(eg.size))
		eg.meta.Columns = append(eg.meta.Columns, cc)
		eg.parts = append(eg.parts, chunks[i])
		eg.size += len(chunks[i])
	}
	g.sumSizes(eg)
	return eg, nil
}

// encoders returns scratch for encodeParallel: one encoder a core.
func encoders() []*chunkEncoder {
	encs := make([]*chunkEncoder, runtime.GOMAXPROCS(0))
	for i := range encs {
		encs[i] = newChunkEncoder()
	}
	return encs
}

// meta starts the metadata of the row group being encoded.
func (g *rowGroup) meta() *parquet.RowGroup {
	return &parquet.RowGroup{
		Columns:        make([]*parquet.ColumnChunk, 0, len(g.cols)),
		NumRows:        int64(g.rows),
		SortingColumns: g.table.sortingColumns(),
	}
}

func (g *rowGroup) sumSizes(eg *encodedGroup) {
	for _, cc := range eg.meta.Columns {
		eg.meta.TotalByteSize += cc.MetaData.TotalUncompressedSize
	}
	eg.meta.TotalCompressedSize = ptr(int64(eg.size))
}

// shiftChunk moves the offsets of a column chunk by off bytes.
func shiftChunk(cc *parquet.ColumnChunk, off int64) {
	cc.FileOffset += off
	cc.MetaData.DataPageOffset += off
	if p := cc.MetaData.DictionaryPageOffset; p != nil {
		*p += off
	}
}
